"""Interactions files (CSV, TSV, Parquet, gzip, MovieLens layouts), errors that name file/line/id,
k-core against a loop, features, and the seeded splits."""

from __future__ import annotations

import gzip
import zipfile

import numpy as np
import pytest

from negsample.recsys import (
    EmptySplitError,
    FeatureTable,
    Interactions,
    RecsysDataError,
    UnknownIdError,
    leave_last_out,
    random_split,
    temporal_split,
)
from negsample.recsys.movielens import load_movielens

CSV = "user,item,rating,ts\nu1,a,5,10\nu1,b,3,20\nu2,a,4,15\nu3,c,5,30\n"


def _external(data):
    return sorted(zip(data.user_map.to_external(data.users).tolist(), data.item_map.to_external(data.items).tolist()))


def test_csv_tsv_gzip_and_parquet_read_the_same(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    (tmp_path / "x.csv").write_text(CSV)
    (tmp_path / "x.tsv").write_text(CSV.replace(",", "\t"))
    (tmp_path / "x.csv.gz").write_bytes(gzip.compress(CSV.encode()))
    table = pa.table({"user": ["u1", "u1", "u2", "u3"], "item": ["a", "b", "a", "c"], "rating": [5, 3, 4, 5],
                      "ts": [10, 20, 15, 30]})
    pq.write_table(table, tmp_path / "x.parquet")
    loaded = [Interactions.from_file(tmp_path / name, user="user", item="item", rating="rating", timestamp="ts",
                                     min_rating=4) for name in ("x.csv", "x.tsv", "x.csv.gz", "x.parquet")]
    for data in loaded:
        assert _external(data) == [("u1", "a"), ("u2", "a"), ("u3", "c")]
        assert data.timestamps.tolist() == [10.0, 15.0, 30.0]


def test_positions_without_header_and_integer_ids(tmp_path):
    (tmp_path / "u.data").write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t51\t2\t881250950\n")
    data = Interactions.from_file(tmp_path / "u.data", user=0, item=1, timestamp=3)
    assert data.user_map.values.tolist() == [186, 196] and data.item_map.values.dtype == np.int64
    assert data.user_map.to_internal(["196"]).tolist() == [1]  # a string from the command line finds 196


@pytest.mark.parametrize("layout", ["u.data", "ratings.dat", "ratings.csv"])
def test_movielens_layouts(tmp_path, layout):
    rows = [(1, 10, 5, 100), (1, 20, 2, 101), (2, 10, 4, 102)]
    if layout == "u.data":
        text = "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows)
    elif layout == "ratings.dat":
        text = "".join(f"{u}::{i}::{r}::{t}\n" for u, i, r, t in rows)
    else:
        text = "userId,movieId,rating,timestamp\n" + "".join(f"{u},{i},{r}.0,{t}\n" for u, i, r, t in rows)
    (tmp_path / layout).write_text(text)
    with zipfile.ZipFile(tmp_path / "release.zip", "w") as archive:
        archive.writestr(f"release/{layout}", text)
    for source in (tmp_path / layout, tmp_path, tmp_path / "release.zip"):
        data = load_movielens(source, min_rating=4)
        assert _external(data) == [(1, 10), (2, 10)]


def test_movielens_100k_features(tmp_path):
    (tmp_path / "u.data").write_text("1\t1\t5\t1\n2\t2\t4\t2\n")
    (tmp_path / "u.user").write_text("1|24|M|technician|85711\n2|53|F|other|94043\n")
    flags = ["0"] * 19
    comedy = flags.copy()
    comedy[5] = comedy[8] = "1"  # Comedy, Drama
    (tmp_path / "u.item").write_bytes(("1|Toy Story (1995)|01-Jan-1995||http://x|" + "|".join(comedy) + "\n"
                                       "2|Caf\xe9 (1996)|01-Jan-1996||http://y|" + "|".join(flags) + "\n")
                                      .encode("latin-1"))
    data = load_movielens(tmp_path, features=True)
    genres = data.item_features.fields["genres"]
    assert genres.vocab.to_external(data.item_features.padded("genres")[0]).tolist() == ["Comedy", "Drama"]
    assert data.item_features.padded("genres")[1].tolist() == [-1, -1]
    assert data.user_features.fields["age"].vocab.values.tolist() == ["20s", "50s"]


def test_missing_column_names_the_file_and_the_columns(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CSV)
    with pytest.raises(RecsysDataError, match=r"events\.csv: no column 'movie' for the item .*'user', 'item'"):
        Interactions.from_file(path, user="user", item="movie")


def test_unparsable_row_names_the_line(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("user,item,rating\nu1,a,5\n\nu2,b,five\n")
    with pytest.raises(RecsysDataError, match=r"events\.csv, line 4, column 'rating': cannot read 'five'"):
        Interactions.from_file(path, user="user", item="item", rating="rating")
    path.write_text("user,item\nu1,a\nu2\n")
    with pytest.raises(RecsysDataError, match=r"events\.csv, line 3: expected 2 fields, got 1"):
        Interactions.from_file(path, user="user", item="item")
    assert issubclass(RecsysDataError, ValueError)


def test_unknown_id_is_named():
    data = Interactions.from_arrays(["a", "b"], [1, 2])
    with pytest.raises(UnknownIdError, match="unknown user id 'zed'"):
        data.user_map.to_internal(["a", "zed"])
    assert data.item_map.to_internal([2, 7], missing=-1).tolist() == [1, -1]


def test_k_core_matches_a_loop():
    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 60, 600), rng.zipf(1.5, 600) % 80
    data = Interactions.from_arrays(users, items)
    core = data.k_core(4, 3)
    pairs = set(_external(data))
    while True:  # the slow version
        u = {}
        i = {}
        for a, b in pairs:
            u[a] = u.get(a, 0) + 1
            i[b] = i.get(b, 0) + 1
        kept = {(a, b) for a, b in pairs if u[a] >= 4 and i[b] >= 3}
        if kept == pairs:
            break
        pairs = kept
    assert set(_external(core)) == pairs
    assert core.num_users == len({a for a, _ in pairs}) and core.item_counts().min() >= 3


def test_deduplicate_keeps_the_latest():
    data = Interactions.from_arrays([1, 1, 2], [5, 5, 5], timestamps=[3, 1, 2], ratings=[4, 2, 5])
    assert len(data) == 2 and sorted(data.ratings.tolist()) == [4.0, 5.0]


def test_feature_table_aligns_to_the_id_map(tmp_path):
    data = Interactions.from_arrays([1, 2], ["x", "y"])
    path = tmp_path / "items.csv"
    path.write_text("item,kind,tags\ny,film,a|b\nz,book,c\nx,film,\n")
    table = FeatureTable.from_file(path, data.item_map, key="item", categorical=["kind"], multi=["tags"])
    assert table.fields["kind"].vocab.to_external(table.padded("kind")[:, 0]).tolist() == ["film", "film"]
    assert table.padded("tags").tolist() == [[-1, -1], [0, 1]]
    assert table.take([1]).padded("tags").tolist() == [[0, 1]]
    with pytest.raises(RecsysDataError, match="more than one feature row"):
        FeatureTable.from_columns(["x", "x"], data.item_map, categorical={"kind": ["a", "b"]})


def _planted_times(n_users=30, per_user=6):
    users = np.repeat(np.arange(n_users), per_user)
    items = np.tile(np.arange(per_user), n_users) + users % 3
    times = np.tile(np.arange(per_user), n_users).astype(float)
    return Interactions.from_arrays(users, items, timestamps=times)


def test_leave_last_out_holds_out_the_latest():
    data = _planted_times()
    train, valid, test = leave_last_out(data)
    assert len(test) == len(valid) == 30 and len(train) == 30 * 4
    assert np.all(data.timestamps.max() == test.timestamps) and np.all(valid.timestamps == 4)
    again = leave_last_out(data, seed=0)
    assert np.array_equal(again.test.items, test.items)


def test_random_split_is_seeded_and_per_user():
    data = _planted_times(per_user=10)
    a, b, c = random_split(data, seed=1), random_split(data, seed=1), random_split(data, seed=2)
    assert np.array_equal(a.test.items, b.test.items) and not np.array_equal(a.test.items, c.test.items)
    assert np.all(a.test.user_counts() == 1) and np.all(a.train.user_counts() == 8)


def test_temporal_split_cuts_once_in_time():
    data = _planted_times()
    train, valid, test = temporal_split(data, test=0.2, valid=0.1)
    assert train.timestamps.max() <= valid.timestamps.min() <= valid.timestamps.max() <= test.timestamps.min()
    assert len(test) == 36


def test_empty_split_is_an_error():
    data = Interactions.from_arrays([1, 2], [1, 2], timestamps=[1, 2])
    with pytest.raises(EmptySplitError, match="validation part empty"):
        leave_last_out(data)
    with pytest.raises(RecsysDataError, match="needs timestamps"):
        leave_last_out(Interactions.from_arrays([1], [1]))
