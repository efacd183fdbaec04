"""``negsample kg train | eval | predict``: knowledge-graph embeddings from tab-separated triples.

    negsample kg train DIR --model rotate --dim 500 --negatives 256 ... -o MODEL.npz [--log LOG.jsonl]
        [--checkpoint CKPT [--checkpoint-every 5|30m]]
    negsample kg train DIR -o MODEL.npz --resume CKPT
    negsample kg eval MODEL.npz DIR [--split test] [--raw] [--per-relation] [--json OUT.json]
    negsample kg predict MODEL.npz --head H --relation R [--k 10] [--all]
    negsample kg predict MODEL.npz --tail T --relation R

``DIR`` holds ``train.txt`` and optionally ``valid.txt`` and ``test.txt`` (``head<TAB>relation<TAB>tail``).
Every training option's default is the matching field default of
:class:`~negsample.kg.config.KGConfig` (the option's ``dest`` is the field's name).

Example
-------
>>> from negsample.cli import build_parser
>>> args = build_parser().parse_args(["kg", "train", "data/umls", "-o", "m.npz", "--model", "complex"])
>>> config_from_args(args).model, config_from_args(args).dim == KG_DEFAULTS["dim"]
('complex', True)
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

from ..kg.config import LOSSES, MODEL_NAMES, OPTIMIZERS, REGULARIZERS, SAMPLERS, KGConfig
from .checkpoint_options import add_checkpoint_options, checkpoint_every

__all__ = ["KG_DEFAULTS", "add_commands", "config_from_args"]

# KGConfig field -> default: the single source of every knowledge-graph default the CLI uses.
KG_DEFAULTS = {field.name: field.default for field in dataclasses.fields(KGConfig)}
_UNSEEN = ("error", "drop", "keep")


def _split_files(directory: str) -> tuple[Path, Path | None, Path | None]:
    root = Path(directory)
    if not root.is_dir():
        raise ValueError(f"{root}: not a directory (expected one with train.txt, valid.txt, test.txt)")
    train = root / "train.txt"
    if not train.is_file():
        raise ValueError(f"{root}: no train.txt")
    return train, *((root / f"{split}.txt") if (root / f"{split}.txt").is_file() else None
                    for split in ("valid", "test"))


def _read(directory: str, unseen: str):
    from ..kg import Triples

    return Triples.from_files(*_split_files(directory), unseen=unseen)


def _add_training_options(p) -> None:
    d = KG_DEFAULTS
    p.add_argument("--model", choices=MODEL_NAMES, default=d["model"], help=f"score function (default {d['model']})")
    p.add_argument("--dim", type=int, default=d["dim"], help=f"embedding dimension (default {d['dim']})")
    p.add_argument("--p", type=int, choices=(1, 2), default=d["p"],
                   help="distance norm of transe and rotate (default 1)")
    p.add_argument("--loss", choices=LOSSES, default=d["loss"], help=f"(default {d['loss']})")
    p.add_argument("--margin", type=float, default=d["margin"],
                   help="gamma of self_adversarial (default 9), hinge of margin (default 1)")
    p.add_argument("--temperature", type=float, default=d["temperature"],
                   help=f"alpha of the self-adversarial weights (default {d['temperature']})")
    p.add_argument("--negatives", type=int, default=d["negatives"],
                   help=f"corruptions per true triple (default {d['negatives']})")
    p.add_argument("--sampler", choices=SAMPLERS, default=d["sampler"],
                   help=f"which side to corrupt (default {d['sampler']})")
    p.add_argument("--filtered", action="store_true", help="never use a known training triple as a negative")
    p.add_argument("--chunk-size", dest="chunk_size", type=int, default=d["chunk_size"],
                   help="share one set of negatives among this many triples (default: one set per triple)")
    p.add_argument("--inverse", action="store_true", help="train with inverse relations")
    p.add_argument("--regularizer", choices=REGULARIZERS, default=d["regularizer"],
                   help=f"(default {d['regularizer']})")
    p.add_argument("--regularization", type=float, default=d["regularization"],
                   help=f"regulariser weight (default {d['regularization']})")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d["optimizer"], help=f"(default {d['optimizer']})")
    p.add_argument("--lr", type=float, default=d["lr"], help=f"learning rate (default {d['lr']})")
    p.add_argument("--batch-size", dest="batch_size", type=int, default=d["batch_size"],
                   help=f"true triples per step (default {d['batch_size']})")
    p.add_argument("--epochs", type=int, default=d["epochs"], help=f"(default {d['epochs']})")
    p.add_argument("--eval-every", dest="eval_every", type=int, default=d["eval_every"],
                   help=f"validate every N epochs, 0 never (default {d['eval_every']})")
    p.add_argument("--patience", type=int, default=d["patience"],
                   help=f"stop after N validations without a better MRR, 0 never (default {d['patience']})")
    p.add_argument("--max-seconds", dest="max_seconds", type=float, default=d["max_seconds"],
                   help="time budget: stop after the epoch that passes this many seconds of training")
    p.add_argument("--eval-batch-size", dest="eval_batch_size", type=int, default=d["eval_batch_size"],
                   help="queries per evaluation chunk (default: about 16M scores per chunk)")
    p.add_argument("--seed", type=int, default=d["seed"], help=f"(default {d['seed']})")
    p.add_argument("--device", default=d["device"], help=f"torch device (default {d['device']})")


def config_from_args(args) -> KGConfig:
    """The :class:`KGConfig` of parsed ``kg train`` arguments."""
    return KGConfig(**{field.name: getattr(args, field.name) for field in dataclasses.fields(KGConfig)})


def _set_threads(threads: int | None) -> None:
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def _print_metrics(result, *, per_relation: bool, out=None) -> None:
    out = sys.stdout if out is None else out
    print(f"{'':16s} {'MRR':>7s} {'Hits@1':>7s} {'Hits@3':>7s} {'Hits@10':>7s} {'count':>7s}", file=out)
    rows = [("both", result)] + list(result.sides.items())
    if per_relation:
        rows += [(label, parts["both"]) for label, parts in result.relations.items()]
    for name, m in rows:
        print(f"{name[:16]:16s} {m.mrr:7.4f} {m.hits[1]:7.4f} {m.hits[3]:7.4f} {m.hits[10]:7.4f} {m.count:7d}",
              file=out)


def _cmd_train(args) -> int:
    from .._atomic import check_writable
    from ..kg import KGModel

    every = checkpoint_every(args)
    every = every and every.to_text()
    config = _resumed_config(args) if args.resume else config_from_args(args)
    for path in (args.output, args.log):
        if path:
            check_writable(path)  # before the triples are read, not after training
    if args.checkpoint:
        Path(args.checkpoint).mkdir(parents=True, exist_ok=True)
        check_writable(Path(args.checkpoint) / "checkpoint-probe")
    _set_threads(args.threads)
    triples = _read(args.data, args.unseen)
    if triples.unseen:
        print(f"{len(triples.unseen)} valid/test labels unseen in train were "
              f"{triples.unseen[0].action} (unseen={args.unseen})", file=sys.stderr)
    model = KGModel(config, progress=not args.quiet)
    model.metadata = {"unseen": args.unseen}
    started = time.perf_counter()
    model.fit(triples, log=args.log, checkpoint=args.checkpoint, checkpoint_every=every, resume=args.resume)
    seconds = time.perf_counter() - started
    from ..retrieval.distributed import rank_and_world_size

    if rank_and_world_size()[0] != 0:  # under torchrun every rank holds the same model; rank 0 reports
        return 0
    model.save(args.output)
    rate = sum(r["per_second"] for r in model.history) / max(1, len(model.history))
    print(f"trained {len(model.history)} epochs in {seconds:.1f} s ({rate:,.0f} triples/s); wrote {args.output}",
          file=sys.stderr)
    if len(triples.test):
        started = time.perf_counter()
        result = model.evaluate(triples, "test")
        print(f"filtered test link prediction ({time.perf_counter() - started:.1f} s):")
        _print_metrics(result, per_relation=False)
    return 0


def _resumed_config(args) -> KGConfig:
    """The settings of the checkpoint ``--resume`` names; an option given with another value than the
    checkpoint's is refused, except the few a resumed run may change (``--epochs``, ...)."""
    from ..checkpoints import CheckpointError
    from ..kg.checkpoint import RESUMABLE_SETTINGS, latest_checkpoint

    path, header = latest_checkpoint(args.resume)
    saved = dict(header["config"])
    for name, default in KG_DEFAULTS.items():
        value = getattr(args, name)
        if value == default or value == saved.get(name):
            continue
        if name in RESUMABLE_SETTINGS:
            saved[name] = value
        else:
            option = "--" + name.replace("_", "-")
            raise CheckpointError(f"{option} {value} differs from the checkpoint's {saved.get(name)} ({path}); "
                                  "--resume continues the run with its own settings: leave the option out")
    return KGConfig.from_dict(saved)


