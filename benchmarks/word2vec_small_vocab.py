"""gensim's ``test_parallel`` over many seeds: do several threads cost quality on a small vocabulary?

    python benchmarks/word2vec_small_vocab.py [--seeds 12] [--workers 4] [--systems negsample gensim]

gensim's own test trains CBOW on its Lee corpus repeated to 10,000 sentences (``simple_preprocess``
tokens, ``vector_size=16, min_count=330``: 889 words) with 4 workers and requires ``palestinian`` to
rank among the 6 nearest neighbours of ``israeli``. With so few words, every output row of negsample
sits in each thread's private copy of the hottest rows, so this is where that scheme is tested
hardest. Each system runs with its defaults otherwise (negsample's CBOW starts at alpha 0.05,
gensim's at 0.025; ``--alpha`` sets both), one run per seed; the table gives every rank and the
number of seeds whose rank is 6 or worse. Writes ``benchmarks/results/word2vec_small_vocab.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from pathlib import Path

__all__ = ["main"]

RESULTS = Path(__file__).resolve().parent / "results"


def lee_repeated(sentences: int = 10_000) -> list[list[str]]:
    from gensim.test.utils import lee_corpus_list

    return [lee_corpus_list[i % len(lee_corpus_list)] for i in range(sentences)]


def neighbour_rank(wv, word: str = "israeli", expected: str = "palestinian") -> int:
    sims = wv.most_similar(word, topn=len(wv))
    return [w for w, _ in sims].index(expected)


def run(system: str, corpus, seed: int, workers: int, alpha: float | None) -> dict:
    settings = dict(vector_size=16, min_count=10 * 33, workers=workers, seed=seed)
    if alpha is not None:
        settings["alpha"] = alpha
    start = time.perf_counter()
    if system == "negsample":
        from negsample import Word2Vec

        wv = Word2Vec(**settings).fit(corpus).wv
    else:
        from gensim.models import Word2Vec as GensimWord2Vec

        wv = GensimWord2Vec(corpus, **settings).wv
    return {"system": system, "seed": seed, "rank": neighbour_rank(wv), "words": len(wv),
            "seconds": time.perf_counter() - start}


def markdown(results: list[dict], command: str, args) -> str:
    lines = ["# gensim's test_parallel over seeds (small vocabulary, several threads)", "",
             f"Reproduce: `{command}`", "",
             f"Lee corpus x 10,000 sentences, CBOW, vector_size=16, min_count=330, {args.workers} workers, "
             f"alpha {'as each default' if args.alpha is None else args.alpha}; rank of 'palestinian' among "
             "the neighbours of 'israeli' (gensim's test needs < 6).", "",
             "| system | words | ranks by seed | seeds failing (rank >= 6) | median s / run |",
             "|---|---:|---|---:|---:|"]
    for system in args.systems:
        rows = [r for r in results if r["system"] == system]
        ranks = [r["rank"] for r in rows]
        seconds = sorted(r["seconds"] for r in rows)[len(rows) // 2]
        lines.append(f"| {system} | {rows[0]['words']} | {' '.join(map(str, ranks))} | "
                     f"{sum(rank >= 6 for rank in ranks)} of {len(rows)} | {seconds:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=None)
    parser.add_argument("--systems", nargs="+", default=["negsample", "gensim"])
    parser.add_argument("--name", default="word2vec_small_vocab", help="results file name (without suffix)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.getLogger("gensim").setLevel(logging.ERROR)

    argv_shown = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(["python", "benchmarks/word2vec_small_vocab.py", *argv_shown])
    corpus = lee_repeated()
    results = []
    for seed in range(1, args.seeds + 1):
        for system in args.systems:
            results.append(run(system, corpus, seed, args.workers, args.alpha))
            print(json.dumps(results[-1]), flush=True)
    table = markdown(results, command, args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.md").write_text(table)
    (args.out / f"{args.name}.json").write_text(json.dumps({"command": command, "results": results}, indent=2))
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
