"""End-to-end training: quality on planted structure, reproducibility, and bad input."""

import numpy as np
import pytest

from negsample import Word2Vec
from negsample.word2vec import TrainingDivergedError, Word2VecConfig
from negsample.word2vec.corpus import Corpus, CorpusError

CLUSTERS = 4
WORDS_PER_CLUSTER = 12


def planted_corpus(seed=0, sentences=1500, length=12):
    """Sentences each drawn from one of K disjoint topic clusters, with Zipf-skewed words inside."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, WORDS_PER_CLUSTER + 1)
    weights /= weights.sum()
    corpus = []
    for _ in range(sentences):
        cluster = rng.integers(CLUSTERS)
        words = rng.choice(WORDS_PER_CLUSTER, size=length, p=weights)
        corpus.append([f"c{cluster}w{w}" for w in words])
    return corpus


def neighbour_purity(wv, min_count=100, topn=5):
    """Per frequent word: the share of its topn nearest neighbours in its own cluster."""
    purity = {}
    for word, count in zip(wv.index_to_key, wv.vocab.counts):
        if count < min_count:
            continue
        neighbours = [w for w, _ in wv.most_similar(word, topn=topn)]
        purity[word] = np.mean([n.split("w")[0] == word.split("w")[0] for n in neighbours])
    return purity


def assert_planted_clusters_recovered(model):
    """The quality floor on planted_corpus(): every frequent word has >= 80% (and the average word
    >= 90%) of its 5 nearest neighbours in its own cluster, and the loss went down."""
    purity = neighbour_purity(model.wv)
    assert len(purity) >= CLUSTERS * 8
    worst = min(purity.values())
    assert worst >= 0.8, f"a frequent word has only {worst:.0%} same-cluster neighbours"
    assert np.mean(list(purity.values())) >= 0.9
    assert model.epoch_stats[-1].loss < model.epoch_stats[0].loss


# The classic per-pair kernels; tests/test_kernels_batched.py holds the same test for the batched ones.
@pytest.mark.parametrize("sg,hs,negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 0)],
                         ids=["sg-ns", "cbow-ns", "sg-hs", "cbow-hs"])
def test_planted_clusters_are_recovered(sg, hs, negative):
    model = Word2Vec(vector_size=24, window=4, min_count=1, sample=0, sg=sg, hs=hs, negative=negative,
                     epochs=8, workers=1, seed=3, batch_negatives=False).fit(planted_corpus())
    assert_planted_clusters_recovered(model)


def test_untrained_vectors_fail_the_quality_floor():
    """The purity floor above is not met by chance: random vectors of the same vocabulary miss it."""
    model = Word2Vec(vector_size=24, min_count=1, epochs=1, workers=1, alpha=1e-9, min_alpha=0.0)
    model.fit(planted_corpus(sentences=300))
    assert np.mean(list(neighbour_purity(model.wv, min_count=20).values())) < 0.6


@pytest.mark.parametrize("sg,hs,batch", [(1, 0, False), (1, 0, None), (0, 1, False)])
def test_one_worker_is_bit_reproducible(sg, hs, batch):
    corpus = planted_corpus(sentences=300)
    kwargs = dict(vector_size=16, min_count=1, sg=sg, hs=hs, epochs=2, workers=1, seed=11, sample=1e-2,
                  batch_negatives=batch)
    first = Word2Vec(**kwargs).fit(corpus).wv.vectors
    second = Word2Vec(**kwargs).fit(corpus).wv.vectors
    assert np.array_equal(first, second)
    third = Word2Vec(**{**kwargs, "seed": 12}).fit(corpus).wv.vectors
    assert not np.array_equal(first, third)


def test_two_workers_train_as_well():
    model = Word2Vec(vector_size=24, window=4, min_count=1, sample=0, sg=1, epochs=8, workers=2,
                     seed=3).fit(planted_corpus())
    assert np.mean(list(neighbour_purity(model.wv).values())) >= 0.9


@pytest.mark.parametrize("sg,hs,batch", [(1, 0, None), (0, 0, None), (1, 0, False), (0, 1, False)])
def test_two_workers_run_every_job_once_per_epoch(sg, hs, batch, monkeypatch):
    """Threads share one queue of jobs. A job's random stream depends only on the job, and these
    kernels' draws do not depend on the weights, so each epoch trains exactly the examples of one
    worker, whatever thread ran which job."""
    import functools

    import negsample.word2vec.training as training_module

    monkeypatch.setattr(training_module, "plan_jobs", functools.partial(training_module.plan_jobs, job_words=700))
    kwargs = dict(vector_size=8, min_count=1, sg=sg, hs=hs, negative=0 if hs else 3, epochs=3, seed=5,
                  sample=1e-2, batch_negatives=batch)
    corpus = planted_corpus(sentences=600)
    one = Word2Vec(**kwargs, workers=1).fit(corpus)
    two = Word2Vec(**kwargs, workers=2).fit(corpus)
    assert len(training_module.plan_jobs(Corpus(corpus).count_and_encode(min_count=1)[1])) > 6
    assert [s.examples for s in two.epoch_stats] == [s.examples for s in one.epoch_stats]
    assert all(np.isfinite(s.loss) for s in two.epoch_stats)


def test_a_file_and_the_same_sentences_in_a_list_train_the_same_vectors(tmp_path):
    """Files go through the compiled scanner, lists through the Python reader: same ids, same result."""
    corpus = planted_corpus(sentences=300)
    path = tmp_path / "corpus.txt"
    path.write_text("".join(" ".join(sentence) + "\n" for sentence in corpus))
    kwargs = dict(vector_size=8, min_count=2, epochs=2, workers=1, seed=2)
    from_file = Word2Vec(**kwargs).fit(path)
    from_list = Word2Vec(**kwargs).fit(corpus)
    assert from_file.wv.index_to_key == from_list.wv.index_to_key
    assert np.array_equal(from_file.wv.vectors, from_list.wv.vectors)


def test_callbacks_and_epoch_stats():
    seen = []
    model = Word2Vec(vector_size=8, min_count=1, epochs=3, workers=1)
    model.fit(planted_corpus(sentences=100), callbacks=[lambda m, s: seen.append((s.epoch, s.loss))])
    assert [e for e, _ in seen] == [1, 2, 3]
    assert all(np.isfinite(loss) and loss > 0 for _, loss in seen)
    assert [s.epoch for s in model.epoch_stats] == [1, 2, 3]


@pytest.mark.parametrize("workers", [1, 2])
def test_epochs_run_on_without_callbacks_and_train_the_same(workers, monkeypatch):
    """Without callbacks the threads do not stop between epochs; per-epoch stats are still kept, and
    with one thread (where nothing else can differ) the vectors are the same bit for bit."""
    import functools

    import negsample.word2vec.training as training_module

    monkeypatch.setattr(training_module, "plan_jobs", functools.partial(training_module.plan_jobs, job_words=300))
    kwargs = dict(vector_size=8, min_count=1, epochs=3, workers=workers, seed=4)
    corpus = planted_corpus(sentences=200)
    plain = Word2Vec(**kwargs).fit(corpus)
    seen = []
    stopped = Word2Vec(**kwargs).fit(corpus, callbacks=[lambda m, s: seen.append(m.wv.vectors.copy())])
    assert [s.epoch for s in plain.epoch_stats] == [1, 2, 3]
    assert [s.examples for s in plain.epoch_stats] == [s.examples for s in stopped.epoch_stats]
    assert all(s.seconds >= 0 for s in plain.epoch_stats) and sum(s.seconds for s in plain.epoch_stats) > 0
    assert np.array_equal(seen[-1], stopped.wv.vectors)
    if workers == 1:
        assert np.array_equal(plain.wv.vectors, stopped.wv.vectors)
        assert [s.loss for s in plain.epoch_stats] == [s.loss for s in stopped.epoch_stats]


def test_epoch_tally_finishes_epochs_in_order():
    from negsample.word2vec.training import EpochTally

    tally = EpochTally(epochs=3, jobs_per_epoch=2, alpha=0.025)
    assert tally.progress(3) == ("epoch 1/3", "lr=0.02500 loss=0.0000")
    tally.add(0, 1.0, 10, 0.02)
    tally.add(1, 2.0, 10, 0.01)
    tally.add(1, 2.0, 10, 0.01)  # epoch 2 is complete, but epoch 1 still has a job running
    assert tally.n_finished == 0
    tally.add(0, 3.0, 30, 0.02)
    assert tally.n_finished == 2
    assert tally.finished_at[0] == tally.finished_at[1] > 0
    assert tally.loss[0] == 4.0 and tally.examples[0] == 40
    assert tally.progress(3) == ("epoch 2/3", "lr=0.02000 loss=0.2000")


@pytest.mark.parametrize("regions", [1, 2, 3, 7])
def test_the_queue_takes_each_region_in_turn(regions):
    """plan_jobs(regions=r) hands out every job of the corpus once; cut in corpus order into r
    contiguous stretches of about equal tokens, the queue takes one job of each stretch in turn;
    offsets count the tokens before a job in the queue, and a job keeps its corpus place (index)."""
    from negsample.word2vec.training import plan_jobs

    rng = np.random.default_rng(regions)
    corpus = [["w"] * int(n) for n in rng.integers(1, 60, size=400)]
    _, encoded = Corpus(corpus).count_and_encode(min_count=1)
    plain = plan_jobs(encoded, job_words=90)
    queue = plan_jobs(encoded, job_words=90, regions=regions)
    assert sorted(job.index for job in queue) == [job.index for job in plain] == list(range(len(plain)))
    assert [job.offset for job in queue] == list(np.cumsum([0] + [job.words for job in queue])[:-1])
    by_index = {job.index: job for job in queue}
    assert all((by_index[p.index].chunk, by_index[p.index].token_start, by_index[p.index].token_stop)
               == (p.chunk, p.token_start, p.token_stop) for p in plain)
    # Brute force: the stretch of a job is where its first token lies in the corpus.
    total = sum(job.words for job in plain)
    starts = np.cumsum([0] + [job.words for job in plain])[:-1]
    stretch = {job.index: min(regions - 1, int(start) * regions // total) for job, start in zip(plain, starts)}
    sizes = [sum(job.words for job in plain if stretch[job.index] == r) for r in range(regions)]
    assert max(sizes) - min(sizes) <= 2 * max(job.words for job in plain)
    expected, turn = [], 0
    members = [[job.index for job in plain if stretch[job.index] == r] for r in range(regions)]
    while any(turn < len(m) for m in members):
        expected += [m[turn] for m in members if turn < len(m)]
        turn += 1
    assert [job.index for job in queue] == expected

def test_progress_reports_compiling_and_rate(capsys):
    lines = []
    Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1).fit(planted_corpus(sentences=50), log=lines.append)
    assert any(line.startswith("vocabulary:") for line in lines)
    assert any("words/s" in line for line in lines)


def test_progress_bars_cover_reading_a_file_and_training(tmp_path, capsys):
    path = tmp_path / "corpus.txt"
    path.write_text("".join(" ".join(sentence) + "\n" for sentence in planted_corpus(sentences=100)))
    Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1).fit(path, progress=True)
    err = capsys.readouterr().err
    assert "reading" in err and "epoch 1/1" in err and "vocabulary:" in err


@pytest.mark.parametrize("kwargs, message", [
    ({"vector_size": 0}, "vector_size must be an integer >= 1"),
    ({"window": 0}, "window must be an integer >= 1"),
    ({"negative": -1}, "negative must be an integer >= 0"),
    ({"hs": 0, "negative": 0}, "hs=0 with negative=0"),
    ({"alpha": 0}, "alpha must be > 0"),
    ({"alpha": float("nan")}, "alpha must be a finite number"),
    ({"sample": -1e-3}, "sample must be >= 0"),
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"min_count": 0}, "min_count must be an integer >= 1"),
    ({"workers": 0}, "workers must be an integer >= 1"),
    ({"sg": 2}, "sg must be 0"),
    ({"min_alpha": 0.5}, "min_alpha must be in"),
])
def test_invalid_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Word2Vec(**kwargs)
    with pytest.raises(ValueError, match=message):
        Word2VecConfig(**kwargs)


def test_no_word_reaches_min_count():
    with pytest.raises(CorpusError, match=r"min_count=5.*lower min_count"):
        Word2Vec(min_count=5).fit([["a", "b", "c"], ["d", "a"]])


def test_missing_and_empty_corpus(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        Word2Vec().fit(tmp_path / "nope.txt")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(CorpusError, match="empty"):
        Word2Vec().fit(tmp_path / "empty.txt")


@pytest.mark.parametrize("workers", [1, 2])
def test_divergence_stops_with_advice(workers, monkeypatch):
    import functools

    import negsample.word2vec.training as training_module

    # Short jobs, so that two threads really run (without callbacks, straight across epochs).
    monkeypatch.setattr(training_module, "plan_jobs", functools.partial(training_module.plan_jobs, job_words=300))
    with pytest.raises(TrainingDivergedError, match="diverged in epoch 1: .* lower alpha"):
        Word2Vec(vector_size=16, min_count=1, sg=0, cbow_mean=False, window=8, alpha=1e30, sample=0,
                 epochs=3, workers=workers).fit(planted_corpus(sentences=200))


def test_gensim_reads_our_vectors_and_we_read_its(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    corpus = planted_corpus(sentences=300)
    ours = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1).fit(corpus).wv
    for binary in (False, True):
        path = tmp_path / f"ours.{'bin' if binary else 'txt'}"
        ours.save_word2vec_format(path, binary=binary)
        theirs = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert theirs.index_to_key == ours.index_to_key
        np.testing.assert_allclose(theirs.vectors, ours.vectors, rtol=1e-6)
        back_path = tmp_path / f"back.{'bin' if binary else 'txt'}"
        theirs.save_word2vec_format(str(back_path), binary=binary)
        back = type(ours).load_word2vec_format(back_path, binary=binary)
        assert back.index_to_key == ours.index_to_key
        np.testing.assert_allclose(back.vectors, ours.vectors, rtol=1e-6)


def test_word2vec_keyword_defaults_are_the_configs():
    """Word2Vec spells its keywords out (for help() and editors); their defaults must be Word2VecConfig's."""
    import dataclasses
    import inspect

    signature = inspect.signature(Word2Vec.__init__).parameters
    fields = {f.name: f.default for f in dataclasses.fields(Word2VecConfig)}
    assert set(signature) - {"self"} == set(fields)
    assert {name: signature[name].default for name in fields} == fields


@pytest.mark.parametrize("sg,alpha,expected", [(1, None, 0.025), (0, None, 0.05), (0, 0.025, 0.025), (1, 0.1, 0.1)])
def test_alpha_defaults_to_the_architectures_and_an_explicit_one_is_honoured(sg, alpha, expected):
    config = Word2VecConfig(sg=sg, alpha=alpha, epochs=2)
    assert config.initial_alpha == expected
    model = Word2Vec(vector_size=8, min_count=1, sg=sg, alpha=alpha, epochs=2, workers=1, sample=0)
    model.fit(planted_corpus(sentences=50))
    # The schedule decays linearly from the initial rate to min_alpha; after epoch 1 of 2 it is halfway.
    assert model.epoch_stats[0].alpha == pytest.approx(expected - (expected - config.min_alpha) / 2)


def test_min_alpha_is_checked_against_the_rate_in_force():
    with pytest.raises(ValueError, match=r"min_alpha must be in \[0, alpha=0.05\]"):
        Word2VecConfig(sg=0, min_alpha=0.04 + 0.02)
