"""Conversions of a :class:`~netgraph.LayeredGraph` to and from igraph and networkx.

:func:`to_igraph` builds the weighted, directed, multilayer :class:`igraph.Graph` that
:attr:`LayeredGraph.igraph <netgraph.graph.LayeredGraph.igraph>` caches: vertices
numbered layer by layer (:attr:`LayeredGraph.offsets <netgraph.graph.LayeredGraph.offsets>`),
vertex attributes ``layer`` and ``unit``, edge attributes ``count``, ``weight`` and
``junction``, and the graph's tables (:meth:`LayeredGraph.to_dict
<netgraph.graph.LayeredGraph.to_dict>`) as JSON strings in the graph attributes
``netgraph_layers``, ``netgraph_junctions``, ``netgraph_outputs``, ``netgraph_metadata``
and ``netgraph_cuts``, so that the graph survives GraphML. :func:`from_igraph` reads
such a graph back, and :func:`as_layered_graph` lets every analysis accept either.
:func:`to_networkx` gives the same numbering as a :class:`networkx.DiGraph`.

igraph and networkx are imported by these functions only.
"""

from __future__ import annotations

import json
import logging
import numbers

import numpy as np
import scipy.sparse as sp

from netgraph._graphfile import TABLES, check_counts, check_tables, check_total, check_weights, parse_json
from netgraph.exceptions import GraphFormatError, InvalidParameterError, NetgraphError
from netgraph.graph import Junction, LayeredGraph

__all__ = ["to_igraph", "from_igraph", "to_networkx", "as_layered_graph"]

logger = logging.getLogger(__name__)


def to_igraph(graph: LayeredGraph):
    """The network as a weighted, directed, multilayer :class:`igraph.Graph`.

    :attr:`LayeredGraph.igraph <netgraph.graph.LayeredGraph.igraph>` calls it once and
    caches the result.

    Parameters
    ----------
    graph : LayeredGraph
        The network.

    Returns
    -------
    igraph.Graph
        Vertices numbered layer by layer, with attributes ``layer`` (layer name) and
        ``unit`` (index in the layer); edges with ``count``, ``weight`` and ``junction``
        (index into ``graph.junctions``); the tables in the graph attributes
        ``netgraph_layers``, ``netgraph_junctions``, ``netgraph_outputs``,
        ``netgraph_metadata`` and ``netgraph_cuts`` (JSON strings).

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
    >>> h = to_igraph(g)
    >>> h.get_edgelist(), h.es["count"], h.vs["layer"]
    ([(0, 2), (1, 2)], [2, 1], ['x', 'x', 'y'])
    """
    import igraph as ig

    edges, count, weight, junction = graph.edge_arrays()
    g = ig.Graph(n=graph.number_of_nodes(), directed=True)
    if len(edges):
        g.add_edges(edges)
    g.vs["layer"] = [layer.name for layer in graph.layers for _ in range(layer.size)]
    g.vs["unit"] = np.concatenate(
        [np.arange(layer.size, dtype=np.int64) for layer in graph.layers] or [np.zeros(0, dtype=np.int64)]
    ).tolist()
    g.es["count"] = count.tolist()
    g.es["weight"] = weight.tolist()
    g.es["junction"] = junction.tolist()
    for part, value in graph.to_dict().items():
        g[f"netgraph_{part}"] = json.dumps(value, default=str)
    return g


