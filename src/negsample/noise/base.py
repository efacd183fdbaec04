"""The base of every noise distribution: an alias table that can ``sample`` ids and report ``log_prob``.

Two back ends share one table:

* NumPy (default): ``sample(size, rng)`` returns an int64 array, drawn by a compiled kernel seeded
  from the ``numpy.random.Generator``.
* PyTorch: pass ``device=`` and/or ``generator=`` (a ``torch.Generator``) and ``sample`` returns a
  LongTensor on that device; ``log_prob(tensor)`` returns a float tensor on the tensor's device. Torch
  is imported only when one of these paths is used, and the table is copied to each device once.

Subclasses (:mod:`negsample.noise.distributions`) only say what the probabilities are.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._checks import check_ids_in_range, check_integer, is_tensor
from .._kernels.alias import build_alias_table, fill_alias_draws
from .._torch import require_torch

__all__ = ["NoiseDistribution", "as_generator", "check_num_classes"]

_MAX_EXCLUDED_MASS = 1.0 - 1e-6


def as_generator(rng) -> np.random.Generator:
    """``None`` -> fresh entropy, ``int`` -> seeded generator, a ``Generator`` -> itself."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")



def _as_shape(size) -> tuple[int, ...]:
    shape = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    if not all(isinstance(d, (int, np.integer)) and d >= 0 for d in shape):
        raise ValueError(f"size: expected a non-negative int or a tuple of them, got {size!r}")
    return tuple(int(d) for d in shape)


class _TorchTables(NamedTuple):
    threshold: object  # float64 tensor, shape (num_classes,)
    alias: object  # int64 tensor, shape (num_classes,)
    probs: object  # float64 tensor, shape (num_classes,)
    log_probs: object  # float64 tensor, shape (num_classes,)


def _resolve_device(torch, device):
    """``"cuda"`` and ``"cuda:0"`` must share a cache entry, so resolve the index."""
    device = torch.device(device)
    if device.type != "cpu" and device.index is None:
        device = torch.empty(0, device=device).device
    return device


