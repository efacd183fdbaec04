"""Losses: gradients (gradcheck), values against hand-written formulas, exact special cases,
agreement with pytorch-metric-learning, TensorFlow semantics of the ports, and every bad input."""

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from negsample.losses import (  # noqa: E402
    BPRLoss,
    ContrastiveLoss,
    InfoNCELoss,
    MarginLoss,
    NCELoss,
    NegativeSamplingLoss,
    NTXentLoss,
    SampledScoreLoss,
    SampledSoftmaxLoss,
    TripletMarginLoss,
    nce_loss,
    sampled_softmax_loss,
)
from negsample.noise import Uniform, Unigram  # noqa: E402

F = torch.nn.functional


def randn(*shape, seed=0, grad=False):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64).requires_grad_(grad)


def log_sigmoid(x):
    return -math.log1p(math.exp(-x))


def gradcheck(fn, *inputs):
    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5)


def metric_batch(seed=0, n=12, dim=5, num_labels=4):
    embeddings = randn(n, dim, seed=seed, grad=True)
    labels = torch.arange(num_labels).repeat(n // num_labels)
    return embeddings, labels


# ----------------------------------------------------------------------------- gradients
def test_gradcheck_score_losses():
    pos, neg = randn(4, seed=1, grad=True), randn(4, 3, seed=2, grad=True)
    pos_q, neg_q = -randn(4, seed=3).abs() - 1, -randn(4, 3, seed=4).abs() - 1
    shared_q = -randn(3, seed=5).abs() - 1
    pos_ids, neg_ids = torch.tensor([0, 1, 2, 3]), torch.tensor([[0, 5, 6], [7, 1, 1], [8, 9, 10], [3, 3, 4]])
    gradcheck(NegativeSamplingLoss(), pos, neg)
    gradcheck(BPRLoss(), pos, neg)
    gradcheck(BPRLoss(), pos, randn(4, seed=6, grad=True))
    gradcheck(lambda p, n: NCELoss()(p, n, pos_q, neg_q), pos, neg)
    gradcheck(lambda p, n: NCELoss()(p, n, pos_q, shared_q, pos_ids, neg_ids), pos, neg)
    gradcheck(lambda p, n: SampledSoftmaxLoss()(p, n, pos_q, neg_q), pos, neg)
    gradcheck(lambda p, n: SampledSoftmaxLoss(reduction="sum")(p, n, pos_q, neg_q, pos_ids, neg_ids), pos, neg)


def test_gradcheck_in_batch_losses():
    q, k = randn(5, 4, seed=1, grad=True), randn(5, 4, seed=2, grad=True)
    gradcheck(InfoNCELoss(temperature=0.5), q, k)
    gradcheck(InfoNCELoss(temperature=0.5, symmetric=True, normalize=False), q, k)
    gradcheck(NTXentLoss(temperature=0.5), q, k)
    gradcheck(NTXentLoss(temperature=0.3), randn(6, 4, seed=3, grad=True))


def test_gradcheck_metric_losses():
    embeddings, labels = metric_batch()
    gradcheck(lambda e: TripletMarginLoss(margin=0.3)(e, labels), embeddings)
    gradcheck(lambda e: TripletMarginLoss(margin=0.3, swap=True, normalize=False)(e, labels), embeddings)
    gradcheck(lambda e: ContrastiveLoss(pos_margin=0.1, neg_margin=0.9)(e, labels), embeddings)
    gradcheck(lambda e: MarginLoss(margin=0.2, beta=1.0)(e, labels), embeddings)
    margin = MarginLoss(margin=0.2, beta=1.0, learn_beta=True, num_classes=4, nu=0.1).double()
    gradcheck(lambda e, b: torch.func.functional_call(margin, {"beta": b}, (e, labels)), embeddings,
              margin.beta.detach().clone().requires_grad_(True))  # fmt: skip


def test_gradcheck_tensorflow_ports():
    weights, biases, inputs = (
        randn(20, 4, seed=1, grad=True),
        randn(20, seed=2, grad=True),
        randn(3, 4, seed=3, grad=True),
    )
    labels = torch.tensor([[1, 2], [3, 3], [19, 0]])
    sampled = torch.tensor([2, 5, 7, 11])
    values = (sampled, torch.full((3, 2), 0.3, dtype=torch.float64), torch.tensor([0.5, 0.2, 0.1, 0.05]).double())
    for port in (nce_loss, sampled_softmax_loss):

        def loss(w, b, x, port=port):
            return port(w, b, labels, x, 4, 20, num_true=2, sampled_values=values)

        gradcheck(loss, weights, biases, inputs)


# ----------------------------------------------------------------------------- values vs formulas
def test_negative_sampling_and_bpr_values():
    pos, neg = torch.tensor([1.0, -2.0]), torch.tensor([[0.5, -1.0], [3.0, 0.0]])
    per_row = [
        -log_sigmoid(1.0) - log_sigmoid(-0.5) - log_sigmoid(1.0),
        -log_sigmoid(-2.0) - log_sigmoid(-3.0) - log_sigmoid(0.0),
    ]
    torch.testing.assert_close(NegativeSamplingLoss(reduction="none")(pos, neg), torch.tensor(per_row))
    torch.testing.assert_close(NegativeSamplingLoss()(pos, neg), torch.tensor(sum(per_row) / 2))
    torch.testing.assert_close(NegativeSamplingLoss(reduction="sum")(pos, neg), torch.tensor(sum(per_row)))
    pairs = [-log_sigmoid(0.5), -log_sigmoid(2.0), -log_sigmoid(-5.0), -log_sigmoid(-2.0)]
    torch.testing.assert_close(BPRLoss(reduction="none")(pos, neg), torch.tensor(pairs).view(2, 2))
    torch.testing.assert_close(BPRLoss()(pos, neg), torch.tensor(sum(pairs) / 4))
    # Stable where log(sigmoid(x)) is not.
    assert torch.isfinite(NegativeSamplingLoss()(torch.tensor([-200.0]), torch.tensor([[200.0]])))


def test_nce_value_matches_tensorflow_formula():
    pos, neg = torch.tensor([1.0, 0.2]), torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.4]])
    q_pos, q_neg = torch.tensor([0.1, 0.01]), torch.tensor([0.2, 0.05, 0.3])
    expected = []
    for b in range(2):
        shifted_pos = pos[b].item() - math.log(3 * q_pos[b].item())
        row = -log_sigmoid(shifted_pos)
        for k in range(3):
            row -= log_sigmoid(-(neg[b, k].item() - math.log(3 * q_neg[k].item())))
        expected.append(row)
    out = NCELoss(reduction="none")(pos, neg, q_pos.log(), q_neg.log())
    torch.testing.assert_close(out, torch.tensor(expected))
    # Accidental hits contribute nothing.
    hits = NCELoss(reduction="none")(pos, neg, q_pos.log(), q_neg.log(), torch.tensor([4, 9]), torch.tensor([4, 5, 6]))
    removed = -log_sigmoid(-(neg[0, 0].item() - math.log(3 * q_neg[0].item())))
    torch.testing.assert_close(hits, torch.tensor([expected[0] - removed, expected[1]]))


