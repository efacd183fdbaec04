"""word2vec throughput and quality: negsample vs gensim, side by side on one machine.

    python benchmarks/word2vec.py [--scenarios text8 zipf1m scaling] [--data ../shared/data]
                                  [--seeds 1 2 3] [--epochs 10] [--workers 2]

Scenarios:
- text8: every variant on text8_prefix, speed and quality (Google analogies with restrict_vocab=30000 and
  WordSim-353 Spearman, computed with negsample's evaluators, which reproduce gensim's numbers exactly;
  see tests/word2vec/test_word2vec_evaluation.py).
- zipf1m: a synthetic Zipf corpus with a 1,000,000-word vocabulary at vector_size 300, where the rows no
  longer fit in any cache (speed only).
- scaling: 1 worker against 2, whole run and training alone.

Each (system, variant, seed) runs in a fresh subprocess so that peak memory is its own, and the systems
alternate which goes first so that drift in machine load hits both alike. The time is the whole run a
user waits for: reading the corpus, building the vocabulary, training and writing the vectors in binary
word2vec format (gensim: the `Word2Vec(corpus_file=...)` constructor then `save_word2vec_format`;
negsample: `Word2Vec(...).fit(path)` then the same). "batched" and "classic" select negsample's kernel
(``batch_negatives=True/False``); gensim runs its one SG-NS / CBOW-NS algorithm in both rows. words/s is
raw corpus tokens x epochs / that time, the same numerator for both, so the ratio is a time ratio.

Writes benchmarks/results/word2vec_<scenario>.{json,md}; BENCHMARKS.md quotes the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VARIANTS = {  # name: (sg, hs, negative, batch_negatives passed to negsample; gensim ignores it)
    "SG-NS classic": (1, 0, 5, False),
    "SG-NS batched": (1, 0, 5, True),
    "CBOW-NS classic": (0, 0, 5, False),
    "CBOW-NS batched": (0, 0, 5, True),
    "SG-HS": (1, 1, 0, False),
    "CBOW-HS": (0, 1, 0, False),
}
ZIPF_VARIANTS = ["SG-NS batched"]  # the default kernel; classic measured 1.06x at this size (one seed)
SCENARIOS = ["text8", "zipf1m", "scaling"]

_CHILD = r"""
import json, os, resource, sys, time
spec = json.loads(sys.argv[1])
from negsample.word2vec.evaluation import evaluate_analogies, evaluate_word_pairs
params = dict(vector_size=spec["dim"], window=5, min_count=spec["min_count"], sample=1e-4, sg=spec["sg"],
              hs=spec["hs"], negative=spec["negative"], epochs=spec["epochs"], workers=spec["workers"],
              seed=spec["seed"])
t0 = time.perf_counter()
if spec["system"] == "gensim":
    from gensim.models import Word2Vec
    model = Word2Vec(corpus_file=spec["corpus"], **params)
    train_seconds = model.total_train_time
else:
    from negsample import Word2Vec
    model = Word2Vec(**params, batch_negatives=spec["batch"]).fit(spec["corpus"])
    train_seconds = sum(s.seconds for s in model.epoch_stats)
