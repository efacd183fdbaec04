"""negsample recsys train | eval | recommend | similar on a small interactions file."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from recsys_synthetic import one_torch_thread, planted  # noqa: E402, F401

from negsample.cli import main  # noqa: E402


def test_train_eval_recommend(tmp_path, capsys):
    data = planted(num_users=60, num_items=40, groups=4)
    path = tmp_path / "events.csv"
    users, items = data.user_map.to_external(data.users), data.item_map.to_external(data.items)
    path.write_text("user,item,ts\n" + "".join(f"u{u},i{i},{t}\n" for u, i, t in zip(users, items, data.timestamps)))
    model = tmp_path / "model.npz"
    assert main(["recsys", "train", str(path), "--user-col", "user", "--item-col", "item", "--timestamp-col", "ts",
                 "--split", "leave-last-out", "-o", str(model), "--epochs", "3", "--dim", "8", "--batch-size", "64",
                 "--log", str(tmp_path / "log.jsonl"), "--test-out", str(tmp_path / "test.tsv"), "--quiet"]) == 0
    assert "test_recall@20" in capsys.readouterr().out
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) >= 2
    assert main(["recsys", "eval", str(model), str(tmp_path / "test.tsv"), "--user-col", "user", "--item-col",
                 "item", "--k", "5", "--json"]) == 0
    assert 0 <= json.loads(capsys.readouterr().out)["recall@5"] <= 1
    assert main(["recsys", "recommend", str(model), "--user", "u3", "--k", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0].startswith("u3\t1\ti")
    assert main(["recsys", "similar", str(model), "i1", "--k", "2"]) == 0
    assert main(["recsys", "recommend", str(model), "--user", "nobody"]) == 2
    assert "unknown user id 'nobody'" in capsys.readouterr().err


def test_missing_column_is_one_line(tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text("user,item\nu1,i1\n")
    assert main(["recsys", "train", str(path), "--user-col", "user", "--item-col", "movie", "-o",
                 str(tmp_path / "m.npz")]) == 2
    assert "no column 'movie'" in capsys.readouterr().err
