"""One reading pass over UTF-8 text: split into tokens, count words, and emit every token's id.

Python's ``str.split()`` per line and a ``Counter`` cost ~300 ns per token and need a second pass
to encode; this kernel does both in one pass over the bytes. It splits exactly where
``line.split()`` does, on every character for which ``str.isspace()`` is true, and ends a sentence
at ``\\n`` only (``tests/word2vec/test_scan.py`` checks both against the Python reader).

Words get ids in order of first appearance. They live in an open-addressing hash table whose slots
hold everything a lookup needs, so that a token costs one cache miss, not five (a table of 500k
words is far larger than the caches: 280 ns per token with the word's hash, length, start and count
in four separate arrays, ~100 ns with them in its slot):

    slots      int64 (n_slots, 4)   per slot: the word's 64-bit FNV-1a hash, its first 8 bytes
                                    (little-endian, zero-padded), ``id | length << 32`` (-1: empty)
                                    and its count; n_slots a power of two
    word_start int64 (capacity,)    where word i starts in ``arena`` (compared only for words
                                    longer than 8 bytes)
    arena      uint8 (arena_size,)  the words' bytes, each followed by b"\\n", so that all words
                                    decode with one ``bytes.decode().split("\\n")``

The kernel never grows anything: when a new word does not fit (table half full, capacity or arena
exhausted) it stops before that token and returns its position; the caller grows the arrays
(:func:`rehash` rebuilds the table) and calls again from there.
"""

import numpy as np
from numba import njit

__all__ = ["EMPTY", "HASH", "ID_LEN", "PREFIX", "COUNT", "STATE_FIELDS", "ENCODE_FIELDS", "scan_block", "rehash",
           "slot_counts", "encode_tokens", "sentence_pieces"]

# state: int64 array shared across calls, indexed by these fields.
N_WORDS, ARENA_USED, N_IDS, N_LENGTHS, SENTENCE_TOKENS, RAW_TOKENS = range(6)
STATE_FIELDS = 6
# encode_tokens' state
ENC_SENTENCE, ENC_LEFT, ENC_KEPT, ENC_N_IDS, ENC_N_LENGTHS = range(5)
ENCODE_FIELDS = 5

# slots columns
HASH, PREFIX, ID_LEN, COUNT = range(4)
EMPTY = -1

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_NEWLINE = 10


@njit(cache=True, nogil=True, inline="always")
def _is_ascii_space(b):
    """``chr(b).isspace()`` for a byte below 128: \\t \\n \\v \\f \\r, 0x1c-0x1f and the space."""
    return b == 32 or (b <= 13 and b >= 9) or (b >= 28 and b <= 31)


@njit(cache=True, nogil=True, inline="always")
def _wide_space_length(text, i, n):
    """Byte length of the whitespace character starting at ``text[i]`` (a byte >= 128), or 0.

    Beyond ASCII, ``str.isspace()`` holds for U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
    U+202F, U+205F and U+3000 (Python 3.11; the test recomputes the list). The ASCII test is kept
    separate and written out at each use: one function for both made the scanner 6x slower.
    """
    b = text[i]
    if b == 0xC2:
        if i + 1 < n and (text[i + 1] == 0x85 or text[i + 1] == 0xA0):
            return 2
        return 0
    if b < 0xE1 or b > 0xE3 or i + 2 >= n:
        return 0
    b1 = text[i + 1]
    b2 = text[i + 2]
    if b == 0xE1:
        return 3 if b1 == 0x9A and b2 == 0x80 else 0
    if b == 0xE3:
        return 3 if b1 == 0x80 and b2 == 0x80 else 0
    if b1 == 0x80 and (b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF):  # b2 >= 0x80 in valid UTF-8
        return 3
    if b1 == 0x81 and b2 == 0x9F:
        return 3
    return 0


