"""negsample: embeddings trained with negative sampling.

The word2vec engine (``negsample.Word2Vec``) needs only NumPy, Numba and SciPy; the PyTorch parts
(``negsample.losses``, ``negsample.miners``, ``negsample.retrieval``) need the ``[torch]`` extra.
"""

from .keyedvectors import KeyedVectors, VectorsFormatError
from .noise import NoiseDistribution, Unigram
from .vocab import Vocabulary, VocabularyCounter
from .word2vec import Word2Vec, Word2VecConfig

__version__ = "0.1.0"

__all__ = [
    "KeyedVectors",
    "NoiseDistribution",
    "Unigram",
    "VectorsFormatError",
    "Vocabulary",
    "VocabularyCounter",
    "Word2Vec",
    "Word2VecConfig",
    "__version__",
]
