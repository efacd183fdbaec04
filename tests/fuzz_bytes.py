"""Byte mutations of small valid files for the loaders' fuzz tests (tests/kg/test_triples_fuzz.py,
tests/word2vec/test_corpus_fuzz.py,
tests/recsys/test_interactions_fuzz.py): set, insert or delete a byte, truncate, insert a field
separator (a column too many), drop a line."""

KINDS = ("set", "insert", "delete", "truncate", "sep", "drop-line")


def mutations(byte_values, *, max_size: int):
    """A hypothesis strategy: up to ``max_size`` mutations ``(kind, position, byte)`` for :func:`mutate`."""
    from hypothesis import strategies as st

    one = st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000), st.sampled_from(list(byte_values)))
    return st.lists(one, min_size=1, max_size=max_size)


def mutate(data: bytes, changes, sep: bytes = b",") -> bytes:
    """``data`` after ``changes`` (positions wrap around the current length)."""
    for kind, at, byte in changes:
        at %= max(len(data), 1)
        if kind == "set" and data:
            data = data[:at] + bytes([byte]) + data[at + 1:]
        elif kind == "insert":
            data = data[:at] + bytes([byte]) + data[at:]
        elif kind == "sep":
            data = data[:at] + sep + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + 1:]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "drop-line":
            lines = data.split(b"\n")
            data = b"\n".join(lines[:at % len(lines)] + lines[at % len(lines) + 1:])
    return data
