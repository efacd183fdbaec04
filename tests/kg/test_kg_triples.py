"""Triples: reading files, id maps, inverse relations, and errors that name the file and line."""

import numpy as np
import pytest
from conftest import SHARED_DATA

from negsample.kg import INVERSE_SUFFIX, Triples, TriplesFormatError


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


@pytest.fixture
def files(tmp_path):
    train = _write(tmp_path / "train.txt", ["b\tr1\ta", "a\tr2\tc", "c\tr1\tb"])
    valid = _write(tmp_path / "valid.txt", ["a\tr1\tb"])
    test = _write(tmp_path / "test.txt", ["c\tr2\ta", "b\tr1\tc"])
    return train, valid, test


def test_ids_are_sorted_labels_and_maps_go_both_ways(files):
    kg = Triples.from_files(*files)
    assert kg.entities == ["a", "b", "c"] and kg.relations == ["r1", "r2"]
    assert kg.entity_to_id == {"a": 0, "b": 1, "c": 2} and kg.relation_to_id == {"r1": 0, "r2": 1}
    assert kg.train.tolist() == [[1, 0, 0], [0, 1, 2], [2, 0, 1]]
    assert kg.valid.tolist() == [[0, 0, 1]] and kg.test.tolist() == [[2, 1, 0], [1, 0, 2]]
    assert kg.labels_of(kg.test) == [("c", "r2", "a"), ("b", "r1", "c")]
    assert kg.train.dtype == np.int64 and kg.num_entities == 3 and kg.num_relations == 2
    assert len(kg.known()) == 6


def test_inverse_relations_augment_train_only(files):
    kg = Triples.from_files(*files, inverse=True)
    assert kg.relations == ["r1", "r2", "r1" + INVERSE_SUFFIX, "r2" + INVERSE_SUFFIX]
    assert kg.num_base_relations == 2 and kg.num_relations == 4
    assert kg.train.tolist() == [[1, 0, 0], [0, 1, 2], [2, 0, 1], [0, 2, 1], [2, 3, 0], [1, 2, 2]]
    assert kg.test.tolist() == [[2, 1, 0], [1, 0, 2]]
    known = {tuple(t) for t in kg.known().tolist()}
    assert (0, 1, 2) in known and (2, 3, 0) in known and (0, 3, 2) in known   # test (c r2 a) inverted


def test_wrong_column_count_names_file_and_line(tmp_path):
    path = _write(tmp_path / "train.txt", ["a\tr\tb", "", "a\tr"])
    with pytest.raises(TriplesFormatError, match=r"train\.txt, line 3: expected 3 tab-separated columns"):
        Triples.from_files(path)
    spaces = _write(tmp_path / "spaces.txt", ["a r b"])
    with pytest.raises(TriplesFormatError, match=r"spaces\.txt, line 1: .*separated by tabs"):
        Triples.from_files(spaces)
    blank = _write(tmp_path / "blank.txt", ["a\t \tb"])
    with pytest.raises(TriplesFormatError, match=r"blank\.txt, line 1: empty relation"):
        Triples.from_files(blank)


def test_empty_and_missing_files(tmp_path):
    empty = _write(tmp_path / "empty.txt", [])
    with pytest.raises(TriplesFormatError, match=r"empty\.txt: empty"):
        Triples.from_files(empty)
    with pytest.raises(TriplesFormatError, match="no such file"):
        Triples.from_files(tmp_path / "absent.txt")
    (tmp_path / "latin.txt").write_bytes(b"a\tr\tb\n\xe9\tr\tb\n")
    with pytest.raises(TriplesFormatError, match=r"latin\.txt, line 2: not UTF-8"):
        Triples.from_files(tmp_path / "latin.txt")
    assert issubclass(TriplesFormatError, ValueError)


def test_unseen_labels_error_drop_or_keep(tmp_path):
    train = _write(tmp_path / "train.txt", ["a\tr\tb", "b\tr\tc"])
    test = _write(tmp_path / "test.txt", ["a\tr\tc", "a\tr\tz", "z\tr\ty", "a\tq\tb"])
    with pytest.raises(TriplesFormatError, match=r"test\.txt, line 2: entity 'z' does not occur in the training"):
        Triples.from_files(train, test=test)
    dropped = Triples.from_files(train, test=test, unseen="drop")
    assert dropped.test.tolist() == [[0, 0, 2]] and dropped.num_entities == 3
    assert [(u.line, u.kind, u.label, u.action) for u in dropped.unseen] == [
        (2, "entity", "z", "dropped"), (3, "entity", "z", "dropped"), (3, "entity", "y", "dropped"),
        (4, "relation", "q", "dropped")]
    kept = Triples.from_files(train, test=test, unseen="keep")
    assert kept.entities == ["a", "b", "c", "z", "y"] and kept.relations == ["r", "q"]
    assert kept.num_seen_entities == 3 and kept.test.tolist() == [[0, 0, 2], [0, 0, 3], [3, 0, 4], [0, 1, 1]]
    assert [u.label for u in kept.unseen] == ["z", "z", "y", "q"] and {u.action for u in kept.unseen} == {"kept"}
    with pytest.raises(TriplesFormatError, match="unseen: expected one of"):
        Triples.from_files(train, test=test, unseen="ignore")


def test_from_labels_and_from_ids_check_their_input():
    with pytest.raises(TriplesFormatError, match=r"<train>, line 2: expected 3"):
        Triples.from_labels([("a", "r", "b"), ("a", "r")])
    with pytest.raises(TriplesFormatError, match=r"<test>, line 1: entity 'x'"):
        Triples.from_labels([("a", "r", "b")], test=[("x", "r", "b")])
    with pytest.raises(TriplesFormatError, match=r"train, row 2: tail id 5 outside \[0, 3\)"):
        Triples.from_ids([[0, 0, 1], [0, 0, 5]], num_entities=3, num_relations=1)
    with pytest.raises(TriplesFormatError, match=r"shape \(n, 3\)"):
        Triples.from_ids([[0, 1]], num_entities=3, num_relations=1)
    kg = Triples.from_ids([[0, 0, 1]], test=[[1, 0, 2]], num_entities=3, num_relations=1, inverse=True)
    assert kg.train.tolist() == [[0, 0, 1], [1, 1, 0]] and kg.test.tolist() == [[1, 0, 2]]


@pytest.mark.skipif(not (SHARED_DATA / "kg" / "wn18rr").is_dir(), reason="../shared/data/kg is absent")
def test_wn18rr_counts_match_the_data_readme():
    root = SHARED_DATA / "kg" / "wn18rr"
    files = [root / f"{split}.txt" for split in ("train", "valid", "test")]
    with pytest.raises(TriplesFormatError, match=r"(valid|test)\.txt, line \d+: entity"):
        Triples.from_files(*files)
    kg = Triples.from_files(*files, unseen="keep")
    assert (len(kg.train), len(kg.valid), len(kg.test)) == (86835, 3034, 3134)
    assert kg.num_entities == 40943 and kg.num_relations == 11
    assert kg.num_seen_entities < kg.num_entities and all(u.kind == "entity" for u in kg.unseen)
