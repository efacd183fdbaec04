"""Fuzzing the vectors loaders (hypothesis, a few seconds each): whatever the bytes, only
VectorsFormatError comes out, and what loads round-trips; the text writer's kernel writes what
``"%.9g"`` writes and reads back bit for bit."""

import struct

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from negsample._kernels.float_text import MAX_VALUE_BYTES, format_rows  # noqa: E402
from negsample.keyedvectors import KeyedVectors  # noqa: E402
from negsample.vectors_io import VectorsFormatError  # noqa: E402
from negsample.vocab import Vocabulary  # noqa: E402

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FORMATS = ["text", "binary", "npz"]


def formatted(values: np.ndarray) -> list[str]:
    """Each float32 value as the kernel writes it (one value per row, no word)."""
    column = np.ascontiguousarray(values, dtype=np.float32).reshape(-1, 1)
    out = np.empty(column.shape[0] * (MAX_VALUE_BYTES + 1), np.uint8)
    n = format_rows(column, np.zeros(0, np.uint8), np.zeros(column.shape[0] + 1, np.int64), out)
    return [line[1:] for line in out[:n].tobytes().decode().split("\n")[:-1]]


def test_kernel_writes_what_percent_9g_writes_for_every_kind_of_float32():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, size=200_000, dtype=np.uint64).astype(np.uint32)  # every exponent
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1, 10, 100, 1e8, 1e9, 999999999.5, 1e-4, 1e-5,
                        np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1.4e-45, 0.1], np.float32)
    # x * 1000 = 500000062.5 exactly: a tie that %.9g rounds to even
    ties = (np.arange(8_000_001, 8_040_001, 2) / 16).astype(np.float32)
    values = np.concatenate([bits.view(np.float32), special, -special, ties])
    got = formatted(values)
    assert got == [f"{float(v):.9g}" for v in values]
    finite = np.isfinite(values)
    back = np.array([float(g) for g in got], np.float32)
    assert np.array_equal(back[finite].view(np.uint32), values[finite].view(np.uint32))


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=300, deadline=None)
def test_kernel_matches_percent_9g(bits):
    value = np.array([bits], np.uint32).view(np.float32)
    assert formatted(value) == [f"{float(value[0]):.9g}"]


def save(kv, path, fmt):
    if fmt == "npz":
        kv.save(path)
    else:
        kv.save_word2vec_format(path, binary=fmt == "binary")


def load(path, fmt):
    if fmt == "npz":
        return KeyedVectors.load(path)
    return KeyedVectors.load_word2vec_format(path, binary=fmt == "binary")


def assert_same(a, b):
    assert a.index_to_key == b.index_to_key
    assert np.array_equal(a.vectors.view(np.uint32), b.vectors.view(np.uint32))


WORD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=" \t\n\r\x0b\x0c"),
               min_size=1, max_size=6)
FLOAT32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@st.composite
def keyed_vectors(draw):
    words = draw(st.lists(WORD, min_size=1, max_size=6, unique=True))
    dim = draw(st.integers(1, 4))
    values = draw(st.lists(FLOAT32, min_size=len(words) * dim, max_size=len(words) * dim))
    vectors = np.array(values, np.float32).reshape(len(words), dim)
    return KeyedVectors(vectors, Vocabulary(words, range(len(words), 0, -1)))


@pytest.mark.parametrize("fmt", FORMATS)
@given(kv=keyed_vectors())
@FUZZ
def test_accepted_vectors_round_trip(tmp_path, fmt, kv):
    path = tmp_path / f"v.{fmt}"
    save(kv, path, fmt)
    assert_same(load(path, fmt), kv)


def valid_file(tmp_path, fmt) -> bytes:
    rng = np.random.default_rng(0)
    kv = KeyedVectors(rng.standard_normal((4, 3)).astype(np.float32), Vocabulary(["a", "bé", "c", "dd"], [4, 3, 2, 1]))
    path = tmp_path / f"valid.{fmt}"
    save(kv, path, fmt)
    return path.read_bytes()


MUTATION = st.tuples(st.sampled_from(["set", "insert", "delete", "truncate"]), st.integers(0, 10_000),
                     st.sampled_from([0, 0x0A, 0x20, 0xFF, 0x80, ord("9"), ord("-"), ord("e"), ord("n")]))


def mutate(data: bytes, mutations) -> bytes:
    for kind, at, byte in mutations:
        if not data:
            break
        at %= len(data)
        if kind == "set":
            data = data[:at] + bytes([byte]) + data[at + 1:]
        elif kind == "insert":
            data = data[:at] + bytes([byte]) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + 1:]
        else:
            data = data[:at]
    return data


@pytest.mark.parametrize("fmt", FORMATS)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
@FUZZ
def test_mutated_files_raise_only_vectors_format_error(tmp_path, fmt, mutations):
    path = tmp_path / f"m.{fmt}"
    path.write_bytes(mutate(valid_file(tmp_path, fmt), mutations))
    try:
        kv = load(path, fmt)
    except VectorsFormatError as exc:
        assert str(path) in str(exc)
        return
    again = tmp_path / f"again.{fmt}"
    save(kv, again, fmt)
    assert_same(load(again, fmt), kv)


@pytest.mark.parametrize("binary", [False, True])
@given(n_words=st.integers(0, 2**40), dim=st.integers(1, 2**40))
@FUZZ
def test_any_header_is_checked_before_allocating(tmp_path, binary, n_words, dim):
    """A header such as '2346735668 102090' once made the loader allocate 872 TiB."""
    path = tmp_path / "h.bin"
    path.write_bytes(f"{n_words} {dim}\n".encode() + b"a " + struct.pack("<f", 1.0) + b"\n")
    try:
        kv = KeyedVectors.load_word2vec_format(path, binary=binary)
    except VectorsFormatError:
        return
    assert len(kv) == n_words