class NoiseDistribution:
    """A distribution over class ids ``0 .. num_classes-1`` backed by an alias table.

    Subclasses only say what the probabilities are (by calling ``_init_table``); drawing, exclusion
    and log-probabilities are shared. ``threshold`` and ``alias`` are the raw table, exposed so
    compiled kernels can draw from exactly the same distribution.

    Attributes
    ----------
    num_classes : int
    probs : ndarray, float64, shape (num_classes,)
        Exact probabilities (sum to 1).
    threshold, alias : ndarray, shape (num_classes,)
        The alias table (float64, int32).

    Notes
    -----
    NumPy draws pick the column with the high 32 bits of a splitmix64 word (as the word2vec kernels
    do), so a class's probability is exact up to a relative error of ``num_classes / 2**32``.
    """

    num_classes: int
    probs: np.ndarray

    def _init_table(self, probs: np.ndarray) -> None:
        probs = np.ascontiguousarray(probs, dtype=np.float64)
        self.num_classes = int(probs.shape[0])
        self.probs = probs
        with np.errstate(divide="ignore"):
            self._log_probs = np.log(probs)
        self.threshold, self.alias = build_alias_table(probs)
        self._torch_cache: dict = {}

    # ------------------------------------------------------------------ sampling
    def sample(self, size, rng=None, *, device=None, generator=None, exclude=None, max_rounds: int = 1000):
        """Draw ids i.i.d. from the distribution (optionally avoiding ``exclude``).

        Parameters
        ----------
        size : int or tuple of int
            Output shape, e.g. ``(batch_size, num_negatives)``.
        rng : None, int or numpy.random.Generator
            Randomness for the NumPy path (an int is a seed).
        device : str or torch.device, optional
            Draw with torch on this device and return a LongTensor.
        generator : torch.Generator, optional
            Randomness for the torch path; implies ``device=generator.device`` if no device is given.
        exclude : array-like or tensor of int, optional
            Ids that must not be drawn. Shape ``(num_excluded,)``: excluded from every draw.
            Shape ``(batch_size, max_excluded)`` padded with ``-1``: row ``b`` of the excluded ids
            applies to draws ``out[b, ...]`` (``size[0]`` must equal ``batch_size``), e.g. each
            user's positives. Excluded draws are redrawn until none is left, so the draws follow the
            distribution renormalised over the remaining ids. A tensor selects the torch path.
        max_rounds : int, default 1000
            Bound on the rounds of redrawing; each round redraws only the still-excluded positions.

        Returns
        -------
        ndarray of int64, or LongTensor, shape ``size``

        Raises
        ------
        ValueError
            Bad ``size``, out-of-range ``exclude`` ids, or an excluded set carrying probability ~1.
        RuntimeError
            Some draws were still excluded after ``max_rounds`` rounds.

        Examples
        --------
        >>> from negsample.noise import Uniform
        >>> Uniform(10).sample((2, 3), rng=0, exclude=[[0, 1, -1], [5, -1, -1]]).shape
        (2, 3)
        """
        shape = _as_shape(size)
        if device is not None or generator is not None or is_tensor(exclude):
            if rng is not None:
                raise TypeError("sample: rng= seeds NumPy draws; for torch draws pass generator= (a torch.Generator)")
            return self._sample_torch(shape, device, generator, exclude, max_rounds)
        gen = as_generator(rng)
        out = self._draw_numpy(math.prod(shape), gen).reshape(shape)
        if exclude is not None:
            keys, stride, mass = self._exclusion_numpy(exclude, shape)
            _resample(
                out.reshape(-1), keys, stride, self.num_classes, mass, max_rounds,
                draw=lambda n: self._draw_numpy(n, gen),
                isin=np.isin, nonzero=np.flatnonzero, arange=np.arange,
            )  # fmt: skip
        return out

    def _draw_numpy(self, n: int, gen: np.random.Generator) -> np.ndarray:
        out = np.empty(n, dtype=np.int64)
        # One 64-bit seed per call from the Generator keeps draws reproducible from the caller's rng.
        state = gen.integers(0, 2**64, size=1, dtype=np.uint64, endpoint=False)
        fill_alias_draws(self.threshold, self.alias, state, out)
        return out

    def _sample_torch(self, shape, device, generator, exclude, max_rounds):
        torch = require_torch()
        if device is None:
            if generator is not None:
                device = generator.device
            elif is_tensor(exclude):
                device = exclude.device
            else:
                device = "cpu"
        device = _resolve_device(torch, device)
        if generator is not None and _resolve_device(torch, generator.device) != device:
            raise ValueError(f"generator: expected a generator on {device}, got one on {generator.device}")
        tables = self._torch_tables(device)

        def draw(n):
            column = torch.randint(0, self.num_classes, (n,), device=device, generator=generator)
            coin = torch.rand(n, device=device, generator=generator, dtype=torch.float64)
            return torch.where(coin < tables.threshold.index_select(0, column), column,
                               tables.alias.index_select(0, column))  # fmt: skip

        out = draw(math.prod(shape)).reshape(shape)
        if exclude is not None:
            keys, stride, mass = self._exclusion_torch(torch, exclude, shape, device)
            _resample(
                out.view(-1), keys, stride, self.num_classes, mass, max_rounds,
                draw=draw, isin=torch.isin,
                nonzero=lambda mask: torch.nonzero(mask).squeeze(1),
                arange=lambda n: torch.arange(n, device=device),
            )  # fmt: skip
        return out

    def _torch_tables(self, device) -> _TorchTables:
        """The alias table as tensors on ``device``, built on first use and then cached."""
        torch = require_torch()
        device = _resolve_device(torch, device)
        # setdefault: a subclass that fills the table without _init_table still gets a cache.
        cache = self.__dict__.setdefault("_torch_cache", {})
        tables = cache.get(device)
        if tables is None:
            tables = _TorchTables(
                threshold=torch.as_tensor(self.threshold, dtype=torch.float64, device=device),
                alias=torch.as_tensor(self.alias.astype(np.int64), device=device),
                probs=torch.as_tensor(self.probs, dtype=torch.float64, device=device),
                log_probs=torch.as_tensor(self._log_probs, dtype=torch.float64, device=device),
            )
            cache[device] = tables
        return tables

    # ------------------------------------------------------------------ exclusion
    def _exclusion_numpy(self, exclude, shape):
        """Excluded ids as sorted int64 keys, the draws per row, and the excluded probability.

        Shared exclusion (1-d): keys are the ids, stride ``None``, mass a float. Per-row exclusion
        (2-d): keys are ``row * num_classes + id`` so one sorted ``isin`` serves all rows, stride is
        the number of draws per row, mass has shape (batch_size,).
        """
        exclude = np.asarray(exclude)
        if exclude.size == 0:
            exclude = exclude.astype(np.int64)
        self._check_exclude_shape(exclude, shape)
        n = self.num_classes
        if exclude.ndim == 1:
            check_ids_in_range("exclude", exclude, n)
            keys = np.unique(exclude.astype(np.int64))
            return keys, None, float(self.probs[keys].sum())
        check_ids_in_range("exclude", exclude, n, allow=-1)
        rows = np.arange(exclude.shape[0], dtype=np.int64)[:, None]
        keys = np.unique((rows * n + exclude)[exclude >= 0])
        mass = np.bincount(keys // n, weights=self.probs[keys % n], minlength=exclude.shape[0])
        return keys, math.prod(shape[1:]), mass

    def _exclusion_torch(self, torch, exclude, shape, device):
        """As :meth:`_exclusion_numpy`, with tensors on ``device``."""
        exclude = torch.as_tensor(exclude, device=device)
        if exclude.numel() == 0:
            exclude = exclude.long()
        self._check_exclude_shape(exclude, shape)
        n = self.num_classes
        probs = self._torch_tables(device).probs
        if exclude.ndim == 1:
            check_ids_in_range("exclude", exclude, n)
            keys = torch.unique(exclude.long())
            return keys, None, float(probs[keys].sum())
        check_ids_in_range("exclude", exclude, n, allow=-1)
        rows = torch.arange(exclude.shape[0], device=device)[:, None]
        keys = torch.unique((rows * n + exclude.long())[exclude >= 0])
        mass = torch.zeros(exclude.shape[0], dtype=torch.float64, device=device)
        mass.index_add_(0, keys // n, probs[keys % n])
        return keys, math.prod(shape[1:]), mass

    @staticmethod
    def _check_exclude_shape(exclude, shape) -> None:
        check_integer("exclude", exclude)
        if exclude.ndim == 2:
            if len(shape) == 0 or shape[0] != exclude.shape[0]:
                raise ValueError(
                    f"exclude: a 2-d exclude of shape (batch_size, max_excluded) = {tuple(exclude.shape)} "
                    f"needs size (batch_size, ...) with batch_size={exclude.shape[0]}, got size {shape}"
                )
        elif exclude.ndim != 1:
            raise ValueError(
                f"exclude: expected shape (num_excluded,) or (batch_size, max_excluded), got {tuple(exclude.shape)}"
            )

    # ------------------------------------------------------------------ log-probabilities
    def log_prob(self, ids, *, exclude=None, dtype=None):
        """Natural-log probability of each id; same shape (and, for tensors, device) as ``ids``.

        Parameters
        ----------
        ids : array-like or tensor of int, any shape
        exclude : optional, as in :meth:`sample`
            By default the result is the *unconditional* ``log P(id)``, which is what NCE and
            sampled-softmax corrections use. Pass the same ``exclude`` given to :meth:`sample` to get
            the log-probability under the renormalised distribution that exclusion actually samples
            from: ``log P(id) - log(1 - P(excluded))``, and ``-inf`` for excluded ids.
        dtype : torch.dtype, optional
            Dtype of a tensor result; default ``torch.get_default_dtype()`` (so it mixes with
            float32 logits). NumPy results are float64.

        Returns
        -------
        ndarray of float64 or float tensor, shape ``ids.shape``

        Raises
        ------
        ValueError
            For ids outside ``[0, num_classes)``.

        Examples
        --------
        >>> import numpy as np
        >>> from negsample.noise import Uniform
        >>> Uniform(4).log_prob(np.array([0, 3])).round(4).tolist()
        [-1.3863, -1.3863]
        """
        if is_tensor(ids):
            return self._log_prob_torch(ids, exclude, dtype)
        ids = np.asarray(ids)
        check_ids_in_range("log_prob: ids", ids, self.num_classes)
        out = self._log_probs[ids]
        if exclude is None:
            return out
        keys, stride, mass = self._exclusion_numpy(exclude, ids.shape)
        return self._renormalise(np.asarray(out), ids, keys, stride, mass, np.isin, np.log1p, np.arange)

    def _log_prob_torch(self, ids, exclude, dtype):
        torch = require_torch()
        check_ids_in_range("log_prob: ids", ids, self.num_classes)
        out = self._torch_tables(ids.device).log_probs[ids]
        if exclude is not None:
            keys, stride, mass = self._exclusion_torch(torch, exclude, tuple(ids.shape), ids.device)
            out = self._renormalise(
                out, ids, keys, stride, mass, torch.isin, torch.log1p,
                lambda n: torch.arange(n, device=ids.device),
            )  # fmt: skip
        return out.to(torch.get_default_dtype() if dtype is None else dtype)

    def _renormalise(self, out, ids, keys, stride, mass, isin, log1p, arange):
        """Condition ``log P(id)`` on not being excluded; works for arrays and tensors alike."""
        if stride is None:
            excluded = isin(ids, keys)
            adjusted = out - math.log1p(-mass)
        else:
            broadcast = (ids.shape[0],) + (1,) * (ids.ndim - 1)
            rows = arange(ids.shape[0]).reshape(broadcast)
            excluded = isin(rows * self.num_classes + ids, keys)
            adjusted = out - log1p(-mass).reshape(broadcast)
        adjusted[excluded] = -math.inf
        return adjusted

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_classes={self.num_classes})"


def _resample(flat, keys, stride, num_classes, mass, max_rounds, *, draw, isin, nonzero, arange) -> None:
    """Redraw, in place, the entries of ``flat`` whose key is in ``keys`` until none is left.

    Rejection sampling: each redraw comes from the full distribution, so accepted values follow the
    distribution renormalised over the non-excluded ids. ``stride`` is the number of draws per row
    for per-row exclusion (keys are ``row * num_classes + id``), ``None`` for a shared excluded set.
    """
    if stride is not None:  # per-row exclusion: the heaviest row decides
        mass = float(mass.max()) if mass.shape[0] else 0.0
    if mass > _MAX_EXCLUDED_MASS:
        raise ValueError(
            f"exclude: the excluded ids carry probability {mass:.9g} (~1) under this distribution, "
            "so there is nothing left to sample"
        )
    if flat.shape[0] == 0 or len(keys) == 0:
        return

    def key_of(positions, values):
        return values if stride is None else (positions // max(stride, 1)) * num_classes + values

    positions = nonzero(isin(key_of(arange(flat.shape[0]), flat), keys))
    for _ in range(max_rounds):
        if positions.shape[0] == 0:
            return
        values = draw(positions.shape[0])
        flat[positions] = values
        positions = positions[isin(key_of(positions, values), keys)]
    if positions.shape[0]:
        raise RuntimeError(
            f"exclude: {positions.shape[0]} draws were still excluded after max_rounds={max_rounds} rounds "
            f"of resampling (excluded probability up to {mass:.4g}); raise max_rounds"
        )



def check_num_classes(owner: str, num_classes, name: str = "num_classes") -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {num_classes!r}")
    return int(num_classes)

