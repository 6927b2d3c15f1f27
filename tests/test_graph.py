"""Tests of the LayeredGraph type: construction, lookup, summary, its tables, igraph and networkx views.

Expected values are written out by hand from the tiny graphs below.
"""

import json
import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp

from netgraph import (
    GraphFormatError,
    InvalidParameterError,
    Junction,
    Layer,
    LayeredGraph,
    LayerNotFoundError,
    NetgraphError,
)
from netgraph.convert import as_layered_graph, from_igraph, to_igraph, to_networkx


def small_graph():
    """x(2, input) -> h(3, conv 4x4) -> y(2, dense, output), plus an empty skip-free layout.

    count x->h = [[1, 2], [0, 3], [6, 0]]  (4 edges, 12 connections)
    count h->y = [[1, 0, 1], [1, 1, 0]]    (4 edges, 4 connections)
    """
    layers = [
        Layer("x", 2, "input", tensor="input"),
        Layer("h", 3, "conv", (4, 4), tensor="h_out", op="Conv", node="conv1"),
        Layer("y", 2, "dense", tensor="logits", op="Gemm", node="fc"),
    ]
    j1 = Junction("x", "h", [[1, 2], [0, 3], [6, 0]], [[0.5, -1.0], [9.0, 2.0], [0.25, 7.0]], op="Conv", node="conv1")
    j2 = Junction("h", "y", [[1, 0, 1], [1, 1, 0]], [[1.5, 0.0, -2.0], [3.0, -0.5, 0.0]], op="Gemm", node="fc")
    return LayeredGraph(layers, [j1, j2], outputs=["y"], metadata={"producer": "hand"},
                        cuts=[{"op": "Foo", "node": "foo0", "layers": ["x"], "reason": "no handler"}])


