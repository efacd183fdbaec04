"""Negative miners (PyTorch): look at a batch's distances and return typed index sets.

Every triplet miner is called as ``miner(embeddings, labels)`` and returns ``Triplets(anchor,
positive, negative)``, which any negsample (or pytorch-metric-learning) metric loss accepts as
``loss(embeddings, labels, indices_tuple)``. Distances are Euclidean between L2-normalised
embeddings unless ``normalize_embeddings=False``, from :class:`negsample.distances.EuclideanDistance`
as in the metric losses.

Example
-------
>>> import torch
>>> from negsample.miners import SemiHardNegativeMiner
>>> emb, labels = torch.randn(32, 16), torch.arange(32) % 4
>>> triplets = SemiHardNegativeMiner(margin=0.2)(emb, labels)
>>> triplets._fields
('anchor', 'positive', 'negative')
"""

# Each submodule calls negsample._torch.require_torch(), so a missing torch fails with a message
# that names the [torch] extra.
from .base import TripletMiner, Triplets
from .distance_weighted import DistanceWeightedMiner
from .hard import HardNegativeMiner
from .ohem import ohem
from .semihard import SemiHardNegativeMiner

__all__ = [
    "DistanceWeightedMiner",
    "HardNegativeMiner",
    "SemiHardNegativeMiner",
    "TripletMiner",
    "Triplets",
    "ohem",
]
