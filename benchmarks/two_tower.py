"""Two-tower retrieval on MovieLens 100K: which negatives give the best top-20 ranking?

Towers are plain embedding tables (a user vector, an item vector); the score is the dot product of
the L2-normalised vectors divided by a temperature, and every method minimises a softmax
cross-entropy over the positive and its negatives. Only the negatives change:

* ``uniform`` / ``popularity``: shared negatives drawn from ``Uniform`` / ``Unigram(item counts,
  power=1)``, with the sampled-softmax logQ correction (``negsample.losses.SampledSoftmaxLoss``).
* ``in-batch``: the other positives of the batch (``negsample.retrieval.in_batch_logits``).
* ``in-batch+logQ``: the same, corrected by each item's log training frequency.
* ``cross-batch``: in-batch+logQ plus the item embeddings of recent batches
  (``negsample.retrieval.CrossBatchMemory``).
* ``mixed``: in-batch+logQ plus uniformly sampled items (``negsample.retrieval.MixedNegatives``).

Split: per user, the last interaction by timestamp is the test item, the rest is training data.
Metrics: full ranking over all items except the user's training items, Recall@20 and NDCG@20
(``negsample.evaluation``). ``popular`` (rank by training count, no model) is a reference row.

Run (a few minutes on 2 cores)::

    python benchmarks/two_tower.py --data /work/shared/data/movielens/ml-100k.zip

The MovieLens file is read in place (never copied). Writes ``benchmarks/results/two_tower.{md,json}``.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import shlex
import statistics
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch

from negsample.evaluation import ndcg_at_k, recall_at_k
from negsample.losses import SampledSoftmaxLoss
from negsample.noise import Uniform, Unigram
from negsample.retrieval import CrossBatchMemory, MixedNegatives, append_negatives, in_batch_logits

__all__ = ["main"]

METHODS = ["popular", "uniform", "popularity", "in-batch", "in-batch+logQ", "cross-batch", "mixed"]
DEFAULT_DATA = str(Path(__file__).resolve().parents[2] / "shared" / "data" / "movielens" / "ml-100k.zip")


# ---------------------------------------------------------------------- data
def load_movielens(path: Path):
    """(user, item, timestamp) int64 arrays, ids 0-based, from ``ml-100k/u.data`` inside the zip."""
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("ml-100k/u.data")
    table = np.loadtxt(io.BytesIO(raw), dtype=np.int64)
    return table[:, 0] - 1, table[:, 1] - 1, table[:, 3]


def leave_last_out(users, items, timestamps):
    """Each user's latest interaction (ties: larger item id) is the test item; the rest is training."""
    order = np.lexsort((items, timestamps, users))  # by user, then time, then item
    users, items = users[order], items[order]
    is_last = np.r_[users[1:] != users[:-1], True]
    return (users[~is_last], items[~is_last]), (users[is_last], items[is_last])


# ---------------------------------------------------------------------- model
class TwoTower(torch.nn.Module):
    def __init__(self, num_users: int, num_items: int, dim: int):
        super().__init__()
        self.users = torch.nn.Embedding(num_users, dim)
        self.items = torch.nn.Embedding(num_items, dim)
        for table in (self.users, self.items):
            torch.nn.init.normal_(table.weight, std=0.1)

    def user(self, ids):
        return torch.nn.functional.normalize(self.users(ids), dim=-1)

    def item(self, ids):
        return torch.nn.functional.normalize(self.items(ids), dim=-1)


