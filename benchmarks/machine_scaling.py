"""What two cores of this machine give: the same work in 1 and in 2 processes at once.

    python benchmarks/machine_scaling.py

Two workloads, each run by one process and then by two processes side by side (each doing the
whole work), best of 3: an integer loop that lives in registers (how well the two vCPUs compute in
parallel) and repeated sums over a 64 MB array (how well they share memory bandwidth and the 32 MB L3).
The throughput scaling is 2 x (one process's time) / (two processes' time): 2.0 means the second core
adds a whole core. word2vec training gathers and scatters rows of two matrices that together exceed
the L3 (text8: 2 x 58k x 100 float32 = 46 MB), so it sits between the two.
"""

from __future__ import annotations

import multiprocessing as mp
import time

import numpy as np


def spin(n: int) -> int:
    x = 0
    for i in range(n):
        x += i * i % 7
    return x


def stream(repeats: int) -> float:
    a = np.ones(64_000_000 // 8)
    total = 0.0
    for _ in range(repeats):
        total += a.sum()
    return total


def seconds(fn, arg, processes: int) -> float:
    with mp.Pool(processes) as pool:
        t0 = time.perf_counter()
        pool.map(fn, [arg] * processes)
        return time.perf_counter() - t0


def main() -> None:
    for name, fn, arg in (("integer loop (registers only)", spin, 30_000_000),
                          ("sums over 64 MB (memory)", stream, 400)):
        one = min(seconds(fn, arg, 1) for _ in range(3))
        two = min(seconds(fn, arg, 2) for _ in range(3))
        print(f"{name}: 1 process {one:.2f} s, 2 processes {two:.2f} s -> throughput scaling {2 * one / two:.2f}x")


if __name__ == "__main__":
    main()
