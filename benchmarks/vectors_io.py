"""Vectors I/O: negsample vs gensim, both word2vec formats, both directions, on the same vectors.

    python benchmarks/vectors_io.py [--rows 57993] [--dim 300] [--repeats 5] [--data ../shared/data]

The vectors are as many rows as text8_prefix has distinct words (57,993, the issue's case) of 300
float32 values drawn from N(0, 0.1^2), under text8_prefix's own words when ../shared/data holds it
(else ``w0, w1, ...``). Every repeat times, in alternating order of the two systems: writing text,
writing binary, reading text, reading binary. negsample writes atomically (a temporary file,
fsync, rename), gensim writes in place without fsync; both times include all of that. negsample's
text writer runs on every core (``workers=None``) and, in an extra row, on one. MB/s is the size of
the file (negsample's for negsample, gensim's for gensim: gensim writes the shortest repr of each
float32, negsample ``%.9g``) over the time; the ratio is gensim's time over negsample's on the same
repeat, median over repeats.

Writes benchmarks/results/vectors_io.{json,md}; BENCHMARKS.md quotes the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _words(rows: int, data: Path) -> list[str]:
    archive = data / "text8_prefix.zip"
    if archive.exists():
        with zipfile.ZipFile(archive) as z:
            text = z.read(z.namelist()[0]).decode()
        words = list(dict.fromkeys(text.split()))[:rows]
        if len(words) == rows:
            return words
    return [f"w{i}" for i in range(rows)]


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run(rows: int, dim: int, repeats: int, data: Path) -> dict:
    from gensim.models import KeyedVectors as GensimKV

    from negsample.keyedvectors import KeyedVectors
    from negsample.vectors_io import read_word2vec, write_word2vec
    from negsample.vocab import Vocabulary

    rng = np.random.default_rng(0)
    words = _words(rows, data)
    vectors = (rng.standard_normal((rows, dim)) * 0.1).astype(np.float32)
    ours_kv = KeyedVectors(vectors, Vocabulary(words, np.arange(rows, 0, -1)))
    theirs_kv = GensimKV(dim)
    theirs_kv.add_vectors(words, vectors)
    folder = Path(tempfile.mkdtemp(prefix="negsample-bench-vectors-"))
    paths = {(system, fmt): folder / f"{system}.{fmt}" for system in ("negsample", "gensim") for fmt in ("txt", "bin")}
    write_word2vec(folder / "warm.txt", words[:10], vectors[:10])  # compile (or load) the kernel first

    ops = {
        ("write", "text", "negsample"): lambda: write_word2vec(paths["negsample", "txt"], words, vectors),
        ("write", "text", "negsample, 1 worker"): lambda: write_word2vec(paths["negsample", "txt"], words, vectors,
                                                                         workers=1),
        ("write", "text", "gensim"): lambda: theirs_kv.save_word2vec_format(str(paths["gensim", "txt"])),
        ("write", "binary", "negsample"): lambda: ours_kv.save_word2vec_format(paths["negsample", "bin"], binary=True),
        ("write", "binary", "gensim"): lambda: theirs_kv.save_word2vec_format(str(paths["gensim", "bin"]), binary=True),
        ("read", "text", "negsample"): lambda: read_word2vec(paths["negsample", "txt"]),
        ("read", "text", "gensim"): lambda: GensimKV.load_word2vec_format(str(paths["gensim", "txt"])),
        ("read", "binary", "negsample"): lambda: read_word2vec(paths["negsample", "bin"], binary=True),
        ("read", "binary", "gensim"): lambda: GensimKV.load_word2vec_format(str(paths["gensim", "bin"]), binary=True),
    }
    seconds = {key: [] for key in ops}
    for repeat in range(repeats):
        for direction in ("write", "read"):
            for fmt in ("text", "binary"):
                keys = [k for k in ops if k[:2] == (direction, fmt)]
                for key in keys if repeat % 2 == 0 else keys[::-1]:  # alternate who goes first
                    seconds[key].append(_timed(ops[key]))
    # the two readers must agree with the vectors (and each other) before any time counts
    for fmt, binary in (("txt", False), ("bin", True)):
        got = read_word2vec(paths["negsample", fmt], binary=binary)[1]
        assert np.array_equal(got, vectors), fmt
        theirs = GensimKV.load_word2vec_format(str(paths["negsample", fmt]), binary=binary)
        assert np.array_equal(theirs.vectors, vectors), fmt
    sizes = {key: os.path.getsize(paths["gensim" if key[2] == "gensim" else "negsample",
                                        "txt" if key[1] == "text" else "bin"]) for key in ops}
    rows_out = []
    for key, times in seconds.items():
        direction, fmt, system = key
        peer = (direction, fmt, "gensim")
        ratios = [g / t for g, t in zip(seconds[peer], times, strict=True)]
        rows_out.append({"direction": direction, "format": fmt, "system": system,
                         "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                         "mb_per_s": sizes[key] / 1e6 / statistics.median(times), "file_mb": sizes[key] / 1e6,
                         "gensim_time_over_this": statistics.median(ratios), "ratio_min": min(ratios),
                         "ratio_max": max(ratios)})
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return {"rows": rows, "dim": dim, "repeats": repeats, "cores": len(os.sched_getaffinity(0)), "results": rows_out}


def markdown(result: dict) -> str:
    lines = [f"{result['rows']:,} x {result['dim']} float32 vectors, {result['repeats']} repeats, "
             f"{result['cores']} cores; median (min-max over repeats)", "",
             "| direction | format | system | seconds | MB/s | file MB | gensim's time / this |",
             "|---|---|---|---|---|---|---|"]
    for r in result["results"]:
        ratio = ("—" if r["system"] == "gensim" else
                 f"{r['gensim_time_over_this']:.2f}x ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})")
        lines.append(f"| {r['direction']} | {r['format']} | {r['system']} | {r['median_s']:.2f} "
                     f"({r['min_s']:.2f}-{r['max_s']:.2f}) | {r['mb_per_s']:.0f} | {r['file_mb']:.0f} | {ratio} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=57_993)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args()
    result = run(args.rows, args.dim, args.repeats, args.data)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "vectors_io.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "vectors_io.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