@njit(cache=True, nogil=True, inline="always")
def _find(slots, word_start, arena, text, start, length, h, prefix):
    """The slot holding the word ``text[start:start+length]`` (hash ``h``, first 8 bytes ``prefix``),
    or the empty slot where it belongs."""
    mask = slots.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    hash_bits = np.int64(h)  # the same 64 bits, as the table stores them
    while True:
        id_len = slots[slot, ID_LEN]
        if id_len == EMPTY:
            return slot
        if slots[slot, HASH] == hash_bits and (id_len >> 32) == length and slots[slot, PREFIX] == prefix:
            if length <= 8:
                return slot
            first = word_start[id_len & 0xFFFFFFFF]
            same = True
            for k in range(8, length):
                if arena[first + k] != text[start + k]:
                    same = False
                    break
            if same:
                return slot
        slot = (slot + 1) & mask


@njit(cache=True, nogil=True)
def scan_block(text, pos, final, slots, word_start, arena, ids, lengths, state, max_sentence_length):
    """Scan ``text[pos:]`` (valid UTF-8 bytes): count each token's word and append its id to ``ids``.

    text : uint8 (n,) -- whole characters only
    final : bool -- no text follows; otherwise a token that reaches the end of ``text`` is left for
        the next call (it may continue), and so is the sentence it belongs to
    ids : int32 -- token ids, written from ``state[N_IDS]`` on
    lengths : int32 -- sentence lengths, written from ``state[N_LENGTHS]`` on; a line becomes pieces
        of at most ``max_sentence_length`` tokens, and lines without tokens give no sentence
    state : int64 (STATE_FIELDS,) -- counters carried from call to call (see the field names)
    Returns ``(stop, full)``: where scanning stopped (``n``, or the start of a token it left), and
    whether it stopped because a new word did not fit (grow the table and call again from ``stop``)
    rather than at a token that may continue in the next block.
    """
    n = text.shape[0]
    n_words = state[N_WORDS]
    arena_used = state[ARENA_USED]
    n_ids = state[N_IDS]
    n_lengths = state[N_LENGTHS]
    sentence_tokens = state[SENTENCE_TOKENS]
    raw = state[RAW_TOKENS]
    full = False
    i = pos
    while i < n:
        if text[i] == _NEWLINE:
            if sentence_tokens > 0:
                lengths[n_lengths] = sentence_tokens
                n_lengths += 1
                sentence_tokens = 0
            i += 1
            continue
        b = text[i]
        if b < 128:
            if _is_ascii_space(b):
                i += 1
                continue
        else:
            width = _wide_space_length(text, i, n)
            if width > 0:
                i += width
                continue
        start = i
        h = _FNV_OFFSET
        prefix = np.int64(0)
        while i < n:
            b = text[i]
            if b < 128:
                if _is_ascii_space(b):
                    break
            elif _wide_space_length(text, i, n) > 0:
                break
            h = (h ^ np.uint64(b)) * _FNV_PRIME
            if i - start < 8:
                prefix |= np.int64(b) << np.int64(8 * (i - start))
            i += 1
        if i == n and not final:
            i = start
            break
        length = i - start
        slot = _find(slots, word_start, arena, text, start, length, h, prefix)
        id_len = slots[slot, ID_LEN]
        if id_len == EMPTY:
            if (n_words >= word_start.shape[0] or 2 * (n_words + 1) > slots.shape[0]
                    or arena_used + length + 1 > arena.shape[0]):
                i = start
                full = True
                break
            id_len = n_words | (np.int64(length) << 32)
            slots[slot, HASH] = np.int64(h)
            slots[slot, PREFIX] = prefix
            slots[slot, ID_LEN] = id_len
            slots[slot, COUNT] = 0
            word_start[n_words] = arena_used
            n_words += 1
            arena[arena_used:arena_used + length] = text[start:i]
            arena[arena_used + length] = _NEWLINE
            arena_used += length + 1
        slots[slot, COUNT] += 1
        ids[n_ids] = id_len & 0xFFFFFFFF
        n_ids += 1
        raw += 1
        sentence_tokens += 1
        if sentence_tokens == max_sentence_length:
            lengths[n_lengths] = sentence_tokens
            n_lengths += 1
            sentence_tokens = 0
    if final and i == n and sentence_tokens > 0:
        lengths[n_lengths] = sentence_tokens
        n_lengths += 1
        sentence_tokens = 0
    state[N_WORDS] = n_words
    state[ARENA_USED] = arena_used
    state[N_IDS] = n_ids
    state[N_LENGTHS] = n_lengths
    state[SENTENCE_TOKENS] = sentence_tokens
    state[RAW_TOKENS] = raw
    return i, full


