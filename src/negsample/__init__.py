"""negsample: embeddings trained with negative sampling.

The word2vec engine (``negsample.Word2Vec``) needs only NumPy, Numba and SciPy; the PyTorch parts
(``negsample.losses``, ``negsample.miners``, ``negsample.retrieval``) need the ``[torch]`` extra.
"""

from .noise import NoiseDistribution, Unigram
from .vocab import Vocabulary, VocabularyCounter

__version__ = "0.1.0"

__all__ = ["NoiseDistribution", "Unigram", "Vocabulary", "VocabularyCounter", "__version__"]
