"""The systems benchmarks/word2vec.py compares: how each one is run, timed and scored.

Five systems train word vectors from the same file and write them in binary word2vec format:

- ``negsample`` and ``gensim`` (Python libraries; a fresh interpreter per run),
- ``word2vec-c`` (the original C tool) and ``pword2vec`` (Intel's pWord2Vec, SG-NS only), built from
  ``../shared/peers`` into ``benchmarks/_work/peers`` by its ``build.sh``,
- ``fasttext`` (the ``fasttext-wheel`` package, ``minn=maxn=0`` so that it has no subwords).

Every run is a separate process whose peak resident memory comes from ``os.wait4``. The time of the
binaries is the whole process; the Python systems time themselves from just before training starts
(after their imports) to just after the vectors are written. A peer that is missing, cannot be built or
fails at run time is skipped with a message; negsample or gensim failing is an error. The vectors file is
scored afterwards, the same way for every system, by negsample's evaluators (which reproduce gensim's).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
PEERS_SOURCE = HERE.parent.parent / "shared" / "peers"
PEERS_BIN = HERE / "_work" / "peers"
SYSTEMS = ("negsample", "gensim", "word2vec-c", "pword2vec", "fasttext")
TITLES = {"negsample": "negsample", "gensim": "gensim", "word2vec-c": "C tool", "pword2vec": "pWord2Vec",
          "fasttext": "fastText"}
EXECUTABLES = {"word2vec-c": "word2vec", "pword2vec": "pWord2Vec"}
WINDOW, SAMPLE = 5, 1e-4

_CHILD = r"""
import json, sys, time
spec = json.loads(sys.argv[1])
system, train_seconds, start_seconds = spec["system"], None, None
if system == "gensim":
    from gensim.models import Word2Vec
elif system == "negsample":
    from negsample import Word2Vec
else:
    import fasttext
    from negsample.vectors_io import write_word2vec
params = dict(vector_size=spec["dim"], window=spec["window"], min_count=spec["min_count"], sample=spec["sample"],
              sg=spec["sg"], hs=spec["hs"], negative=spec["negative"], epochs=spec["epochs"],
              workers=spec["workers"], seed=spec["seed"], alpha=spec["alpha"])
t0 = time.perf_counter()
if system == "gensim":
    model = Word2Vec(corpus_file=spec["corpus"], **params)
    train_seconds = model.total_train_time
    model.wv.save_word2vec_format(spec["save"], binary=True)
elif system == "negsample":
    heard = {}  # when fit's status lines came: "vocabulary: ..." ends the single-threaded start
    model = Word2Vec(**params, batch_negatives=spec["batch"]).fit(
        spec["corpus"], log=lambda line: heard.setdefault(line.split(":")[0], time.perf_counter() - t0))
    train_seconds = sum(s.seconds for s in model.epoch_stats)
    start_seconds = heard.get("vocabulary")
    model.wv.save_word2vec_format(spec["save"], binary=True)
else:  # no seed in the 0.9.2 wheel; negatives from count^0.5 (fastText's choice, not ours)
    model = fasttext.train_unsupervised(
        spec["corpus"], model="skipgram" if spec["sg"] else "cbow", loss="hs" if spec["hs"] else "ns",
        lr=spec["alpha"], dim=spec["dim"], ws=spec["window"], epoch=spec["epochs"], minCount=spec["min_count"],
        neg=max(spec["negative"], 1), thread=spec["workers"], t=spec["sample"], minn=0, maxn=0, wordNgrams=1,
        verbose=0)
    words = model.get_words()
    write_word2vec(spec["save"], words, model.get_input_matrix()[:len(words)], binary=True)
print("RESULT " + json.dumps({"seconds": time.perf_counter() - t0, "train_seconds": train_seconds,
                             "start_seconds": start_seconds}))
