"""TensorFlow-style candidate sampling and sampled logits for ``nce_loss`` and ``sampled_softmax_loss``.

Example
-------
>>> import torch
>>> from negsample.losses import sample_candidates
>>> from negsample.noise import LogUniform
>>> labels = torch.tensor([[1], [4]])
>>> sampled, true_count, sampled_count = sample_candidates(
...     LogUniform(10), labels, num_sampled=3, generator=torch.Generator().manual_seed(0))
>>> sampled.shape, true_count.shape, sampled_count.shape
(torch.Size([3]), torch.Size([2, 1]), torch.Size([3]))
"""

from __future__ import annotations

import functools

from .._checks import (
    check_floating,
    check_ids_in_range,
    check_integer,
    check_same_dtype,
    check_shape,
)
from .._torch import require_torch
from ..noise import LogUniform, NoiseDistribution

torch = require_torch()

__all__ = ["compute_sampled_logits", "sample_candidates"]

# Rejection sampling for unique candidates gives up after this many draws in total.
_MAX_TOTAL_DRAWS = 50_000_000


@functools.lru_cache(maxsize=8)
def _default_sampler(num_classes: int) -> LogUniform:
    # Cached so a training loop calling nce_loss every step builds the O(num_classes) table once.
    return LogUniform(num_classes)


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return value


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
    num_sampled = _check_positive_int("num_sampled", num_sampled)
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


def compute_sampled_logits(
    weights: torch.Tensor,
    biases: torch.Tensor,
    labels: torch.Tensor,
    inputs: torch.Tensor,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values=None,
    subtract_log_q: bool = True,
    remove_accidental_hits: bool = False,
    *,
    sampler: NoiseDistribution | None = None,
    generator: torch.Generator | None = None,
    unique: bool = True,
):
    """Logits of the true and the sampled classes, as TensorFlow's ``_compute_sampled_logits``.

    Parameters
    ----------
    weights : float tensor, shape (num_classes, dim)
    biases : float tensor, shape (num_classes,)
    labels : LongTensor, shape (batch_size, num_true) (or (batch_size,) when ``num_true == 1``)
    inputs : float tensor, shape (batch_size, dim)
    num_sampled, num_classes, num_true : int
    sampled_values : tuple, optional
        ``(sampled (num_sampled,), true_expected_count (batch_size, num_true),
        sampled_expected_count (num_sampled,))``, e.g. from :func:`sample_candidates`; drawn from
        ``sampler`` (default ``LogUniform(num_classes)``) when omitted.
    subtract_log_q : bool
        Subtract ``log(expected_count)`` from every logit.
    remove_accidental_hits : bool
        Push a sampled logit to the dtype's most negative value where the sampled id equals one of
        the row's true labels.

    Returns
    -------
    logits : shape (batch_size, num_true + num_sampled)
    labels : shape (batch_size, num_true + num_sampled)
        ``1 / num_true`` for the true columns, 0 for the sampled ones.
    """
    num_classes = _check_positive_int("num_classes", num_classes)
    num_true = _check_positive_int("num_true", num_true)
    num_sampled = _check_positive_int("num_sampled", num_sampled)
    check_floating("weights", weights)
    check_shape("weights", weights, (num_classes, None), "(num_classes, dim)")
    dim = weights.shape[1]
    check_floating("biases", biases)
    check_same_dtype("biases", biases, "weights", weights)
    check_shape("biases", biases, (num_classes,), "(num_classes,)")
    check_floating("inputs", inputs)
    check_same_dtype("inputs", inputs, "weights", weights)
    check_shape("inputs", inputs, (None, dim), "(batch_size, dim)")
    batch_size = inputs.shape[0]
    check_integer("labels", labels)
    if labels.ndim == 1 and num_true == 1:
        labels = labels.unsqueeze(1)
    check_shape("labels", labels, (batch_size, num_true), "(batch_size, num_true)")
    check_ids_in_range("labels", labels, num_classes)
    labels = labels.long()

    if sampled_values is None:
        if sampler is None:
            sampler = _default_sampler(num_classes)
        elif sampler.num_classes != num_classes:
            raise ValueError(f"sampler: expected num_classes={num_classes}, got {sampler.num_classes}")
        sampled_values = sample_candidates(sampler, labels, num_sampled=num_sampled, unique=unique, generator=generator)
    sampled, true_expected_count, sampled_expected_count = (torch.as_tensor(v).detach() for v in sampled_values)
    check_integer("sampled_values[0]", sampled)
    check_shape("sampled_values[0]", sampled, (num_sampled,), "(num_sampled,)")
    check_ids_in_range("sampled_values[0]", sampled, num_classes)
    check_shape("sampled_values[1]", true_expected_count, (batch_size, num_true), "(batch_size, num_true)")
    check_shape("sampled_values[2]", sampled_expected_count, (num_sampled,), "(num_sampled,)")
    sampled = sampled.long().to(weights.device)

    true_w = weights[labels]  # (batch_size, num_true, dim)
    true_logits = (true_w * inputs.unsqueeze(1)).sum(dim=2) + biases[labels]
    sampled_logits = inputs @ weights[sampled].T + biases[sampled]  # (batch_size, num_sampled)
    if subtract_log_q:
        true_logits = true_logits - torch.log(true_expected_count.to(true_logits))
        sampled_logits = sampled_logits - torch.log(sampled_expected_count.to(sampled_logits))
    if remove_accidental_hits:
        hits = (sampled.view(1, 1, -1) == labels.unsqueeze(2)).any(dim=1)
        # TF adds -FLOAT_MAX; masked_fill does the same without risking -inf - -inf = nan downstream.
        sampled_logits = sampled_logits.masked_fill(hits, torch.finfo(sampled_logits.dtype).min)
    logits = torch.cat([true_logits, sampled_logits], dim=1)
    targets = torch.cat(
        [torch.full_like(true_logits, 1.0 / num_true), torch.zeros_like(sampled_logits)], dim=1
    ).detach()
    return logits, targets
