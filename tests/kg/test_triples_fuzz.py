"""Fuzzing the triples reader (hypothesis, a few seconds each): whatever the bytes of train, valid or
test, only TriplesFormatError (a ValueError naming the file) comes out, and what is accepted
round-trips: the id maps go both ways, every non-blank line is one triple, and the triples written
back as labels read back to the same ids."""

import pytest

hypothesis = pytest.importorskip("hypothesis")
from fuzz_bytes import mutate, mutations  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from negsample.kg import Triples, TriplesFormatError  # noqa: E402

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALID = {
    "train": "paris\tcapital_of\tfrance\nberlin\tcapital_of\tgermany\nrome\tcapital_of\titaly\r\n\n"
             "france\tborders\tgermany\ncafé\tin\tparis\n",
    "valid": "rome\tcapital_of\tfrance\n",
    "test": "berlin\tborders\tfrance\nparis\tcapital_of\tgermany\n",
}
BYTES = [0, 0x09, 0x0A, 0x0D, 0x20, ord('"'), ord(","), 0xFF, 0xC3, 0xA9, 0x80, 0xE2, 0x85, 0x1C, ord("a")]
def _nonblank_lines(path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def _write(path, triples, rows) -> None:
    path.write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in triples.labels_of(rows)), encoding="utf-8")


def _read_or_refuse(paths, unseen):
    try:
        triples = Triples.from_files(*paths, unseen=unseen)
    except TriplesFormatError as exc:
        assert any(str(p) in str(exc) for p in paths if p is not None), exc
        return None
    for labels, to_id in ((triples.entities, triples.entity_to_id), (triples.relations, triples.relation_to_id)):
        assert [to_id[label] for label in labels] == list(range(len(labels)))
    assert len(triples.train) == _nonblank_lines(paths[0])
    for split, path in zip(("valid", "test"), paths[1:]):
        read = _nonblank_lines(path) if path is not None else 0
        dropped = sum(1 for u in triples.unseen if u.split == split and u.action == "dropped")
        assert len(triples.split(split)) <= read and (unseen == "drop" or len(triples.split(split)) == read)
        assert unseen == "drop" or dropped == 0
    return triples


def _round_trips(tmp_path, triples, unseen) -> None:
    again = [tmp_path / f"again_{split}.txt" if len(triples.split(split)) else None  # absent, not empty
             for split in ("train", "valid", "test")]
    for path, split in zip(again, ("train", "valid", "test")):
        if path is not None:
            _write(path, triples, triples.split(split))
    back = Triples.from_files(*again, unseen=unseen)
    assert back.entities == triples.entities and back.relations == triples.relations
    for split in ("train", "valid", "test"):
        assert back.split(split).tolist() == triples.split(split).tolist()


@given(which=st.sampled_from(["train", "valid", "test"]), changes=mutations(BYTES, max_size=5),
       unseen=st.sampled_from(["error", "drop", "keep"]))
@FUZZ
def test_mutated_triples_files_read_back_or_are_refused(tmp_path, which, changes, unseen):
    paths = []
    for split, text in VALID.items():
        data = text.encode()
        path = tmp_path / f"{split}.txt"
        path.write_bytes(mutate(data, changes, b"\t") if split == which else data)
        paths.append(path)
    triples = _read_or_refuse(paths, unseen)
    if triples is not None and unseen != "drop":  # dropped triples cannot come back
        _round_trips(tmp_path, triples, "keep" if unseen == "keep" else "error")


@given(data=st.binary(max_size=200), with_splits=st.booleans())
@FUZZ
def test_random_bytes_raise_only_triples_errors(tmp_path, data, with_splits):
    train = tmp_path / "train.txt"
    train.write_bytes(data)
    paths = [train, None, None]
    if with_splits:
        paths[1] = tmp_path / "valid.txt"
        paths[1].write_bytes(data[::-1])
    _read_or_refuse(paths, "keep")


@given(text=st.text(alphabet=st.sampled_from(["a", "b", "é", "\t", "\n", " ", "\x00", '"', "\r", "\x85"]),
                    max_size=60))
@FUZZ
def test_any_text_reads_back_or_is_refused(tmp_path, text):
    train = tmp_path / "train.txt"
    train.write_text(text, encoding="utf-8")
    triples = _read_or_refuse([train, None, None], "error")
    if triples is not None:
        _round_trips(tmp_path, triples, "error")


def test_empty_and_missing_files_name_the_file(tmp_path):
    empty = tmp_path / "train.txt"
    empty.write_bytes(b"")
    with pytest.raises(TriplesFormatError, match=r"train\.txt: empty"):
        Triples.from_files(empty)
    with pytest.raises(TriplesFormatError, match=r"nowhere\.txt: no such file"):
        Triples.from_files(tmp_path / "nowhere.txt")
    with pytest.raises(TriplesFormatError, match="cannot read") as raised:
        Triples.from_files(tmp_path)  # a directory
    assert str(tmp_path) in str(raised.value)
