"""Reading a large corpus: negsample's one-pass scanner with 1 and 2 workers, and gensim's vocabulary
scan of the same file, side by side.

    python benchmarks/corpus_reading.py [--megabytes 1000] [--vocab 500000] [--repeats 3] [--work DIR]
    python benchmarks/corpus_reading.py --phases [--megabytes 1000]   # where the time goes, per phase

The corpus is synthetic: ``--megabytes`` of text in 20-token lines whose words follow a
Zipf-Mandelbrot law shaped like text8's (see :func:`make_corpus`) over ``--vocab`` ranks, so that it
has some 500k distinct words, as the 2 GB corpus of the reliability issue had. Time is the whole of
``Corpus(path).count_and_encode(min_count=5, workers=w)``: reading, counting, building the
vocabulary and encoding every token, each run in a fresh subprocess (its own peak memory), the
worker counts alternating which goes first. gensim's row is ``Word2Vec(corpus_file=...).build_vocab``
with one worker (its vocabulary scan is single-threaded), which counts but does not encode. The
vocabularies of 1 and 2 workers are checked to be identical, word for word and count for count.

Writes benchmarks/results/corpus_reading.{json,md}; BENCHMARKS.md quotes the markdown. ``--phases``
times the phases of one run per worker count instead (scanning each part, merging the parts' words,
cutting sentences, building the vocabulary, encoding) into corpus_reading_phases.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import hashlib, json, resource, sys, time
spec = json.loads(sys.argv[1])
t0 = time.perf_counter()
if spec["system"] == "gensim":
    from gensim.models import Word2Vec
    model = Word2Vec(min_count=5, workers=1)
    model.build_vocab(corpus_file=spec["corpus"])
    words = list(model.wv.index_to_key)
    digest = None
else:
    from negsample.word2vec.corpus import Corpus
    vocab, encoded = Corpus(spec["corpus"]).count_and_encode(min_count=5, workers=spec["workers"])
    words = vocab.index_to_key
    digest = hashlib.sha1("\n".join(f"{w} {c}" for w, c in zip(words, vocab.counts.tolist())).encode()).hexdigest()
    encoded.close()
seconds = time.perf_counter() - t0
print("RESULT " + json.dumps({"seconds": seconds, "vocab": len(words), "digest": digest,
                              "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_PHASES = r"""
import json, sys, time
spec = json.loads(sys.argv[1])
import negsample.word2vec.corpus.scan as S
from negsample.word2vec.corpus import Corpus
S.warm_up_scanner()
seconds, parts = {}, []
def timed(name, f, into=None):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            if into is None:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t
            else:
                into.append(time.perf_counter() - t)
    return wrapper
S._scan_part = timed("scan", S._scan_part, parts)
for name, owner, attr in [("merge", S, "_merge_words"), ("pieces", S, "sentence_pieces"),
                          ("vocabulary", S.ScannedCorpus, "build"), ("encode", S.ScannedCorpus, "encode")]:
    setattr(owner, attr, timed(name, getattr(owner, attr)))
