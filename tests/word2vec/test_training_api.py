"""gensim's training API on negsample's Word2Vec: build_vocab / train, continued training on more text,
whole-model save / load and resuming an interrupted schedule, predict_output_word, starting from
C-format vectors."""

import numpy as np
import pytest
from test_word2vec import CLUSTERS, planted_corpus

from negsample import Word2Vec
from negsample.vocab import RULE_DISCARD
from negsample.word2vec.persistence import ModelFileError

SETTINGS = dict(vector_size=16, window=3, min_count=1, sample=0, epochs=4, workers=1, seed=5)


def _extra_cluster(sentences=400, seed=1):
    """Sentences of a fifth cluster whose words the planted corpus never uses."""
    rng = np.random.default_rng(seed)
    return [[f"new{w}" for w in rng.integers(0, 6, size=10)] for _ in range(sentences)]


@pytest.mark.parametrize("sg,hs,negative", [(1, 0, 5), (0, 1, 0)], ids=["sg-ns", "cbow-hs"])
@pytest.mark.parametrize("as_file", [False, True], ids=["list", "file"])
def test_build_vocab_then_train_is_fit(tmp_path, sg, hs, negative, as_file):
    corpus = planted_corpus(sentences=300)
    if as_file:
        path = tmp_path / "corpus.txt"
        path.write_text("\n".join(" ".join(s) for s in corpus) + "\n")
        corpus = path
    settings = dict(SETTINGS, sg=sg, hs=hs, negative=negative)
    fitted = Word2Vec(**settings).fit(corpus)
    stepwise = Word2Vec(**settings).build_vocab(corpus)
    stepwise.train(corpus, total_examples=stepwise.corpus_count, epochs=stepwise.epochs)
    assert stepwise.wv.index_to_key == fitted.wv.index_to_key
    np.testing.assert_array_equal(stepwise.wv.vectors, fitted.wv.vectors)
    assert [s.loss for s in stepwise.epoch_stats] == [s.loss for s in fitted.epoch_stats]


def test_continued_training_learns_new_words_and_keeps_the_old():
    model = Word2Vec(**SETTINGS).fit(planted_corpus(sentences=600))
    old_words = list(model.wv.index_to_key)
    old_vectors, old_context = model.wv.vectors.copy(), model.context_vectors.copy()
    extra = _extra_cluster()
    model.build_vocab(extra, update=True)
    assert model.wv.index_to_key[:len(old_words)] == old_words and len(model.wv) == len(old_words) + 6
    np.testing.assert_array_equal(model.wv.vectors[:len(old_words)], old_vectors)
    assert (model.context_vectors[len(old_words):] == 0).all()
    assert (np.abs(model.wv.vectors[len(old_words):]) <= 1 / 16).all()
    model.train(extra, total_examples=model.corpus_count, epochs=3)
    assert model.epochs_trained == 4 + 3 and model.schedule.epochs == 3 and model.schedule.seed != 5
    assert not np.array_equal(model.context_vectors[:len(old_words)], old_context)
    # The new words found each other; old words keep their old neighbours.
    assert all(w.startswith("new") for w, _ in model.wv.most_similar("new0", topn=5))
    cluster = old_words[0].split("w")[0]
    assert all(w.split("w")[0] == cluster for w, _ in model.wv.most_similar(old_words[0], topn=3))


def test_train_schedule_epochs_and_alphas():
    corpus = planted_corpus(sentences=200)
    model = Word2Vec(**SETTINGS).build_vocab(corpus)
    model.train(corpus, epochs=2, start_alpha=0.02, end_alpha=0.01)
    assert [s.epoch for s in model.epoch_stats] == [1, 2]
    assert [s.alpha for s in model.epoch_stats] == pytest.approx([0.015, 0.01])
    with pytest.warns(UserWarning, match="total_words=5, but .* holds 2400 tokens"):
        model.train(corpus, total_words=5, epochs=1)
    with pytest.raises(ValueError, match="total_examples must be an integer"):
        model.train(corpus, total_examples=-1)
    with pytest.raises(ValueError, match="train needs a vocabulary"):
        Word2Vec(**SETTINGS).train(corpus)
    with pytest.raises(ValueError, match="needs a model with a vocabulary"):
        Word2Vec(**SETTINGS).build_vocab(corpus, update=True)
    with pytest.raises(ValueError, match="pass the corpus once"):
        model.train(corpus, corpus_file="x.txt")