@njit(cache=True, nogil=True)
def rehash(new_slots, old_slots):
    """Move every word of ``old_slots`` into the empty (all ``EMPTY``) ``new_slots`` by its hash."""
    mask = new_slots.shape[0] - 1
    for old in range(old_slots.shape[0]):
        if old_slots[old, ID_LEN] == EMPTY:
            continue
        slot = np.int64(np.uint64(old_slots[old, HASH]) & np.uint64(mask))
        while new_slots[slot, ID_LEN] != EMPTY:
            slot = (slot + 1) & mask
        for column in range(4):
            new_slots[slot, column] = old_slots[old, column]


@njit(cache=True, nogil=True)
def slot_counts(slots, n_words):
    """Every word's count, int64 (n_words,), in id order."""
    counts = np.zeros(n_words, np.int64)
    for slot in range(slots.shape[0]):
        id_len = slots[slot, ID_LEN]
        if id_len != EMPTY:
            counts[id_len & 0xFFFFFFFF] = slots[slot, COUNT]
    return counts


@njit(cache=True, nogil=True)
def encode_tokens(tokens, to_vocab, lengths, state, out_ids, out_lengths):
    """Map provisional ids to vocabulary ids, dropping out-of-vocabulary tokens (``to_vocab`` -1) and
    then sentences left with fewer than 2 words, in one pass (what ``in_vocabulary_only`` does).

    tokens : int32 (n,) -- provisional ids, one stretch of the sentences ``lengths`` describes;
        a sentence may run on into the next call's ``tokens``
    to_vocab : int32 -- vocabulary id (or -1) of every provisional id
    lengths : int32 (n_sentences,) -- every sentence's token count (> 0), for all calls together
    state : int64 (ENCODE_FIELDS,) -- carried from call to call: the current sentence, its tokens
        still to come (set to ``lengths[0]`` before the first call), its kept tokens, the number of
        ids and of lengths written
    out_ids : int32 -- kept ids, written from ``state[ENC_N_IDS]`` on (room for every token)
    out_lengths : int32 -- kept sentences' lengths, written from ``state[ENC_N_LENGTHS]`` on
    """
    sentence = state[ENC_SENTENCE]
    left = state[ENC_LEFT]
    kept = state[ENC_KEPT]
    n_ids = state[ENC_N_IDS]
    n_lengths = state[ENC_N_LENGTHS]
    n_sentences = lengths.shape[0]
    for t in range(tokens.shape[0]):
        word = to_vocab[tokens[t]]
        if word >= 0:
            out_ids[n_ids] = word
            n_ids += 1
            kept += 1
        left -= 1
        if left == 0:
            if kept >= 2:
                out_lengths[n_lengths] = kept
                n_lengths += 1
            else:
                n_ids -= kept  # a lone word gives no pair
            kept = 0
            sentence += 1
            if sentence < n_sentences:
                left = lengths[sentence]
    state[ENC_SENTENCE] = sentence
    state[ENC_LEFT] = left
    state[ENC_KEPT] = kept
    state[ENC_N_IDS] = n_ids
    state[ENC_N_LENGTHS] = n_lengths


@njit(cache=True, nogil=True)
def sentence_pieces(lines, max_sentence_length):
    """Sentence lengths, int32: each line's token count (int64 (n_lines,), lines without tokens
    included) cut into pieces of ``max_sentence_length`` and a rest; empty lines give none."""
    n = 0
    for i in range(lines.shape[0]):
        n += (lines[i] + max_sentence_length - 1) // max_sentence_length
    pieces = np.empty(n, np.int32)
    k = 0
    for i in range(lines.shape[0]):
        left = lines[i]
        while left > max_sentence_length:
            pieces[k] = max_sentence_length
            k += 1
            left -= max_sentence_length
        if left > 0:
            pieces[k] = left
            k += 1
    return pieces
