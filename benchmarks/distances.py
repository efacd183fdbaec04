"""Euclidean distance matrices: ``negsample.distances.EuclideanDistance`` against ``torch.cdist``'s two modes.

    python benchmarks/distances.py [--shapes 256x128 1024x128 256x512] [--repeats 15]

For each shape ``n x dim`` the rows are L2-normalised float32 with one planted near-duplicate pair
(1e-4 apart), and every method computes the ``(n, n)`` matrix of the batch against itself:

* ``cdist exact``: ``torch.cdist(compute_mode="donot_use_mm_for_euclid_dist")``;
* ``cdist matmul``: ``torch.cdist(compute_mode="use_mm_for_euclid_dist")`` (``|a|^2 + |b|^2 - 2ab``);
* ``negsample``: ``EuclideanDistance().pairwise`` (the matmul route, each row's nearest pairs
  recomputed from their differences), in float32, float16 and bfloat16 (computed in float32).

Times are medians over ``--repeats`` calls on ``--threads`` torch threads (default 1), forward
alone and forward + backward of the sum, methods interleaved within each repeat. The error columns
are the largest absolute difference from float64 exact distances, over the whole matrix and at the
planted pair. Writes
``benchmarks/results/distances.{md,json}`` and prints the markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

__all__ = ["main"]

RESULTS = Path(__file__).resolve().parent / "results"


def _methods(torch):
    from negsample.distances import EuclideanDistance

    ours = EuclideanDistance()
    return {
        "cdist exact": lambda x: torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist"),
        "cdist matmul": lambda x: torch.cdist(x, x, compute_mode="use_mm_for_euclid_dist"),
        "negsample": ours.pairwise,
        "negsample float16": lambda x: ours.pairwise(x.half()),
        "negsample bfloat16": lambda x: ours.pairwise(x.bfloat16()),
    }


def run(n: int, dim: int, repeats: int, seed: int) -> dict:
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.nn.functional.normalize(torch.randn(n, dim, generator=g), dim=1)
    x[1] = torch.nn.functional.normalize(x[0] + 1e-4 * torch.randn(dim, generator=g), dim=0)
    truth = torch.cdist(x.double(), x.double(), compute_mode="donot_use_mm_for_euclid_dist")
    methods = _methods(torch)
    forward, backward, error, pair_error = {}, {}, {}, {}
    for name, fn in methods.items():
        out = fn(x).double()
        error[name] = float((out - truth).abs().max())
        pair_error[name] = float((out[0, 1] - truth[0, 1]).abs())
        forward[name], backward[name] = [], []
    for _ in range(repeats):
        for name, fn in methods.items():
            start = time.perf_counter()
            fn(x)
            forward[name].append(time.perf_counter() - start)
            leaf = x.clone().requires_grad_(True)
            start = time.perf_counter()
            fn(leaf).float().sum().backward()
            backward[name].append(time.perf_counter() - start)
    return {"n": n, "dim": dim, "forward_s": {k: statistics.median(v) for k, v in forward.items()},
            "forward_backward_s": {k: statistics.median(v) for k, v in backward.items()},
            "max_error": error, "planted_pair_error": pair_error}


def markdown(results: list[dict], command: str, env: dict) -> str:
    lines = ["# Euclidean distance matrices", "", f"Reproduce: `{command}`", "",
             f"Machine: {env['machine']}; torch {env['torch']} ({env['torch_threads']} threads); median of "
             f"{env['repeats']} calls; errors against float64 exact distances.", "",
             "| n x dim | method | forward ms | fwd+bwd ms | vs cdist exact (fwd) | max error "
             "| error at the near-duplicate |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for res in results:
        exact = res["forward_s"]["cdist exact"]
        for name, seconds in res["forward_s"].items():
            lines.append(f"| {res['n']}x{res['dim']} | {name} | {1e3 * seconds:.2f} | "
                         f"{1e3 * res['forward_backward_s'][name]:.2f} | {exact / seconds:.1f}x | "
                         f"{res['max_error'][name]:.1e} | {res['planted_pair_error'][name]:.1e} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", nargs="+", default=["256x128", "1024x128", "256x512"])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: timings that do not depend on what else the cores run)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)

    argv_shown = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(["python", "benchmarks/distances.py", *argv_shown])
    env = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(), "torch": torch.__version__,
           "torch_threads": torch.get_num_threads(), "repeats": args.repeats}
    results = []
    for shape in args.shapes:
        n, dim = (int(v) for v in shape.lower().split("x"))
        results.append(run(n, dim, args.repeats, args.seed))
    table = markdown(results, command, env)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "distances.md").write_text(table)
    (args.out / "distances.json").write_text(json.dumps({"command": command, "env": env, "results": results},
                                                         indent=2))
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