model.wv.save_word2vec_format(spec["save"], binary=True)
seconds = time.perf_counter() - t0
os.remove(spec["save"])
wv = model.wv
out = {"seconds": seconds, "train_seconds": train_seconds,
       "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "vocab": len(wv)}
if spec["evaluate"]:
    out["analogy"] = evaluate_analogies(wv, spec["analogies"], restrict_vocab=30000).accuracy
    out["ws353"] = evaluate_word_pairs(wv, spec["pairs"]).spearman
print("RESULT " + json.dumps(out))
"""

_COMPILE_CHILD = r"""
import sys, time
from negsample import Word2Vec
sentences = [["a", "b", "c", "d"], ["b", "c", "a"]] * 10
t0 = time.perf_counter()
for sg in (0, 1):
    for batch in (False, True):
        Word2Vec(vector_size=8, min_count=1, sg=sg, hs=0 if batch else 1, negative=2, epochs=1, workers=1,
                 batch_negatives=batch).fit(sentences)
print(f"RESULT {time.perf_counter() - t0}")
"""


def prepare_corpus(data: Path, work: Path) -> tuple[Path, int]:
    """text8_prefix split into 1,000-token lines, as shared/data/README.md prescribes."""
    lines = work / "text8_prefix.lines"
    with zipfile.ZipFile(data / "text8_prefix.zip") as zf:
        words = zf.read("text8_prefix").decode().split()
    if not lines.exists():
        lines.write_text("".join(" ".join(words[i:i + 1000]) + "\n" for i in range(0, len(words), 1000)))
    return lines, len(words)


def run_child(code: str, arg: str | None = None, env: dict | None = None) -> str:
    cmd = [sys.executable, "-c", code] + ([arg] if arg else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return line[len("RESULT "):]


def compile_seconds() -> float:
    """First-call compile time of every word2vec kernel, with an empty Numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        first = float(run_child(_COMPILE_CHILD, env=env))
        cached = float(run_child(_COMPILE_CHILD, env=env))
    return first, cached


def prepare_zipf_corpus(work: Path, n_vocab: int, n_tokens: int, seed: int = 0) -> tuple[Path, int]:
    """A corpus whose word counts follow Zipf's law (count of rank r proportional to 1/r) over exactly
    ``n_vocab`` words, every word at least once, in random order: no structure to learn, only rows
    too many for any cache. Lines of 1,000 tokens; words are ``w<rank>``."""
    ranks = np.arange(1, n_vocab + 1, dtype=np.float64)
    lo, hi = 0.0, float(n_tokens)
    for _ in range(60):  # the scale A with sum(max(1, floor(A / r))) = n_tokens
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.maximum(1, np.floor(mid / ranks)).sum() < n_tokens else (lo, mid)
    counts = np.maximum(1, np.floor(hi / ranks)).astype(np.int64)
    tokens = np.random.default_rng(seed).permutation(np.repeat(np.arange(n_vocab), counts))
    words = np.array([f"w{r}" for r in range(n_vocab)], dtype=object)
    path = work / f"zipf_{n_vocab}_{len(tokens)}.lines"
    with open(path, "w") as f:
        for i in range(0, len(tokens), 1000):
            f.write(" ".join(words[tokens[i:i + 1000]]) + "\n")
    return path, len(tokens)


def run_pair(corpus: Path, work: Path, variant: str, seeds, *, epochs: int, workers: int, dim: int = 100,
             min_count: int = 5, evaluate: dict | None = None, systems=("negsample", "gensim"), log=""):
    """Both systems on one variant, alternating which goes first; returns {system: [result, ...]}."""
    sg, hs, negative, batch = VARIANTS[variant]
    runs = {system: [] for system in systems}
    for seed in seeds:
        order = systems if seed % 2 else tuple(reversed(systems))
        for system in order:
            spec = dict(system=system, corpus=str(corpus), sg=sg, hs=hs, negative=negative, batch=batch,
                        epochs=epochs, workers=workers, seed=seed, dim=dim, min_count=min_count,
                        evaluate=evaluate is not None, save=str(work / "vectors.bin"), **(evaluate or {}))
            result = json.loads(run_child(_CHILD, json.dumps(spec)))
            runs[system].append(result)
            quality = (f"  analogy {result['analogy']:.4f}  ws353 {result['ws353']:.4f}" if evaluate else "")
            print(f"{log}{variant} seed {seed} {system:9s} {result['seconds']:6.1f}s "
                  f"(training {result['train_seconds']:5.1f}s){quality}  peak {result['peak_mb']:.0f} MB",
                  flush=True)
    return runs


def mean(runs, key):
    return statistics.fmean(r[key] for r in runs)


def speed_ratio(runs) -> float:
    return mean(runs["gensim"], "seconds") / mean(runs["negsample"], "seconds")


def text8_scenario(args, corpus, n_words, work) -> list[str]:
    evaluate = dict(analogies=str(args.data / "eval" / "questions-words.txt"),
                    pairs=str(args.data / "eval" / "wordsim353.tsv"))
    lines = [
        "### text8_prefix: speed and quality",
        "",
        f"text8_prefix ({n_words:,} tokens) in 1,000-token lines; vector_size 100, window 5, negative 5 (NS) "
        f"or hs (HS), sample 1e-4, min_count 5, {args.epochs} epochs, {args.workers} workers; mean of seeds "
        f"{args.seeds}. Time = the whole run (read, vocabulary, train, write the vectors in binary word2vec "
        "format); words/s = raw corpus tokens x epochs / that time.",
        "",
        "| variant | negsample words/s | gensim words/s | speed ratio | analogy (ns / gensim) "
        "| WS-353 (ns / gensim) | peak MB (ns / gensim) |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for variant in args.variants:
        runs = run_pair(corpus, work, variant, args.seeds, epochs=args.epochs, workers=args.workers,
                        evaluate=evaluate)
        ns, gs = runs["negsample"], runs["gensim"]
        lines.append(
            f"| {variant} | {n_words * args.epochs / mean(ns, 'seconds') / 1e3:,.0f}k "
            f"| {n_words * args.epochs / mean(gs, 'seconds') / 1e3:,.0f}k | **{speed_ratio(runs):.2f}x** "
            f"| {mean(ns, 'analogy'):.4f} / {mean(gs, 'analogy'):.4f} "
            f"| {mean(ns, 'ws353'):.4f} / {mean(gs, 'ws353'):.4f} "
            f"| {mean(ns, 'peak_mb'):.0f} / {mean(gs, 'peak_mb'):.0f} |")
        args.raw.setdefault("text8", {})[variant] = runs
    return lines


def zipf_scenario(args, work) -> list[str]:
    corpus, n_words = prepare_zipf_corpus(work, args.zipf_vocab, args.zipf_tokens)
    lines = [
        "### 1M-word vocabulary: rows that no cache holds",
        "",
        f"Synthetic Zipf corpus: {args.zipf_vocab:,} distinct words (count of rank r proportional to 1/r, every "
        f"word at least once), {n_words:,} tokens in random order, 1,000-token lines "
        f"(`prepare_zipf_corpus`). vector_size 300, window 5, negative 5, sample 1e-4, min_count 1, "
        f"{args.zipf_epochs} epoch(s), {args.workers} workers; mean of seeds {args.seeds}. Each matrix is "
        f"{args.zipf_vocab * 300 * 4 / 1e9:.1f} GB. Time = the whole run including writing the binary vectors; "
        "there is nothing to evaluate.",
        "",
        "| variant | negsample s | gensim s | speed ratio | negsample training s | gensim training s "
        "| peak MB (ns / gensim) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for variant in ZIPF_VARIANTS:
        runs = run_pair(corpus, work, variant, args.seeds, epochs=args.zipf_epochs, workers=args.workers,
                        dim=300, min_count=1, log="zipf1m ")
        ns, gs = runs["negsample"], runs["gensim"]
        assert ns[0]["vocab"] == gs[0]["vocab"] == args.zipf_vocab, (ns[0]["vocab"], gs[0]["vocab"])
        lines.append(
            f"| {variant} | {mean(ns, 'seconds'):.1f} | {mean(gs, 'seconds'):.1f} | **{speed_ratio(runs):.2f}x** "
            f"| {mean(ns, 'train_seconds'):.1f} | {mean(gs, 'train_seconds'):.1f} "
            f"| {mean(ns, 'peak_mb'):.0f} / {mean(gs, 'peak_mb'):.0f} |")
        args.raw.setdefault("zipf1m", {})[variant] = runs
    corpus.unlink()
    return lines


def scaling_scenario(args, corpus, n_words, work) -> list[str]:
    lines = [
        "### Thread scaling: 2 workers against 1",
        "",
        f"text8_prefix, SG-NS batched (negsample) and SG-NS (gensim), settings as above, {args.epochs} epochs, "
        f"seeds {args.seeds}. *Whole run* is the time a user waits; *training* leaves out the "
        "single-threaded reading and vocabulary (negsample: the epochs' wall time; gensim: "
        "`total_train_time`). Per seed, the 1- and 2-worker runs go back to back; *scaling* is the "
        "median over seeds of that pair's ratio (a slow stretch of this shared machine then spoils one "
        "pair, not the mean), with the ratio of mean times beside it.",
        "",
        "| system | whole run 1 / 2 workers (mean) | whole-run scaling: median (ratio of means) "
        "| training 1 / 2 workers (mean) | training scaling: median (ratio of means) |",
        "|---|---:|---:|---:|---:|",
    ]
    # Per seed, 1 and 2 workers run back to back (alternating which goes first), so that a slow
    # stretch of the machine hits both sides of a ratio rather than one.
    per_workers = {1: {"negsample": [], "gensim": []}, 2: {"negsample": [], "gensim": []}}
    for seed in args.seeds:
        for workers in ((1, 2) if seed % 2 else (2, 1)):
            runs = run_pair(corpus, work, "SG-NS batched", [seed], epochs=args.epochs, workers=workers,
                            log=f"scaling workers={workers} ")
            for system, results in runs.items():
                per_workers[workers][system].extend(results)
    for system in ("negsample", "gensim"):
        one, two = per_workers[1][system], per_workers[2][system]
        cells = []
        for key in ("seconds", "train_seconds"):
            paired = statistics.median(a[key] / b[key] for a, b in zip(one, two))
            cells.append(f"{mean(one, key):.2f}s / {mean(two, key):.2f}s "
                         f"| **{paired:.2f}x** ({mean(one, key) / mean(two, key):.2f}x)")
        lines.append(f"| {system} | {cells[0]} | {cells[1]} |")
    args.raw["scaling"] = per_workers
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--scenarios", nargs="+", default=SCENARIOS, choices=SCENARIOS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--zipf-vocab", type=int, default=1_000_000)
    parser.add_argument("--zipf-tokens", type=int, default=10_000_000)
    parser.add_argument("--zipf-epochs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if not (args.data / "text8_prefix.zip").exists():
        sys.exit(f"benchmark data not found: {args.data / 'text8_prefix.zip'} (pass --data)")
    work = Path(tempfile.mkdtemp(prefix="negsample-bench-"))
    corpus, n_words = prepare_corpus(args.data, work)
    first_compile, cached_compile = compile_seconds()
    print(f"kernel compile: first call {first_compile:.1f}s, from cache {cached_compile:.1f}s", flush=True)
    args.raw = {}
    command = "python benchmarks/word2vec.py " + " ".join(sys.argv[1:])
    header = [
        f"Command: `{command.strip()}`",
        "",
        "Each run is a fresh process; negsample and gensim alternate which goes first. "
        f"Kernel compile on first call: {first_compile:.1f}s (from cache: {cached_compile:.1f}s).",
        "",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    for scenario in args.scenarios:
        if scenario == "text8":
            lines = text8_scenario(args, corpus, n_words, work)
        elif scenario == "zipf1m":
            lines = zipf_scenario(args, work)
        else:
            lines = scaling_scenario(args, corpus, n_words, work)
        table = "\n".join(header + lines) + "\n"
        print("\n" + table, flush=True)
        (args.out / f"word2vec_{scenario}.md").write_text(table)
        (args.out / f"word2vec_{scenario}.json").write_text(json.dumps(
            {"command": command, "n_words": n_words, "compile_first_s": first_compile,
             "compile_cached_s": cached_compile, "runs": args.raw.get(scenario)}, indent=1))


if __name__ == "__main__":
    main()
