"""Serving: predictions by name (known triples filtered), save/load without pickle, and bad model files."""

import zipfile

import numpy as np
import pytest
import torch
from kg_planted import one_torch_thread, planted_triples  # noqa: F401 (a fixture)

from negsample.kg import KGModel, KGModelFormatError, Prediction, Triples, UnknownLabelError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SETTINGS = dict(model="complex", loss="softplus", dim=8, negatives=4, epochs=3, batch_size=32, eval_every=0, lr=0.02)


@pytest.fixture(scope="module")
def labelled():
    """The planted graph with names: e0 .. e47 and rel0 .. rel3."""
    ids = planted_triples()

    def named(rows):
        return [(f"e{h}", f"rel{r}", f"e{t}") for h, r, t in rows.tolist()]

    return Triples.from_labels(named(ids.train), named(ids.valid), named(ids.test))


def _brute_tails(model, head, relation, filter_known):
    sf = model.score_function
    h, r = model.entities.index(head), model.relations.index(relation)
    with torch.no_grad():
        scores = sf.score(torch.full((len(model.entities),), h), torch.full((len(model.entities),), r),
                          torch.arange(len(model.entities)))
    known = {t for hh, rr, t in model._known.tolist() if (hh, rr) == (h, r)} if filter_known else set()
    order = sorted((e for e in range(len(model.entities)) if e not in known), key=lambda e: (-float(scores[e]), e))
    return [model.entities[e] for e in order]


@pytest.mark.parametrize("filter_known", [True, False])
def test_predict_tails_and_heads_rank_by_score_with_names(labelled, filter_known):
    model = KGModel(progress=False, **SETTINGS).fit(labelled)
    tails = model.predict_tails("e0", "rel0", k=10, filter_known=filter_known)
    assert all(isinstance(p, Prediction) for p in tails) and [p.rank for p in tails] == list(range(1, 11))
    assert [p.entity for p in tails] == _brute_tails(model, "e0", "rel0", filter_known)[:10]
    assert all(a.score >= b.score for a, b in zip(tails, tails[1:]))
    known_tails = {t for h, r, t in labelled.labels_of(labelled.known()) if (h, r) == ("e0", "rel0")}
    if filter_known:
        assert not known_tails & {p.entity for p in tails}
    heads = model.predict_heads("rel0", "e6", k=48, filter_known=filter_known)
    known_heads = {h for h, r, t in labelled.labels_of(labelled.known()) if (r, t) == ("rel0", "e6")}
    assert len(heads) == 48 - (len(known_heads) if filter_known else 0)
    batch = model.predict_tails(["e0", "e1"], ["rel0", "rel0"], k=3, filter_known=filter_known)
    assert [p.entity for p in batch[0]] == [p.entity for p in tails[:3]] and len(batch[1]) == 3
    np.testing.assert_allclose([p.score for p in batch[0]], [p.score for p in tails[:3]], rtol=1e-5)


def test_inverse_models_predict_heads_through_the_inverse_relation(labelled):
    model = KGModel(progress=False, **{**SETTINGS, "inverse": True}).fit(labelled)
    assert model.relations[-1].endswith("__inverse")
    heads = model.predict_heads("rel0", "e6", k=5, filter_known=False)
    assert [p.entity for p in heads] == _brute_tails(model, "e6", "rel0__inverse", False)[:5]
    with pytest.raises(ValueError, match="not an inverse one"):
        model.predict_tails("e6", "rel0__inverse")


def test_a_loaded_model_predicts_and_evaluates_the_same(labelled, tmp_path):
    model = KGModel(progress=False, **{**SETTINGS, "model": "rotate", "loss": "self_adversarial"}).fit(labelled)
    model.metadata = {"unseen": "keep"}
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as data:           # nothing in the file needs pickle
        assert {"entity", "relation", "known", "header"} <= set(data.files)
    loaded = KGModel.load(path)
    assert loaded.config == model.config and loaded.metadata == {"unseen": "keep"}
    assert loaded.entities == model.entities and loaded.relations == model.relations
    torch.testing.assert_close(loaded.score_function.entity, model.score_function.entity, rtol=0, atol=0)
    for filter_known in (True, False):
        assert loaded.predict_tails("e3", "rel0", 7, filter_known=filter_known) == \
            model.predict_tails("e3", "rel0", 7, filter_known=filter_known)
        assert loaded.predict_heads("rel1", "e20", 7, filter_known=filter_known) == \
            model.predict_heads("rel1", "e20", 7, filter_known=filter_known)
    np.testing.assert_array_equal(loaded.evaluate(labelled).tail_ranks, model.evaluate(labelled).tail_ranks)


def test_unknown_names_are_named_with_suggestions(labelled):
    model = KGModel(progress=False, **SETTINGS).fit(labelled)
    with pytest.raises(UnknownLabelError, match=r"unknown entity 'e100' \(48 known\); did you mean"):
        model.predict_tails("e100", "rel0")
    with pytest.raises(UnknownLabelError, match="unknown relation 'rel9'"):
        model.predict_heads("rel9", "e1")
    with pytest.raises(ValueError, match="got 2 entities but 1 relations"):
        model.predict_tails(["e1", "e2"], ["rel0"])


def test_bad_model_files_are_named(tmp_path, labelled):
    with pytest.raises(KGModelFormatError, match="no such model file"):
        KGModel.load(tmp_path / "absent.npz")
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(KGModelFormatError, match=r"text\.npz: not a negsample knowledge-graph model"):
        KGModel.load(tmp_path / "text.npz")
    np.savez(tmp_path / "plain.npz", entity=np.zeros(3))
    with pytest.raises(KGModelFormatError, match="no header"):
        KGModel.load(tmp_path / "plain.npz")
    np.savez(tmp_path / "other.npz", header=np.array('{"format": "something/9"}'))
    with pytest.raises(KGModelFormatError, match="format 'something/9'"):
        KGModel.load(tmp_path / "other.npz")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, header=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(KGModelFormatError, match="pickle"):
        KGModel.load(pickled)
    model = KGModel(progress=False, **SETTINGS).fit(labelled)
    model.save(tmp_path / "good.npz")
    with zipfile.ZipFile(tmp_path / "good.npz") as z, zipfile.ZipFile(tmp_path / "cut.npz", "w") as out:
        for name in z.namelist():
            if name != "relation.npy":
                out.writestr(name, z.read(name))
    with pytest.raises(KGModelFormatError, match="missing arrays relation"):
        KGModel.load(tmp_path / "cut.npz")
