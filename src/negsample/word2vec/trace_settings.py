"""The trace mode's settings, apart from :mod:`negsample.word2vec.trace` (which imports the kernels)
so that the command line can show them in its help without importing Numba.

Example
-------
>>> TRACE_SETTINGS["vector_size"]
4
"""

__all__ = ["TRACE_SETTINGS"]

# The trace's settings are Word2VecConfig's defaults except these, which a text of a few words needs:
# - vector_size 4: rows short enough to read;
# - min_count 1: no word of a toy text occurs 5 times;
# - sample 0.1: the threshold is a share of the corpus. At 1e-3 a six-word text keeps about one
#   token in fourteen and the trace would be empty; at 0.1 "the" (2 of 6 tokens) is kept with
#   probability 0.85 and every other word always.
TRACE_SETTINGS = {"vector_size": 4, "min_count": 1, "sample": 0.1}
