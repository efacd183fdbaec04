"""A cache hint for compiled kernels: ask the CPU to start loading a row before the loop that reads it.

Batched CBOW gathers a few dozen rows per batch (the centers' output rows, the shared negatives', the
windows' input rows) from matrices larger than a core's L2 cache. Hinting them all right after the
batch's ids are known lets the loads overlap instead of each stalling the loop that first touches it.
A hint never changes a result; on a CPU without prefetch instructions it costs nothing.

Example
-------
>>> import numpy as np
>>> from numba import njit
>>> from negsample._kernels.prefetch import prefetch_row
>>> @njit
... def total(rows, ids):
...     for i in ids:
...         prefetch_row(rows, i)
...     s = 0.0
...     for i in ids:
...         s += rows[i].sum()
...     return s
>>> float(total(np.ones((100, 16), np.float32), np.array([3, 70])))
32.0
"""

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch_line", "prefetch_row"]

_CACHE_LINE_FLOATS = 16  # 64 bytes of float32


@intrinsic
def prefetch_line(typingctx, rows, i, j):
    """Hint that ``rows[i, j]`` (a 2-D array) will be read soon: ``llvm.prefetch`` of its cache line,
    for reading, kept in every cache level."""
    if not (isinstance(rows, types.Array) and rows.ndim == 2 and isinstance(i, types.Integer)
            and isinstance(j, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        array_type, i_type, j_type = signature.args
        array = context.make_array(array_type)(context, builder, args[0])
        index = [context.cast(builder, args[1], i_type, types.intp), context.cast(builder, args[2], j_type, types.intp)]
        pointer = builder.bitcast(cgutils.get_item_pointer(context, builder, array_type, array, index),
                                  ir.IntType(8).as_pointer())
        int32 = ir.IntType(32)
        hint = builder.module.declare_intrinsic("llvm.prefetch", [pointer.type],
                                                ir.FunctionType(ir.VoidType(), [pointer.type, int32, int32, int32]))
        builder.call(hint, [pointer, int32(0), int32(3), int32(1)])  # read, keep in all caches, data
        return context.get_dummy_value()

    return types.void(rows, i, j), codegen


@njit(cache=True, nogil=True, inline="always")
def prefetch_row(rows, i):
    """Hint every cache line of ``rows[i]`` (float32 rows)."""
    for j in range(0, rows.shape[1], _CACHE_LINE_FLOATS):
        prefetch_line(rows, i, j)
