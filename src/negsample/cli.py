"""The ``negsample`` command line.

    negsample demo
    negsample word2vec train CORPUS -o OUT [--sg|--cbow] [--hs] [--negative N] ...
    negsample word2vec eval VECTORS [--analogies FILE] [--pairs FILE]
    negsample word2vec similar VECTORS WORD...

Errors in the input (a missing corpus, a bad parameter, a corrupt vectors file) end the command with
one line naming the problem and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

__all__ = ["main"]


def _vectors_format(path: str, binary: bool | None) -> str:
    if path.endswith(".npz"):
        return "npz"
    if binary is None:
        binary = path.endswith(".bin")
    return "binary" if binary else "text"


def _load_vectors(path: str, binary: bool | None):
    from .keyedvectors import KeyedVectors

    fmt = _vectors_format(path, binary)
    if fmt == "npz":
        return KeyedVectors.load(path)
    return KeyedVectors.load_word2vec_format(path, binary=fmt == "binary")


def _save_vectors(wv, path: str, binary: bool | None) -> str:
    fmt = _vectors_format(path, binary)
    if fmt == "npz":
        wv.save(path)
    else:
        wv.save_word2vec_format(path, binary=fmt == "binary")
    return fmt


def _add_training_options(p: argparse.ArgumentParser) -> None:
    arch = p.add_mutually_exclusive_group()
    arch.add_argument("--sg", dest="sg", action="store_const", const=1, help="skip-gram")
    arch.add_argument("--cbow", dest="sg", action="store_const", const=0, help="CBOW (default)")
    p.set_defaults(sg=0)
    p.add_argument("--hs", action="store_true", help="hierarchical softmax (combine with --negative 0 to use it alone)")
    p.add_argument("--negative", type=int, default=5, help="negatives per example; 0 disables (default 5)")
    p.add_argument("--vector-size", type=int, default=100, help="dimensions (default 100)")
    p.add_argument("--window", type=int, default=5, help="maximum context window (default 5)")
    p.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold; 0 disables (default 1e-3)")
    p.add_argument("--min-count", type=int, default=5, help="drop rarer words (default 5)")
    p.add_argument("--max-vocab-size", type=int, default=None, help="prune while counting beyond this many words")
    p.add_argument("--max-final-vocab", type=int, default=None, help="keep at most this many words")
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default 5)")
    p.add_argument("--workers", type=int, default=None, help="training threads (default: all cores)")
    p.add_argument("--alpha", type=float, default=0.025, help="initial learning rate (default 0.025)")
    p.add_argument("--min-alpha", type=float, default=1e-4, help="final learning rate (default 1e-4)")
    p.add_argument("--cbow-sum", action="store_true", help="CBOW sums the context instead of averaging it")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--batch-negatives", action=argparse.BooleanOptionalAction, default=None,
                   help="share one draw of negatives across a minibatch (skip-gram: a window; CBOW: a run of "
                        "windows) and train it as small matrix products (pWord2Vec); needs --negative > 0, no "
                        "--hs. --no-batch-negatives runs the C tool's per-pair algorithm. Default: batched "
                        "whenever negative sampling runs without --hs")


def _model_from_args(args):
    from .word2vec import Word2Vec

    return Word2Vec(
        vector_size=args.vector_size, window=args.window, min_count=args.min_count, sg=args.sg,
        hs=int(args.hs), negative=args.negative, sample=args.sample, alpha=args.alpha, min_alpha=args.min_alpha,
        epochs=args.epochs, workers=args.workers, seed=args.seed, max_vocab_size=args.max_vocab_size,
        max_final_vocab=args.max_final_vocab, cbow_mean=not args.cbow_sum, batch_negatives=args.batch_negatives,
    )


def _cmd_train(args) -> int:
    model = _model_from_args(args)
    started = time.perf_counter()
    model.fit(args.corpus, progress=not args.quiet, log=None if not args.quiet else (lambda _: None))
    fmt = _save_vectors(model.wv, args.output, True if args.binary else None)
    if not args.quiet:
        print(f"wrote {len(model.wv)} x {model.wv.vector_size} vectors ({fmt}) to {args.output} "
              f"in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


def _cmd_eval(args) -> int:
    from .word2vec.evaluation import evaluate_analogies, evaluate_word_pairs

    if not args.analogies and not args.pairs:
        raise ValueError("nothing to evaluate: give --analogies FILE and/or --pairs FILE")
    wv = _load_vectors(args.vectors, True if args.binary else None)
    if args.analogies:
        result = evaluate_analogies(wv, args.analogies, restrict_vocab=args.restrict_vocab)
        print(f"analogies {args.analogies}: accuracy {result.accuracy:.4f} "
              f"({result.correct}/{result.total}), coverage {result.coverage:.1%}")
        for name, (acc, correct, total) in result.sections.items():
            print(f"  {name:<32} {acc:.4f} ({correct}/{total})")
    if args.pairs:
        result = evaluate_word_pairs(wv, args.pairs)
        print(f"word pairs {args.pairs}: spearman {result.spearman:.4f}, pearson {result.pearson:.4f}, "
              f"oov {result.oov_ratio:.1f}%")
    return 0


def _cmd_similar(args) -> int:
    wv = _load_vectors(args.vectors, True if args.binary else None)
    for word in args.words:
        if word not in wv:
            print(f"{word}: not in the vocabulary")
            continue
        neighbours = wv.most_similar(word, topn=args.topn)
        print(f"{word}: " + ", ".join(f"{w} ({s:.3f})" for w, s in neighbours))
    return 0


_PROBES = ["king", "france", "computer", "music", "war", "three", "river", "einstein"]


def _cmd_demo(args) -> int:
    from .word2vec import Word2Vec
    from .word2vec.evaluation import evaluate_word_pairs

    data = resources.files("negsample") / "data"
    with resources.as_file(data / "wiki_sample.txt.gz") as corpus, \
            resources.as_file(data / "wordsim353.tsv") as pairs:
        print(f"negsample demo: skip-gram with negative sampling on {Path(corpus).name} "
              "(~506k words of Wikipedia text; see negsample/data/ATTRIBUTION.md)", file=sys.stderr)
        started = time.perf_counter()
        model = Word2Vec(vector_size=100, window=5, min_count=5, sg=1, negative=5, sample=1e-4,
                         epochs=args.epochs, workers=args.workers, seed=1)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="negsample", description="Embeddings trained with negative sampling.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="train on a bundled Wikipedia sample and show neighbours")
    demo.add_argument("--epochs", type=int, default=5)
    demo.add_argument("--workers", type=int, default=None)
    demo.set_defaults(func=_cmd_demo)

    w2v = commands.add_parser("word2vec", help="train, evaluate and query word vectors")
    w2v_commands = w2v.add_subparsers(dest="w2v_command", required=True)

    train = w2v_commands.add_parser("train", help="train word vectors on a corpus")
    train.add_argument("corpus", help="text file (.gz ok) or directory; one sentence per line")
    train.add_argument("-o", "--output", required=True,
                       help="output file: word2vec text format, binary if it ends in .bin or --binary, native if .npz")
    train.add_argument("--binary", action="store_true", help="write the word2vec binary format")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_training_options(train)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError, RuntimeError, KeyError) as exc:
        # Input problems end with one clear line; a bug elsewhere still shows its traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"negsample: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("negsample: interrupted; no output was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
