"""Tests of node degrees: by hand on a tiny residual network, then through igraph and networkx."""

import itertools

import numpy as np
import pytest

from netgraph import (
    InvalidParameterError,
    Junction,
    Layer,
    LayeredGraph,
    LayerNotFoundError,
    degrees,
    layer_degrees,
)


def residual_graph():
    """x(2) -> a(3) -> b(3); m = a + b (skip edges); m -> y(2), the output.

    count x->a = [[1, 2], [0, 3], [6, 0]]      rows [3, 3, 6], cols [7, 5]
    count a->b = [[1, 1, 0], [0, 2, 0], [0, 0, 5]]  rows [2, 2, 5], cols [1, 3, 5]
    skip  a->m = identity, skip b->m = identity
    count m->y = [[1, 0, 1], [1, 1, 0]]        rows [2, 2], cols [2, 1, 1]
    """
    layers = [
        Layer("x", 2, "input"),
        Layer("a", 3, "conv", (4, 4)),
        Layer("b", 3, "conv", (4, 4)),
        Layer("m", 3, "merge", (4, 4)),
        Layer("y", 2, "dense"),
    ]
    junctions = [
        Junction("x", "a", [[1, 2], [0, 3], [6, 0]], np.ones((3, 2)), op="Conv", node="c1"),
        Junction("a", "b", [[1, 1, 0], [0, 2, 0], [0, 0, 5]], np.ones((3, 3)), op="Conv", node="c2"),
        Junction("a", "m", np.eye(3), np.eye(3), op="Add", node="add", kind="skip"),
        Junction("b", "m", np.eye(3), np.eye(3), op="Add", node="add", kind="skip"),
        Junction("m", "y", [[1, 0, 1], [1, 1, 0]], np.ones((2, 3)), op="Gemm", node="fc"),
    ]
    return LayeredGraph(layers, junctions, outputs=["y"])


# Expected degrees, worked out by hand from the matrices in residual_graph's docstring,
# keyed by (include_output, include_skip) then direction.
EXPECTED = {
    (False, False): {
        "in": {"x": [0, 0], "a": [3, 3, 6], "b": [2, 2, 5], "m": [0, 0, 0], "y": [0, 0]},
        "out": {"x": [7, 5], "a": [1, 3, 5], "b": [0, 0, 0], "m": [0, 0, 0], "y": [0, 0]},
        "both": {"x": [7, 5], "a": [4, 6, 11], "b": [2, 2, 5], "m": [0, 0, 0], "y": [0, 0]},
    },
    (False, True): {
        "in": {"x": [0, 0], "a": [3, 3, 6], "b": [2, 2, 5], "m": [2, 2, 2], "y": [0, 0]},
        "out": {"x": [7, 5], "a": [2, 4, 6], "b": [1, 1, 1], "m": [0, 0, 0], "y": [0, 0]},
        "both": {"x": [7, 5], "a": [5, 7, 12], "b": [3, 3, 6], "m": [2, 2, 2], "y": [0, 0]},
    },
    (True, False): {
        "in": {"x": [0, 0], "a": [3, 3, 6], "b": [2, 2, 5], "m": [0, 0, 0], "y": [2, 2]},
        "out": {"x": [7, 5], "a": [1, 3, 5], "b": [0, 0, 0], "m": [2, 1, 1], "y": [0, 0]},
        "both": {"x": [7, 5], "a": [4, 6, 11], "b": [2, 2, 5], "m": [2, 1, 1], "y": [2, 2]},
    },
    (True, True): {
        "in": {"x": [0, 0], "a": [3, 3, 6], "b": [2, 2, 5], "m": [2, 2, 2], "y": [2, 2]},
        "out": {"x": [7, 5], "a": [2, 4, 6], "b": [1, 1, 1], "m": [2, 1, 1], "y": [0, 0]},
        "both": {"x": [7, 5], "a": [5, 7, 12], "b": [3, 3, 6], "m": [4, 3, 3], "y": [2, 2]},
    },
}
CASES = [(inc_out, inc_skip, d) for (inc_out, inc_skip) in EXPECTED for d in ("in", "out", "both")]


@pytest.mark.parametrize("include_output, include_skip, direction", CASES)
def test_degrees_by_hand(include_output, include_skip, direction):
    g = residual_graph()
    expected = EXPECTED[include_output, include_skip][direction]
    for name, values in expected.items():
        got = degrees(g, name, direction=direction, include_output=include_output, include_skip=include_skip)
        assert got.dtype == np.int64 and got.shape == (g.layer(name).size,)
        assert got.tolist() == values, name


