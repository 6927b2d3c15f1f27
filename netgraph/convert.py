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

import numpy as np
import scipy.sparse as sp

from netgraph.exceptions import GraphFormatError, InvalidParameterError
from netgraph.graph import Junction, Layer, LayeredGraph

__all__ = ["to_igraph", "from_igraph", "to_networkx", "as_layered_graph"]


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


def from_igraph(g) -> LayeredGraph:
    """Read a graph made by :func:`to_igraph` (also after a GraphML or pickle round trip).

    :meth:`LayeredGraph.from_igraph <netgraph.graph.LayeredGraph.from_igraph>` calls it.

    Parameters
    ----------
    g : igraph.Graph
        A graph with the vertex, edge and graph attributes that :func:`to_igraph` writes.
        Numeric edge attributes may be floats (GraphML stores them as doubles).

    Returns
    -------
    LayeredGraph

    Raises
    ------
    GraphFormatError
        If ``g`` lacks the netgraph attributes or its edges disagree with its layer table.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
    >>> from_igraph(to_igraph(g)).junctions[0].count.toarray().tolist()
    [[2, 1]]
    """
    try:
        tables = {part: json.loads(g[f"netgraph_{part}"]) for part in ("layers", "junctions")}
        present = g.attributes()
        defaults = {"outputs": [], "metadata": {}, "cuts": []}
        tables.update({part: json.loads(g[f"netgraph_{part}"]) if f"netgraph_{part}" in present else default
                       for part, default in defaults.items()})
    except (KeyError, TypeError, ValueError) as exc:
        raise GraphFormatError(
            "igraph graph has no netgraph layer table (graph attributes 'netgraph_layers' and "
            f"'netgraph_junctions'): build it with LayeredGraph.igraph ({exc})"
        ) from None
    try:
        return _from_tables(g, tables)
    except GraphFormatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise GraphFormatError(f"igraph graph has a malformed netgraph layer or junction table ({exc!r})") from None


def _edge_attributes(g) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``count`` (int64), ``weight`` and ``junction`` (int64) edge attributes of ``g``."""
    missing = [a for a in ("count", "weight", "junction") if g.ecount() and a not in g.es.attributes()]
    if missing:
        raise GraphFormatError(f"igraph graph lacks the edge attribute(s) {', '.join(missing)}: "
                               "build it with LayeredGraph.igraph")
    if not g.ecount():
        z = np.zeros(0)
        return z, z, z
    count = np.asarray(g.es["count"], dtype=np.float64)
    if not np.all(count == np.round(count)):
        raise GraphFormatError("edge attribute 'count' holds non-integer values")
    weight = np.asarray(g.es["weight"], dtype=np.float64)
    junction = np.asarray(g.es["junction"], dtype=np.float64).astype(np.int64)
    return count.astype(np.int64), weight, junction


def _from_tables(g, tables) -> LayeredGraph:
    layers = [Layer.from_dict(d) for d in tables["layers"]]
    sizes = [layer.size for layer in layers]
    if sum(sizes) != g.vcount():
        raise GraphFormatError(f"graph has {g.vcount()} vertices but its layer table {sum(sizes)} nodes")
    starts = dict(zip([layer.name for layer in layers], np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)))
    size_of = {layer.name: layer.size for layer in layers}
    edges = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    count, weight, junction = _edge_attributes(g)
    junctions = []
    for k, d in enumerate(tables["junctions"]):
        sel = junction == k
        src = edges[sel, 0] - starts[d["source"]]
        tgt = edges[sel, 1] - starts[d["target"]]
        shape = (size_of[d["target"]], size_of[d["source"]])
        if len(src) and (src.min() < 0 or tgt.min() < 0 or src.max() >= shape[1] or tgt.max() >= shape[0]):
            raise GraphFormatError(f"edges of junction {k} ({d['source']} -> {d['target']}) leave its layers")
        junctions.append(Junction.from_dict(d, sp.csr_array((count[sel], (tgt, src)), shape=shape),
                                            sp.csr_array((weight[sel], (tgt, src)), shape=shape)))
    return LayeredGraph(layers, junctions, outputs=tables["outputs"], metadata=tables["metadata"],
                        cuts=tables["cuts"])


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
