"""KGModel: train a knowledge-graph embedding, evaluate it, predict with names, save and load it.

Example
-------
>>> import os, tempfile
>>> from negsample.kg import KGModel, Triples
>>> kg = Triples.from_labels([("paris", "capital_of", "france"), ("berlin", "capital_of", "germany"),
...                           ("rome", "capital_of", "italy")], valid=[("rome", "capital_of", "italy")])
>>> model = KGModel(model="distmult", dim=8, loss="softplus", negatives=2, epochs=5, progress=False).fit(kg)
>>> len(model.predict_tails("paris", "capital_of", k=2))
2
>>> path = os.path.join(tempfile.mkdtemp(), "capitals.npz")
>>> model.save(path)
>>> KGModel.load(path).predict_tails("paris", "capital_of", k=2) == model.predict_tails("paris", "capital_of", k=2)
True
"""

from __future__ import annotations

import os

import numpy as np

from .._torch import require_torch
from .config import KGConfig
from .evaluation import LinkPredictionResult, evaluate_link_prediction, exclusion_indexes
from .models import ScoreFunction, build_score_function
from .serving import KGModelFormatError, Prediction, load_arrays, lookup, save_arrays, top_entities
from .trainer import start_distributed, train_score_function
from .triples import Triples

torch = require_torch()

__all__ = ["KGModel"]


