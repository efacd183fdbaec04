"""float32 rows as word2vec text records, written straight into a byte buffer.

Python's ``"%.9g" % value`` costs ~150 ns per value and holds the GIL, so writing 58k x 300 vectors as
text took longer than training them. :func:`format_rows` writes the same characters -- nine
significant digits, C's ``%g`` layout (fixed notation for decimal exponents -4 .. 8, else
``d.ddde±XX``), trailing zeros dropped -- at ~20 ns per value without the GIL.

Nine significant digits give back the same float32 when read (``tests/test_vectors_io_fuzz.py``
checks it over every exponent). The digits are the value rounded half-to-even, as ``%.9g`` rounds:
``value * 10**k`` is computed as a double-double (Dekker's error-free product against a double-double
table of powers of ten), so the rounding sees the exact product, ties included; the test compares
against ``"%.9g"`` byte for byte.
"""

import math
from fractions import Fraction

import numpy as np
from numba import njit

__all__ = ["MAX_VALUE_BYTES", "format_rows"]

MAX_VALUE_BYTES = 16  # a separator and the longest value, "-1.17549435e-38"
_POW_MIN, _POW_MAX = -40, 60  # 10**k needed to bring any float32 to nine digits


def _power_table():
    hi = np.empty(_POW_MAX - _POW_MIN + 1)
    lo = np.empty_like(hi)
    for i, k in enumerate(range(_POW_MIN, _POW_MAX + 1)):
        exact = Fraction(10) ** k
        hi[i] = float(exact)
        lo[i] = float(exact - Fraction(hi[i]))
    return hi, lo


_POW_HI, _POW_LO = _power_table()
_SPLIT = 134217729.0  # 2**27 + 1, Dekker's splitter


@njit(cache=True, nogil=True, inline="always")
def _two_product(a, b):
    """``(p, e)`` with ``p = fl(a * b)`` and ``p + e == a * b`` exactly (Dekker, no FMA needed)."""
    p = a * b
    t = _SPLIT * a
    a_hi = t - (t - a)
    a_lo = a - a_hi
    t = _SPLIT * b
    b_hi = t - (t - b)
    b_lo = b - b_hi
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


@njit(cache=True, nogil=True, inline="always")
def _scaled(a, k, pow_hi, pow_lo):
    """``a * 10**k`` as ``(p, e)``, ``p + e`` within 2**-100 relative of the exact product."""
    p, e = _two_product(a, pow_hi[k - _POW_MIN])
    return p, e + a * pow_lo[k - _POW_MIN]


@njit(cache=True, nogil=True, inline="always")
def _nine_digits(a, pow_hi, pow_lo):
    """``(n, x)``: ``a > 0`` rounded half-to-even to nine digits is ``n * 10**(x - 8)``, 1e8 <= n < 1e9."""
    # log10(2) * the binary exponent: at most one off, which the loop corrects.
    x = int(np.floor((math.frexp(a)[1] - 1) * 0.30102999566398120))
    while True:
        p, e = _scaled(a, 8 - x, pow_hi, pow_lo)
        if p + e >= 1e9:
            x += 1
        elif p + e < 1e8:
            x -= 1
        else:
            break
    # The exact value is n + d + e, with d = p - n exact and |e| below half an ulp of p. Only when p
    # itself sits on a tie (d = +-0.5) can e decide; elsewhere d is at least an ulp away from +-0.5.
    n = np.rint(p)
    d = p - n
    odd = n % 2.0 == 1.0
    if d == 0.5 and (e > 0 or (e == 0 and odd)):
        n += 1.0
    elif d == -0.5 and (e < 0 or (e == 0 and odd)):
        n -= 1.0
    if n >= 1e9:
        n = 1e8
        x += 1
    return np.int64(n), x


@njit(cache=True, nogil=True)
def _write_value(value, out, pos, pow_hi, pow_lo):
    """Write ``"%.9g" % value`` at ``out[pos]``; returns the position after it."""
    if value != value:
        out[pos] = 110  # n
        out[pos + 1] = 97  # a
        out[pos + 2] = 110
        return pos + 3
    if value < 0 or (value == 0 and np.signbit(value)):
        out[pos] = 45  # -
        pos += 1
        value = -value
    if value == np.inf:
        out[pos] = 105  # i
        out[pos + 1] = 110  # n
        out[pos + 2] = 102  # f
        return pos + 3
    if value == 0:
        out[pos] = 48
        return pos + 1
    n, x = _nine_digits(value, pow_hi, pow_lo)
    count = 9
    while n % 10 == 0:
        n //= 10
        count -= 1
    if -4 <= x < 9:
        if x < 0:  # 0.000ddd
            out[pos] = 48
            out[pos + 1] = 46
            pos += 2
            for _ in range(-x - 1):
                out[pos] = 48
                pos += 1
            return _write_digits(n, count, -1, out, pos)
        if count <= x + 1:  # an integer: the digits, then zeros
            pos = _write_digits(n, count, -1, out, pos)
            for _ in range(x + 1 - count):
                out[pos] = 48
                pos += 1
            return pos
        return _write_digits(n, count, x + 1, out, pos)
    pos = _write_digits(n, count, 1, out, pos)
    out[pos] = 101  # e
    out[pos + 1] = 45 if x < 0 else 43
    x = abs(x)
    out[pos + 2] = 48 + x // 10
    out[pos + 3] = 48 + x % 10
    return pos + 4


@njit(cache=True, nogil=True, inline="always")
def _write_digits(n, count, point, out, pos):
    """Write the ``count`` digits of ``n`` with a decimal point after the first ``point`` of them
    (none if ``point`` is -1 or ``count``); returns the position after them."""
    width = count + (1 if 0 < point < count else 0)
    i = pos + width - 1
    for k in range(count - 1, -1, -1):
        if k == point - 1 and point < count:
            out[i] = 46
            i -= 1
        out[i] = 48 + n % 10
        n //= 10
        i -= 1
    return pos + width


@njit(cache=True, nogil=True)
def _format_rows(vectors, word_bytes, word_starts, out, pow_hi, pow_lo):
    pos = 0
    for i in range(vectors.shape[0]):
        for b in range(word_starts[i], word_starts[i + 1]):
            out[pos] = word_bytes[b]
            pos += 1
        for j in range(vectors.shape[1]):
            out[pos] = 32
            pos = _write_value(np.float64(vectors[i, j]), out, pos + 1, pow_hi, pow_lo)
        out[pos] = 10
        pos += 1
    return pos


def format_rows(vectors, word_bytes, word_starts, out):
    """Write ``word v1 ... v_dim\\n`` per row into ``out``; returns the number of bytes written.

    vectors : float32 (n, dim); word_bytes : uint8, the rows' words in UTF-8, back to back;
    word_starts : int64 (n + 1,), row i's word is ``word_bytes[word_starts[i]:word_starts[i + 1]]``;
    out : uint8, at least ``len(word_bytes) + n * (MAX_VALUE_BYTES * dim + 1)`` long.
    Each value is written as ``"%.9g" % value`` would write it.
    """
    return _format_rows(vectors, word_bytes, word_starts, out, _POW_HI, _POW_LO)