def from_igraph(g, *, where: str = "igraph graph") -> LayeredGraph:
    """Read a graph made by :func:`to_igraph` (also after a GraphML or pickle round trip).

    :meth:`LayeredGraph.from_igraph <netgraph.graph.LayeredGraph.from_igraph>` calls it, and
    :func:`netgraph.read_graph` for GraphML and pickle files. Every edge is accounted for:
    each belongs to one junction of the table and becomes one entry of its matrices, or the
    graph is refused. Attributes that netgraph does not read (added by another tool) are
    named in a warning logged on ``netgraph.convert``.

    Parameters
    ----------
    g : igraph.Graph
        A graph with the vertex, edge and graph attributes that :func:`to_igraph` writes.
        Numeric edge attributes may be floats (GraphML stores them as doubles).
    where : str, default "igraph graph"
        What the messages call the graph (:func:`~netgraph.read_graph` passes the file's name).

    Returns
    -------
    LayeredGraph

    Raises
    ------
    GraphFormatError
        If ``g`` lacks the netgraph attributes or is undirected; if its tables are
        malformed (:func:`netgraph._graphfile.check_tables`); if its vertices are not
        numbered layer by layer as the layer table says (attributes ``layer`` and
        ``unit``); or if an edge is bad: its ``junction`` missing, fractional, negative or
        not an index of the junction table, its ``count`` not an integer >= 1, its
        ``weight`` not finite, its ends outside the junction's layers, or a second edge of
        one junction joining the same pair of nodes. The message names the edge and the value.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
    >>> from_igraph(to_igraph(g)).junctions[0].count.toarray().tolist()
    [[2, 1]]
    >>> h = to_igraph(g)
    >>> h.es["junction"] = [0, 1]
    >>> from_igraph(h)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.GraphFormatError: igraph graph: edge 1 (vertex 1 -> 2) has junction 1, which is not an index of the junction table (0..0)
    """
    present = g.attributes()
    if "netgraph_layers" not in present or "netgraph_junctions" not in present:
        raise GraphFormatError(
            f"{where} is not a netgraph graph: it has no netgraph layer table (graph attributes 'netgraph_layers' "
            "and 'netgraph_junctions'): build it with LayeredGraph.igraph"
        )
    if not g.is_directed():
        raise GraphFormatError(f"{where} is undirected; a netgraph graph is directed (build it with LayeredGraph.igraph)")
    malformed = f"{where} has a malformed netgraph layer or junction table"
    tables = check_tables({part: parse_json(g[f"netgraph_{part}"], malformed, f"graph attribute 'netgraph_{part}'")
                           for part in TABLES if f"netgraph_{part}" in present}, malformed)
    _warn_unread(g, where)
    _check_vertices(g, tables["layers"], where)
    junctions = _junctions(g, tables, where)
    try:
        return LayeredGraph(tables["layers"], junctions, outputs=tables["outputs"], metadata=tables["metadata"],
                            cuts=tables["cuts"])
    except NetgraphError as exc:
        raise GraphFormatError(f"{malformed}: {exc}") from None


_READ = {"graph": {f"netgraph_{part}" for part in TABLES}, "vertex": {"layer", "unit", "id"},
         "edge": {"count", "weight", "junction", "id"}}


def _warn_unread(g, where: str) -> None:
    """Log the attributes that netgraph does not read (``id`` is igraph's GraphML node and edge id)."""
    found = {"graph": g.attributes(), "vertex": g.vs.attributes(), "edge": g.es.attributes()}
    unread = [f"{kind} attribute {name!r}" for kind, names in found.items() for name in names if name not in _READ[kind]]
    if unread:
        logger.warning("%s: not read, netgraph has no use for them: %s", where, ", ".join(unread))


def _numbers(g, seq, name: str, what: str, where: str) -> np.ndarray:
    """An igraph attribute as float64 (NaN where a value is missing); refuse one that is not numbers."""
    values = seq[name]
    arr = np.asarray(values)
    if arr.dtype.kind == "O":  # None for a missing value, or mixed types
        ok = [v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool)) for v in values]
        if all(ok):
            return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        i = ok.index(False)
        raise GraphFormatError(f"{where}: {what} {i} has {name} {values[i]!r}; it must be a number")
    if arr.dtype.kind not in "iuf":
        raise GraphFormatError(f"{where}: {what} attribute {name!r} holds {arr.dtype} values ({what} 0: "
                               f"{values[0]!r}); it must hold numbers")
    return arr.astype(np.float64, copy=False)


