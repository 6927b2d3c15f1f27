"""Degree classes: exact degrees, or logarithmic bins of base 2.

``bins=None`` groups nodes by their exact degree; ``bins="log"`` by the bins
``{0}, {1}, [2, 3], [4, 7], [8, 15], ...`` (bin ``k >= 1`` holds ``2^(k-1) <= d < 2^k``),
the logarithmic binning PAFit uses for its attachment function, so that the sparse tail
of large degrees is averaged over enough nodes.
"""

from __future__ import annotations

import numpy as np

from netgraph.utils.check import check_choice

__all__ = ["BINS", "degree_classes"]

#: Accepted values of ``bins``.
BINS = (None, "exact", "log")


def degree_classes(degrees, bins=None):
    """Class of every node, and each class's degree bounds.

    Parameters
    ----------
    degrees : ndarray of int64
    bins : {None, "exact", "log"}
        None or ``"exact"``: one class per distinct degree; ``"log"``: base-2 bins.

    Returns
    -------
    index : ndarray of int64
        The class of each node (0 .. number of classes - 1, classes in increasing degree).
    low, high : ndarray of int64
        Smallest and largest degree a class holds (equal for exact degrees).

    Examples
    --------
    >>> import numpy as np
    >>> index, low, high = degree_classes(np.array([0, 1, 2, 3, 4, 9]), "log")
    >>> index.tolist(), low.tolist(), high.tolist()
    ([0, 1, 2, 2, 3, 4], [0, 1, 2, 4, 8], [0, 1, 3, 7, 15])
    >>> degree_classes(np.array([5, 2, 5]))[0].tolist()
    [1, 0, 1]
    """
    check_choice(bins, "bins", BINS)
    d = np.asarray(degrees, dtype=np.int64)
    if bins == "log":
        raw = np.zeros(d.shape, dtype=np.int64)
        pos = d > 0
        raw[pos] = np.floor(np.log2(d[pos])).astype(np.int64) + 1
        # guard against rounding of log2 at exact powers of two
        raw[pos] += (d[pos] >= (1 << raw[pos]).astype(np.int64)).astype(np.int64)
        raw[pos] -= (d[pos] < (1 << (raw[pos] - 1)).astype(np.int64)).astype(np.int64)
        used, index = np.unique(raw, return_inverse=True)
        low = np.where(used == 0, 0, np.left_shift(1, np.maximum(used - 1, 0)))
        high = np.where(used == 0, 0, np.left_shift(1, used) - 1)
        return index.astype(np.int64), low.astype(np.int64), high.astype(np.int64)
    used, index = np.unique(d, return_inverse=True)
    return index.astype(np.int64), used, used.copy()