@pytest.mark.parametrize("include_output, include_skip, direction", CASES)
def test_layer_degrees_by_hand(include_output, include_skip, direction):
    got = layer_degrees(residual_graph(), direction=direction, include_output=include_output,
                        include_skip=include_skip)
    expected = EXPECTED[include_output, include_skip][direction]
    assert list(got) == ["x", "a", "b", "m", "y"]  # topological order
    assert {k: v.tolist() for k, v in got.items()} == expected
    assert all(v.dtype == np.int64 for v in got.values())


def test_defaults_are_both_without_output_and_skip():
    g = residual_graph()
    assert degrees(g, "a").tolist() == EXPECTED[False, False]["both"]["a"]
    assert {k: v.tolist() for k, v in layer_degrees(g).items()} == EXPECTED[False, False]["both"]


def test_input_counts_upper_and_last_hidden_lower_connections():
    # a plain MLP 2-3-2-1 whose last layer is the output
    g = LayeredGraph(
        [Layer("in", 2, "input"), Layer("h1", 3, "dense"), Layer("h2", 2, "dense"), Layer("out", 1, "dense")],
        [
            Junction("in", "h1", [[1, 1], [1, 0], [0, 1]], np.ones((3, 2)), op="Gemm"),
            Junction("h1", "h2", [[1, 1, 1], [0, 1, 0]], np.ones((2, 3)), op="Gemm"),
            Junction("h2", "out", [[1, 1]], np.ones((1, 2)), op="Gemm"),
        ],
        outputs=["out"],
    )
    assert degrees(g, "in").tolist() == [2, 2]  # column sums of in->h1 only
    assert degrees(g, "h1").tolist() == [3, 3, 2]  # [2, 1, 1] lower + [1, 2, 1] upper
    assert degrees(g, "h2").tolist() == [3, 1]  # lower only: h2 -> out is left out
    assert degrees(g, "out").tolist() == [0]


def test_convolution_counts_weight_sharing():
    # a 1 -> 2 channel 3x3 convolution on 6x6, no padding: 4x4 output positions; kernel of channel 0
    # has 5 nonzero taps, kernel of channel 1 has 9: counts 5*16 = 80 and 9*16 = 144
    g = LayeredGraph(
        [Layer("img", 1, "input", (6, 6)), Layer("conv", 2, "conv", (4, 4))],
        [Junction("img", "conv", [[80], [144]], [[1.0], [2.0]], op="Conv")],
    )
    assert degrees(g, "img").tolist() == [224]
    assert degrees(g, "conv").tolist() == [80, 144]


def test_empty_layer_and_graph_without_junctions():
    g = LayeredGraph([Layer("x", 0, "input"), Layer("y", 2, "dense")],
                     [Junction("x", "y", np.zeros((2, 0)), np.zeros((2, 0)), op="Gemm")])
    assert degrees(g, "x").shape == (0,)
    assert degrees(g, "y").tolist() == [0, 0]
    assert {k: v.tolist() for k, v in layer_degrees(LayeredGraph([Layer("z", 3, "input")], [])).items()} == {
        "z": [0, 0, 0]
    }


def test_large_counts_are_exact():
    big = 2**53 + 1  # not representable as a float64
    g = LayeredGraph([Layer("x", 1, "input"), Layer("y", 2, "dense")],
                     [Junction("x", "y", np.array([[big], [big]], dtype=np.int64), np.ones((2, 1)), op="Conv")])
    assert int(degrees(g, "x")[0]) == 2 * big
    assert int(layer_degrees(g)["x"][0]) == 2 * big


# ---------------------------------------------------------------------- errors
def test_bad_direction_names_value_and_choices():
    with pytest.raises(InvalidParameterError) as info:
        degrees(residual_graph(), "a", direction="up")
    msg = str(info.value)
    assert "'up'" in msg and "'in'" in msg and "'out'" in msg and "'both'" in msg
    with pytest.raises(InvalidParameterError, match="'all'"):
        layer_degrees(residual_graph(), direction="all")


def test_unknown_layer():
    with pytest.raises(LayerNotFoundError, match="no layer named 'conv9'"):
        degrees(residual_graph(), "conv9")


def test_bad_graph_type():
    with pytest.raises(InvalidParameterError, match="got dict"):
        layer_degrees({})
    import networkx as nx

    with pytest.raises(InvalidParameterError, match="got DiGraph"):
        degrees(nx.DiGraph(), "x")