def _check_vertices(g, layers, where: str) -> None:
    """The vertices are the layers' nodes in order: their count, and their ``layer`` and ``unit`` if present."""
    nodes = sum(layer.size for layer in layers)  # Python ints: a size of 2**63 does not overflow
    if nodes != g.vcount():
        raise GraphFormatError(f"{where}: graph has {g.vcount()} vertices but its layer table {nodes} nodes")
    sizes = np.array([layer.size for layer in layers], dtype=np.int64)
    present = g.vs.attributes()
    if "layer" in present:
        expected = np.repeat(np.array([layer.name for layer in layers], dtype=object), sizes)
        bad = np.asarray(np.asarray(g.vs["layer"], dtype=object) != expected, dtype=bool)
        if bad.any():
            v = int(np.flatnonzero(bad)[0])
            raise GraphFormatError(f"{where}: vertex {v} has layer {g.vs[v]['layer']!r} but the layer table puts it in "
                                   f"{expected[v]!r}: the vertices are not in netgraph's order (layer by layer)")
    if "unit" in present and g.vcount():
        expected = np.arange(g.vcount()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        bad = _numbers(g, g.vs, "unit", "vertex", where) != expected
        if bad.any():
            v = int(np.flatnonzero(bad)[0])
            raise GraphFormatError(f"{where}: vertex {v} has unit {g.vs[v]['unit']!r} but the layer table makes it "
                                   f"unit {int(expected[v])}: the vertices are not in netgraph's order")


def _edge_attributes(g, n_junctions: int, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The edges (E, 2) and their ``count`` (int64), ``weight`` and ``junction`` (int64), every value checked."""
    edges = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    missing = [a for a in ("count", "weight", "junction") if g.ecount() and a not in g.es.attributes()]
    if missing:
        raise GraphFormatError(f"{where} lacks the edge attribute(s) {', '.join(missing)}: "
                               "build it with LayeredGraph.igraph")
    if not g.ecount():
        z = np.zeros(0, dtype=np.int64)
        return edges, z, np.zeros(0), z

    def label(name):
        return lambda i: f"{where}: the {name} of edge {i} (vertex {edges[i, 0]} -> {edges[i, 1]})"

    junction = _numbers(g, g.es, "junction", "edge", where)
    bad = ~(junction == np.floor(junction)) | (junction < 0) | (junction >= n_junctions)  # NaN is bad too
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        v = float(junction[i])
        value = "no junction (a missing value)" if np.isnan(v) else f"junction {int(v) if v.is_integer() else v!r}"
        table = f"(0..{n_junctions - 1})" if n_junctions else "(the table is empty)"
        raise GraphFormatError(f"{where}: edge {i} (vertex {edges[i, 0]} -> {edges[i, 1]}) has {value}, which is not "
                               f"an index of the junction table {table}")
    count = check_counts(_numbers(g, g.es, "count", "edge", where), label("count"))
    weight = check_weights(_numbers(g, g.es, "weight", "edge", where), label("weight"))
    return edges, count, weight, junction.astype(np.int64)


def _junctions(g, tables, where: str) -> list[Junction]:
    """The junctions of the table, each from its edges (checked to lie in its layers, one edge per pair)."""
    layers = tables["layers"]
    sizes = [layer.size for layer in layers]
    starts = dict(zip([layer.name for layer in layers], np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)))
    size_of = {layer.name: layer.size for layer in layers}
    edges, count, weight, junction = _edge_attributes(g, len(tables["junctions"]), where)
    check_total([count], where)
    junctions = []
    for k, d in enumerate(tables["junctions"]):
        sel = np.flatnonzero(junction == k)
        src = edges[sel, 0] - starts[d["source"]]
        tgt = edges[sel, 1] - starts[d["target"]]
        shape = (size_of[d["target"]], size_of[d["source"]])
        out = (src < 0) | (tgt < 0) | (src >= shape[1]) | (tgt >= shape[0])
        if out.any():
            i = int(sel[np.flatnonzero(out)[0]])
            raise GraphFormatError(f"{where}: edge {i} (vertex {edges[i, 0]} -> {edges[i, 1]}) of junction {k} "
                                   f"({d['source']} -> {d['target']}) leaves its layers")
        key = tgt * shape[1] + src
        order = np.argsort(key, kind="stable")
        twice = np.flatnonzero(key[order][1:] == key[order][:-1])
        if twice.size:
            a, b = sel[order[twice[0]]], sel[order[twice[0] + 1]]
            raise GraphFormatError(f"{where}: edges {a} and {b} of junction {k} both join vertex {edges[a, 0]} -> "
                                   f"{edges[a, 1]}; netgraph keeps one edge per pair of nodes (with its count)")
        try:
            junctions.append(Junction.from_dict(d, sp.csr_array((count[sel], (tgt, src)), shape=shape),
                                                sp.csr_array((weight[sel], (tgt, src)), shape=shape)))
        except NetgraphError as exc:
            raise GraphFormatError(f"{where}: junction {k}: {exc}") from None
    return junctions


def to_networkx(graph: LayeredGraph):
    """The network as a :class:`networkx.DiGraph`.

    :meth:`LayeredGraph.to_networkx <netgraph.graph.LayeredGraph.to_networkx>` calls it.

    Parameters
    ----------
    graph : LayeredGraph
        The network.

    Returns
    -------
    networkx.DiGraph
        Nodes are the integers of the :func:`to_igraph` numbering with attributes
        ``layer`` and ``unit``; edges carry ``count``, ``weight`` and ``junction``. Two
        junctions that join the same pair of layers (rare) have their edges merged:
        counts and weights add up and ``junction`` keeps the first. The layer table is in
        ``G.graph["layers"]``, the junctions' descriptions (:meth:`Junction.to_dict
        <netgraph.graph.Junction.to_dict>`) in ``G.graph["junctions"]``, and
        ``G.graph`` also holds ``outputs``, ``metadata`` and ``cuts``.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
    >>> sorted(to_networkx(g).in_degree(weight="count"))
    [(0, 0), (1, 0), (2, 3)]
    """
    import networkx as nx

    G = nx.DiGraph()
    G.graph["layers"] = [layer.to_dict() for layer in graph.layers]
    G.graph["junctions"] = [j.to_dict() for j in graph.junctions]
    G.graph["outputs"] = list(graph.outputs)
    G.graph["metadata"] = dict(graph.metadata)
    G.graph["cuts"] = list(graph.cuts)
    v = 0
    for layer in graph.layers:
        G.add_nodes_from((v + u, {"layer": layer.name, "unit": u}) for u in range(layer.size))
        v += layer.size
    edges, count, weight, junction = graph.edge_arrays()
    for (a, b), c, w, k in zip(edges.tolist(), count.tolist(), weight.tolist(), junction.tolist()):
        if G.has_edge(a, b):
            d = G.edges[a, b]
            d["count"] += c
            d["weight"] += w
        else:
            G.add_edge(a, b, count=c, weight=w, junction=k)
    return G


def as_layered_graph(graph, name: str = "graph") -> LayeredGraph:
    """Accept a LayeredGraph, or an igraph.Graph made by :attr:`LayeredGraph.igraph`.

    Every analysis takes either; this is the check and the conversion they share.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network; an :class:`igraph.Graph` is read with :func:`from_igraph` (on every
        call: convert it once when many analyses follow).
    name : str, default "graph"
        The parameter's name, for the message.

    Returns
    -------
    LayeredGraph

    Raises
    ------
    InvalidParameterError
        If ``graph`` is neither.
    GraphFormatError
        If ``graph`` is an igraph.Graph without the netgraph attributes.

    Examples
    --------
    >>> from netgraph import Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input")], [])
    >>> as_layered_graph(g) is g, as_layered_graph(g.igraph).layer_names
    (True, ['x'])
    >>> as_layered_graph({})
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: graph must be a LayeredGraph or an igraph.Graph made by LayeredGraph.igraph; got dict
    """
    if isinstance(graph, LayeredGraph):
        return graph
    try:
        import igraph as ig
    except ImportError:  # pragma: no cover - igraph is a dependency
        ig = None
    if ig is not None and isinstance(graph, ig.Graph):
        return from_igraph(graph)
    raise InvalidParameterError(
        f"{name} must be a LayeredGraph or an igraph.Graph made by LayeredGraph.igraph; got {type(graph).__name__}"
    )
