"""The SynFlow path norm ``R = 1^T (prod |W|) 1`` and each connection's share of it.

Tanaka et al.'s SynFlow [1]_ scores a weight by ``|w| dR/d|w|``, where ``R`` sums, over
every input-to-output path, the product of the absolute weights on it. On a layered
graph ``R`` is a forward sweep of a vector of ones through the ``|weight|`` matrices,
and the score of the edge from node ``i`` of layer S to node ``j`` of layer T is
``f_S[i] |W[j, i]| b_T[j]``: the paths that reach ``i`` from the inputs, times the edge,
times the paths from ``j`` to the outputs (a backward sweep). Its *share* is the score
divided by ``R``: the fraction of ``R`` that flows through the edge (the shares of one
junction add up to 1 when every path crosses it).

Counted at the graph's level: for a convolution one edge joins two channels and its
``|weight|`` is the absolute value of the junction's weight (the sum of the weights of
its scalar connections, taps times positions), not the sum of their absolute values.
``weight="count"`` (scalar connections) or ``"binary"`` (paths) use the count or
binary matrices instead, for which the norm is a number of paths and a share the
fraction of paths through the edge.

References
----------
.. [1] Tanaka, H., Kunin, D., Yamins, D. L. K. and Ganguli, S. "Pruning neural networks
   without any data by iteratively conserving synaptic flow." NeurIPS (2020).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.sparse as sp

from netgraph.convert import as_layered_graph
from netgraph.paths._engine import WEIGHTS, arithmetic, junction_matrix, log_vectors
from netgraph.paths.counts import _ends, _log_sums, number_of_paths
from netgraph.utils.check import check_bool, check_choice

__all__ = ["PathNorm", "path_norm", "NORM_MODES"]

#: Accepted values of ``mode`` for :func:`path_norm`.
NORM_MODES = ("float", "log")


@dataclasses.dataclass(frozen=True)
class PathNorm:
    """What :func:`path_norm` finds.

    Attributes
    ----------
    norm : float
        ``R`` (in float mode) or ``log R`` (in log mode; ``-inf`` when there is no path).
    shares : list of scipy.sparse.csr_array of float64
        One per junction of ``graph.junctions``, on its pattern: each edge's score
        divided by ``R`` (0 for an edge on no path; all 0 for a skip junction not followed).
    mode : str
        ``"float"`` or ``"log"``.
    """

    norm: float
    shares: list
    mode: str


def path_norm(graph, *, weight: str = "abs", mode: str = "float", sources=None, targets=None,
              include_skip: bool = True) -> PathNorm:
    """The path norm ``R = 1^T (prod |W|) 1`` of SynFlow, and each connection's share of it.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network.
    weight : {"abs", "count", "binary"}, default "abs"
        The junction matrices (see :func:`~netgraph.paths.path_counts`): ``|weight|``,
        scalar connections, or 1 per edge.
    mode : {"float", "log"}, default "float"
        ``"log"`` gives ``log R`` and never overflows; the shares are computed from the
        logarithms in both modes.
    sources, targets : str or sequence of str, optional
        The layers where the paths start and end; by default
        :func:`~netgraph.paths.input_layers` and :func:`~netgraph.paths.output_layers`.
    include_skip : bool, default True
        Follow the skip junctions.

    Returns
    -------
    PathNorm

    Raises
    ------
    LayerNotFoundError
        If a name in ``sources`` or ``targets`` is not a layer.
    InvalidParameterError
        If ``weight``, ``mode`` or ``include_skip`` is bad, or ``graph`` has the wrong type.
    PathOverflowError
        If ``R`` is infinite in float mode (use ``mode="log"``).

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph(
    ...     [Layer("x", 2, "input"), Layer("h", 2, "dense"), Layer("y", 1, "dense")],
    ...     [Junction("x", "h", [[1, 1], [0, 1]], [[2.0, -1.0], [0.0, 3.0]], op="Gemm"),
    ...      Junction("h", "y", [[1, 1]], [[0.5, -1.0]], op="Gemm")], outputs=["y"])
    >>> result = path_norm(g)
    >>> result.norm          # 2 * 0.5 + 1 * 0.5 + 3 * 1
    4.5
    >>> result.shares[1].toarray().round(4)
    array([[0.3333, 0.6667]])
    >>> round(path_norm(g, mode="log").norm, 6) == round(float(np.log(4.5)), 6)
    True
    """
    check_choice(weight, "weight", WEIGHTS)
    check_choice(mode, "mode", NORM_MODES)
    check_bool(include_skip, "include_skip")
    graph = as_layered_graph(graph)
    sources, targets = _ends(graph, sources, targets)
    names, arith = graph.layer_names, arithmetic(mode)
    forward = log_vectors(graph, names, {s: graph.layer(s).size for s in sources}, arith, weight=weight,
                          include_skip=include_skip)
    backward = log_vectors(graph, names[::-1], {t: graph.layer(t).size for t in targets}, arith, weight=weight,
                           include_skip=include_skip, reverse=True)
    ends = np.concatenate([forward[t] for t in dict.fromkeys(targets)] or [np.zeros(0)])
    finite = ends[np.isfinite(ends)]
    log_r = float(_log_sums(sp.csr_array(finite.reshape(1, -1)), finite.size)[0]) if finite.size else -math.inf
    shares = []
    for j in graph.junctions:
        a = junction_matrix(j, weight, np.float64)
        data = np.zeros(j.count.nnz)
        if not (j.kind == "skip" and not include_skip) and math.isfinite(log_r):
            rows = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
            with np.errstate(divide="ignore"):
                logs = forward[j.source][a.indices] + np.log(a.data) + backward[j.target][rows]
            share = sp.csr_array((np.exp(logs - log_r), a.indices, a.indptr), shape=a.shape)
            data = _on_pattern(share, j.count)
        shares.append(sp.csr_array((data, j.count.indices.copy(), j.count.indptr.copy()), shape=j.shape))
    if mode == "float":  # R summed in float64 (one more sweep of vectors), not exp(log R)
        return PathNorm(number_of_paths(graph, sources=sources, targets=targets, weight=weight, mode="float",
                                        include_skip=include_skip), shares, mode)
    return PathNorm(log_r, shares, mode)


def _on_pattern(values: sp.csr_array, pattern: sp.csr_array) -> np.ndarray:
    """The entries of ``values`` at the stored positions of ``pattern`` (0 where ``values`` has none)."""
    if values.nnz == pattern.nnz:
        return values.data
    rows = np.repeat(np.arange(pattern.shape[0]), np.diff(pattern.indptr))
    return np.asarray(values[rows, pattern.indices]).ravel() if pattern.nnz else np.zeros(0)