def test_sampled_softmax_value_and_accidental_hits():
    pos, neg = torch.tensor([1.0]), torch.tensor([[0.5, -1.0, 2.0]])
    pos_q, neg_q = torch.tensor([0.1]).log(), torch.tensor([[0.2, 0.05, 0.3]]).log()
    logits = [1.0 - math.log(0.1), 0.5 - math.log(0.2), -1.0 - math.log(0.05), 2.0 - math.log(0.3)]
    expected = math.log(sum(math.exp(x) for x in logits)) - logits[0]
    torch.testing.assert_close(SampledSoftmaxLoss()(pos, neg, pos_q, neg_q), torch.tensor(expected))
    masked = SampledSoftmaxLoss()(pos, neg, pos_q, neg_q, torch.tensor([7]), torch.tensor([[3, 7, 1]]))
    without = math.log(sum(math.exp(x) for i, x in enumerate(logits) if i != 2)) - logits[0]
    torch.testing.assert_close(masked, torch.tensor(without))


def test_sampled_softmax_over_all_classes_is_the_full_softmax():
    """Negatives = every class (the true one is an accidental hit) under uniform Q: logQ cancels exactly."""
    num_classes, batch = 7, 5
    logits, targets = randn(batch, num_classes, seed=4), torch.tensor([0, 3, 6, 2, 2])
    log_q = torch.full((num_classes,), -math.log(num_classes), dtype=torch.float64)
    ours = SampledSoftmaxLoss(reduction="none")(
        logits.gather(1, targets[:, None]).squeeze(1), logits, log_q[targets], log_q,
        pos_ids=targets, neg_ids=torch.arange(num_classes),
    )  # fmt: skip
    torch.testing.assert_close(ours, F.cross_entropy(logits, targets, reduction="none"))
    # The TF port, given every class as the "sampled" candidates with equal expected counts.
    weights, biases, inputs = randn(num_classes, 3, seed=5), randn(num_classes, seed=6), randn(batch, 3, seed=7)
    count = torch.full((num_classes,), 0.25, dtype=torch.float64)
    values = (torch.arange(num_classes), count[targets][:, None], count)
    port = sampled_softmax_loss(weights, biases, targets[:, None], inputs, num_classes, num_classes,
                                sampled_values=values, reduction="none")  # fmt: skip
    torch.testing.assert_close(port, F.cross_entropy(inputs @ weights.T + biases, targets, reduction="none"))


