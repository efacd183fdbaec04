"""A tower: the embedding of an id plus embeddings of its features (embedding bags for multi-valued
ones), summed, or concatenated and passed through an MLP, then L2-normalised.

A tower without the id embedding (``use_id=False``) has only parameters *shared across* users or items
(feature embeddings and the MLP): every update moves every item that shares a feature, which is what
makes cross-batch negatives (stale embeddings of earlier batches) useful.

Example
-------
>>> import numpy as np, torch
>>> from negsample.recsys.features import FeatureTable
>>> from negsample.recsys.idmap import IdMap
>>> from negsample.recsys.towers import Tower
>>> items = IdMap(np.arange(3), what="item")
>>> genres = FeatureTable.from_columns([0, 1, 2], items, multi={"genres": ["a|b", "b", ""]})
>>> tower = Tower(3, 8, features=genres, use_id=False, generator=torch.Generator().manual_seed(0))
>>> tower(torch.tensor([0, 2])).shape, tower.field_names
(torch.Size([2, 8]), ['genres'])
"""

from __future__ import annotations

from collections.abc import Sequence

from .._torch import require_torch
from .features import FeatureTable

torch = require_torch()
nn = torch.nn

__all__ = ["Tower"]


class Tower(nn.Module):
    """Embeds internal ids ``0 .. num_rows-1`` (users or items) into ``dim`` dimensions.

    Parameters
    ----------
    num_rows : int
        How many users (or items) there are.
    dim : int
        Output dimension (and that of every embedding).
    features : FeatureTable, optional
        One embedding bag (mean of the values' vectors) per field; an empty bag contributes zeros.
    use_id : bool, default True
        Include a free embedding per id.
    mlp : sequence of int, default ()
        Hidden layer sizes; with an MLP the parts are concatenated and mapped to ``dim`` (ReLU between
        layers), without one they are summed.
    normalize : bool, default True
        L2-normalise the output (scores become cosines).
    init_std : float, default 0.1
        Standard deviation of the embeddings' normal initialisation.
    max_bag : int, optional
        Keep at most this many values of each multi-valued bag.
    generator : torch.Generator, optional
        For the initialisation (seeded runs).
    """

    def __init__(self, num_rows: int, dim: int, *, features: FeatureTable | None = None, use_id: bool = True,
                 mlp: Sequence[int] = (), normalize: bool = True, init_std: float = 0.1,
                 max_bag: int | None = None, generator: torch.Generator | None = None):
        super().__init__()
        fields = features.names if features is not None else []
        if not use_id and not fields:
            raise ValueError("a tower needs the id embedding (use_id=True) or at least one feature field")
        self.num_rows, self.dim, self.normalize = int(num_rows), int(dim), bool(normalize)
        self.field_names = list(fields)
        self.id_embedding = nn.Embedding(num_rows, dim) if use_id else None
        self.bags = nn.ModuleDict()
        for name in fields:
            # Value codes are shifted by one so that 0 is the padding slot, left out of the mean.
            self.bags[name] = nn.EmbeddingBag(features.num_values(name) + 1, dim, mode="mean", padding_idx=0)
            codes = torch.as_tensor(features.padded(name, max_len=max_bag) + 1)
            self.register_buffer(f"codes_{name}", codes, persistent=False)
        parts = int(use_id) + len(fields)
        layers: list[nn.Module] = []
        if mlp:
            sizes = [parts * dim, *mlp, dim]
            for i in range(len(sizes) - 1):
                layers.append(nn.Linear(sizes[i], sizes[i + 1]))
                if i < len(sizes) - 2:
                    layers.append(nn.ReLU())
        self.mlp = nn.Sequential(*layers) if layers else None
        self.reset_parameters(init_std, generator)

    def reset_parameters(self, init_std: float = 0.1, generator: torch.Generator | None = None) -> None:
        with torch.no_grad():
            if self.id_embedding is not None:
                self.id_embedding.weight.normal_(0.0, init_std, generator=generator)
            for bag in self.bags.values():
                bag.weight.normal_(0.0, init_std, generator=generator)
                bag.weight[0].zero_()
            for layer in self.mlp or ():
                if isinstance(layer, nn.Linear):
                    bound = 1.0 / layer.in_features ** 0.5
                    layer.weight.uniform_(-bound, bound, generator=generator)
                    layer.bias.zero_()

    @property
    def shares_parameters(self) -> bool:
        """True when no parameter belongs to a single id (no id embedding)."""
        return self.id_embedding is None

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Embeddings of ``ids`` (LongTensor, any shape) -> shape ``(*ids.shape, dim)``."""
        flat = ids.reshape(-1)
        parts = []
        if self.id_embedding is not None:
            parts.append(self.id_embedding(flat))
        for name, bag in self.bags.items():
            parts.append(bag(getattr(self, f"codes_{name}")[flat]))
        if self.mlp is not None:
            out = self.mlp(torch.cat(parts, dim=1))
        else:
            out = parts[0] if len(parts) == 1 else torch.stack(parts).sum(dim=0)
        if self.normalize:
            out = nn.functional.normalize(out, dim=-1)
        return out.reshape(*ids.shape, self.dim)

    @torch.no_grad()
    def embed_all(self, *, chunk_size: int = 65536) -> torch.Tensor:
        """Every row's embedding, shape (num_rows, dim), computed in chunks without gradient."""
        device = next(self.parameters()).device
        return torch.cat([self(torch.arange(start, min(start + chunk_size, self.num_rows), device=device))
                          for start in range(0, self.num_rows, chunk_size)])
