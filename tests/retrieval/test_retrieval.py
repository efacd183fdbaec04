"""In-batch / cross-batch / mixed negatives: hand-computed matrices, FIFO order, logQ on Zipf data."""

from __future__ import annotations

import importlib
import math
import sys

import pytest

torch = pytest.importorskip("torch")

from negsample.retrieval import (  # noqa: E402
    CrossBatchMemory,
    MixedNegatives,
    append_negatives,
    in_batch_logits,
)

# Masked scores: the dtype's most negative finite value (negsample.scores.fill_value).
MASKED = torch.finfo(torch.float32).min


def _uniform(num_classes):
    """negsample.noise.Uniform with its torch API, or a minimal stand-in until that API exists."""
    try:
        from negsample.noise import Uniform

        noise = Uniform(num_classes)
        noise.log_prob(noise.sample((1,), device="cpu", generator=torch.Generator()))
        return noise
    except (ImportError, TypeError):

        class StandIn:
            def sample(self, shape, *, device=None, generator=None):
                return torch.randint(0, num_classes, shape, device=device, generator=generator)

            def log_prob(self, ids):
                return torch.full(ids.shape, -math.log(num_classes), device=ids.device)

        return StandIn()


# ---------------------------------------------------------------------- in-batch logits
def test_in_batch_logits_hand_computed():
    queries = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    candidates = torch.tensor([[2.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    ids = torch.tensor([3, 8, 3])
    log_q = torch.log(torch.tensor([0.5, 0.25, 0.5]))
    dots = torch.tensor([[2.0, 0.0, 2.0], [0.0, 2.0, 0.0], [2.0, 1.0, 2.0]])
    expected = dots / 0.5 - log_q[None, :]
    expected[0, 2] = expected[2, 0] = MASKED  # item 3 is the positive of rows 0 and 2
    got = in_batch_logits(queries, candidates, candidate_ids=ids, log_q=log_q, temperature=0.5)
    torch.testing.assert_close(got, expected)
    plain = in_batch_logits(queries, candidates)
    torch.testing.assert_close(plain, dots)


def test_in_batch_logits_keeps_gradients_and_diagonal_finite():
    queries = torch.randn(6, 4, requires_grad=True)
    ids = torch.tensor([1, 1, 1, 2, 2, 3])
    logits = in_batch_logits(queries, torch.randn(6, 4), candidate_ids=ids)
    assert torch.isfinite(logits.diagonal()).all()
    loss = torch.nn.functional.cross_entropy(logits, torch.arange(6))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(queries.grad).all()


def test_append_negatives_hand_computed():
    queries = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    negatives = torch.tensor([[3.0, 1.0], [1.0, 2.0], [0.0, 1.0]])
    log_q = torch.tensor([-1.0, -2.0, -3.0])
    base = torch.zeros(2, 1)
    got = append_negatives(
        base, queries, negatives, row_ids=torch.tensor([9, 4]), negative_ids=torch.tensor([4, 9, 6]),
        log_q=log_q, temperature=2.0,
    )  # fmt: skip
    expected = torch.tensor([[0.0, 1.5 + 1.0, MASKED, 0.0 + 3.0], [0.0, MASKED, 1.0 + 2.0, 0.5 + 3.0]])
    torch.testing.assert_close(got, expected)


# ---------------------------------------------------------------------- cross-batch memory
def _batch(start, n, dim=3):
    ids = torch.arange(start, start + n)
    return ids[:, None].float().expand(n, dim).clone(), ids, -ids.float()


def test_memory_fifo_order_and_wrap_around():
    memory = CrossBatchMemory(size=5, dim=3)
    assert len(memory) == 0 and memory.negatives().embeddings.shape == (0, 3)
    memory.enqueue(*_batch(0, 2))
    assert memory.negatives().ids.tolist() == [0, 1] and len(memory) == 2
    memory.enqueue(*_batch(2, 2))
    memory.enqueue(*_batch(4, 2))  # wraps: 0 is evicted
    stored = memory.negatives()
    assert stored.ids.tolist() == [1, 2, 3, 4, 5] and len(memory) == 5
    assert stored.embeddings[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert stored.log_q.tolist() == [-1.0, -2.0, -3.0, -4.0, -5.0]
    memory.enqueue(*_batch(6, 3))
    assert memory.negatives().ids.tolist() == [4, 5, 6, 7, 8]
    memory.enqueue(*_batch(9, 7))  # larger than the memory: only the newest 5 survive
    assert memory.negatives().ids.tolist() == [11, 12, 13, 14, 15]
    memory.enqueue(*_batch(16, 1))
    assert memory.negatives().ids.tolist() == [12, 13, 14, 15, 16]
    memory.reset()
    assert len(memory) == 0 and memory.negatives().ids.tolist() == []
    memory.enqueue(*_batch(20, 2))
    assert memory.negatives().ids.tolist() == [20, 21]


def test_memory_detaches_copies_and_defaults_log_q():
    memory = CrossBatchMemory(size=4, dim=2)
    emb = torch.ones(2, 2, requires_grad=True)
    memory.enqueue(emb * 2, torch.tensor([0, 1]))
    stored = memory.negatives()
    assert not stored.embeddings.requires_grad
    assert stored.log_q.tolist() == [0.0, 0.0]
    stored.embeddings.zero_()  # the caller's copy, not the memory
    assert memory.negatives().embeddings.sum() == 8.0


def test_memory_negatives_feed_append_negatives():
    memory = CrossBatchMemory(size=8, dim=4)
    old_items, old_ids = torch.randn(3, 4), torch.tensor([10, 11, 12])
    memory.enqueue(old_items, old_ids, torch.full((3,), -2.0))
    queries, items, ids = torch.randn(2, 4), torch.randn(2, 4), torch.tensor([11, 13])
    old = memory.negatives()
    logits = append_negatives(
        in_batch_logits(queries, items, candidate_ids=ids), queries, old.embeddings,
        row_ids=ids, negative_ids=old.ids, log_q=old.log_q,
    )  # fmt: skip
    assert logits.shape == (2, 5)
    assert logits[0, 3] == MASKED  # item 11 is row 0's positive
    torch.testing.assert_close(logits[1, 2:], queries[1] @ old_items.T + 2.0)


# ---------------------------------------------------------------------- mixed negatives
def test_mixed_negatives_matches_hand_built_logits():
    num_items, batch, sampled, dim = 6, 3, 8, 4
    noise = _uniform(num_items)
    table = torch.randn(num_items, dim)
    ids = torch.tensor([2, 5, 2])
    queries = torch.randn(batch, dim)
    data_log_q = torch.log(torch.tensor([0.4, 0.1, 0.4]))
    mixed = MixedNegatives(noise=noise, num_sampled=sampled, temperature=0.5)
    generator = torch.Generator().manual_seed(3)
    got = mixed(queries, table[ids], ids, table, candidate_log_q=data_log_q, generator=generator)
    drawn = noise.sample((sampled,), device="cpu", generator=torch.Generator().manual_seed(3))
    expected_batch = queries @ table[ids].T / 0.5 - (data_log_q + math.log(batch))[None, :]
    expected_sampled = queries @ table[drawn].T / 0.5 - (-math.log(num_items) + math.log(sampled))
    expected = torch.cat([expected_batch, expected_sampled], dim=1)
    cols = torch.cat([ids, drawn])
    hits = ids[:, None] == cols[None, :]
    hits[:, :batch].fill_diagonal_(False)
    expected[hits] = MASKED
    assert got.shape == (batch, batch + sampled)
    torch.testing.assert_close(got, expected)
    # A callable item tower works like the table, and without candidate_log_q nothing is corrected.
    plain = mixed(queries, table[ids], ids, lambda i: table[i], generator=torch.Generator().manual_seed(3))
    unmasked = expected != MASKED
    uncorrected = torch.cat([queries @ table[ids].T, queries @ table[drawn].T], dim=1) / 0.5
    torch.testing.assert_close(plain[unmasked], uncorrected[unmasked])


# ---------------------------------------------------------------------- logQ on a popularity-skewed catalogue
def _recall_at_10(seed, use_log_q, num_queries=40, num_items=200, dim=40, batch=256, steps=200):
    """Train free query/item embeddings with in-batch softmax on pairs drawn from a known p(item|query).

    Item popularity is Zipf-distributed. In-batch softmax without correction learns
    ``log p(item|query) - log p(item)`` (popular items are over-sampled as negatives), so its top-10
    misses the popular items the true ranking is full of; logQ correction removes that bias.
    """
    g = torch.Generator().manual_seed(seed)
    popularity = 1.0 / torch.arange(1, num_items + 1, dtype=torch.float64)
    popularity = popularity[torch.randperm(num_items, generator=g)]
    affinity = torch.randn(num_queries, num_items, generator=g, dtype=torch.float64)
    conditional = torch.softmax(popularity.log()[None, :] + affinity, dim=1)
    joint = (conditional / num_queries).flatten()
    item_log_q = (conditional.mean(0)).log().float()
    query_emb = torch.nn.Parameter(0.1 * torch.randn(num_queries, dim, generator=g))
    item_emb = torch.nn.Parameter(0.1 * torch.randn(num_items, dim, generator=g))
    optimizer = torch.optim.Adam([query_emb, item_emb], lr=0.05)
    for _ in range(steps):
        pairs = torch.multinomial(joint, batch, replacement=True, generator=g)
        q, i = pairs // num_items, pairs % num_items
        logits = in_batch_logits(query_emb[q], item_emb[i], candidate_ids=i, log_q=item_log_q[i] if use_log_q else None)
        loss = torch.nn.functional.cross_entropy(logits, torch.arange(batch))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        predicted = (query_emb @ item_emb.T).topk(10, dim=1).indices
    truth = conditional.topk(10, dim=1).indices
    found = (predicted[:, :, None] == truth[:, None, :]).any(2).sum()
    return float(found) / truth.numel()


@pytest.fixture
def one_thread():
    # The matrices are tiny: extra threads only add overhead, and on a busy 2-core machine the
    # oversubscription made this test 20x slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("seed", [0, 1])
def test_logq_correction_recovers_popularity_skewed_ranking(seed, one_thread):
    without = _recall_at_10(seed, use_log_q=False)
    with_correction = _recall_at_10(seed, use_log_q=True)
    # Typical values: ~0.22 without, ~0.74 with; the margin leaves room for platform differences.
    assert with_correction > 0.55
    assert with_correction > without + 0.3, (with_correction, without)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: in_batch_logits(torch.zeros(4, 3), torch.zeros(3, 3)),
            r"candidates: expected shape \(B, D\) like queries = \(4, 3\), got \(3, 3\)",
        ),
        (
            lambda: in_batch_logits(torch.zeros(4), torch.zeros(4)),
            r"queries: expected a 2-d input \(B, D\), got shape \(4,\)",
        ),
        (
            lambda: in_batch_logits(torch.zeros(2, 3), torch.zeros(2, 3), temperature=0.0),
            r"temperature: expected a finite number > 0, got 0.0",
        ),
        (
            lambda: in_batch_logits(torch.zeros(2, 3), torch.zeros(2, 3), temperature=-1),
            r"temperature: expected a finite number > 0, got -1",
        ),
        (
            lambda: in_batch_logits(torch.zeros(2, 3), torch.zeros(2, 3), log_q=torch.zeros(3)),
            r"log_q: expected shape \(B,\) = \(2,\), got \(3,\)",
        ),
        (
            lambda: in_batch_logits(torch.zeros(2, 3), torch.zeros(2, 3), candidate_ids=torch.zeros(2, 1)),
            r"candidate_ids: expected shape \(B,\) = \(2,\), got \(2, 1\)",
        ),
        (
            lambda: append_negatives(torch.zeros(2, 2), torch.zeros(2, 3), torch.zeros(4, 5)),
            r"negatives: expected shape \(M, D\) = \(\*, 3\), got \(4, 5\)",
        ),
        (
            lambda: append_negatives(torch.zeros(2, 2), torch.zeros(2, 3), torch.zeros(4, 3), row_ids=torch.zeros(2)),
            r"row_ids, negative_ids: expected both",
        ),
        (lambda: CrossBatchMemory(size=0, dim=4), r"size: expected an int >= 1, got 0"),
        (lambda: CrossBatchMemory(size=8, dim=0), r"dim: expected an int >= 1, got 0"),
        (
            lambda: CrossBatchMemory(size=8, dim=4).enqueue(torch.zeros(2, 5), torch.zeros(2)),
            r"embeddings: expected shape \(n, dim\) = \(\*, 4\), got \(2, 5\)",
        ),
        (
            lambda: CrossBatchMemory(size=8, dim=4).enqueue(torch.zeros(2, 4), torch.zeros(3)),
            r"ids: expected shape \(n,\) = \(2,\), got \(3,\)",
        ),
        (
            lambda: CrossBatchMemory(size=8, dim=4).enqueue(torch.zeros(2, 4), torch.zeros(2), torch.zeros(1)),
            r"log_q: expected shape \(n,\) = \(2,\), got \(1,\)",
        ),
        (
            lambda: MixedNegatives(noise=_uniform(5), num_sampled=0),
            r"num_sampled: expected an int >= 1, got 0",
        ),
        (
            lambda: MixedNegatives(noise=_uniform(5), num_sampled=2, temperature=0),
            r"temperature: expected a finite number > 0, got 0",
        ),
        (
            lambda: MixedNegatives(noise=_uniform(5), num_sampled=2)(
                torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, dtype=torch.long), torch.zeros(5, 3)
            ),
            r"candidate_ids: expected shape \(B,\) = \(2,\), got \(3,\)",
        ),
        (
            lambda: MixedNegatives(noise=_uniform(5), num_sampled=2)(
                torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, dtype=torch.long), torch.zeros(5, 4)
            ),
            r"embed\(sampled_ids\): expected shape \(num_sampled, D\) = \(2, 3\), got \(2, 4\)",
        ),
        (
            lambda: MixedNegatives(noise=_uniform(5), num_sampled=2)(
                torch.zeros(2, 3), torch.zeros(3, 3), torch.zeros(2, dtype=torch.long), torch.zeros(5, 3)
            ),
            r"candidates: expected shape \(B, D\) like queries = \(2, 3\), got \(3, 3\)",
        ),
    ],
)
def test_bad_inputs_raise_with_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_constructors_are_keyword_only():
    with pytest.raises(TypeError):
        CrossBatchMemory(8, 4)
    with pytest.raises(TypeError):
        MixedNegatives(_uniform(5), 3)


def test_import_without_torch_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m.startswith("negsample.retrieval")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"negsample\[torch\]"):
        importlib.import_module("negsample.retrieval")