def _cmd_eval(args) -> int:
    from ..kg import KGModel

    _set_threads(args.threads)
    model = KGModel.load(args.model, device=args.device)
    unseen = args.unseen or model.metadata.get("unseen", "error")
    triples = _read(args.data, unseen)
    started = time.perf_counter()
    result = model.evaluate(triples, args.split, filtered=not args.raw)
    seconds = time.perf_counter() - started
    kind = "raw" if args.raw else "filtered"
    print(f"{kind} {args.split} link prediction of {len(triples.split(args.split))} triples ({seconds:.1f} s):")
    _print_metrics(result, per_relation=args.per_relation)
    if args.json:
        from .._atomic import atomic_write

        with atomic_write(args.json, "w") as f:
            json.dump({"split": args.split, "seconds": seconds, **result.to_dict()}, f, indent=1)
    return 0


def _cmd_predict(args) -> int:
    from ..kg import KGModel

    if (args.head is None) == (args.tail is None):
        raise ValueError("predict: give exactly one of --head (to rank tails) and --tail (to rank heads)")
    model = KGModel.load(args.model, device=args.device)
    if args.head is not None:
        predictions = model.predict_tails(args.head, args.relation, args.k, filter_known=not args.all)
    else:
        predictions = model.predict_heads(args.relation, args.tail, args.k, filter_known=not args.all)
    for prediction in predictions:
        print(f"{prediction.rank}\t{prediction.entity}\t{prediction.score:.6g}")
    return 0