def test_fit_with_update_and_trim_rule():
    model = Word2Vec(**SETTINGS).fit(planted_corpus(sentences=300))
    n = len(model.wv)
    model.fit(_extra_cluster(100), update=True)
    assert len(model.wv) == n + 6 and model.epochs_trained == 8
    trimmed = Word2Vec(**SETTINGS).fit(planted_corpus(sentences=300),
                                       trim_rule=lambda w, c, m: RULE_DISCARD if w.endswith("w0") else 0)
    assert len(trimmed.wv) == n - CLUSTERS and "c0w0" not in trimmed.wv


def test_whole_model_save_load_round_trip(tmp_path):
    corpus = planted_corpus(sentences=300)
    model = Word2Vec(**dict(SETTINGS, hs=1)).fit(corpus)
    path = tmp_path / "model.npz"
    model.save(path)
    back = Word2Vec.load(path)
    assert back.config == model.config and back.wv.index_to_key == model.wv.index_to_key
    for name in ("context_vectors", "node_vectors", "keep_prob"):
        np.testing.assert_array_equal(getattr(back, name), getattr(model, name))
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(back.vocab.counts, model.vocab.counts)
    assert back.epoch_stats == model.epoch_stats and back.epochs_trained == 4 and back.schedule == model.schedule
    # Going on from the loaded model is going on from the original.
    extra = _extra_cluster(100)
    for m in (model, back):
        m.build_vocab(extra, update=True)
        m.train(extra, epochs=2)
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(back.node_vectors, model.node_vectors)


@pytest.mark.parametrize("sg,hs,negative,batch", [(1, 0, 5, True), (0, 1, 3, False)], ids=["sg-batched", "cbow-hs-ns"])
def test_a_resumed_schedule_gives_the_uninterrupted_vectors(tmp_path, sg, hs, negative, batch):
    corpus = planted_corpus(sentences=300)
    settings = dict(SETTINGS, sg=sg, hs=hs, negative=negative, batch_negatives=batch, epochs=5)
    whole = Word2Vec(**settings).fit(corpus)
    checkpoint = tmp_path / "checkpoint.npz"

    def crash_after_two(model, stats):
        model.save(checkpoint)
        if stats.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Word2Vec(**settings).fit(corpus, callbacks=[crash_after_two])
    resumed = Word2Vec.load(checkpoint)
    assert resumed.schedule.done == 2 and resumed.epochs_trained == 2
    resumed.train(corpus, resume=True)
    np.testing.assert_array_equal(resumed.wv.vectors, whole.wv.vectors)
    assert [s.loss for s in resumed.epoch_stats] == [s.loss for s in whole.epoch_stats]
    assert resumed.schedule.finished and resumed.epochs_trained == 5
    with pytest.raises(ValueError, match="nothing to resume"):
        resumed.train(corpus, resume=True)
    with pytest.raises(ValueError, match="leave epochs"):
        Word2Vec.load(checkpoint).train(corpus, resume=True, epochs=3)


def test_loading_anything_else_is_a_clear_error(tmp_path):
    model = Word2Vec(**SETTINGS).fit(planted_corpus(sentences=100))
    (tmp_path / "text.txt").write_text("not a model\n")
    model.wv.save(tmp_path / "vectors.npz")
    model.save(tmp_path / "model.npz")
    data = (tmp_path / "model.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    cases = [("text.txt", "not an .npz archive"), ("vectors.npz", "KeyedVectors.load"),
             ("cut.npz", "not an .npz archive|cannot read"), ("missing.npz", "no such model file")]
    for name, message in cases:
        with pytest.raises(ModelFileError, match=message):
            Word2Vec.load(tmp_path / name)
    with pytest.raises(ValueError, match="no vocabulary yet"):
        Word2Vec().save(tmp_path / "empty.npz")


def test_predict_output_word_by_hand():
    model = Word2Vec(**dict(SETTINGS, sg=0)).fit(planted_corpus(sentences=300))
    context = ["c1w0", "c1w1", "unknown"]
    hidden = model.wv[["c1w0", "c1w1"]].astype(np.float64).mean(axis=0)
    scores = model.context_vectors.astype(np.float64) @ hidden
    probs = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    got = model.predict_output_word(context, topn=4)
    assert [w for w, _ in got] == [model.wv.index_to_key[i] for i in np.argsort(-probs)[:4]]
    np.testing.assert_allclose([p for _, p in got], np.sort(probs)[::-1][:4], rtol=1e-4)
    assert all(w.startswith("c1") for w, _ in got)
    with pytest.raises(ValueError, match="needs a model trained with negative sampling"):
        Word2Vec(**dict(SETTINGS, hs=1, negative=0)).fit(planted_corpus(sentences=100)).predict_output_word(["c0w0"])


