"""negsample: embeddings trained with negative sampling.

The word2vec wing (``negsample.Word2Vec``, ``negsample.word2vec``) needs only NumPy, Numba and SciPy.
The shared floor below it holds what every domain uses: noise distributions (``negsample.noise``),
vocabularies and keyed vectors, ranking metrics (``negsample.evaluation``), and the PyTorch parts
(``negsample.losses``, ``negsample.miners``, ``negsample.retrieval``, ``negsample.scores``,
``negsample.distances``), which need the ``[torch]`` extra.
"""

from importlib import import_module

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


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    elif not name.startswith("__"):
        try:  # a subpackage or module: negsample.noise, negsample.losses, ...
            value = import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(__all__) | set(globals()))
