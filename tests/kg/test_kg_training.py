"""Training: every model learns a planted graph, seeds reproduce, early stopping keeps the best, logs and bars."""

import numpy as np
import pytest
import torch
from kg_planted import one_torch_thread, planted_triples  # noqa: F401 (a fixture)

from negsample.kg import KGConfig, KGModel, Triples
from negsample.kg.config import DISTANCE_MODELS, MODEL_NAMES, KGConfigError
from negsample.kg.models import MODELS
from negsample.training_log import read_training_log

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST = dict(dim=16, negatives=8, epochs=100, batch_size=32, eval_every=0)
PLANTED = {
    "transe-l1": dict(model="transe", p=1, loss="self_adversarial", margin=4.0, lr=0.02),
    "transe-l2": dict(model="transe", p=2, loss="margin", lr=0.02),
    "distmult": dict(model="distmult", loss="softplus", lr=0.02, regularizer="n3", regularization=0.01),
    "complex": dict(model="complex", loss="softplus", lr=0.02, regularizer="n3", regularization=0.01),
    "rotate": dict(model="rotate", loss="self_adversarial", margin=4.0, lr=0.05),
}
VARIANTS = {   # the other losses, samplers and options, each on a model it suits
    "complex-1vsall": dict(model="complex", loss="1vsall", lr=0.05, epochs=60),
    "complex-1vsall-inverse-adagrad": dict(model="complex", loss="1vsall", inverse=True, optimizer="adagrad",
                                           lr=0.2, epochs=60, regularizer="n3", regularization=0.001),
    "distmult-softmax-shared": dict(model="distmult", loss="softmax", negatives=16, chunk_size=8, lr=0.05),
    "rotate-bernoulli-filtered-shared": dict(model="rotate", loss="self_adversarial", margin=4.0, lr=0.05,
                                             sampler="bernoulli", filtered=True, chunk_size=8),
    "transe-filtered-sparse-adam": dict(model="transe", p=2, loss="self_adversarial", margin=4.0, lr=0.02,
                                        filtered=True, optimizer="sparse_adam"),
}


def _fit(settings, triples=None, **extra):
    triples = planted_triples(inverse=False) if triples is None else triples
    return KGModel(progress=False, **{**FAST, **settings, **extra}).fit(triples), triples


@pytest.mark.parametrize("name", list(PLANTED) + list(VARIANTS))
def test_planted_graph_is_learned_to_mrr_090(name):
    model, triples = _fit({**PLANTED, **VARIANTS}[name])
    result = model.evaluate(triples, "test")
    assert result.mrr >= 0.9, (name, result.mrr)


def test_the_config_knows_the_models():
    assert MODEL_NAMES == tuple(MODELS)
    assert DISTANCE_MODELS == tuple(name for name, cls in MODELS.items() if cls.similarity == "distance")
    with pytest.raises(KGConfigError, match="loss: expected one of"):
        KGConfig(loss="hinge")
    with pytest.raises(KGConfigError, match="p: the distance norm applies to transe and rotate"):
        KGConfig(model="complex", p=2)
    with pytest.raises(KGConfigError, match="1vsall scores every entity"):
        KGConfig(loss="1vsall", optimizer="sparse_adam")
    with pytest.raises(KGConfigError, match="lr: expected a finite number > 0"):
        KGConfig(lr=0.0)
    assert KGConfig.from_dict(KGConfig(dim=3).to_dict()) == KGConfig(dim=3)
    with pytest.raises(KGConfigError, match="unknown settings: colour"):
        KGConfig.from_dict({"colour": 1})


def test_a_seed_reproduces_the_run_and_another_seed_does_not():
    settings = dict(PLANTED["rotate"], epochs=5, chunk_size=4, filtered=True)
    a, _ = _fit(settings)
    b, _ = _fit(settings)
    c, _ = _fit(settings, seed=1)
    assert torch.equal(a.score_function.entity, b.score_function.entity)
    assert [r["loss"] for r in a.history] == [r["loss"] for r in b.history]
    assert not torch.equal(a.score_function.entity, c.score_function.entity)


