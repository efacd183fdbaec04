"""Fuzzing the interactions readers (hypothesis, a few seconds each): whatever the bytes of a CSV, TSV,
gzip, Parquet or MovieLens file, only RecsysDataError (a ValueError naming the file) comes out, and
what is accepted round-trips: the id maps go both ways, the counts add up, and the interactions
written back as CSV read back the same."""

import gzip
import io
import zipfile

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
pa = pytest.importorskip("pyarrow")
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from fuzz_bytes import mutate, mutations  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from negsample.recsys import Interactions, RecsysDataError  # noqa: E402
from negsample.recsys.movielens import load_movielens  # noqa: E402

# pyarrow cannot hand a row that is not UTF-8 to the invalid-row handler and reports that as an
# "unraisable" exception before it raises the parse error the reader turns into a RecsysDataError
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ROWS = [("u1", "a", 5, 10), ("u1", "b", 3, 20), ("u2", "a", 4, 15), ("007", "c,d", 4.5, 30), ("u3", "é", 1, 40)]
CSV = "user,item,rating,ts\n" + "".join(f'{u},"{i}",{r},{t}\n' for u, i, r, t in ROWS)
TSV = "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in ROWS)  # no header: columns by position
BYTES = [0, 0x09, 0x0A, 0x0D, 0x20, ord('"'), ord(","), ord(":"), ord("|"), ord(";"), 0xFF, 0xC3, 0x80, ord("9"),
         ord("x"), 0x1F]
LAYOUTS = {   # name -> (content, from_file keywords)
    "x.csv": (CSV, dict(user="user", item="item", rating="rating", timestamp="ts")),
    "x.tsv": (TSV, dict(user=0, item=1, rating=2, timestamp=3)),
    "x.txt": (CSV.replace(",", ";"), dict(user="user", item="item", weight="rating")),  # separator guessed
    "x.csv.gz": (CSV, dict(user="user", item="item", rating="rating", timestamp="ts")),
}


def _read_or_refuse(read, path, **options):
    try:
        return read(path, **options)
    except RecsysDataError as exc:
        assert str(path) in str(exc), exc
        return None


def _check_round_trip(data: Interactions, tmp_path) -> None:
    """Ids both ways, counts, and the interactions written back as CSV (by pyarrow) read back the same."""
    users, items = data.user_map.to_external(data.users), data.item_map.to_external(data.items)
    assert data.user_map.to_internal(users).tolist() == data.users.tolist()
    assert data.item_map.to_internal(items).tolist() == data.items.tolist()
    assert data.user_counts().sum() == data.item_counts().sum() == len(data)
    assert set(data.users.tolist()) == set(range(data.num_users))  # every mapped id is used
    assert set(data.items.tolist()) == set(range(data.num_items))
    columns = {"user": users.astype(str).tolist(), "item": items.astype(str).tolist()}  # (pyarrow cuts NumPy
    for name in ("ratings", "timestamps", "weights"):                                  # strings at a NUL)
        if getattr(data, name) is not None:
            columns[name] = getattr(data, name)
    path = tmp_path / "again.csv"
    pacsv.write_csv(pa.table(columns), path)
    back = Interactions.from_file(path, user="user", item="item", rating="ratings" if "ratings" in columns else None,
                                  timestamp="timestamps" if "timestamps" in columns else None,
                                  weight="weights" if "weights" in columns else None, deduplicate=False)
    assert back.user_map.to_external(back.users).astype(str).tolist() == columns["user"]
    assert back.item_map.to_external(back.items).astype(str).tolist() == columns["item"]
    for name in ("ratings", "timestamps", "weights"):
        ours, theirs = getattr(data, name), getattr(back, name)
        assert (ours is None and theirs is None) or np.array_equal(ours, theirs)


@pytest.mark.parametrize("name", list(LAYOUTS))
@given(changes=mutations(BYTES, max_size=4), deduplicate=st.booleans())
@FUZZ
def test_mutated_delimited_files_read_back_or_are_refused(tmp_path, name, changes, deduplicate):
    text, columns = LAYOUTS[name]
    sep = b"\t" if name.endswith(".tsv") else b";" if name.endswith(".txt") else b","
    data = mutate(text.encode(), changes, sep)
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    read = _read_or_refuse(Interactions.from_file, path, deduplicate=deduplicate, **columns)
    if read is not None:
        if not deduplicate and b'"' not in data:  # (a quoted field may hold a line break)
            assert len(read) == len([line for line in data.splitlines() if line.strip()]) - (name != "x.tsv")
        _check_round_trip(read, tmp_path)


@given(changes=mutations(BYTES, max_size=3))
# A footer byte that made a column path invalid UTF-8: pyarrow raised UnicodeDecodeError.
@example(changes=[("set", 342, 255)])
@FUZZ
def test_mutated_gzip_and_parquet_bytes_raise_only_recsys_errors(tmp_path, changes):
    buffer = io.BytesIO()
    pq.write_table(pa.table({"user": ["u1", "u1", "u2"], "item": [1, 2, 1], "rating": [5.0, 3.0, 4.0]}), buffer)
    for name, data in (("x.parquet", buffer.getvalue()), ("y.csv.gz", gzip.compress(CSV.encode()))):
        path = tmp_path / name
        path.write_bytes(mutate(data, changes))
        read = _read_or_refuse(Interactions.from_file, path, deduplicate=False, user="user", item="item",
                               rating="rating")
        if read is not None:
            _check_round_trip(read, tmp_path)


