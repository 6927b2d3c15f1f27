"""Effective sparsity: the connections and nodes that lie on no input-to-output path.

A connection of a pruned network that no input-to-output path goes through does
nothing, whatever its weight: Vysogorets & Kempe [1]_ count the connections that remain
*effective*, those on at least one path from an input to an output. A node is on a path
when it is reached from an input layer (a forward sweep) and reaches an output layer
(a backward sweep); an edge from node ``i`` of layer S to node ``j`` of layer T is
effective when ``i`` is reached and ``j`` reaches an output.

Densities are counted at the graph's level: node pairs of a junction (one per pair of
channels for a convolution), out of ``source size * target size``, over the learnable
junctions (skip junctions have no weights to count); the scalar connections (``count``)
are given beside them.

References
----------
.. [1] Vysogorets, A. and Kempe, J. "Connectivity Matters: Neural Network Pruning
   Through the Lens of Effective Sparsity." JMLR 24 (2023).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from netgraph.convert import as_layered_graph
from netgraph.paths._engine import Reach, log_vectors
from netgraph.paths.counts import _ends
from netgraph.utils.check import check_bool

__all__ = ["EffectiveSparsity", "effective_sparsity"]


@dataclasses.dataclass(frozen=True)
class EffectiveSparsity:
    """What :func:`effective_sparsity` finds.

    Attributes
    ----------
    masks : list of scipy.sparse.csr_array of bool
        One per junction of ``graph.junctions``, on the junction's pattern: True for an
        effective edge (all False for a skip junction not followed).
    inactive_nodes : dict of str to ndarray of int64
        Per layer, the nodes on no input-to-output path.
    edges, effective_edges : int
        Edges of the learnable junctions, and those that are effective.
    connections, effective_connections : int
        The same in scalar connections (sums of ``count``).
    pairs : int
        The node pairs the learnable junctions could join (sum of source size times target size).
    """

    masks: list
    inactive_nodes: dict
    edges: int
    effective_edges: int
    connections: int
    effective_connections: int
    pairs: int

    @property
    def sparsity(self) -> float:
        """``1 - edges / pairs``: the sparsity of the learnable junctions (0 when there is no pair)."""
        return 1.0 - self.edges / self.pairs if self.pairs else 0.0

    @property
    def effective_sparsity(self) -> float:
        """``1 - effective_edges / pairs``: the sparsity once the edges on no path are removed too."""
        return 1.0 - self.effective_edges / self.pairs if self.pairs else 0.0


def effective_sparsity(graph, *, sources=None, targets=None, include_skip: bool = True) -> EffectiveSparsity:
    """The connections and nodes on no input-to-output path, and the sparsity without them.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network.
    sources, targets : str or sequence of str, optional
        The layers where paths start and end; by default
        :func:`~netgraph.paths.input_layers` and :func:`~netgraph.paths.output_layers`.
    include_skip : bool, default True
        Follow the skip junctions (without them, a residual block's shortcut is no path).

    Returns
    -------
    EffectiveSparsity

    Raises
    ------
    LayerNotFoundError
        If a name in ``sources`` or ``targets`` is not a layer.
    InvalidParameterError
        If ``include_skip`` is not a bool or ``graph`` has the wrong type.

    Examples
    --------
    Hidden node 1 gets no input, and hidden node 2 feeds no output:

    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph(
    ...     [Layer("x", 2, "input"), Layer("h", 3, "dense"), Layer("y", 1, "dense")],
    ...     [Junction("x", "h", [[1, 1], [0, 0], [1, 0]], [[1.0, 1], [0, 0], [1, 0]], op="Gemm"),
    ...      Junction("h", "y", [[1, 3, 0]], [[1.0, 1, 0]], op="Gemm")], outputs=["y"])
    >>> result = effective_sparsity(g)
    >>> {name: nodes.tolist() for name, nodes in result.inactive_nodes.items()}
    {'x': [], 'h': [1, 2], 'y': []}
    >>> result.edges, result.effective_edges, result.connections, result.effective_connections
    (5, 3, 7, 3)
    >>> round(result.sparsity, 4), round(result.effective_sparsity, 4)
    (0.4444, 0.6667)
    """
    check_bool(include_skip, "include_skip")
    graph = as_layered_graph(graph)
    sources, targets = _ends(graph, sources, targets)
    names = graph.layer_names
    reach = Reach()
    forward = log_vectors(graph, names, {s: graph.layer(s).size for s in sources}, reach, weight="binary",
                          include_skip=include_skip)
    backward = log_vectors(graph, names[::-1], {t: graph.layer(t).size for t in targets}, reach, weight="binary",
                           include_skip=include_skip, reverse=True)
    reached = {name: np.isfinite(forward[name]) for name in names}
    leads = {name: np.isfinite(backward[name]) for name in names}
    masks, totals = [], np.zeros(5, dtype=object)
    for j in graph.junctions:
        rows = np.repeat(np.arange(j.shape[0]), np.diff(j.count.indptr))
        on = reached[j.source][j.count.indices] & leads[j.target][rows]
        if j.kind == "skip" and not include_skip:
            on[:] = False
        masks.append(sp.csr_array((on, j.count.indices.copy(), j.count.indptr.copy()), shape=j.shape))
        if j.learnable:
            totals += [j.edges, int(on.sum()), j.connections, int(j.count.data[on].sum()), j.shape[0] * j.shape[1]]
    inactive = {name: np.flatnonzero(~(reached[name] & leads[name])) for name in names}
    return EffectiveSparsity(masks, inactive, *(int(t) for t in totals))
