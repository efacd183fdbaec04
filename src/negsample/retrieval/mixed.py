"""Mixed negatives: in-batch candidates plus candidates drawn from a noise distribution."""

from __future__ import annotations

import math

from .._checks import check_ndim, check_positive, check_shape
from .._torch import require_torch
from .in_batch import append_negatives, in_batch_logits

torch = require_torch()

__all__ = ["MixedNegatives"]


class MixedNegatives:
    """In-batch negatives plus ``num_sampled`` shared sampled negatives (Yang et al. 2020).

    In-batch candidates follow the training data, so rarely-interacted items are almost never
    negatives; a few draws from ``noise`` (typically ``Uniform``) give the long tail exposure.

    Correction: when ``candidate_log_q`` is passed, each column is corrected by the log of its
    **expected number of draws** -- ``log B + candidate_log_q`` for in-batch columns and
    ``log S + noise.log_prob(id)`` for sampled ones -- so that the two parts are on one scale
    (plain log-probabilities would favour whichever part has more draws). Without
    ``candidate_log_q`` neither part is corrected.

    Accidental hits: an in-batch duplicate of a row's positive and a sampled id equal to it are both
    masked to :func:`negsample.scores.fill_value` (when ``remove_accidental_hits`` is true).

    Parameters
    ----------
    noise : NoiseDistribution
        Must support ``sample(shape, device=..., generator=...)`` returning a LongTensor and
        ``log_prob(ids_tensor)``.
    num_sampled : int
        Sampled negatives per batch (shared by all rows), >= 1.
    temperature : float, default 1.0
    remove_accidental_hits : bool, default True

    Example
    -------
    >>> import torch
    >>> from negsample.noise import Uniform
    >>> from negsample.retrieval import MixedNegatives
    >>> table = torch.nn.Embedding(100, 8)
    >>> mixed = MixedNegatives(noise=Uniform(100), num_sampled=16, temperature=0.1)
    >>> ids = torch.tensor([3, 14, 15, 92])
    >>> queries = torch.randn(4, 8)
    >>> logits = mixed(queries, table(ids), ids, table, candidate_log_q=torch.full((4,), -4.0))
    >>> logits.shape
    torch.Size([4, 20])
    >>> loss = torch.nn.functional.cross_entropy(logits, torch.arange(4))
    """

    def __init__(self, *, noise, num_sampled: int, temperature: float = 1.0, remove_accidental_hits: bool = True):
        if isinstance(num_sampled, bool) or not isinstance(num_sampled, int) or num_sampled < 1:
            raise ValueError(f"num_sampled: expected an int >= 1, got {num_sampled!r}")
        if not (hasattr(noise, "sample") and hasattr(noise, "log_prob")):
            raise TypeError(f"noise: expected a NoiseDistribution (sample + log_prob), got {type(noise).__name__}")
        check_positive("temperature", temperature)
        self.noise = noise
        self.num_sampled = num_sampled
        self.temperature = float(temperature)
        self.remove_accidental_hits = bool(remove_accidental_hits)

    def __call__(
        self,
        queries: torch.Tensor,
        candidates: torch.Tensor,
        candidate_ids: torch.Tensor,
        embed,
        *,
        candidate_log_q: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Logits of each query against the batch's candidates followed by the sampled ones.

        Parameters
        ----------
        queries : Tensor, float, shape (B, D)
        candidates : Tensor, float, shape (B, D)
            Row ``i`` is query ``i``'s positive.
        candidate_ids : Tensor, integer, shape (B,)
        embed : callable or Tensor
            Maps sampled ids (LongTensor, shape ``(S,)``) to embeddings ``(S, D)``: an item tower,
            an ``nn.Embedding``, or an embedding table tensor ``(num_items, D)`` to index.
        candidate_log_q : Tensor, float, shape (B,), optional
            Log-probability of each in-batch candidate under the data distribution; enables the
            logQ correction of both parts.
        generator : torch.Generator, optional
            For the draws from ``noise``.

        Returns
        -------
        Tensor, shape (B, B + num_sampled); the labels are ``arange(B)``.
        """
        if not isinstance(queries, torch.Tensor):
            raise TypeError(f"queries: expected a torch.Tensor, got {type(queries).__name__}")
        check_ndim("queries", queries, 2, "(B, D)")
        batch = queries.shape[0]
        candidate_ids = torch.as_tensor(candidate_ids, device=queries.device)
        check_shape("candidate_ids", candidate_ids, (batch,), "(B,)")
        sampled_ids = self.noise.sample((self.num_sampled,), device=queries.device, generator=generator)
        sampled = embed[sampled_ids] if isinstance(embed, torch.Tensor) else embed(sampled_ids)
        check_shape("embed(sampled_ids)", sampled, (self.num_sampled, queries.shape[1]), "(num_sampled, D)")

        batch_log_q = sampled_log_q = None
        if candidate_log_q is not None:
            check_shape("candidate_log_q", candidate_log_q, (batch,), "(B,)")
            batch_log_q = candidate_log_q + math.log(batch)
            sampled_log_q = self.noise.log_prob(sampled_ids).to(queries.dtype) + math.log(self.num_sampled)
        hits = self.remove_accidental_hits
        logits = in_batch_logits(
            queries,
            candidates,
            candidate_ids=candidate_ids if hits else None,
            log_q=batch_log_q,
            temperature=self.temperature,
        )
        return append_negatives(
            logits,
            queries,
            sampled,
            row_ids=candidate_ids if hits else None,
            negative_ids=sampled_ids if hits else None,
            log_q=sampled_log_q,
            temperature=self.temperature,
        )

    def __repr__(self) -> str:
        return (
            f"MixedNegatives(noise={self.noise!r}, num_sampled={self.num_sampled}, "
            f"temperature={self.temperature}, remove_accidental_hits={self.remove_accidental_hits})"
        )