def test_nce_port_equals_nce_loss_on_the_same_logits():
    """With expected counts K·Q (i.i.d. draws), tf-style nce_loss == NCELoss with shared negatives."""
    noise = Unigram(np.arange(1, 31))
    weights, biases, inputs = randn(30, 4, seed=1), randn(30, seed=2), randn(6, 4, seed=3)
    labels = torch.tensor([0, 5, 9, 29, 3, 3])
    sampled = noise.sample((8,), generator=torch.Generator().manual_seed(0))
    q_true, q_sampled = noise.log_prob(labels, dtype=torch.float64), noise.log_prob(sampled, dtype=torch.float64)
    values = (sampled, (8 * q_true.exp())[:, None], 8 * q_sampled.exp())
    port = nce_loss(weights, biases, labels[:, None], inputs, 8, 30, sampled_values=values, reduction="none")
    pos_logits = (inputs * weights[labels]).sum(1) + biases[labels]
    neg_logits = inputs @ weights[sampled].T + biases[sampled]
    torch.testing.assert_close(port, NCELoss(reduction="none")(pos_logits, neg_logits, q_true, q_sampled))
    # And the sampled-softmax port against the class on the same logits (hits removed on both).
    port = sampled_softmax_loss(weights, biases, labels, inputs, 8, 30, sampled_values=values, reduction="none")
    ours = SampledSoftmaxLoss(reduction="none")(pos_logits, neg_logits, q_true + math.log(8), q_sampled + math.log(8),
                                                pos_ids=labels, neg_ids=sampled)  # fmt: skip
    torch.testing.assert_close(port, ours)


