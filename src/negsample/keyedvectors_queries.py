"""The similarity queries of :class:`~negsample.keyedvectors.KeyedVectors`, with gensim's names and semantics.

:class:`SimilarityQueries` is the half of ``KeyedVectors`` that only reads: nearest neighbours
(``most_similar``, ``similar_by_key`` / ``similar_by_word`` / ``similar_by_vector``), 3CosAdd and
3CosMul analogies, pairwise similarities and distances, ranks (``rank``, ``closer_than``),
``most_similar_to_given``, ``relative_cosine_similarity``, ``get_mean_vector``, ``rank_by_centrality``
and ``doesnt_match``. It uses only the public parts of the class it is mixed into: ``vectors``,
``unit_vectors``, ``index_to_key``, ``get_index``, ``has_index_for``, ``get_vector``, ``vector_size``
and ``len``.

A *key* is a word, or an int row index of a word (gensim's rule: a key that is not a word but an
int in ``[0, len)`` names that row).

Example
-------
>>> import numpy as np
>>> from negsample.keyedvectors import KeyedVectors
>>> from negsample.vocab import Vocabulary
>>> kv = KeyedVectors(np.array([[1, 0], [1, .2], [0, 1], [-1, 0]], np.float32),
...                   Vocabulary(["a", "b", "c", "d"], [4, 3, 2, 1]))
>>> kv.rank("a", "c"), kv.closer_than("a", "c"), kv.doesnt_match(["a", "b", "d"])
(2, ['b'], 'd')
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from numbers import Integral

import numpy as np

__all__ = ["SimilarityQueries"]


def is_key(item) -> bool:
    """A word or a row index (not a vector, not a (key, weight) pair)."""
    return isinstance(item, (str, Integral)) and not isinstance(item, bool)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


class SimilarityQueries:
    """Cosine-similarity queries over ``self.vectors`` (mixed into KeyedVectors)."""

    # ------------------------------------------------------------------ helpers
    def _as_vector(self, item, normalise: bool) -> np.ndarray:
        if is_key(item):
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
        if is_key(value) or (isinstance(value, np.ndarray) and value.ndim == 1):
            return [value]
        return list(value)

    def _weighted_terms(self, positive, negative) -> list[tuple[object, float]]:
        terms = []
        for items, default_weight in ((self._as_list(positive), 1.0), (self._as_list(negative), -1.0)):
            for item in items:
                if is_key(item) or isinstance(item, np.ndarray):
                    terms.append((item, default_weight))
                else:  # (word_or_vector, weight), as gensim accepts
                    item, weight = item
                    terms.append((item, float(weight)))
        if not terms:
            raise ValueError("need at least one positive or negative word or vector")
        return terms

    def _input_indices(self, items: Iterable) -> set[int]:
        return {self.get_index(item) for item in items if is_key(item)}

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
        keys = self.index_to_key
        return [(keys[i], float(scores[i])) for i in ranked.tolist() if i not in exclude][:topn]

    # ------------------------------------------------------------------ nearest neighbours
    def most_similar(self, positive=None, negative=None, topn: int | None = 10,
                     restrict_vocab: int | None = None):
        """Words closest (cosine) to the weighted mean of the unit vectors of ``positive`` and ``negative``.

        Parameters
        ----------
        positive, negative : key, vector, or list of keys / vectors / (key_or_vector, weight)
            Keys get weight +1 (positive) or -1 (negative) unless a weight is given. As in gensim,
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
        >>> from negsample.keyedvectors import KeyedVectors
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
        query = _unit(total / sum(abs(weight) for _, weight in terms)).astype(np.float32)
        scores = self.unit_vectors[: self._search_limit(restrict_vocab)] @ query
        if topn is None:
            return scores
        return self._top(scores, int(topn), self._input_indices(item for item, _ in terms))

    def similar_by_key(self, key, topn: int | None = 10, restrict_vocab: int | None = None):
        """The ``topn`` words closest to ``key`` (itself left out); see :meth:`most_similar`."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(self, word, topn: int | None = 10, restrict_vocab: int | None = None):
        """gensim's alias of :meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10,
                          restrict_vocab: int | None = None):
        """Words closest to ``vector`` (shape (dim,)); see :meth:`most_similar`."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn: int | None = 10,
                            restrict_vocab: int | None = None):
        """Words that maximise 3CosMul (Levy & Goldberg, 2014), gensim's formula.

        ``score(w) = prod_p s(w, p) / (prod_n s(w, n) + 1e-6)`` with ``s = (1 + cos) / 2`` in [0, 1].
        For ``positive=[b, c], negative=[a]`` this answers "a is to b as c is to ?".

        Parameters
        ----------
        positive, negative : key, vector, or list of keys / vectors
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
        >>> from negsample.keyedvectors import KeyedVectors
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

    # ------------------------------------------------------------------ pairs, ranks, sets
    def similarity(self, word1, word2) -> float:
        """Cosine similarity of two keys (0.0 if either vector is zero)."""
        return float(np.dot(self.get_vector(word1, norm=True), self.get_vector(word2, norm=True)))

    def distance(self, word1, word2) -> float:
        """Cosine distance, ``1 - similarity``."""
        return 1.0 - self.similarity(word1, word2)

    def distances(self, word_or_vector, other_words: Sequence = ()) -> np.ndarray:
        """Cosine distances from a key or vector to ``other_words`` (default: every word, itself included).

        Returns float32, shape (len(other_words) or n_words,).
        """
        query = _unit(self._as_vector(word_or_vector, normalise=False).astype(np.float32))
        if len(other_words):
            rows = self.unit_vectors[[self.get_index(w) for w in other_words]]
        else:
            rows = self.unit_vectors
        return 1 - rows @ query

    def closer_than(self, key1, key2) -> list[str]:
        """The words closer (cosine) to ``key1`` than ``key2`` is, in vocabulary order, ``key1`` left out."""
        distances = self.distances(key1)
        first, second = self.get_index(key1), self.get_index(key2)
        keys = self.index_to_key
        return [keys[i] for i in np.flatnonzero(distances < distances[second]).tolist() if i != first]

    def rank(self, key1, key2) -> int:
        """Where ``key2`` ranks among ``key1``'s neighbours: 1 + the number of words closer to ``key1``."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list: Sequence):
        """The key of ``keys_list`` most similar to ``key1`` (the first of equals)."""
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def relative_cosine_similarity(self, wa, wb, topn: int = 10) -> float:
        """``similarity(wa, wb)`` over the summed similarities of ``wa``'s ``topn`` nearest words
        (Leeuwenberg et al. 2016, eq. 1); above ``1 / topn`` the two are closer than a typical neighbour.
        """
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("relative_cosine_similarity needs topn >= 1 similar words")
        return self.similarity(wa, wb) / sum(sim for _, sim in sims)

    def n_similarity(self, words1: Sequence, words2: Sequence) -> float:
        """Cosine similarity between the means of two non-empty sets of word vectors.

        Unlike gensim 4, an unknown word is a KeyError naming it, not silently left out.
        """
        if not len(words1) or not len(words2):
            raise ValueError("n_similarity needs two non-empty lists of words")
        means = [self[list(words)].astype(np.float64).mean(axis=0) for words in (words1, words2)]
        norms = [np.linalg.norm(m) for m in means]
        if norms[0] == 0 or norms[1] == 0:
            return 0.0
        return float(np.dot(means[0], means[1]) / (norms[0] * norms[1]))

    def get_mean_vector(self, keys: Sequence, weights=None, pre_normalize: bool = True,
                        post_normalize: bool = False, ignore_missing: bool = True) -> np.ndarray:
        """The weighted mean of some keys' (unit, with ``pre_normalize``) vectors and of given vectors.

        Parameters
        ----------
        keys : sequence of keys or vectors (shape (dim,), used as given)
        weights : sequence of float, shape (len(keys),), optional
            Default 1 each. The sum is divided by the total of ``|weight|`` over the terms used.
        pre_normalize, post_normalize : bool
            Unit-normalise each key's vector first / the mean afterwards.
        ignore_missing : bool, default True
            Skip keys not in the vocabulary (gensim's default); False raises KeyError.

        Returns
        -------
        float32 array, shape (dim,); zeros when no term was used.

        Example
        -------
        >>> import numpy as np
        >>> from negsample.keyedvectors import KeyedVectors
        >>> from negsample.vocab import Vocabulary
        >>> kv = KeyedVectors(np.array([[2, 0], [0, 4]], np.float32), Vocabulary(["a", "b"], [2, 1]))
        >>> kv.get_mean_vector(["a", "b", "zzz"]).tolist(), kv.get_mean_vector(["a", "b"], [1, 3], False).tolist()
        ([0.5, 0.5], [0.5, 3.0])
        """
        if len(keys) == 0:
            raise ValueError("get_mean_vector needs at least one key")
        weights = np.ones(len(keys), np.float32) if weights is None else np.asarray(weights, np.float32)
        if weights.shape != (len(keys),):
            raise ValueError(f"weights: expected shape ({len(keys)},) (one per key), got {weights.shape}")
        mean = np.zeros(self.vector_size, np.float32)
        total = 0.0
        for key, weight in zip(keys, weights.tolist(), strict=True):
            if not is_key(key):
                mean += weight * self._as_vector(key, normalise=False)
            elif self.has_index_for(key):
                mean += weight * self.get_vector(key, norm=pre_normalize)
            elif ignore_missing:
                continue
            else:
                raise KeyError(f"word {key!r} not in vocabulary")
            total += abs(weight)
        if total > 0:
            mean /= np.float32(total)
        return _unit(mean).astype(np.float32) if post_normalize else mean

    def rank_by_centrality(self, words: Sequence[str], use_norm: bool = True) -> list[tuple[float, str]]:
        """``(similarity, word)`` to the unit mean of the words' vectors, most central first; unknown words
        are left out with a warning (gensim's rule)."""
        used = [w for w in words if w in self]
        if len(used) != len(words):
            warnings.warn(f"rank_by_centrality: leaving out words not in the vocabulary: "
                          f"{sorted(set(words) - set(used))}", UserWarning, stacklevel=2)
        if not used:
            raise ValueError("rank_by_centrality needs at least one word in the vocabulary")
        vectors = np.stack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = _unit(vectors.mean(axis=0)).astype(np.float32)
        return sorted(zip((vectors @ mean).tolist(), used), reverse=True)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word farthest from the mean of the others' unit vectors (last of :meth:`rank_by_centrality`)."""
        return self.rank_by_centrality(words)[-1][1]
