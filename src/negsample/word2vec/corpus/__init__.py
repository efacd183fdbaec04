"""Corpora for word2vec: reading text (:mod:`.text`), the user's corpus (:mod:`.source`), the
compiled one-pass scanner (:mod:`.scan`) and the int32 encoding the kernels train on (:mod:`.encoded`).

Example
-------
>>> from negsample.word2vec.corpus import Corpus
>>> vocab, encoded = Corpus([["a", "b", "a"], ["b", "c"]]).count_and_encode(min_count=2)
>>> vocab.index_to_key, encoded.n_words
(['b', 'a'], 3)
"""

from .encoded import ChunkSink, EncodedCorpus, in_vocabulary_only
from .scan import ScannedCorpus, scan_files, warm_up_scanner
from .source import Corpus, TokenBlock
from .text import CorpusError

__all__ = ["ChunkSink", "Corpus", "CorpusError", "EncodedCorpus", "ScannedCorpus", "TokenBlock", "in_vocabulary_only",
           "scan_files", "warm_up_scanner"]
