"""gensim's two ways of reading a corpus, and one or two workers: how much do they move its quality?

    python benchmarks/word2vec_gensim_modes.py [--data ../shared/data] [--variants CBOW-NS CBOW-HS]
                                               [--seeds 1 2 ... 10] [--epochs 10] [--suffix _x]
                                               [--members NAME ...]

benchmarks/word2vec.py runs gensim the fast way, ``corpus_file=`` with 2 workers, and holds negsample
to that run's quality. This one asks whether that run is gensim's algorithm or gensim's algorithm plus
what its corpus_file mode does with 2 threads. In that mode each thread reads its own half of the file
(from byte ``size * w / workers`` until it has read ``words / workers`` words, so the lines just after
the middle are read by both threads) and each thread's learning rate falls by its own progress through
the *whole* epoch's sentences, so within an epoch it only gets halfway down the epoch's stretch of the
linear decay before the next epoch starts it again (a saw-tooth; the last epoch ends at
``alpha * 0.05`` instead of ``min_alpha``). gensim's iterable mode (``sentences=``) and a single worker
do neither.

Members, every one on text8_prefix split in 1,000-token lines, the settings of benchmarks/word2vec.py
(vector_size 100, window 5, min_count 5, sample 1e-4, 5 negatives or hierarchical softmax, 10 epochs):

- gensim ``corpus_file``, 2 workers (the main benchmark's gensim), 1 worker, and ``sentences`` with 2
  workers (a ``LineSentence`` of the same file);
- negsample with its defaults and 2 workers;
- negsample with 2 workers given what gensim's 2-thread corpus_file mode gives its threads: the lines
  both threads read appear twice (a file with each thread's lines in turn), and the learning rate falls
  by the saw-tooth above (the library's ``learning_rate`` replaced in the child process; nothing else);
- gensim ``corpus_file`` with 2 workers and no saw-tooth: one ``train`` call per epoch, each thread's
  stretch of the decay made twice as long so that it ends the epoch where the linear decay does;
- negsample with 1 worker, and with 2 workers and no private rows (``thread_objectives`` replaced in
  the child: every thread trains the frequent words' output rows and the top of the tree in place,
  as gensim's threads do);
- negsample with 2 workers and CBOW's threads keeping the hottest output rows in private copies, as
  they did before ``CBOW_PRIVATE_OUTPUT_ROWS`` (set in the child; skip-gram always keeps them);
- negsample with 2 workers and the classic per-center kernel (``batch_negatives=False``: CBOW draws
  its negatives for each center, as gensim and the C tool do, instead of once per batch of centers);
- negsample with 2 workers and gensim's 2-thread saw-tooth schedule alone (the file read once, as is);
- two probes of how far the run is from trained out, negsample with 2 workers: the linear decay
  ending at ``0.05 * alpha`` (where gensim's saw-tooth ends) instead of ``min_alpha``, and one epoch
  more than ``--epochs``.

``--members`` runs some of them (the baseline, gensim corpus_file with 2 workers, is always run).

Beside the five quality columns the table gives the Google set's semantic sections one by one, and
each member's difference from its own system's reference member taken seed by seed (``PAIRED_REFERENCE``).

Quality only, no timing (other work may run meanwhile). Each run is a fresh process; vectors are scored
by benchmarks/word2vec_peers.py's ``score_vectors``, as in the main benchmark. The table gives mean and
standard error over seeds and every member's difference from gensim corpus_file 2 workers, with t.
Writes benchmarks/results/word2vec_gensim_modes<suffix>.{json,md}.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from word2vec import prepare_corpus
from word2vec_peers import SAMPLE, WINDOW, difference_t, evaluation_files, mean_sd, score_vectors

from negsample._atomic import atomic_write

__all__ = ["gensim_thread_lines", "main", "paired_difference", "paired_table", "semantic_sections_table"]

HERE = Path(__file__).resolve().parent
VARIANTS = {"SG-NS": (1, 0, 5, 0.025), "CBOW-NS": (0, 0, 5, 0.05), "SG-HS": (1, 1, 0, 0.025),
            "CBOW-HS": (0, 1, 0, 0.05)}  # name: (sg, hs, negative, alpha: each one's default in negsample)
MEMBERS = {  # name: (system, how it reads, workers)
    "gensim corpus_file, 2 workers": ("gensim", "corpus_file", 2),
    "gensim corpus_file, 1 worker": ("gensim", "corpus_file", 1),
    "gensim sentences, 2 workers": ("gensim", "sentences", 2),
    "negsample, 2 workers": ("negsample", "default", 2),
    "negsample, gensim's 2-thread reading and schedule": ("negsample", "gensim_threads", 2),
    "gensim corpus_file, 2 workers, linear schedule": ("gensim", "corpus_file_linear", 2),
    "negsample, 1 worker": ("negsample", "default", 1),
    "negsample, 2 workers, no private rows": ("negsample", "no_private_rows", 2),
    "negsample, 2 workers, private output rows": ("negsample", "private_output_rows", 2),
    "negsample, 2 workers, classic kernel": ("negsample", "classic_kernel", 2),
    "negsample, 2 workers, gensim's saw-tooth": ("negsample", "sawtooth", 2),
    "negsample, 2 workers, rate floor 0.05 x alpha": ("negsample", "rate_floor", 2),
    "negsample, 2 workers, one more epoch": ("negsample", "one_more_epoch", 2),
}
BASELINE = "gensim corpus_file, 2 workers"
# Runs of one system with the same seed share their start (initial vectors, the random streams), so
# the difference between two members of one system, taken seed by seed, has a standard error several
# times smaller than the difference of their means: each member is also paired with its system's
# reference member.
PAIRED_REFERENCE = {"gensim": BASELINE, "negsample": "negsample, 2 workers"}
QUALITY = [("analogy", "analogy"), ("semantic", "semantic"), ("syntactic", "syntactic"), ("ws353", "WS-353"),
           ("simlex", "SimLex-999")]

_CHILD = r"""
import json, sys
spec = json.loads(sys.argv[1])
params = dict(vector_size=100, window=spec["window"], min_count=5, sample=spec["sample"], sg=spec["sg"],
              hs=spec["hs"], negative=spec["negative"], epochs=spec["epochs"], workers=spec["workers"],
              seed=spec["seed"], alpha=spec["alpha"])