def _movielens(layout: str) -> bytes:
    rows = [(1, 10, 5, 100), (1, 20, 2, 101), (2, 10, 4, 102), (3, 30, 3, 103)]
    if layout == "u.data":
        return "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows).encode()
    if layout == "ratings.dat":
        return "".join(f"{u}::{i}::{r}::{t}\n" for u, i, r, t in rows).encode()
    return ("userId,movieId,rating,timestamp\n" + "".join(f"{u},{i},{r}.0,{t}\n" for u, i, r, t in rows)).encode()


@pytest.mark.parametrize("layout", ["u.data", "ratings.dat", "ratings.csv", "zip"])
@given(changes=mutations(BYTES, max_size=4))
@FUZZ
def test_mutated_movielens_files_read_back_or_are_refused(tmp_path, layout, changes):
    if layout == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("ml-1m/ratings.dat", _movielens("ratings.dat"))
            archive.writestr("ml-1m/movies.dat", b"10::Heat (1995)::Action|Crime\n20::Up (2009)::Animation\n")
        path = tmp_path / "ml-1m.zip"
        path.write_bytes(mutate(buffer.getvalue(), changes))
    else:
        path = tmp_path / layout
        sep = {"u.data": b"\t", "ratings.dat": b"::", "ratings.csv": b","}[layout]
        path.write_bytes(mutate(_movielens(layout), changes, sep))
    read = _read_or_refuse(load_movielens, path, features=layout == "zip")
    if read is not None:
        _check_round_trip(read, tmp_path)


@given(data=st.binary(max_size=200), name=st.sampled_from(["x.csv", "x.tsv", "x.parquet", "ratings.dat", "x.gz"]))
@FUZZ
def test_random_bytes_raise_only_recsys_errors(tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    if name == "ratings.dat":
        read = _read_or_refuse(load_movielens, path)
    else:
        read = _read_or_refuse(Interactions.from_file, path, user=0, item=1, deduplicate=False)
    if read is not None:
        _check_round_trip(read, tmp_path)


def test_empty_files_and_wrong_column_counts_name_the_file_and_line(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(RecsysDataError, match=r"empty\.csv: the file is empty"):
        Interactions.from_file(empty, user="user", item="item")
    short = tmp_path / "short.csv"
    short.write_text("user,item,rating\nu1,a,5\nu2,b\n")
    with pytest.raises(RecsysDataError, match=r"short\.csv, line 3: expected 3 fields, got 2"):
        Interactions.from_file(short, user="user", item="item")


def test_what_the_fuzzing_found(tmp_path):
    """Each once escaped as a pyarrow, zlib or zipfile error, or merged two ids without a word."""
    blanks = tmp_path / "blanks.csv"   # pyarrow reads no number with blanks around it, nor " user" as "user"
    blanks.write_text("\tuser, item,rating\nu1,a, 4\nu2,b,5 \n")
    data = Interactions.from_file(blanks, user="user", item="item", rating="rating")
    assert data.ratings.tolist() == [4.0, 5.0] and data.item_map.to_external(data.items).tolist() == ["a", "b"]
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"user,item\nx,a\nx\x00,b\n")
    with pytest.raises(RecsysDataError, match=r"nul\.csv, line 3, column 'user': a NUL byte"):
        Interactions.from_file(nul, user="user", item="item")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"user,item\nu1,a\n\xe9,b,c\n")
    with pytest.raises(RecsysDataError, match=r"latin\.csv, line 3: not UTF-8 text"):
        Interactions.from_file(latin, user="user", item="item")
    broken = tmp_path / "broken.csv.gz"
    packed = bytearray(gzip.compress(CSV.encode()))
    packed[12] ^= 0xFF
    broken.write_bytes(bytes(packed))
    with pytest.raises(RecsysDataError, match=r"broken\.csv\.gz: not a readable gzip file"):
        Interactions.from_file(broken, user="user", item="item")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"user": ["u1", "u2"] * 50, "item": list(range(100))}), buffer, compression="none")
    damaged = bytearray(buffer.getvalue())
    damaged[4:40] = bytes(36)   # the first page header: the footer (schema) still reads
    (tmp_path / "damaged.parquet").write_bytes(bytes(damaged))
    with pytest.raises(RecsysDataError, match=r"damaged\.parquet: not a readable Parquet file"):
        Interactions.from_file(tmp_path / "damaged.parquet", user="user", item="item")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("ml-1m/ratings.dat", _movielens("ratings.dat") * 20)
    member = bytearray(archive.getvalue())
    member[60:70] = bytes(10)   # inside the deflated member
    (tmp_path / "ml-1m.zip").write_bytes(bytes(member))
    with pytest.raises(RecsysDataError, match=r"ml-1m\.zip:ml-1m/ratings\.dat: cannot read it from the zip"):
        load_movielens(tmp_path / "ml-1m.zip")