def add_commands(commands) -> None:
    """Add ``kg {train, eval, predict}`` to ``commands``, what the root parser's ``add_subparsers()`` returned."""
    kg = commands.add_parser("kg", help="knowledge-graph embeddings: train, evaluate, predict")
    kg_commands = kg.add_subparsers(dest="kg_command", required=True)

    train = kg_commands.add_parser("train", help="train on DIR/train.txt (valid.txt for early stopping)")
    train.add_argument("data", metavar="DIR", help="directory with train.txt [valid.txt test.txt]")
    train.add_argument("-o", "--output", required=True, metavar="MODEL.npz", help="where to write the model")
    train.add_argument("--unseen", choices=_UNSEEN, default="error",
                       help="valid/test triples with labels not in train: error (default), drop, or keep")
    train.add_argument("--log", metavar="LOG.jsonl", help="training log (one JSON line per epoch)")
    train.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    add_checkpoint_options(
        train,
        checkpoint="write a checkpoint (weights, optimizer and random states, schedule; atomically) into DIR every "
                   "--checkpoint-every epochs and after the last; the newest two are kept",
        resume="continue the run whose checkpoints are in DIR on the same triples: its settings come from the "
               "newest one (only --epochs, --max-seconds, --eval-batch-size may change); on CPU the model is "
               "that of an uninterrupted run")
    _add_training_options(train)
    train.set_defaults(func=_cmd_train)

    ev = kg_commands.add_parser("eval", help="filtered link prediction of a saved model on DIR's triples")
    ev.add_argument("model", metavar="MODEL.npz")
    ev.add_argument("data", metavar="DIR")
    ev.add_argument("--split", choices=("test", "valid", "train"), default="test")
    ev.add_argument("--raw", action="store_true", help="do not leave the other known triples out")
    ev.add_argument("--per-relation", action="store_true", help="one row per relation too")
    ev.add_argument("--unseen", choices=_UNSEEN, help="default: the policy the model was trained with")
    ev.add_argument("--json", metavar="OUT.json", help="also write the metrics as JSON")
    ev.add_argument("--threads", type=int)
    ev.add_argument("--device", help="torch device (default: the training device)")
    ev.set_defaults(func=_cmd_eval)

    predict = kg_commands.add_parser("predict", help="the most plausible tails (or heads) of a query")
    predict.add_argument("model", metavar="MODEL.npz")
    predict.add_argument("--head", help="rank tails of (HEAD, RELATION, ?)")
    predict.add_argument("--tail", help="rank heads of (?, RELATION, TAIL)")
    predict.add_argument("--relation", required=True)
    predict.add_argument("--k", type=int, default=10)
    predict.add_argument("--all", action="store_true", help="keep entities of known triples in the list")
    predict.add_argument("--device")
    predict.set_defaults(func=_cmd_predict)
