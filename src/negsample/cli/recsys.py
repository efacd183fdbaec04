"""``negsample recsys train | eval | recommend | similar``: two-tower models from an interactions file.

    negsample recsys train ratings.csv --user-col userId --item-col movieId --timestamp-col timestamp \\
        --min-rating 4 --split leave-last-out --negatives mixed -o model.npz --log train.jsonl
    negsample recsys eval model.npz test.tsv --user-col user --item-col item
    negsample recsys recommend model.npz --user 196 --k 10
    torchrun --nproc-per-node 2 -m negsample.cli recsys train ...       # DDP, gloo on CPU

Every model option's default is the matching field of
:class:`~negsample.recsys.config.TwoTowerConfig` (the option's ``dest`` is the field name).

Example
-------
>>> from negsample.cli import build_parser
>>> args = build_parser().parse_args(["recsys", "train", "u.data", "--movielens", "-o", "m.npz",
...                                   "--negatives", "mixed", "--mlp", "128"])
>>> config_from_args(args).negatives, config_from_args(args).mlp
('mixed', (128,))
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from ..recsys.config import LOG_Q, LOSSES, NEGATIVES, TwoTowerConfig
from .checkpoint_options import add_checkpoint_options, checkpoint_every

__all__ = ["add_commands", "config_from_args"]

DEFAULTS = {field.name: field.default for field in dataclasses.fields(TwoTowerConfig)}
_FLAGS = ("user_id", "item_id", "user_features", "item_features", "user_history", "normalize", "shared_negatives",
          "sample_unseen")


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="interactions: CSV/TSV (.gz too) or Parquet; or MovieLens with --movielens")
    p.add_argument("--user-col", dest="user", help="user id column (a name, or a 0-based position)")
    p.add_argument("--item-col", dest="item", help="item id column")
    p.add_argument("--rating-col", dest="rating")
    p.add_argument("--timestamp-col", dest="timestamp")
    p.add_argument("--weight-col", dest="weight")
    p.add_argument("--sep", help="field separator (default: guessed; '::' works)")
    p.add_argument("--no-header", dest="header", action="store_false", default=None,
                   help="the first line is data (columns are then positions)")
    p.add_argument("--min-rating", type=float, help="keep interactions rated at least this (implicit feedback)")
    p.add_argument("--movielens", action="store_true",
                   help="FILE is a MovieLens release (u.data, ratings.dat, ratings.csv, its folder or zip)")


def _column(value):
    return int(value) if value is not None and value.isdigit() else value


def _read(args, *, features: bool = False):
    from ..recsys import Interactions
    from ..recsys.movielens import load_movielens

    if args.movielens:
        return load_movielens(args.file, min_rating=args.min_rating, features=features)
    if args.user is None or args.item is None:
        raise ValueError("--user-col and --item-col are required (or --movielens)")
    return Interactions.from_file(args.file, user=_column(args.user), item=_column(args.item),
                                  rating=_column(args.rating), timestamp=_column(args.timestamp),
                                  weight=_column(args.weight), sep=args.sep, header=args.header,
                                  min_rating=args.min_rating)


def _add_model_options(p: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    g = p.add_argument_group("model (TwoTowerConfig fields)")
    g.add_argument("--negatives", choices=NEGATIVES, default=d["negatives"], help="source of negatives (%(default)s)")
    g.add_argument("--loss", choices=LOSSES, default=d["loss"], help="%(default)s")
    g.add_argument("--log-q", dest="log_q", choices=LOG_Q, default=d["log_q"],
                   help="logQ correction (default: counts for softmax with in-batch-type or popularity negatives)")
    for name, kind in (("dim", int), ("num_negatives", int), ("popularity_beta", float), ("memory_size", int),
                       ("memory_warmup", int), ("hard_pool", int), ("hard_refresh", int), ("temperature", float),
                       ("margin", float), ("negative_weight", float), ("epochs", int), ("batch_size", int),
                       ("lr", float), ("weight_decay", float), ("patience", int), ("eval_every", int), ("seed", int),
                       ("init_std", float)):
        g.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, default=d[name], help="%(default)s")
    g.add_argument("--mlp", type=int, nargs="*", default=list(d["mlp"]), help="hidden layer sizes (none)")
    g.add_argument("--early-stopping", dest="early_stopping", default=d["early_stopping"],
                   help="validation metric NAME@K to stop on, or 'none' (%(default)s)")
    for name in _FLAGS:
        flag = name.replace("_", "-")
        g.add_argument(f"--{flag}", dest=name, action="store_true", default=d[name],
                       help=f"{'on' if d[name] else 'off'} by default")
        g.add_argument(f"--no-{flag}", dest=name, action="store_false")


def config_from_args(args) -> TwoTowerConfig:
    """The TwoTowerConfig the parsed options describe."""
    values = {name: getattr(args, name) for name in DEFAULTS if hasattr(args, name)}
    values["mlp"] = tuple(values.get("mlp") or ())
    if isinstance(values.get("early_stopping"), str) and values["early_stopping"].lower() == "none":
        values["early_stopping"] = None
    return TwoTowerConfig(**values)


def _print_metrics(metrics: dict) -> None:
    for name, value in metrics.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{name}\t{shown}")


def _cmd_train(args) -> int:
    from ..recsys.splits import make_split
    from ..recsys.two_tower import TwoTower
    from ..training_log import TrainingLog

    every, resumed = _checkpoint_options(args)
    config = TwoTowerConfig.from_dict(resumed["config"]) if resumed else config_from_args(args)
    data = _read(args, features=args.movielens and (config.user_features or config.item_features))
    if args.k_core:
        data = data.k_core(args.k_core, args.k_core)
    split = make_split(data, args.split, valid=config.early_stopping is not None, seed=args.split_seed,
                       test_share=args.test_share, valid_share=args.valid_share)
    model = TwoTower(config, device=args.device)
    log = TrainingLog(args.log, wing="recsys", unit="interactions", config=config.to_dict()) if args.log else None
    try:
        model.fit(split.train, split.valid, progress=not args.quiet, log=log, checkpoint=args.checkpoint,
                  checkpoint_every=every, resume=args.resume)
    finally:
        if log is not None:
            log.close()
    from ..retrieval.distributed import rank_and_world_size

    if rank_and_world_size()[0] != 0:
        return 0
    model.save(args.output)
    if args.test_out:
        _write_pairs(args.test_out, split.test)
    print(f"saved {args.output}: {data.num_users:,} users x {data.num_items:,} items, {len(split.train):,} "
          f"training interactions, {len(model.history)} epochs", file=sys.stderr)
    exclude = split.train if split.valid is None else split.train.concat(split.valid)
    _print_metrics({f"test_{k}": v for k, v in model.evaluate(split.test, exclude=exclude).items()})
    return 0


def _checkpoint_options(args):
    """``--checkpoint-every`` checked before any work, and the manifest of the checkpoint ``--resume``
    continues (its settings replace the model options)."""
    every = checkpoint_every(args)
    if not args.resume:
        return every, None
    from ..recsys.checkpoint import latest_manifest

    return every, latest_manifest(args.resume)[1]


def _write_pairs(path, part) -> None:
    from .._atomic import atomic_write

    users = part.user_map.to_external(part.users)
    items = part.item_map.to_external(part.items)
    with atomic_write(path, "w") as f:
        f.write("user\titem\n")
        f.writelines(f"{u}\t{i}\n" for u, i in zip(users.tolist(), items.tolist()))


def _cmd_eval(args) -> int:
    from ..recsys.two_tower import TwoTower

    model = TwoTower.load(args.model, device=args.device)
    data = _read(args)
    users = data.user_map.to_external(data.users)
    items = data.item_map.to_external(data.items)
    known_users = model.user_map.to_internal(users, missing=-1) >= 0
    known_items = model.item_map.to_internal(items, missing=-1) >= 0
    keep = known_users & known_items
    if not keep.all() and not args.skip_unknown:
        model.user_map.to_internal(users)  # raises, naming the first unknown user
        model.item_map.to_internal(items)
    if not keep.any():
        raise ValueError(f"{args.file}: no interaction of a user and an item the model knows")
    from ..recsys import Interactions

    test = Interactions(model.user_map.to_internal(users[keep]), model.item_map.to_internal(items[keep]),
                        user_map=model.user_map, item_map=model.item_map, source=args.file)
    metrics = model.evaluate(test, ks=tuple(args.k))
    if not keep.all():
        metrics["skipped_unknown"] = int((~keep).sum())
    if args.json:
        print(json.dumps(metrics))
    else:
        _print_metrics(metrics)
    return 0


def _cmd_recommend(args) -> int:
    from ..recsys.two_tower import TwoTower

    model = TwoTower.load(args.model, device=args.device)
    if args.index != "exact":
        model.build_index(args.index)
    result = model.recommend(args.user, k=args.k, exclude_seen=not args.include_seen)
    for user, items, scores in zip(args.user, result.items, result.scores):
        for rank, (item, score) in enumerate(zip(items.tolist(), scores.tolist()), start=1):
            print(f"{user}\t{rank}\t{item}\t{score:.4f}")
    return 0


def _cmd_similar(args) -> int:
    from ..recsys.two_tower import TwoTower

    model = TwoTower.load(args.model, device=args.device)
    result = model.similar_items(args.item, k=args.k)
    for item, items, scores in zip(args.item, result.items, result.scores):
        for rank, (other, score) in enumerate(zip(items.tolist(), scores.tolist()), start=1):
            print(f"{item}\t{rank}\t{other}\t{score:.4f}")
    return 0


def add_commands(commands) -> None:
    recsys = commands.add_parser("recsys", help="train, evaluate and serve two-tower recommenders")
    sub = recsys.add_subparsers(dest="recsys_command", required=True)

    train = sub.add_parser("train", help="train a two-tower model on an interactions file")
    _add_data_options(train)
    train.add_argument("-o", "--output", required=True, help="model file (.npz)")
    train.add_argument("--split", choices=("leave-last-out", "random", "temporal"), default="random",
                       help="how test (and validation) interactions are held out (%(default)s)")
    train.add_argument("--test-share", type=float, default=0.1, help="random/temporal test share (%(default)s)")
    train.add_argument("--valid-share", type=float, default=0.1, help="random/temporal validation share")
    train.add_argument("--split-seed", type=int, default=0)
    train.add_argument("--k-core", type=int, help="keep users and items with at least this many interactions")
    train.add_argument("--test-out", help="write the held-out test pairs here (TSV: user, item)")
    train.add_argument("--log", help="training log, JSON lines (one record per epoch)")
    train.add_argument("--device", default="cpu")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    add_checkpoint_options(
        train,
        checkpoint="write a checkpoint (the whole training state, atomically) into DIR every --checkpoint-every "
                   "epochs and after the last; the newest two are kept",
        resume="continue the fit whose checkpoints are in DIR on the same FILE and split options: its model "
               "settings replace the model options given here")
    _add_model_options(train)
    train.set_defaults(func=_cmd_train)

    ev = sub.add_parser("eval", help="full-ranking metrics of a model on an interactions file")
    ev.add_argument("model")
    _add_data_options(ev)
    ev.add_argument("--k", type=int, nargs="+", default=[10, 20])
    ev.add_argument("--skip-unknown", action="store_true", help="ignore users and items the model does not know")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--device", default="cpu")
    ev.set_defaults(func=_cmd_eval)

    rec = sub.add_parser("recommend", help="top-k items for users")
    rec.add_argument("model")
    rec.add_argument("--user", action="append", required=True, help="external user id (repeatable)")
    rec.add_argument("--k", type=int, default=10)
    rec.add_argument("--include-seen", action="store_true", help="do not leave out the user's training items")
    rec.add_argument("--index", choices=("exact", "flat", "ivf", "auto"), default="exact")
    rec.add_argument("--device", default="cpu")
    rec.set_defaults(func=_cmd_recommend)

    sim = sub.add_parser("similar", help="nearest items by the item tower")
    sim.add_argument("model")
    sim.add_argument("item", nargs="+")
    sim.add_argument("--k", type=int, default=10)
    sim.add_argument("--device", default="cpu")
    sim.set_defaults(func=_cmd_similar)