def test_ports_with_several_true_classes_match_tensorflow_formula():
    weights, biases, inputs = randn(10, 3, seed=1), randn(10, seed=2), randn(2, 3, seed=3)
    labels, sampled = torch.tensor([[1, 4], [2, 7]]), torch.tensor([4, 8, 0])
    true_count, sampled_count = torch.tensor([[0.5, 0.25], [0.4, 0.1]]).double(), torch.tensor([0.3, 0.2, 0.6]).double()
    values = (sampled, true_count, sampled_count)
    true_logits = (inputs[:, None, :] * weights[labels]).sum(-1) + biases[labels] - true_count.log()
    sampled_logits = inputs @ weights[sampled].T + biases[sampled] - sampled_count.log()
    # NCE: sigmoid cross-entropy with targets 1/num_true, summed over the row; no hit removal by default.
    targets = torch.tensor([0.5, 0.5, 0.0, 0.0, 0.0]).double().expand(2, 5)
    logits = torch.cat([true_logits, sampled_logits], 1)
    bce = -(targets * F.logsigmoid(logits) + (1 - targets) * F.logsigmoid(-logits)).sum(1)
    torch.testing.assert_close(nce_loss(weights, biases, labels, inputs, 3, 10, 2, values, reduction="none"), bce)
    # Sampled softmax: sampled id 4 is a true label of row 0, so it is removed there (TF default).
    masked = sampled_logits.clone()
    masked[0, 0] = -torch.inf
    logits = torch.cat([true_logits, masked], 1)
    softmax_ce = -(targets * torch.log_softmax(logits, 1).nan_to_num(neginf=0.0)).sum(1)
    port = sampled_softmax_loss(weights, biases, labels, inputs, 3, 10, 2, values, reduction="none")
    torch.testing.assert_close(port, softmax_ce)


def test_nce_and_sampled_softmax_share_one_template():
    """Checks, logQ, accidental hits and reduction live in SampledScoreLoss; a subclass gives a row loss."""
    assert all(
        issubclass(cls, SampledScoreLoss) and "forward" not in vars(cls) for cls in (NCELoss, SampledSoftmaxLoss)
    )

    class PairwiseHinge(SampledScoreLoss):
        def row_loss(self, pos, neg):
            return F.relu(1.0 - pos.unsqueeze(1) + neg).sum(dim=1)

    pos, neg = torch.tensor([1.0, 0.0]), torch.tensor([[0.5, 2.0], [0.0, -1.0]])
    pos_q, neg_q = torch.tensor([-1.0, -2.0]), torch.tensor([-0.5, -1.5])
    got = PairwiseHinge(reduction="none")(pos, neg, pos_q, neg_q, torch.tensor([3, 4]), torch.tensor([3, 5]))
    # Corrected: pos = [2, 2]; neg = [[1, 3.5], [0.5, 0.5]] with row 0's first negative (id 3) masked.
    torch.testing.assert_close(got, torch.tensor([0.0 + 2.5, 0.0 + 0.0]))
    with pytest.raises(ValueError, match=r"neg_ids: pos_ids and neg_ids go together"):
        PairwiseHinge()(pos, neg, pos_q, neg_q, pos_ids=torch.tensor([3, 4]))


def test_infonce_and_ntxent_values_against_loops():
    q, k = randn(4, 3, seed=1), randn(4, 3, seed=2)
    qn, kn = F.normalize(q, dim=1), F.normalize(k, dim=1)
    t = 0.2

    def row_loss(anchor, candidates, target):
        scores = [float(anchor @ c) / t for c in candidates]
        return math.log(sum(math.exp(s) for s in scores)) - scores[target]

    forward = [row_loss(qn[i], kn, i) for i in range(4)]
    backward = [row_loss(kn[i], qn, i) for i in range(4)]
    torch.testing.assert_close(InfoNCELoss(temperature=t)(q, k), torch.tensor(np.mean(forward)).double())
    torch.testing.assert_close(InfoNCELoss(temperature=t, symmetric=True)(q, k),
                               torch.tensor((np.mean(forward) + np.mean(backward)) / 2).double())  # fmt: skip
    raw = [row_loss(q[i], k, i) for i in range(4)]
    torch.testing.assert_close(InfoNCELoss(temperature=t, normalize=False)(q, k), torch.tensor(np.mean(raw)).double())
    views = torch.cat([qn, kn])
    ntxent = []
    for i in range(8):
        others = [views[j] for j in range(8) if j != i]
        partner = (i + 4) % 8
        ntxent.append(row_loss(views[i], others, partner - (partner > i)))
    torch.testing.assert_close(NTXentLoss(temperature=t)(q, k), torch.tensor(np.mean(ntxent)).double())
    torch.testing.assert_close(NTXentLoss(temperature=t)(torch.cat([q, k])), NTXentLoss(temperature=t)(q, k))


