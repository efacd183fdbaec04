"""``negsample word2vec train | eval | similar`` and ``negsample demo``.

Every training option's default is the matching field default of
:class:`~negsample.word2vec.config.Word2VecConfig` (the option's ``dest`` is the field's name), so the
command line, the Python API and the help texts cannot drift apart. Vectors are read and written in
the format the file name says: ``.npz`` native, ``.bin`` (or ``--binary``) word2vec binary, anything
else word2vec text.

Example
-------
>>> from negsample.cli import build_parser
>>> args = build_parser().parse_args(["word2vec", "train", "corpus.txt", "-o", "v.bin", "--sg"])
>>> model = model_from_args(args)
>>> model.config.sg, model.config.window == TRAINING_DEFAULTS["window"]
(1, True)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from ..word2vec.config import CBOW_ALPHA, SKIPGRAM_ALPHA, Word2VecConfig
from ..word2vec.corpus.text import MAX_INVALID_SHARE
from .checkpoint_options import add_checkpoint_options, checkpoint_every
from .vectors import load_vectors, save_vectors_or_rescue, vectors_format

__all__ = ["TRAINING_DEFAULTS", "add_commands", "add_training_options", "model_from_args"]

# Word2VecConfig field -> default: the single source of every word2vec default the CLI uses.
TRAINING_DEFAULTS = {field.name: field.default for field in dataclasses.fields(Word2VecConfig)}


def _shown(name: str, defaults: Mapping = TRAINING_DEFAULTS) -> str:
    """A training default as the help texts show it (``1e-3`` rather than ``0.001``)."""
    value = defaults[name]
    if isinstance(value, float) and 0 < abs(value) < 1e-2:
        mantissa, exponent = f"{value:e}".split("e")
        return f"{float(mantissa):g}e{int(exponent)}"
    return str(value)


# ---------------------------------------------------------------------- training options
def add_training_options(p: argparse.ArgumentParser, defaults: Mapping = TRAINING_DEFAULTS, *,
                         workers: bool = True) -> None:
    """Add the word2vec training options to ``p``: ``dest`` is the Word2VecConfig field, the default
    and the help's default come from ``defaults``; ``workers=False`` leaves out ``--workers``."""
    d = defaults
    arch = p.add_mutually_exclusive_group()
    arch.add_argument("--sg", dest="sg", action="store_const", const=1,
                      help="skip-gram" + (" (default)" if d["sg"] else ""))
    arch.add_argument("--cbow", dest="sg", action="store_const", const=0,
                      help="CBOW" + ("" if d["sg"] else " (default)"))
    p.set_defaults(sg=d["sg"])
    p.add_argument("--hs", action="store_const", const=1, default=d["hs"],
                   help="hierarchical softmax (combine with --negative 0 to use it alone)")
    p.add_argument("--negative", type=int, default=d["negative"],
                   help=f"negatives per example; 0 disables (default {_shown('negative', d)})")
    p.add_argument("--vector-size", type=int, default=d["vector_size"],
                   help=f"dimensions (default {_shown('vector_size', d)})")
    p.add_argument("--window", type=int, default=d["window"],
                   help=f"maximum context window (default {_shown('window', d)})")
    p.add_argument("--sample", type=float, default=d["sample"],
                   help=f"subsampling threshold; 0 disables (default {_shown('sample', d)})")
    p.add_argument("--min-count", type=int, default=d["min_count"],
                   help=f"drop rarer words (default {_shown('min_count', d)})")
    p.add_argument("--max-vocab-size", type=int, default=d["max_vocab_size"],
                   help="prune while counting beyond this many words")
    p.add_argument("--max-final-vocab", type=int, default=d["max_final_vocab"],
                   help="keep at most this many words")
    p.add_argument("--epochs", type=int, default=d["epochs"],
                   help=f"passes over the corpus (default {_shown('epochs', d)})")
    if workers:
        p.add_argument("--workers", type=int, default=d["workers"], help="training threads (default: all cores)")
    p.add_argument("--alpha", type=float, default=d["alpha"],
                   help=f"initial learning rate (default {SKIPGRAM_ALPHA} for skip-gram, {CBOW_ALPHA} for CBOW)")
    p.add_argument("--min-alpha", type=float, default=d["min_alpha"],
                   help=f"final learning rate (default {_shown('min_alpha', d)})")
    p.add_argument("--cbow-sum", dest="cbow_mean", action="store_const", const=False, default=d["cbow_mean"],
                   help="CBOW sums the context instead of averaging it")
    p.add_argument("--no-shrink-windows", dest="shrink_windows", action="store_const", const=False,
                   default=d["shrink_windows"], help="every center uses the whole window (no random shrink)")
    p.add_argument("--seed", type=int, default=d["seed"], help=f"random seed (default {_shown('seed', d)})")
    p.add_argument("--batch-negatives", action=argparse.BooleanOptionalAction, default=d["batch_negatives"],
                   help="share one draw of negatives across a minibatch (skip-gram: a window; CBOW: 8 windows "
                        "a window apart) and train it as small matrix products (pWord2Vec); needs --negative > 0, "
                        "no --hs. --no-batch-negatives runs the C tool's per-pair algorithm. Default: batched "
                        "whenever negative sampling runs without --hs")