# ---------------------------------------------------------------------- independent checks
def random_graph(seed):
    """A seeded random layered graph: dense and conv-like counts, a skip junction, an output."""
    rng = np.random.default_rng(seed)
    sizes = [4, 7, 6, 6, 5, 3]
    names = ["in", "c1", "c2", "add", "fc", "out"]
    kinds = ["input", "conv", "conv", "merge", "dense", "dense"]
    layers = [Layer(n, s, k) for n, s, k in zip(names, sizes, kinds)]

    def block(t, s, density, high):
        return (rng.random((t, s)) < density) * rng.integers(1, high, (t, s))

    junctions = [
        Junction("in", "c1", block(7, 4, 0.5, 400), rng.standard_normal((7, 4)), op="Conv"),
        Junction("c1", "c2", block(6, 7, 0.4, 90), rng.standard_normal((6, 7)), op="Conv"),
        Junction("in", "c2", block(6, 4, 0.3, 50), rng.standard_normal((6, 4)), op="Conv"),  # jumps a layer
        Junction("c2", "add", np.eye(6), np.eye(6), op="Add", kind="skip"),
        Junction("c1", "add", block(6, 7, 0.3, 2), np.ones((6, 7)), op="Add", kind="skip"),
        Junction("add", "fc", block(5, 6, 0.6, 2), rng.standard_normal((5, 6)), op="Gemm"),
        Junction("fc", "out", block(3, 5, 0.9, 2), rng.standard_normal((3, 5)), op="Gemm"),
        Junction("c2", "out", block(3, 6, 0.5, 2), rng.standard_normal((3, 6)), op="Gemm"),
    ]
    return LayeredGraph(layers, junctions, outputs=["out"])


def _kept_junctions(g, include_output, include_skip):
    return [
        k for k, j in enumerate(g.junctions)
        if (include_skip or j.kind != "skip") and (include_output or j.target not in g.outputs)
    ]


IGRAPH_MODE = {"in": "in", "out": "out", "both": "all"}
FLAGS = list(itertools.product([False, True], [False, True], ["in", "out", "both"]))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("include_output, include_skip, direction", FLAGS)
def test_degrees_agree_with_igraph_strength(seed, include_output, include_skip, direction):
    g = random_graph(seed)
    ig_graph = g.igraph
    kept = set(_kept_junctions(g, include_output, include_skip))
    sub = ig_graph.subgraph_edges([e.index for e in ig_graph.es if e["junction"] in kept], delete_vertices=False)
    strength = np.asarray(sub.strength(mode=IGRAPH_MODE[direction], weights="count"), dtype=np.int64)
    offsets = g.offsets
    got = layer_degrees(g, direction=direction, include_output=include_output, include_skip=include_skip)
    for layer in g.layers:
        expected = strength[offsets[layer.name]: offsets[layer.name] + layer.size]
        assert got[layer.name].tolist() == expected.tolist(), layer.name
        one = degrees(g, layer.name, direction=direction, include_output=include_output, include_skip=include_skip)
        assert one.tolist() == expected.tolist(), layer.name


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("include_output, include_skip, direction", FLAGS)
def test_degrees_agree_with_networkx(seed, include_output, include_skip, direction):
    g = random_graph(seed)
    G = g.to_networkx()
    kept = set(_kept_junctions(g, include_output, include_skip))
    # no two junctions of random_graph join the same pair of layers, so networkx merges no edges
    G.remove_edges_from([(u, v) for u, v, k in G.edges(data="junction") if k not in kept])
    degree_view = {"in": G.in_degree, "out": G.out_degree, "both": G.degree}[direction]
    got = layer_degrees(g, direction=direction, include_output=include_output, include_skip=include_skip)
    for layer in g.layers:
        nodes = [v for v, name in G.nodes(data="layer") if name == layer.name]
        expected = [degree_view(v, weight="count") for v in sorted(nodes, key=lambda v: G.nodes[v]["unit"])]
        assert got[layer.name].tolist() == expected, layer.name


def test_igraph_input_is_accepted():
    g = random_graph(3)
    from_igraph = layer_degrees(g.igraph, include_skip=True)
    direct = layer_degrees(g, include_skip=True)
    assert {k: v.tolist() for k, v in from_igraph.items()} == {k: v.tolist() for k, v in direct.items()}
    assert degrees(g.igraph, "c1").tolist() == degrees(g, "c1").tolist()


def test_total_degree_is_twice_the_connections_counted():
    # handshake lemma on the counted junctions: sum of "both" degrees = 2 * connections
    g = random_graph(4)
    for include_output, include_skip in itertools.product([False, True], repeat=2):
        kept = _kept_junctions(g, include_output, include_skip)
        total = sum(int(v.sum()) for v in layer_degrees(
            g, include_output=include_output, include_skip=include_skip).values())
        assert total == 2 * sum(g.junctions[k].connections for k in kept)
