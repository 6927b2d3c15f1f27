"""Tests of netgraph.paths: path counts against networkx and igraph, and the exact cases of issue 10."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from netgraph import Junction, Layer, LayeredGraph
from netgraph.exceptions import InvalidParameterError, LayerNotFoundError, NetgraphError, PathOverflowError
from netgraph.paths import effective_sparsity, equivalent_fans, number_of_paths, path_counts, path_norm


def fixed_fan_matrix(n_left, n_right, fan_out, rng):
    """A binary (n_right, n_left) pattern in which every left node has ``fan_out`` and every right node the same fan-in.

    Stub ``a * fan_out + t`` of left node ``a`` goes to right node ``(a * fan_out + t) mod n_right``:
    the stubs of one left node are consecutive, hence distinct modulo ``n_right``, and every right
    node gets ``n_left * fan_out / n_right`` of them; then both sides are permuted at random.
    """
    assert (n_left * fan_out) % n_right == 0 and fan_out <= n_right
    stubs = np.arange(n_left * fan_out)
    left, right = stubs // fan_out, stubs % n_right
    left, right = rng.permutation(n_left)[left], rng.permutation(n_right)[right]
    m = sp.csr_array((np.ones(stubs.size, dtype=np.int64), (right, left)), shape=(n_right, n_left))
    assert m.max() == 1
    return m


def fixed_fan_network(sizes, fan_outs, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Layer(f"l{i}", n, "input" if i == 0 else "dense") for i, n in enumerate(sizes)]
    junctions = []
    for i, fo in enumerate(fan_outs):
        m = fixed_fan_matrix(sizes[i], sizes[i + 1], fo, rng)
        junctions.append(Junction(f"l{i}", f"l{i + 1}", m, m.astype(np.float64), op="Gemm"))
    return LayeredGraph(layers, junctions, outputs=[f"l{len(sizes) - 1}"])


def dey_8_4_4():
    """The (8, 4, 4) network of issue 10 with fo = (1, 2), built by hand."""
    a1 = np.zeros((4, 8), dtype=np.int64)
    for h, inputs in enumerate([(0, 1), (4, 5), (2, 6), (3, 7)]):
        a1[h, list(inputs)] = 1
    a2 = np.zeros((4, 4), dtype=np.int64)
    for o, hidden in enumerate([(0, 2), (1, 3), (0, 3), (1, 2)]):
        a2[o, list(hidden)] = 1
    layers = [Layer("x", 8, "input"), Layer("h", 4, "dense"), Layer("y", 4, "dense")]
    return LayeredGraph(layers, [Junction("x", "h", a1, a1 * 1.0, op="Gemm"),
                                 Junction("h", "y", a2, a2 * 1.0, op="Gemm")], outputs=["y"])


def random_graph(seed):
    """A small seeded graph with a merge layer (two skip junctions) and a junction that jumps a layer."""
    rng = np.random.default_rng(seed)

    def junction(src, dst, n_src, n_dst, density=0.6):
        count = rng.integers(1, 4, size=(n_dst, n_src)) * (rng.random((n_dst, n_src)) < density)
        weight = rng.normal(size=(n_dst, n_src)) * (count > 0)
        return Junction(src, dst, count, weight, op="Gemm")

    eye = np.eye(3, dtype=np.int64)
    layers = [Layer("x", 4, "input"), Layer("a", 3, "dense"), Layer("b", 3, "dense"), Layer("m", 3, "merge"),
              Layer("y", 2, "dense")]
    junctions = [junction("x", "a", 4, 3), junction("a", "b", 3, 3),
                 Junction("a", "m", eye, eye * 1.0, op="Add", kind="skip"),
                 Junction("b", "m", 2 * eye, 2.0 * eye, op="Add", kind="skip"),
                 junction("m", "y", 3, 2), junction("x", "y", 4, 2, density=0.4)]
    return LayeredGraph(layers, junctions, outputs=["y"])


def networkx_counts(g, source, target, weight, include_skip=True):
    """Sum over the simple paths of the networkx graph of the product of the edge values."""
    G = g.to_networkx()
    kinds = [j.kind for j in g.junctions]
    if not include_skip:
        G.remove_edges_from([(u, v) for u, v, k in G.edges(data="junction") if kinds[k] == "skip"])
    value = {"binary": lambda e: 1, "count": lambda e: e["count"], "weight": lambda e: abs(e["weight"])}[weight]
    off = g.offsets
    out = np.zeros((g.layer(target).size, g.layer(source).size))
    for k in range(g.layer(source).size):
        for j in range(g.layer(target).size):
            for path in nx.all_simple_paths(G, off[source] + k, off[target] + j):
                out[j, k] += math.prod(value(G.edges[u, v]) for u, v in zip(path, path[1:]))
            if source == target and j == k:
                out[j, k] = 1
    return out


def igraph_counts(g, source, target):
    G, off = g.igraph, g.offsets
    out = np.zeros((g.layer(target).size, g.layer(source).size), dtype=np.int64)
    for k in range(g.layer(source).size):
        for path in G.get_all_simple_paths(off[source] + k, to=range(off[target], off[target] + g.layer(target).size)):
            out[path[-1] - off[target], k] += 1
    if source == target:
        out += np.eye(out.shape[0], dtype=np.int64)  # the path of length 0
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("pair", [("x", "y"), ("x", "m"), ("a", "y"), ("b", "b"), ("x", "a")])
def test_agrees_with_networkx_and_igraph(seed, pair):
    g = random_graph(seed)
    source, target = pair
    binary = path_counts(g, source, target)
    assert binary.dtype == np.int64 and binary.shape == (g.layer(target).size, g.layer(source).size)
    np.testing.assert_array_equal(binary.toarray(), networkx_counts(g, source, target, "binary"))
    np.testing.assert_array_equal(binary.toarray(), igraph_counts(g, source, target))
    np.testing.assert_array_equal(path_counts(g, source, target, weight="count").toarray(),
                                  networkx_counts(g, source, target, "count"))
    np.testing.assert_allclose(path_counts(g, source, target, weight="abs", mode="float").toarray(),
                               networkx_counts(g, source, target, "weight"), rtol=1e-12)
    np.testing.assert_array_equal(path_counts(g, source, target, include_skip=False).toarray(),
                                  networkx_counts(g, source, target, "binary", include_skip=False))


@pytest.mark.parametrize("seed", range(3))
def test_modes_agree(seed):
    g = random_graph(seed)
    exact = path_counts(g, "x", "y", weight="count")
    as_float = path_counts(g, "x", "y", weight="count", mode="float")
    logs = path_counts(g, "x", "y", weight="count", mode="log")
    assert as_float.dtype == np.float64
    np.testing.assert_array_equal(exact.toarray(), as_float.toarray())
    # log mode: the stored entries are the pairs with a path, their values the logs
    np.testing.assert_array_equal((logs.toarray() != 0) | _stored(logs), exact.toarray() > 0)
    np.testing.assert_allclose(np.exp(logs.toarray())[exact.toarray() > 0], exact.toarray()[exact.toarray() > 0],
                               rtol=1e-12)
    fan_in, fan_out = equivalent_fans(g, "x", "y", weight="count")
    log_in, log_out = equivalent_fans(g, "x", "y", weight="count", mode="log")
    np.testing.assert_allclose(np.exp(log_in), fan_in, rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_out), fan_out, rtol=1e-12)
    assert number_of_paths(g, weight="count") == exact.sum()
    assert math.isclose(math.exp(number_of_paths(g, weight="count", mode="log")), exact.sum(), rel_tol=1e-12)


def _stored(m):
    mask = np.zeros(m.shape, dtype=bool)
    coo = m.tocoo()
    mask[coo.row, coo.col] = True
    return mask


def test_dey_8_4_4():
    g = dey_8_4_4()
    assert number_of_paths(g) == 16
    fan_in, fan_out = equivalent_fans(g, "x", "y")
    np.testing.assert_array_equal(fan_in, [4, 4, 4, 4])
    np.testing.assert_array_equal(fan_out, [2] * 8)
    assert path_counts(g, "x", "y").sum() == 16


def test_fixed_fans_4096_512_16():
    g = fixed_fan_network((4096, 512, 16), (1, 8))
    assert number_of_paths(g) == 32_768 == 4096 * 1 * 8
    fan_in, fan_out = equivalent_fans(g, "l0", "l2")
    assert set(fan_in.tolist()) == {8 * 256} and set(fan_out.tolist()) == {8}


def test_morse_network():
    g = fixed_fan_network((64, 1024, 64), (128, 8), seed=3)
    a = path_counts(g, "l0", "l2")
    assert a.shape == (64, 64)
    np.testing.assert_array_equal(a.sum(axis=1), np.full(64, 1024))
    np.testing.assert_array_equal(a.sum(axis=0), np.full(64, 1024))
    fan_in, fan_out = equivalent_fans(g, "l0", "l2")
    assert set(fan_in.tolist()) == set(fan_out.tolist()) == {1024}


def chain(width, depth):
    """``depth`` complete junctions between layers of ``width`` nodes: ``width**(depth-1)`` paths per pair."""
    layers = [Layer(f"l{i}", width, "input" if i == 0 else "dense") for i in range(depth + 1)]
    ones = np.ones((width, width))
    return LayeredGraph(layers, [Junction(f"l{i}", f"l{i + 1}", ones, ones, op="Gemm") for i in range(depth)])


def test_exact_mode_up_to_the_int64_limit():
    g = chain(2, 63)  # every count 2**62
    m = path_counts(g, "l0", "l63")
    assert m.dtype == np.int64 and (m.toarray() == 2**62).all()
    with pytest.raises(PathOverflowError, match=r"equivalent|sum of the path counts.*mode='float' or mode='log'"):
        equivalent_fans(g, "l0", "l63")  # the row sums are 2**63
    with pytest.raises(PathOverflowError):
        number_of_paths(g)  # 2**63 paths into each output node
    assert number_of_paths(chain(2, 62)) == 2**63  # 2**62 per output node; the total is a Python int


def test_overflow_in_exact_mode_names_the_other_modes():
    g = chain(2, 64)  # every count 2**63
    with pytest.raises(PathOverflowError, match=r"layer 'l64'.*2\*\*63.*mode='float' or mode='log'") as info:
        path_counts(g, "l0", "l64")
    assert isinstance(info.value, NetgraphError) and "\n" not in str(info.value)
    assert (path_counts(g, "l0", "l64", mode="float").toarray() == 2.0**63).all()
    np.testing.assert_allclose(path_counts(g, "l0", "l64", mode="log").toarray(), 63 * math.log(2), rtol=1e-14)
    deep = chain(64, 12)  # 64**11 = 2**66 paths per pair
    with pytest.raises(PathOverflowError):
        path_counts(deep, "l0", "l12")
    with pytest.raises(PathOverflowError):
        number_of_paths(deep)
    assert number_of_paths(deep, mode="float") == 64.0**13
    assert math.isclose(number_of_paths(deep, mode="log"), 13 * math.log(64), rel_tol=1e-14)


def test_float_overflow_names_log_mode():
    g = chain(2, 1100)  # 2**1099 paths per pair: past float64
    with pytest.raises(PathOverflowError, match="mode='log'"):
        path_counts(g, "l0", "l1100", mode="float")
    logs = path_counts(g, "l0", "l1100", mode="log")
    np.testing.assert_allclose(logs.toarray(), 1099 * math.log(2), rtol=1e-12)
    log_in, log_out = equivalent_fans(g, "l0", "l1100", mode="log")
    np.testing.assert_allclose(log_in, 1100 * math.log(2), rtol=1e-12)


def test_identity_unreachable_and_igraph_input():
    g = random_graph(1)
    np.testing.assert_array_equal(path_counts(g, "a", "a").toarray(), np.eye(3, dtype=np.int64))
    back = path_counts(g, "y", "x")
    assert back.shape == (4, 2) and back.nnz == 0
    lonely = LayeredGraph([Layer("x", 2, "input"), Layer("z", 3, "input")], [])
    assert path_counts(lonely, "x", "z").nnz == 0 and path_counts(lonely, "x", "z", mode="log").shape == (3, 2)
    np.testing.assert_array_equal(path_counts(g.igraph, "x", "y").toarray(), path_counts(g, "x", "y").toarray())
    assert number_of_paths(lonely) == 0 and number_of_paths(lonely, mode="log") == -math.inf


def test_bad_arguments():
    g = dey_8_4_4()
    with pytest.raises(LayerNotFoundError, match="no layer named 'q'"):
        path_counts(g, "q", "y")
    with pytest.raises(LayerNotFoundError, match="no layer named 'q'"):
        number_of_paths(g, targets=["q"])
    with pytest.raises(InvalidParameterError, match="weight must be one of"):
        path_counts(g, "x", "y", weight="signed")
    with pytest.raises(InvalidParameterError, match="mode must be one of"):
        path_counts(g, "x", "y", mode="big")
    with pytest.raises(InvalidParameterError, match="mode must be 'float' or 'log' when weight is 'abs'.*'exact'"):
        path_counts(g, "x", "y", weight="abs")
    with pytest.raises(InvalidParameterError, match="include_skip"):
        path_counts(g, "x", "y", include_skip="yes")
    with pytest.raises(InvalidParameterError, match="sources must be a layer name"):
        number_of_paths(g, sources=3)
    with pytest.raises(InvalidParameterError, match="graph must be"):
        path_counts({}, "x", "y")


def networkx_graph(g, include_skip=True):
    G = g.to_networkx()
    kinds = [j.kind for j in g.junctions]
    if not include_skip:
        G.remove_edges_from([(u, v) for u, v, k in G.edges(data="junction") if kinds[k] == "skip"])
    return G


def layer_nodes(g, name):
    return range(g.offsets[name], g.offsets[name] + g.layer(name).size)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("include_skip", [True, False])
def test_effective_sparsity_against_networkx(seed, include_skip):
    g = random_graph(seed)
    G = networkx_graph(g, include_skip)
    starts, ends = set(layer_nodes(g, "x")), set(layer_nodes(g, "y"))
    reached = starts.union(*(nx.descendants(G, v) for v in starts))
    leads = ends.union(*(nx.ancestors(G, v) for v in ends))
    result = effective_sparsity(g, include_skip=include_skip)
    vertex = g.igraph.vs
    for name in g.layer_names:
        expected = [vertex[v]["unit"] for v in layer_nodes(g, name) if not (v in reached and v in leads)]
        assert result.inactive_nodes[name].tolist() == expected
    off, effective, connections, edges, pairs = g.offsets, 0, 0, 0, 0
    for j, mask in zip(g.junctions, result.masks):
        coo = j.count.tocoo()
        on = {(r, c) for r, c in zip(*mask.tocoo().coords) if mask[r, c]}
        for r, c, n in zip(coo.row, coo.col, coo.data):
            u, v = off[j.source] + c, off[j.target] + r
            is_on = (j.learnable or include_skip) and u in reached and v in leads
            assert ((r, c) in on) == is_on
            if j.learnable:
                effective += is_on
                connections += n * is_on
        if j.learnable:
            edges, pairs = edges + j.edges, pairs + j.shape[0] * j.shape[1]
    assert (result.effective_edges, result.effective_connections, result.edges, result.pairs) == \
        (effective, connections, edges, pairs)
    assert math.isclose(result.effective_sparsity, 1 - effective / pairs)
    assert result.effective_sparsity >= result.sparsity


def test_effective_sparsity_of_a_dead_branch():
    g = dey_8_4_4()
    result = effective_sparsity(g)
    assert result.effective_edges == result.edges == 16 and result.sparsity == 1 - 16 / 48
    a1 = np.zeros((4, 8), dtype=np.int64)
    a1[0, :2] = a1[1, 2:4] = 1  # hidden nodes 2 and 3 get no input
    a2 = np.zeros((4, 4), dtype=np.int64)
    a2[0, [0, 2]] = a2[1, 3] = 1  # hidden node 1 feeds no output
    junctions = [Junction("x", "h", a1, a1 * 1.0, op="Gemm"), Junction("h", "y", a2, a2 * 1.0, op="Gemm")]
    g = LayeredGraph(g.layers, junctions, outputs=["y"])
    result = effective_sparsity(g)
    assert {k: v.tolist() for k, v in result.inactive_nodes.items()} == {"x": [2, 3, 4, 5, 6, 7], "h": [1, 2, 3],
                                                                         "y": [1, 2, 3]}
    assert (result.edges, result.effective_edges) == (7, 3)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weight", ["abs", "count", "binary"])
def test_path_norm_against_path_enumeration(seed, weight):
    g = random_graph(seed)
    G = networkx_graph(g)
    value = {"binary": lambda e: 1.0, "count": lambda e: float(e["count"]), "abs": lambda e: abs(e["weight"])}[weight]
    total, scores = 0.0, {}
    for u in layer_nodes(g, "x"):
        for path in nx.all_simple_paths(G, u, list(layer_nodes(g, "y"))):
            hops = list(zip(path, path[1:]))
            product = math.prod(value(G.edges[e]) for e in hops)
            total += product
            for e in hops:
                scores[e] = scores.get(e, 0.0) + product
    result = path_norm(g, weight=weight)
    assert math.isclose(result.norm, total, rel_tol=1e-12)
    assert math.isclose(math.exp(path_norm(g, weight=weight, mode="log").norm), total, rel_tol=1e-12)
    off = g.offsets
    for j, share in zip(g.junctions, result.shares):
        coo = j.count.tocoo()
        expected = [scores.get((off[j.source] + c, off[j.target] + r), 0.0) / total for r, c in zip(coo.row, coo.col)]
        np.testing.assert_allclose(share.tocoo().data, expected, rtol=1e-10, atol=1e-15)
    if weight == "binary":
        assert result.norm == number_of_paths(g)


def test_path_norm_of_a_chain_shares_add_up_to_one_and_log_mode_never_overflows():
    g = fixed_fan_network((64, 1024, 64), (128, 8), seed=1)
    result = path_norm(g, weight="binary")
    assert result.norm == 64 * 128 * 8
    for share in result.shares:
        assert math.isclose(share.sum(), 1.0, rel_tol=1e-12)
    deep = chain(2, 1100)
    with pytest.raises(PathOverflowError, match="mode='log'"):
        path_norm(deep)
    logged = path_norm(deep, mode="log")
    assert math.isclose(logged.norm, 1101 * math.log(2), rel_tol=1e-12)
    for share in logged.shares:
        np.testing.assert_allclose(share.data, 0.25, rtol=1e-9)
    with pytest.raises(InvalidParameterError, match="mode must be one of"):
        path_norm(g, mode="exact")


def test_convolutions_are_counted_at_channel_level():
    """Two convolutions read from ONNX: the binary path matrix is the product of the channel patterns."""
    import onnx
    from onnx import helper

    import exporters
    from onnx_builders import init, make_model, vi

    rng = np.random.default_rng(7)
    w1 = rng.normal(size=(4, 3, 3, 3)).astype(np.float32) * (rng.random((4, 3, 1, 1)) < 0.5)
    w2 = rng.normal(size=(2, 4, 3, 3)).astype(np.float32) * (rng.random((2, 4, 1, 1)) < 0.6)
    nodes = [helper.make_node("Conv", ["x", "W1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r"], name="relu"),
             helper.make_node("Conv", ["r", "W2"], ["y"], name="conv2", pads=[1, 1, 1, 1])]
    model = make_model(nodes, [vi("x", [1, 3, 6, 6])], [vi("y", [1, 2, 6, 6])], [init("W1", w1), init("W2", w2)])
    g = exporters.read_onnx(onnx.load_from_string(model.SerializeToString()))
    source, target = g.layer_names[0], g.layer_names[-1]
    b1, b2 = ((np.abs(w).sum(axis=(2, 3)) > 0).astype(np.int64) for w in (w1, w2))
    np.testing.assert_array_equal(path_counts(g, source, target).toarray(), b2 @ b1)
    counts = [j.count.toarray() for j in g.junctions]
    np.testing.assert_array_equal(path_counts(g, source, target, weight="count").toarray(), counts[1] @ counts[0])
    assert number_of_paths(g) == (b2 @ b1).sum()
    shares = path_norm(g, weight="count").shares
    for share in shares:  # every path crosses both junctions
        assert math.isclose(share.sum(), 1.0, rel_tol=1e-12)


def test_a_connection_of_weight_zero_leaves_the_junction_intact():
    """weight="abs" drops a zero |weight| from its copy of the matrix, never from the junction's arrays."""
    g = LayeredGraph([Layer("x", 2, "input"), Layer("h", 2, "dense"), Layer("y", 1, "dense")],
                     [Junction("x", "h", [[1, 1], [0, 1]], [[2.0, 0.0], [0.0, 3.0]], op="Gemm"),
                      Junction("h", "y", [[1, 1]], [[0.5, -1.0]], op="Gemm")], outputs=["y"])
    weight = g.junctions[0].weight.copy()
    for _ in range(2):
        result = path_norm(g)
        assert result.norm == 2 * 0.5 + 3 * 1.0
        np.testing.assert_allclose(result.shares[0].toarray(), [[0.25, 0.0], [0.0, 0.75]])
        np.testing.assert_allclose(result.shares[1].toarray(), [[0.25, 0.75]])
        assert result.shares[0].nnz == 3  # on the junction's pattern, the zero-weight edge included
    np.testing.assert_array_equal(g.junctions[0].weight.indices, weight.indices)
    np.testing.assert_array_equal(g.junctions[0].weight.toarray(), weight.toarray())
    np.testing.assert_array_equal(path_counts(g, "x", "y", weight="abs", mode="float").toarray(), [[1.0, 3.0]])
