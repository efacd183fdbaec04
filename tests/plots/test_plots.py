"""negsample.plots: the plotted numbers, read back from the figures' artists, are the input numbers."""

import importlib
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from negsample.noise import Unigram  # noqa: E402
from negsample.plots import plot_curves, plot_noise, plot_trace, plot_vectors, project, save_figure  # noqa: E402
from negsample.training_log import TrainingLog  # noqa: E402
from negsample.word2vec.trace import trace  # noqa: E402


def _log(path, losses, rates, per_second, unit="words"):
    with TrainingLog(path, wing="word2vec", unit=unit, config={}) as log:
        for epoch, (loss, lr, speed) in enumerate(zip(losses, rates, per_second), start=1):
            log.epoch(epoch=epoch, loss=loss, seconds=1.0, per_second=speed, lr=lr)
    return path


def test_curves_overlay_the_logged_numbers(tmp_path):
    a = _log(tmp_path / "sg.jsonl", [2.0, 1.5, 1.2], [0.02, 0.01, 0.0001], [1e6, 1.1e6, 1.2e6])
    b = _log(tmp_path / "cbow.jsonl", [3.0, 2.0], [0.05, 0.0001], [2e6, float("inf")], unit="words")
    fig = plot_curves([a, b])
    loss, speed, lr = fig.axes
    assert [line.get_label() for line in loss.get_lines()] == ["sg", "cbow"]
    np.testing.assert_array_equal(loss.get_lines()[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(loss.get_lines()[0].get_ydata(), [2.0, 1.5, 1.2])
    np.testing.assert_array_equal(loss.get_lines()[1].get_ydata(), [3.0, 2.0])
    np.testing.assert_array_equal(lr.get_lines()[0].get_ydata(), [0.02, 0.01, 0.0001])
    # An infinite rate (an epoch that took no measurable time) is logged as null and left out.
    np.testing.assert_array_equal(speed.get_lines()[1].get_xdata(), [1])
    np.testing.assert_array_equal(speed.get_lines()[1].get_ydata(), [2e6])
    assert "words per second" in speed.get_title()
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["sg", "cbow"]


def test_curves_take_parsed_logs_and_labels():
    run = {"kind": "run", "wing": "kg", "unit": "triples", "config": {}}
    epochs = [{"epoch": 1, "loss": 0.5, "seconds": 2.0, "per_second": 10.0, "lr": None}]
    fig = plot_curves([(run, epochs)], labels=["TransE"])
    assert fig.axes[0].get_lines()[0].get_label() == "TransE"
    assert fig.axes[2].get_lines()[0].get_ydata().size == 0  # no learning rate logged
    assert "triples per second" in fig.axes[1].get_title()
    with pytest.raises(ValueError, match="1 logs but 2 labels"):
        plot_curves([(run, epochs)], labels=["a", "b"])


def test_noise_plot_draws_raw_smoothed_and_uniform_by_rank():
    counts = np.array([5, 400, 30, 1, 90])
    fig = plot_noise(counts, words=["e", "a", "c", "z", "b"])
    raw, noise, uniform = fig.axes[0].get_lines()
    ranked = np.sort(counts)[::-1]
    np.testing.assert_array_equal(raw.get_xdata(), np.arange(1, 6))
    np.testing.assert_allclose(raw.get_ydata(), ranked / ranked.sum())
    np.testing.assert_allclose(noise.get_ydata(), Unigram(ranked, power=0.75).probs)
    np.testing.assert_allclose(noise.get_ydata(), ranked ** 0.75 / (ranked ** 0.75).sum())
    np.testing.assert_allclose(uniform.get_ydata(), np.full(5, 0.2))
    assert [t.get_text() for t in fig.axes[0].texts] == ["a"]  # ranks 1, 10, 100, ...: only 1 of 5 words
    many = plot_noise(np.arange(250, 0, -1), words=[f"w{i}" for i in range(250)])
    assert [(t.get_text(), t.xy[0]) for t in many.axes[0].texts] == [("w0", 1), ("w9", 10), ("w99", 100)]
    assert fig.axes[0].get_xscale() == fig.axes[0].get_yscale() == "log"


def _pairwise(points):
    return np.linalg.norm(points[:, None] - points[None], axis=-1)


def test_vector_map_of_2d_vectors_keeps_their_distances():
    vectors = np.random.default_rng(0).standard_normal((6, 2))
    words = list("abcdef")
    fig = plot_vectors(vectors, words)
    ax = fig.axes[0]
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(_pairwise(np.asarray(points)), _pairwise(vectors), atol=1e-12)
    assert [t.get_text() for t in ax.texts] == words
    np.testing.assert_allclose([t.xy for t in ax.texts], points)


def test_pca_projection_is_the_leading_principal_axes():
    vectors = np.random.default_rng(1).standard_normal((20, 5)) * [5.0, 3.0, 1.0, 0.5, 0.1]
    coords = project(vectors)
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred)
    np.testing.assert_allclose(np.abs(coords), np.abs(centred @ axes[:2].T), atol=1e-10)
    # The variance kept is the two largest singular values' share.
    assert coords.var(axis=0).sum() == pytest.approx((centred @ axes[:2].T).var(axis=0).sum())


def test_tsne_map_when_scikit_learn_is_installed():
    pytest.importorskip("sklearn")
    vectors = np.random.default_rng(2).standard_normal((12, 4))
    fig = plot_vectors(vectors, [f"w{i}" for i in range(12)], method="tsne")
    assert np.asarray(fig.axes[0].collections[0].get_offsets()).shape == (12, 2)
    with pytest.raises(ValueError, match="method must be one of"):
        project(vectors, "umap")


def test_arrows_go_from_before_to_after():
    rng = np.random.default_rng(3)
    before = rng.standard_normal((4, 2))
    after = before + rng.standard_normal((4, 2)) * 0.1
    fig = plot_vectors(after, list("abcd"), before=before)
    ax = fig.axes[0]
    points, starts = (np.asarray(c.get_offsets()) for c in ax.collections[:2])
    arrows = ax.collections[2]
    np.testing.assert_allclose(np.column_stack([arrows.X, arrows.Y]), starts)
    np.testing.assert_allclose(np.column_stack([arrows.U, arrows.V]), points - starts)
    # Both ends are projected together: the arrows are the moves, as rigidly placed as the input.
    np.testing.assert_allclose(np.linalg.norm(points - starts, axis=1), np.linalg.norm(after - before, axis=1))
    with pytest.raises(ValueError, match="before has shape"):
        plot_vectors(after, list("abcd"), before=before[:3])


def test_trace_figure_shows_each_steps_loss_decrease_and_the_moves():
    t = trace(sg=1, steps=6)
    fig = plot_trace(t)
    bars = fig.axes[0].patches
    np.testing.assert_allclose([b.get_height() for b in bars], [s.loss - s.loss_after for s in t.steps])
    assert [round(b.get_x() + b.get_width() / 2) for b in bars] == list(range(1, 7))
    starts = np.asarray(fig.axes[1].collections[1].get_offsets())
    ends = np.asarray(fig.axes[1].collections[0].get_offsets())
    both = project(np.concatenate([t.inputs_before, t.inputs_after]).astype(np.float64))
    np.testing.assert_allclose(starts, both[:5], atol=1e-9)
    np.testing.assert_allclose(ends, both[5:], atol=1e-9)
    # The JSON form draws the same figure.
    again = plot_trace(t.to_dict())
    np.testing.assert_allclose([b.get_height() for b in again.axes[0].patches], [b.get_height() for b in bars])
    with pytest.raises(ValueError, match="not a trace"):
        plot_trace({"words": []})


def test_figures_save_as_png_and_svg(tmp_path):
    fig = plot_noise(np.array([3, 2, 1]))
    assert save_figure(fig, tmp_path / "n.png") == "png"
    assert (tmp_path / "n.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert save_figure(fig, tmp_path / "n.svg") == "svg"
    assert "<svg" in (tmp_path / "n.svg").read_text()
    with pytest.raises(ValueError, match=r"one of \.png, \.svg, \.pdf; got \.jpeg"):
        save_figure(fig, tmp_path / "n.jpeg")
    assert not (tmp_path / "n.jpeg").exists()


def test_importing_the_plots_without_matplotlib_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "negsample.plots" or m.startswith("negsample.plots.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(ImportError, match=r"pip install '\.\[plots\]'"):
        importlib.import_module("negsample.plots")
