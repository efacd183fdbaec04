"""Score transforms: logQ subtraction, accidental-hit masks and their one fill value, used alike by
the sampled losses, the TF ports and the retrieval logits."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from negsample.losses import NCELoss, SampledSoftmaxLoss, compute_sampled_logits  # noqa: E402
from negsample.retrieval import append_negatives, in_batch_logits  # noqa: E402
from negsample.scores import (  # noqa: E402
    accidental_hits,
    fill_value,
    mask_scores,
    remove_accidental_hits,
    subtract_log_q,
)

F = torch.nn.functional
MASKED = torch.finfo(torch.float32).min


# ---------------------------------------------------------------------- logQ
def test_subtract_log_q_per_column_or_per_entry():
    logits = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    log_q = torch.tensor([-1.0, 0.0, -2.0])
    expected = torch.tensor([[2.0, 2.0, 5.0], [5.0, 5.0, 8.0]])
    assert torch.equal(subtract_log_q(logits, log_q), expected)
    per_entry = torch.tensor([[-1.0, 0.0, -2.0], [0.0, 1.0, 2.0]])
    assert torch.equal(subtract_log_q(logits, per_entry), torch.tensor([[2.0, 2.0, 5.0], [4.0, 4.0, 4.0]]))
    assert subtract_log_q(logits.double(), log_q).dtype == torch.float64


# ---------------------------------------------------------------------- accidental hits
def test_accidental_hits_shared_per_row_and_several_true_ids():
    shared = accidental_hits(torch.tensor([4, 9]), torch.tensor([4, 5, 9]))
    assert shared.tolist() == [[True, False, False], [False, False, True]]
    per_row = accidental_hits(torch.tensor([4, 9]), torch.tensor([[4, 4, 1], [1, 2, 3]]))
    assert per_row.tolist() == [[True, True, False], [False, False, False]]
    several = accidental_hits(torch.tensor([[1, 4], [2, 7]]), torch.tensor([4, 8, 2, 1]))
    assert several.tolist() == [[True, False, False, True], [False, False, True, False]]


def test_remove_accidental_hits_masks_off_diagonal_duplicates_only():
    ids = torch.tensor([5, 7, 5, 5])
    logits = torch.arange(16.0).reshape(4, 4)
    expected = torch.tensor(
        [
            [0.0, 1.0, MASKED, MASKED],
            [4.0, 5.0, 6.0, 7.0],
            [MASKED, 9.0, 10.0, MASKED],
            [MASKED, 13.0, MASKED, 15.0],
        ]
    )
    assert torch.equal(remove_accidental_hits(logits, ids, ids), expected)


def test_remove_accidental_hits_on_wider_matrix():
    logits = torch.zeros(2, 4)
    got = remove_accidental_hits(logits, torch.tensor([1, 2]), torch.tensor([1, 2, 2, 1]))
    assert torch.equal(got, torch.tensor([[0.0, 0.0, 0.0, MASKED], [0.0, 0.0, MASKED, 0.0]]))


# ---------------------------------------------------------------------- the fill value
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_fill_value_is_the_most_negative_finite_value(dtype):
    masked = mask_scores(torch.zeros(1, 2, dtype=dtype), torch.tensor([[False, True]]))
    assert masked[0, 1].item() == fill_value(dtype) == torch.finfo(dtype).min
    assert torch.isfinite(masked).all()


def test_masked_scores_count_for_nothing_and_stay_finite_where_minus_inf_gives_nan():
    logits = torch.tensor([[2.0, 0.5, 1.0]], requires_grad=True)
    hit = torch.tensor([[False, True, False]])
    masked = mask_scores(logits, hit)
    # Softmax: exactly the softmax without the masked column.
    torch.testing.assert_close(torch.softmax(masked, 1)[0, [0, 2]], torch.softmax(logits[0, [0, 2]], 0))
    assert torch.softmax(masked, 1)[0, 1].item() == 0.0
    # A zero target weight on a masked column: finite here, nan with -inf.
    targets = torch.tensor([[1.0, 0.0, 0.0]])
    soft_ce = -(targets * F.log_softmax(masked, 1)).sum()
    bce = F.binary_cross_entropy_with_logits(masked, targets, reduction="none")
    assert torch.isfinite(soft_ce) and bce[0, 1].item() == 0.0
    minus_inf = logits.detach().masked_fill(hit, float("-inf"))
    assert torch.isnan(-(targets * F.log_softmax(minus_inf, 1)).sum())
    soft_ce.backward()
    assert logits.grad[0, 1].item() == 0.0


def test_every_caller_masks_with_the_same_value():
    """Sampled softmax, NCE, the TF ports and the retrieval logits all use negsample.scores."""
    pos, neg = torch.zeros(2), torch.zeros(2, 3)
    log_q = torch.zeros(2), torch.zeros(3)
    ids = torch.tensor([4, 9]), torch.tensor([4, 5, 6])
    ssm = SampledSoftmaxLoss(reduction="none")(pos, neg, *log_q, *ids)
    unmasked = SampledSoftmaxLoss(reduction="none")(pos[:1], neg[:1, 1:], log_q[0][:1], log_q[1][1:])
    torch.testing.assert_close(ssm[0], unmasked[0])  # row 0's hit is gone, not merely down-weighted
    nce = NCELoss(reduction="none")(pos, neg, *log_q, *ids)
    assert torch.isfinite(nce).all() and nce[0] < nce[1]
    weights, biases, inputs = torch.zeros(10, 2), torch.zeros(10), torch.zeros(2, 2)
    values = (torch.tensor([4, 5]), torch.ones(2, 1), torch.ones(2))
    logits, _ = compute_sampled_logits(weights, biases, torch.tensor([[4], [9]]), inputs, 2, 10,
                                       sampled_values=values, remove_accidental_hits=True)  # fmt: skip
    assert logits[0, 1].item() == MASKED and (logits[1] != MASKED).all()
    q, row_ids = torch.eye(2), torch.tensor([3, 3])
    assert in_batch_logits(q, q, candidate_ids=row_ids)[0, 1].item() == MASKED
    block = append_negatives(torch.zeros(2, 1), q, q, row_ids=row_ids, negative_ids=torch.tensor([3, 1]))
    assert block[:, 1].tolist() == [MASKED, MASKED]


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: remove_accidental_hits(torch.zeros(3, 2), torch.zeros(3), torch.zeros(2)),
            r"logits: expected shape \(B, C\) with C >= B .*, got \(3, 2\)",
        ),
        (
            lambda: remove_accidental_hits(torch.zeros(2, 3), torch.zeros(3), torch.zeros(3)),
            r"row_ids: expected shape \(B,\) = \(2,\), got \(3,\)",
        ),
        (
            lambda: subtract_log_q(torch.zeros(2, 3), torch.zeros(2)),
            r"log_q: expected shape \(C,\) or the shape of scores, with scores of shape \(2, 3\), got \(2,\)",
        ),
        (
            lambda: accidental_hits(torch.zeros(2), torch.zeros(3, dtype=torch.long)),
            r"true_ids: expected an integer dtype, got torch.float32",
        ),
        (
            lambda: accidental_hits(torch.zeros(2, dtype=torch.long), torch.zeros(3, 4, dtype=torch.long)),
            r"candidate_ids: expected shape \(B, C\) = \(2, \*\), got \(3, 4\)",
        ),
    ],
)
def test_bad_inputs_raise_with_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
