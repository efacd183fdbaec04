"""The ``negsample`` command line: the root parser, the error policy and :func:`main`.

    negsample demo
    negsample word2vec train CORPUS -o OUT [--sg|--cbow] [--hs] [--negative N] ...
    negsample word2vec eval VECTORS [--analogies FILE] [--pairs FILE]
    negsample word2vec similar VECTORS WORD...
    negsample recsys train FILE --user-col U --item-col I -o MODEL | eval | recommend | similar
    negsample trace [CORPUS | --text TEXT] [--steps N] [--format terminal|markdown|json] ...
    negsample plot curves|noise|vectors|trace ... -o FIGURE.png
    negsample kg train DIR -o MODEL.npz [--model rotate] [--negatives N] ... | kg eval | kg predict

Each wing adds its subcommands from its own module (:mod:`negsample.cli.word2vec`); commands import
what they need when they run, so ``negsample --help`` stays fast. Errors in the input (a missing
corpus, a bad parameter, a corrupt vectors file) end the command with one line naming the problem and
exit status 2, never a traceback.

Example
-------
>>> args = build_parser().parse_args(["word2vec", "similar", "vectors.bin", "king", "--topn", "3"])
>>> args.words, args.topn
(['king'], 3)
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings

from . import kg, plot, recsys, trace, word2vec

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="negsample", description="Embeddings trained with negative sampling.")
    commands = parser.add_subparsers(dest="command", required=True)
    word2vec.add_commands(commands)
    recsys.add_commands(commands)
    trace.add_commands(commands)
    plot.add_commands(commands)
    kg.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .._atomic import Terminated, terminate_on_sigterm

    parser = build_parser()
    args = parser.parse_args(argv)
    with _plain_warnings(), terminate_on_sigterm():
        try:
            return args.func(args)
        except (ValueError, OSError, RuntimeError, KeyError) as exc:
            # Input problems end with one clear line; a bug elsewhere still shows its traceback.
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            print(f"negsample: error: {message}", file=sys.stderr)
            return 2
        except Terminated:
            print("negsample: terminated (SIGTERM); temporary files removed, no output was written",
                  file=sys.stderr)
            return 143
        except KeyboardInterrupt:
            print("negsample: interrupted; no output was written", file=sys.stderr)
            return 130


@contextlib.contextmanager
def _plain_warnings():
    """Warnings as one plain line each (``negsample: warning: ...``), not file, line and source."""
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, category, *rest, **kw: print(
            f"negsample: warning: {message}", file=sys.stderr)
        yield
