"""The trace's renderings: golden markdown for fixed seeds, JSON with every number, terminal tables."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from negsample.word2vec.trace import trace
from negsample.word2vec.trace_render import render

GOLDEN = Path(__file__).parent / "golden"
# Every setting pinned, so that a change of a default elsewhere does not move the golden files.
PINNED = dict(vector_size=4, min_count=1, sample=0.1, window=5, negative=5, alpha=0.025, min_alpha=1e-4,
              epochs=5, seed=1, ns_exponent=0.75)
CASES = {
    # the picture: skip-gram, one positive pair against sampled negatives, the C tool's algorithm
    "trace_sg_ns.md": dict(sg=1, batch_negatives=False, steps=2),
    # both objectives: the Huffman path beside the negatives, CBOW's averaged context
    "trace_cbow_hs_ns.md": dict(sg=0, hs=1, negative=2, steps=1),
    # the window-batched path: one draw of negatives shared by a window
    "trace_sg_batched.md": dict(sg=1, batch_negatives=True, steps=2, seed=3),
}


@pytest.mark.parametrize("name", CASES)
def test_markdown_trace_matches_its_golden_file(name):
    """Regenerate with NEGSAMPLE_UPDATE_GOLDEN=1 (and read the diff: it is the algorithm's output)."""
    text = render(trace(**{**PINNED, **CASES[name]}), "markdown")
    path = GOLDEN / name
    if os.environ.get("NEGSAMPLE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_the_golden_files_show_every_part_of_an_update():
    text = (GOLDEN / "trace_cbow_hs_ns.md").read_text(encoding="utf-8")
    for part in ("cells of 100", "q from the alias table", "keep p", "coin", "reach", "hidden vector h",
                 "log q", "Huffman code of", "inner nodes", "f = h . o", "sigmoid(f)", "loss after",
                 "row changed", "before the update", "Vectors before and after"):
        assert part in text, part
    batched = (GOLDEN / "trace_sg_batched.md").read_text(encoding="utf-8")
    assert re.search(r"once for the whole window, shared by its [2-9] context rows", batched)


def test_json_holds_every_number_at_full_precision():
    t = trace(sg=1, hs=1, steps=3)
    data = json.loads(render(t, "json"))
    assert data["words"] == t.words and data["config"]["sg"] == 1 and data["kernel"] == t.kernel
    np.testing.assert_array_equal(np.array(data["inputs_after"], np.float32), t.inputs_after)
    np.testing.assert_array_equal(np.array(data["nodes_before"], np.float32), t.nodes_before)
    for got, step in zip(data["steps"], t.steps):
        assert got["loss"] == step.loss and got["loss_after"] == step.loss_after
        assert [term["f"] for term in got["terms"]] == [term.f for term in step.terms]
        assert [term["gain"] for term in got["terms"]] == [term.gain for term in step.terms]
        np.testing.assert_array_equal(np.array(got["hidden"], np.float32), step.hidden)
        for u, v in zip(got["updates"], step.updates):
            assert (u["matrix"], u["id"]) == (v.matrix, v.id)
            np.testing.assert_array_equal(np.array(u["after"], np.float32), v.after)
    assert data["huffman"]["codes"][0] == t.huffman.code(0)
    assert data["noise"]["cells"] == t.noise.cells.tolist()
    assert data["sentences"][0]["coins"][1] is None  # "cat" is always kept: no coin was drawn


def test_terminal_and_markdown_show_the_same_numbers():
    t = trace(sg=1, batch_negatives=False, steps=2)
    markdown, terminal = render(t, "markdown"), render(t, "terminal")
    numbers = re.compile(r"[+-]?\d+\.\d+")
    assert numbers.findall(markdown) == numbers.findall(terminal)
    assert "|" not in terminal.replace("|the", "").split("Vocabulary")[1].split("\n")[2]  # tables, not pipes
    assert all(len(line) <= 100 for line in terminal.splitlines() if not line.startswith("  "))


def test_unknown_format_is_named():
    with pytest.raises(ValueError, match="format must be one of terminal, markdown, json"):
        render(trace(), "html")


def test_a_large_vocabulary_shows_its_top_words_and_those_the_steps_touched():
    sentences = [[f"w{(i * 7 + j) % 60}" for j in range(40)] for i in range(5)]
    t = trace(sentences, sg=1, steps=2)
    text = render(t, "markdown")
    vocabulary = text.split("## Vocabulary")[1].split("\n\n")[1].splitlines()[2:]
    shown = {row.split(" | ")[1] for row in vocabulary}
    touched = {t.words[u.id] for s in t.steps for u in s.updates if u.matrix == "input"}
    assert touched <= shown and len(shown) < len(t.words) == 60
    assert f"{60 - len(shown)} more are in --format json" in text
    assert "more tokens; --format json holds them" in text  # a 40-token sentence is cut at 30 rows


def test_a_run_without_updates_says_why():
    t = trace(sample=1e-3, epochs=1)  # the default threshold keeps about one token in fourteen here
    assert t.steps == [] and t.complete
    assert "No update happened" in render(t, "terminal")