class Objective:
    """One source of negatives: ``loss(model, users, items)`` for a batch of (user, positive item)."""

    def __init__(self, method: str, item_counts: np.ndarray, args, generator: torch.Generator):
        self.method = method
        self.t = args.temperature
        self.generator = generator
        self.num_sampled = args.num_sampled
        # log of each item's training frequency: the in-batch sampling probability of a candidate.
        frequency = Unigram(item_counts, power=1.0)
        self.item_log_q = frequency.log_prob(torch.arange(len(item_counts)))
        num_items = len(item_counts)
        self.noise = {"uniform": Uniform(num_items), "popularity": frequency}.get(method)
        self.sampled_softmax = SampledSoftmaxLoss()
        self.memory = CrossBatchMemory(size=args.memory_size, dim=args.dim) if method == "cross-batch" else None
        self.mixed = (
            MixedNegatives(noise=Uniform(num_items), num_sampled=args.num_sampled, temperature=self.t)
            if method == "mixed"
            else None
        )

    def __call__(self, model: TwoTower, users, items) -> torch.Tensor:
        queries, positives = model.user(users), model.item(items)
        labels = torch.arange(len(users))
        if self.noise is not None:  # sampled softmax with shared negatives
            neg_ids = self.noise.sample((self.num_sampled,), generator=self.generator)
            pos_logits = (queries * positives).sum(-1) / self.t
            neg_logits = queries @ model.item(neg_ids).T / self.t
            return self.sampled_softmax(
                pos_logits, neg_logits, self.noise.log_prob(items), self.noise.log_prob(neg_ids),
                pos_ids=items, neg_ids=neg_ids,
            )  # fmt: skip
        log_q = self.item_log_q[items]
        if self.mixed is not None:
            logits = self.mixed(queries, positives, items, model.item, candidate_log_q=log_q, generator=self.generator)
            return torch.nn.functional.cross_entropy(logits, labels)
        use_log_q = self.method != "in-batch"
        logits = in_batch_logits(
            queries, positives, candidate_ids=items, log_q=log_q if use_log_q else None, temperature=self.t
        )
        if self.memory is not None:
            old = self.memory.negatives()
            logits = append_negatives(
                logits, queries, old.embeddings, row_ids=items, negative_ids=old.ids, log_q=old.log_q,
                temperature=self.t,
            )  # fmt: skip
            self.memory.enqueue(positives, items, log_q)
        return torch.nn.functional.cross_entropy(logits, labels)


# ---------------------------------------------------------------------- evaluation
def top_k(scores: torch.Tensor, train, k: int) -> np.ndarray:
    """Indices of the k best items per user after removing each user's training items."""
    train_users, train_items = train
    scores = scores.clone()
    scores[torch.as_tensor(train_users), torch.as_tensor(train_items)] = float("-inf")
    return scores.topk(k, dim=1).indices.numpy()


def evaluate(scores: torch.Tensor, train, test, k: int) -> dict:
    test_users, test_items = test
    ranked = top_k(scores, train, k)[test_users]
    return {
        f"recall@{k}": recall_at_k(ranked, test_items, k),
        f"ndcg@{k}": ndcg_at_k(ranked, test_items, k),
    }


