"""word2vec throughput and quality: negsample vs gensim, side by side on one machine.

    python benchmarks/word2vec.py [--data ../shared/data] [--seeds 1 2 3] [--epochs 10] [--workers 2]

Each (system, variant, seed) runs in a fresh subprocess so that peak memory is its own. Runs
alternate between the systems so that drift in machine load hits both alike. The time is the whole
run a user waits for: reading the corpus, building the vocabulary, and training (gensim: the
`Word2Vec(corpus_file=...)` constructor; negsample: `Word2Vec(...).fit(path)`). "SG-NS batched" is
negsample's opt-in window-batched kernel (``batch_negatives=True``) against gensim's ordinary SG-NS. words/s is
raw corpus tokens x epochs / that time, the same numerator for both, so the ratio is a time ratio.
Quality: Google analogies (restrict_vocab=30000) and WordSim-353 Spearman, both computed with
negsample's evaluators, which reproduce gensim's numbers exactly (see tests/test_evaluation.py).

Writes benchmarks/results/word2vec.{json,md}; BENCHMARKS.md quotes the markdown.
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

HERE = Path(__file__).resolve().parent
VARIANTS = {  # name: (sg, hs, negative, batch_negatives)
    "SG-NS": (1, 0, 5, False),
    "SG-NS batched": (1, 0, 5, True),
    "CBOW-NS": (0, 0, 5, False),
    "SG-HS": (1, 1, 0, False),
    "CBOW-HS": (0, 1, 0, False),
}

_CHILD = r"""
import json, resource, sys, time
spec = json.loads(sys.argv[1])
from negsample.evaluation import evaluate_analogies, evaluate_word_pairs
t0 = time.perf_counter()
if spec["system"] == "gensim":
    from gensim.models import Word2Vec
    model = Word2Vec(corpus_file=spec["corpus"], vector_size=100, window=5, min_count=5, sample=1e-4,
                     sg=spec["sg"], hs=spec["hs"], negative=spec["negative"], epochs=spec["epochs"],
                     workers=spec["workers"], seed=spec["seed"])
else:
    from negsample import Word2Vec
    model = Word2Vec(vector_size=100, window=5, min_count=5, sample=1e-4, sg=spec["sg"], hs=spec["hs"],
                     negative=spec["negative"], epochs=spec["epochs"], workers=spec["workers"],
                     seed=spec["seed"], batch_negatives=spec["batch"]).fit(spec["corpus"])
seconds = time.perf_counter() - t0
wv = model.wv
out = {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
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
    Word2Vec(vector_size=8, min_count=1, sg=sg, hs=1, negative=2, epochs=1, workers=1).fit(sentences)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if not (args.data / "text8_prefix.zip").exists():
        sys.exit(f"benchmark data not found: {args.data / 'text8_prefix.zip'} (pass --data)")
    work = Path(tempfile.mkdtemp(prefix="negsample-bench-"))
    corpus, n_words = prepare_corpus(args.data, work)
    analogies = args.data / "eval" / "questions-words.txt"
    pairs = args.data / "eval" / "wordsim353.tsv"
    first_compile, cached_compile = compile_seconds()
    print(f"kernel compile: first call {first_compile:.1f}s, from cache {cached_compile:.1f}s", flush=True)

    rows = {}
    for variant in args.variants:
        sg, hs, negative, batch = VARIANTS[variant]
        runs = {"negsample": [], "gensim": []}
        for seed in args.seeds:
            order = ("negsample", "gensim") if seed % 2 else ("gensim", "negsample")
            for system in order:
                spec = dict(system=system, corpus=str(corpus), sg=sg, hs=hs, negative=negative, batch=batch,
                            epochs=args.epochs, workers=args.workers, seed=seed,
                            analogies=str(analogies), pairs=str(pairs))
                result = json.loads(run_child(_CHILD, json.dumps(spec)))
                result["words_per_sec"] = n_words * args.epochs / result["seconds"]
                runs[system].append(result)
                print(f"{variant} seed {seed} {system:9s} {result['seconds']:6.1f}s "
                      f"{result['words_per_sec'] / 1e3:6.0f}k words/s  analogy {result['analogy']:.4f}  "
                      f"ws353 {result['ws353']:.4f}  peak {result['peak_mb']:.0f} MB", flush=True)
        rows[variant] = runs

    def mean(runs, key):
        return statistics.fmean(r[key] for r in runs)

    command = "python benchmarks/word2vec.py " + " ".join(sys.argv[1:])
    lines = [
        f"Command: `{command.strip()}`",
        "",
        f"Corpus: text8_prefix ({n_words:,} tokens) in 1,000-token lines; vector_size 100, window 5, "
        f"negative 5 (NS) or hs (HS), sample 1e-4, min_count 5, {args.epochs} epochs, {args.workers} workers; "
        f"mean of seeds {args.seeds}. Time = whole run (read, vocabulary, train). "
        f"Kernel compile on first call: {first_compile:.1f}s (from cache: {cached_compile:.1f}s).",
        "",
        "| variant | negsample words/s | gensim words/s | speed ratio | analogy (ns / gensim) "
        "| WS-353 (ns / gensim) | peak MB (ns / gensim) |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for variant, runs in rows.items():
        ns, gs = runs["negsample"], runs["gensim"]
        ratio = statistics.fmean(g["seconds"] for g in gs) / statistics.fmean(n["seconds"] for n in ns)
        lines.append(
            f"| {variant} | {mean(ns, 'words_per_sec') / 1e3:,.0f}k | {mean(gs, 'words_per_sec') / 1e3:,.0f}k "
            f"| **{ratio:.2f}x** | {mean(ns, 'analogy'):.4f} / {mean(gs, 'analogy'):.4f} "
            f"| {mean(ns, 'ws353'):.4f} / {mean(gs, 'ws353'):.4f} "
            f"| {mean(ns, 'peak_mb'):.0f} / {mean(gs, 'peak_mb'):.0f} |"
        )
    table = "\n".join(lines) + "\n"
    print("\n" + table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "word2vec.md").write_text(table)
    (args.out / "word2vec.json").write_text(json.dumps(
        {"command": command, "n_words": n_words, "compile_first_s": first_compile,
         "compile_cached_s": cached_compile, "runs": rows}, indent=1))


if __name__ == "__main__":
    main()
