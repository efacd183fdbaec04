"""word2vec throughput and quality: negsample beside gensim, the word2vec C tool, pWord2Vec and fastText.

    python benchmarks/word2vec.py [--scenarios text8 zipf1m scaling] [--data ../shared/data]
                                  [--systems negsample gensim word2vec-c pword2vec fasttext]
                                  [--variants ...] [--sg-alphas 0.025] [--cbow-alphas 0.025 0.05]
                                  [--seeds 1 2 3] [--epochs 10] [--workers 2] [--suffix _x]

Scenarios:
- text8: every variant on text8_prefix, speed and quality, with every system in ``--systems`` that has
  the variant (peers are built into benchmarks/_work/peers from ../shared/peers; one that cannot be built
  or run is skipped with a message). Each row has an explicit learning rate: every system gets the same
  ``alpha`` (``lr`` for fastText), skip-gram at ``--sg-alphas``, CBOW at ``--cbow-alphas``. Quality:
  Google analogies (restrict_vocab=30000; overall, semantic and syntactic halves), WS-353 and SimLex-999
  Spearman, every system's vectors file scored by negsample's evaluators (which reproduce gensim's
  numbers exactly; tests/word2vec/test_word2vec_evaluation.py).
- zipf1m: a synthetic Zipf corpus with a 1,000,000-word vocabulary at vector_size 300, where the rows no
  longer fit in any cache (speed only; negsample and gensim).
- scaling: 1 worker against 2, whole run and training alone (negsample and gensim).

Each (system, variant, seed) runs in a fresh process (peak memory is its own), and per seed the systems
rotate which goes first, so that drift in machine load hits all alike. The time is the whole run a user
waits for: reading the corpus, building the vocabulary, training and writing the vectors in binary
word2vec format (the Python systems: from the call that trains to the written file; the compiled peers:
the whole process). "batched" and "classic" select negsample's kernel (``batch_negatives=True/False``);
each peer runs its one algorithm once per seed and stands beside both rows. words/s is raw corpus tokens
x epochs / that time, the same numerator for every system, so a ratio is a time ratio.

Writes benchmarks/results/word2vec_<scenario><suffix>.{json,md}; BENCHMARKS.md quotes the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from word2vec_peers import (
    SAMPLE,
    SYSTEMS,
    TITLES,
    WINDOW,
    PeerFailed,
    difference_t,
    evaluation_files,
    find_systems,
    mean_sd,
    paired_median,
    rotated,
    run_system,
    score_vectors,
    skip_reason,
)

from negsample._atomic import atomic_write

HERE = Path(__file__).resolve().parent
VARIANTS = {  # name: (sg, hs, negative, batch_negatives passed to negsample; the others ignore it)
    "SG-NS classic": (1, 0, 5, False),
    "SG-NS batched": (1, 0, 5, True),
    "CBOW-NS classic": (0, 0, 5, False),
    "CBOW-NS batched": (0, 0, 5, True),
    "SG-HS": (1, 1, 0, False),
    "CBOW-HS": (0, 1, 0, False),
}
ZIPF_VARIANTS = ["SG-NS batched"]  # the default kernel; classic measured 1.06x at this size (one seed)
SCENARIOS = ["text8", "zipf1m", "scaling"]
QUALITY = [("analogy", "analogy"), ("semantic", "semantic"), ("syntactic", "syntactic"), ("ws353", "WS-353"),
           ("simlex", "SimLex-999")]

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


def algorithm(variant: str) -> str:
    """'SG-NS batched' -> 'SG-NS': the name of what every system runs for that row."""
    return variant.removesuffix(" classic").removesuffix(" batched")


def text8_groups(variants, sg_alphas, cbow_alphas) -> list[dict]:
    """The settings the text8 scenario trains, in table order: learning rate first, then the order of
    ``VARIANTS``. A group is one algorithm at one alpha; it holds negsample's variants of it (classic and
    batched for NS), which share the peers' runs."""
    groups: dict[tuple[str, float], dict] = {}
    for alpha in sorted(set(sg_alphas) | set(cbow_alphas)):
        for variant in (v for v in VARIANTS if v in variants):
            sg, hs, negative, _ = VARIANTS[variant]
            if alpha not in (sg_alphas if sg else cbow_alphas):
                continue
            group = groups.setdefault((algorithm(variant), alpha), dict(
                algorithm=algorithm(variant), alpha=alpha, sg=sg, hs=hs, negative=negative, variants=[]))
            group["variants"].append(variant)
    return list(groups.values())


