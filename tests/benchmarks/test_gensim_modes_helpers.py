"""The pure helpers of benchmarks/word2vec_gensim_modes.py (no training here)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import word2vec_gensim_modes as modes  # noqa: E402


def test_gensim_threads_start_at_their_byte_offset_and_cover_every_line():
    lines = [" ".join(["w"] * (1 + i % 3)) for i in range(40)]  # lines of 1-3 words: bytes and words disagree
    parts = modes.gensim_thread_lines(lines, 2, batch_words=1)
    sizes = [len(line) + 1 for line in lines]
    half = sum(sizes) / 2
    second = parts[1][0]
    assert sum(sizes[:second]) <= half < sum(sizes[:second + 1])  # the line holding the middle byte
    assert parts[0][0] == 0 and parts[1][-1] == len(lines) - 1
    assert set(parts[0]) | set(parts[1]) == set(range(len(lines)))  # nothing left out
    assert all(b - a == 1 for part in parts for a, b in zip(part, part[1:]))  # each thread reads in order
    words = [len(line.split()) for line in lines]
    assert sum(words[i] for i in parts[0][:-1]) <= sum(words) / 2 < sum(words[i] for i in parts[0])


def test_bigger_batches_make_the_first_thread_overshoot_further():
    lines = ["a b c d"] * 100
    short, long = (modes.gensim_thread_lines(lines, 2, batch_words=b)[0] for b in (1, 40))
    assert len(short) == 51  # stops at the first line that takes it past half the words
    assert len(long) == 60   # the test is made only after each 40-word batch (10 lines)
    assert modes.gensim_thread_lines(lines, 1, batch_words=1) == [list(range(100))]


def test_markdown_gives_each_member_against_gensim_corpus_file_two_workers():
    shifts = {"gensim corpus_file, 1 worker": -0.01, "gensim sentences, 2 workers": -0.02,
              "negsample, 2 workers": 0.01}  # every other member level with the baseline
    results = []
    for member in modes.MEMBERS:
        shift = shifts.get(member, 0.0)
        for seed, noise in ((1, 0.0), (2, 0.002)):
            results.append({"variant": "CBOW-NS", "member": member, "seed": seed,
                            **{key: 0.5 + shift + noise for key, _ in modes.QUALITY}})
    text = modes.markdown(results, "python benchmarks/word2vec_gensim_modes.py", SimpleNamespace(
        epochs=10, seeds=[1, 2], variants=["CBOW-NS"]))
    assert "## CBOW-NS, alpha 0.05" in text
    assert "| gensim corpus_file, 1 worker | -0.0100 (t -7.1) |" in text  # 0.01 / sqrt(2 * 0.001**2)
    assert "| negsample, 2 workers | +0.0100 (t +7.1) |" in text
    assert text.count("| gensim corpus_file, 2 workers |") == 1  # the baseline is not compared with itself


def test_markdown_leaves_out_members_that_were_not_run():
    results = [{"variant": "CBOW-NS", "member": member, "seed": seed, **{key: 0.5 + seed / 100 for key, _ in
                                                                          modes.QUALITY}}
               for member in (modes.BASELINE, "negsample, 2 workers, classic kernel") for seed in (1, 2)]
    text = modes.markdown(results, "python benchmarks/word2vec_gensim_modes.py", SimpleNamespace(
        epochs=10, seeds=[1, 2], variants=["CBOW-NS"]))
    assert "| negsample, 2 workers, classic kernel | +0.0000 (t +0.0) |" in text
    assert "gensim sentences" not in text and "1 worker" not in text


def test_paired_table_takes_each_member_against_its_own_systems_run_of_the_same_seed():
    # Seeds move every member alike (+-0.05); the saw-tooth member is 0.004 above its reference on
    # every seed, so only the paired difference can see it.
    rows = {member: [{"seed": seed, **{key: 0.5 + 0.05 * (-1) ** seed + bump for key, _ in modes.QUALITY}}
                     for seed in (1, 2, 3, 4)]
            for member, bump in ((modes.BASELINE, 0.0), ("gensim corpus_file, 1 worker", -0.002),
                                 ("negsample, 2 workers", 0.0), ("negsample, 2 workers, gensim's saw-tooth", 0.004))}
    rows["negsample, 2 workers, gensim's saw-tooth"][0]["analogy"] += 0.004  # one seed differs more
    lines = modes.paired_table(rows)
    body = [line for line in lines if line.startswith("| ") and " − " in line and "reference |" not in line]
    assert [line.split(" | ")[0] for line in body] == [
        "| gensim corpus_file, 1 worker − gensim corpus_file, 2 workers",
        "| negsample, 2 workers, gensim's saw-tooth − negsample, 2 workers"]  # references not paired with themselves
    cells = body[1].split(" | ")
    assert cells[1] == "+0.0050 ± 0.0010 (t +5.0)"  # diffs .008 .004 .004 .004: sd .002, se .001
    assert cells[2] == "+0.0040 ± 0.0000 (t +nan)"  # no spread: the t is not made up
    unpaired, t = modes.difference_t([r["analogy"] for r in rows["negsample, 2 workers, gensim's saw-tooth"]],
                                     [r["analogy"] for r in rows["negsample, 2 workers"]])
    assert abs(unpaired - 0.005) < 1e-12 and abs(t) < 0.2  # the seeds' spread hides it unpaired


def test_paired_table_is_empty_without_a_reference_beside_the_member():
    rows = {"negsample, 2 workers, classic kernel": [{"seed": 1, **{key: 0.5 for key, _ in modes.QUALITY}}]}
    assert modes.paired_table(rows) == []


def test_missing_data_is_a_clear_exit(tmp_path):
    with pytest.raises(SystemExit, match="text8_prefix.zip not found"):
        modes.main(["--data", str(tmp_path)])