"""


class PeerFailed(RuntimeError):
    """A peer could not run; the caller skips it for the rest of the benchmark."""


def skip_reason(system: str, sg: int, hs: int, workers: int) -> str | None:
    """Why ``system`` cannot run this setting (None if it can)."""
    if system == "pword2vec" and not (sg and not hs):
        return "pWord2Vec has skip-gram with negative sampling only"
    if system == "word2vec-c" and workers < 2:
        # Its end-of-file flag is never cleared between epochs: with 1 thread it trains 1 epoch of N.
        return "the C tool trains only its first epoch with 1 thread (../shared/peers/README.md)"
    return None


def find_systems(systems, *, bin_dir: Path = PEERS_BIN, source: Path = PEERS_SOURCE) -> dict[str, str]:
    """The usable systems among ``systems``: {system: executable or "python"}; prints why others are skipped.

    Missing peer binaries are built with ``source/build.sh bin_dir`` (once; about 30 s).
    """
    found = {s: "python" for s in systems if s in ("negsample", "gensim")}
    wanted = [s for s in systems if s in EXECUTABLES]
    if wanted and not all((bin_dir / EXECUTABLES[s]).exists() for s in wanted):
        script = source / "build.sh"
        if script.exists():
            print(f"building peers: {script} {bin_dir}", flush=True)
            proc = subprocess.run(["bash", str(script), str(bin_dir)], capture_output=True, text=True)
            print(proc.stdout.strip(), flush=True)
        else:
            print(f"peer sources not found: {script}", flush=True)
    for system in wanted:
        exe = bin_dir / EXECUTABLES[system]
        if exe.exists() and os.access(exe, os.X_OK):
            found[system] = str(exe)
        else:
            print(f"skipping {TITLES[system]}: no executable {exe} (see its build log there)", flush=True)
    if "fasttext" in systems:
        if importlib.util.find_spec("fasttext") is not None:
            found["fasttext"] = "python"
        else:
            print("skipping fastText: `pip install fasttext-wheel` to include it", flush=True)
    return {s: found[s] for s in systems if s in found}


def peer_command(system: str, exe: str, spec: dict) -> list[str]:
    """The command line of a compiled peer for one run (every hyperparameter explicit, alpha included)."""
    common = ["-train", spec["corpus"], "-output", spec["save"], "-size", spec["dim"], "-window", spec["window"],
              "-negative", spec["negative"], "-sample", spec["sample"], "-min-count", spec["min_count"],
              "-iter", spec["epochs"], "-threads", spec["workers"], "-binary", 1, "-alpha", spec["alpha"]]
    if system == "word2vec-c":
        extra = ["-cbow", 1 - spec["sg"], "-hs", spec["hs"]]
    elif system == "pword2vec":
        extra = ["-batch-size", 2 * spec["window"] + 1]  # its default: the window's 2w + 1 inputs
    else:
        raise ValueError(f"{system!r} is not a compiled peer")
    return [exe] + [str(x) for x in common + extra]


# A child's ru_maxrss starts from the peak of the process that spawned it (the kernel records the spawning
# memory's high-water mark at exec), so children are spawned by this small interpreter, not by the benchmark
# process that holds corpora and vectors. It reports wall seconds, peak MB and the exit code as JSON.
_LAUNCHER = r"""
import json, os, sys, time
cmd, report = json.loads(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
pid = os.posix_spawn(cmd[0], cmd, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - t0
with open(report, "w") as f:
    json.dump([seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)], f)
"""


def _wait(cmd: list[str], log: Path) -> tuple[float, float, int, str]:
    """Run ``cmd`` with its output in ``log``; return (wall seconds, peak MB, exit code, output tail)."""
    report = log.with_suffix(".usage.json")
    report.unlink(missing_ok=True)
    with open(log, "wb") as out:
        subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, json.dumps(cmd), str(report)], stdout=out,
                       stderr=subprocess.STDOUT, check=False)
    tail = log.read_bytes()[-4000:].decode(errors="replace")
    if not report.exists():
        return float("nan"), float("nan"), -1, tail
    seconds, peak_mb, code = json.loads(report.read_text())
    report.unlink()
    return seconds, peak_mb, code, tail


# This machine's kernel runs a DAMON scheme that pages out file pages nobody touched for 60 s (see
# /sys/kernel/mm/damon/admin/kdamonds/0: action pageout, min age 12 x 5 s, anonymous memory exempt). After
# a peer's long run, the next Python process reads NumPy's, SciPy's, Numba's ... files from disk again: for
# gensim during its imports, before its clock; for negsample inside its clock, where Numba initialises its
# compiler at the first call (measured: start 0.5-0.7 s back to back, 0.9-3.0 s after 80 s idle). A desktop
# keeps such files cached, so before every run the files of the packages every system loads are read once,
# the same for all systems, outside the timing.
WARM_PACKAGES = ("numpy", "scipy", "numba", "llvmlite", "gensim", "smart_open", "fasttext", "tqdm", "negsample")


def package_files() -> list[Path]:
    """Every file of WARM_PACKAGES (where installed), the standard library's modules and the peers'
    binaries with the MKL libraries pWord2Vec links: what the systems' processes read at start."""
    stdlib = Path(os.__file__).parent
    roots = [stdlib / "lib-dynload"]
    for name in WARM_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            roots.append(Path(spec.origin).parent)
    files = [stdlib / n for n in os.listdir(stdlib) if n.endswith(".py")]
    files += [PEERS_BIN / n for n in EXECUTABLES.values()] + sorted(PEERS_BIN.glob("mkl/lib/libmkl_*.so*"))
    for root in roots:
        if root.is_dir():
            files += [f for f in root.rglob("*") if f.is_file()]
    return files


_PACKAGE_FILES = functools.cache(package_files)


def warm_files(files: list[Path]) -> None:
    """Read every file once (into the page cache), ignoring files that vanish meanwhile."""
    for f in files:
        try:
            with open(f, "rb") as handle:
                while handle.read(1 << 20):
                    pass
        except OSError:
            pass


def run_system(system: str, exe: str, spec: dict, work: Path) -> dict:
    """Train once; return {"seconds", "train_seconds", "peak_mb"}; the vectors are in ``spec["save"]``.
    The packages' files and the corpus are read first, outside the timing (why: WARM_PACKAGES)."""
    warm_files(_PACKAGE_FILES() + [Path(spec["corpus"])])
    log = work / f"{system}.log"
    if exe == "python":
        seconds, peak_mb, code, tail = _wait([sys.executable, "-c", _CHILD, json.dumps(spec)], log)
        lines = [ln for ln in tail.splitlines() if ln.startswith("RESULT ")]
        result = json.loads(lines[-1][len("RESULT "):]) if code == 0 and lines else None
    else:
        seconds, peak_mb, code, tail = _wait(peer_command(system, exe, spec), log)
        result = {"seconds": seconds, "train_seconds": None} if code == 0 else None
    if result is None or not Path(spec["save"]).exists():
        message = f"{TITLES[system]} failed (exit code {code}):\n{tail[-2000:]}"
        if system in ("negsample", "gensim"):
            raise RuntimeError(message)
        raise PeerFailed(message)
    return {**result, "peak_mb": peak_mb}


def evaluation_files(data: Path) -> dict[str, Path]:
    """The quality sets: Google analogies and WS-353 from ``data/eval``, SimLex-999 from gensim's test data."""
    files = {"analogies": data / "eval" / "questions-words.txt", "ws353": data / "eval" / "wordsim353.tsv"}
    spec = importlib.util.find_spec("gensim")
    if spec is not None and spec.submodule_search_locations:
        files["simlex"] = Path(spec.submodule_search_locations[0]) / "test" / "test_data" / "simlex999.txt"
    missing = [name for name, path in files.items() if not path.exists()]
    for name in missing:
        print(f"quality set {name} not found ({files.pop(name)}): its column stays empty", flush=True)
    return files


def analogy_halves(sections: dict) -> tuple[float, float]:
    """(semantic, syntactic) accuracy from ``AnalogyResult.sections`` (name -> (accuracy, correct, total)).

    Sections whose names start with "gram" are syntactic, the others semantic (the Google set's split).
    """
    tallies = {True: [0, 0], False: [0, 0]}
    for name, (_, correct, total) in sections.items():
        tally = tallies[name.startswith("gram")]
        tally[0] += correct
        tally[1] += total
    semantic, syntactic = (c / t if t else float("nan") for c, t in (tallies[False], tallies[True]))
    return semantic, syntactic


def score_vectors(path: str | os.PathLike, files: dict[str, Path], restrict_vocab: int = 30000) -> dict:
    """Quality of a binary word2vec file: analogy overall / semantic / syntactic (and ``sections``: each
    section's [correct, total]), WS-353 and SimLex Spearman."""
    from negsample.vectors_io import read_word2vec
    from negsample.word2vec.evaluation import evaluate_analogies, evaluate_word_pairs

    words, vectors = read_word2vec(path, binary=True)
    kv = SimpleNamespace(vectors=vectors, index_to_key=words)
    out = {"vocab": len(words)}
    if "analogies" in files:
        result = evaluate_analogies(kv, files["analogies"], restrict_vocab=restrict_vocab)
        out["analogy"] = result.accuracy
        out["semantic"], out["syntactic"] = analogy_halves(result.sections)
        out["analogy_coverage"] = result.coverage
        out["sections"] = {name: [correct, total] for name, (_, correct, total) in result.sections.items()}
    for key in ("ws353", "simlex"):
        if key in files:
            pairs = evaluate_word_pairs(kv, files[key])
            out[key], out[f"{key}_pairs"], out[f"{key}_oov"] = pairs.spearman, pairs.pairs, pairs.oov
    return out


# ---------------------------------------------------------------------- statistics over seeds
def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation (0.0 for one value); NaN, NaN for none."""
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def paired_median(numerators, denominators) -> float:
    """Median over seeds of numerator / denominator, pairing runs of the same seed."""
    ratios = [a / b for a, b in zip(numerators, denominators, strict=True)]
    return statistics.median(ratios) if ratios else float("nan")


def difference_t(a, b) -> tuple[float, float]:
    """mean(a) - mean(b) and that difference over its standard error (Welch); t is NaN below 2 runs a side."""
    (mean_a, sd_a), (mean_b, sd_b) = mean_sd(a), mean_sd(b)
    diff = mean_a - mean_b
    if len(a) < 2 or len(b) < 2:
        return diff, float("nan")
    se = math.sqrt(sd_a ** 2 / len(a) + sd_b ** 2 / len(b))
    return diff, (diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff)))


def rotated(items, k: int) -> list:
    """``items`` rotated left by ``k``: per seed a different system goes first."""
    items = list(items)
    if not items:
        return items
    k %= len(items)
    return items[k:] + items[:k]
