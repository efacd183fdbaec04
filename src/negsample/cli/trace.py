"""``negsample trace``: the first updates of a word2vec run, every number shown.

    negsample trace [CORPUS | --text TEXT] [--steps N|all] [--format terminal|markdown|json] [-o OUT]
                    [--sg|--cbow] [--hs] [--negative N] [--window N] [--sample T] [--alpha A] [--seed S]
                    [--batch-negatives|--no-batch-negatives] ...

The training options are ``word2vec train``'s, with Word2VecConfig's defaults except those a text of a
few words needs (:data:`negsample.word2vec.trace.TRACE_SETTINGS`: vector size 4, min count 1, sample
0.1). Without a corpus or ``--text`` the text is "the cat sat on the mat".

Example
-------
>>> from negsample.cli import build_parser
>>> args = build_parser().parse_args(["trace", "--sg", "--steps", "2", "--format", "markdown"])
>>> args.steps, args.vector_size, args.min_count, args.format
(2, 4, 1, 'markdown')
"""

from __future__ import annotations

import argparse
import sys

from ..word2vec.trace_settings import TRACE_SETTINGS
from .word2vec import TRAINING_DEFAULTS, add_training_options

__all__ = ["TRACE_DEFAULTS", "add_commands"]

TRACE_DEFAULTS = {**TRAINING_DEFAULTS, **TRACE_SETTINGS}


def _steps(value: str) -> int | None:
    if value == "all":
        return None
    try:
        steps = int(value)
    except ValueError:
        steps = 0
    if steps < 1:
        raise argparse.ArgumentTypeError(f"expected a number of updates >= 1 or 'all', got {value!r}")
    return steps


def _cmd_trace(args) -> int:
    from .._atomic import atomic_write
    from ..word2vec.trace import sentences_of, trace
    from ..word2vec.trace_render import render

    if args.corpus is not None and args.text is not None:
        raise ValueError("give a corpus file or --text, not both")
    corpus = sentences_of(args.text) if args.text is not None else args.corpus
    if args.text is not None and not corpus:
        raise ValueError("--text holds no words")
    settings = {name: value for name, value in vars(args).items() if name in TRAINING_DEFAULTS}
    text = render(trace(corpus, steps=args.steps, **settings), args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        with atomic_write(args.output, "w") as f:
            f.write(text)
        print(f"wrote the {args.format} trace to {args.output}", file=sys.stderr)
    return 0


def add_commands(commands) -> None:
    """Add ``trace`` to ``commands``, what the root parser's ``add_subparsers()`` returned."""
    p = commands.add_parser("trace", help="show the first updates of word2vec, every number of them",
                            description="Replay the first updates of a word2vec run through the package's NumPy "
                                        "twin of the kernels and show every draw, dot product, sigmoid, loss, "
                                        "gradient and changed row.")
    p.add_argument("corpus", nargs="?", help="text file (.gz ok) or directory; one sentence per line")
    p.add_argument("--text", help="the corpus as a string, one sentence per line (default: \"the cat sat on the mat\")")
    p.add_argument("--steps", type=_steps, default=1, help="updates to show, or 'all' (default 1)")
    p.add_argument("--format", choices=["terminal", "markdown", "json"], default="terminal",
                   help="terminal tables (default), markdown, or json with every number")
    p.add_argument("-o", "--output", help="write the trace to this file instead of standard output")
    add_training_options(p, TRACE_DEFAULTS, workers=False)
    p.set_defaults(func=_cmd_trace)
