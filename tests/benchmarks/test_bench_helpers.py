"""The pure helpers of benchmarks/word2vec.py and benchmarks/word2vec_peers.py (no benchmark runs here)."""

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import word2vec as bench  # noqa: E402
import word2vec_peers as peers  # noqa: E402


def test_analogy_halves_pools_sections_by_name():
    sections = {"capital-common-countries": (0.5, 1, 2), "family": (0.0, 0, 2),
                "gram1-adjective-to-adverb": (1.0, 3, 3), "gram2-opposite": (0.2, 1, 5), "empty": (0.0, 0, 0)}
    semantic, syntactic = peers.analogy_halves(sections)
    assert semantic == pytest.approx(1 / 4)  # pooled questions, not the mean of section accuracies
    assert syntactic == pytest.approx(4 / 8)
    assert all(math.isnan(v) for v in peers.analogy_halves({}))


def test_mean_sd_paired_median_and_t():
    assert peers.mean_sd([1.0, 2.0, 3.0]) == (2.0, 1.0)
    assert peers.mean_sd([5.0]) == (5.0, 0.0)
    assert peers.mean_sd([None, 4.0, float("nan")]) == (4.0, 0.0)
    assert all(math.isnan(v) for v in peers.mean_sd([]))
    # Per-seed ratios 2, 3, 10: the median ignores the outlier that the ratio of means does not.
    assert peers.paired_median([2.0, 3.0, 10.0], [1.0, 1.0, 1.0]) == 3.0
    with pytest.raises(ValueError):
        peers.paired_median([1.0, 2.0], [1.0])
    diff, t = peers.difference_t([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    assert diff == 1.0 and t == pytest.approx(1.0 / math.sqrt(1 / 3 + 1 / 3))
    assert math.isnan(peers.difference_t([1.0], [0.0, 1.0])[1])
    assert peers.difference_t([1.0, 1.0], [0.0, 0.0])[1] == math.inf


def test_rotated_puts_every_member_first_in_turn():
    assert [peers.rotated("abc", k)[0] for k in range(4)] == ["a", "b", "c", "a"]
    assert peers.rotated([], 3) == []


def test_skip_reasons():
    assert peers.skip_reason("pword2vec", sg=1, hs=0, workers=2) is None
    assert "skip-gram with negative sampling" in peers.skip_reason("pword2vec", sg=0, hs=0, workers=2)
    assert "skip-gram with negative sampling" in peers.skip_reason("pword2vec", sg=1, hs=1, workers=2)
    assert "1 thread" in peers.skip_reason("word2vec-c", sg=1, hs=0, workers=1)
    assert peers.skip_reason("fasttext", sg=0, hs=1, workers=1) is None


def test_peer_commands_spell_out_every_setting():
    spec = dict(corpus="c.txt", save="v.bin", dim=100, window=5, negative=0, hs=1, sg=0, sample=1e-4,
                min_count=5, epochs=10, workers=2, alpha=0.05)
    cmd = peers.peer_command("word2vec-c", "/bin/w2v", spec)
    flags = dict(zip(cmd[1::2], cmd[2::2]))
    assert cmd[0] == "/bin/w2v"
    assert flags == {"-train": "c.txt", "-output": "v.bin", "-size": "100", "-window": "5", "-negative": "0",
                     "-sample": "0.0001", "-min-count": "5", "-iter": "10", "-threads": "2", "-binary": "1",
                     "-alpha": "0.05", "-cbow": "1", "-hs": "1"}
    flags = dict(zip(*[iter(peers.peer_command("pword2vec", "p", {**spec, "sg": 1, "hs": 0})[1:])] * 2))
    assert flags["-batch-size"] == "11" and "-cbow" not in flags and "-hs" not in flags
    with pytest.raises(ValueError):
        peers.peer_command("gensim", "x", spec)


def test_text8_groups_order_and_alphas():
    groups = bench.text8_groups(list(bench.VARIANTS), [0.025], [0.025, 0.05])
    assert [(g["algorithm"], g["alpha"]) for g in groups] == [
        ("SG-NS", 0.025), ("CBOW-NS", 0.025), ("SG-HS", 0.025), ("CBOW-HS", 0.025),
        ("CBOW-NS", 0.05), ("CBOW-HS", 0.05)]
    assert groups[0]["variants"] == ["SG-NS classic", "SG-NS batched"]
    assert [g["variants"] for g in bench.text8_groups(["CBOW-NS batched"], [0.025], [0.05])] == [["CBOW-NS batched"]]
    assert bench.member_key(groups[0], "negsample", "SG-NS classic") == "negsample classic"
    assert bench.member_key(groups[2], "negsample", "SG-HS") == "negsample"
    assert bench.member_key(groups[0], "gensim") == "gensim"


def test_ratio_cell_pairs_runs_by_seed():
    ours = [{"seed": 1, "seconds": 1.0}, {"seed": 2, "seconds": 2.0}]
    peer = [{"seed": 2, "seconds": 6.0}, {"seed": 1, "seconds": 2.0}]
    assert bench.ratio_cell(peer, ours) == "**2.67x** (2.50x)"  # means 4 / 1.5; seeds 2/1 and 6/2
    assert bench.ratio_cell([], ours) == "—"


def _fake_peer(path: Path, body: str) -> str:
    # The peers' command line is `exe -train CORPUS -output SAVE ...`, so $4 is the vectors file.
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def test_missing_peers_are_skipped_with_a_message(tmp_path, capsys):
    found = peers.find_systems(["negsample", "word2vec-c", "pword2vec"], bin_dir=tmp_path / "bin",
                               source=tmp_path / "no-sources")
    assert found == {"negsample": "python"}
    out = capsys.readouterr().out
    assert "peer sources not found" in out and "skipping C tool" in out and "skipping pWord2Vec" in out


def test_a_failing_peer_is_dropped_and_a_working_one_timed(tmp_path, capsys):
    good = _fake_peer(tmp_path / "good", 'printf "7 1\\n" > "$4"')
    bad = _fake_peer(tmp_path / "bad", "echo broken; exit 3")
    systems = {"word2vec-c": good, "pword2vec": bad}
    group = bench.text8_groups(["SG-NS batched"], [0.025], [0.05])[0]
    runs = bench.run_group(tmp_path / "corpus.txt", tmp_path, group, systems, [1, 2], epochs=1, workers=2)
    assert systems == {"word2vec-c": good}  # dropped for the rest of the benchmark, not an error
    assert runs["pword2vec"] == []
    assert [r["seed"] for r in runs["word2vec-c"]] == [1, 2]
    result = runs["word2vec-c"][0]
    assert result["vocab"] == 7 and result["train_seconds"] is None
    assert result["seconds"] >= 0 and result["peak_mb"] > 0
    out = capsys.readouterr().out
    assert "skipping pWord2Vec from now on" in out and "exit code 3" in out and "broken" in out
