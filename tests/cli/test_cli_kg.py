"""negsample kg train | eval | predict on a small planted graph written to files."""

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kg"))
from kg_planted import one_torch_thread, planted_triples  # noqa: E402, F401 (a fixture)

from negsample.cli import build_parser, main  # noqa: E402
from negsample.cli.kg import KG_DEFAULTS, config_from_args  # noqa: E402
from negsample.kg import KGConfig, KGModel  # noqa: E402
from negsample.training_log import read_training_log  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def data_dir(tmp_path):
    triples = planted_triples()
    for split in ("train", "valid", "test"):
        rows = triples.split(split).tolist()
        (tmp_path / f"{split}.txt").write_text("".join(f"e{h}\trel{r}\te{t}\n" for h, r, t in rows))
    return tmp_path


def test_every_training_default_is_the_configs():
    args = build_parser().parse_args(["kg", "train", "DIR", "-o", "m.npz"])
    assert config_from_args(args) == KGConfig()
    assert KG_DEFAULTS["model"] == KGConfig().model
    args = build_parser().parse_args(["kg", "train", "DIR", "-o", "m.npz", "--chunk-size", "64", "--filtered",
                                      "--inverse", "--p", "2", "--model", "transe"])
    config = config_from_args(args)
    assert (config.chunk_size, config.filtered, config.inverse, config.p) == (64, True, True, 2)


def test_train_eval_predict(data_dir, tmp_path, capsys):
    model_path, log_path, json_path = tmp_path / "m.npz", tmp_path / "log.jsonl", tmp_path / "metrics.json"
    code = main(["kg", "train", str(data_dir), "-o", str(model_path), "--model", "rotate", "--dim", "16",
                 "--loss", "self_adversarial", "--margin", "4", "--negatives", "8", "--chunk-size", "8",
                 "--epochs", "60", "--batch-size", "32", "--lr", "0.05", "--eval-every", "20", "--quiet",
                 "--log", str(log_path), "--threads", "1"])
    assert code == 0
    out = capsys.readouterr()
    assert "filtered test link prediction" in out.out and "trained" in out.err and "triples/s" in out.err
    mrr = float(next(line for line in out.out.splitlines() if line.startswith("both")).split()[1])
    assert mrr >= 0.9
    run, epochs = read_training_log(log_path)
    assert run["wing"] == "kg" and len(epochs) >= 20
    assert main(["kg", "eval", str(model_path), str(data_dir), "--per-relation", "--json", str(json_path)]) == 0
    out = capsys.readouterr().out
    assert "rel3" in out and "head" in out
    metrics = json.loads(json_path.read_text())
    assert metrics["mrr"] == pytest.approx(mrr, abs=1e-4) and set(metrics["relations"]) == {f"rel{k}" for k in range(4)}
    group_one = {f"e{i}" for i in range(6, 12)}            # every (e0, rel0, e6..e11) is a known triple
    assert main(["kg", "predict", str(model_path), "--head", "e0", "--relation", "rel0", "--k", "3", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["1", "2", "3"]
    assert {line.split("\t")[1] for line in lines} <= group_one
    model = KGModel.load(model_path)
    assert [p.entity for p in model.predict_tails("e0", "rel0", 3, filter_known=False)] == \
        [line.split("\t")[1] for line in lines]
    assert main(["kg", "predict", str(model_path), "--head", "e0", "--relation", "rel0", "--k", "3"]) == 0
    assert not {line.split("\t")[1] for line in capsys.readouterr().out.splitlines()} & group_one
    assert main(["kg", "predict", str(model_path), "--tail", "e6", "--relation", "rel0", "--k", "2", "--all"]) == 0
    assert {line.split("\t")[1] for line in capsys.readouterr().out.splitlines()} <= {f"e{i}" for i in range(6)}


def test_errors_end_with_one_line_and_status_2(data_dir, tmp_path, capsys):
    assert main(["kg", "train", str(tmp_path / "nowhere"), "-o", str(tmp_path / "m.npz")]) == 2
    assert "not a directory" in capsys.readouterr().err
    (data_dir / "test.txt").write_text("e0\trel0\tstranger\n")
    assert main(["kg", "train", str(data_dir), "-o", str(tmp_path / "m.npz"), "--epochs", "1"]) == 2
    assert "test.txt, line 1: entity 'stranger' does not occur" in capsys.readouterr().err
    assert main(["kg", "train", str(data_dir), "-o", str(tmp_path / "m.npz"), "--dim", "0"]) == 2
    assert "dim: expected an integer >= 1" in capsys.readouterr().err
    assert main(["kg", "predict", str(tmp_path / "absent.npz"), "--head", "e0", "--relation", "rel0"]) == 2
    assert "no such model file" in capsys.readouterr().err
    assert main(["kg", "train", str(data_dir), "-o", str(tmp_path / "m.npz"), "--epochs", "1", "--dim", "4",
                 "--unseen", "keep", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["kg", "predict", str(tmp_path / "m.npz"), "--relation", "rel0"]) == 2
    assert "exactly one of --head" in capsys.readouterr().err
    assert main(["kg", "predict", str(tmp_path / "m.npz"), "--head", "e0", "--relation", "rel9"]) == 2
    assert "unknown relation 'rel9'" in capsys.readouterr().err
