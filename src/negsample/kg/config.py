"""Every setting of a knowledge-graph embedding run, with its default, checked in one place.

The command line (``negsample kg train``) takes its defaults from these fields, so the Python API,
the CLI and the help texts cannot drift apart.

Example
-------
>>> from negsample.kg.config import KGConfig
>>> config = KGConfig(model="complex", loss="softmax", negatives=1024, chunk_size=256)
>>> config.resolved_margin() is None, KGConfig(loss="self_adversarial").resolved_margin()
(True, 9.0)
>>> KGConfig(dim=0)
Traceback (most recent call last):
...
negsample.kg.config.KGConfigError: dim: expected an integer >= 1, got 0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["DISTANCE_MODELS", "LOSSES", "MODEL_NAMES", "OPTIMIZERS", "REGULARIZERS", "SAMPLERS", "KGConfig",
           "KGConfigError"]

#: the score functions of negsample.kg.models (no torch import here, so the CLI's help stays fast)
MODEL_NAMES = ("transe", "distmult", "complex", "rotate")
DISTANCE_MODELS = ("transe", "rotate")

#: softplus: -log σ(s+) - Σ log σ(-s-) (negsample.losses.NegativeSamplingLoss); margin: pairwise hinge;
#: self_adversarial: RotatE's loss; softmax: cross-entropy of the positive against its K negatives
#: (logQ-corrected sampled softmax); 1vsall: cross-entropy against every entity (no sampling)
LOSSES = ("softplus", "margin", "self_adversarial", "softmax", "1vsall")
SAMPLERS = ("uniform", "bernoulli")
OPTIMIZERS = ("adam", "adagrad", "sgd", "sparse_adam")
REGULARIZERS = ("none", "l2", "n3")
_DEFAULT_MARGINS = {"margin": 1.0, "self_adversarial": 9.0}
_SPARSE_OPTIMIZERS = ("sparse_adam",)


class KGConfigError(ValueError):
    """A setting out of range; the message names the parameter."""


@dataclass
class KGConfig:
    """Settings of :class:`negsample.kg.KGModel`.

    Parameters
    ----------
    model : {"transe", "distmult", "complex", "rotate"}, default "rotate"
    dim : int, default 200
        Embedding dimension (complex dimension for ComplEx and RotatE).
    p : {1, 2} or None
        Distance norm of TransE and RotatE (None: 1).
    loss : one of :data:`LOSSES`, default "self_adversarial"
    margin : float or None
        ``γ`` of ``self_adversarial`` (default 9) or the hinge of ``margin`` (default 1).
    temperature : float, default 1.0
        ``α`` of the self-adversarial weights.
    negatives : int, default 64
        Corruptions per true triple (K).
    sampler : {"uniform", "bernoulli"}, default "uniform"
        Which side to corrupt: one half each, or Wang et al.'s ``tph / (tph + hpt)``.
    filtered : bool, default False
        Never use a known training triple as a negative.
    chunk_size : int or None, default None
        Shared negatives: every ``chunk_size`` triples of a batch share one set of K entities.
    inverse : bool, default False
        Train with inverse relations (``(t, r_inv, h)`` for each ``(h, r, t)``); head queries are then
        answered as tail queries of the inverse relation.
    regularizer : {"none", "l2", "n3"}, default "none"
        On the batch's embeddings (N3: Lacroix et al. 2018), weighted by ``regularization``.
    regularization : float, default 0.0
    optimizer : one of :data:`OPTIMIZERS`, default "adam"
        ``sparse_adam`` gives the embedding tables sparse gradients (only the rows a batch used).
    lr : float, default 1e-3
    batch_size : int, default 512
        True triples per step (the global batch under ``torchrun``).
    epochs : int, default 100
    eval_every : int, default 10
        Validate (filtered MRR) every this many epochs; 0: never.
    patience : int, default 3
        Stop after this many validations without a better MRR (0: never stop early); the best
        validated weights are kept.
    max_seconds : float or None
        Stop after the first epoch that ends past this many seconds of training (validation not
        counted); a time budget.
    eval_batch_size : int or None
        Queries per evaluation chunk (None: about 16M scores per chunk).
    seed : int, default 0
    device : str, default "cpu"
    """

    model: str = "rotate"
    dim: int = 200
    p: int | None = None
    loss: str = "self_adversarial"
    margin: float | None = None
    temperature: float = 1.0
    negatives: int = 64
    sampler: str = "uniform"
    filtered: bool = False
    chunk_size: int | None = None
    inverse: bool = False
    regularizer: str = "none"
    regularization: float = 0.0
    optimizer: str = "adam"
    lr: float = 1e-3
    batch_size: int = 512
    epochs: int = 100
    eval_every: int = 10
    patience: int = 3
    max_seconds: float | None = None
    eval_batch_size: int | None = None
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self):
        self.model = str(self.model).lower()
        _choice("model", self.model, MODEL_NAMES)
        _choice("loss", self.loss, LOSSES)
        _choice("sampler", self.sampler, SAMPLERS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("regularizer", self.regularizer, REGULARIZERS)
        for name in ("dim", "negatives", "batch_size", "epochs"):
            _integer(name, getattr(self, name), 1)
        for name in ("eval_every", "patience", "seed"):
            _integer(name, getattr(self, name), 0)
        for name in ("chunk_size", "eval_batch_size"):
            if getattr(self, name) is not None:
                _integer(name, getattr(self, name), 1)
        if self.p is not None:
            if self.p not in (1, 2) or isinstance(self.p, bool):
                raise KGConfigError(f"p: expected 1, 2 or None, got {self.p!r}")
            if self.model not in DISTANCE_MODELS:
                raise KGConfigError(f"p: the distance norm applies to transe and rotate, not {self.model}")
        for name in ("temperature", "regularization"):
            _number(name, getattr(self, name), minimum=0.0)
        _number("lr", self.lr, minimum=0.0, strict=True)
        if self.margin is not None:
            _number("margin", self.margin, minimum=0.0)
        if self.max_seconds is not None:
            _number("max_seconds", self.max_seconds, minimum=0.0, strict=True)
        if self.loss == "1vsall" and self.optimizer in _SPARSE_OPTIMIZERS:
            raise KGConfigError("optimizer: 1vsall scores every entity, so its gradients are dense; "
                                f"use adam, adagrad or sgd, not {self.optimizer}")

    @property
    def sparse(self) -> bool:
        """Whether the embedding tables get sparse gradients."""
        return self.optimizer in _SPARSE_OPTIMIZERS

    def resolved_margin(self) -> float | None:
        """The margin in force: the given one, or the loss's default (None for losses without one)."""
        if self.loss not in _DEFAULT_MARGINS:
            return None
        return _DEFAULT_MARGINS[self.loss] if self.margin is None else float(self.margin)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> KGConfig:
        """From :meth:`to_dict` output; unknown keys are refused by name."""
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        if unknown:
            raise KGConfigError(f"unknown settings: {', '.join(unknown)}")
        return cls(**values)


def _choice(name, value, allowed) -> None:
    if value not in allowed:
        raise KGConfigError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")


def _integer(name, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise KGConfigError(f"{name}: expected an integer >= {minimum}, got {value!r}")


def _number(name, value, *, minimum: float, strict: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and value not in (float("inf"), float("-inf")) and (value > minimum if strict else value >= minimum)
    if not ok:
        relation = ">" if strict else ">="
        raise KGConfigError(f"{name}: expected a finite number {relation} {minimum:g}, got {value!r}")