def test_metric_losses_against_naive_loops():
    embeddings, labels = metric_batch(seed=3, n=6, num_labels=3)
    e = F.normalize(embeddings.detach(), dim=1)
    dist = lambda i, j: float((e[i] - e[j]).norm())  # noqa: E731
    triplets = [(a, p, n) for a in range(6) for p in range(6) for n in range(6)
                if a != p and labels[a] == labels[p] and labels[n] != labels[a]]  # fmt: skip
    expected = np.mean([max(0.0, dist(a, p) - dist(a, n) + 0.3) for a, p, n in triplets])
    torch.testing.assert_close(TripletMarginLoss(margin=0.3)(embeddings, labels).item(), expected)
    expected = np.mean([max(0, dist(a, p) - 0.9 + 0.2) + max(0, 0.9 - dist(a, n) + 0.2) for a, p, n in triplets])
    torch.testing.assert_close(MarginLoss(margin=0.2, beta=0.9)(embeddings, labels).item(), expected)
    pos = [max(0.0, dist(i, j) - 0.1) for i in range(6) for j in range(6) if i != j and labels[i] == labels[j]]
    neg = [max(0.0, 0.8 - dist(i, j)) for i in range(6) for j in range(6) if labels[i] != labels[j]]
    loss = ContrastiveLoss(pos_margin=0.1, neg_margin=0.8)
    torch.testing.assert_close(loss(embeddings, labels).item(), np.mean(pos) + np.mean(neg))
    none = ContrastiveLoss(pos_margin=0.1, neg_margin=0.8, reduction="none")(embeddings, labels)
    torch.testing.assert_close(none.detach().numpy(), np.array(pos + neg))


@pytest.mark.parametrize(
    "make",
    [
        lambda r: NegativeSamplingLoss(reduction=r),
        lambda r: BPRLoss(reduction=r),
        lambda r: NCELoss(reduction=r),
        lambda r: SampledSoftmaxLoss(reduction=r),
        lambda r: InfoNCELoss(reduction=r),
        lambda r: NTXentLoss(reduction=r),
        lambda r: TripletMarginLoss(reduction=r),
        lambda r: MarginLoss(reduction=r),
    ],
)
def test_reductions_are_consistent(make):
    name = type(make("mean")).__name__
    if name in ("NCELoss", "SampledSoftmaxLoss"):
        args = (randn(4), randn(4, 3, seed=1), -randn(4, seed=2).abs(), -randn(4, 3, seed=3).abs())
    elif name in ("NegativeSamplingLoss", "BPRLoss"):
        args = (randn(4), randn(4, 3, seed=1))
    elif name in ("InfoNCELoss", "NTXentLoss"):
        args = (randn(4, 3), randn(4, 3, seed=1))
    else:
        args = metric_batch()
    none = make("none")(*args)
    torch.testing.assert_close(make("mean")(*args), none.mean())
    torch.testing.assert_close(make("sum")(*args), none.sum())