def test_training_starts_from_c_format_vectors(tmp_path):
    corpus = planted_corpus(sentences=300)
    pretrained = Word2Vec(**SETTINGS).fit(corpus).wv
    path = tmp_path / "pretrained.bin"
    pretrained.save_word2vec_format(path, binary=True)
    model = Word2Vec(**dict(SETTINGS, seed=9)).build_vocab(corpus + _extra_cluster(50))
    assert model.wv.intersect_word2vec_format(path, binary=True) == len(pretrained)
    np.testing.assert_array_equal(model.wv[pretrained.index_to_key], pretrained.vectors)
    model.train(corpus, epochs=1, start_alpha=0.001)
    drift = np.abs(model.wv[pretrained.index_to_key] - pretrained.vectors).max()
    assert 0 < drift < 0.05  # trained on from the file's vectors, not from scratch


def test_gensim_attribute_names():
    model = Word2Vec(**SETTINGS).fit(planted_corpus(sentences=100))
    assert (model.epochs, model.window, model.vector_size, model.negative) == (4, 3, 16, 5)
    assert model.syn1neg is model.context_vectors and model.syn1 is None
    with pytest.raises(AttributeError):
        _ = model.no_such_setting
    model.wv.add_vectors(["extra"], np.zeros((1, 16)))
    with pytest.raises(ValueError, match="no longer holds the model's vocabulary"):
        model.train(planted_corpus(sentences=50))


def test_shrink_windows_false_trains_full_windows():
    corpus = planted_corpus(sentences=300)
    full = Word2Vec(**dict(SETTINGS, shrink_windows=False)).fit(corpus)
    shrunk = Word2Vec(**SETTINGS).fit(corpus)
    assert full.config.shrink_windows is False and not np.array_equal(full.wv.vectors, shrunk.wv.vectors)
    cluster = full.wv.index_to_key[0].split("w")[0]
    assert all(w.split("w")[0] == cluster for w, _ in full.wv.most_similar(full.wv.index_to_key[0], topn=3))
    with pytest.raises(ValueError, match="shrink_windows must be True or False"):
        Word2Vec(shrink_windows=2)


def test_cbow_threads_train_the_output_rows_in_place_and_skipgram_threads_in_private_copies(monkeypatch):
    """With several threads, skip-gram keeps the hottest output rows private per thread; CBOW trains
    them in place (its copies cost semantic accuracy at alpha 0.05 and bought no speed), while the
    top of the Huffman tree stays private for both."""
    import negsample.word2vec.training as training
    from negsample import Word2Vec

    seen = []
    real = training.thread_objectives

    def recording(negative, tree, **kwargs):
        own_negative, own_tree, private = real(negative, tree, **kwargs)
        seen.append((own_negative is negative, own_tree is tree, len(private)))
        return own_negative, own_tree, private

    monkeypatch.setattr(training, "thread_objectives", recording)
    sentences = [[f"w{(i * 7 + j) % 50}" for j in range(40)] for i in range(600)]
    for sg, expected in [(1, (False, True, 1)), (0, (True, True, 0))]:
        seen.clear()
        Word2Vec(vector_size=8, min_count=1, sg=sg, epochs=1, workers=2, seed=1).fit(sentences, log=lambda line: None)
        assert seen and all(s == expected for s in seen), (sg, seen)
    seen.clear()
    Word2Vec(vector_size=8, min_count=1, sg=0, hs=1, negative=0, epochs=1, workers=2, seed=1).fit(
        sentences, log=lambda line: None)
    assert seen and all(s == (True, False, 1) for s in seen), seen  # CBOW-HS: the tree's top still private


def test_private_rows_of_a_small_vocabulary_sync_as_often_per_row():
    """Threads on a small vocabulary: every output row is private, so each thread must add its change
    back proportionally sooner (40,000 tokens at 8,192 rows). It synced every 40,000 tokens whatever
    the vocabulary, and gensim's test_parallel failed in 10 of 24 seeds (4 with this rule; see
    benchmarks/word2vec_small_vocab.py)."""
    from negsample.word2vec.objectives import build_objectives
    from negsample.word2vec.training import HOT_ROWS, HOT_SYNC_WORDS, JOB_WORDS, thread_objectives

    for n_words, expected in [(889, 4340), (HOT_ROWS, HOT_SYNC_WORDS), (100_000, HOT_SYNC_WORDS)]:
        negative, _ = build_objectives(np.arange(n_words, 0, -1), dim=4, negative=5, hs=False)
        own, _, private = thread_objectives(negative, None)
        assert own.hot.shape[0] == min(n_words, HOT_ROWS) and private[0].sync_words == expected
        assert own.sync_every == (expected if expected < JOB_WORDS else 0)  # synced inside the job when sooner
