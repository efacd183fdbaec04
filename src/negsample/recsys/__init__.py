"""Two-tower recommenders: interactions files in, a trained retrieval model out, evaluated on the full
catalogue and served by id (PyTorch for training; pyarrow for reading files).

* Data: :class:`Interactions` (:mod:`.data`), :class:`FeatureTable` (:mod:`.features`), splits
  (:mod:`.splits`), MovieLens layouts (:mod:`.movielens`), errors (:mod:`.errors`).
* Model: :class:`TwoTower` (:mod:`.two_tower`), configured by :class:`TwoTowerConfig`; towers
  (:mod:`.towers`), negatives and losses (:mod:`.objectives`), the training loop (:mod:`.training`).
* Evaluation (:mod:`.evaluate`) and serving (:mod:`.serving`).

Only the data part is imported eagerly; the model needs torch.

Example
-------
>>> from negsample.recsys import Interactions
>>> Interactions.from_arrays(users=[1, 2], items=["a", "b"]).num_items
2
"""

from .data import Interactions
from .errors import EmptySplitError, RecsysDataError, UnknownIdError
from .features import FeatureTable, history_features
from .splits import Split, leave_last_out, make_split, random_split, temporal_split

__all__ = [
    "EmptySplitError",
    "FeatureTable",
    "Interactions",
    "RecsysDataError",
    "Split",
    "TwoTower",
    "TwoTowerConfig",
    "UnknownIdError",
    "history_features",
    "leave_last_out",
    "make_split",
    "random_split",
    "temporal_split",
]


def __getattr__(name):
    # The model needs torch; import it only when asked for, so the data part works without it.
    if name in ("TwoTower", "TwoTowerConfig"):
        from . import two_tower

        return getattr(two_tower, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
