"""negsample: embeddings trained with negative sampling.

The word2vec engine (``negsample.Word2Vec``) needs only NumPy, Numba and SciPy; the PyTorch parts
(``negsample.losses``, ``negsample.miners``, ``negsample.retrieval``) need the ``[torch]`` extra.
"""

from .imbalance import calibrate, downsample_negatives
from .keyedvectors import KeyedVectors, VectorsFormatError
from .noise import Empirical, LogUniform, NoiseDistribution, StreamingFrequency, Uniform, Unigram
from .vocab import Vocabulary, VocabularyCounter
from .word2vec import Word2Vec, Word2VecConfig

__version__ = "0.1.0"

__all__ = [
    "Empirical",
    "KeyedVectors",
    "LogUniform",
    "NoiseDistribution",
    "StreamingFrequency",
    "Uniform",
    "Unigram",
    "calibrate",
    "downsample_negatives",
    "VectorsFormatError",
    "Vocabulary",
    "VocabularyCounter",
    "Word2Vec",
    "Word2VecConfig",
    "__version__",
]
