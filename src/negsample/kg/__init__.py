"""Knowledge-graph embeddings trained on corrupted triples (needs the ``[torch]`` extra for training).

* :class:`Triples` -- train/valid/test triples read from tab-separated files, id maps both ways.
* :mod:`~negsample.kg.models` -- score functions TransE (L1/L2), DistMult, ComplEx, RotatE.
* :mod:`~negsample.kg.corruption` -- negatives: uniform and Bernoulli corruption, filtered, shared.

Example
-------
>>> from negsample.kg import Triples
>>> Triples.from_labels([("paris", "capital_of", "france")]).num_entities
2
"""

from .corruption import BernoulliCorruption, CorruptionSampler, Negatives, UniformCorruption
from .known import KnownTriples
from .models import ComplEx, DistMult, RotatE, ScoreFunction, TransE, build_score_function
from .triples import INVERSE_SUFFIX, Triples, TriplesFormatError, UnseenLabel

__all__ = ["INVERSE_SUFFIX", "BernoulliCorruption", "ComplEx", "CorruptionSampler", "DistMult", "KnownTriples",
           "Negatives", "RotatE", "ScoreFunction", "TransE", "Triples", "TriplesFormatError", "UniformCorruption",
           "UnseenLabel", "build_score_function"]
