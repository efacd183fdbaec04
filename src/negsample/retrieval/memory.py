"""Cross-batch negatives: a FIFO of recent candidate embeddings reused as extra negatives."""

from __future__ import annotations

from typing import NamedTuple

from .._checks import check_floating, check_ndim, check_shape
from .._torch import require_torch

torch = require_torch()

__all__ = ["CrossBatchMemory", "Negatives"]


class Negatives(NamedTuple):
    """Stored negatives, oldest first. Shapes: ``embeddings (M, dim)``, ``ids (M,)``, ``log_q (M,)``."""

    embeddings: torch.Tensor
    ids: torch.Tensor
    log_q: torch.Tensor


class CrossBatchMemory:
    """A first-in-first-out queue of the last ``size`` candidates (Wang et al. 2021, cross-batch negatives).

    Candidate embeddings from earlier batches are cheap extra negatives for the current one; they
    are slightly stale (computed with older weights), which is why the memory should stay small
    relative to how fast the item tower changes. Everything stored is detached: no gradient flows
    into past batches.

    Parameters
    ----------
    size : int
        Capacity, >= 1. When full, each ``enqueue`` overwrites the oldest rows.
    dim : int
        Embedding dimension, >= 1.

    Storage is allocated on the first ``enqueue``, on that batch's device and dtype.

    Example
    -------
    >>> import torch
    >>> from negsample.retrieval import CrossBatchMemory, append_negatives, in_batch_logits
    >>> memory = CrossBatchMemory(size=6, dim=8)
    >>> for _ in range(3):
    ...     queries, items = torch.randn(4, 8), torch.randn(4, 8)
    ...     ids, log_q = torch.randint(0, 100, (4,)), torch.full((4,), -4.6)
    ...     logits = in_batch_logits(queries, items, candidate_ids=ids, log_q=log_q)
    ...     old = memory.negatives()
    ...     logits = append_negatives(logits, queries, old.embeddings, row_ids=ids,
    ...                               negative_ids=old.ids, log_q=old.log_q)
    ...     memory.enqueue(items, ids, log_q)
    >>> logits.shape, len(memory)
    (torch.Size([4, 10]), 6)
    """

    def __init__(self, *, size: int, dim: int):
        for name, value in (("size", size), ("dim", dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: expected an int >= 1, got {value!r}")
        self.size = size
        self.dim = dim
        self._embeddings: torch.Tensor | None = None
        self._ids: torch.Tensor | None = None
        self._log_q: torch.Tensor | None = None
        self._next = 0  # row the next item is written to
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def reset(self) -> None:
        """Forget everything (storage is kept and reused)."""
        self._next = 0
        self._count = 0

    def enqueue(self, embeddings: torch.Tensor, ids: torch.Tensor, log_q: torch.Tensor | None = None) -> None:
        """Append a batch of candidates, evicting the oldest when full.

        Parameters
        ----------
        embeddings : Tensor, float, shape (n, dim)
            Detached and copied.
        ids : Tensor, integer, shape (n,)
        log_q : Tensor, float, shape (n,), optional
            Log sampling probability of each candidate; ``None`` stores 0 (no correction).
        """
        if not isinstance(embeddings, torch.Tensor):
            raise TypeError(f"embeddings: expected a torch.Tensor, got {type(embeddings).__name__}")
        check_ndim("embeddings", embeddings, 2, "(n, dim)")
        check_shape("embeddings", embeddings, (None, self.dim), "(n, dim)")
        check_floating("embeddings", embeddings)
        n = embeddings.shape[0]
        ids = torch.as_tensor(ids, device=embeddings.device)
        check_shape("ids", ids, (n,), "(n,)")
        if log_q is None:
            log_q = torch.zeros(n, dtype=embeddings.dtype, device=embeddings.device)
        log_q = torch.as_tensor(log_q, device=embeddings.device)
        check_shape("log_q", log_q, (n,), "(n,)")
        if self._embeddings is None:
            like = {"dtype": embeddings.dtype, "device": embeddings.device}
            self._embeddings = torch.empty(self.size, self.dim, **like)
            self._ids = torch.empty(self.size, dtype=torch.long, device=embeddings.device)
            self._log_q = torch.empty(self.size, **like)
        if n >= self.size:
            # Only the newest `size` rows survive; writing them in order from row 0 keeps it simple.
            embeddings, ids, log_q = embeddings[-self.size :], ids[-self.size :], log_q[-self.size :]
            n = self.size
            self._next = 0
        rows = (self._next + torch.arange(n, device=self._ids.device)) % self.size
        with torch.no_grad():
            self._embeddings[rows] = embeddings.detach().to(self._embeddings)
            self._ids[rows] = ids.to(self._ids)
            self._log_q[rows] = log_q.detach().to(self._log_q)
        self._next = (self._next + n) % self.size
        self._count = min(self._count + n, self.size)

    def negatives(self) -> Negatives:
        """The stored candidates in insertion order (oldest first); copies, safe to keep.

        Returns
        -------
        Negatives
            ``embeddings`` shape ``(len(self), dim)``, ``ids`` and ``log_q`` shape ``(len(self),)``.
        """
        if self._embeddings is None:
            return Negatives(torch.empty(0, self.dim), torch.empty(0, dtype=torch.long), torch.empty(0))
        if self._count < self.size:
            order = torch.arange(self._count, device=self._ids.device)
        else:
            order = (self._next + torch.arange(self.size, device=self._ids.device)) % self.size
        return Negatives(self._embeddings[order], self._ids[order], self._log_q[order])

    def __repr__(self) -> str:
        return f"CrossBatchMemory(size={self.size}, dim={self.dim}, stored={self._count})"
