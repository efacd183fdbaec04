"""Ports of TensorFlow's ``tf.nn.nce_loss``, ``tf.nn.sampled_softmax_loss`` and ``_compute_sampled_logits``.

Same arguments, shapes and numbers as TensorFlow (sharded weights aside). Unlike the losses on
scores, these own the output embeddings and draw shared candidates from a noise distribution, as TF
does: :func:`negsample.noise.candidates.sample_candidates`, from ``LogUniform(num_classes)`` unless
``sampler=`` says otherwise. Both corrections come from :mod:`negsample.scores`.

Example
-------
>>> import torch
>>> from negsample.losses import nce_loss, sampled_softmax_loss
>>> weights, biases = torch.randn(100, 16, requires_grad=True), torch.zeros(100, requires_grad=True)
>>> labels, inputs = torch.randint(0, 100, (8, 1)), torch.randn(8, 16)
>>> nce_loss(weights, biases, labels, inputs, num_sampled=10, num_classes=100).backward()
>>> sampled_softmax_loss(weights, biases, labels, inputs, num_sampled=10, num_classes=100).backward()
"""

from __future__ import annotations

import functools

from .. import scores
from .._checks import (
    check_floating,
    check_ids_in_range,
    check_integer,
    check_positive_int,
    check_reduction,
    check_same_dtype,
    check_shape,
)
from .._torch import require_torch
from ..noise import LogUniform, NoiseDistribution
from ..noise.candidates import sample_candidates
from .reduction import reduce_loss

torch = require_torch()
F = torch.nn.functional

__all__ = ["compute_sampled_logits", "nce_loss", "sampled_softmax_loss"]


@functools.lru_cache(maxsize=8)
def _default_sampler(num_classes: int) -> LogUniform:
    # Cached so a training loop calling nce_loss every step builds the O(num_classes) table once.
    return LogUniform(num_classes)


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
        Mask a sampled logit (to :func:`negsample.scores.fill_value`, the dtype's most negative
        value, as TF's ``-FLOAT_MAX``) where the sampled id equals one of the row's true labels.

    Returns
    -------
    logits : shape (batch_size, num_true + num_sampled)
    labels : shape (batch_size, num_true + num_sampled)
        ``1 / num_true`` for the true columns, 0 for the sampled ones.
    """
    num_classes = check_positive_int("num_classes", num_classes)
    num_true = check_positive_int("num_true", num_true)
    num_sampled = check_positive_int("num_sampled", num_sampled)
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
        true_logits = scores.subtract_log_q(true_logits, torch.log(true_expected_count.to(true_logits)))
        sampled_logits = scores.subtract_log_q(sampled_logits, torch.log(sampled_expected_count.to(sampled_logits)))
    if remove_accidental_hits:
        sampled_logits = scores.mask_scores(sampled_logits, scores.accidental_hits(labels, sampled))
    logits = torch.cat([true_logits, sampled_logits], dim=1)
    targets = torch.cat(
        [torch.full_like(true_logits, 1.0 / num_true), torch.zeros_like(sampled_logits)], dim=1
    ).detach()
    return logits, targets


def nce_loss(
    weights: torch.Tensor,
    biases: torch.Tensor,
    labels: torch.Tensor,
    inputs: torch.Tensor,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values=None,
    remove_accidental_hits: bool = False,
    *,
    sampler: NoiseDistribution | None = None,
    generator: torch.Generator | None = None,
    unique: bool = True,
    reduction: str = "mean",
) -> torch.Tensor:
    """Port of ``tf.nn.nce_loss``: same arguments, shapes and numbers (sharded weights aside).

    Parameters
    ----------
    weights : float tensor, shape (num_classes, dim)
        Output embeddings (one tensor; TF's list of shards is not supported).
    biases : float tensor, shape (num_classes,)
    labels : LongTensor, shape (batch_size, num_true) (or (batch_size,) when ``num_true == 1``)
    inputs : float tensor, shape (batch_size, dim)
    num_sampled : int
        Noise ids drawn per batch and shared by all rows.
    num_classes : int
    num_true : int, default 1
        True classes per row; each gets target ``1 / num_true`` as in TF.
    sampled_values : tuple, optional
        ``(sampled, true_expected_count, sampled_expected_count)`` as returned by
        :func:`sample_candidates` (or TF's candidate samplers); drawn here when omitted.
    remove_accidental_hits : bool, default False
        TF's default for NCE.
    sampler : NoiseDistribution, optional
        Default ``LogUniform(num_classes)`` (TF's ``log_uniform_candidate_sampler``).
    generator : torch.Generator, optional
    unique : bool, default True
        TF samples distinct candidates; see :func:`sample_candidates` for the expected counts.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` gives TF's per-example losses, shape (batch_size,).
    """
    check_reduction(reduction)
    logits, targets = compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        subtract_log_q=True, remove_accidental_hits=remove_accidental_hits,
        sampler=sampler, generator=generator, unique=unique,
    )  # fmt: skip
    loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none").sum(dim=1)
    return reduce_loss(loss, reduction)


def sampled_softmax_loss(
    weights: torch.Tensor,
    biases: torch.Tensor,
    labels: torch.Tensor,
    inputs: torch.Tensor,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values=None,
    remove_accidental_hits: bool = True,
    *,
    sampler: NoiseDistribution | None = None,
    generator: torch.Generator | None = None,
    unique: bool = True,
    reduction: str = "mean",
) -> torch.Tensor:
    """Port of ``tf.nn.sampled_softmax_loss``: same arguments, shapes and numbers (sharded weights aside).

    Arguments and shapes as :func:`nce_loss`, with these differences:

    Parameters
    ----------
    num_sampled : int
        Negative ids drawn per batch and shared by all rows.
    num_true : int, default 1
        True classes per row; each gets target probability ``1 / num_true`` as in TF.
    remove_accidental_hits : bool, default True
        TF's default for sampled softmax.
    """
    check_reduction(reduction)
    logits, targets = compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        subtract_log_q=True, remove_accidental_hits=remove_accidental_hits,
        sampler=sampler, generator=generator, unique=unique,
    )  # fmt: skip
    loss = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1)
    return reduce_loss(loss, reduction)