# ----------------------------------------------------------------------------- pytorch-metric-learning
def test_agreement_with_pytorch_metric_learning():
    pml_losses = pytest.importorskip("pytorch_metric_learning.losses")
    from pytorch_metric_learning.miners import MultiSimilarityMiner, TripletMarginMiner
    from pytorch_metric_learning.reducers import MeanReducer

    embeddings, labels = metric_batch(seed=7, n=16, dim=6, num_labels=4)
    triplet_indices = TripletMarginMiner(margin=0.5, type_of_triplets="all")(embeddings, labels)
    pair_indices = MultiSimilarityMiner(epsilon=0.5)(embeddings, labels)
    assert len(triplet_indices[0]) and len(pair_indices[0]) and len(pair_indices[2])
    mean = MeanReducer()
    cases = [
        (TripletMarginLoss(margin=0.2), pml_losses.TripletMarginLoss(margin=0.2, reducer=mean)),
        (TripletMarginLoss(margin=0.2, swap=True), pml_losses.TripletMarginLoss(margin=0.2, swap=True, reducer=mean)),
        (
            ContrastiveLoss(pos_margin=0.2, neg_margin=1.1),
            pml_losses.ContrastiveLoss(pos_margin=0.2, neg_margin=1.1, reducer=mean),
        ),
        (MarginLoss(margin=0.1, beta=1.1), pml_losses.MarginLoss(margin=0.1, beta=1.1, reducer=mean)),
    ]
    for ours, theirs in cases:
        for indices in (None, triplet_indices, pair_indices):
            expected = theirs(embeddings, labels, indices)
            got = ours(embeddings, labels, indices)
            torch.testing.assert_close(got, expected, msg=f"{ours} with indices {type(indices)}")
            grad_ours = torch.autograd.grad(got, embeddings)[0]
            grad_theirs = torch.autograd.grad(theirs(embeddings, labels, indices), embeddings)[0]
            torch.testing.assert_close(grad_ours, grad_theirs)
    view1, view2 = randn(8, 6, seed=1), randn(8, 6, seed=2)
    expected = pml_losses.NTXentLoss(temperature=0.3)(torch.cat([view1, view2]), torch.arange(8).repeat(2))
    torch.testing.assert_close(NTXentLoss(temperature=0.3)(view1, view2), expected)


def test_metric_losses_with_nothing_to_compare():
    embeddings = randn(3, 4, grad=True)
    labels = torch.tensor([0, 1, 2])  # no positives
    for loss in (TripletMarginLoss(), MarginLoss()):
        out = loss(embeddings, labels)
        assert out.item() == 0.0 and out.requires_grad
        assert loss.__class__(reduction="none")(embeddings, labels).shape == (0,)
    empty = (torch.tensor([], dtype=torch.long),) * 3
    assert TripletMarginLoss()(embeddings, labels, empty).item() == 0.0
    # Only negatives: the contrastive loss is the mean over negative pairs.
    per_pair = ContrastiveLoss(neg_margin=5.0, reduction="none")(embeddings, labels)
    torch.testing.assert_close(ContrastiveLoss(neg_margin=5.0)(embeddings, labels), per_pair.mean())


def test_learned_beta_gets_gradients():
    embeddings, labels = metric_batch()
    loss_fn = MarginLoss(learn_beta=True, num_classes=4, nu=0.01)
    loss_fn(embeddings.float(), labels).backward()
    assert loss_fn.beta.grad is not None and loss_fn.beta.grad.shape == (4,)
    assert "beta" not in dict(MarginLoss().named_parameters())


# ----------------------------------------------------------------------------- ports train
def test_ports_draw_from_log_uniform_by_default_and_train():
    torch.manual_seed(0)
    weights = torch.nn.Parameter(torch.randn(50, 8) * 0.1)
    biases = torch.nn.Parameter(torch.zeros(50))
    inputs, labels = torch.randn(16, 8), torch.randint(0, 50, (16, 1))
    g = torch.Generator().manual_seed(1)
    for port in (nce_loss, sampled_softmax_loss):
        a = port(weights, biases, labels, inputs, 10, 50, generator=torch.Generator().manual_seed(1))
        b = port(weights, biases, labels, inputs, 10, 50, generator=torch.Generator().manual_seed(1))
        torch.testing.assert_close(a, b)
        opt = torch.optim.SGD([weights, biases], lr=0.5)
        first = port(weights, biases, labels, inputs, 10, 50, generator=g, unique=False)
        for _ in range(30):
            opt.zero_grad()
            loss = port(weights, biases, labels, inputs, 10, 50, generator=g)
            loss.backward()
            opt.step()
        assert loss.item() < first.item()