# ---------------------------------------------------------------------- Layer
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "", "size": 2, "kind": "dense"}, "non-empty string"),
        ({"name": 3, "size": 2, "kind": "dense"}, "non-empty string"),
        ({"name": "a", "size": -1, "kind": "dense"}, "^size of layer 'a' must be an integer >= 0; got -1$"),
        ({"name": "a", "size": 2.5, "kind": "dense"}, "^size of layer 'a' must be an integer >= 0; got 2.5$"),
        ({"name": "a", "size": 2, "kind": "fc"}, "kind of layer 'a' must be one of .*; got 'fc'"),
    ],
)
def test_layer_rejects_bad_values(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        Layer(**kwargs)


def test_layer_normalises_and_round_trips_through_dict():
    layer = Layer("c", np.int64(4), "conv", [np.int64(5), 5], tensor="t", op="Conv", node="n")
    assert layer.size == 4 and type(layer.size) is int
    assert layer.spatial_shape == (5, 5)
    d = layer.to_dict()
    assert d == {"name": "c", "size": 4, "kind": "conv", "spatial_shape": [5, 5], "tensor": "t", "op": "Conv",
                 "node": "n"}
    assert Layer.from_dict(d) == layer


# ---------------------------------------------------------------------- Junction
def test_junction_counts_edges_connections_density():
    j = Junction("a", "b", [[1, 0, 4], [0, 0, 2]], np.arange(6.0).reshape(2, 3), op="Conv")
    assert j.shape == (2, 3)
    assert j.edges == 3  # nonzero counts at (0,0), (0,2), (1,2)
    assert j.connections == 7  # 1 + 4 + 2
    assert j.density == pytest.approx(3 / 6)
    assert j.count.dtype == np.int64 and j.weight.dtype == np.float64
    # weight is read on count's pattern: (0,0)=0.0 kept as an explicit entry, (0,1)=1.0 dropped
    assert j.weight.data.tolist() == [0.0, 2.0, 5.0]
    assert np.array_equal(j.weight.indptr, j.count.indptr) and np.array_equal(j.weight.indices, j.count.indices)
    assert j.learnable and j.to_dict()["kind"] == "learnable"


def test_junction_accepts_sparse_inputs_and_drops_zero_counts():
    count = sp.coo_array((np.array([2, 0, 3]), (np.array([0, 1, 1]), np.array([1, 0, 1]))), shape=(2, 2))
    weight = sp.csr_array(np.array([[7.0, -1.0], [4.0, 0.5]]))
    j = Junction("a", "b", count, weight, op="MatMul", kind="skip")
    assert j.count.toarray().tolist() == [[0, 2], [0, 3]]
    assert j.weight.toarray().tolist() == [[0.0, -1.0], [0.0, 0.5]]
    assert j.edges == 2 and not j.learnable


def test_junction_empty_layers_have_zero_density():
    j = Junction("a", "b", np.zeros((0, 3)), np.zeros((0, 3)), op="Gemm")
    assert j.edges == 0 and j.connections == 0 and j.density == 0.0


@pytest.mark.parametrize(
    "count, weight, kwargs, match",
    [
        ([[1, 1]], [[1.0, 1.0]], {"kind": "residual"}, "kind must be one of"),
        ([[1, -1]], [[1.0, 1.0]], {}, "non-negative"),
        ([[1, 1]], [[1.0, 1.0, 1.0]], {}, r"weight has shape \(1, 3\)"),
    ],
)
def test_junction_rejects_bad_values(count, weight, kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        Junction("a", "b", count, weight, op="Gemm", **kwargs)


# ---------------------------------------------------------------------- LayeredGraph construction
def test_graph_rejects_duplicate_layer_names():
    with pytest.raises(InvalidParameterError, match="duplicate layer name 'x'"):
        LayeredGraph([Layer("x", 1, "input"), Layer("x", 1, "dense")], [])


def test_graph_rejects_non_layer_objects():
    with pytest.raises(InvalidParameterError, match="Layer objects; got dict"):
        LayeredGraph([{"name": "x"}], [])


def test_graph_rejects_junction_of_wrong_shape():
    layers = [Layer("x", 2, "input"), Layer("y", 3, "dense")]
    with pytest.raises(InvalidParameterError, match=r"has shape \(2, 3\), expected .* = \(3, 2\)"):
        LayeredGraph(layers, [Junction("x", "y", np.ones((2, 3)), np.ones((2, 3)), op="Gemm")])


def test_graph_rejects_backward_junction():
    layers = [Layer("x", 2, "input"), Layer("y", 2, "dense")]
    with pytest.raises(InvalidParameterError, match="goes backwards"):
        LayeredGraph(layers, [Junction("y", "x", np.ones((2, 2)), np.ones((2, 2)), op="Gemm")])
    with pytest.raises(InvalidParameterError, match="goes backwards"):  # a self-loop junction too
        LayeredGraph(layers, [Junction("y", "y", np.ones((2, 2)), np.ones((2, 2)), op="Gemm")])


def test_graph_rejects_unknown_layers_in_junctions_and_outputs():
    layers = [Layer("x", 2, "input"), Layer("y", 2, "dense")]
    with pytest.raises(LayerNotFoundError, match="no layer named 'z'"):
        LayeredGraph(layers, [Junction("x", "z", np.ones((2, 2)), np.ones((2, 2)), op="Gemm")])
    with pytest.raises(LayerNotFoundError, match="no layer named 'out'"):
        LayeredGraph(layers, [], outputs=["out"])


def test_errors_derive_from_netgraph_error():
    with pytest.raises(NetgraphError):
        small_graph().layer("nope")
    with pytest.raises(KeyError):  # LayerNotFoundError is a KeyError too
        small_graph().layer("nope")


# ---------------------------------------------------------------------- lookup
def test_lookup_and_counts():
    g = small_graph()
    assert g.layer_names == ["x", "h", "y"]
    assert g.layer("h").spatial_shape == (4, 4)
    assert g.layer_index("y") == 2
    assert [j.node for j in g.junctions_into("h")] == ["conv1"]
    assert [j.node for j in g.junctions_from("h")] == ["fc"]
    assert g.junctions_into("x") == []
    assert g.offsets == {"x": 0, "h": 2, "y": 5}
    assert g.number_of_nodes() == 7
    assert g.number_of_edges() == 8
    assert g.number_of_connections() == 16
    assert g.outputs == ("y",) and g.metadata == {"producer": "hand"}


def test_layer_not_found_message_lists_layers():
    with pytest.raises(LayerNotFoundError) as info:
        small_graph().layer("conv9")
    assert str(info.value) == "no layer named 'conv9'; the graph has layers 'x', 'h', 'y'"


def test_summary_lists_layers_junctions_and_cuts():
    lines = small_graph().summary().splitlines()
    assert lines[0] == "LayeredGraph: 3 layers, 7 nodes, 2 junctions, 8 edges, 16 connections"
    assert lines[1].split() == ["layer", "kind", "size", "spatial"]
    assert lines[2].split() == ["x", "input", "2", "-"]
    assert lines[3].split() == ["h", "conv", "3", "4x4"]
    assert lines[4].split() == ["y", "dense", "2", "-"]
    assert lines[5].split() == ["source", "target", "op", "node", "kind", "edges", "connections", "density"]
    # x->h: 4 edges of 6 pairs, 12 connections; h->y: 4 edges of 6 pairs, 4 connections
    assert lines[6].split() == ["x", "h", "Conv", "conv1", "learnable", "4", "12", "0.6667"]
    assert lines[7].split() == ["h", "y", "Gemm", "fc", "learnable", "4", "4", "0.6667"]
    assert lines[8] == "cuts: Foo node 'foo0'"


# ---------------------------------------------------------------------- edge numbering and igraph
def test_edge_arrays_number_vertices_layer_by_layer():
    edges, count, weight, junction = small_graph().edge_arrays()
    # x = 0..1, h = 2..4, y = 5..6; junction by junction, target-major then source
    assert edges.tolist() == [[0, 2], [1, 2], [1, 3], [0, 4], [2, 5], [4, 5], [2, 6], [3, 6]]
    assert count.tolist() == [1, 2, 3, 6, 1, 1, 1, 1]
    assert weight.tolist() == [0.5, -1.0, 2.0, 0.25, 1.5, -2.0, 3.0, -0.5]
    assert junction.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert edges.dtype == count.dtype == junction.dtype == np.int64 and weight.dtype == np.float64


def test_edge_arrays_of_graph_without_junctions():
    edges, count, weight, junction = LayeredGraph([Layer("x", 3, "input")], []).edge_arrays()
    assert edges.shape == (0, 2) and count.size == weight.size == junction.size == 0


def test_igraph_view_matches_edge_numbering():
    g = small_graph()
    ig_graph = g.igraph
    assert ig_graph.is_directed()
    assert ig_graph.vcount() == 7 and ig_graph.ecount() == 8
    assert ig_graph.vs["layer"] == ["x", "x", "h", "h", "h", "y", "y"]
    assert ig_graph.vs["unit"] == [0, 1, 0, 1, 2, 0, 1]
    assert ig_graph.get_edgelist() == [(0, 2), (1, 2), (1, 3), (0, 4), (2, 5), (4, 5), (2, 6), (3, 6)]
    assert ig_graph.es["count"] == [1, 2, 3, 6, 1, 1, 1, 1]
    assert ig_graph.es["junction"] == [0, 0, 0, 0, 1, 1, 1, 1]
    # weighted in-strength of h's first node: counts 1 (from x0) + 2 (from x1)
    assert ig_graph.strength(2, mode="in", weights="count") == 3
    assert g.igraph is ig_graph  # cached


def assert_same_graph(a: LayeredGraph, b: LayeredGraph):
    assert a.layers == b.layers
    assert a.outputs == b.outputs and a.metadata == b.metadata and a.cuts == b.cuts
    assert len(a.junctions) == len(b.junctions)
    for ja, jb in zip(a.junctions, b.junctions):
        assert (ja.source, ja.target, ja.op, ja.node, ja.kind) == (jb.source, jb.target, jb.op, jb.node, jb.kind)
        for name in ("count", "weight"):
            x, y = getattr(ja, name), getattr(jb, name)
            assert x.shape == y.shape
            assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
            assert np.array_equal(x.data, y.data) and x.data.dtype == y.data.dtype


def test_from_igraph_round_trip():
    g = small_graph()
    assert_same_graph(g, LayeredGraph.from_igraph(g.igraph))


def test_from_igraph_round_trip_with_skip_and_empty_junction():
    layers = [Layer("x", 2, "input"), Layer("a", 2, "dense"), Layer("m", 2, "merge"), Layer("z", 1, "dense")]
    junctions = [
        Junction("x", "a", [[1, 1], [0, 1]], [[0.1, 0.2], [0.0, 0.3]], op="Gemm"),
        Junction("x", "m", np.eye(2), np.eye(2), op="Add", node="add", kind="skip"),
        Junction("a", "m", np.eye(2), np.eye(2), op="Add", node="add", kind="skip"),
        Junction("m", "z", np.zeros((1, 2)), np.zeros((1, 2)), op="Gemm"),  # fully pruned
    ]
    g = LayeredGraph(layers, junctions, outputs=["z"])
    h = LayeredGraph.from_igraph(g.igraph)
    assert_same_graph(g, h)
    assert [j.kind for j in h.junctions] == ["learnable", "skip", "skip", "learnable"]


def test_from_igraph_accepts_graphml_floats():
    # GraphML stores numeric attributes as doubles: count 2.0, junction 0.0
    import igraph as ig

    src = small_graph().igraph
    g = src.copy()
    g.es["count"] = [float(c) for c in src.es["count"]]
    g.es["junction"] = [float(k) for k in src.es["junction"]]
    assert_same_graph(small_graph(), LayeredGraph.from_igraph(g))
    assert isinstance(g, ig.Graph)


def test_from_igraph_rejects_foreign_graphs():
    import igraph as ig

    with pytest.raises(GraphFormatError, match="no netgraph layer table"):
        LayeredGraph.from_igraph(ig.Graph.Ring(4, directed=True))
    bad = small_graph().igraph.copy()
    bad.add_vertices(1)
    with pytest.raises(GraphFormatError, match="8 vertices but its layer table 7 nodes"):
        LayeredGraph.from_igraph(bad)
    frac = small_graph().igraph.copy()
    frac.es["count"] = [1.5] * frac.ecount()
    with pytest.raises(GraphFormatError, match="non-integer"):
        LayeredGraph.from_igraph(frac)


def test_to_dict_holds_the_tables_the_igraph_view_stores():
    g = small_graph()
    d = g.to_dict()
    assert list(d) == ["layers", "junctions", "outputs", "metadata", "cuts"]
    assert d["junctions"] == [
        {"source": "x", "target": "h", "op": "Conv", "node": "conv1", "kind": "learnable"},
        {"source": "h", "target": "y", "op": "Gemm", "node": "fc", "kind": "learnable"},
    ]
    assert d["layers"][1] == {"name": "h", "size": 3, "kind": "conv", "spatial_shape": [4, 4], "tensor": "h_out",
                              "op": "Conv", "node": "conv1"}
    assert (d["outputs"], d["metadata"]) == (["y"], {"producer": "hand"})
    ig_graph = g.igraph
    for part, value in d.items():
        assert json.loads(ig_graph[f"netgraph_{part}"]) == value


def test_junction_from_dict_reads_to_dict():
    j = small_graph().junctions[0]
    assert j.to_dict(stats=False) == {"source": "x", "target": "h", "op": "Conv", "node": "conv1", "kind": "learnable"}
    assert j.to_dict() == {**j.to_dict(stats=False), "edges": 4, "connections": 12, "density": 4 / 6}
    k = Junction.from_dict(j.to_dict(), j.count, j.weight)
    assert k.to_dict() == j.to_dict()
    assert Junction.from_dict({"source": "a", "target": "b", "op": "Add"}, [[1]], [[1.0]]).kind == "learnable"


def test_convert_functions_are_the_methods():
    g = small_graph()
    assert to_igraph(g).get_edgelist() == g.igraph.get_edgelist()
    assert_same_graph(from_igraph(g.igraph), LayeredGraph.from_igraph(g.igraph))
    assert sorted(to_networkx(g).edges(data=True)) == sorted(g.to_networkx().edges(data=True))


def test_as_layered_graph():
    g = small_graph()
    assert as_layered_graph(g) is g
    assert_same_graph(as_layered_graph(g.igraph), g)
    with pytest.raises(InvalidParameterError,
                       match=r"^network must be a LayeredGraph or an igraph.Graph made by LayeredGraph.igraph; got list$"):
        as_layered_graph([], "network")
    import igraph as ig

    with pytest.raises(GraphFormatError, match="no netgraph layer table"):
        as_layered_graph(ig.Graph(3))


# ---------------------------------------------------------------------- networkx
def test_to_networkx():
    G = small_graph().to_networkx()
    assert G.is_directed()
    assert G.number_of_nodes() == 7 and G.number_of_edges() == 8
    assert G.nodes[3] == {"layer": "h", "unit": 1}
    assert G.edges[1, 3] == {"count": 3, "weight": 2.0, "junction": 0}
    assert G.edges[4, 5] == {"count": 1, "weight": -2.0, "junction": 1}
    # node h2 (vertex 4): in from x0 with count 6, out to y0 with count 1
    assert G.in_degree(4, weight="count") == 6 and G.out_degree(4, weight="count") == 1
    assert [d["name"] for d in G.graph["layers"]] == ["x", "h", "y"]
    assert G.graph["outputs"] == ["y"]


def test_to_networkx_merges_parallel_junctions():
    layers = [Layer("x", 1, "input"), Layer("y", 1, "dense")]
    junctions = [Junction("x", "y", [[2]], [[0.5]], op="Conv"), Junction("x", "y", [[3]], [[0.25]], op="Conv")]
    G = LayeredGraph(layers, junctions).to_networkx()
    assert G.edges[0, 1] == {"count": 5, "weight": 0.75, "junction": 0}


# ---------------------------------------------------------------------- pickling
def test_pickle_drops_igraph_cache_and_rebuilds_it():
    g = small_graph()
    _ = g.igraph
    h = pickle.loads(pickle.dumps(g))
    assert "igraph" not in h.__dict__
    assert_same_graph(g, h)
    assert h.igraph.get_edgelist() == g.igraph.get_edgelist()


def test_fractional_counts_and_bad_sizes_are_rejected():
    with pytest.raises(InvalidParameterError, match="integers"):
        Junction("a", "b", [[1.7]], [[1.0]], op="Gemm")
    with pytest.raises(InvalidParameterError, match="size"):
        Layer("a", None, "dense")


def test_from_igraph_without_edge_attributes():
    g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
                     [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")]).igraph.copy()
    del g.es["count"]
    with pytest.raises(GraphFormatError, match="count"):
        LayeredGraph.from_igraph(g)


def test_junction_leaves_the_callers_sparse_arrays_alone():
    c = sp.csr_array((np.array([0, 2, 1]), np.array([1, 0, 1]), np.array([0, 2, 3])), shape=(2, 2))
    w = sp.csr_array((np.array([0.0, 1.0, 2.0]), np.array([1, 0, 1]), np.array([0, 2, 3])), shape=(2, 2))
    before = (c.data.copy(), c.indices.copy(), c.indptr.copy())
    j = Junction("a", "b", c, w, op="Gemm")
    assert j.edges == 2 and j.count.toarray().tolist() == [[2, 0], [0, 1]]
    for x, y in zip(before, (c.data, c.indices, c.indptr)):
        np.testing.assert_array_equal(x, y)


def test_from_igraph_with_a_tampered_junction_table():
    g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
                     [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")]).igraph.copy()
    g["netgraph_junctions"] = json.dumps([{"source": "x", "target": "nope", "op": "Gemm"}])
    with pytest.raises(GraphFormatError, match="malformed"):
        LayeredGraph.from_igraph(g)


# ---------------------------------------------------------------------- strict fields (issue 9: what a graph file may hold)
@pytest.mark.parametrize("kwargs, match", [
    ({"spatial_shape": "88"}, r"^spatial shape of layer 'c' must be a sequence of integers; got '88'$"),
    ({"spatial_shape": 8}, r"^spatial shape of layer 'c' must be a sequence of integers; got 8$"),
    ({"spatial_shape": (8, -1)}, r"^spatial shape of layer 'c' must be an integer >= 0; got -1$"),
    ({"spatial_shape": (8, 2.5)}, r"^spatial shape of layer 'c' must be an integer >= 0; got 2.5$"),
    ({"spatial_shape": (True,)}, r"^spatial shape of layer 'c' must be an integer >= 0; got True$"),
    ({"tensor": 5}, r"^tensor of layer 'c' must be a string; got 5$"),
    ({"op": None}, r"^op of layer 'c' must be a string; got None$"),
])
def test_layer_rejects_bad_spatial_shapes_and_names(kwargs, match):
    # a spatial shape "88" was read as (8, 8)
    with pytest.raises(InvalidParameterError, match=match):
        Layer("c", 4, "conv", **kwargs)


def test_layer_from_dict_refuses_missing_and_unknown_fields():
    with pytest.raises(InvalidParameterError, match=r"^layer must have the field\(s\) 'name', 'size', 'kind'; 'kind' "
                                                    r"missing$"):
        Layer.from_dict({"name": "x", "size": 2})
    with pytest.raises(InvalidParameterError, match=r"^layer must be a mapping of fields; got list$"):
        Layer.from_dict(["x", 2, "input"])
    with pytest.raises(InvalidParameterError, match=r"size of layer 'x' must be an integer >= 0; got True"):
        Layer.from_dict({"name": "x", "size": True, "kind": "input"})  # JSON true is not 1


def test_junction_from_dict_refuses_unknown_fields_and_non_string_names():
    with pytest.raises(InvalidParameterError, match=r"^junction must be a mapping with no fields but .*; got 'weight'$"):
        Junction.from_dict({"source": "a", "target": "b", "op": "Add", "weight": 1}, [[1]], [[1.0]])
    with pytest.raises(InvalidParameterError, match=r"^target of junction must be a string; got 5$"):
        Junction.from_dict({"source": "a", "target": 5, "op": "Add"}, [[1]], [[1.0]])


def test_graph_refuses_a_string_of_outputs():
    # tuple("y1") would be the outputs 'y' and '1'
    layers = [Layer("y", 1, "input"), Layer("y1", 1, "dense")]
    with pytest.raises(InvalidParameterError, match=r"^outputs must be a sequence of layer names; got 'y1'$"):
        LayeredGraph(layers, [], outputs="y1")


# ---------------------------------------------------------------------- from_igraph accounts for every edge
@pytest.mark.parametrize("junction, shown", [
    ([0, 0, 0, 0, 1, 1, 1, None], "no junction (a missing value)"),
    ([0, 0, 0, 0, 1, 1, 1, 1.5], "junction 1.5"),
    ([0, 0, 0, 0, 1, 1, 1, -1], "junction -1"),
    ([0, 0, 0, 0, 1, 1, 1, 2], "junction 2"),
])
def test_from_igraph_refuses_an_edge_without_a_junction(junction, shown):
    # such edges were dropped (and 1.5 read as 1)
    g = small_graph().igraph.copy()
    g.es["junction"] = junction
    with pytest.raises(GraphFormatError, match=rf"^igraph graph: edge 7 \(vertex 3 -> 6\) has {re.escape(shown)}, "
                                               r"which is not an index of the junction table \(0\.\.1\)$"):
        LayeredGraph.from_igraph(g)


def test_from_igraph_refuses_non_numeric_attributes():
    g = small_graph().igraph.copy()
    g.es["count"] = ["1"] * g.ecount()
    with pytest.raises(GraphFormatError, match=r"edge attribute 'count' holds <U1 values \(edge 0: '1'\); it must hold "
                                               r"numbers"):
        LayeredGraph.from_igraph(g)
    g.es["count"] = [1, 2, None, "3", 1, 1, 1, 1]  # mixed: an object array
    with pytest.raises(GraphFormatError, match=r"edge 3 has count '3'; it must be a number"):
        LayeredGraph.from_igraph(g)


def test_from_igraph_refuses_zero_counts_and_nan_weights():
    g = small_graph().igraph.copy()
    g.es["count"] = [1, 2, 3, 6, 1, 1, 1, 0]  # the edge would be dropped with its weight
    with pytest.raises(GraphFormatError, match=r"the count of edge 7 \(vertex 3 -> 6\) = 0.0 is below 1"):
        LayeredGraph.from_igraph(g)
    g = small_graph().igraph.copy()
    g.es["weight"] = [0.5, -1.0, 2.0, float("nan"), 1.5, -2.0, 3.0, -0.5]
    with pytest.raises(GraphFormatError, match=r"the weight of edge 3 \(vertex 0 -> 4\) = nan: weights must be finite"):
        LayeredGraph.from_igraph(g)


def test_from_igraph_refuses_an_edge_leaving_its_layers():
    g = small_graph().igraph.copy()
    g.add_edge(0, 5, count=1, weight=1.0, junction=1)  # x0 -> y0 tagged as junction h -> y
    with pytest.raises(GraphFormatError, match=r"edge 8 \(vertex 0 -> 5\) of junction 1 \(h -> y\) leaves its layers"):
        LayeredGraph.from_igraph(g)


def test_from_igraph_refuses_undirected_graphs_and_vertices_out_of_order():
    with pytest.raises(GraphFormatError, match="is undirected"):
        LayeredGraph.from_igraph(small_graph().igraph.as_undirected())
    g = small_graph().igraph.copy()
    g.vs["unit"] = [0, 1, 0, 2, 1, 0, 1]
    with pytest.raises(GraphFormatError, match=r"vertex 3 has unit 2 but the layer table makes it unit 1"):
        LayeredGraph.from_igraph(g)


def test_from_igraph_names_the_file_it_reads():
    g = small_graph().igraph.copy()
    g["netgraph_layers"] = "[" * 100_000 + "]" * 100_000
    with pytest.raises(GraphFormatError, match=r"^'g.graphml' has a malformed netgraph layer or junction table: graph "
                                               r"attribute 'netgraph_layers' nests JSON too deeply"):
        from_igraph(g, where="'g.graphml'")


def test_from_igraph_with_layer_sizes_past_int64():
    # the sizes were summed in int64 (OverflowError)
    g = small_graph().igraph.copy()
    layers = json.loads(g["netgraph_layers"])
    layers[0]["size"] = 2**63
    g["netgraph_layers"] = json.dumps(layers)
    with pytest.raises(GraphFormatError, match=rf"graph has 7 vertices but its layer table {2**63 + 5} nodes"):
        LayeredGraph.from_igraph(g)
