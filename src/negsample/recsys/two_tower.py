"""``TwoTower``: fit on interactions, evaluate on the full catalogue, recommend by external id, save/load.

Example
-------
>>> import numpy as np
>>> from negsample.recsys import Interactions, TwoTower
>>> rng = np.random.default_rng(0)
>>> users = np.repeat(np.arange(40), 6)
>>> items = (users % 4) * 10 + rng.integers(0, 10, users.size)     # four taste groups of 10 items
>>> model = TwoTower(dim=16, epochs=10, batch_size=64, early_stopping=None, seed=0)
>>> model = model.fit(Interactions.from_arrays(users, items))
>>> recommended = model.recommend([0, 1], k=3, exclude_seen=False)
>>> recommended.items.shape, bool(np.all(recommended.items[0] < 10))  # user 0's group: items 0-9
((2, 3), True)
"""

from __future__ import annotations

import dataclasses
import time
from typing import NamedTuple

import numpy as np

from .._torch import require_torch
from ..evaluation import ExclusionIndex, top_k
from .config import TwoTowerConfig
from .data import Interactions
from .evaluate import evaluate_embeddings
from .features import FeatureTable, history_features
from .objectives import Objective, SeenPairs
from .serving import ItemIndex, read_model_file, write_model_file
from .towers import Tower
from .training import TrainStep, start_distributed, train_towers

torch = require_torch()

__all__ = ["Recommendations", "TwoTower", "TwoTowerConfig"]


class Recommendations(NamedTuple):
    """``items`` (external ids) and ``scores``, shape (n_queries, k), best first; ``-1`` ids pad short rows."""

    items: np.ndarray
    scores: np.ndarray


def _merge(a: FeatureTable | None, b: FeatureTable | None) -> FeatureTable | None:
    if a is None or b is None:
        return a if b is None else b
    return FeatureTable({**a.fields, **b.fields}, a.num_rows)