if spec["system"] == "gensim":
    from gensim.models import Word2Vec
    if spec["reading"] == "corpus_file":
        model = Word2Vec(corpus_file=spec["corpus"], **params)
    elif spec["reading"] == "corpus_file_linear":
        # one train() per epoch; each of w threads gets 1/w of the epoch's sentences, so its stretch of
        # the decay is made w times as long for it to end the epoch where the linear decay does
        model = Word2Vec(**params)
        model.build_vocab(corpus_file=spec["corpus"])
        first, last, epochs = model.alpha, model.min_alpha, spec["epochs"]
        for epoch in range(epochs):
            start = first - (first - last) * epoch / epochs
            stop = first - (first - last) * (epoch + 1) / epochs
            model.train(corpus_file=spec["corpus"], total_words=model.corpus_total_words,
                        total_examples=model.corpus_count, epochs=1, start_alpha=start,
                        end_alpha=start - (start - stop) * spec["workers"])
    else:
        from gensim.models.word2vec import LineSentence
        model = Word2Vec(sentences=LineSentence(spec["corpus"]), **params)
else:
    import negsample.word2vec.training as training
    from negsample import Word2Vec
    if spec["reading"] in ("gensim_threads", "sawtooth"):
        def sawtooth(cfg, epoch, offset, epoch_words, workers=spec["workers"]):
            # each of gensim's threads counts its own share of the epoch against the whole epoch
            progress = (epoch + offset / epoch_words / workers) / cfg.epochs
            return max(cfg.min_alpha, cfg.initial_alpha - (cfg.initial_alpha - cfg.min_alpha) * progress)
        training.learning_rate = sawtooth
    if spec["reading"] == "no_private_rows":  # every thread trains every output row in place
        training.thread_objectives = lambda negative, tree, **_: (negative, tree, [])
    if spec["reading"] == "private_output_rows":  # CBOW's threads as before: hot output rows private
        training.CBOW_PRIVATE_OUTPUT_ROWS = True
    if spec["reading"] == "classic_kernel":  # each center draws its own negatives
        params["batch_negatives"] = False
    if spec["reading"] == "rate_floor":  # the linear decay ends where gensim's saw-tooth does
        params["min_alpha"] = 0.05 * spec["alpha"]
    if spec["reading"] == "one_more_epoch":
        params["epochs"] += 1
    model = Word2Vec(**params).fit(spec["corpus"], log=lambda line: None)