def model_from_args(args: argparse.Namespace):
    """An untrained :class:`~negsample.word2vec.Word2Vec` with the settings parsed by ``word2vec train``.

    Every parsed option named like a :class:`~negsample.word2vec.config.Word2VecConfig` field is passed
    on; fields without an option keep their default.
    """
    from ..word2vec import Word2Vec

    return Word2Vec(**{name: value for name, value in vars(args).items() if name in TRAINING_DEFAULTS})


# ---------------------------------------------------------------------- commands
def _cmd_train(args) -> int:
    from .._atomic import check_writable
    from ..word2vec import checkpoint
    from ..word2vec.corpus import Corpus

    every = checkpoint_every(args)
    if args.resume:  # the settings, vocabulary and weights come from the checkpoint
        model, manifest = checkpoint.latest_model(args.resume)
    else:
        model = model_from_args(args)  # every setting checked before anything is read
    fmt = vectors_format(args.output, True if args.binary else None)
    for path in (args.output, args.log):
        if path:
            check_writable(path)  # before the corpus is read, not after training
    if args.checkpoint:
        Path(args.checkpoint).mkdir(parents=True, exist_ok=True)
        check_writable(Path(args.checkpoint) / "checkpoint-probe")
    corpus = Corpus(args.corpus, max_sentence_length=model.config.max_sentence_length,
                    max_invalid_share=args.max_invalid_share)
    started = time.perf_counter()
    options = dict(progress=not args.quiet, log=None if not args.quiet else (lambda _: None), log_file=args.log)
    if args.resume:
        model = checkpoint.finish(model, manifest, args.resume, corpus, every=every, **options)
    else:
        callbacks = [checkpoint.checkpoint_callback(args.checkpoint, every or "1", corpus_name=corpus.name)
                     ] if args.checkpoint else []
        model.fit(corpus, callbacks=callbacks, **options)
    save_vectors_or_rescue(model.wv, args.output, fmt == "binary", progress=not args.quiet)
    if not args.quiet:
        print(f"wrote {len(model.wv)} x {model.wv.vector_size} vectors ({fmt}) to {args.output} "
              f"in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


def _fail(message: str) -> int:
    """A query or evaluation that answered nothing: say so, and exit 1."""
    print(f"negsample: error: {message}", file=sys.stderr)
    return 1


def _cmd_eval(args) -> int:
    import math

    from ..word2vec.evaluation import evaluate_analogies, evaluate_word_pairs

    if not args.analogies and not args.pairs:
        raise ValueError("nothing to evaluate: give --analogies FILE and/or --pairs FILE")
    wv = load_vectors(args.vectors, True if args.binary else None, progress=True)
    failures = []
    if args.analogies:
        result = evaluate_analogies(wv, args.analogies, restrict_vocab=args.restrict_vocab)
        print(f"analogies {args.analogies}: accuracy {result.accuracy:.4f} "
              f"({result.correct}/{result.total}), coverage {result.coverage:.1%}")
        for name, (acc, correct, total) in result.sections.items():
            print(f"  {name:<32} {acc:.4f} ({correct}/{total})")
        if result.total == 0:
            failures.append(f"no question of {args.analogies} has all four words among the first "
                            f"{args.restrict_vocab} words of {args.vectors}")
    if args.pairs:
        result = evaluate_word_pairs(wv, args.pairs)
        print(f"word pairs {args.pairs}: spearman {result.spearman:.4f}, pearson {result.pearson:.4f}, "
              f"oov {result.oov_ratio:.1f}%")
        if not (math.isfinite(result.spearman) and math.isfinite(result.pearson)):
            failures.append(f"the correlations are undefined (NaN) on the {result.pairs} pairs of {args.pairs} "
                            "with both words known: the similarities or the human scores are constant, or "
                            "fewer than 2 pairs were found")
    return _fail("; ".join(failures)) if failures else 0


def _cmd_similar(args) -> int:
    wv = load_vectors(args.vectors, True if args.binary else None, progress=True)
    known = 0
    for word in args.words:
        if word not in wv:
            print(f"{word}: not in the vocabulary")
            continue
        known += 1
        neighbours = wv.most_similar(word, topn=args.topn)
        print(f"{word}: " + ", ".join(f"{w} ({s:.3f})" for w, s in neighbours))
    if not known:
        return _fail(f"none of the words is in the vocabulary of {args.vectors} ({len(wv)} words)")
    return 0


_PROBES = ["king", "france", "computer", "music", "war", "three", "river", "einstein"]


def _cmd_demo(args) -> int:
    from ..word2vec import Word2Vec
    from ..word2vec.evaluation import evaluate_word_pairs

    data = resources.files("negsample") / "data"
    with resources.as_file(data / "wiki_sample.txt.gz") as corpus, \
            resources.as_file(data / "wordsim353.tsv") as pairs:
        print(f"negsample demo: skip-gram with negative sampling on {Path(corpus).name} "
              "(~506k words of Wikipedia text; see negsample/data/ATTRIBUTION.md)", file=sys.stderr)
        started = time.perf_counter()
        # The demo's own choices are skip-gram and stronger subsampling; the rest is Word2VecConfig's.
        model = Word2Vec(sg=1, sample=1e-4, epochs=args.epochs, workers=args.workers)
        model.fit(corpus, progress=True)
        seconds = time.perf_counter() - started
        wv = model.wv
        print(f"\ntrained {len(wv)} words x {wv.vector_size} dims in {seconds:.1f}s\n")
        for word in _PROBES:
            if word in wv:
                print(f"{word:>10}: " + ", ".join(w for w, _ in wv.most_similar(word, topn=6)))
        result = evaluate_word_pairs(wv, pairs)
        print(f"\nWordSim-353 Spearman: {result.spearman:.3f} on the {100 - result.oov_ratio:.0f}% of pairs "
              "whose words are in this small vocabulary (a larger corpus scores much higher)")
    return 0


# ---------------------------------------------------------------------- parsers
def add_commands(commands) -> None:
    """Add ``demo`` and ``word2vec {train, eval, similar}`` to ``commands``, what the root parser's
    ``add_subparsers()`` returned."""
    demo = commands.add_parser("demo", help="train on a bundled Wikipedia sample and show neighbours")
    demo.add_argument("--epochs", type=int, default=TRAINING_DEFAULTS["epochs"])
    demo.add_argument("--workers", type=int, default=TRAINING_DEFAULTS["workers"])
    demo.set_defaults(func=_cmd_demo)

    w2v = commands.add_parser("word2vec", help="train, evaluate and query word vectors")
    w2v_commands = w2v.add_subparsers(dest="w2v_command", required=True)

    train = w2v_commands.add_parser("train", help="train word vectors on a corpus")
    train.add_argument("corpus", help="text file (gzip, bzip2, xz or zip ok) or directory; one sentence per line")
    train.add_argument("-o", "--output", required=True,
                       help="output file: word2vec text format, binary if it ends in .bin or --binary, native if .npz")
    train.add_argument("--binary", action="store_true", help="write the word2vec binary format")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    add_checkpoint_options(
        train,
        checkpoint="write a checkpoint (the whole model, atomically) into DIR at the end of every --checkpoint-every"
                   " epochs; the newest two are kept",
        resume="continue the run whose checkpoints are in DIR on CORPUS: its settings, vocabulary, weights and "
               "place in the schedule come from the newest one (the training options are ignored); with "
               "--workers 1 the vectors are those of an uninterrupted run")
    train.add_argument("--max-invalid-share", type=float, default=MAX_INVALID_SHARE, metavar="SHARE",
                       help="refuse a corpus file whose bytes are more than this share NUL or invalid UTF-8: "
                            f"it is not text (default {MAX_INVALID_SHARE})")
    train.add_argument("--log", metavar="LOG.jsonl",
                       help="write a training log (one JSON line per epoch: loss, words/s, learning rate) "
                            "for `negsample plot curves`")
    add_training_options(train)
    train.set_defaults(func=_cmd_train)

    ev = w2v_commands.add_parser("eval", help="analogy accuracy and word-pair correlation")
    ev.add_argument("vectors")
    ev.add_argument("--analogies", help="analogy file in the questions-words.txt format")
    ev.add_argument("--pairs", help="word pairs with human scores: w1<TAB>w2<TAB>score")
    ev.add_argument("--restrict-vocab", type=int, default=30000)
    ev.add_argument("--binary", action="store_true", help="the vectors are in word2vec binary format")
    ev.set_defaults(func=_cmd_eval)

    sim = w2v_commands.add_parser("similar", help="nearest neighbours of words")
    sim.add_argument("vectors")
    sim.add_argument("words", nargs="+")
    sim.add_argument("--topn", type=int, default=10)
    sim.add_argument("--binary", action="store_true", help="the vectors are in word2vec binary format")
    sim.set_defaults(func=_cmd_similar)
