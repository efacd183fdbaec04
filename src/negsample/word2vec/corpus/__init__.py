"""Corpora for word2vec: reading text (:mod:`.text`), the user's corpus (:mod:`.source`), the
compiled one-pass scanner (:mod:`.scan`) and the int32 encoding the kernels train on (:mod:`.encoded`).

Example
-------
>>> from negsample.word2vec.corpus import Corpus
>>> vocab, encoded = Corpus([["a", "b", "a"], ["b", "c", "a"]]).count_and_encode(min_count=2)
>>> vocab.index_to_key, encoded.n_words
(['a', 'b'], 5)
"""

from ..._lazy import lazy_exports
from .text import CorpusError

# The rest is imported on first use (PEP 562): the scanner's module imports Numba.
_LAZY = {"ChunkSink": "encoded", "EncodedCorpus": "encoded", "in_vocabulary_only": "encoded",
         "ScannedCorpus": "scan", "scan_files": "scan", "warm_up_scanner": "scan", "Corpus": "source",
         "TokenBlock": "source"}

__all__ = ["ChunkSink", "Corpus", "CorpusError", "EncodedCorpus", "ScannedCorpus", "TokenBlock", "in_vocabulary_only",
           "scan_files", "warm_up_scanner"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
