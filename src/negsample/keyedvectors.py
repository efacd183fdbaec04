"""KeyedVectors: trained vectors plus their :class:`~negsample.vocab.Vocabulary`.

Lookups, cosine similarity queries (``most_similar``, 3CosAdd / 3CosMul analogies), and storage in the
word2vec C tool's text and binary formats (readable by the C tool and by gensim, and able to read
theirs) or in a native ``.npz`` file that keeps the word counts; the formats themselves live in
:mod:`negsample.vectors_io`.

Example
-------
>>> import numpy as np
>>> from negsample.vocab import Vocabulary
>>> from negsample.keyedvectors import KeyedVectors
>>> vocab = Vocabulary(["king", "queen", "man", "woman"], [4, 3, 2, 1])
>>> vectors = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
>>> kv = KeyedVectors(vectors, vocab)
>>> kv["queen"].tolist(), kv.vector_size, len(kv)
([1.0, 0.0, 1.0], 3, 4)
>>> kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0]
'queen'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from numbers import Integral

import numpy as np

from . import vectors_io
from .keyedvectors_queries import SimilarityQueries
from .vectors_io import VectorsFormatError
from .vocab import Vocabulary

__all__ = ["KeyedVectors"]


class KeyedVectors(SimilarityQueries):
    """Word vectors with their vocabulary; the similarity queries come from
    :class:`~negsample.keyedvectors_queries.SimilarityQueries`.

    Parameters
    ----------
    vectors : array-like of float, shape (n_words, dim)
        One row per word, in vocabulary order. Stored as a C-contiguous float32 array (converted
        if necessary).
    vocab : Vocabulary
        The words (``vocab.index_to_key[i]`` owns ``vectors[i]``) and their counts.

    Notes
    -----
    Unit-length vectors and norms are computed on first use and cached. Assigning ``kv.vectors``
    drops the cache; after editing the array *in place* call :meth:`clear_cache`. Zero vectors stay
    zero when normalised, so they have similarity 0 to everything instead of NaN.

    Example
    -------
    >>> import numpy as np
    >>> from negsample.vocab import Vocabulary
    >>> kv = KeyedVectors(np.eye(3, dtype=np.float32), Vocabulary(["a", "b", "c"], [3, 2, 1]))
    >>> kv[["a", "c"]].shape, "b" in kv, kv.get_index("c")
    ((2, 3), True, 2)
    """

    def __init__(self, vectors: np.ndarray, vocab: Vocabulary):
        if not isinstance(vocab, Vocabulary):
            raise TypeError(f"KeyedVectors: vocab must be a negsample Vocabulary, got {type(vocab).__name__}")
        self._vocab = vocab
        self._vectors = self._checked_vectors(vectors)
        self._norms: np.ndarray | None = None
        self._unit_vectors: np.ndarray | None = None

    def _checked_vectors(self, vectors) -> np.ndarray:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"KeyedVectors: vectors must be 2-d (n_words, dim), got shape {vectors.shape}")
        if vectors.shape[0] != len(self._vocab):
            raise ValueError(
                f"KeyedVectors: vectors has {vectors.shape[0]} rows but the vocabulary has "
                f"{len(self._vocab)} words"
            )
        if vectors.shape[1] < 1:
            raise ValueError("KeyedVectors: vectors must have at least one dimension")
        if not (np.issubdtype(vectors.dtype, np.floating) or np.issubdtype(vectors.dtype, np.integer)):
            raise ValueError(f"KeyedVectors: vectors must be numeric, got dtype {vectors.dtype}")
        return np.ascontiguousarray(vectors, dtype=np.float32)

    # ------------------------------------------------------------------ container protocol
    @property
    def vectors(self) -> np.ndarray:
        """The raw vectors, float32, shape (n_words, dim)."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: np.ndarray) -> None:
        self._vectors = self._checked_vectors(value)
        self.clear_cache()

    def clear_cache(self) -> None:
        """Forget cached norms and unit vectors (needed only after editing ``vectors`` in place)."""
        self._norms = None
        self._unit_vectors = None

    @property
    def vocab(self) -> Vocabulary:
        return self._vocab

    @property
    def index_to_key(self) -> list[str]:
        return self._vocab.index_to_key

    @property
    def key_to_index(self) -> dict[str, int]:
        return self._vocab.key_to_index

    @property
    def counts(self) -> np.ndarray:
        """Word counts, int64, shape (n_words,)."""
        return self._vocab.counts

    @property
    def vector_size(self) -> int:
        return self._vectors.shape[1]

    def __len__(self) -> int:
        return len(self._vocab)

    def __contains__(self, word: object) -> bool:
        return word in self._vocab.key_to_index

    def __iter__(self) -> Iterator[str]:
        return iter(self._vocab.index_to_key)

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words, dim={self.vector_size})"

    def get_index(self, word, default: int | None = None) -> int:
        """Row of ``word``; an int that is not a word but lies in ``[0, len)`` is that row (gensim's rule).

        ``default`` is returned for an unknown key when given; otherwise KeyError naming the word.
        """
        try:
            return self._vocab.key_to_index[word]
        except KeyError:
            if isinstance(word, Integral) and not isinstance(word, bool) and 0 <= word < len(self):
                return int(word)
            if default is not None:
                return default
            raise KeyError(f"word {word!r} not in vocabulary") from None
        except TypeError:  # unhashable, e.g. a list passed where a word was expected
            raise KeyError(f"{word!r} is not a word") from None

    def has_index_for(self, key) -> bool:
        """Whether :meth:`get_index` finds a row for ``key``."""
        return self.get_index(key, -1) >= 0

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """Vector of ``word``, shape (dim,), read-only; unit length if ``norm``."""
        index = self.get_index(word)
        row = (self.unit_vectors if norm else self._vectors)[index]
        row.flags.writeable = False  # a view: writing to it would silently stale the cached norms
        return row

    def __getitem__(self, words: str | Sequence[str]) -> np.ndarray:
        """``kv[word]`` -> shape (dim,); ``kv[list_of_words]`` -> shape (len(words), dim)."""
        if isinstance(words, (str, Integral)):
            return self.get_vector(words)
        return self._vectors[[self.get_index(w) for w in words]].reshape(-1, self.vector_size)

    # ------------------------------------------------------------------ norms
    @property
    def norms(self) -> np.ndarray:
        """L2 norm of every vector, float32, shape (n_words,); cached."""
        if self._norms is None:
            self._norms = np.linalg.norm(self._vectors, axis=1)
        return self._norms

    @property
    def unit_vectors(self) -> np.ndarray:
        """Vectors scaled to unit length (zero rows stay zero), float32, shape (n_words, dim); cached."""
        if self._unit_vectors is None:
            norms = self.norms
            safe = np.where(norms > 0, norms, np.float32(1))
            self._unit_vectors = self._vectors / safe[:, None]
        return self._unit_vectors

    # ------------------------------------------------------------------ adding and selecting vectors
    def add_vectors(self, keys, weights, extras: dict | None = None, replace: bool = False) -> None:
        """Append new keys with their vectors; a known key keeps its vector unless ``replace`` (gensim's semantics).

        Parameters
        ----------
        keys : str or sequence of str, distinct
        weights : array-like, shape (dim,) for one key, (len(keys), dim) for several
        extras : {"count": array-like of int, shape (len(keys),)}, optional
            Counts of the new words (default 0, as gensim leaves them); replaced for known words only
            with ``replace``.
        replace : bool, default False

        The vocabulary and the vector array are replaced by new objects, never changed in place, so a
        :class:`~negsample.word2vec.Word2Vec` whose ``wv`` this is trains these rows from now on.

        Example
        -------
        >>> import numpy as np
        >>> kv = KeyedVectors(np.zeros((1, 2), np.float32), Vocabulary(["a"], [3]))
        >>> kv.add_vectors(["a", "b"], np.ones((2, 2)))
        >>> kv.index_to_key, kv["a"].tolist(), kv["b"].tolist(), kv.counts.tolist()
        (['a', 'b'], [0.0, 0.0], [1.0, 1.0], [3, 0])
        >>> kv["a"] = np.array([2.0, 2.0])
        >>> kv["a"].tolist()
        [2.0, 2.0]
        """
        if isinstance(keys, str):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        keys = list(keys)
        weights = np.asarray(weights, dtype=np.float32)
        if weights.shape != (len(keys), self.vector_size):
            raise ValueError(f"add_vectors: weights must have shape ({len(keys)}, {self.vector_size}) "
                             f"(one row per key), got {weights.shape}")
        if len(set(keys)) != len(keys):
            raise ValueError("add_vectors: keys must be distinct")
        extras = dict(extras or {})
        counts = np.asarray(extras.pop("count", np.zeros(len(keys))), dtype=np.int64)
        if extras or counts.shape != (len(keys),):
            raise ValueError(f"add_vectors: extras may hold only 'count' with shape ({len(keys)},), "
                             f"got {sorted(extras) or counts.shape}")
        known = np.array([k in self._vocab.key_to_index for k in keys], dtype=bool)
        new = np.flatnonzero(~known)
        vectors = np.concatenate([self._vectors, weights[new]])
        all_counts = np.concatenate([self._vocab.counts, counts[new]])
        if replace and known.any():
            rows = [self._vocab.key_to_index[keys[i]] for i in np.flatnonzero(known).tolist()]
            vectors[rows] = weights[known]
            all_counts[rows] = counts[known]
        self._vocab = Vocabulary(self._vocab.index_to_key + [keys[i] for i in new.tolist()], all_counts)
        self._vectors = np.ascontiguousarray(vectors)
        self.clear_cache()

    def __setitem__(self, keys, weights) -> None:
        """``kv[key] = vector`` or ``kv[[k1, k2]] = vectors``: :meth:`add_vectors` with ``replace=True``."""
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def add_vector(self, key: str, vector) -> int:
        """Add one key (a known key keeps its vector, as in gensim); returns its row."""
        self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        return self.get_index(key)

    def sort_by_descending_frequency(self) -> None:
        """Reorder the rows by descending count, ties in reverse of their current order (gensim's rule)."""
        rows = np.arange(len(self))
        order = np.lexsort((-rows, -self._vocab.counts))
        self._vocab = Vocabulary([self.index_to_key[i] for i in order.tolist()], self._vocab.counts[order])
        self._vectors = np.ascontiguousarray(self._vectors[order])
        self.clear_cache()

    def vectors_for_all(self, keys: Iterable, allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> KeyedVectors:
        """A new KeyedVectors of the given keys that are known, deduplicated, in the given order.

        ``copy_vecattrs`` copies the counts (otherwise 0, as gensim leaves them). ``allow_inference``
        is accepted for gensim's signature: word vectors infer nothing for unknown words.
        """
        chosen, seen = [], set()
        for key in keys:
            if key not in seen:
                seen.add(key)
                if key in self._vocab.key_to_index:
                    chosen.append(key)
        rows = [self._vocab.key_to_index[k] for k in chosen]
        counts = self._vocab.counts[rows] if copy_vecattrs else np.zeros(len(rows), np.int64)
        return type(self)(self._vectors[rows].reshape(len(rows), self.vector_size), Vocabulary(chosen, counts))

    def get_vecattr(self, key, attr: str):
        """gensim's per-key attribute lookup; the one attribute kept is ``"count"``."""
        if attr != "count":
            raise KeyError(f"get_vecattr: negsample keeps only the 'count' attribute, not {attr!r}")
        return int(self._vocab.counts[self.get_index(key)])

    def get_normed_vectors(self) -> np.ndarray:
        """gensim's name for :attr:`unit_vectors`."""
        return self.unit_vectors

    def intersect_word2vec_format(self, path: str | os.PathLike, lockf: float = 1.0, binary: bool = False,
                                  encoding: str = "utf8", unicode_errors: str = "strict") -> int:
        """Take the vectors of a C-format file for the words both know (no word is added); returns how many.

        This is how training starts from pretrained vectors: ``model.build_vocab(corpus)``, then
        ``model.wv.intersect_word2vec_format("pretrained.bin", binary=True)``, then ``model.train``.
        Only ``lockf=1.0`` is supported (the imported rows go on training); gensim's ``lockf=0.0``,
        which freezes them, needs a per-row lock in the kernels that negsample does not have.

        Raises ValueError when the file's dimension is not ``vector_size``.
        """
        if lockf != 1.0:
            raise ValueError(f"intersect_word2vec_format: lockf={lockf!r} is not supported; negsample trains "
                             "every row, so only lockf=1.0 (the imported vectors go on training) is available")
        words, vectors = vectors_io.read_word2vec(path, binary=binary, encoding=encoding,
                                                  unicode_errors=unicode_errors)
        if vectors.shape[1] != self.vector_size:
            raise ValueError(f"{os.fspath(path)}: vectors of dimension {vectors.shape[1]}, "
                             f"but these have {self.vector_size}")
        index = self._vocab.key_to_index
        pairs = [(index[w], i) for i, w in enumerate(words) if w in index]
        if pairs:
            mine, theirs = (list(t) for t in zip(*pairs, strict=True))
            self._vectors[mine] = vectors[theirs]
            self.clear_cache()
        return len(pairs)

    # ------------------------------------------------------------------ files (formats in vectors_io)
    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False, *,
                             fvocab: str | os.PathLike | None = None, write_header: bool = True) -> None:
        """Write the word2vec C tool's format (atomically), readable by the C tool and by gensim.

        One record per word in vocabulary order: text (each value as ``"%.9g"`` writes it, exact for
        float32; formatted by a compiled kernel, faster than gensim's writer) or, with ``binary``, byte
        for byte what the C tool writes (see :mod:`negsample.vectors_io`). The format stores no counts:
        ``fvocab`` names a file to write them to, one ``word count`` line per word in the same order
        (gensim's option). ``write_header=False`` leaves out the ``"<n_words> <dim>"`` line (read such
        a file back with ``no_header=True``). :class:`~negsample.ParameterError` for a word that is
        empty or contains whitespace, before anything is written.

        Example
        -------
        >>> import os, tempfile, numpy as np
        >>> from negsample.vocab import Vocabulary
        >>> kv = KeyedVectors(np.ones((2, 3), dtype=np.float32), Vocabulary(["a", "b"], [2, 1]))
        >>> path = os.path.join(tempfile.mkdtemp(), "v.txt")
        >>> kv.save_word2vec_format(path)
        >>> open(path).read()
        '2 3\\na 1 1 1\\nb 1 1 1\\n'
        """
        vectors_io.write_word2vec(path, self._vocab.index_to_key, self._vectors, binary=binary,
                                  write_header=write_header)
        if fvocab is not None:
            vectors_io.write_counts(fvocab, self._vocab.index_to_key, self._vocab.counts)

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike, binary: bool = False, limit: int | None = None,
                             encoding: str = "utf8", unicode_errors: str = "strict", *,
                             fvocab: str | os.PathLike | None = None, datatype=np.float32,
                             no_header: bool = False, allow_non_finite: bool = False) -> KeyedVectors:
        """Read the word2vec C tool's text or binary format (as written by the C tool, gensim or us).

        Parameters
        ----------
        path : str or os.PathLike
        binary : bool
            Binary records (``word``, space, ``dim`` float32, optional newline) instead of text.
        limit : int or None
            Read only the first ``limit`` vectors.
        encoding, unicode_errors : str
            How to decode the words. ``unicode_errors="ignore"`` helps with C-tool files whose words
            were cut in the middle of a multi-byte character.
        fvocab : str or os.PathLike, optional
            A file of ``word count`` lines (gensim's option) with the counts of the words.
        datatype : floating dtype, default np.float32
            The dtype of the loaded vectors (e.g. ``np.float16`` to halve the memory), as in gensim.
        no_header : bool
            The text file has no ``"<n_words> <dim>"`` line; its rows are counted first.
        allow_non_finite : bool
            Load NaN and infinite values instead of refusing the file.

        Returns
        -------
        KeyedVectors
            Without ``fvocab`` the file stores no counts, so words get descending synthetic counts
            ``n, n-1, ..., 1`` (gensim's choice), which keeps the file's order.

        Raises
        ------
        VectorsFormatError
            For an empty file, a bad header or one that announces more than the file can hold, too few
            or too many records, a record with the wrong number of values, a non-numeric or (unless
            allowed) non-finite value, a binary file cut mid-record, a repeated word, or a word
            without a count in ``fvocab``; the message names the file and the line (for binary files:
            record ``i`` is line ``i + 1``, plus a byte offset).
        """
        words, vectors = vectors_io.read_word2vec(path, binary=binary, limit=limit, encoding=encoding,
                                                  unicode_errors=unicode_errors, datatype=datatype,
                                                  no_header=no_header, allow_non_finite=allow_non_finite)
        if fvocab is not None:
            counts = vectors_io.counts_for(words, vectors_io.read_counts(fvocab, encoding=encoding,
                                                                          unicode_errors=unicode_errors),
                                           os.fspath(fvocab))
        else:
            counts = np.arange(len(words), 0, -1, dtype=np.int64)
        kv = cls(vectors, Vocabulary(words, counts))
        if vectors.dtype != kv._vectors.dtype:
            kv._vectors = vectors  # keep the datatype asked for (gensim's datatype=)
        return kv

    def save(self, path: str | os.PathLike) -> None:
        """Save vectors, words and counts to one ``.npz`` file at exactly ``path`` (atomically).

        Words are stored as UTF-8 JSON in a uint8 array, so :meth:`load` never needs pickle.
        """
        vectors_io.write_npz(path, self._vocab.index_to_key, self._vocab.counts, self._vectors)

    @classmethod
    def load(cls, path: str | os.PathLike) -> KeyedVectors:
        """Load what :meth:`save` wrote (``allow_pickle=False``: loading a file never runs code)."""
        words, counts, vectors = vectors_io.read_npz(path)
        try:
            return cls(vectors, Vocabulary(words, counts))
        except ValueError as exc:
            raise VectorsFormatError(f"{os.fspath(path)}: inconsistent contents ({exc})") from exc
