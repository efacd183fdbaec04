"""Losses for training with negatives (PyTorch; needs the ``[torch]`` extra).

Losses only see scores (and log-probabilities, ids for accidental hits, labels and index tuples):
they never own embedding tables and never sample, except the TensorFlow ports ``nce_loss`` and
``sampled_softmax_loss``, which draw shared candidates from a noise distribution as TF does.

* Sampled objectives on scores: :class:`NegativeSamplingLoss`, :class:`BPRLoss`, SimpleX's
  :class:`CosineContrastiveLoss`, and the logQ-corrected
  :class:`NCELoss` and :class:`SampledSoftmaxLoss` (both built on :class:`SampledScoreLoss`).
* Ranking negatives against their positive (knowledge-graph embeddings and beyond):
  :class:`MarginRankingLoss`, and :class:`SelfAdversarialLoss` (RotatE's self-adversarial weights).
* TensorFlow ports (:mod:`~negsample.losses.tf_ports`): :func:`nce_loss`, :func:`sampled_softmax_loss`,
  :func:`compute_sampled_logits`; candidates from :func:`negsample.noise.candidates.sample_candidates`.
* In-batch contrastive: :class:`InfoNCELoss` (CLIP with ``symmetric=True``), :class:`NTXentLoss`.
* Metric learning, called as pytorch-metric-learning's ``loss(embeddings, labels, indices_tuple)``:
  :class:`TripletMarginLoss`, :class:`ContrastiveLoss`, :class:`MarginLoss`; their distances come
  from :mod:`negsample.distances`, as the miners' do.

Every loss takes ``reduction='mean' | 'sum' | 'none'``; score corrections live in :mod:`negsample.scores`.

Example
-------
>>> import torch
>>> from negsample.losses import NegativeSamplingLoss
>>> NegativeSamplingLoss()(torch.randn(4), torch.randn(4, 5)).ndim
0
"""

from .._torch import require_torch

require_torch()  # fail here, naming the [torch] extra, before any submodule touches torch

from .bpr import BPRLoss  # noqa: E402
from .contrastive import ContrastiveLoss  # noqa: E402
from .cosine_contrastive import CosineContrastiveLoss  # noqa: E402
from .infonce import InfoNCELoss  # noqa: E402
from .margin import MarginLoss  # noqa: E402
from .margin_ranking import MarginRankingLoss  # noqa: E402
from .negative_sampling import NegativeSamplingLoss  # noqa: E402
from .ntxent import NTXentLoss  # noqa: E402
from .sampled import NCELoss, SampledScoreLoss, SampledSoftmaxLoss  # noqa: E402
from .self_adversarial import SelfAdversarialLoss  # noqa: E402
from .tf_ports import compute_sampled_logits, nce_loss, sampled_softmax_loss  # noqa: E402
from .triplet import TripletMarginLoss  # noqa: E402

__all__ = [
    "BPRLoss",
    "ContrastiveLoss",
    "CosineContrastiveLoss",
    "InfoNCELoss",
    "MarginLoss",
    "MarginRankingLoss",
    "NCELoss",
    "NTXentLoss",
    "NegativeSamplingLoss",
    "SampledScoreLoss",
    "SampledSoftmaxLoss",
    "SelfAdversarialLoss",
    "TripletMarginLoss",
    "compute_sampled_logits",
    "nce_loss",
    "sampled_softmax_loss",
]