# ----------------------------------------------------------------------------- bad input
def test_score_loss_bad_inputs():
    pos, neg = torch.zeros(4), torch.zeros(4, 3)
    with pytest.raises(
        ValueError, match=r"neg_scores: expected shape \(batch_size, num_negatives\) = \(4, \*\), got \(3, 3\)"
    ):
        NegativeSamplingLoss()(pos, torch.zeros(3, 3))
    with pytest.raises(
        ValueError, match=r"neg_scores: expected at least one negative \(num_negatives >= 1\), got shape \(4, 0\)"
    ):
        NegativeSamplingLoss()(pos, torch.zeros(4, 0))
    with pytest.raises(
        ValueError, match=r"pos_scores: expected a 1-d input of shape \(batch_size,\), got shape \(4, 1\)"
    ):
        BPRLoss()(torch.zeros(4, 1), neg)
    with pytest.raises(
        ValueError, match=r"neg_scores: expected dtype torch.float32 \(the dtype of pos_scores\), got torch.float64"
    ):
        NegativeSamplingLoss()(pos, neg.double())
    with pytest.raises(ValueError, match=r"pos_scores: expected a floating-point dtype, got torch.int64"):
        NegativeSamplingLoss()(torch.zeros(4, dtype=torch.long), neg)
    with pytest.raises(
        ValueError, match=r"neg_log_q: expected shape \(batch_size, num_negatives\) = \(4, 3\), got \(4, 2\)"
    ):
        NCELoss()(pos, neg, pos, torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"neg_log_q: expected shape \(num_negatives,\) = \(3,\), got \(4,\)"):
        SampledSoftmaxLoss()(pos, neg, pos, torch.zeros(4))
    with pytest.raises(ValueError, match=r"pos_log_q: expected dtype torch.float32 \(the dtype of pos_logits\)"):
        NCELoss()(pos, neg, pos.double(), neg)
    with pytest.raises(ValueError, match=r"neg_ids: pos_ids and neg_ids go together"):
        SampledSoftmaxLoss()(pos, neg, pos, neg, pos_ids=torch.zeros(4, dtype=torch.long))
    with pytest.raises(
        ValueError, match=r"neg_ids: expected shape \(batch_size, num_negatives\) = \(4, 3\), got \(2, 3\)"
    ):
        SampledSoftmaxLoss()(pos, neg, pos, neg, torch.zeros(4, dtype=torch.long), torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"reduction: expected one of \('mean', 'sum', 'none'\), got 'avg'"):
        NCELoss(reduction="avg")


