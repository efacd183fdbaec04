"""The settings of a two-tower model in one dataclass: towers, negatives, loss, training.

Every choice is one value: ``negatives`` picks the source (uniform, popularity, in-batch, cross-batch,
mixed, hard), ``loss`` the objective (softmax, bpr, binary, ccl), ``log_q`` the correction. The CLI's
options are these field names with dashes.

Example
-------
>>> from negsample.recsys.config import TwoTowerConfig
>>> config = TwoTowerConfig(negatives="mixed", loss="softmax")
>>> config.resolved_log_q()
'counts'
>>> TwoTowerConfig(negatives="uniform", loss="ccl").resolved_log_q()
'none'
>>> TwoTowerConfig(negatives="cross-batch", loss="bpr", log_q="counts")
Traceback (most recent call last):
...
ValueError: log_q: the logQ correction belongs to the softmax loss; with loss='bpr' use log_q='none'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["LOG_Q", "LOSSES", "NEGATIVES", "TwoTowerConfig", "parse_metric"]

NEGATIVES = ("uniform", "popularity", "in-batch", "cross-batch", "mixed", "hard")
LOSSES = ("softmax", "bpr", "binary", "ccl")
LOG_Q = ("none", "counts", "streaming")
IN_BATCH = ("in-batch", "cross-batch", "mixed", "hard")


@dataclass
class TwoTowerConfig:
    """Two-tower settings; every field has a default that works on MovieLens-sized data.

    Towers
        ``dim`` embedding size; ``user_id`` / ``item_id`` include a free id embedding (False: a tower
        of shared feature parameters only); ``user_features`` / ``item_features`` use the
        interactions' feature tables; ``user_history`` adds the user's training items as a
        multi-valued user feature; ``mlp`` hidden sizes (empty: the parts are summed);
        ``normalize`` L2-normalises both towers; ``temperature`` divides the scores (not for ``ccl``,
        which works on cosines).
    Negatives
        ``negatives`` in :data:`NEGATIVES`; ``num_negatives`` sampled per batch (uniform, popularity,
        mixed; shared by every row) or per row (hard, and uniform / popularity with
        ``shared_negatives=False``: each row its own draws, as RecBole and LightFM sample for BPR);
        ``sample_unseen`` (per-row draws only) redraws a negative the row's user has in training, up
        to three times, and masks what is still seen (RecBole's uniform sampler does the same);
        ``popularity_beta`` the exponent of
        popularity sampling (count ** beta); ``log_q`` in :data:`LOG_Q` or None (automatic:
        ``counts`` for the softmax loss with in-batch-type negatives or popularity sampling, else
        ``none``); ``memory_size`` of the cross-batch FIFO, whose entries become negatives only after
        ``memory_warmup`` training batches (Wang et al. 2021 warm up: early embeddings drift fast, so
        stale ones are poor negatives); ``hard_pool`` the per-user top-k that
        hard negatives are drawn from, recomputed every ``hard_refresh`` epochs.
    Loss
        ``loss`` in :data:`LOSSES`; ``margin`` and ``negative_weight`` of SimpleX's CCL.
    Training
        ``epochs``, ``batch_size`` (the global batch, split across ranks under torchrun), ``lr``
        (Adam), ``weight_decay``; ``early_stopping`` a validation metric (``"ndcg@20"``,
        ``"recall@10"``...; None disables it), ``patience`` epochs without improvement,
        ``eval_every`` epochs between validations; ``seed``.
    """

    dim: int = 64
    user_id: bool = True
    item_id: bool = True
    user_features: bool = True
    item_features: bool = True
    user_history: bool = False
    mlp: tuple[int, ...] = ()
    normalize: bool = True
    temperature: float = 0.1
    init_std: float = 0.1
    negatives: str = "in-batch"
    num_negatives: int = 256
    shared_negatives: bool = True
    sample_unseen: bool = False
    popularity_beta: float = 0.75
    log_q: str | None = None
    memory_size: int = 2048
    memory_warmup: int = 0
    hard_pool: int = 50
    hard_refresh: int = 1
    loss: str = "softmax"
    margin: float = 0.5
    negative_weight: float = 1.0
    epochs: int = 20
    batch_size: int = 1024
    lr: float = 0.005
    weight_decay: float = 0.0
    early_stopping: str | None = "ndcg@20"
    patience: int = 3
    eval_every: int = 1
    seed: int = 0

    def __post_init__(self):
        self.mlp = tuple(int(h) for h in self.mlp)
        if self.negatives not in NEGATIVES:
            raise ValueError(f"negatives: expected one of {NEGATIVES}, got {self.negatives!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss: expected one of {LOSSES}, got {self.loss!r}")
        if self.log_q is not None and self.log_q not in LOG_Q:
            raise ValueError(f"log_q: expected one of {LOG_Q} or None, got {self.log_q!r}")
        if self.log_q not in (None, "none") and self.loss != "softmax":
            raise ValueError(f"log_q: the logQ correction belongs to the softmax loss; with loss={self.loss!r} "
                             "use log_q='none'")
        if self.log_q == "streaming" and self.negatives not in IN_BATCH:
            raise ValueError(f"log_q: 'streaming' estimates in-batch frequencies; with negatives={self.negatives!r} "
                             "the sampler reports its own log-probabilities (use 'counts' or 'none')")
        for name in ("dim", "num_negatives", "memory_size", "hard_pool", "hard_refresh", "epochs", "batch_size",
                     "patience", "eval_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
        for name in ("temperature", "lr", "init_std"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name}: expected a number > 0, got {value!r}")
        if isinstance(self.memory_warmup, bool) or not isinstance(self.memory_warmup, int) or self.memory_warmup < 0:
            raise ValueError(f"memory_warmup: expected an integer >= 0, got {self.memory_warmup!r}")
        for name in ("margin", "negative_weight", "weight_decay", "popularity_beta"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name}: expected a number >= 0, got {value!r}")
        if not (self.user_id or self.user_features or self.user_history):
            raise ValueError("user tower: needs user_id, user_features or user_history")
        if not (self.item_id or self.item_features):
            raise ValueError("item tower: needs item_id or item_features")
        if not self.shared_negatives and self.negatives not in ("uniform", "popularity"):
            raise ValueError(f"shared_negatives: per-row draws (False) are for negatives='uniform' or 'popularity', "
                             f"got negatives={self.negatives!r}")
        if self.sample_unseen and self.shared_negatives:
            raise ValueError("sample_unseen: redrawing a user's seen items needs per-row draws "
                             "(shared_negatives=False)")
        if self.sample_unseen and self.resolved_log_q() != "none":
            raise ValueError("sample_unseen: draws conditioned on the user's unseen items have no per-item logQ; "
                             "use log_q='none' (or loss='bpr' / 'binary' / 'ccl')")
        if self.early_stopping is not None:
            parse_metric(self.early_stopping)

    def resolved_log_q(self) -> str:
        """The correction in force: ``log_q`` itself, or what None means for this loss and source."""
        if self.log_q is not None:
            return self.log_q
        if self.loss == "softmax" and self.negatives in (*IN_BATCH, "popularity"):
            return "counts"
        return "none"

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["mlp"] = list(self.mlp)
        return out

    @classmethod
    def from_dict(cls, values: dict) -> TwoTowerConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown two-tower settings {unknown}")
        return cls(**values)


def parse_metric(name: str) -> tuple[str, int]:
    """``"ndcg@20"`` -> ``("ndcg", 20)``; the metrics of :func:`negsample.recsys.evaluate.evaluate`."""
    metric, _, k = name.partition("@")
    valid = ("recall", "ndcg", "hit", "mrr", "precision")
    if metric not in valid or not k.isdigit() or int(k) < 1:
        raise ValueError(f"metric: expected NAME@K with NAME in {valid}, got {name!r}")
    return metric, int(k)

