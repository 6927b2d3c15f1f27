"""The CSR arrays of a junction: ``count`` and ``weight`` on one sparsity pattern.

:func:`aligned_csr` is how :class:`~netgraph.Junction` stores its matrices;
:func:`check_csr` checks raw CSR arrays read from a file before scipy sees them (scipy
does not check them all).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from netgraph.exceptions import GraphFormatError, InvalidParameterError

__all__ = ["aligned_csr", "check_csr"]


def aligned_csr(count, weight, shape) -> tuple[sp.csr_array, sp.csr_array]:
    """Return ``count`` (int64) and ``weight`` (float64) as CSR arrays with one pattern.

    The pattern is that of the positive entries of ``count``; ``weight`` is read at those
    positions (an exact zero weight sum is kept as an explicit entry).
    """
    raw = count.data if sp.issparse(count) else np.asarray(count)
    if raw.dtype.kind == "f" and not np.array_equal(raw, np.round(raw)):
        raise InvalidParameterError("count must hold integers (numbers of scalar connections)")
    if raw.dtype.kind not in "biuf":
        raise InvalidParameterError(f"count must be numeric; got dtype {raw.dtype}")
    if sp.issparse(count):
        c = sp.csr_array(count, dtype=np.int64)
        if c is count or np.shares_memory(c.data, count.data):
            if not c.has_sorted_indices or (c.nnz and not c.data.all()):
                c = c.copy()  # canonicalise a copy, never the caller's arrays
    else:
        c = sp.csr_array(np.asarray(count, dtype=np.int64))
    if c.shape != tuple(shape):
        raise InvalidParameterError(f"count has shape {c.shape}, expected (target size, source size) = {tuple(shape)}")
    if c.nnz and c.data.min() < 0:
        raise InvalidParameterError("count must be non-negative")
    c.eliminate_zeros()
    c.sort_indices()
    if sp.issparse(weight):
        w = sp.csr_array(weight, dtype=np.float64)
        w.sort_indices()
        if w.shape == c.shape and np.array_equal(w.indptr, c.indptr) and np.array_equal(w.indices, c.indices):
            wdata = w.data
        else:
            rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
            wdata = np.asarray(w[rows, c.indices]).ravel() if c.nnz else np.zeros(0)
    else:
        wd = np.asarray(weight, dtype=np.float64)
        if wd.shape != c.shape:
            raise InvalidParameterError(f"weight has shape {wd.shape}, expected {c.shape}")
        rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
        wdata = wd[rows, c.indices]
    w = sp.csr_array((np.asarray(wdata, dtype=np.float64), c.indices.copy(), c.indptr.copy()), shape=c.shape)
    return c, w


def check_csr(shape, indptr, indices, cdata, wdata, what: str) -> None:
    """Check raw CSR arrays read from a file, before scipy sees them.

    They must make a canonical CSR array of ``shape`` (what netgraph writes): ``indptr``
    of length rows + 1, non-decreasing from 0 to the number of entries; integer
    ``indices`` in range and strictly increasing within each row (no pair stored twice);
    int64 counts and float64 weights, one of each per entry.

    Parameters
    ----------
    shape : tuple of int
        ``(target size, source size)``.
    indptr, indices, cdata, wdata : ndarray
        The count's CSR arrays and the weight's data (the weight shares the pattern).
    what : str
        The message's prefix, naming the file and the junction.

    Raises
    ------
    GraphFormatError
        Naming the first problem found.
    """
    n_rows, n_cols = shape
    nnz = len(indices)
    problem = None
    if indptr.ndim != 1 or len(indptr) != n_rows + 1:
        problem = f"indptr has shape {indptr.shape}, expected ({n_rows + 1},)"
    elif not (np.issubdtype(indptr.dtype, np.integer) and np.issubdtype(indices.dtype, np.integer)):
        problem = "indptr and indices must be integers"
    elif cdata.dtype != np.int64 or wdata.dtype != np.float64:
        problem = f"count data must be int64 and weight data float64, got {cdata.dtype} and {wdata.dtype}"
    elif not (nnz == len(cdata) == len(wdata) == indptr[-1]):
        problem = "indices, count data and weight data lengths disagree with indptr"
    elif indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        problem = "indptr is not non-decreasing from 0"
    elif nnz and (indices.min() < 0 or indices.max() >= n_cols):
        problem = f"column indices out of range 0..{n_cols - 1}"
    elif nnz > 1:
        row_start = np.zeros(nnz, dtype=bool)
        starts = indptr[:-1]
        row_start[starts[starts < nnz]] = True
        bad = (np.diff(indices) <= 0) & ~row_start[1:]
        if bad.any():
            j = int(np.flatnonzero(bad)[0]) + 1
            row = int(np.searchsorted(indptr, j, side="right")) - 1
            problem = (f"the column indices of row {row} are not strictly increasing (entry {j}: column "
                       f"{int(indices[j])} after {int(indices[j - 1])}): a pair stored twice, or out of order")
    if problem:
        raise GraphFormatError(f"{what}: {problem}")
