r"""The empirical :math:`\hat\Omega_0^l(d)` of Hou & Kwok's eq. (10), per layer, and its line.

Summing eq. (6) over the partners of a node gives eq. (10) of Hou & Kwok [1]_: a node of
layer :math:`l` with degree :math:`d_i(0)` gains

.. math:: \left.\frac{d\,d_i(t)}{dt}\right|_{t=0}
          = d_i(0)\,\frac{N^l a^l + N^{l-1} a^{l-1}}{\sum_s d_s(0)}

connections, where :math:`N^l a^l` is the number of new connections of the junction
:math:`l \to l+1` (a boundary layer keeps only the term that exists). The estimate
:math:`\hat\Omega_0^l(d)` (section 4.2.2) is the number of new connections made by the
degree-:math:`d` nodes of the layer divided by their number. :func:`omega_hat` gives it,
the unweighted least-squares line through the points :math:`(d, \hat\Omega(d))` of the
nodes of positive degree, the line through the origin, and ``predicted_slope``, the
factor of eq. (10). Nodes of degree 0 are reported apart: eq. (10) predicts they never
connect.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018), eqs. (7), (10) and figure 8.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from netgraph.attachment.bins import degree_classes
from netgraph.attachment.match import Matching

__all__ = ["OmegaLine", "omega_hat", "omega_line", "fit_line"]


def fit_line(x, y) -> dict:
    """Unweighted least squares: ``slope``, ``intercept``, ``r2`` and the through-origin slope.

    Fewer than two distinct ``x`` give NaN for the slope, intercept and r2 (one point
    still gives the through-origin slope).

    Examples
    --------
    >>> fit_line([1, 2, 3], [2, 4, 6])
    {'slope': 2.0, 'intercept': 0.0, 'r2': 1.0, 'slope_through_origin': 2.0}
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    nan = float("nan")
    sxx0 = float(np.dot(x, x))
    origin = float(np.dot(x, y) / sxx0) if sxx0 > 0 else nan
    if x.size < 2 or np.ptp(x) == 0:
        return {"slope": nan, "intercept": nan, "r2": nan, "slope_through_origin": origin}
    xm, ym = x.mean(), y.mean()
    sxx, sxy, syy = float(np.dot(x - xm, x - xm)), float(np.dot(x - xm, y - ym)), float(np.dot(y - ym, y - ym))
    slope = sxy / sxx
    r2 = sxy * sxy / (sxx * syy) if syy > 0 else (1.0 if sxy == 0 else nan)
    return {"slope": slope, "intercept": float(ym - slope * xm), "r2": float(r2), "slope_through_origin": origin}


@dataclasses.dataclass
class OmegaLine:
    r""":math:`\hat\Omega` of one layer.

    Attributes
    ----------
    layer : str
    degree : ndarray of float
        Degree of each class of nodes of positive degree (its mean degree for a bin).
    omega : ndarray of float
        New connections per node of each class.
    nodes, new : ndarray of int64
        Nodes and their new connections per class.
    line : dict
        :func:`fit_line` of ``(degree, omega)``.
    predicted_slope : float
        ``(N^l a^l + N^(l-1) a^(l-1)) / sum_s d_s(0)`` (NaN if the degrees sum to 0).
    new_connections : int
        Sum of the layer's new connections (the numerator of ``predicted_slope``).
    degree_sum : int
        ``sum_s d_s(0)``.
    zero_degree : dict
        ``{"nodes", "new_connections"}`` of the nodes of degree 0 at ``t = 0``.
    """

    layer: str
    degree: np.ndarray
    omega: np.ndarray
    nodes: np.ndarray
    new: np.ndarray
    line: dict
    predicted_slope: float
    new_connections: int
    degree_sum: int
    zero_degree: dict

    def to_dict(self) -> dict:
        """JSON form (NaN written as None)."""
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.line.items()}
        ps = None if math.isnan(self.predicted_slope) else self.predicted_slope
        return {"layer": self.layer, **clean, "predicted_slope": ps, "new_connections": self.new_connections,
                "degree_sum": self.degree_sum, "zero_degree": self.zero_degree,
                "points": {"degree": self.degree.tolist(), "omega": self.omega.tolist(),
                           "nodes": self.nodes.tolist(), "new": self.new.tolist()}}


def omega_line(layer: str, d0, new, bins=None) -> OmegaLine:
    """:math:`\\hat\\Omega` of one layer from its degrees at ``t = 0`` and its nodes' new connections.

    Examples
    --------
    >>> import numpy as np
    >>> o = omega_line("h", np.array([0, 1, 1, 2]), np.array([0, 1, 2, 3]))
    >>> o.degree.tolist(), o.omega.tolist(), o.predicted_slope
    ([1.0, 2.0], [1.5, 3.0], 1.5)
    """
    d0, new = np.asarray(d0, dtype=np.int64), np.asarray(new, dtype=np.int64)
    zero = d0 == 0
    zero_degree = {"nodes": int(zero.sum()), "new_connections": int(new[zero].sum())}
    dp, newp = d0[~zero], new[~zero]
    index, _, _ = degree_classes(dp, bins)
    nodes = np.bincount(index, minlength=index.max() + 1 if index.size else 0).astype(np.int64)
    sums = np.bincount(index, weights=dp.astype(float), minlength=nodes.size)
    made = np.bincount(index, weights=newp.astype(float), minlength=nodes.size).round().astype(np.int64)
    keep = nodes > 0
    nodes, sums, made = nodes[keep], sums[keep], made[keep]
    degree, omega = sums / nodes, made / nodes
    total, dsum = int(new.sum()), int(d0.sum())
    predicted = total / dsum if dsum > 0 else float("nan")
    return OmegaLine(layer, degree, omega, nodes, made, fit_line(degree, omega), float(predicted), total, dsum,
                     zero_degree)


def omega_hat(matching: Matching, *, bins=None, degree: str = "total") -> list:
    r""":math:`\hat\Omega` and its line for every layer the attachment junctions touch.

    Parameters
    ----------
    matching : Matching
        From :func:`match_graphs`.
    bins : {None, "exact", "log"}, default None
        Exact degrees, or base-2 logarithmic bins (the point of a bin is at its mean degree).
    degree : {"total", "in", "out"}, default "total"
        ``"total"``: the paper's degree and all new connections of a node; ``"in"`` (``"out"``):
        the lower (upper) degree and the new connections on that side only.

    Returns
    -------
    list of OmegaLine
        In topological order.

    Examples
    --------
    The 2-2 network of :func:`delta_hat`: x0 (degree 1) gains one connection, h1 (degree 0) one.

    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> from netgraph.attachment import match_graphs
    >>> layers = [Layer("x", 2, "input"), Layer("h", 2, "dense")]
    >>> g0 = LayeredGraph(layers, [Junction("x", "h", [[1, 0], [0, 0]], np.ones((2, 2)), op="Gemm")])
    >>> g1 = LayeredGraph(layers, [Junction("x", "h", [[1, 0], [1, 0]], np.ones((2, 2)), op="Gemm")])
    >>> [(o.layer, o.predicted_slope, o.zero_degree) for o in omega_hat(match_graphs(g0, g1))]
    [('x', 1.0, {'nodes': 1, 'new_connections': 0}), ('h', 1.0, {'nodes': 1, 'new_connections': 1})]
    """
    d0 = matching.degrees(degree, 0)
    new = matching.new_per_node(degree)
    return [omega_line(name, d0[name], new[name], bins) for name in matching.layers]
