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
from .vectors_io import VectorsFormatError
from .vocab import Vocabulary

__all__ = ["KeyedVectors"]


class KeyedVectors:
    """Word vectors with their vocabulary.

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

    def get_index(self, word: str) -> int:
        """Row of ``word``; KeyError naming the word if it is not in the vocabulary."""
        try:
            return self._vocab.key_to_index[word]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None
        except TypeError:  # unhashable, e.g. a list passed where a word was expected
            raise KeyError(f"{word!r} is not a word") from None

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """Vector of ``word``, shape (dim,), read-only; unit length if ``norm``."""
        index = self.get_index(word)
        row = (self.unit_vectors if norm else self._vectors)[index]
        row.flags.writeable = False  # a view: writing to it would silently stale the cached norms
        return row

    def __getitem__(self, words: str | Sequence[str]) -> np.ndarray:
        """``kv[word]`` -> shape (dim,); ``kv[list_of_words]`` -> shape (len(words), dim)."""
        if isinstance(words, str):
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

    # ------------------------------------------------------------------ similarity queries
    def _as_vector(self, item, normalise: bool) -> np.ndarray:
        if isinstance(item, str):
            return self.get_vector(item, norm=normalise)
        vector = np.asarray(item, dtype=np.float32)
        if vector.shape != (self.vector_size,):
            raise ValueError(
                f"expected a word or a vector of shape ({self.vector_size},), got shape {vector.shape}"
            )
        return vector

    @staticmethod
    def _as_list(value) -> list:
        # A single word or vector is allowed wherever a list of them is.
        if value is None:
            return []
        if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 1):
            return [value]
        return list(value)

    def _weighted_terms(self, positive, negative) -> list[tuple[object, float]]:
        terms = []
        for items, default_weight in ((self._as_list(positive), 1.0), (self._as_list(negative), -1.0)):
            for item in items:
                if isinstance(item, (str, np.ndarray)):
                    terms.append((item, default_weight))
                else:  # (word_or_vector, weight), as gensim accepts
                    item, weight = item
                    terms.append((item, float(weight)))
        if not terms:
            raise ValueError("need at least one positive or negative word or vector")
        return terms

    def _input_indices(self, items: Iterable) -> set[int]:
        return {self.get_index(item) for item in items if isinstance(item, str)}

    def _search_limit(self, restrict_vocab: int | None) -> int:
        if restrict_vocab is None:
            return len(self)
        if restrict_vocab < 1:
            raise ValueError(f"restrict_vocab must be >= 1 or None, got {restrict_vocab}")
        return min(int(restrict_vocab), len(self))

    def _top(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[tuple[str, float]]:
        # Partial selection (O(n)) of just enough candidates that topn survive removing the inputs.
        wanted = min(topn + len(exclude), scores.size)
        if wanted < scores.size:
            candidates = np.argpartition(-scores, wanted - 1)[:wanted]
            candidates.sort()  # so ties come out in vocabulary order
        else:
            candidates = np.arange(scores.size)
        ranked = candidates[np.argsort(-scores[candidates], kind="stable")]
        keys = self._vocab.index_to_key
        return [(keys[i], float(scores[i])) for i in ranked.tolist() if i not in exclude][:topn]

    def most_similar(self, positive=None, negative=None, topn: int | None = 10,
                     restrict_vocab: int | None = None):
        """Words closest (cosine) to the weighted mean of the unit vectors of ``positive`` and ``negative``.

        Parameters
        ----------
        positive, negative : word, vector, or list of words / vectors / (word_or_vector, weight)
            Words get weight +1 (positive) or -1 (negative) unless a weight is given. As in gensim,
            words are normalised to unit length before averaging, vectors are used as given.
        topn : int or None, default 10
            How many words to return. ``None`` returns the similarity of every searched word
            (float32 array, shape (restrict_vocab or n_words,)) instead.
        restrict_vocab : int or None
            Only search the first ``restrict_vocab`` words (the most frequent ones).

        Returns
        -------
        list of (str, float)
            Best first; the input words themselves are left out.

        Example
        -------
        >>> import numpy as np
        >>> from negsample.vocab import Vocabulary
        >>> kv = KeyedVectors(np.array([[1, 0], [1, .1], [0, 1]], dtype=np.float32),
        ...                   Vocabulary(["a", "b", "c"], [3, 2, 1]))
        >>> [w for w, _ in kv.most_similar("a")]
        ['b', 'c']
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        terms = self._weighted_terms(positive, negative)
        total = np.zeros(self.vector_size, dtype=np.float64)
        for item, weight in terms:
            total += weight * self._as_vector(item, normalise=True)
        mean = total / sum(abs(weight) for _, weight in terms)
        norm = np.linalg.norm(mean)
        query = (mean / norm if norm > 0 else mean).astype(np.float32)
        scores = self.unit_vectors[: self._search_limit(restrict_vocab)] @ query
        if topn is None:
            return scores
        return self._top(scores, int(topn), self._input_indices(item for item, _ in terms))

    def most_similar_cosmul(self, positive=None, negative=None, topn: int | None = 10,
                            restrict_vocab: int | None = None):
        """Words that maximise 3CosMul (Levy & Goldberg, 2014), gensim's formula.

        ``score(w) = prod_p s(w, p) / (prod_n s(w, n) + 1e-6)`` with ``s = (1 + cos) / 2`` in [0, 1].
        For ``positive=[b, c], negative=[a]`` this answers "a is to b as c is to ?".

        Parameters
        ----------
        positive, negative : word, vector, or list of words / vectors
            Words are normalised to unit length, vectors are used as given (as in gensim).
            At least one positive is required.
        topn : int or None, default 10
            ``None`` returns the scores of every searched word, shape (restrict_vocab or n_words,).
        restrict_vocab : int or None
            Only search the first ``restrict_vocab`` words.

        Returns
        -------
        list of (str, float)
            Best first, input words left out.

        Example
        -------
        >>> import numpy as np
        >>> from negsample.vocab import Vocabulary
        >>> kv = KeyedVectors(np.array([[1, 0], [1, .1], [0, 1]], dtype=np.float32),
        ...                   Vocabulary(["a", "b", "c"], [3, 2, 1]))
        >>> kv.most_similar_cosmul(positive=["a"], topn=1)[0][0]
        'b'
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = self._as_list(positive), self._as_list(negative)
        if not positive:
            raise ValueError("most_similar_cosmul needs at least one positive word or vector")
        unit = self.unit_vectors[: self._search_limit(restrict_vocab)]

        def shifted_cosines(items):
            if not items:
                return np.ones(unit.shape[0], dtype=np.float32), 0.0
            terms = np.stack([self._as_vector(item, normalise=True) for item in items])
            return np.prod((1 + unit @ terms.T) / 2, axis=1), 1.0

        numerator, _ = shifted_cosines(positive)
        denominator, has_negative = shifted_cosines(negative)
        # Without negatives gensim divides by (empty product = 1) + 1e-6; keep that for identical scores.
        scores = numerator / ((denominator if has_negative else 1.0) + np.float32(1e-6))
        if topn is None:
            return scores
        return self._top(scores, int(topn), self._input_indices(positive + negative))

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10,
                          restrict_vocab: int | None = None):
        """Words closest to ``vector`` (shape (dim,)); see :meth:`most_similar`."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words (0.0 if either vector is zero)."""
        return float(np.dot(self.get_vector(word1, norm=True), self.get_vector(word2, norm=True)))

    def distance(self, word1: str, word2: str) -> float:
        """Cosine distance, ``1 - similarity``."""
        return 1.0 - self.similarity(word1, word2)

    def n_similarity(self, words1: Sequence[str], words2: Sequence[str]) -> float:
        """Cosine similarity between the means of two non-empty sets of word vectors."""
        if not len(words1) or not len(words2):
            raise ValueError("n_similarity needs two non-empty lists of words")
        means = [self[list(words)].astype(np.float64).mean(axis=0) for words in (words1, words2)]
        norms = [np.linalg.norm(m) for m in means]
        if norms[0] == 0 or norms[1] == 0:
            return 0.0
        return float(np.dot(means[0], means[1]) / (norms[0] * norms[1]))

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
