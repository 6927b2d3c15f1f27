"""The layered graph of a neural network: layers of nodes joined by junctions.

A :class:`LayeredGraph` is a directed, layered graph stored column-wise: each
:class:`Junction` holds two scipy CSR arrays of shape ``(target size, source size)``,

* ``count[j, i]``: how many scalar connections join source node ``i`` to target node ``j``
  (1 per nonzero weight of a dense layer; for a convolution every nonzero kernel tap times
  the number of output positions where it reads a real input, the convention of
  Hou & Kwok [1]_, appendix B);
* ``weight[j, i]``: the sum of the weights of those scalar connections (signed).

Both arrays share one sparsity pattern: an edge is a pair with ``count > 0``.
:attr:`LayeredGraph.igraph` turns the same network into a weighted multilayer
:class:`igraph.Graph` on demand, and :meth:`LayeredGraph.from_igraph` reads it back
(both through :mod:`netgraph.convert`, which also gives :meth:`LayeredGraph.to_networkx`).

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from netgraph._csr import aligned_csr
from netgraph.exceptions import InvalidParameterError, LayerNotFoundError
from netgraph.utils.check import check_choice, check_fields, check_int
from netgraph.utils.tables import format_table

__all__ = ["Layer", "Junction", "LayeredGraph", "LAYER_KINDS", "JUNCTION_KINDS"]

#: Kinds of layer: where its nodes come from (``"recurrent"``: the hidden units of an LSTM,
#: GRU or RNN; ``"vocabulary"``: one node per token of an embedding table).
LAYER_KINDS = ("input", "dense", "conv", "conv_transpose", "merge", "cut", "recurrent", "vocabulary", "embedding")
#: Kinds of junction: ``learnable`` (an operator with weights), ``skip`` (a residual Add/Sum),
#: ``recurrent`` (the weights ``R`` of an LSTM, GRU or RNN: the only kind of self-loop).
JUNCTION_KINDS = ("learnable", "skip", "recurrent")


@dataclasses.dataclass(frozen=True)
class Layer:
    """A set of nodes of the network.

    Parameters
    ----------
    name : str
        Unique name of the layer (by default the ONNX tensor it came from).
    size : int
        Number of nodes: units of a dense layer, channels (feature maps) of a convolution.
    kind : str
        One of :data:`LAYER_KINDS`.
    spatial_shape : sequence of int, optional
        Spatial shape of each node's feature map (``(H, W)`` for a 2-D convolution,
        ``()`` for a dense unit); stored as a tuple of non-negative ints.
    tensor : str, optional
        Name of the ONNX tensor whose channels (or last-axis features) are the nodes.
    op : str, optional
        ONNX operator type that made the layer (``""`` for an input).
    node : str, optional
        Name of the ONNX node that made the layer.

    Raises
    ------
    InvalidParameterError
        If a field has the wrong type or is out of range (a negative size, a spatial shape
        given as a string, an unknown kind).

    Examples
    --------
    >>> Layer("fc1", 4, "dense")
    Layer(name='fc1', size=4, kind='dense', spatial_shape=(), tensor='', op='', node='')
    >>> Layer("c", 4, "conv", "88")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: spatial shape of layer 'c' must be a sequence of integers; got '88'
    """

    name: str
    size: int
    kind: str
    spatial_shape: tuple = ()
    tensor: str = ""
    op: str = ""
    node: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise InvalidParameterError(f"layer name must be a non-empty string; got {self.name!r}")
        object.__setattr__(self, "size", check_int(self.size, f"size of layer {self.name!r}", minimum=0))
        check_choice(self.kind, f"kind of layer {self.name!r}", LAYER_KINDS)
        shape, what = self.spatial_shape, f"spatial shape of layer {self.name!r}"
        if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable):
            raise InvalidParameterError(f"{what} must be a sequence of integers; got {shape!r}")
        object.__setattr__(self, "spatial_shape", tuple(check_int(s, what, minimum=0) for s in shape))
        for field in ("tensor", "op", "node"):
            if not isinstance(getattr(self, field), str):
                raise InvalidParameterError(f"{field} of layer {self.name!r} must be a string; got "
                                            f"{getattr(self, field)!r}")

    def to_dict(self) -> dict:
        """Return the layer as a JSON-serialisable dict (:meth:`from_dict` reads it back).

        Examples
        --------
        >>> Layer("c", 4, "conv", (5, 5)).to_dict()["spatial_shape"]
        [5, 5]
        """
        d = dataclasses.asdict(self)
        d["spatial_shape"] = list(self.spatial_shape)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Layer":
        """Build a layer from :meth:`to_dict`'s output (``name``, ``size`` and ``kind`` required).

        Raises
        ------
        InvalidParameterError
            If ``d`` is not a mapping, lacks a required field or has an unknown one, or a
            field's value is bad (as for the constructor).

        Examples
        --------
        >>> Layer.from_dict({"name": "c", "size": 4, "kind": "conv", "spatial_shape": [5, 5]}).spatial_shape
        (5, 5)
        >>> Layer.from_dict({"name": "c", "size": 4, "kind": "conv", "colour": "red"})
        Traceback (most recent call last):
        ...
        netgraph.exceptions.InvalidParameterError: layer must be a mapping with no fields but name, size, kind, spatial_shape, tensor, op, node; got 'colour'
        """
        check_fields(d, "layer", ("name", "size", "kind"), ("spatial_shape", "tensor", "op", "node"))
        return cls(**d)


class Junction:
    """The connections between two layers, made by one ONNX operator.

    Parameters
    ----------
    source, target : str
        Names of the source and target layers.
    count : array_like or sparse array, shape (target size, source size)
        Number of scalar connections between each pair of nodes (non-negative integers).
    weight : array_like or sparse array, shape (target size, source size)
        Sum of the weights of those connections; read where ``count > 0``.
    op : str
        ONNX operator type (``"Gemm"``, ``"Conv"``, ``"Add"``, ...).
    node : str
        Name of the ONNX node.
    kind : {"learnable", "skip", "recurrent"}
        ``"skip"`` for the weightless edges of a residual Add/Sum; ``"recurrent"`` for the
        recurrent weights of an LSTM, GRU or RNN, a self-loop junction (``source ==
        target``) from the hidden units to themselves.

    Attributes
    ----------
    count, weight : scipy.sparse.csr_array
        Aligned CSR arrays (same ``indptr`` and ``indices``).

    Examples
    --------
    >>> j = Junction("in", "fc", [[1, 0], [1, 1]], [[0.5, 0.0], [-1.0, 2.0]], op="Gemm", node="g")
    >>> j.edges, j.connections, j.density
    (3, 3, 0.75)

    >>> r = Junction("h", "h", [[0, 1], [1, 0]], [[0.0, 0.5], [-0.5, 0.0]], op="LSTM", kind="recurrent")
    >>> r.recurrent, r.learnable, r.edges
    (True, False, 2)
    """

    __slots__ = ("source", "target", "count", "weight", "op", "node", "kind")

    def __init__(self, source, target, count, weight, *, op, node="", kind="learnable"):
        check_choice(kind, "kind", JUNCTION_KINDS)
        shape = count.shape if hasattr(count, "shape") else np.shape(count)
        self.count, self.weight = aligned_csr(count, weight, shape)
        self.source, self.target, self.op, self.node, self.kind = str(source), str(target), str(op), str(node), kind

    @property
    def shape(self) -> tuple[int, int]:
        """``(target size, source size)``."""
        return self.count.shape

    @property
    def edges(self) -> int:
        """Number of node pairs joined by at least one connection."""
        return int(self.count.nnz)

    @property
    def connections(self) -> int:
        """Number of scalar connections: the sum of ``count``."""
        return int(self.count.data.sum(dtype=np.int64))

    @property
    def density(self) -> float:
        """``edges / (source size * target size)`` (0 for an empty layer)."""
        n = self.shape[0] * self.shape[1]
        return self.edges / n if n else 0.0

    @property
    def learnable(self) -> bool:
        """True for kind ``"learnable"``: not skip edges, not a recurrent self-loop (whose
        weights are learned too, but which path counts, scatter and effective sparsity leave
        out, and :func:`netgraph.degrees` counts by keyword ``include_recurrent``)."""
        return self.kind == "learnable"

    @property
    def recurrent(self) -> bool:
        """True for the self-loop junction of a recurrent layer (kind ``"recurrent"``)."""
        return self.kind == "recurrent"

    def to_dict(self, *, stats: bool = True) -> dict:
        """Return the junction's description (not its matrices) as a JSON-serialisable dict.

        Parameters
        ----------
        stats : bool, default True
            Include ``edges``, ``connections`` and ``density``; without them, the dict
            holds what a graph file's junction table keeps (``source``, ``target``,
            ``op``, ``node``, ``kind``), which :meth:`from_dict` reads back.

        Examples
        --------
        >>> Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm").to_dict(stats=False)
        {'source': 'x', 'target': 'y', 'op': 'Gemm', 'node': '', 'kind': 'learnable'}
        """
        d = {"source": self.source, "target": self.target, "op": self.op, "node": self.node, "kind": self.kind}
        if stats:
            d.update(edges=self.edges, connections=self.connections, density=self.density)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], count, weight) -> "Junction":
        """Build a junction from its description (:meth:`to_dict`'s output) and its matrices.

        ``node`` and ``kind`` may be missing (``""`` and ``"learnable"``); the statistics
        (``edges``, ``connections``, ``density``), if present, are recomputed from ``count``.

        Raises
        ------
        InvalidParameterError
            If ``d`` is not a mapping, lacks ``source``, ``target`` or ``op``, has an unknown
            field, or a name that is not a string; or if the matrices are bad.

        Examples
        --------
        >>> j = Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")
        >>> Junction.from_dict(j.to_dict(), j.count, j.weight)
        Junction('x' -> 'y', op='Gemm', node='', kind='learnable', edges=2, connections=3)
        """
        check_fields(d, "junction", ("source", "target", "op"), ("node", "kind", "edges", "connections", "density"),
                     strings=("source", "target", "op", "node"))
        return cls(d["source"], d["target"], count, weight, op=d["op"], node=d.get("node", ""),
                   kind=d.get("kind", "learnable"))

    def __repr__(self):
        return (
            f"Junction({self.source!r} -> {self.target!r}, op={self.op!r}, node={self.node!r}, "
            f"kind={self.kind!r}, edges={self.edges}, connections={self.connections})"
        )


class LayeredGraph:
    """A neural network as a directed, layered, weighted graph.

    Parameters
    ----------
    layers : sequence of Layer
        The layers in topological order (every junction goes from an earlier layer to a
        later one, except a ``"recurrent"`` junction, which goes from a layer to itself).
    junctions : sequence of Junction
        The junctions between layers.
    outputs : sequence of str, optional
        Names of the layers that are the network's outputs. Degrees leave out the
        junctions into them by default (the papers never prune that layer).
    metadata : mapping of str to str, optional
        The model's metadata (producer, ONNX metadata_props, ...).
    cuts : sequence of dict, optional
        Operators that a lenient read cut, each with ``op``, ``node``, ``reason``,
        ``from_layers`` (the layers that fed it) and ``new_layers`` (the input layers of
        kind ``"cut"`` that its outputs start).

    Examples
    --------
    >>> import numpy as np
    >>> g = LayeredGraph(
    ...     [Layer("x", 2, "input"), Layer("h", 3, "dense")],
    ...     [Junction("x", "h", np.ones((3, 2)), np.full((3, 2), 0.5), op="Gemm", node="fc")],
    ... )
    >>> g.number_of_nodes(), g.number_of_edges()
    (5, 6)
    >>> g.igraph.vcount(), g.igraph.ecount()
    (5, 6)
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        junctions: Sequence[Junction],
        *,
        outputs: Iterable[str] = (),
        metadata: Mapping[str, str] | None = None,
        cuts: Sequence[Mapping[str, Any]] = (),
    ):
        self.layers = tuple(layers)
        self.junctions = tuple(junctions)
        self._index = {}
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise InvalidParameterError(f"layers must be Layer objects; got {type(layer).__name__}")
            if layer.name in self._index:
                raise InvalidParameterError(f"duplicate layer name {layer.name!r}")
            self._index[layer.name] = i
        for j in self.junctions:
            s, t = self.layer(j.source), self.layer(j.target)
            if j.shape != (t.size, s.size):
                raise InvalidParameterError(
                    f"junction {j.source!r} -> {j.target!r} has shape {j.shape}, "
                    f"expected (target size, source size) = {(t.size, s.size)}"
                )
            if j.recurrent != (j.source == j.target):
                raise InvalidParameterError(
                    f"junction {j.source!r} -> {j.target!r} of kind {j.kind!r} " + (
                        "is recurrent: a recurrent junction joins a layer to itself" if j.recurrent else
                        "goes backwards (to its own layer): only a junction of kind 'recurrent' may be a self-loop"))
            if self._index[j.source] > self._index[j.target]:
                raise InvalidParameterError(
                    f"junction {j.source!r} -> {j.target!r} goes backwards: layers must be in topological order"
                )
        if isinstance(outputs, (str, bytes)):
            raise InvalidParameterError(f"outputs must be a sequence of layer names; got {outputs!r}")
        self.outputs = tuple(outputs)
        for name in self.outputs:
            self.layer(name)
        self.metadata = dict(metadata or {})
        self.cuts = tuple(dict(c) for c in cuts)

    # ------------------------------------------------------------------ lookup
    @property
    def layer_names(self) -> list[str]:
        """Names of the layers, in topological order."""
        return [layer.name for layer in self.layers]

    def layer(self, name: str) -> Layer:
        """Return the layer called ``name``.

        Raises
        ------
        LayerNotFoundError
            If no layer has that name; the message lists the names there are.

        Examples
        --------
        >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")], [])
        >>> g.layer("y").size
        1
        >>> g.layer("z")
        Traceback (most recent call last):
        ...
        netgraph.exceptions.LayerNotFoundError: no layer named 'z'; the graph has layers 'x', 'y'
        """
        try:
            return self.layers[self._index[name]]
        except (KeyError, TypeError):
            names = ", ".join(repr(n) for n in self.layer_names[:20])
            more = ", ..." if len(self.layers) > 20 else ""
            raise LayerNotFoundError(f"no layer named {name!r}; the graph has layers {names}{more}") from None

    def layer_index(self, name: str) -> int:
        """Position of layer ``name`` in topological order."""
        self.layer(name)
        return self._index[name]

    def junctions_into(self, name: str) -> list[Junction]:
        """Junctions whose target is layer ``name``."""
        self.layer(name)
        return [j for j in self.junctions if j.target == name]

    def junctions_from(self, name: str) -> list[Junction]:
        """Junctions whose source is layer ``name``."""
        self.layer(name)
        return [j for j in self.junctions if j.source == name]

    @property
    def offsets(self) -> dict[str, int]:
        """Vertex id of each layer's first node in the :attr:`igraph` numbering (layer by layer)."""
        sizes = np.array([layer.size for layer in self.layers], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if len(sizes) else []
        return {layer.name: int(s) for layer, s in zip(self.layers, starts)}

    def number_of_nodes(self) -> int:
        """Total number of nodes over all layers."""
        return int(sum(layer.size for layer in self.layers))

    def number_of_edges(self) -> int:
        """Total number of edges (node pairs with at least one connection)."""
        return int(sum(j.edges for j in self.junctions))

    def number_of_connections(self) -> int:
        """Total number of scalar connections (sum of every ``count``)."""
        return int(sum(j.connections for j in self.junctions))

    # ------------------------------------------------------------------ views
    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All edges as flat arrays in the :attr:`igraph` numbering.

        Returns
        -------
        edges : ndarray of int64, shape (E, 2)
            ``(source vertex, target vertex)`` per edge, junction by junction.
        count : ndarray of int64, shape (E,)
        weight : ndarray of float64, shape (E,)
        junction : ndarray of int64, shape (E,)
            Index of the junction in :attr:`LayeredGraph.junctions`.

        Examples
        --------
        >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
        ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
        >>> edges, count, weight, junction = g.edge_arrays()
        >>> edges.tolist(), count.tolist(), weight.tolist(), junction.tolist()
        ([[0, 2], [1, 2]], [2, 1], [0.5, -1.0], [0, 0])
        """
        off = self.offsets
        parts_e, parts_c, parts_w, parts_j = [], [], [], []
        for k, j in enumerate(self.junctions):
            rows = np.repeat(np.arange(j.shape[0], dtype=np.int64), np.diff(j.count.indptr))
            e = np.empty((j.edges, 2), dtype=np.int64)
            e[:, 0] = j.count.indices + off[j.source]
            e[:, 1] = rows + off[j.target]
            parts_e.append(e)
            parts_c.append(j.count.data.astype(np.int64, copy=False))
            parts_w.append(j.weight.data.astype(np.float64, copy=False))
            parts_j.append(np.full(j.edges, k, dtype=np.int64))
        if not parts_e:
            z = np.zeros(0, dtype=np.int64)
            return np.zeros((0, 2), dtype=np.int64), z, np.zeros(0), z
        return np.concatenate(parts_e), np.concatenate(parts_c), np.concatenate(parts_w), np.concatenate(parts_j)

    def to_dict(self) -> dict:
        """The graph's tables, not its matrices: what a graph file stores beside the edges.

        Returns
        -------
        dict
            ``layers`` (:meth:`Layer.to_dict` of each), ``junctions``
            (:meth:`Junction.to_dict` without the statistics), ``outputs``, ``metadata``
            and ``cuts``; JSON-serialisable (with ``default=str`` for odd values in the cuts).

        Examples
        --------
        >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
        ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")], outputs=["y"])
        >>> d = g.to_dict()
        >>> list(d)
        ['layers', 'junctions', 'outputs', 'metadata', 'cuts']
        >>> d["junctions"], d["outputs"]
        ([{'source': 'x', 'target': 'y', 'op': 'Gemm', 'node': '', 'kind': 'learnable'}], ['y'])
        """
        return {
            "layers": [layer.to_dict() for layer in self.layers],
            "junctions": [j.to_dict(stats=False) for j in self.junctions],
            "outputs": list(self.outputs),
            "metadata": dict(self.metadata),
            "cuts": list(self.cuts),
        }

    @functools.cached_property
    def igraph(self):
        """The network as a weighted, directed, multilayer :class:`igraph.Graph` (built once, cached).

        Vertices are numbered layer by layer (see :attr:`offsets`), with vertex attributes
        ``layer`` (layer name) and ``unit`` (index in the layer); edges carry ``count``,
        ``weight`` and ``junction`` (index into :attr:`LayeredGraph.junctions`). The layer table, the
        junction table, outputs, metadata and cuts (:meth:`to_dict`) are JSON strings in the graph
        attributes ``netgraph_layers``, ``netgraph_junctions``, ``netgraph_outputs``,
        ``netgraph_metadata`` and ``netgraph_cuts``, so the graph survives GraphML. Built by
        :func:`netgraph.convert.to_igraph`.
        """
        from netgraph.convert import to_igraph

        return to_igraph(self)

    @classmethod
    def from_igraph(cls, g) -> "LayeredGraph":
        """Read a graph made by :attr:`igraph` (also after a GraphML or pickle round trip).

        Parameters
        ----------
        g : igraph.Graph
            A graph with the vertex, edge and graph attributes that :attr:`igraph` writes.

        Returns
        -------
        LayeredGraph
            Read by :func:`netgraph.convert.from_igraph`.

        Raises
        ------
        GraphFormatError
            If ``g`` lacks the netgraph attributes or its edges disagree with its layer table.

        Examples
        --------
        >>> import numpy as np
        >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
        ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
        >>> h = LayeredGraph.from_igraph(g.igraph)
        >>> h.junctions[0].count.toarray().tolist()
        [[2, 1]]
        """
        from netgraph.convert import from_igraph

        return from_igraph(g)

    def to_networkx(self):
        """The network as a :class:`networkx.DiGraph`.

        Nodes are the integers of the :attr:`igraph` numbering with attributes ``layer`` and
        ``unit``; edges carry ``count``, ``weight`` and ``junction``. Two junctions that join
        the same pair of layers (rare) have their edges merged: counts and weights add up
        and ``junction`` keeps the first. The layer table is in ``G.graph["layers"]``. Built
        by :func:`netgraph.convert.to_networkx`.

        Examples
        --------
        >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
        ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
        >>> G = g.to_networkx()
        >>> sorted(G.in_degree(weight="count"))
        [(0, 0), (1, 0), (2, 3)]
        """
        from netgraph.convert import to_networkx

        return to_networkx(self)

    # ------------------------------------------------------------------ I/O and display
    def save(self, path, *, format=None) -> None:
        """Write the graph to ``path``; see :func:`netgraph.write_graph`."""
        from netgraph.io import write_graph

        write_graph(self, path, format=format)

    @classmethod
    def load(cls, path, *, format=None, **options) -> "LayeredGraph":
        """Read a graph from ``path``; see :func:`netgraph.read_graph` (and its ``allow_pickle``
        and ``max_bytes``, passed on in ``options``)."""
        from netgraph.io import read_graph

        return read_graph(path, format=format, **options)

    def summary(self) -> str:
        """A readable table of the layers and junctions.

        Examples
        --------
        >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
        ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm", node="fc")])
        >>> print(g.summary())  # doctest: +NORMALIZE_WHITESPACE
        LayeredGraph: 2 layers, 3 nodes, 1 junctions, 2 edges, 3 connections
        layer  kind   size  spatial
        x      input     2  -
        y      dense     1  -
        source  target  op    node  kind       edges  connections  density
        x       y       Gemm  fc    learnable      2            3   1.0000
        """
        lines = [
            f"LayeredGraph: {len(self.layers)} layers, {self.number_of_nodes()} nodes, {len(self.junctions)} junctions, "
            f"{self.number_of_edges()} edges, {self.number_of_connections()} connections"
        ]
        rows = [("layer", "kind", "size", "spatial")] + [
            (L.name, L.kind, str(L.size), "x".join(map(str, L.spatial_shape)) or "-") for L in self.layers
        ]
        lines += format_table(rows, "llrl")
        rows = [("source", "target", "op", "node", "kind", "edges", "connections", "density")] + [
            (j.source, j.target, j.op, j.node or "-", j.kind, str(j.edges), str(j.connections), f"{j.density:.4f}")
            for j in self.junctions
        ]
        lines += format_table(rows, "lllllrrr")
        if self.cuts:
            lines.append("cuts: " + "; ".join(f"{c.get('op')} node {c.get('node')!r}" for c in self.cuts))
        return "\n".join(lines)

    def __repr__(self):
        return (
            f"<LayeredGraph: {len(self.layers)} layers, {self.number_of_nodes()} nodes, "
            f"{len(self.junctions)} junctions, {self.number_of_edges()} edges>"
        )

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("igraph", None)  # the cache is rebuilt on demand
        return state