def member_key(group: dict, system: str, variant: str | None = None) -> str:
    """The name of one system's runs in a group: 'negsample classic' where negsample has two kernels."""
    if system != "negsample" or len(group["variants"]) == 1:
        return system
    return f"negsample {variant.rsplit(' ', 1)[-1]}"


def prepare_corpus(data: Path, work: Path) -> tuple[Path, int]:
    """text8_prefix split into 1,000-token lines, as shared/data/README.md prescribes."""
    lines = work / "text8_prefix.lines"
    with zipfile.ZipFile(data / "text8_prefix.zip") as zf:
        words = zf.read("text8_prefix").decode().split()
    if not lines.exists():  # atomic: a run stopped mid-write leaves no partial corpus for the next to reuse
        with atomic_write(lines) as f:
            f.write("".join(" ".join(words[i:i + 1000]) + "\n" for i in range(0, len(words), 1000)))
    return lines, len(words)


def compile_seconds() -> tuple[float, float]:
    """First-call compile time of every word2vec kernel, with an empty Numba cache."""
    import subprocess

    times = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for _ in range(2):
            proc = subprocess.run([sys.executable, "-c", _COMPILE_CHILD], capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                raise RuntimeError(f"compile child failed:\n{proc.stderr[-3000:]}")
            times.append(float(proc.stdout.split("RESULT ")[-1]))
    return times[0], times[1]


def warm_cache(corpus: Path, work: Path, groups: list[dict], systems: dict, *, workers: int, dim: int = 100,
               min_count: int = 5) -> None:
    """Train every negsample variant of ``groups`` once, untimed, on the corpus's first 20 lines, so that
    the kernels each timed run needs are in the Numba cache the timed runs read. (``compile_seconds``
    measures compiling in a throwaway cache; without this, the first seed of each variant would pay
    the compile when the benchmark runs from a fresh checkout or worktree.) ``dim`` must be the timed
    runs' vector size: the trainer's kernels are compiled for it."""
    small = work / "warm.lines"
    with open(corpus) as f:
        small.write_text("".join(next(f) for _ in range(20)))
    save = work / "warm.bin"
    warmed = set()  # the kernels depend on the variant, not on the learning rate: one run each
    for group in groups:
        for variant in group["variants"]:
            if variant in warmed:
                continue
            warmed.add(variant)
            spec = dict(system="negsample", corpus=str(small), save=str(save), sg=group["sg"], hs=group["hs"],
                        negative=group["negative"], batch=VARIANTS[variant][3], alpha=group["alpha"], epochs=1,
                        workers=workers, seed=1, dim=dim, min_count=min_count, window=WINDOW, sample=SAMPLE)
            run_system("negsample", systems["negsample"], spec, work)
            save.unlink()
    small.unlink()


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
    with atomic_write(path) as f:
        for i in range(0, len(tokens), 1000):
            f.write(" ".join(words[tokens[i:i + 1000]]) + "\n")
    return path, len(tokens)


def run_group(corpus: Path, work: Path, group: dict, systems: dict, seeds, *, epochs: int, workers: int,
              dim: int = 100, min_count: int = 5, files: dict | None = None, log: str = "") -> dict:
    """Every system of ``systems`` that has the group's setting, once per seed (negsample once per variant),
    rotating which goes first. Returns {member_key: [result per seed]}; a peer that fails is dropped from
    ``systems`` (with a message) and keeps the runs it finished."""
    members = [("negsample", v) for v in group["variants"] if "negsample" in systems]
    for system in systems:
        reason = skip_reason(system, group["sg"], group["hs"], workers)
        if system != "negsample" and reason:
            print(f"{log}{group['algorithm']}: skipping {TITLES[system]}: {reason}", flush=True)
        elif system != "negsample":
            members.append((system, None))
    runs = {member_key(group, system, variant): [] for system, variant in members}
    save = work / "vectors.bin"
    for index, seed in enumerate(seeds):
        for system, variant in rotated(members, index):
            if system not in systems:
                continue  # failed earlier
            key = member_key(group, system, variant)
            batch = VARIANTS[variant][3] if variant else False
            spec = dict(system=system, corpus=str(corpus), save=str(save), sg=group["sg"], hs=group["hs"],
                        negative=group["negative"], batch=batch, alpha=group["alpha"], epochs=epochs,
                        workers=workers, seed=seed, dim=dim, min_count=min_count, window=WINDOW, sample=SAMPLE)
            try:
                result = run_system(system, systems[system], spec, work)
            except PeerFailed as exc:
                print(f"{log}skipping {TITLES[system]} from now on: {exc}", flush=True)
                del systems[system]
                continue
            with open(save, "rb") as f:
                result["vocab"] = int(f.readline().split()[0])
            if files is not None:
                result.update(score_vectors(save, files))
            save.unlink()
            result["seed"] = seed
            runs[key].append(result)
            print(f"{log}{group['algorithm']} @{group['alpha']} seed {seed} {key:17s} {_run_summary(result)}",
                  flush=True)
    return runs


def _run_summary(r: dict) -> str:
    training = f" (training {r['train_seconds']:5.1f}s)" if r.get("train_seconds") is not None else ""
    if r.get("start_seconds") is not None:  # negsample: warm-up, reading and vocabulary, before training
        training += f" (start {r['start_seconds']:.2f}s)"
    quality = "".join(f"  {title} {r[key]:.4f}" for key, title in QUALITY if key in r)
    return f"{r['seconds']:6.1f}s{training}{quality}  peak {r['peak_mb']:.0f} MB"


def by_seed(runs: list[dict]) -> dict[int, dict]:
    return {r["seed"]: r for r in runs}


def ratio_cell(peer: list[dict], ours: list[dict]) -> str:
    """Whole-run ratio peer time / negsample time (ratio of the means), per-seed paired median beside it."""
    if not peer or not ours:
        return "—"
    whole = mean_sd(r["seconds"] for r in peer)[0] / mean_sd(r["seconds"] for r in ours)[0]
    mine, theirs = by_seed(ours), by_seed(peer)
    common = sorted(set(mine) & set(theirs))
    paired = paired_median([theirs[s]["seconds"] for s in common], [mine[s]["seconds"] for s in common])
    return f"**{whole:.2f}x** ({paired:.2f}x)"


def spread_cell(values, digits: int = 4) -> str:
    mean, sd = mean_sd(values)
    if np.isnan(mean):
        return "—"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def text8_tables(groups, all_runs, peers, n_words, epochs) -> list[str]:
    def words_per_s(runs) -> str:
        return f"{n_words * epochs / mean_sd(r['seconds'] for r in runs)[0] / 1e3:,.0f}k" if runs else "—"

    head = "| variant | alpha | negsample words/s |" + "".join(
        f" {TITLES[p]} words/s | {TITLES[p]} / negsample time |" for p in peers)
    speed = [head, "|---|---:|---:|" + "---:|---:|" * len(peers)]
    quality = ["| variant | alpha | system | analogy | semantic | syntactic | WS-353 | SimLex-999 | peak MB "
               "| whole run s (training s) |", "|---|---:|---|---|---|---|---|---|---:|---:|"]
    delta = ["| variant | alpha |" + "".join(f" {title} |" for _, title in QUALITY), "|---|---:|" + "---|" * 5]
    for group in groups:
        runs = all_runs[f"{group['algorithm']} @{group['alpha']}"]
        for variant in group["variants"]:
            ours = runs.get(member_key(group, "negsample", variant), [])
            cells = "".join(f" {words_per_s(runs.get(p, []))} | {ratio_cell(runs.get(p, []), ours)} |"
                            for p in peers)
            speed.append(f"| {variant} | {group['alpha']} | {words_per_s(ours)} |{cells}")
            if runs.get("gensim") and ours:
                diffs = (difference_t([r.get(k) for r in ours], [r.get(k) for r in runs["gensim"]])
                         for k, _ in QUALITY)
                delta.append(f"| {variant} | {group['alpha']} |" + "".join(
                    f" {d:+.4f} (t {'—' if np.isnan(t) else f'{t:+.1f}'}) |" for d, t in diffs))
        for key, results in runs.items():
            if not results:
                continue
            name = TITLES[key] if key in TITLES else f"negsample {key.split()[-1]}"
            cells = "".join(f" {spread_cell(r.get(k) for r in results)} |" for k, _ in QUALITY)
            seconds, training = (mean_sd(r.get(k) for r in results)[0] for k in ("seconds", "train_seconds"))
            quality.append(f"| {group['algorithm']} | {group['alpha']} | {name} |{cells} "
                           f"{mean_sd(r['peak_mb'] for r in results)[0]:.0f} | {seconds:.2f}"
                           + (f" ({training:.2f}) |" if not np.isnan(training) else " |"))
    lines = ["#### Speed", "", *speed, "", "#### Quality (mean ± sd over seeds)", "", *quality]
    if len(delta) > 2:
        lines += ["", "#### negsample minus gensim (t = difference / its standard error)", "", *delta]
    return lines


def text8_scenario(args, corpus, n_words, work) -> list[str]:
    files = evaluation_files(args.data)
    systems = find_systems(args.systems)
    groups = text8_groups(args.variants, args.sg_alphas, args.cbow_alphas)
    all_runs = args.raw.setdefault("text8", {})
    warm_cache(corpus, work, groups, systems, workers=args.workers)
    for group in groups:
        all_runs[f"{group['algorithm']} @{group['alpha']}"] = run_group(
            corpus, work, group, systems, args.seeds, epochs=args.epochs, workers=args.workers, files=files)
    peers = [s for s in args.systems if s != "negsample" and any(all_runs[g].get(s) for g in all_runs)]
    first = next((r[0] for runs in all_runs.values() for r in runs.values() if r), {})
    coverage = ", ".join(f"{name}: {first[f'{key}_pairs']} of {first[f'{key}_pairs'] + first[f'{key}_oov']} "
                         "pairs" for key, name in (("ws353", "WS-353"), ("simlex", "SimLex-999"))
                         if f"{key}_pairs" in first)
    return [
        "### text8_prefix: speed and quality",
        "",
        f"text8_prefix ({n_words:,} tokens) in 1,000-token lines; vector_size 100, window {WINDOW}, negative 5 "
        f"(NS) or hs (HS), sample {SAMPLE:g}, min_count 5, {args.epochs} epochs, {args.workers} workers, the "
        f"learning rate (alpha) of each row given to every system; seeds {args.seeds}. Time = the whole run "
        "(read, vocabulary, train, write the vectors in binary word2vec format); words/s = raw corpus "
        "tokens x epochs / that time. A ratio is **peer time / negsample time over the means** (above 1: "
        "negsample is faster), with the median of the per-seed paired ratios in brackets.",
        "",
        *text8_tables(groups, all_runs, peers, n_words, args.epochs),
        "",
        "Notes:",
        "- Quality: every system's vectors file scored by negsample's evaluators (gensim's numbers): Google "
        "analogies with restrict_vocab=30000 (3CosAdd; *semantic* = sections not starting with \"gram\", "
        f"*syntactic* = the \"gram\" sections), Spearman on WS-353 and SimLex-999 ({coverage} in the "
        "vocabulary). Peak MB = the training process's peak resident memory (evaluation not included).",
        "- negsample and gensim take the seed; the C tool and pWord2Vec have none (each thread seeds its "
        "generator with its id) and the fastText 0.9.2 wheel takes none, so their spread over seeds is "
        "thread timing alone. fastText draws negatives from count^0.5, not count^0.75, and decays its "
        "learning rate to 0 (the C tool and pWord2Vec to alpha x 1e-4, negsample and gensim to 1e-4).",
        "- The C tool, pWord2Vec and fastText turn every line end into a `</s>` token (1 per 1,000 words); "
        "the C tool and pWord2Vec keep it as their vocabulary's first word. pWord2Vec runs with "
        f"-batch-size {2 * WINDOW + 1} (its default, 2 x window + 1); it has SG-NS only. The C tool needs 2 "
        "threads or more (with 1 it trains only the first epoch).",
        "- The Python systems' time starts at the call that trains (after their imports); the compiled "
        "peers' time is their whole process. *training s*: negsample's epochs' wall time, gensim's "
        "`total_train_time`; the rest of a whole run is reading, vocabulary and writing (negsample's JSON "
        "records *start_seconds*, the time until its vocabulary is built: kernel warm-up and reading).",
    ]


def zipf_scenario(args, work) -> list[str]:
    corpus, n_words = prepare_zipf_corpus(work, args.zipf_vocab, args.zipf_tokens)
    lines = [
        "### 1M-word vocabulary: rows that no cache holds",
        "",
        f"Synthetic Zipf corpus: {args.zipf_vocab:,} distinct words (count of rank r proportional to 1/r, every "
        f"word at least once), {n_words:,} tokens in random order, 1,000-token lines "
        f"(`prepare_zipf_corpus`). vector_size 300, window 5, negative 5, sample 1e-4, min_count 1, alpha "
        f"0.025, {args.zipf_epochs} epoch(s), {args.workers} workers; mean of seeds {args.seeds}. Each matrix "
        f"is {args.zipf_vocab * 300 * 4 / 1e9:.1f} GB. Time = the whole run including writing the binary "
        "vectors; there is nothing to evaluate.",
        "",
        "| variant | negsample s | gensim s | speed ratio | negsample training s | gensim training s "
        "| peak MB (ns / gensim) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    systems = {"negsample": "python", "gensim": "python"}
    for variant in ZIPF_VARIANTS:
        group = text8_groups([variant], [0.025], [0.025])[0]
        warm_cache(corpus, work, [group], systems, workers=args.workers, dim=300, min_count=1)
        runs = run_group(corpus, work, group, systems, args.seeds, epochs=args.zipf_epochs,
                         workers=args.workers, dim=300, min_count=1, log="zipf1m ")
        ns, gs = runs["negsample"], runs["gensim"]
        assert ns[0]["vocab"] == gs[0]["vocab"] == args.zipf_vocab, (ns[0]["vocab"], gs[0]["vocab"])
        m = {(s, k): mean_sd(r[k] for r in runs[s])[0] for s in systems for k in ("seconds", "train_seconds",
                                                                                  "peak_mb")}
        lines.append(
            f"| {variant} | {m['negsample', 'seconds']:.1f} | {m['gensim', 'seconds']:.1f} "
            f"| **{m['gensim', 'seconds'] / m['negsample', 'seconds']:.2f}x** "
            f"| {m['negsample', 'train_seconds']:.1f} | {m['gensim', 'train_seconds']:.1f} "
            f"| {m['negsample', 'peak_mb']:.0f} / {m['gensim', 'peak_mb']:.0f} |")
        args.raw.setdefault("zipf1m", {})[variant] = runs
    corpus.unlink()
    return lines


def scaling_scenario(args, corpus, n_words, work) -> list[str]:
    lines = [
        "### Thread scaling: 2 workers against 1",
        "",
        f"text8_prefix, SG-NS batched (negsample) and SG-NS (gensim), settings as above (alpha 0.025), "
        f"{args.epochs} epochs, seeds {args.seeds}. *Whole run* is the time a user waits; *training* leaves "
        "out the single-threaded reading and vocabulary (negsample: the epochs' wall time; gensim: "
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
    systems = {"negsample": "python", "gensim": "python"}
    group = text8_groups(["SG-NS batched"], [0.025], [0.025])[0]
    per_workers = {1: {"negsample": [], "gensim": []}, 2: {"negsample": [], "gensim": []}}
    for workers in (1, 2):
        warm_cache(corpus, work, [group], systems, workers=workers)
    for seed in args.seeds:
        for workers in ((1, 2) if seed % 2 else (2, 1)):
            runs = run_group(corpus, work, group, systems, [seed], epochs=args.epochs, workers=workers,
                             log=f"scaling workers={workers} ")
            for system, results in runs.items():
                per_workers[workers][system].extend(results)
    for system in systems:
        one, two = per_workers[1][system], per_workers[2][system]
        cells = []
        for key in ("seconds", "train_seconds"):
            paired = paired_median([a[key] for a in one], [b[key] for b in two])
            mean_one, mean_two = mean_sd(a[key] for a in one)[0], mean_sd(b[key] for b in two)[0]
            cells.append(f"{mean_one:.2f}s / {mean_two:.2f}s | **{paired:.2f}x** ({mean_one / mean_two:.2f}x)")
        lines.append(f"| {system} | {cells[0]} | {cells[1]} |")
    args.raw["scaling"] = per_workers
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--scenarios", nargs="+", default=SCENARIOS, choices=SCENARIOS)
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS,
                        help="text8 only; zipf1m and scaling run negsample and gensim")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--sg-alphas", type=float, nargs="+", default=[0.025],
                        help="learning rates of the skip-gram rows (text8)")
    parser.add_argument("--cbow-alphas", type=float, nargs="+", default=[0.025, 0.05],
                        help="learning rates of the CBOW rows (text8)")
    parser.add_argument("--zipf-vocab", type=int, default=1_000_000)
    parser.add_argument("--zipf-tokens", type=int, default=10_000_000)
    parser.add_argument("--zipf-epochs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--suffix", default="", help="results go to word2vec_<scenario><suffix>.{md,json}")
    parser.add_argument("--work", type=Path, default=HERE / "_work", help="corpus, vectors and logs")
    args = parser.parse_args()
    if not (args.data / "text8_prefix.zip").exists():
        sys.exit(f"benchmark data not found: {args.data / 'text8_prefix.zip'} (pass --data)")
    if "negsample" not in args.systems:
        sys.exit("--systems must include negsample (every ratio is to negsample)")
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=args.work))
    corpus, n_words = prepare_corpus(args.data, work)
    first_compile, cached_compile = compile_seconds()
    print(f"kernel compile: first call {first_compile:.1f}s, from cache {cached_compile:.1f}s", flush=True)
    args.raw = {}
    command = "python benchmarks/word2vec.py " + " ".join(sys.argv[1:])
    header = [
        f"Command: `{command.strip()}`",
        "",
        "Each run is a fresh process; per seed the systems rotate which goes first. "
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
        stem = f"word2vec_{scenario}{args.suffix}"
        with atomic_write(args.out / f"{stem}.md") as f:
            f.write(table)
        with atomic_write(args.out / f"{stem}.json") as f:
            f.write(json.dumps({"command": command, "n_words": n_words, "compile_first_s": first_compile,
                                "compile_cached_s": cached_compile, "runs": args.raw.get(scenario)}, indent=1))
    corpus.unlink()
    for leftover in work.iterdir():
        leftover.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
