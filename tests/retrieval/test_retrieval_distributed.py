"""gather_with_grad across 2 real processes (gloo, 127.0.0.1): values and gradients equal one process's."""

from __future__ import annotations

import socket

import pytest

torch = pytest.importorskip("torch")

from negsample.retrieval.distributed import (  # noqa: E402
    all_reduce_sum,
    gather,
    gather_with_grad,
    local_rows,
    rank_and_world_size,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _global_loss(queries, candidates):
    """In-batch softmax of every query against every candidate; row i's positive is column i."""
    logits = queries @ candidates.T
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(queries)), reduction="sum")


SIZES = (4, 2)  # uneven shards: the sizes are gathered first


def _rank_part(rank, gradient, equal_sizes=False):
    sizes = (3, 3) if equal_sizes else SIZES
    torch.manual_seed(0)
    queries = torch.randn(sum(sizes), 4, dtype=torch.float64)
    candidates = torch.randn(sum(sizes), 4, dtype=torch.float64)
    start = sum(sizes[:rank])
    rows = slice(start, start + sizes[rank])
    local_q = queries[rows].clone().requires_grad_(True)
    local_c = candidates[rows].clone().requires_grad_(True)
    all_c = gather_with_grad(local_c, gradient=gradient, equal_sizes=equal_sizes)
    ids = gather(torch.arange(start, start + sizes[rank]), equal_sizes=equal_sizes)
    logits = local_q @ all_c.T
    loss = torch.nn.functional.cross_entropy(logits, torch.arange(start, start + sizes[rank]), reduction="sum")
    loss.backward()
    return {"gathered": all_c.detach(), "ids": ids, "grad_q": local_q.grad, "grad_c": local_c.grad,
            "total": all_reduce_sum(loss.detach())}


def _worker(rank, port, out):
    torch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        out[rank] = {"all": _rank_part(rank, "all"), "local": _rank_part(rank, "local"),
                     "equal": _rank_part(rank, "all", equal_sizes=True), "rank_world": rank_and_world_size()}
    finally:
        torch.distributed.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks():
    """One pair of spawned processes serves every test here (starting them costs seconds)."""
    ctx = torch.multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        out = manager.dict()
        port = _free_port()
        procs = [ctx.Process(target=_worker, args=(r, port, out)) for r in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
        assert [p.exitcode for p in procs] == [0, 0]
        return dict(out)


@pytest.mark.parametrize("case", ["all", "equal"])
def test_two_ranks_match_one_process(two_ranks, case):
    sizes = (3, 3) if case == "equal" else SIZES
    torch.manual_seed(0)
    queries = torch.randn(sum(sizes), 4, dtype=torch.float64, requires_grad=True)
    candidates = torch.randn(sum(sizes), 4, dtype=torch.float64, requires_grad=True)
    loss = _global_loss(queries, candidates)
    loss.backward()
    start = 0
    for rank, size in enumerate(sizes):
        got = two_ranks[rank][case]
        assert two_ranks[rank]["rank_world"] == (rank, 2)
        assert torch.equal(got["gathered"], candidates.detach())
        assert torch.equal(got["ids"], torch.arange(sum(sizes)))
        torch.testing.assert_close(got["grad_q"], queries.grad[start:start + size])
        # Each candidate row gets the gradient of both ranks' losses: the single-process gradient.
        torch.testing.assert_close(got["grad_c"], candidates.grad[start:start + size])
        torch.testing.assert_close(got["total"], loss.detach())
        start += size


def test_local_gradient_drops_the_other_ranks_loss(two_ranks):
    torch.manual_seed(0)
    queries = torch.randn(sum(SIZES), 4, dtype=torch.float64)
    candidates = torch.randn(sum(SIZES), 4, dtype=torch.float64, requires_grad=True)
    # Rank 0's candidates only see rank 0's queries.
    _global_loss(queries[:SIZES[0]], candidates).backward()
    torch.testing.assert_close(two_ranks[0]["local"]["grad_c"], candidates.grad[:SIZES[0]])
    assert not torch.allclose(two_ranks[0]["all"]["grad_c"], candidates.grad[:SIZES[0]])


def test_single_process_is_the_identity():
    x = torch.randn(3, 2, requires_grad=True)
    assert gather_with_grad(x) is x and gather(x) is x and all_reduce_sum(x) is x
    with pytest.raises(ValueError, match="gradient"):
        gather_with_grad(x, gradient="some")


def test_local_rows_cover_the_batch_once():
    for n in range(0, 12):
        for world in (1, 2, 3, 5):
            covered = [i for r in range(world) for i in range(n)[local_rows(n, r, world)]]
            assert covered == list(range(n))
