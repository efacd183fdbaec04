"""negsample: embeddings trained with negative sampling.

The word2vec wing (``negsample.Word2Vec``, ``negsample.word2vec``) needs only NumPy, Numba and SciPy.
The shared floor below it holds what every domain uses: noise distributions (``negsample.noise``),
vocabularies and keyed vectors, ranking metrics (``negsample.evaluation``), and the PyTorch parts
(``negsample.losses``, ``negsample.miners``, ``negsample.retrieval``, ``negsample.scores``,
``negsample.distances``), which need the ``[torch]`` extra.
"""

from .imbalance import calibrate, downsample_negatives
from .keyedvectors import KeyedVectors
from .noise import Empirical, LogUniform, NoiseDistribution, StreamingFrequency, Uniform, Unigram
from .vectors_io import VectorsFormatError
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
