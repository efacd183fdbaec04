"""Noise sampling throughput: ``negsample.noise.Unigram`` vs NumPy's and PyTorch's built-in samplers.

    python benchmarks/samplers.py [--classes 10000 1000000] [--draws 1000000] [--repeats 7]

For each vocabulary size the counts follow Zipf's law (count of rank r ~ 1/r) and every sampler
draws ``--draws`` ids from the same distribution (``Unigram(counts, power=0.75).probs``):

* negsample Unigram, NumPy path: ``noise.sample(draws, rng=generator)`` (compiled alias-table kernel);
* negsample Unigram, torch path: ``noise.sample((draws,), generator=torch_generator)`` (CPU tensors);
* ``numpy.random.Generator.choice(num_classes, draws, p=probs)``;
* ``torch.multinomial(probs, draws, replacement=True)``.

Table construction (alias table, tensors) happens once, outside the timings, as it would in training;
its cost is reported separately. Methods are interleaved within each repeat so drift in machine load
hits all alike; the table shows the median time per call. torch runs with its default thread count
(printed); the NumPy paths are single-threaded.

Writes ``benchmarks/results/samplers.{md,json}`` and prints the markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["main"]

RESULTS = Path(__file__).resolve().parent / "results"


def zipf_counts(num_classes: int) -> np.ndarray:
    return np.floor(1e9 / np.arange(1, num_classes + 1)) + 1


def make_methods(num_classes: int, draws: int, seed: int):
    """Name -> zero-argument callable drawing ``draws`` ids; plus the table build time in seconds."""
    import torch

    from negsample.noise import Unigram

    Unigram([1.0, 2.0])  # loads the compiled table builder, so its one-off cost is not counted below
    start = time.perf_counter()
    noise = Unigram(zipf_counts(num_classes), power=0.75)
    build_seconds = time.perf_counter() - start
    start = time.perf_counter()
    noise.sample(1, device="cpu")  # copies the table to torch once (cached per device)
    torch_build_seconds = time.perf_counter() - start

    numpy_rng = np.random.default_rng(seed)
    torch_gen = torch.Generator().manual_seed(seed)
    probs = noise.probs
    probs_tensor = torch.as_tensor(probs)
    methods = {
        "negsample Unigram (NumPy)": lambda: noise.sample(draws, rng=numpy_rng),
        "negsample Unigram (torch)": lambda: noise.sample((draws,), generator=torch_gen),
        "numpy Generator.choice(p=)": lambda: numpy_rng.choice(num_classes, draws, p=probs),
        "torch.multinomial": lambda: torch.multinomial(probs_tensor, draws, replacement=True, generator=torch_gen),
    }
    return methods, {"numpy_table_s": build_seconds, "torch_table_s": torch_build_seconds}


def run(num_classes: int, draws: int, repeats: int, seed: int) -> dict:
    methods, build = make_methods(num_classes, draws, seed)
    for fn in methods.values():  # warm up: numba dispatch, allocator, torch kernels
        fn()
    times = {name: [] for name in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    return {"num_classes": num_classes, "draws": draws, "times_s": times, "median_s": medians, "build_s": build}


def markdown(results: list[dict], command: str, env: dict) -> str:
    lines = [
        "# Noise sampler throughput",
        "",
        f"Reproduce: `{command}`",
        "",
        f"Machine: {env['machine']}; Python {env['python']}, NumPy {env['numpy']}, numba {env['numba']}, "
        f"torch {env['torch']} ({env['torch_threads']} threads). Zipf counts, `Unigram(counts, power=0.75)`; "
        f"median of {env['repeats']} calls of {env['draws']:,} draws each.",
        "",
        "| classes | sampler | median ms / call | M draws / s | vs `Generator.choice` | vs `torch.multinomial` |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for res in results:
        choice = res["median_s"]["numpy Generator.choice(p=)"]
        multinomial = res["median_s"]["torch.multinomial"]
        for name, seconds in res["median_s"].items():
            lines.append(
                f"| {res['num_classes']:,} | {name} | {1e3 * seconds:.2f} | {res['draws'] / seconds / 1e6:.1f} "
                f"| {choice / seconds:.1f}x | {multinomial / seconds:.1f}x |"
            )
    lines += ["", "One-off table construction (not in the timings above):", ""]
    for res in results:
        lines.append(
            f"- {res['num_classes']:,} classes: alias table {1e3 * res['build_s']['numpy_table_s']:.1f} ms, "
            f"copy to torch {1e3 * res['build_s']['torch_table_s']:.1f} ms"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import numba
    import torch

    argv_shown = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(["python", "benchmarks/samplers.py", *argv_shown])
    env = {
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs".replace("  ", " "),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "repeats": args.repeats,
        "draws": args.draws,
    }
    results = [run(n, args.draws, args.repeats, args.seed) for n in args.classes]
    table = markdown(results, command, env)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "samplers.md").write_text(table)
    (args.out / "samplers.json").write_text(json.dumps({"command": command, "env": env, "results": results}, indent=2))
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
