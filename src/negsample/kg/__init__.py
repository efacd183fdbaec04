"""Knowledge-graph embeddings trained on corrupted triples (needs the ``[torch]`` extra for training).

* :class:`Triples` -- train/valid/test triples read from tab-separated files, id maps both ways.
* :mod:`~negsample.kg.models` -- score functions TransE (L1/L2), DistMult, ComplEx, RotatE.
* :mod:`~negsample.kg.corruption` -- negatives: uniform and Bernoulli corruption, filtered, shared.
* :class:`KGModel` -- ``fit`` (progress bar, early stopping on validation MRR, ``torchrun``), ``evaluate``
  (filtered link prediction, :mod:`~negsample.kg.evaluation`), ``predict_tails`` / ``predict_heads`` by
  name, ``save`` / ``load`` (one ``.npz``, no pickle).

Example
-------
>>> from negsample.kg import Triples
>>> Triples.from_labels([("paris", "capital_of", "france")]).num_entities
2
"""

from importlib import import_module

from .config import KGConfig, KGConfigError
from .triples import INVERSE_SUFFIX, Triples, TriplesFormatError, UnseenLabel

# The rest needs torch: imported on first use, so reading triples and settings (and the CLI's help)
# does not pay for importing torch.
_LAZY = {
    "BernoulliCorruption": "corruption", "CorruptionSampler": "corruption", "Negatives": "corruption",
    "UniformCorruption": "corruption", "KnownTriples": "known", "LinkPredictionResult": "evaluation",
    "RankingMetrics": "evaluation", "evaluate_link_prediction": "evaluation", "KGModel": "model",
    "ComplEx": "models", "DistMult": "models", "RotatE": "models", "ScoreFunction": "models", "TransE": "models",
    "build_score_function": "models", "KGModelFormatError": "serving", "Prediction": "serving",
    "UnknownLabelError": "serving",
}

__all__ = ["INVERSE_SUFFIX", "BernoulliCorruption", "ComplEx", "CorruptionSampler", "DistMult", "KGConfig",
           "KGConfigError", "KGModel", "KGModelFormatError", "KnownTriples", "LinkPredictionResult", "Negatives",
           "Prediction", "RankingMetrics", "RotatE", "ScoreFunction", "TransE", "Triples", "TriplesFormatError",
           "UniformCorruption", "UnknownLabelError", "UnseenLabel", "build_score_function",
           "evaluate_link_prediction"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
