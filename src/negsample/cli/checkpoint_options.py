"""The ``--checkpoint DIR``, ``--checkpoint-every EPOCHS|MINUTES`` and ``--resume DIR`` options that every
training command shares (``word2vec train``, ``recsys train``, ``kg train``), and their one up-front check.

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_checkpoint_options(parser, checkpoint="write a checkpoint into DIR", resume="continue the run in DIR")
>>> checkpoint_every(parser.parse_args(["--checkpoint", "ckpt", "--checkpoint-every", "2"])).to_text()
'2'
>>> checkpoint_every(parser.parse_args([])) is None
True
"""

from __future__ import annotations

__all__ = ["add_checkpoint_options", "checkpoint_every"]


def add_checkpoint_options(parser, *, checkpoint: str, resume: str) -> None:
    """Add the three options to ``parser``; ``checkpoint`` and ``resume`` are the help of ``--checkpoint``
    and ``--resume``, which say what each wing saves and continues."""
    parser.add_argument("--checkpoint", metavar="DIR", help=checkpoint)
    parser.add_argument("--checkpoint-every", metavar="EPOCHS|MINUTES",
                        help="2: every 2 epochs (default 1); 30m or 1.5h: at the first epoch end that long after "
                             "the last checkpoint")
    parser.add_argument("--resume", metavar="DIR", help=resume)


def checkpoint_every(args):
    """``--checkpoint-every`` as a :class:`~negsample.checkpoints.CheckpointEvery` (None when not given),
    checked against ``--checkpoint`` / ``--resume`` before any work is done."""
    from .._checks import ParameterError
    from ..checkpoints import CheckpointEvery

    if args.resume and args.checkpoint:
        raise ParameterError("--resume DIR goes on writing its checkpoints into DIR: leave out --checkpoint")
    if args.checkpoint_every is None:
        return None
    if not (args.checkpoint or args.resume):
        raise ParameterError("--checkpoint-every needs --checkpoint DIR (or --resume DIR)")
    return CheckpointEvery.parse(args.checkpoint_every)