def run(method: str, seed: int, train, test, num_users: int, num_items: int, args) -> dict:
    item_counts = np.bincount(train[1], minlength=num_items).astype(np.float64)
    if method == "popular":
        scores = torch.as_tensor(item_counts, dtype=torch.float32).expand(num_users, num_items)
        return evaluate(scores, train, test, args.k)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = TwoTower(num_users, num_items, args.dim)
    objective = Objective(method, item_counts, args, generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    users, items = torch.as_tensor(train[0]), torch.as_tensor(train[1])
    for _ in range(args.epochs):
        order = torch.randperm(len(users), generator=generator)
        for start in range(0, len(order) - args.batch_size + 1, args.batch_size):  # full batches only
            batch = order[start : start + args.batch_size]
            loss = objective(model, users[batch], items[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        scores = model.user(torch.arange(num_users)) @ model.item(torch.arange(num_items)).T
    return evaluate(scores, train, test, args.k)


# ---------------------------------------------------------------------- report
NOTES = [
    "Notes (how to read the table; the diagnosis below comes from development runs, not from this script):",
    "",
    "* With 943 test users the standard error of Recall@20 is about sqrt(0.16 x 0.84 / 943) = 0.012, so "
    "differences below ~0.02 between rows are noise.",
    "* `in-batch` without correction over-penalises popular items (each is a negative in many rows); the logQ "
    "correction removes that bias and brings in-batch negatives level with full-catalogue sampled softmax.",
    "* `cross-batch` adds negatives that only train the user tower: with free item embedding tables, an item "
    "gets its push-away signal only when it is in the current batch, and the extra memory columns dilute that "
    "signal. Re-embedding the memory ids with the current tables but detached gave the same drop (Recall@20 "
    "0.144 vs 0.165 for in-batch+logQ, seed 0, 5 epochs), while letting gradients flow into them recovered it "
    "(0.160), so the loss is not due to stale embeddings; a larger memory (or a smaller batch) made it worse. "
    "Free embedding tables are the least favourable case for gradient-free negatives; an item tower whose "
    "parameters are shared across items was not tested here.",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(DEFAULT_DATA), help="path to ml-100k.zip")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--temperature", type=float, default=0.1)
    parser.add_argument("--num-sampled", type=int, default=512, help="sampled negatives (uniform, popularity, mixed)")
    parser.add_argument("--memory-size", type=int, default=2048, help="CrossBatchMemory size (cross-batch)")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (small matrices: 1 is fastest)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results", help="results directory")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if not args.data.is_file():
        sys.exit(
            f"two_tower.py: MovieLens 100K not found at {args.data}. Download ml-100k.zip from "
            "https://grouplens.org/datasets/movielens/100k/ (outside this repository) and pass --data PATH."
        )
    torch.set_num_threads(args.threads)
    command = "python benchmarks/two_tower.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    users, items, timestamps = load_movielens(args.data)
    num_users, num_items = int(users.max()) + 1, int(items.max()) + 1
    train, test = leave_last_out(users, items, timestamps)
    print(f"{num_users} users, {num_items} items, {len(train[0])} training / {len(test[0])} test interactions")

    results = {}
    start = time.perf_counter()
    for method in args.methods:
        t0 = time.perf_counter()
        seeds = args.seeds[:1] if method == "popular" else args.seeds  # deterministic reference
        runs = [run(method, seed, train, test, num_users, num_items, args) for seed in seeds]
        summary = {"runs": runs, "seconds": time.perf_counter() - t0}
        for metric in runs[0]:
            values = [r[metric] for r in runs]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            summary[metric] = {"mean": statistics.fmean(values), "std": spread}
        results[method] = summary
        recall, ndcg = summary[f"recall@{args.k}"], summary[f"ndcg@{args.k}"]
        print(
            f"{method:>14}: Recall@{args.k} {recall['mean']:.4f} ± {recall['std']:.4f}  "
            f"NDCG@{args.k} {ndcg['mean']:.4f} ± {ndcg['std']:.4f}  ({summary['seconds']:.0f} s)",
            flush=True,
        )
    total = time.perf_counter() - start

    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    report = {
        "command": command.strip(),
        "config": config,
        "data": {"users": num_users, "items": num_items, "train": len(train[0]), "test": len(test[0])},
        "results": results,
        "total_seconds": total,
        "platform": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "machine": platform.machine(),
        },
    }
    k = args.k
    lines = [
        "# Two-tower retrieval on MovieLens 100K: sources of negatives",
        "",
        "Reproduce with:",
        "",
        "```",
        command.strip(),
        "```",
        "",
        f"Leave-last-out per user ({num_users} users, {num_items} items, {len(train[0])} training "
        f"interactions); full ranking over all items minus the user's training items. Towers: user and item "
        f"embedding tables, dim {args.dim}, L2-normalised, temperature {args.temperature}; Adam lr {args.lr}, "
        f"{args.epochs} epochs, batch {args.batch_size}; {args.num_sampled} sampled negatives (uniform, "
        f"popularity, mixed), memory of {args.memory_size} (cross-batch). Mean ± std over seeds {args.seeds}; "
        "`popular` ranks by training count (no model).",
        "",
        f"| negatives | Recall@{k} | NDCG@{k} | seconds (all seeds) |",
        "|---|---|---|---|",
    ]
    for method, r in results.items():
        recall, ndcg = r[f"recall@{k}"], r[f"ndcg@{k}"]
        lines.append(
            f"| {method} | {recall['mean']:.4f} ± {recall['std']:.4f} | {ndcg['mean']:.4f} ± {ndcg['std']:.4f} "
            f"| {r['seconds']:.0f} |"
        )
    lines += ["", f"Total time {total:.0f} s; torch {torch.__version__}, {args.threads} thread(s).", "", *NOTES]
    markdown = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "two_tower.md").write_text(markdown)
    (args.out / "two_tower.json").write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(markdown)
    return report


if __name__ == "__main__":
    main()
