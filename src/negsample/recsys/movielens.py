"""The MovieLens layouts as GroupLens ships them: ``u.data`` (100K, tab-separated), ``ratings.dat``
(1M / 10M, ``::``), ``ratings.csv`` (20M, 25M, latest; with a header), read from the file, its folder
or the zip archive, with the user and item features that come with them (age, gender, occupation;
genres as a multi-valued field).

Example
-------
>>> import pathlib, tempfile
>>> from negsample.recsys.movielens import load_movielens
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "ratings.dat").write_text("1::10::5::978300760\\n2::10::3::978302109\\n")
>>> load_movielens(folder / "ratings.dat", min_rating=4)
Interactions(1 of 1 users x 1 items; ratings, timestamps)
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from .data import Interactions
from .errors import RecsysDataError
from .features import FeatureTable
from .tables import read_columns

__all__ = ["load_movielens"]

# file name -> (separator, header, (user, item, rating, timestamp) columns)
_RATINGS = {
    "u.data": ("\t", False, (0, 1, 2, 3)),
    "ratings.dat": ("::", False, (0, 1, 2, 3)),
    "ratings.csv": (",", True, ("userId", "movieId", "rating", "timestamp")),
}
_ML100K_GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                  "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
                  "War", "Western"]


# what a damaged archive raises: a bad header or CRC, a damaged deflate stream, a cut-off member,
# an unsupported compression method or an encrypted member (RuntimeError)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)


class _Files:
    """The files of one MovieLens release: a folder or a zip archive (members found by base name)."""

    def __init__(self, path: Path):
        self.path = path
        if zipfile.is_zipfile(path):
            try:
                self.archive = zipfile.ZipFile(path)
            except _ZIP_ERRORS as exc:
                raise RecsysDataError(f"{path}: not a readable zip archive ({exc})") from exc
            self.names = {Path(n).name: n for n in self.archive.namelist() if not n.endswith("/")}
        else:
            self.archive = None
            folder = path if path.is_dir() else path.parent
            self.names = {p.name: p for p in folder.iterdir() if p.is_file()}

    def read(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        if self.archive is not None:
            try:
                return self.archive.read(self.names[name])
            except _ZIP_ERRORS as exc:
                raise RecsysDataError(f"{self.label(name)}: cannot read it from the zip archive ({exc})") from exc
        return Path(self.names[name]).read_bytes()

    def label(self, name: str) -> str:
        return f"{self.path}:{self.names[name]}" if self.archive is not None else str(self.names[name])


def load_movielens(path, *, min_rating: float | None = None, features: bool = False) -> Interactions:
    """Interactions of a MovieLens release.

    Parameters
    ----------
    path : str or os.PathLike
        ``u.data``, ``ratings.dat`` or ``ratings.csv``, the folder holding one, or the release's zip.
    min_rating : float, optional
        Keep only ratings at least this high (e.g. 4 for "liked").
    features : bool, default False
        Attach user features (100K, 1M: age group, gender, occupation) and item features (genres,
        multi-valued; the release year for 100K) when the release has them.
    """
    path = Path(path)
    if not path.exists():
        raise RecsysDataError(f"{path}: no such file or folder")
    files = _Files(path)
    if path.is_file() and not zipfile.is_zipfile(path) and path.name not in _RATINGS:
        raise RecsysDataError(f"{path}: not a MovieLens ratings file (expected one of {sorted(_RATINGS)})")
    wanted = path.name if path.name in _RATINGS else next((n for n in _RATINGS if n in files.names), None)
    if wanted is None:
        raise RecsysDataError(f"{path}: holds none of the MovieLens ratings files {sorted(_RATINGS)}")
    sep, header, (user, item, rating, timestamp) = _RATINGS[wanted]
    label = files.label(wanted)
    columns = read_columns(files.read(wanted), {"user": user, "item": item, "rating": rating, "timestamp": timestamp},
                           sep=sep, header=header, numeric=("rating", "timestamp"), name=label)
    data = Interactions.from_arrays(columns["user"], columns["item"], ratings=columns["rating"],
                                    timestamps=columns["timestamp"], min_rating=min_rating, source=label)
    if features:
        data = data.with_features(user_features=_user_features(files, data), item_features=_item_features(files, data))
    return data


def _age_group(ages: np.ndarray) -> np.ndarray:
    return np.array([f"{int(a) // 10 * 10}s" for a in ages.astype(float)])


def _user_features(files: _Files, data: Interactions) -> FeatureTable | None:
    if (raw := files.read("u.user")) is not None:  # id|age|gender|occupation|zip
        cols = read_columns(raw, {"key": 0, "age": 1, "gender": 2, "occupation": 3}, sep="|", header=False,
                            name=files.label("u.user"))
        ages = _age_group(cols["age"])
    elif (raw := files.read("users.dat")) is not None:  # id::gender::age group::occupation::zip
        cols = read_columns(raw, {"key": 0, "gender": 1, "age": 2, "occupation": 3}, sep="::", header=False,
                            name=files.label("users.dat"))
        ages = cols["age"]
    else:
        return None
    return FeatureTable.from_columns(cols["key"], data.user_map, source="MovieLens users",
                                     categorical={"age": ages, "gender": cols["gender"],
                                                  "occupation": cols["occupation"]})


def _item_features(files: _Files, data: Interactions) -> FeatureTable | None:
    if (raw := files.read("u.item")) is not None:  # id|title|release date|video date|url|19 genre flags
        text = raw.decode("latin-1").encode("utf-8")
        flags = {f"g{i}": 5 + i for i in range(19)}
        cols = read_columns(text, {"key": 0, "date": 2, **flags}, sep="|", header=False, name=files.label("u.item"))
        on = np.stack([cols[f"g{i}"] == "1" for i in range(19)], axis=1)
        genres = [[g for g, set_ in zip(_ML100K_GENRES, row) if set_] for row in on]
        years = np.array([d[-4:] if len(d) >= 4 else "" for d in cols["date"]])
        return FeatureTable.from_columns(cols["key"], data.item_map, source="MovieLens items",
                                         categorical={"year": years}, multi={"genres": genres})
    for name, sep, header, (key, genres) in (("movies.dat", "::", False, (0, 2)),
                                             ("movies.csv", ",", True, ("movieId", "genres"))):
        if (raw := files.read(name)) is not None:
            if name == "movies.dat":
                raw = raw.decode("latin-1").encode("utf-8")
            cols = read_columns(raw, {"key": key, "genres": genres}, sep=sep, header=header, name=files.label(name))
            return FeatureTable.from_columns(cols["key"], data.item_map, source="MovieLens items",
                                             multi={"genres": cols["genres"]})
    return None
