"""Two processes on 127.0.0.1 (gloo, DistributedDataParallel, in-batch negatives gathered across ranks)
train the model one process trains on the same global batches."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from recsys_synthetic import one_torch_thread  # noqa: E402, F401

SETTINGS = {"dim": 16, "epochs": 4, "batch_size": 250, "lr": 0.02, "early_stopping": None, "temperature": 0.1,
            "negatives": "in-batch"}


def _data():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from recsys_synthetic import planted

    from negsample.recsys import leave_last_out

    return leave_last_out(planted(num_users=200), valid=False, seed=0)


def _rank(rank, port, out):
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "LOCAL_RANK": str(rank), "WORLD_SIZE": "2"})
    torch.set_num_threads(1)
    from negsample.recsys import TwoTower

    split = _data()
    try:
        model = TwoTower(**SETTINGS).fit(split.train)
        out[rank] = {"items": model.item_embeddings(), "users": model.user_embeddings(),
                     "recall": model.evaluate(split.test, ks=(10,))["recall@10"]}
    finally:
        torch.distributed.destroy_process_group()


def test_two_processes_train_like_one():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = torch.multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        out = manager.dict()
        procs = [ctx.Process(target=_rank, args=(r, port, out)) for r in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=300)
        assert [p.exitcode for p in procs] == [0, 0]
        two = dict(out)
    from negsample.recsys import TwoTower

    split = _data()
    one = TwoTower(**SETTINGS).fit(split.train)
    # DDP keeps the ranks identical, and the gathered negatives with their full gradient make each
    # step the single-process step on the same 250-row global batch (up to float summation order).
    np.testing.assert_allclose(two[0]["items"], two[1]["items"], atol=1e-6)
    np.testing.assert_allclose(two[0]["items"], one.item_embeddings(), atol=2e-4)
    np.testing.assert_allclose(two[0]["users"], one.user_embeddings(), atol=2e-4)
    assert abs(two[0]["recall"] - one.evaluate(split.test, ks=(10,))["recall@10"]) <= 0.02
    assert two[0]["recall"] > 0.5