class KGModel:
    """A knowledge-graph embedding model: settings, the trained score function and its labels.

    Parameters
    ----------
    config : KGConfig, optional
        All settings at once; or give them as keywords (see :class:`~negsample.kg.config.KGConfig`:
        ``model``, ``dim``, ``loss``, ``negatives``, ``chunk_size``, ``filtered``, ``epochs``, ...).
    progress : bool, default True
        A progress bar during :meth:`fit` (epoch, triples/s, loss, validation MRR).

    Attributes
    ----------
    config : KGConfig
    score_function : ScoreFunction or None (before fit)
    entities, relations : list of str
    history : list of dict -- one record per epoch of the last fit
    metadata : dict -- free JSON-ready notes saved with the model (the CLI records its ``unseen`` policy)
    """

    def __init__(self, config: KGConfig | None = None, *, progress: bool = True, **settings):
        if config is not None and settings:
            raise TypeError("KGModel: give a KGConfig or keyword settings, not both")
        self.config = config if config is not None else KGConfig(**settings)
        self.progress = progress
        self.score_function: ScoreFunction | None = None
        self.entities: list[str] = []
        self.relations: list[str] = []
        self.history: list[dict] = []
        self.metadata: dict = {}
        self._set_labels([], [], False, 0, np.zeros((0, 3), dtype=np.int64))

    # ------------------------------------------------------------------ training and evaluation
    def fit(self, triples: Triples, *, log=None, on_epoch=None, checkpoint: str | os.PathLike | None = None,
            checkpoint_every: str | int | None = None, resume: str | os.PathLike | None = None,
            keep_checkpoints: int = 2) -> KGModel:
        """Train on ``triples.train`` (early stopping on ``triples.valid``); returns ``self``.

        log : str, path or TrainingLog, optional -- the JSON-lines training log
        on_epoch : callable(record), optional -- called after every epoch
        checkpoint : str or path, optional -- write a checkpoint into this folder every
            ``checkpoint_every`` epochs (default ``"1"``; ``"30m"``: time) and after the last epoch
            (:mod:`negsample.kg.checkpoint`; the newest ``keep_checkpoints`` are kept)
        resume : str or path, optional -- continue the run whose checkpoints are in this folder, on the
            same triples and settings (else a :class:`~negsample.checkpoints.CheckpointError` says what
            differs), checkpointing there as before (or every ``checkpoint_every``)
        """
        from .._checks import ParameterError

        config = self.config
        if checkpoint is not None and resume is not None:
            raise ParameterError("resume= goes on writing its checkpoints into its folder: leave out checkpoint=")
        if checkpoint_every is not None and checkpoint is None and resume is None:
            raise ParameterError("checkpoint_every needs checkpoint= (or resume=)")
        if config.inverse:
            triples = triples.with_inverse()
        generator = torch.Generator().manual_seed(config.seed)
        model = build_score_function(config.model, num_entities=triples.num_entities,
                                     num_relations=triples.num_relations, dim=config.dim, p=config.p,
                                     sparse=config.sparse, generator=generator)
        self.score_function = model.to(config.device)
        self._adopt_labels(triples)
        rank, world_size = start_distributed(config.device)
        checkpointer = None
        if checkpoint is not None or resume is not None:
            if world_size > 1:
                raise ParameterError("checkpoints: not supported under torchrun yet (each rank draws its own "
                                     "negatives); train without checkpoint= / resume=")
            from .checkpoint import Checkpointer

            checkpointer = Checkpointer(self.score_function, triples, config, resume or checkpoint,
                                        every=checkpoint_every or (None if resume else "1"),
                                        resume=resume is not None, keep=keep_checkpoints)
        own_log = log is not None and not hasattr(log, "epoch")
        if own_log and rank != 0:  # under torchrun rank 0 alone writes the log
            log, own_log = None, False
        if own_log:
            from ..training_log import TrainingLog

            log = TrainingLog(log, wing="kg", unit="triples", config=config.to_dict())
        try:
            self.history = train_score_function(
                self.score_function, triples, config, progress=self.progress, log=log, on_epoch=on_epoch,
                restore=checkpointer.restore if checkpointer else None, checkpoint=checkpointer)
        finally:
            if own_log:
                log.close()
        return self

    def _adopt_labels(self, triples: Triples) -> None:
        self._set_labels(triples.entities, triples.relations, triples.inverse, triples.num_base_relations,
                         triples.known())

    def _set_labels(self, entities, relations, inverse: bool, num_base_relations: int, known) -> None:
        self.entities, self.relations = list(entities), list(relations)
        self.inverse, self.num_base_relations = bool(inverse), int(num_base_relations)
        self._entity_ids = {label: i for i, label in enumerate(self.entities)}
        self._relation_ids = {label: i for i, label in enumerate(self.relations)}
        self._known = np.asarray(known, dtype=np.int64).reshape(-1, 3)
        self._indexes = None

    def _require_trained(self) -> ScoreFunction:
        if self.score_function is None:
            raise RuntimeError("KGModel: not trained yet; call fit(triples) or KGModel.load(path) first")
        return self.score_function

    def _compatible(self, triples: Triples) -> Triples:
        """``triples`` in this model's id space (inverse relations added if the model has them)."""
        if self.inverse:
            triples = triples.with_inverse()
        if triples.entities != self.entities or triples.relations != self.relations:
            raise ValueError("triples: their entity or relation labels differ from the model's; read them from "
                             "the same files (and the same unseen= policy) as for training")
        return triples

    def evaluate(self, triples: Triples, split: str = "test", *, filtered: bool = True,
                 batch_size: int | None = None) -> LinkPredictionResult:
        """Filtered link prediction on ``split`` (both sides; see :mod:`negsample.kg.evaluation`)."""
        model = self._require_trained()
        return evaluate_link_prediction(model, self._compatible(triples), split, filtered=filtered,
                                        batch_size=batch_size or self.config.eval_batch_size)

    # ------------------------------------------------------------------ prediction
    def predict_tails(self, head, relation, k: int = 10, *, filter_known: bool = True):
        """The ``k`` most plausible tails of ``(head, relation, ?)``, by label, best first.

        head, relation : str, or equally long lists of str (then one list of predictions per query)
        filter_known : bool -- leave out the tails of triples known at training time
        Returns a list of :class:`~negsample.kg.serving.Prediction` (entity, score, rank).
        """
        return self._predict(head, relation, k, filter_known, head_side=False)

    def predict_heads(self, relation, tail, k: int = 10, *, filter_known: bool = True):
        """The ``k`` most plausible heads of ``(?, relation, tail)``; as :meth:`predict_tails`."""
        return self._predict(tail, relation, k, filter_known, head_side=True)

    def _predict(self, anchor, relation, k, filter_known, head_side):
        model = self._require_trained()
        single = isinstance(anchor, str) and isinstance(relation, str)
        anchors = lookup("entity", self._entity_ids, anchor)
        relation_ids = lookup("relation", self._relation_ids, relation)
        if any(r >= self.num_base_relations for r in relation_ids) and self.inverse:
            raise ValueError("relation: name a relation as read, not an inverse one")
        if len(anchors) != len(relation_ids):
            raise ValueError(f"got {len(anchors)} entities but {len(relation_ids)} relations")
        device = model.entity.device
        anchors_t = torch.tensor(anchors, dtype=torch.long, device=device)
        relations_t = torch.tensor(relation_ids, dtype=torch.long, device=device)
        if head_side and self.inverse:
            relations_t, head_side = relations_t + self.num_base_relations, False
        index = None
        if filter_known:
            tails_index, heads_index = self._exclusion()
            index = heads_index if head_side else tails_index
        scores, ids = top_entities(model, anchors_t, relations_t, head_side, k, index)
        out = [[Prediction(self.entities[i], float(s), rank) for rank, (s, i) in enumerate(zip(row_s, row_i), 1)
                if s != float("-inf")]
               for row_s, row_i in zip(scores.cpu().tolist(), ids.cpu().tolist())]
        return out[0] if single else out

    def _exclusion(self):
        if self._indexes is None:
            self._indexes = exclusion_indexes(self._known, len(self.entities), len(self.relations),
                                              inverse=self.inverse)
        return self._indexes

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | os.PathLike) -> None:
        """Write the model to one ``.npz`` file (no pickle; see :mod:`negsample.kg.serving`)."""
        model = self._require_trained()
        header = {"config": self.config.to_dict(), "entities": self.entities, "relations": self.relations,
                  "inverse": self.inverse, "num_base_relations": self.num_base_relations, "metadata": self.metadata}
        save_arrays(path, {"entity": model.entity.detach().cpu().numpy(),
                           "relation": model.relation.detach().cpu().numpy(), "known": self._known}, header)

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str | None = None) -> KGModel:
        """A model written by :meth:`save`; it predicts exactly as the saved one did.

        device : str, optional -- where to put it (default: the device it was trained on, if available)
        """
        arrays, header = load_arrays(path, required=("entity", "relation", "known"))
        try:
            config = KGConfig.from_dict(header["config"])
            entities, relations = list(header["entities"]), list(header["relations"])
        except (KeyError, TypeError, ValueError) as exc:
            raise KGModelFormatError(f"{os.fspath(path)}: bad header ({exc})") from exc
        if device is not None:
            config.device = device
        elif torch.device(config.device).type == "cuda" and not torch.cuda.is_available():
            config.device = "cpu"
        model = cls(config, progress=False)
        score_function = build_score_function(config.model, num_entities=len(entities), num_relations=len(relations),
                                              dim=config.dim, p=config.p, sparse=config.sparse)
        for name in ("entity", "relation"):
            expected = tuple(getattr(score_function, name).shape)
            if arrays[name].shape != expected:
                raise KGModelFormatError(f"{os.fspath(path)}: {name} table of shape {arrays[name].shape}, "
                                         f"expected {expected}")
        with torch.no_grad():
            score_function.entity.copy_(torch.from_numpy(arrays["entity"]))
            score_function.relation.copy_(torch.from_numpy(arrays["relation"]))
        model.score_function = score_function.to(config.device)
        model.metadata = dict(header.get("metadata") or {})
        model._set_labels(entities, relations, header.get("inverse", False), header.get("num_base_relations", 0),
                          arrays["known"])
        return model

    def __repr__(self) -> str:
        state = "untrained" if self.score_function is None else f"{len(self.entities)} entities"
        return f"KGModel({self.config.model}, dim={self.config.dim}, {state})"
