"""Two-tower recommenders on MovieLens 100K: negsample's negatives and losses beside implicit (BPR, ALS),
LightFM (WARP, BPR), RecBole (BPR, LightGCN, SimpleX) and a popularity baseline.

One split for every system: all 100,000 ratings as implicit interactions, per user a seeded random
80 / 10 / 10 share for train / validation / test (``negsample.recsys.random_split``, seed 0). Every
system trains on the training part; hyperparameters (and epochs, by early stopping on NDCG@20 or a
grid) were chosen on the validation part only (``--tune`` prints that sweep). Test metrics come from
one full-ranking protocol for everyone (``negsample.recsys.evaluate.evaluate_embeddings``): every
item is ranked for every test user, the user's training and validation items left out; Recall@20 and
NDCG@20, mean ± std over 3 seeds; training wall time and the time to evaluate all users.

Peers whose package does not import are skipped with the reason in the table. They run in the same
process, one after the other, on the same cores (torch and the peers limited to ``--threads``).

Run (the peers live in their own virtual environment, see BENCHMARKS.md)::

    flock /tmp/negsample-bench.lock python benchmarks/recsys.py --seeds 0 1 2 --threads 1
    python benchmarks/recsys.py --tune          # the named rows on the validation part (seed 0)
    python benchmarks/recsys.py --tune --grid   # the validation sweep (GRID) behind the chosen settings

``--only WORD ...`` runs the rows whose name contains a word, in that order; ``--tag`` suffixes the
result files so that parts can run separately. One thread is the honest setting on a shared 2-core
machine (two make torch spin against other jobs). Writes ``benchmarks/results/recsys{tag}.{json,md}``
(``recsys_tune{tag}`` with ``--tune``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from negsample.recsys import TwoTower, random_split
from negsample.recsys.evaluate import evaluate_embeddings
from negsample.recsys.movielens import load_movielens

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "movielens" / "ml-100k.zip"
OUT = Path(__file__).resolve().parent / "results"

# negsample rows: name -> TwoTowerConfig settings (chosen on the validation split, see --tune).
BASE = {"dim": 64, "epochs": 25, "patience": 3, "batch_size": 1024, "early_stopping": "ndcg@20",
        "user_features": False, "item_features": False}
NEGSAMPLE = {
    "uniform + softmax": {"negatives": "uniform", "num_negatives": 512, "temperature": 0.1, "lr": 0.005},
    "popularity^0.75 + softmax(logQ)": {"negatives": "popularity", "num_negatives": 512, "temperature": 0.1,
                                        "lr": 0.005},
    "in-batch, no logQ": {"negatives": "in-batch", "log_q": "none", "temperature": 0.1, "lr": 0.005},
    "in-batch + logQ (counts)": {"negatives": "in-batch", "temperature": 0.1, "lr": 0.005},
    "in-batch + logQ (streaming)": {"negatives": "in-batch", "log_q": "streaming", "temperature": 0.1, "lr": 0.005},
    "cross-batch + logQ": {"negatives": "cross-batch", "memory_size": 2048, "temperature": 0.1, "lr": 0.005},
    "mixed + logQ": {"negatives": "mixed", "num_negatives": 512, "temperature": 0.1, "lr": 0.005},
    "hard (+ in-batch, logQ)": {"negatives": "hard", "num_negatives": 8, "hard_pool": 100, "temperature": 0.1,
                                "lr": 0.005},
    "uniform + BPR": {"negatives": "uniform", "loss": "bpr", "num_negatives": 256, "temperature": 1.0, "lr": 0.005,
                      "normalize": False, "weight_decay": 0.0},
    "uniform + BPR, 25 epochs, no validation": {"negatives": "uniform", "loss": "bpr", "num_negatives": 256,
                                                "temperature": 1.0, "lr": 0.005, "normalize": False,
                                                "weight_decay": 0.0, "early_stopping": None},
    # RecBole's BPR setting, like for like: one uniform negative per row that the user has not seen in
    # training, batches of 2048, no normalisation, a small initialisation (std 0.03, close to RecBole's
    # Xavier normal; 0.03 against 0.1 was chosen on the validation part).
    "per-row uniform + BPR (RecBole's setting)": {"negatives": "uniform", "loss": "bpr", "num_negatives": 1,
                                                  "shared_negatives": False, "sample_unseen": True,
                                                  "batch_size": 2048, "temperature": 1.0, "lr": 0.005,
                                                  "normalize": False, "init_std": 0.03},
    "per-row uniform + BPR (RecBole's setting), 25 epochs, no validation": {
        "negatives": "uniform", "loss": "bpr", "num_negatives": 1, "shared_negatives": False, "sample_unseen": True,
        "batch_size": 2048, "temperature": 1.0, "lr": 0.005, "normalize": False, "init_std": 0.03,
        "early_stopping": None},
    "uniform + binary NS": {"negatives": "uniform", "loss": "binary", "num_negatives": 8, "temperature": 0.5,
                            "lr": 0.005},
    "uniform + CCL (SimpleX)": {"negatives": "uniform", "loss": "ccl", "num_negatives": 512, "margin": 0.4,
                                "negative_weight": 150.0, "lr": 0.005},
    "mixed + logQ, features + history + MLP": {"negatives": "mixed", "num_negatives": 512, "temperature": 0.1,
                                               "lr": 0.002, "user_features": True, "item_features": True,
                                               "user_history": True, "mlp": (256,)},
}
# The validation sweep (``--tune --grid``, seed 0): towers with user history, features and an MLP (the best
# development run), varying the lever that matters at the top of the ranking: temperature, lr, the source
# of negatives (mixed, many uniform, popularity^0.75 with logQ) and SimpleX's CCL. Selection: NDCG@20.
TOWERS = {"user_features": True, "item_features": True, "user_history": True, "mlp": (256,)}
GRID = {
    "grid: mixed + logQ, T 0.1, lr 0.005": {"negatives": "mixed", "num_negatives": 512, "temperature": 0.1,
                                            "lr": 0.005, **TOWERS},
    "grid: mixed + logQ, T 0.05, lr 0.005": {"negatives": "mixed", "num_negatives": 512, "temperature": 0.05,
                                             "lr": 0.005, **TOWERS},
    "grid: mixed + logQ, T 0.1, lr 0.005, no MLP": {"negatives": "mixed", "num_negatives": 512,
                                                    "temperature": 0.1, "lr": 0.005, **TOWERS, "mlp": ()},
    "grid: uniform 2048 + softmax, T 0.1, lr 0.005": {"negatives": "uniform", "num_negatives": 2048,
                                                      "temperature": 0.1, "lr": 0.005, **TOWERS},
    "grid: popularity^0.75 1024 + logQ, T 0.1, lr 0.005": {"negatives": "popularity", "num_negatives": 1024,
                                                           "temperature": 0.1, "lr": 0.005, **TOWERS},
    "grid: uniform 1024 + CCL, margin 0.4, w 150, lr 0.005": {"negatives": "uniform", "loss": "ccl",
                                                              "num_negatives": 1024, "margin": 0.4,
                                                              "negative_weight": 150.0, "lr": 0.005, **TOWERS},
}
# Cross-batch with an item tower of shared parameters only: no id embedding, but the id hashed into two
# tables of 97 and 89 buckets (~18 items share each bucket) plus genres and year, then an MLP; items
# are told apart by their bucket pair while every parameter is shared by many items.
SHARED = {"item_id": False, "item_features": True, "mlp": (128,), "temperature": 0.1, "lr": 0.005}
NEGSAMPLE_SHARED = {
    "shared item tower (hashed id): in-batch + logQ": {"negatives": "in-batch", **SHARED},
    "shared item tower (hashed id): cross-batch + logQ": {"negatives": "cross-batch", "memory_size": 4096,
                                                          **SHARED},
    "shared item tower (hashed id): cross-batch (memory 1024) + logQ": {"negatives": "cross-batch",
                                                                        "memory_size": 1024, **SHARED},
    # Wang et al. 2021 use the memory only once the embeddings drift slowly: ~2 and ~5 epochs of 79 batches.
    "shared item tower (hashed id): cross-batch (memory 4096, warm-up 160 batches) + logQ": {
        "negatives": "cross-batch", "memory_size": 4096, "memory_warmup": 160, **SHARED},
    "shared item tower (hashed id): cross-batch (memory 4096, warm-up 400 batches) + logQ": {
        "negatives": "cross-batch", "memory_size": 4096, "memory_warmup": 400, **SHARED},
}
HASH_BUCKETS = (97, 89)


def with_hashed_item_ids(data):
    """``data`` with item features ``hash97`` / ``hash89`` (internal id modulo each) beside its own."""
    from negsample.recsys.features import FeatureTable

    ids = data.item_map.values
    order = np.arange(len(ids))
    buckets = FeatureTable.from_columns(ids, data.item_map, source="hashed item ids", categorical={
        f"hash{b}": (order * 7919 % len(ids) % b).astype(str) for b in HASH_BUCKETS})
    fields = {**(data.item_features.fields if data.item_features is not None else {}), **buckets.fields}
    return data.with_features(item_features=FeatureTable(fields, len(ids)))


# ---------------------------------------------------------------------- negsample
def run_negsample(settings, split, seed):
    model = TwoTower(**{**BASE, **settings, "seed": seed})
    # The validation part only where early stopping reads it: fit validates every epoch it is given one.
    valid = split.valid if model.config.early_stopping is not None else None
    started = time.perf_counter()
    model.fit(split.train, valid)
    seconds = time.perf_counter() - started
    return model.user_embeddings(), model.item_embeddings(), seconds, {"epochs": len(model.history)}


# ---------------------------------------------------------------------- peers
def _csr(train):
    from scipy.sparse import csr_matrix

    ones = np.ones(len(train), dtype=np.float32)
    return csr_matrix((ones, (train.users, train.items)), shape=(train.num_users, train.num_items))


def run_popularity(split, seed):
    started = time.perf_counter()
    counts = split.train.item_counts().astype(np.float32)
    return np.ones((split.train.num_users, 1), np.float32), counts[:, None], time.perf_counter() - started, {}


def run_implicit(kind, split, seed, *, threads, **params):
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking

    matrix = _csr(split.train)
    if kind == "als":
        alpha = params.pop("alpha")
        model = AlternatingLeastSquares(random_state=seed, num_threads=threads, **params)
        matrix = matrix * alpha
    else:
        model = BayesianPersonalizedRanking(random_state=seed, num_threads=threads, **params)
    started = time.perf_counter()
    model.fit(matrix, show_progress=False)
    seconds = time.perf_counter() - started
    return np.asarray(model.user_factors), np.asarray(model.item_factors), seconds, {}


def run_lightfm(loss, split, seed, *, threads, epochs, **params):
    from lightfm import LightFM

    matrix = _csr(split.train).tocoo()
    model = LightFM(loss=loss, random_state=seed, **params)
    started = time.perf_counter()
    model.fit(matrix, epochs=epochs, num_threads=threads)
    seconds = time.perf_counter() - started
    user_bias, user_emb = model.get_user_representations()
    item_bias, item_emb = model.get_item_representations()
    users = np.hstack([user_emb, np.ones((len(user_emb), 1))])  # score = u.i + b_i (+ b_u, same per user)
    items = np.hstack([item_emb, item_bias[:, None]])
    return users.astype(np.float32), items.astype(np.float32), seconds, {"epochs": epochs}


def run_recbole(model_name, split, seed, *, epochs, **params):
    """RecBole on the same split (written as its atomic files); scores for all users -> user vectors."""
    import torch

    # RecBole 1.2.1 still uses aliases NumPy 2 removed; give them back (the values are the same types).
    for alias, value in (("float_", np.float64), ("complex_", np.complex128), ("int_", np.int64), ("bool8", np.bool_),
                         ("unicode_", np.str_)):
        if alias not in np.__dict__:
            setattr(np, alias, value)
    import scipy.sparse

    if not hasattr(scipy.sparse.dok_matrix, "_update"):  # LightGCN's adjacency build; gone in SciPy >= 1.12
        scipy.sparse.dok_matrix._update = lambda self, entries: self._dict.update(entries)
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.model import general_recommender
    from recbole.trainer import Trainer
    from recbole.utils import init_seed

    folder = Path(tempfile.mkdtemp(prefix="recbole-"))
    (folder / "ml").mkdir()
    for part, name in ((split.train, "train"), (split.valid, "valid"), (split.test, "test")):
        with open(folder / "ml" / f"ml.{name}.inter", "w") as f:
            f.write("user_id:token\titem_id:token\n")
            f.writelines(f"u{u}\ti{i}\n" for u, i in zip(part.users.tolist(), part.items.tolist()))
    config = Config(model=model_name, dataset="ml", config_dict={
        "data_path": str(folder), "benchmark_filename": ["train", "valid", "test"], "seed": seed,
        "reproducibility": True, "epochs": epochs, "train_batch_size": 2048, "eval_step": epochs + 1,
        "stopping_step": 1000, "metrics": ["Recall", "NDCG"], "topk": [20], "valid_metric": "NDCG@20",
        "eval_args": {"split": {"RS": [0.8, 0.1, 0.1]}, "order": "RO", "mode": "full", "group_by": "user"},
        "show_progress": False, "device": "cpu", "use_gpu": False, "state": "ERROR", "checkpoint_dir": str(folder),
        "log_wandb": False, **params})
    init_seed(seed, True)
    dataset = create_dataset(config)
    train_data, valid_data, _ = data_preparation(config, dataset)
    model = getattr(general_recommender, model_name)(config, train_data.dataset).to("cpu")
    trainer = Trainer(config, model)
    started = time.perf_counter()
    trainer.fit(train_data, valid_data=None, saved=False, show_progress=False)
    seconds = time.perf_counter() - started
    model.eval()
    user_tokens = dataset.field2id_token["user_id"]  # RecBole id -> "u<our id>" ([PAD] at 0)
    item_tokens = dataset.field2id_token["item_id"]
    scores = np.full((split.train.num_users, split.train.num_items), -np.inf, dtype=np.float32)
    ours_user = np.array([int(t[1:]) if t.startswith("u") else -1 for t in user_tokens])
    ours_item = np.array([int(t[1:]) if t.startswith("i") else -1 for t in item_tokens])
    with torch.no_grad():
        from recbole.data.interaction import Interaction

        rb_users = np.flatnonzero(ours_user >= 0)
        full = model.full_sort_predict(Interaction({"user_id": torch.as_tensor(rb_users)}))
        full = full.reshape(len(rb_users), -1).numpy()
    keep = ours_item >= 0
    scores[np.ix_(ours_user[rb_users], ours_item[keep])] = full[:, keep]
    return scores, np.eye(split.train.num_items, dtype=np.float32), seconds, {"epochs": epochs}


PEERS = {
    "popularity": ("popularity", lambda split, seed, a: run_popularity(split, seed)),
    "implicit ALS": ("implicit", lambda split, seed, a: run_implicit(
        "als", split, seed, threads=a.threads, factors=64, regularization=0.05, iterations=15, alpha=2.0)),
    "implicit BPR": ("implicit", lambda split, seed, a: run_implicit(
        "bpr", split, seed, threads=a.threads, factors=64, learning_rate=0.05, regularization=0.01,
        iterations=200)),
    "LightFM WARP": ("lightfm", lambda split, seed, a: run_lightfm(
        "warp", split, seed, threads=a.threads, epochs=30, no_components=64, learning_rate=0.05)),
    "LightFM BPR": ("lightfm", lambda split, seed, a: run_lightfm(
        "bpr", split, seed, threads=a.threads, epochs=30, no_components=64, learning_rate=0.05)),
    "RecBole BPR": ("recbole", lambda split, seed, a: run_recbole(
        "BPR", split, seed, epochs=25, embedding_size=64, learning_rate=0.005)),
    "RecBole LightGCN": ("recbole", lambda split, seed, a: run_recbole(
        "LightGCN", split, seed, epochs=25, embedding_size=64, n_layers=3, reg_weight=1e-4,
        learning_rate=0.005)),
    "RecBole SimpleX": ("recbole", lambda split, seed, a: run_recbole(
        "SimpleX", split, seed, epochs=12, embedding_size=64, margin=0.9, negative_weight=50, gamma=0.5,
        train_neg_sample_args={"distribution": "uniform", "sample_num": 100, "alpha": 1.0, "dynamic": False,
                               "candidate_num": 0}, learning_rate=0.005)),
}


def _available(package: str) -> str | None:
    try:
        __import__({"popularity": "numpy", "implicit": "implicit", "lightfm": "lightfm",
                    "recbole": "recbole.trainer"}[package])
    except Exception as exc:  # noqa: BLE001 - any import failure means: skip this peer, say why
        return f"{type(exc).__name__}: {exc}"
    return None


# ---------------------------------------------------------------------- protocol
def measure(run, split, seed, exclude, part):
    users, items, seconds, info = run(split, seed)
    result = evaluate_embeddings(users, items, part, exclude=exclude, ks=(20,),
                                 item_popularity=split.train.item_counts())
    return {"recall@20": result["recall@20"], "ndcg@20": result["ndcg@20"],
            "coverage@20": result["coverage@20"], "popularity@20": result["popularity@20"],
            "train_seconds": seconds, "eval_seconds": result["seconds"], **info}


def summarise(runs):
    out = {}
    for key in ("recall@20", "ndcg@20", "coverage@20", "popularity@20", "train_seconds", "eval_seconds"):
        values = [r[key] for r in runs]
        out[key] = (statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="run only the rows whose name contains one of these")
    parser.add_argument("--tune", action="store_true", help="report the validation split (seed 0) instead")
    parser.add_argument("--grid", action="store_true", help="with --tune: the sweep rows (GRID) instead")
    parser.add_argument("--recbole-seeds", type=int, default=None, help="run RecBole with the first N seeds only")
    parser.add_argument("--tag", default="", help="suffix of the result files (parallel sweeps)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    # The first torch.optim.Adam imports torch._dynamo (~5 s); RecBole pays it before its timer starts
    # (its Trainer builds the optimizer), so pay it here once for everyone rather than in one row's time.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    # Likewise the first alias table loads Numba's cached kernels (~0.4 s, once per process): the
    # negsample row that happens to run first should not carry it alone.
    from negsample.noise import Uniform

    Uniform(2)
    warnings.filterwarnings("ignore")
    data = load_movielens(args.data, features=True)
    split = random_split(data, test=0.1, valid=0.1, seed=0)
    if args.tune:
        exclude, part, seeds = split.train, split.valid, args.seeds[:1]
    else:
        exclude, part, seeds = split.train.concat(split.valid), split.test, args.seeds
    rows = [(name, package, fn) for name, (package, fn) in PEERS.items()]
    rows += [(name, "negsample", lambda s, seed, a, c=c: run_negsample(c, s, seed))
             for name, c in (GRID if args.grid else NEGSAMPLE).items()]
    hashed = random_split(with_hashed_item_ids(data), test=0.1, valid=0.1, seed=0)  # the same rows
    assert np.array_equal(hashed.train.items, split.train.items) and np.array_equal(hashed.test.users, split.test.users)
    rows += [(name, "negsample", lambda s, seed, a, c=c: run_negsample(c, hashed, seed))
             for name, c in ({} if args.grid else NEGSAMPLE_SHARED).items()]
    if args.only:  # in the order the words are given
        rows = [r for word in args.only for r in rows if word in r[0]]
        rows = [r for i, r in enumerate(rows) if r[0] not in {q[0] for q in rows[:i]}]
    results = {}
    for name, package, fn in rows:
        skipped = None if package == "negsample" else _available(package)
        if skipped:
            print(f"{name}: skipped ({skipped})", file=sys.stderr, flush=True)
            results[name] = {"system": package, "skipped": skipped}
            continue
        runs = []
        for seed in seeds[:args.recbole_seeds] if package == "recbole" else seeds:
            try:
                runs.append(measure(lambda s, sd, fn=fn: fn(s, sd, args), split, seed, exclude, part))
            except Exception as exc:  # noqa: BLE001 - a peer that does not run is reported, not fatal
                results[name] = {"system": package, "skipped": f"failed: {type(exc).__name__}: {exc}"}
                print(f"{name}: failed ({exc!r})", file=sys.stderr, flush=True)
                break
            print(f"{name} seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in runs[-1].items()),
                  file=sys.stderr, flush=True)
        else:
            results[name] = {"system": package, "runs": runs, "summary": summarise(runs)}
        write_report(args, argv, data, split, seeds, results)
    print(write_report(args, argv, data, split, seeds, results))


def write_report(args, argv, data, split, seeds, results) -> str:
    """Write (and return) the JSON and markdown; called after every row, so a cut run keeps its rows."""
    import torch

    report = {"command": "python benchmarks/recsys.py " + shlex.join(argv if argv is not None else sys.argv[1:]),
              "split": "random 80/10/10 per user, seed 0", "users": data.num_users, "items": data.num_items,
              "train": len(split.train), "valid": len(split.valid), "test": len(split.test),
              "evaluated_on": "validation" if args.tune else "test", "seeds": seeds, "threads": args.threads,
              "python": platform.python_version(), "torch": torch.__version__, "results": results}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = ("recsys_tune" if args.tune else "recsys") + args.tag
    (out / f"{stem}.json").write_text(json.dumps(report, indent=1, default=float))
    (out / f"{stem}.md").write_text(markdown(report))
    return markdown(report)


def markdown(report) -> str:
    lines = [f"Split: {report['split']} ({report['train']:,} / {report['valid']:,} / {report['test']:,} "
             f"interactions, {report['users']} users x {report['items']} items); metrics on the "
             f"{report['evaluated_on']} part, training and validation items excluded; seeds {report['seeds']}; "
             f"{report['threads']} threads; torch {report['torch']}.", "",
             "| system | row | Recall@20 | NDCG@20 | coverage@20 | train s | eval s |", "|---|---|---|---|---|---|---|"]
    for name, r in report["results"].items():
        if "skipped" in r:
            lines.append(f"| {r['system']} | {name} | skipped: {r['skipped'][:120]} | | | | |")
            continue
        s = r["summary"]

        def cell(key, digits=4, s=s):
            mean, std = s[key]
            return f"{mean:.{digits}f} ± {std:.{digits}f}"

        lines.append(f"| {r['system']} | {name} | {cell('recall@20')} | {cell('ndcg@20')} | "
                     f"{s['coverage@20'][0]:.3f} | {cell('train_seconds', 1)} | {cell('eval_seconds', 3)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    os.environ.setdefault("TQDM_DISABLE", "1")
    main()
