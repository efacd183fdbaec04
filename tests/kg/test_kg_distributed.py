"""torchrun-style training on 2 real processes (gloo on 127.0.0.1): the ranks stay identical and learn."""

import os
import socket

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kg_planted import planted_triples  # noqa: E402

SETTINGS = dict(model="rotate", loss="self_adversarial", margin=4.0, dim=16, negatives=8, chunk_size=4, lr=0.05,
                epochs=60, batch_size=32, eval_every=20, patience=0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, port, settings, out):
    # the environment torchrun gives each process; start_distributed joins the group from it
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from negsample.kg import KGModel

    try:
        triples = planted_triples()
        model = KGModel(progress=False, **settings).fit(triples)
        out[rank] = {"entity": model.score_function.entity.detach().numpy().copy(),
                     "losses": [r["loss"] for r in model.history],
                     "valid": [r["metrics"]["valid_mrr"] for r in model.history if "metrics" in r],
                     "test_mrr": model.evaluate(triples).mrr,
                     "world": torch.distributed.get_world_size()}
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def _run_two(settings):
    ctx = torch.multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        out = manager.dict()
        port = _free_port()
        procs = [ctx.Process(target=_worker, args=(r, port, settings, out)) for r in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=180)
        assert [p.exitcode for p in procs] == [0, 0]
        return dict(out)


def test_two_ranks_train_one_model():
    out = _run_two(SETTINGS)
    assert out[0]["world"] == out[1]["world"] == 2
    np.testing.assert_array_equal(out[0]["entity"], out[1]["entity"])       # DDP kept the replicas identical
    assert out[0]["losses"] == out[1]["losses"] and out[0]["valid"] == out[1]["valid"]
    assert out[0]["test_mrr"] >= 0.9


def test_sparse_gradients_are_refused_under_ddp():
    from negsample.kg import KGConfig
    from negsample.kg.trainer import check_distributed

    check_distributed(KGConfig(optimizer="sparse_adam"), 1)
    with pytest.raises(ValueError, match="sparse_adam needs sparse gradients"):
        check_distributed(KGConfig(optimizer="sparse_adam"), 2)
