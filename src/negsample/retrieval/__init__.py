"""Negatives for two-tower retrieval (PyTorch): in-batch (+logQ), cross-batch memory, mixed.

The pieces build a ``(B, C)`` logits matrix whose row ``i`` has its positive in column ``i``, so the
loss is always ``cross_entropy(logits, arange(B))``: :mod:`~negsample.retrieval.in_batch` (in-batch
logits, extra negative columns), :mod:`~negsample.retrieval.memory` (cross-batch FIFO) and
:mod:`~negsample.retrieval.mixed` (in-batch plus sampled). The logQ correction and the accidental-hit
mask they apply are :mod:`negsample.scores`.

Example
-------
>>> import torch
>>> from negsample.retrieval import in_batch_logits
>>> queries, items = torch.randn(8, 16), torch.randn(8, 16)
>>> logits = in_batch_logits(queries, items, candidate_ids=torch.arange(8), temperature=0.05)
>>> loss = torch.nn.functional.cross_entropy(logits, torch.arange(8))
"""

# Each submodule calls negsample._torch.require_torch(), so a missing torch fails with a message
# that names the [torch] extra.
from .in_batch import append_negatives, in_batch_logits
from .memory import CrossBatchMemory, Negatives
from .mixed import MixedNegatives

__all__ = [
    "CrossBatchMemory",
    "MixedNegatives",
    "Negatives",
    "append_negatives",
    "in_batch_logits",
]