def test_in_batch_and_metric_bad_inputs():
    with pytest.raises(ValueError, match=r"temperature: expected a finite number > 0, got 0"):
        InfoNCELoss(temperature=0)
    with pytest.raises(ValueError, match=r"temperature: expected a finite number > 0, got -0.5"):
        NTXentLoss(temperature=-0.5)
    with pytest.raises(
        ValueError, match=r"keys: expected shape \(batch_size, dim\) like queries = \(4, 3\), got \(4, 2\)"
    ):
        InfoNCELoss()(torch.zeros(4, 3), torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"queries: in-batch negatives need batch_size >= 2, got shape \(1, 3\)"):
        InfoNCELoss()(torch.zeros(1, 3), torch.zeros(1, 3))
    with pytest.raises(
        ValueError, match=r"view1: a single input must stack two views, shape \(2N, dim\), got \(5, 3\)"
    ):
        NTXentLoss()(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"view1: need N >= 2 examples so each view has negatives, got N = 1"):
        NTXentLoss()(torch.zeros(1, 3), torch.zeros(1, 3))
    with pytest.raises(ValueError, match=r"margin: expected a finite number >= 0, got -1"):
        TripletMarginLoss(margin=-1)
    embeddings = torch.zeros(4, 3)
    with pytest.raises(ValueError, match=r"labels: expected shape \(batch_size,\) = \(4,\), got \(3,\)"):
        TripletMarginLoss()(embeddings, torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"labels: expected an integer dtype, got torch.float32"):
        ContrastiveLoss()(embeddings, torch.zeros(4))
    with pytest.raises(ValueError, match=r"indices_tuple\[1\]: ids must lie in \[0, 4\), got values in \[4, 4\]"):
        MarginLoss()(embeddings, None, (torch.tensor([0]), torch.tensor([4]), torch.tensor([1])))
    with pytest.raises(ValueError, match=r"indices_tuple\[2\]: expected shape \(num_triplets,\) = \(2,\), got \(1,\)"):
        TripletMarginLoss()(embeddings, None, (torch.tensor([0, 1]), torch.tensor([2, 3]), torch.tensor([1])))
    with pytest.raises(ValueError, match=r"indices_tuple: expected triplets .* got tuple of length 2"):
        ContrastiveLoss()(embeddings, None, (torch.tensor([0]), torch.tensor([1])))
    with pytest.raises(ValueError, match=r"labels: labels are needed when indices_tuple is None, got neither"):
        TripletMarginLoss()(embeddings)


def test_port_bad_inputs():
    weights, biases, inputs = torch.zeros(10, 3), torch.zeros(10), torch.zeros(2, 3)
    labels = torch.tensor([[1], [2]])
    with pytest.raises(ValueError, match=r"labels: ids must lie in \[0, 10\), got values in \[1, 10\]"):
        nce_loss(weights, biases, torch.tensor([[1], [10]]), inputs, 3, 10)
    with pytest.raises(ValueError, match=r"weights: expected shape \(num_classes, dim\) = \(12, \*\), got \(10, 3\)"):
        nce_loss(weights, biases, labels, inputs, 3, 12)
    with pytest.raises(ValueError, match=r"inputs: expected shape \(batch_size, dim\) = \(\*, 3\), got \(2, 4\)"):
        sampled_softmax_loss(weights, biases, labels, torch.zeros(2, 4), 3, 10)
    with pytest.raises(ValueError, match=r"labels: expected shape \(batch_size, num_true\) = \(2, 2\), got \(2, 1\)"):
        sampled_softmax_loss(weights, biases, labels, inputs, 3, 10, num_true=2)
    with pytest.raises(ValueError, match=r"num_sampled: expected a positive integer, got 0"):
        nce_loss(weights, biases, labels, inputs, 0, 10)
    with pytest.raises(
        ValueError, match=r"num_sampled: with unique=True at most 10 distinct ids can be drawn .* got 11"
    ):
        nce_loss(weights, biases, labels, inputs, 11, 10)
    with pytest.raises(ValueError, match=r"sampler: expected num_classes=10, got 9"):
        nce_loss(weights, biases, labels, inputs, 3, 10, sampler=Uniform(9))
    bad_values = (torch.tensor([0, 1, 10]), torch.ones(2, 1), torch.ones(3))
    with pytest.raises(ValueError, match=r"sampled_values\[0\]: ids must lie in \[0, 10\), got values in \[0, 10\]"):
        nce_loss(weights, biases, labels, inputs, 3, 10, sampled_values=bad_values)
    with pytest.raises(
        ValueError, match=r"biases: expected dtype torch.float32 \(the dtype of weights\), got torch.float64"
    ):
        nce_loss(weights, biases.double(), labels, inputs, 3, 10)


def test_losses_import_without_torch_names_the_extra():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "try:\n"
        "    import negsample.losses\n"
        "except ImportError as e:\n"
        "    assert 'negsample[torch]' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('expected ImportError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