class TwoTower:
    """A two-tower retrieval model: a user tower and an item tower whose dot product ranks items.

    Parameters
    ----------
    config : TwoTowerConfig, optional
        Every setting; keyword arguments override its fields (``TwoTower(negatives="mixed")``).
    device : str or torch.device, default "cpu"
    """

    def __init__(self, config: TwoTowerConfig | None = None, *, device="cpu", **settings):
        config = config or TwoTowerConfig()
        self.config = dataclasses.replace(config, **settings) if settings else config
        self.device = torch.device(device)
        self.user_tower: Tower | None = None
        self.item_tower: Tower | None = None
        self.history: list[dict] = []

    # ------------------------------------------------------------------ building
    def _build(self, user_map, item_map, user_table, item_table):
        config = self.config
        self.user_map, self.item_map = user_map, item_map
        self.user_table, self.item_table = user_table, item_table
        init = torch.Generator().manual_seed(config.seed)
        common = {"mlp": config.mlp, "normalize": config.normalize, "init_std": config.init_std, "generator": init}
        self.user_tower = Tower(len(user_map), config.dim, features=user_table, use_id=config.user_id,
                                **common).to(self.device)
        self.item_tower = Tower(len(item_map), config.dim, features=item_table, use_id=config.item_id,
                                **common).to(self.device)

    def _set_seen(self, users, items, item_counts):
        self.seen_users, self.seen_items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        self.item_counts = np.asarray(item_counts, np.int64)
        self.seen = ExclusionIndex(self.seen_users, self.seen_items, num_keys=len(self.user_map))
        self._index = None

    def fit(self, train: Interactions, valid: Interactions | None = None, *, progress: bool = False,
            log=None, checkpoint=None, checkpoint_every=None, resume=None, keep_checkpoints: int = 2) -> TwoTower:
        """Train on ``train``; with ``valid``, validate every epoch and stop early (config.early_stopping).

        Parameters
        ----------
        train : Interactions
        valid : Interactions, optional
            Held-out pairs with the same id maps (a :mod:`~negsample.recsys.splits` part).
        progress : bool
            A progress bar per epoch: batches/s, loss, and the validation metric.
        log : TrainingLog, optional
            One record per epoch (``--log LOG.jsonl`` in the CLI).
        checkpoint : str or os.PathLike, optional
            A folder for checkpoints of the whole training state (:mod:`~negsample.recsys.checkpoint`),
            written every ``checkpoint_every`` epochs (default ``"1"``; ``"30m"``: time) and after the
            last epoch; the newest ``keep_checkpoints`` are kept.
        resume : str or os.PathLike, optional
            Continue the fit whose checkpoints are in this folder, on the same interactions and
            settings (else a CheckpointError says what differs), checkpointing there as before (or
            every ``checkpoint_every``); on CPU the result is that of the uninterrupted fit.

        Under ``torchrun`` the process group is joined here and training runs on every rank (DDP).
        """
        config = self.config
        if len(train) == 0:
            raise ValueError(f"{train.source}: no training interactions")
        if valid is not None and (valid.user_map != train.user_map or valid.item_map != train.item_map):
            raise ValueError("valid: expected the id maps of train (split one interactions set)")
        rank, world_size = start_distributed(self.device)
        if config.batch_size < world_size:
            raise ValueError(f"batch_size: {config.batch_size} is smaller than the {world_size} ranks")
        user_table = train.user_features if config.user_features else None
        if config.user_history:
            user_table = _merge(user_table, history_features(train.users, train.items, train.num_users,
                                                             train.item_map))
        item_table = train.item_features if config.item_features else None
        self._build(train.user_map, train.item_map, user_table, item_table)
        self._set_seen(train.users, train.items, train.item_counts())
        sampler = torch.Generator(device=self.device).manual_seed(config.seed + 1000 * (rank + 1))
        seen = (SeenPairs(train.users, train.items, num_items=train.num_items, num_users=train.num_users,
                          device=self.device)
                if config.sample_unseen else None)
        objective = Objective(config, self.item_counts, dim=config.dim, generator=sampler, seen=seen)
        step = TrainStep(self.user_tower, self.item_tower, objective)
        as_tensor = lambda a, dtype: torch.as_tensor(a, dtype=dtype, device=self.device)  # noqa: E731
        weights = None if train.weights is None else as_tensor(train.weights, torch.float32)
        validate = None
        if valid is not None:
            k = int(config.early_stopping.partition("@")[2]) if config.early_stopping else 20
            validate = lambda: self._metrics(valid, train, (k,))  # noqa: E731
        refresh = self._refresh_hard(objective) if config.negatives == "hard" else None
        saver, state = self._checkpoints(checkpoint, checkpoint_every, resume, keep_checkpoints, train, valid,
                                         world_size)
        self.history = train_towers(step, as_tensor(train.users, torch.long), as_tensor(train.items, torch.long),
                                    weights, config, validate=validate, refresh_hard=refresh, progress=progress,
                                    log=log, device=self.device, checkpoint=saver, resume=state)
        return self

    def _checkpoints(self, checkpoint, every, resume, keep: int, train, valid, world_size: int):
        """The checkpoint writer and the state to resume from (None, None without checkpoints)."""
        from .._checks import ParameterError

        if checkpoint is not None and resume is not None:
            raise ParameterError("resume= goes on writing its checkpoints into its folder: leave out checkpoint=")
        if every is not None and checkpoint is None and resume is None:
            raise ParameterError("checkpoint_every needs checkpoint= (or resume=)")
        directory = checkpoint if resume is None else resume
        if directory is None:
            return None, None
        if world_size > 1:
            raise NotImplementedError("checkpoints under torchrun: each rank's sampler state is not saved yet; "
                                      "train without checkpoint= or in one process")
        from .checkpoint import checkpoint_saver, data_digest, latest_state

        digest = data_digest(train, valid)
        config = self.config.to_dict()
        state, saved_every = None, None
        if resume is not None:
            state, saved_every = latest_state(directory, config=config, digest=digest)
        every = every if every is not None else saved_every or "1"
        return checkpoint_saver(directory, every, keep=keep, meta={"config": config, "data": digest}), state

    def _refresh_hard(self, objective: Objective):
        def refresh():
            users, items = self._vectors()
            pools = []
            for start in range(0, users.shape[0], 2048):
                keys = torch.arange(start, min(start + 2048, users.shape[0]), device=self.device)
                scores = self.seen.mask(users[keys] @ items.T, keys)
                pools.append(top_k(scores, min(self.config.hard_pool, items.shape[0]))[1])
            objective.refresh_hard_negatives(torch.cat(pools))

        return refresh

    def _check_fitted(self):
        if self.user_tower is None:
            raise RuntimeError("this TwoTower is not fitted yet: call fit(...) or TwoTower.load(...)")

    @torch.no_grad()
    def _vectors(self):
        self._check_fitted()
        return self.user_tower.embed_all(), self.item_tower.embed_all()

    def _metrics(self, test, exclude, ks):
        users, items = self._vectors()
        result = evaluate_embeddings(users, items, test, exclude=exclude, ks=ks)
        return {k: v for k, v in result.items() if "@" in k}

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, test: Interactions, *, exclude: Interactions | None | str = "train", ks=(10, 20),
                 chunk_size: int = 2048) -> dict:
        """Full-ranking metrics on ``test`` (see :func:`~negsample.recsys.evaluate.evaluate_embeddings`).

        ``exclude="train"`` leaves out the training interactions the model was fitted on; pass an
        Interactions to leave out others (e.g. train + validation), or None for nothing.
        """
        self._check_fitted()
        if test.user_map != self.user_map or test.item_map != self.item_map:
            test = self._remap(test)
        if isinstance(exclude, str):
            if exclude != "train":
                raise ValueError(f"exclude: expected 'train', None or Interactions, got {exclude!r}")
            exclude = Interactions(self.seen_users, self.seen_items, user_map=self.user_map, item_map=self.item_map,
                                   source="training interactions")
        users, items = self._vectors()
        return evaluate_embeddings(users, items, test, exclude=exclude, ks=ks, chunk_size=chunk_size,
                                   item_popularity=self.item_counts)

    def _remap(self, data: Interactions) -> Interactions:
        users = data.user_map.to_external(data.users)
        items = data.item_map.to_external(data.items)
        return Interactions(self.user_map.to_internal(users), self.item_map.to_internal(items), user_map=self.user_map,
                            item_map=self.item_map, source=data.source)

    # ------------------------------------------------------------------ serving
    def user_embeddings(self) -> np.ndarray:
        """Every user's vector, float32 shape (num_users, dim); row i is ``user_map.values[i]``."""
        return self._vectors()[0].cpu().numpy()

    def item_embeddings(self) -> np.ndarray:
        """Every item's vector, float32 shape (num_items, dim); row i is ``item_map.values[i]``."""
        return self._vectors()[1].cpu().numpy()

    def build_index(self, kind: str = "auto", **options) -> ItemIndex:
        """Build (and keep, for :meth:`recommend`) the item index: ``exact``, faiss ``flat`` or ``ivf``."""
        self._index = ItemIndex(self.item_embeddings(), kind=kind, **options)
        return self._index

    def recommend(self, user_ids, k: int = 10, *, exclude_seen: bool = True) -> Recommendations:
        """Top-``k`` items for each external user id (unknown ids raise UnknownIdError naming them)."""
        self._check_fitted()
        users = self.user_map.to_internal(np.atleast_1d(np.asarray(user_ids)))
        if self._index is None:
            self.build_index("exact")
        queries = self._vectors()[0][torch.as_tensor(users, device=self.device)].cpu().numpy()
        exclude = [self.seen.candidates_of(int(u)) for u in users] if exclude_seen else None
        scores, ids = self._index.search(queries, k, exclude=exclude)
        return Recommendations(self._external_items(ids), scores)

    def similar_items(self, item_ids, k: int = 10) -> Recommendations:
        """The ``k`` items nearest to each external item id (by the item tower), the item itself left out."""
        self._check_fitted()
        items = self.item_map.to_internal(np.atleast_1d(np.asarray(item_ids)))
        if self._index is None:
            self.build_index("exact")
        vectors = self.item_embeddings()
        scores, ids = self._index.search(vectors[items], k, exclude=[np.array([i]) for i in items])
        return Recommendations(self._external_items(ids), scores)

    def _external_items(self, ids: np.ndarray) -> np.ndarray:
        out = self.item_map.to_external(np.where(ids < 0, 0, ids))
        if (ids < 0).any():
            out = out.astype(object)
            out[ids < 0] = -1
        return out

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """One ``.npz`` file (weights, id maps, features, seen items) with JSON metadata; no pickle."""
        self._check_fitted()
        weights = {f"user/{k}": v.detach().cpu().numpy() for k, v in self.user_tower.state_dict().items()}
        weights.update({f"item/{k}": v.detach().cpu().numpy() for k, v in self.item_tower.state_dict().items()})
        write_model_file(path, meta={"config": self.config.to_dict(), "history": self.history,
                                     "saved": time.strftime("%Y-%m-%dT%H:%M:%S")}, weights=weights,
                         user_map=self.user_map, item_map=self.item_map, seen_users=self.seen_users,
                         seen_items=self.seen_items, item_counts=self.item_counts, user_table=self.user_table,
                         item_table=self.item_table)

    @classmethod
    def load(cls, path, *, device="cpu") -> TwoTower:
        """A model written by :meth:`save`; it recommends exactly what the saved one did."""
        parts = read_model_file(path)
        model = cls(TwoTowerConfig.from_dict(parts["meta"]["config"]), device=device)
        model.history = parts["meta"].get("history", [])
        model._build(parts["user_map"], parts["item_map"], parts["user_table"], parts["item_table"])
        for prefix, tower in (("user/", model.user_tower), ("item/", model.item_tower)):
            state = {k.removeprefix(prefix): torch.as_tensor(v) for k, v in parts["weights"].items()
                     if k.startswith(prefix)}
            tower.load_state_dict(state)
        model._set_seen(parts["seen_users"], parts["seen_items"], parts["item_counts"])
        model.user_tower.eval()
        model.item_tower.eval()
        return model

    def __repr__(self) -> str:
        state = "unfitted" if self.user_tower is None else f"{len(self.user_map)} users x {len(self.item_map)} items"
        return f"TwoTower({state}, negatives={self.config.negatives!r}, loss={self.config.loss!r})"
