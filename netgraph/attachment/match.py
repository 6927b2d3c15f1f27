"""Match two checkpoints of one network, layer by layer and node by node.

:func:`match_graphs` checks that the graph at ``t = 0`` and the graph at ``t = 1`` have
the same layers (names, sizes, kinds, in the same order) and the same junctions, and
splits every change of ``count`` into *new* connections (the positive part of
``count1 - count0``) and *removed* ones (its negative part). For a dense junction a new
connection is a pair unconnected at ``t = 0`` and connected at ``t = 1``; for a
convolution, whose ``count`` counts every tap at every output position, a pair may also
gain or lose some of its scalar connections. Removed connections are reported, never
dropped: the internal preferential attachment model of Hou & Kwok [1]_ has none, so
their number says how far a pair of checkpoints is from the model.

The *attachment junctions* are the learnable junctions that are not into an output
layer (the pruned junctions of the paper); degrees are those of
:func:`netgraph.layer_degrees` with its defaults, the paper's convention: the input layer
counts only its upper connections, the last pruned layer only its lower ones, the
junction into the output layer is left out.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018), section 4.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from netgraph.convert import as_layered_graph
from netgraph.degrees import layer_degrees
from netgraph.exceptions import GraphMismatchError, InvalidParameterError
from netgraph.graph import LayeredGraph
from netgraph.utils.check import check_choice

__all__ = ["GraphMismatchError", "JunctionChange", "Matching", "match_graphs", "DEGREE_VARIANTS"]

#: Degree variants: ``"total"`` (the paper's), ``"in"`` (lower connections), ``"out"`` (upper connections).
DEGREE_VARIANTS = ("total", "in", "out")
_DIRECTION = {"total": "both", "in": "in", "out": "out"}


@dataclasses.dataclass
class JunctionChange:
    """The change of one attachment junction between ``t = 0`` and ``t = 1``.

    Attributes
    ----------
    source, target : str
        Layer names.
    index : int
        Position of the junction in ``graph.junctions``.
    new : scipy.sparse.csr_array of int64, shape (target size, source size)
        New scalar connections per pair (positive part of ``count1 - count0``).
    removed : scipy.sparse.csr_array of int64
        Removed scalar connections per pair (negative part, as positive numbers).
    connected0 : scipy.sparse.csr_array
        The pattern of pairs connected at ``t = 0`` (``count0 > 0``).
    """

    source: str
    target: str
    index: int
    new: object
    removed: object
    connected0: object

    @property
    def new_connections(self) -> int:
        """Total new scalar connections (``N^l a^l`` of eq. (6))."""
        return int(self.new.data.sum(dtype=np.int64))

    @property
    def removed_connections(self) -> int:
        """Total removed scalar connections."""
        return int(self.removed.data.sum(dtype=np.int64))

    @property
    def new_pairs(self) -> int:
        """Pairs unconnected at ``t = 0`` that are connected at ``t = 1``."""
        return int(self.new.nnz - _overlap(self.new, self.connected0))

    def to_dict(self) -> dict:
        """The junction's change as a JSON-serialisable dict.

        Examples
        --------
        >>> import numpy as np, scipy.sparse as sp
        >>> one = sp.csr_array(np.array([[1, 0]]))
        >>> JunctionChange("x", "y", 0, one, sp.csr_array((1, 2), dtype=np.int64), sp.csr_array((1, 2))).to_dict()
        {'source': 'x', 'target': 'y', 'new_connections': 1, 'new_pairs': 1, 'removed_connections': 0, 'removed_pairs': 0}
        """
        return {"source": self.source, "target": self.target, "new_connections": self.new_connections,
                "new_pairs": self.new_pairs, "removed_connections": self.removed_connections,
                "removed_pairs": int(self.removed.nnz)}


def _overlap(a, b) -> int:
    """Number of positions stored in both ``a`` and ``b`` (their data nonzero)."""
    if a.nnz == 0 or b.nnz == 0:
        return 0
    return int(a.astype(bool).multiply(b.astype(bool)).nnz)


@dataclasses.dataclass
class Matching:
    """Two matched checkpoints: the changes of their attachment junctions and the degrees of both.

    Attributes
    ----------
    graph0, graph1 : LayeredGraph
    changes : list of JunctionChange
        One per attachment junction, in the graph's order.
    degrees0, degrees1 : dict of str to ndarray of int64
        Degrees (the paper's convention, total degree) at ``t = 0`` and ``t = 1`` of the
        layers the attachment junctions touch, in topological order.
    layers : list of str
        Those layers.
    """

    graph0: LayeredGraph
    graph1: LayeredGraph
    changes: list
    degrees0: dict
    degrees1: dict
    layers: list

    def degrees(self, variant: str = "total", t: int = 0) -> dict:
        """Degrees of :attr:`layers` at time ``t`` (0 or 1) in one of :data:`DEGREE_VARIANTS`."""
        check_choice(variant, "degree", DEGREE_VARIANTS)
        if variant == "total":
            return self.degrees1 if t else self.degrees0
        degs = layer_degrees(self.graph1 if t else self.graph0, direction=_DIRECTION[variant])
        return {name: degs[name] for name in self.layers}

    def new_per_node(self, variant: str = "total") -> dict:
        """New scalar connections of every node of :attr:`layers`, counted on the ``variant``'s side.

        ``"in"``: from the junctions into the layer (row sums of ``new``); ``"out"``: into the
        junctions out of it (column sums); ``"total"``: both. Summed over a layer, ``"total"``
        gives ``N^l a^l + N^(l-1) a^(l-1)``.
        """
        check_choice(variant, "degree", DEGREE_VARIANTS)
        out = {name: np.zeros(self.graph0.layer(name).size, dtype=np.int64) for name in self.layers}
        for ch in self.changes:
            if variant in ("total", "in"):
                out[ch.target] += np.asarray(ch.new.sum(axis=1), dtype=np.int64).ravel()
            if variant in ("total", "out"):
                out[ch.source] += np.asarray(ch.new.sum(axis=0), dtype=np.int64).ravel()
        return out


def _compare_layers(g0: LayeredGraph, g1: LayeredGraph) -> None:
    for i, (a, b) in enumerate(zip(g0.layers, g1.layers)):
        for field in ("name", "size", "kind"):
            if getattr(a, field) != getattr(b, field):
                raise GraphMismatchError(
                    f"the two checkpoints differ at layer {i}: {field} {getattr(a, field)!r} at t0 but "
                    f"{getattr(b, field)!r} at t1; give two checkpoints of the same network")
    if len(g0.layers) != len(g1.layers):
        raise GraphMismatchError(f"the checkpoints have {len(g0.layers)} (t0) and {len(g1.layers)} (t1) layers; "
                                 "give two checkpoints of the same network")
    if tuple(g0.outputs) != tuple(g1.outputs):
        raise GraphMismatchError(f"the output layers differ: {list(g0.outputs)} at t0, {list(g1.outputs)} at t1")


def _compare_junctions(g0: LayeredGraph, g1: LayeredGraph) -> None:
    for i, (a, b) in enumerate(zip(g0.junctions, g1.junctions)):
        ka, kb = (a.source, a.target, a.kind), (b.source, b.target, b.kind)
        if ka != kb:
            raise GraphMismatchError(f"the two checkpoints differ at junction {i}: {ka} at t0 but {kb} at t1")
    if len(g0.junctions) != len(g1.junctions):
        raise GraphMismatchError(f"the checkpoints have {len(g0.junctions)} (t0) and {len(g1.junctions)} (t1) "
                                 "junctions; give two checkpoints of the same network")


def _change(index: int, j0, j1) -> JunctionChange:
    c0, c1 = j0.count.astype(np.int64), j1.count.astype(np.int64)
    diff = (c1 - c0).tocsr()
    diff.eliminate_zeros()
    new, removed = diff.copy(), -diff
    new.data = np.maximum(new.data, 0)
    removed.data = np.maximum(removed.data, 0)
    new.eliminate_zeros()
    removed.eliminate_zeros()
    return JunctionChange(j0.source, j0.target, index, new, removed, c0)


def match_graphs(graph0, graph1) -> Matching:
    """Match the checkpoints at ``t = 0`` and ``t = 1`` and find their new and removed connections.

    Parameters
    ----------
    graph0, graph1 : LayeredGraph or igraph.Graph
        The network before and after (same layers, same junctions, same outputs).

    Returns
    -------
    Matching

    Raises
    ------
    GraphMismatchError
        If the layers (name, size, kind), the outputs or the junctions differ; the message
        names the first difference.
    InvalidParameterError
        If the network has no attachment junction (a learnable junction not into an output layer).

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> layers = [Layer("x", 2, "input"), Layer("h", 2, "dense")]
    >>> g0 = LayeredGraph(layers, [Junction("x", "h", [[1, 0], [0, 1]], np.ones((2, 2)), op="Gemm")])
    >>> g1 = LayeredGraph(layers, [Junction("x", "h", [[1, 1], [0, 0]], np.ones((2, 2)), op="Gemm")])
    >>> m = match_graphs(g0, g1)
    >>> m.changes[0].to_dict()["new_connections"], m.changes[0].to_dict()["removed_connections"]
    (1, 1)
    >>> m.degrees0["x"].tolist(), m.degrees1["h"].tolist()
    ([1, 1], [2, 0])
    """
    g0, g1 = as_layered_graph(graph0), as_layered_graph(graph1)
    _compare_layers(g0, g1)
    _compare_junctions(g0, g1)
    outputs = set(g0.outputs)
    changes = [_change(i, j0, j1) for i, (j0, j1) in enumerate(zip(g0.junctions, g1.junctions))
               if j0.learnable and j0.target not in outputs]
    if not changes:
        raise InvalidParameterError("the network has no attachment junction (a learnable junction that is not "
                                    "into an output layer): there is nothing to analyse")
    touched = {ch.source for ch in changes} | {ch.target for ch in changes}
    layers = [name for name in g0.layer_names if name in touched]
    d0, d1 = layer_degrees(g0), layer_degrees(g1)
    return Matching(g0, g1, changes, {n: d0[n] for n in layers}, {n: d1[n] for n in layers}, layers)
