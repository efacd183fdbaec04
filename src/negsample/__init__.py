"""negsample: embeddings trained with negative sampling.

The word2vec wing (``negsample.Word2Vec``, ``negsample.word2vec``) needs only NumPy, Numba and SciPy.
The shared floor below it holds what every domain uses: noise distributions (``negsample.noise``),
vocabularies and keyed vectors, ranking metrics (``negsample.evaluation``), and the PyTorch parts
(``negsample.losses``, ``negsample.miners``, ``negsample.retrieval``, ``negsample.scores``,
``negsample.distances``), which need the ``[torch]`` extra.
"""

from ._lazy import lazy_exports

# Everything is imported on first use (PEP 562), so that ``import negsample`` -- and the command
# line's help and its commands that do not train -- never pay for Numba or torch they do not need.
_LAZY = {
    "calibrate": "imbalance", "downsample_negatives": "imbalance", "KeyedVectors": "keyedvectors",
    "Empirical": "noise", "LogUniform": "noise", "NoiseDistribution": "noise", "StreamingFrequency": "noise",
    "Uniform": "noise", "Unigram": "noise", "ParameterError": "_checks", "VectorsFormatError": "vectors_io",
    "Vocabulary": "vocab", "VocabularyCounter": "vocab", "Word2Vec": "word2vec", "Word2VecConfig": "word2vec",
}

__version__ = "0.1.0"

__all__ = [
    "Empirical",
    "KeyedVectors",
    "LogUniform",
    "NoiseDistribution",
    "ParameterError",
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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__, submodules=True)