t0 = time.perf_counter()
vocab, encoded = Corpus(spec["corpus"]).count_and_encode(min_count=5, workers=spec["workers"])
total = time.perf_counter() - t0
print("RESULT " + json.dumps({"seconds": total, "parts": parts, "tokens": encoded.raw_words, **seconds}))
"""


def make_corpus(path: Path, megabytes: int, n_vocab: int, seed: int = 0) -> None:
    """``megabytes`` of 20-token lines, words drawn from a Zipf-Mandelbrot law p(r) ~ 1/(r + 2.7)^1.25
    over ``n_vocab`` ranks: its top 1,000 / 10,000 / 30,000 words cover 80% / 91% / 95% of the tokens
    (text8_prefix: 68% / 91% / 98%), and a large corpus holds nearly every rank. Frequent words are
    short (their letters spell the rank in base 26, after 0-3 random letters): 6-7 bytes a token."""
    if path.exists() and path.stat().st_size >= megabytes * 2**20:
        return
    rng = np.random.default_rng(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def spelled(rank: int) -> str:
        out = ""
        while True:
            rank, digit = divmod(rank, 26)
            out += letters[digit]
            if rank == 0:
                return out

    words = ["".join(rng.choice(list(letters), n)) + spelled(r) for r, n in enumerate(rng.integers(0, 4, n_vocab))]
    weights = 1 / (np.arange(1, n_vocab + 1) + 2.7) ** 1.25
    cdf = np.cumsum(weights) / weights.sum()
    with open(path, "w") as f:
        size = 0
        while size < megabytes * 2**20:
            ids = np.minimum(np.searchsorted(cdf, rng.random(2_000_000)), n_vocab - 1)
            tokens = [words[i] for i in ids.tolist()]
            text = "".join(" ".join(tokens[j:j + 20]) + "\n" for j in range(0, len(tokens), 20))
            f.write(text)
            size += len(text)


def run_child(spec: dict, code: str = _CHILD) -> dict:
    done = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.split("RESULT ", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=1000)
    parser.add_argument("--vocab", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "_work")
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--phases", action="store_true", help="time the phases of one run per worker count")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / f"zipf_mandelbrot_{args.megabytes}mb.txt"
    make_corpus(corpus, args.megabytes, args.vocab)
    size = corpus.stat().st_size
    run_child({"system": "negsample", "corpus": str(corpus), "workers": 2})  # compile or load the kernels
    if args.phases:
        phases(corpus, size)
        return
    systems = [("negsample", 1), ("negsample", 2)] + ([] if args.no_gensim else [("gensim", 1)])
    runs: dict[str, list[dict]] = {f"{s} {w}": [] for s, w in systems}
    for repeat in range(args.repeats):
        for system, workers in systems if repeat % 2 == 0 else systems[::-1]:
            runs[f"{system} {workers}"].append(run_child({"system": system, "corpus": str(corpus),
                                                           "workers": workers}))
    digests = {r["digest"] for key in ("negsample 1", "negsample 2") for r in runs[key]}
    assert len(digests) == 1, "1 and 2 workers read different vocabularies"
    speedups = [a["seconds"] / b["seconds"] for a, b in zip(runs["negsample 1"], runs["negsample 2"], strict=True)]
    rows = []
    for key, results in runs.items():
        seconds = [r["seconds"] for r in results]
        rows.append({"system": key.rsplit(" ", 1)[0], "workers": int(key.rsplit(" ", 1)[1]),
                     "median_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds),
                     "mb_per_s": size / 1e6 / statistics.median(seconds), "vocab": results[0]["vocab"],
                     "peak_mb": max(r["peak_mb"] for r in results)})
    result = {"bytes": size, "distinct_words_target": args.vocab, "repeats": args.repeats,
              "cores": len(os.sched_getaffinity(0)), "same_vocabulary": True,
              "speedup_2_over_1": {"median": statistics.median(speedups), "min": min(speedups), "max": max(speedups)},
              "rows": rows}
    md = [f"{size / 1e6:,.0f} MB synthetic Zipf-Mandelbrot corpus, {args.repeats} repeats, {result['cores']} cores; "
          "median (min-max)", "", "| system | workers | seconds | MB/s | vocabulary (min_count 5) | peak MB |",
          "|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['system']} | {r['workers']} | {r['median_s']:.1f} ({r['min_s']:.1f}-{r['max_s']:.1f}) | "
                  f"{r['mb_per_s']:.0f} | {r['vocab']:,} | {r['peak_mb']:,.0f} |")
    s = result["speedup_2_over_1"]
    md += ["", f"2 workers over 1 (paired repeats): {s['median']:.2f}x ({s['min']:.2f}-{s['max']:.2f}); the two "
           "vocabularies are identical."]
    out = HERE / "results"
    (out / "corpus_reading.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "corpus_reading.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


def phases(corpus: Path, size: int) -> None:
    """One run per worker count, each phase timed (wall seconds)."""
    rows = [{"workers": w, **run_child({"corpus": str(corpus), "workers": w}, _PHASES)} for w in (1, 2)]
    md = [f"{size / 1e6:,.0f} MB synthetic Zipf-Mandelbrot corpus, {rows[0]['tokens']:,} tokens, one run per row; "
          "wall seconds", "",
          "| workers | scan (per part) | merge | sentence pieces | vocabulary | encode | total | MB/s |",
          "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['workers']} | {' / '.join(f'{p:.1f}' for p in r['parts'])} | {r.get('merge', 0):.2f} | "
                  f"{r.get('pieces', 0):.2f} | {r.get('vocabulary', 0):.2f} | {r.get('encode', 0):.2f} | "
                  f"{r['seconds']:.1f} | {size / 1e6 / r['seconds']:.0f} |")
    out = HERE / "results"
    (out / "corpus_reading_phases.json").write_text(json.dumps({"bytes": size, "rows": rows}, indent=2) + "\n")
    (out / "corpus_reading_phases.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
