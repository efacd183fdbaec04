"""Candidate sampling as TensorFlow does it: draws shared by a batch, with their expected counts.

The TensorFlow ports (:mod:`negsample.losses.tf_ports`) draw through :func:`sample_candidates`.
Needs PyTorch, imported on the first call (so ``negsample.noise`` itself stays NumPy-only).

Example
-------
>>> import torch
>>> from negsample.noise import LogUniform
>>> from negsample.noise.candidates import sample_candidates
>>> labels = torch.tensor([[1], [4]])
>>> sampled, true_count, sampled_count = sample_candidates(
...     LogUniform(10), labels, num_sampled=3, generator=torch.Generator().manual_seed(0))
>>> sampled.shape, true_count.shape, sampled_count.shape
(torch.Size([3]), torch.Size([2, 1]), torch.Size([3]))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._checks import check_positive_int
from .._torch import require_torch
from .base import NoiseDistribution

if TYPE_CHECKING:
    import torch

__all__ = ["sample_candidates"]

# Rejection sampling for unique candidates gives up after this many draws in total.
_MAX_TOTAL_DRAWS = 50_000_000


def sample_candidates(
    sampler: NoiseDistribution,
    true_classes: torch.Tensor,
    *,
    num_sampled: int,
    unique: bool = True,
    generator: torch.Generator | None = None,
):
    """Draw ``num_sampled`` candidate ids shared by the batch, with TensorFlow's expected counts.

    The counterpart of ``tf.random.log_uniform_candidate_sampler`` (and its siblings) for any
    :class:`~negsample.noise.NoiseDistribution`.

    Parameters
    ----------
    sampler : NoiseDistribution
    true_classes : LongTensor, shape (batch_size, num_true)
        Only used for the expected counts of the true classes (and its device).
    num_sampled : int
    unique : bool, default True
        ``True`` (TensorFlow's default in ``nce_loss``/``sampled_softmax_loss``): draw with
        replacement until ``num_sampled`` *distinct* ids were seen, after ``num_tries`` draws, and
        keep them in order of first appearance. ``False``: ``num_sampled`` i.i.d. draws.
    generator : torch.Generator, optional

    Returns
    -------
    sampled : LongTensor, shape (num_sampled,)
    true_expected_count : float tensor, shape (batch_size, num_true)
    sampled_expected_count : float tensor, shape (num_sampled,)
        How often each id is expected among the draws, exactly as TensorFlow computes it: with
        ``unique=False`` (or when no draw was rejected, ``num_tries == num_sampled``) it is
        ``num_sampled * p``; otherwise ``-expm1(num_tries * log1p(-p))`` = ``1 - (1 - p)**num_tries``,
        the probability that the id shows up in ``num_tries`` draws. Dtype:
        ``torch.get_default_dtype()``.
    """
    torch = require_torch()
    num_sampled = check_positive_int("num_sampled", num_sampled)
    device = true_classes.device
    if unique:
        reachable = int((sampler.probs > 0).sum())
        if num_sampled > reachable:
            raise ValueError(
                f"num_sampled: with unique=True at most {reachable} distinct ids can be drawn "
                f"(classes with non-zero probability), got {num_sampled}"
            )
        sampled, num_tries = _draw_unique(sampler, num_sampled, device, generator)
    else:
        sampled = sampler.sample((num_sampled,), device=device, generator=generator)
        num_tries = num_sampled

    def expected_count(ids):
        p = sampler.log_prob(ids, dtype=torch.float64).exp()
        if num_tries == num_sampled:
            count = p * num_sampled
        else:
            count = -torch.expm1(num_tries * torch.log1p(-p))
        return count.to(torch.get_default_dtype())

    return sampled, expected_count(true_classes), expected_count(sampled)


def _draw_unique(sampler, num_sampled, device, generator):
    """Rejection sampling of distinct ids, vectorised: draw in growing chunks, keep first appearances."""
    torch = require_torch()
    draws = torch.empty(0, dtype=torch.long, device=device)
    chunk = max(2 * num_sampled, 64)
    while True:
        more = sampler.sample((chunk,), device=device, generator=generator)
        draws = torch.cat([draws, more])
        distinct, inverse = torch.unique(draws, return_inverse=True)
        if distinct.numel() >= num_sampled:
            break
        if draws.numel() > _MAX_TOTAL_DRAWS:
            raise RuntimeError(
                f"sample_candidates: only {distinct.numel()} distinct ids in {draws.numel()} draws; "
                f"num_sampled={num_sampled} is too many for this distribution with unique=True"
            )
        chunk *= 2
    positions = torch.arange(draws.numel(), device=device)
    first_seen = torch.full((distinct.numel(),), draws.numel(), dtype=torch.long, device=device)
    first_seen = first_seen.scatter_reduce(0, inverse, positions, reduce="amin")
    kept = first_seen.sort().values[:num_sampled]
    # The draw that produced the last kept id is the last one TensorFlow's loop would have made.
    return draws[kept], int(kept[-1]) + 1