def test_early_stopping_keeps_the_best_validated_weights():
    settings = dict(PLANTED["complex"], lr=0.3, epochs=40, eval_every=1, patience=2, regularization=0.0)
    model, triples = _fit(settings)
    validated = [r["metrics"]["valid_mrr"] for r in model.history if "metrics" in r]
    assert len(model.history) < 40                         # stopped early
    best = max(validated)
    assert validated[-1] < best and validated[-2] < best     # two validations without a gain
    assert model.evaluate(triples, "valid").mrr == pytest.approx(best)


def test_the_training_log_and_the_progress_bar(tmp_path, capsys):
    path = tmp_path / "run.jsonl"
    triples = planted_triples()
    model = KGModel(progress=True, **{**FAST, **PLANTED["distmult"], "epochs": 4, "eval_every": 2})
    model.fit(triples, log=path)
    run, epochs = read_training_log(path)
    assert run["wing"] == "kg" and run["unit"] == "triples" and run["config"]["model"] == "distmult"
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4]
    assert "valid_mrr" in epochs[1]["metrics"] and "metrics" not in epochs[0]
    assert all(e["per_second"] > 0 for e in epochs)
    bar = capsys.readouterr().err
    assert "triples/s" in bar and "valid_mrr" in bar and "loss" in bar
    records = []
    KGModel(progress=False, **{**FAST, **PLANTED["distmult"], "epochs": 3}).fit(triples, on_epoch=records.append)
    assert [r["epoch"] for r in records] == [1, 2, 3] and records[-1]["elapsed"] >= records[0]["seconds"]


def test_divergence_is_reported():
    with pytest.raises(RuntimeError, match="training diverged in epoch"):
        _fit(dict(model="distmult", loss="softplus", optimizer="sgd", lr=1e30, epochs=3))


def test_unfitted_model_and_foreign_triples_are_refused():
    with pytest.raises(RuntimeError, match="not trained yet"):
        KGModel().predict_tails("a", "r")
    model, triples = _fit(dict(PLANTED["distmult"], epochs=1))
    other = Triples.from_ids(np.array([[0, 0, 1]]), test=np.array([[0, 0, 1]]), num_entities=3, num_relations=1)
    with pytest.raises(ValueError, match="labels differ from the model's"):
        model.evaluate(other)


def test_the_package_lists_what_it_exports():
    import negsample.kg as kg

    assert sorted(kg.__all__) == sorted(set(kg.__all__))
    for name in kg.__all__:
        assert getattr(kg, name) is not None


def test_regularizers_by_hand():
    from negsample.kg.models import build_score_function
    from negsample.kg.objectives import regularization

    complex_model = build_score_function("complex", num_entities=4, num_relations=1, dim=2)
    head, relation, tail = torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4)

    def modulus(x):
        return torch.sqrt(x[:, :2] ** 2 + x[:, 2:] ** 2)

    expected = 0.1 / 3 * sum((modulus(x) ** 3).sum() for x in (head, relation, tail))
    torch.testing.assert_close(regularization(complex_model, head, relation, tail, "n3", 0.1), expected)
    distmult = build_score_function("distmult", num_entities=4, num_relations=1, dim=4)
    expected = 0.5 / 3 * sum((x ** 2).sum() for x in (head, relation, tail))
    torch.testing.assert_close(regularization(distmult, head, relation, tail, "l2", 0.5), expected)
    assert regularization(distmult, head, relation, tail, "none", 0.5) == 0.0
    rotate = build_score_function("rotate", num_entities=4, num_relations=1, dim=2)
    expected = 0.2 / 3 * sum((modulus(x) ** 3).sum() for x in (head, tail))          # |exp(i theta)| = 1
    torch.testing.assert_close(regularization(rotate, head, relation[:, :2], tail, "n3", 0.2), expected)


def test_a_time_budget_stops_training():
    model, _ = _fit(dict(PLANTED["distmult"], epochs=1000, max_seconds=0.3, eval_every=50))
    assert len(model.history) < 1000 and model.history[-1]["elapsed"] >= 0.3
    assert "metrics" in model.history[-1]                       # the last epoch is validated