model.wv.save_word2vec_format(spec["save"], binary=True)
print("RESULT done")
"""


def gensim_thread_lines(lines: list[str], workers: int, batch_words: int = 20_000) -> list[list[int]]:
    """The lines each of gensim's corpus_file threads trains in an epoch (indices into ``lines``).

    Thread ``w`` starts at the line holding byte ``size * w / workers`` of the file and reads whole
    lines until it has read more than ``words / workers`` words or the file ends. It tests that count
    only between batches, which gensim fills up to 10,000 words *after* subsampling: at sample 1e-4
    text8 keeps about half its tokens, hence batches of ``batch_words`` = 20,000 raw words here. A
    model of gensim's reading, not a copy: on text8_prefix it has both threads read 19 lines (19,000
    words) where gensim's log counts 12,682 more words per epoch than the file holds.

    >>> gensim_thread_lines(["a b", "c d", "e f", "g h"], 2, batch_words=1)
    [[0, 1, 2], [2, 3]]
    """
    sizes = [len(line.encode()) + 1 for line in lines]
    words = [len(line.split()) for line in lines]
    total_bytes, total_words = sum(sizes), sum(words)
    starts = list(itertools.accumulate(sizes, initial=0))[:-1]  # each line's first byte
    result = []
    for w in range(workers):
        offset = total_bytes * w / workers
        first = max(i for i, start in enumerate(starts) if start <= offset)
        taken, read, batch = [], 0, 0
        for index in range(first, len(lines)):
            taken.append(index)
            read += words[index]
            batch += words[index]
            if batch >= batch_words:
                batch = 0
                if read > total_words / workers:
                    break
        result.append(taken)
    return result


def gensim_threads_corpus(corpus: Path, work: Path, workers: int) -> Path:
    """``corpus`` rewritten as gensim's ``workers`` threads read it: each thread's lines in turn."""
    path = work / f"text8_prefix.gensim{workers}threads.lines"
    if not path.exists():
        lines = corpus.read_text().splitlines()
        with atomic_write(path) as f:  # a run stopped mid-write leaves no partial corpus to reuse
            f.write("".join(lines[i] + "\n" for part in gensim_thread_lines(lines, workers) for i in part))
    return path


def run_member(member: str, variant: str, seed: int, corpora: dict, epochs: int, folder: Path) -> Path:
    system, reading, workers = MEMBERS[member]
    sg, hs, negative, alpha = VARIANTS[variant]
    save = folder / f"{system}_{reading}_{workers}_{variant}_{seed}.bin"
    spec = dict(system=system, reading=reading, workers=workers, sg=sg, hs=hs, negative=negative, alpha=alpha,
                seed=seed, epochs=epochs, window=WINDOW, sample=SAMPLE, corpus=str(corpora[reading]), save=str(save))
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(spec)], capture_output=True, text=True)
    if proc.returncode != 0 or "RESULT" not in proc.stdout:
        raise RuntimeError(f"{member} / {variant} / seed {seed} failed:\n{proc.stderr[-3000:]}")
    return save


def markdown(results: list[dict], command: str, args) -> str:
    out = ["# gensim's corpus_file mode, its iterable mode and one worker, beside negsample", "",
           f"Command: `{command}`", "",
           f"text8_prefix, 1,000-token lines, {args.epochs} epochs, seeds {' '.join(map(str, args.seeds))}; "
           "mean ± standard error over seeds, then each member minus gensim corpus_file 2 workers (t).", ""]
    for variant in args.variants:
        rows = {member: [r for r in results if r["variant"] == variant and r["member"] == member]
                for member in MEMBERS if any(r["member"] == member for r in results)}
        alpha = VARIANTS[variant][3]
        out += [f"## {variant}, alpha {alpha}", "",
                "| member | " + " | ".join(title for _, title in QUALITY) + " |",
                "|---|" + "---:|" * len(QUALITY)]
        for member, runs in rows.items():
            cells = []
            for key, _ in QUALITY:
                mean, sd = mean_sd([r[key] for r in runs])
                cells.append(f"{mean:.4f} ± {sd / max(len(runs), 1) ** 0.5:.4f}")
            out.append(f"| {member} | " + " | ".join(cells) + " |")
        out += ["", f"Difference from {BASELINE}:", "",
                "| member | " + " | ".join(title for _, title in QUALITY) + " |", "|---|" + "---:|" * len(QUALITY)]
        for member, runs in rows.items():
            if member == BASELINE:
                continue
            cells = []
            for key, _ in QUALITY:
                diff, t = difference_t([r[key] for r in runs], [r[key] for r in rows[BASELINE]])
                cells.append(f"{diff:+.4f} (t {t:+.1f})")
            out.append(f"| {member} | " + " | ".join(cells) + " |")
        out += [""] + paired_table(rows) + [""] + semantic_sections_table(rows) + [""]
    return "\n".join(out)


def paired_difference(runs: list[dict], reference: list[dict], key: str) -> tuple[float, float, int]:
    """(mean, standard error, seeds) of ``run[key] - reference_run[key]`` over the seeds both ran;
    the error is NaN below 2 seeds.

    >>> paired_difference([{"seed": 1, "x": 0.5}, {"seed": 2, "x": 0.7}, {"seed": 3, "x": 0.9}],
    ...                   [{"seed": 1, "x": 0.4}, {"seed": 2, "x": 0.4}], "x")
    (0.2, 0.1, 2)
    """
    theirs = {run["seed"]: run[key] for run in reference}
    diffs = [run[key] - theirs[run["seed"]] for run in runs if run["seed"] in theirs]
    mean, sd = mean_sd(diffs)
    return round(mean, 12), (round(sd / len(diffs) ** 0.5, 12) if len(diffs) > 1 else float("nan")), len(diffs)


def paired_table(rows: dict[str, list[dict]]) -> list[str]:
    """Markdown lines: each member minus its system's reference member (``PAIRED_REFERENCE``), seed by
    seed, as difference ± standard error (t); [] when no member has a reference beside it."""
    lines = []
    for member, runs in rows.items():
        reference = PAIRED_REFERENCE[MEMBERS[member][0]]
        if member == reference or reference not in rows:
            continue
        cells = []
        for key, _ in QUALITY:
            diff, se, _ = paired_difference(runs, rows[reference], key)
            t = diff / se if se > 0 else float("nan")
            cells.append(f"{diff:+.4f} ± {se:.4f} (t {t:+.1f})")
        lines.append(f"| {member} − {reference} | " + " | ".join(cells) + " |")
    if not lines:
        return []
    return (["Paired by seed (each member minus its own system's reference run of the same seed):", "",
             "| member − reference | " + " | ".join(title for _, title in QUALITY) + " |",
             "|---|" + "---:|" * len(QUALITY)] + lines)


def semantic_sections_table(rows: dict[str, list[dict]]) -> list[str]:
    """Markdown lines: each member's accuracy on each semantic section of the Google set (mean over
    its runs of correct / total), with the questions a section holds; [] when no run has sections.

    >>> runs = [{"sections": {"family": [3, 10], "gram1-adjective-to-adverb": [1, 4]}},
    ...         {"sections": {"family": [5, 10], "gram1-adjective-to-adverb": [2, 4]}}]
    >>> print("\\n".join(semantic_sections_table({"m": runs})))
    Semantic sections (accuracy, mean over seeds):
    <BLANKLINE>
    | member | family (10) |
    |---|---:|
    | m | 0.4000 |
    """
    names = []
    for runs in rows.values():
        for run in runs:
            names += [name for name in run.get("sections", {}) if not name.startswith("gram") and name not in names]
    if not names:
        return []
    totals = {name: next(run["sections"][name][1] for runs in rows.values() for run in runs
                         if name in run.get("sections", {})) for name in names}
    out = ["Semantic sections (accuracy, mean over seeds):", "",
           "| member | " + " | ".join(f"{name} ({totals[name]})" for name in names) + " |",
           "|---|" + "---:|" * len(names)]
    for member, runs in rows.items():
        cells = []
        for name in names:
            values = [run["sections"][name][0] / run["sections"][name][1] for run in runs
                      if run.get("sections", {}).get(name, [0, 0])[1]]
            cells.append(f"{mean_sd(values)[0]:.4f}" if values else "-")
        out.append(f"| {member} | " + " | ".join(cells) + " |")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=["CBOW-NS", "CBOW-HS"])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 11)))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--suffix", default="")
    parser.add_argument("--members", nargs="+", choices=list(MEMBERS), default=list(MEMBERS),
                        help="members to run (default: all; the baseline is always run)")
    args = parser.parse_args(argv)
    members = [BASELINE] + [member for member in MEMBERS if member in args.members and member != BASELINE]
    if not (args.data / "text8_prefix.zip").exists():
        sys.exit(f"--data {args.data}: text8_prefix.zip not found there (see ../shared/data/README.md)")
    work = HERE / "_work"
    work.mkdir(exist_ok=True)
    corpus, _ = prepare_corpus(args.data, work)
    corpora = {reading: corpus for _, reading, _ in MEMBERS.values()}  # every member reads the file as is
    corpora["gensim_threads"] = gensim_threads_corpus(corpus, work, 2)  # but this one
    files = evaluation_files(args.data)
    results = []
    with tempfile.TemporaryDirectory(dir=work) as folder:
        for variant in args.variants:
            for seed in args.seeds:
                for member in members:
                    vectors = run_member(member, variant, seed, corpora, args.epochs, Path(folder))
                    scores = score_vectors(vectors, files)
                    results.append({"variant": variant, "member": member, "seed": seed, **scores})
                    print(f"{variant} | {member} | seed {seed}: analogy {scores['analogy']:.4f} semantic "
                          f"{scores['semantic']:.4f} WS-353 {scores['ws353']:.4f}", flush=True)
                    os.remove(vectors)
    argv_shown = sys.argv[1:] if argv is None else argv
    command = "python benchmarks/word2vec_gensim_modes.py " + " ".join(shlex.quote(a) for a in argv_shown)
    results_dir = HERE / "results"
    stem = results_dir / f"word2vec_gensim_modes{args.suffix}"
    table = markdown(results, command.strip(), args)
    for path, text in ((stem.with_suffix(".json"), json.dumps({"command": command, "runs": results}, indent=1)),
                       (stem.with_suffix(".md"), table)):
        with atomic_write(path) as f:
            f.write(text)
    print(table)


if __name__ == "__main__":
    main()
