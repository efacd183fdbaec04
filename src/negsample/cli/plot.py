"""``negsample plot curves | noise | vectors | trace``: figures as PNG, SVG or PDF (the ``[plots]`` extra).

    negsample plot curves LOG.jsonl [LOG2.jsonl ...] -o curves.png [--labels A B ...]
    negsample plot noise CORPUS_OR_VECTORS.npz -o noise.svg [--power 0.75] [--min-count N]
    negsample plot vectors VECTORS (--words W ... | --top N) -o map.png [--method pca|tsne]
    negsample plot vectors TRACE.json -o map.png      (a trace's words, with arrows start -> end)
    negsample plot trace TRACE.json -o trace.png

The format is the output's suffix. Without matplotlib the command ends with one line saying which
extra to install.

Example
-------
>>> from negsample.cli import build_parser
>>> args = build_parser().parse_args(["plot", "vectors", "v.bin", "--top", "20", "-o", "map.png"])
>>> args.top, args.method
(20, 'pca')
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["add_commands"]

_COUNTLESS_SUFFIXES = (".bin", ".vec", ".w2v")


def _plots():
    try:
        from .. import plots
    except ImportError as exc:
        raise RuntimeError(str(exc)) from exc  # one line from the CLI's error policy, not a traceback
    return plots


def _save(plots, fig, path: str) -> int:
    fmt = plots.save_figure(fig, path)
    print(f"wrote {path} ({fmt})", file=sys.stderr)
    return 0


def _read_trace(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read trace {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}, line {exc.lineno}, column {exc.colno}: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or "steps" not in data or "inputs_after" not in data:
        raise ValueError(f"{path}: not a trace (write one with: negsample trace --format json -o {path})")
    return data


def _load_vectors(path: str):
    from ..keyedvectors import KeyedVectors

    if path.endswith(".npz"):
        return KeyedVectors.load(path)
    return KeyedVectors.load_word2vec_format(path, binary=path.endswith(".bin"))


def _cmd_curves(args) -> int:
    plots = _plots()
    return _save(plots, plots.plot_curves(args.logs, labels=args.labels), args.output)


def _cmd_noise(args) -> int:
    plots = _plots()
    path = args.source
    if path.endswith(".npz"):
        wv = _load_vectors(path)
        words, counts = wv.index_to_key, wv.counts
    elif path.endswith(_COUNTLESS_SUFFIXES):
        raise ValueError(f"{path}: the word2vec formats store no counts; give the corpus, or vectors saved as .npz")
    else:
        from ..word2vec.corpus import Corpus

        vocab = Corpus(path).count_words().build(min_count=args.min_count)
        if len(vocab) == 0:
            raise ValueError(f"{path}: no word occurs at least --min-count={args.min_count} times")
        words, counts = vocab.index_to_key, vocab.counts
    return _save(plots, plots.plot_noise(counts, power=args.power, words=words), args.output)


def _cmd_vectors(args) -> int:
    plots = _plots()
    before = None
    if args.vectors.endswith(".json"):
        data = _read_trace(args.vectors)
        words, vectors, before = data["words"], data["inputs_after"], data["inputs_before"]
        if args.words or args.top:
            raise ValueError("a trace's map shows all its words: leave out --words and --top")
        title = "Word vectors of a trace: start (grey) -> end"
    else:
        wv = _load_vectors(args.vectors)
        if args.words:
            missing = [w for w in args.words if w not in wv]
            if missing:
                raise ValueError(f"{args.vectors}: not in the vocabulary: {' '.join(missing)}")
            words = list(args.words)
        else:
            words = wv.index_to_key[:args.top or 50]
        vectors = wv[words]
        title = None
    fig = plots.plot_vectors(vectors, words, before=before, method=args.method, title=title)
    return _save(plots, fig, args.output)


def _cmd_trace(args) -> int:
    plots = _plots()
    return _save(plots, plots.plot_trace(_read_trace(args.trace), method=args.method), args.output)


def add_commands(commands) -> None:
    """Add ``plot {curves, noise, vectors, trace}`` to ``commands`` (the root's ``add_subparsers()``)."""
    plot = commands.add_parser("plot", help="figures: training curves, the noise, vector maps, a trace")
    sub = plot.add_subparsers(dest="plot_command", required=True)

    def output(p):
        p.add_argument("-o", "--output", required=True, help="the figure file: .png, .svg or .pdf")

    curves = sub.add_parser("curves", help="loss, throughput and learning rate by epoch, runs overlaid")
    curves.add_argument("logs", nargs="+", help="training logs (word2vec train --log LOG.jsonl)")
    curves.add_argument("--labels", nargs="+", help="one legend label per log (default: the file names)")
    output(curves)
    curves.set_defaults(func=_cmd_curves)

    noise = sub.add_parser("noise", help="raw frequency vs count^0.75 vs uniform, by rank")
    noise.add_argument("source", help="a corpus (text file, .gz, directory) or vectors saved as .npz")
    noise.add_argument("--power", type=float, default=0.75, help="the noise exponent (default 0.75)")
    noise.add_argument("--min-count", type=int, default=1, help="for a corpus: drop rarer words (default 1)")
    output(noise)
    noise.set_defaults(func=_cmd_noise)

    vectors = sub.add_parser("vectors", help="a labelled 2-D map of word vectors (PCA or t-SNE)")
    vectors.add_argument("vectors", help="vectors (.bin, .npz, text) or a trace (.json) for before/after arrows")
    which = vectors.add_mutually_exclusive_group()
    which.add_argument("--words", nargs="+", help="the words to show")
    which.add_argument("--top", type=int, help="show the N most frequent words (default 50)")
    vectors.add_argument("--method", choices=["pca", "tsne"], default="pca",
                         help="projection: pca (default) or tsne (needs scikit-learn)")
    output(vectors)
    vectors.set_defaults(func=_cmd_vectors)

    trace = sub.add_parser("trace", help="a trace's per-step loss decrease and its vectors' moves")
    trace.add_argument("trace", help="a trace written by: negsample trace --format json -o TRACE.json")
    trace.add_argument("--method", choices=["pca", "tsne"], default="pca")
    output(trace)
    trace.set_defaults(func=_cmd_trace)
