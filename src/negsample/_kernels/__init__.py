"""Numba kernels: contiguous arrays and scalars in, no classes, no feature flags inside hot loops.

Everything here is compiled with ``cache=True`` so only the first run on a machine pays for it.
"""
