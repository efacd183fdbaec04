"""Vector file formats: the word2vec C tool's text and binary formats and negsample's native ``.npz``.

Readers and writers work on plain ``words`` (list of str, length n_words) and ``vectors`` (float,
shape (n_words, dim)); :class:`~negsample.keyedvectors.KeyedVectors` wraps them in its
``save_word2vec_format`` / ``load_word2vec_format`` / ``save`` / ``load`` methods.

word2vec format (:mod:`.word2vec_format`)
    Header ``"<n_words> <dim>\\n"``, then one record per word. Text records are
    ``word v1 ... v_dim\\n`` with ``%.9g`` values (nine significant digits give back the same float32
    exactly). Binary records are ``word``, a space, ``dim`` little-endian float32 and a newline, byte for
    byte what the C tool writes; the reader also accepts gensim's records without the newline. Counts are
    not stored; gensim's ``fvocab`` file of ``word count`` lines (:mod:`.counts`) can hold them.
native format (:mod:`.npz`)
    One ``.npz`` with ``format_version``, ``vectors``, ``counts`` and the words as UTF-8 JSON in a uint8
    array, so reading it never needs pickle.

Every malformed file raises :class:`VectorsFormatError` naming the file and, where it applies, the line
(for binary files: record ``i`` is line ``i + 1``, plus a byte offset), and nothing else: a header is
checked against the size of the file before anything of its size is allocated, a text file with more
rows than its header announces is refused, and so are NaN and infinite values unless
``allow_non_finite=True``.

Example
-------
>>> import os, tempfile, numpy as np
>>> from negsample.vectors_io import read_word2vec, write_word2vec
>>> path = os.path.join(tempfile.mkdtemp(), "v.bin")
>>> write_word2vec(path, ["a", "b"], np.eye(2, dtype=np.float32), binary=True)
>>> words, vectors = read_word2vec(path, binary=True)
>>> words, vectors.shape, vectors.dtype
(['a', 'b'], (2, 2), dtype('float32'))
"""

from .common import VectorsFormatError
from .counts import counts_for, read_counts, write_counts
from .npz import read_npz, write_npz
from .word2vec_format import read_header, read_word2vec, write_word2vec

__all__ = ["VectorsFormatError", "counts_for", "read_counts", "read_header", "read_npz", "read_word2vec",
           "write_counts", "write_npz", "write_word2vec"]
