"""Dense weight matrices to the aligned CSR ``count`` and ``weight`` pairs of a junction.

Used by :meth:`exporters._context.Context.connect_dense`: a dense layer's weight becomes
a junction's two sparse matrices with the nonzeros found once, and a flattened input
whose columns belong to units (channels) is summed or relabelled per unit.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["sum_columns_by_unit", "columns_to_units", "dense_pair_to_csr"]


def sum_columns_by_unit(sub, units, size, budget=64 << 20):
    """Per unit: nonzero count and sum of the columns labelled with it, in row chunks.

    The columns are grouped by a stable sort of their units and summed with
    ``np.add.reduceat``; rows are processed in chunks of at most ``budget`` bytes so
    that no full-size temporary is made (an NHWC Flatten before a large dense layer).
    """
    order = np.argsort(units, kind="stable")
    sorted_units = units[order]
    starts = np.flatnonzero(np.r_[True, sorted_units[1:] != sorted_units[:-1]])
    present = sorted_units[starts]
    rows = sub.shape[0]
    c = np.zeros((rows, size), dtype=np.int64)
    w = np.zeros((rows, size), dtype=np.float64)
    step = max(1, int(budget // max(1, 8 * sub.shape[1])))
    for r0 in range(0, rows, step):
        block = sub[r0:r0 + step][:, order]
        c[r0:r0 + step, present] = np.add.reduceat(block != 0, starts, axis=1, dtype=np.int64)
        w[r0:r0 + step, present] = np.add.reduceat(block, starts, axis=1, dtype=np.float64)
    return c, w


def columns_to_units(sub, units, size, positions):
    """CSR ``count`` and ``weight`` of a dense weight whose column k is unit ``units[k]`` (each unit once)."""
    cc, ww = dense_pair_to_csr(None, sub, positions)
    shape = (sub.shape[0], size)
    idx = cc.indices.dtype if size < 2**31 - 1 else np.int64
    indices = np.asarray(units)[cc.indices].astype(idx)
    cc = sp.csr_array((cc.data, indices, cc.indptr), shape=shape)
    ww = sp.csr_array((ww.data, indices.copy(), ww.indptr), shape=shape)
    if not np.all(np.diff(units) > 0):
        cc.has_sorted_indices = False
        ww.has_sorted_indices = False
        cc.sort_indices()
        ww.sort_indices()
    return cc, ww


def dense_pair_to_csr(count, weight, positions=1):
    """Aligned CSR ``count`` and ``weight`` from dense arrays, finding the nonzeros once.

    ``count`` None means one connection per nonzero weight. The flat positions of the
    nonzeros (``np.flatnonzero`` of a mask) come in row-major order, which is CSR order:
    no sort, no COO round trip; the row pointers are the mask's counts per row and the
    values are read at the flat positions (four times faster than ``np.nonzero``'s
    row and column arrays and fancy indexing by both).
    """
    weight = np.asarray(weight)
    shape = weight.shape
    src = weight if count is None else np.asarray(count)
    mask = src != 0
    nnz_rows = np.count_nonzero(mask, axis=1)
    flat = np.flatnonzero(mask)
    del mask
    nnz = flat.size
    idx = np.int32 if max(shape + (nnz,)) < 2**31 - 1 else np.int64
    indptr = np.zeros(shape[0] + 1, dtype=idx)
    np.cumsum(nnz_rows, out=indptr[1:])
    cdata = np.ones(nnz, dtype=np.int64) if count is None else np.ravel(src)[flat].astype(np.int64)
    wdata = np.ravel(weight)[flat].astype(np.float64)
    indices = (flat % shape[1]).astype(idx, copy=False) if nnz else np.zeros(0, dtype=idx)
    del flat
    if positions != 1:
        cdata *= positions
        wdata *= positions
    return (sp.csr_array((cdata, indices, indptr), shape=shape),
            sp.csr_array((wdata, indices, indptr), shape=shape))
