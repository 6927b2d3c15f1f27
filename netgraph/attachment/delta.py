r"""The empirical :math:`\hat\Delta_0^l(d_1, d_2)` of Hou & Kwok's eq. (6), per junction.

Eq. (6) of Hou & Kwok [1]_ says that, under internal preferential attachment, a pair made
of a node of layer :math:`l` of degree :math:`d_1` and a node of layer :math:`l+1` of
degree :math:`d_2` gains

.. math:: \Delta_t^l(d_1, d_2) = N^l a^l \frac{d_1 d_2}{\sum_{s,m} d_s d_m}

connections per unit time. Its estimate (section 4.2.1) counts the new connections made
between all pairs of degrees :math:`(d_1, d_2)` at :math:`t = 0` and divides by the
number of such pairs. ``exclude_connected=True`` divides by the pairs *not* connected at
:math:`t = 0` instead (and counts only the new connections of those pairs), which is what
a process that never connects a pair twice can reach.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018), eq. (6) and figure 7.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from netgraph.attachment.bins import degree_classes
from netgraph.attachment.match import Matching
from netgraph.utils.check import check_bool

__all__ = ["DeltaTable", "delta_hat"]


@dataclasses.dataclass
class DeltaTable:
    r"""The :math:`\hat\Delta` table of one junction.

    Attributes
    ----------
    source, target : str
    d1_low, d1_high : ndarray of int64
        Degree bounds of the source-layer classes (rows of :attr:`values`'s first axis).
    d2_low, d2_high : ndarray of int64
        Degree bounds of the target-layer classes.
    n1, n2 : ndarray of int64
        Nodes per class.
    new : ndarray of int64, shape (source classes, target classes)
        New connections between the pairs of each cell.
    pairs : ndarray of int64, same shape
        The pairs of each cell (all of them, or the unconnected ones at ``t = 0``).
    exclude_connected : bool
    bins : str or None
    """

    source: str
    target: str
    d1_low: np.ndarray
    d1_high: np.ndarray
    d2_low: np.ndarray
    d2_high: np.ndarray
    n1: np.ndarray
    n2: np.ndarray
    new: np.ndarray
    pairs: np.ndarray
    exclude_connected: bool
    bins: object

    @property
    def values(self) -> np.ndarray:
        r""":math:`\hat\Delta` per cell: ``new / pairs`` (NaN for a cell with no pair)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.pairs > 0, self.new / np.maximum(self.pairs, 1), np.nan)

    def to_dict(self) -> dict:
        """JSON form: the class tables and the cells with at least one new connection.

        A cell left out has ``new = 0`` and ``pairs = n1[i] * n2[j]`` (all pairs) or that
        minus its connected pairs.
        """
        i, j = np.nonzero(self.new)
        values = self.values
        return {
            "source": self.source, "target": self.target, "bins": self.bins or "exact",
            "exclude_connected": self.exclude_connected,
            "d1": {"low": self.d1_low.tolist(), "high": self.d1_high.tolist(), "nodes": self.n1.tolist()},
            "d2": {"low": self.d2_low.tolist(), "high": self.d2_high.tolist(), "nodes": self.n2.tolist()},
            "cells": [{"d1": int(a), "d2": int(b), "new": int(self.new[a, b]), "pairs": int(self.pairs[a, b]),
                       "delta": float(values[a, b])} for a, b in zip(i.tolist(), j.tolist())],
        }


def _cells(matrix, rows, cols, shape) -> np.ndarray:
    """Sum of ``matrix``'s entries per (column class, row class) cell; ``matrix`` is (target, source)."""
    coo = matrix.tocoo()
    cell = cols[coo.col] * shape[1] + rows[coo.row]
    return np.bincount(cell, weights=coo.data, minlength=shape[0] * shape[1]).round().astype(np.int64).reshape(shape)


def delta_hat(matching: Matching, *, bins=None, exclude_connected: bool = False, degree: str = "total") -> list:
    r"""The :math:`\hat\Delta` table of every attachment junction.

    Parameters
    ----------
    matching : Matching
        From :func:`match_graphs`.
    bins : {None, "exact", "log"}, default None
        Exact degrees, or base-2 logarithmic bins (:func:`degree_classes`).
    exclude_connected : bool, default False
        Count only the pairs unconnected at ``t = 0`` (the paper counts all pairs).
    degree : {"total", "in", "out"}, default "total"
        Which degree at ``t = 0`` classes the nodes (:data:`DEGREE_VARIANTS`).

    Returns
    -------
    list of DeltaTable
        One per attachment junction.

    Examples
    --------
    One junction 2 -> 2; at t0 x0-h0 only; at t1 x0-h1 is added:

    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> from netgraph.attachment import match_graphs
    >>> layers = [Layer("x", 2, "input"), Layer("h", 2, "dense")]
    >>> g0 = LayeredGraph(layers, [Junction("x", "h", [[1, 0], [0, 0]], np.ones((2, 2)), op="Gemm")])
    >>> g1 = LayeredGraph(layers, [Junction("x", "h", [[1, 0], [1, 0]], np.ones((2, 2)), op="Gemm")])
    >>> t = delta_hat(match_graphs(g0, g1))[0]
    >>> t.d1_low.tolist(), t.d2_low.tolist(), t.new.tolist(), t.pairs.tolist()
    ([0, 1], [0, 1], [[0, 0], [1, 0]], [[1, 1], [1, 1]])
    >>> delta_hat(match_graphs(g0, g1), exclude_connected=True)[0].pairs.tolist()
    [[1, 1], [1, 0]]
    """
    check_bool(exclude_connected, "exclude_connected")
    degs = matching.degrees(degree, 0)
    tables = []
    for ch in matching.changes:
        ci, lo1, hi1 = degree_classes(degs[ch.source], bins)
        cj, lo2, hi2 = degree_classes(degs[ch.target], bins)
        n1, n2 = np.bincount(ci, minlength=lo1.size), np.bincount(cj, minlength=lo2.size)
        shape = (lo1.size, lo2.size)
        pairs = np.outer(n1, n2).astype(np.int64)
        new = ch.new
        if exclude_connected:
            connected = ch.connected0.astype(bool).astype(np.int64)
            pairs = pairs - _cells(connected, cj, ci, shape)
            new = new - new.multiply(connected.astype(bool)).astype(np.int64)
        tables.append(DeltaTable(ch.source, ch.target, lo1, hi1, lo2, hi2, n1.astype(np.int64),
                                 n2.astype(np.int64), _cells(new, cj, ci, shape), pairs, exclude_connected, bins))
    return tables
