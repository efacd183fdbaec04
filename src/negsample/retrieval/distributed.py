"""Negatives from every rank: gather a batch across ``torch.distributed`` processes, gradient included.

Under ``torchrun --nproc-per-node N`` each process sees only its shard of the global batch. In-batch
negatives are better the larger the pool, so every rank gathers the candidates (and their ids and
logQ) of all ranks and scores its own queries against the whole global batch.

:func:`gather_with_grad` keeps the gradient: in the backward pass the gradient that each rank's loss
sends into a gathered row is summed over the ranks and returned to the rank that owns the row. With
DistributedDataParallel averaging the parameter gradients and each rank's loss scaled to ``sum / (G /
N)`` (G rows in the global batch), N processes then take exactly the step one process would take on
the global batch. ``gradient="local"`` keeps only the local part's own gradient (the gathered remote
rows are constants, as in open_clip's ``gather_with_grad=False``); it needs no collective in the
backward pass but is an approximation of the single-process step.

Without an initialised process group (or with one process) every function is the identity, so the
same training code runs with and without ``torchrun``.

Example
-------
>>> import torch
>>> from negsample.retrieval.distributed import gather_with_grad, rank_and_world_size
>>> rank_and_world_size()                     # no process group here: one process
(0, 1)
>>> x = torch.randn(4, 8, requires_grad=True)
>>> gather_with_grad(x) is x
True
"""

from __future__ import annotations

from .._checks import check_ndim
from .._torch import require_torch

torch = require_torch()
dist = torch.distributed

__all__ = ["all_reduce_sum", "gather", "gather_with_grad", "local_rows", "rank_and_world_size"]

_GRADIENTS = ("all", "local")


def rank_and_world_size(group=None) -> tuple[int, int]:
    """``(rank, world_size)`` of this process, ``(0, 1)`` when ``torch.distributed`` is not in use."""
    if not (dist.is_available() and dist.is_initialized()):
        return 0, 1
    return dist.get_rank(group), dist.get_world_size(group)


def local_rows(num_rows: int, rank: int, world_size: int) -> slice:
    """The rows of a global batch of ``num_rows`` that rank ``rank`` takes: contiguous, sizes differ by <= 1.

    Example
    -------
    >>> [local_rows(10, r, 3) for r in range(3)]
    [slice(0, 4, None), slice(4, 7, None), slice(7, 10, None)]
    """
    base, extra = divmod(int(num_rows), int(world_size))
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (rank < extra))


def _sizes(tensor, group, world_size: int, equal_sizes: bool) -> list[int]:
    if equal_sizes:
        return [tensor.shape[0]] * world_size
    size = torch.tensor([tensor.shape[0]], device=tensor.device)
    sizes = [torch.empty_like(size) for _ in range(world_size)]
    dist.all_gather(sizes, size, group=group)
    return [int(s) for s in sizes]


def _all_gather(tensor, sizes: list[int], group) -> torch.Tensor:
    """Concatenate every rank's ``tensor`` (first dimensions ``sizes``), padding uneven shards."""
    largest = max(sizes)
    padded = tensor
    if tensor.shape[0] < largest:
        padding = tensor.new_zeros((largest - tensor.shape[0], *tensor.shape[1:]))
        padded = torch.cat([tensor, padding])
    parts = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(parts, padded.contiguous(), group=group)
    return torch.cat([part[:size] for part, size in zip(parts, sizes)])


class _GatherAll(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor, sizes, rank, group):
        ctx.sizes, ctx.rank, ctx.group = sizes, rank, group
        return _all_gather(tensor, sizes, group)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous()
        dist.all_reduce(grad, group=ctx.group)  # every rank's loss reaches every gathered row
        start = sum(ctx.sizes[: ctx.rank])
        return grad[start : start + ctx.sizes[ctx.rank]], None, None, None


def gather_with_grad(tensor: torch.Tensor, *, gradient: str = "all", equal_sizes: bool = False,
                     group=None) -> torch.Tensor:
    """Every rank's ``tensor`` concatenated in rank order, with a gradient back to this rank's rows.

    Parameters
    ----------
    tensor : Tensor, shape (n, ...)
        This rank's rows (e.g. candidate embeddings, shape (local_batch, D)); ``n`` may differ
        between ranks unless ``equal_sizes``.
    gradient : {"all", "local"}, default "all"
        ``"all"``: the gradient of every rank's loss flows back to the owner of each row (one
        ``all_reduce`` in the backward pass; N ranks then train exactly like one process on the
        global batch). ``"local"``: only this rank's rows carry a gradient, from this rank's loss.
    equal_sizes : bool, default False
        Promise that every rank passes the same ``n``; skips the collective that gathers the sizes
        (and its host synchronisation).
    group : ProcessGroup, optional

    Returns
    -------
    Tensor, shape (sum of every rank's n, ...)
        This rank's rows are at offset ``sum of the sizes of the lower ranks``. Without a process
        group (or with one rank) ``tensor`` itself.
    """
    if gradient not in _GRADIENTS:
        raise ValueError(f"gradient: expected one of {_GRADIENTS}, got {gradient!r}")
    check_ndim("tensor", tensor, tuple(range(1, 9)), "with rows along the first dimension")
    rank, world_size = rank_and_world_size(group)
    if world_size == 1:
        return tensor
    sizes = _sizes(tensor, group, world_size, equal_sizes)
    if gradient == "all" and tensor.requires_grad:
        return _GatherAll.apply(tensor, sizes, rank, group)
    gathered = _all_gather(tensor.detach(), sizes, group)
    if not tensor.requires_grad:
        return gathered
    start = sum(sizes[:rank])
    return torch.cat([gathered[:start], tensor, gathered[start + sizes[rank]:]])


def gather(tensor: torch.Tensor, *, equal_sizes: bool = False, group=None) -> torch.Tensor:
    """Every rank's ``tensor`` concatenated in rank order, without gradient (ids, logQ, counts).

    Shapes as in :func:`gather_with_grad`.
    """
    check_ndim("tensor", tensor, tuple(range(1, 9)), "with rows along the first dimension")
    rank, world_size = rank_and_world_size(group)
    if world_size == 1:
        return tensor
    return _all_gather(tensor.detach(), _sizes(tensor, group, world_size, equal_sizes), group)


def all_reduce_sum(tensor: torch.Tensor, *, group=None) -> torch.Tensor:
    """The element-wise sum of ``tensor`` over the ranks (a new tensor; ``tensor`` itself with one rank).

    For statistics every rank must agree on (a loss to log, a metric to stop early on).
    """
    _, world_size = rank_and_world_size(group)
    if world_size == 1:
        return tensor
    total = tensor.detach().clone()
    dist.all_reduce(total, group=group)
    return total
