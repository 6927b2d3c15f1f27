"""read_onnx(flatten="neurons"): a flattened convolutional map becomes a layer of C x H x W neurons.

Every expected value is computed independently of the reader: the skip edges by a loop over
the neurons (C order: neuron c*H*W + h*W + w is element (c, h, w)), the dense junction from
the Gemm weight itself, the channel-level counts as block sums of the weight, the scatter
windows and values by hand or by a direct count over the pattern.
"""

import time

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from exporters import read_onnx
from netgraph._windows import window_indicator
from netgraph.paths import path_counts
from netgraph.scatter import model_shapes, neuron_layers, scatter
from tests.onnx_builders import init, make_model, vi


def conv_flatten_gemm(channels=3, side=6, units=5, density=0.3, seed=0, pads=None, pool=False):
    """Conv(1 -> C, 3x3) on a side x side image -> Relu [-> MaxPool 2x2] -> Flatten -> Gemm (sparse, seeded)."""
    rng = np.random.default_rng(seed)
    out = side - 2 + (2 if pads else 0)
    if pool:
        out //= 2
    n = channels * out * out
    wc = rng.normal(size=(channels, 1, 3, 3)).astype(np.float32)
    wg = (rng.normal(size=(units, n)) * (rng.random((units, n)) < density)).astype(np.float32)
    conv_attrs = {"pads": [1, 1, 1, 1]} if pads else {}
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv", **conv_attrs),
             helper.make_node("Relu", ["c"], ["r"], name="relu")]
    last = "r"
    if pool:
        nodes.append(helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]))
        last = "p"
    nodes += [helper.make_node("Flatten", [last], ["f"], name="flatten"),
              helper.make_node("Gemm", ["f", "Wg"], ["y"], name="fc", transB=1)]
    model = make_model(nodes, [vi("x", [1, 1, side, side])], [vi("y", [1, units])], [init("Wc", wc), init("Wg", wg)])
    return model, wg, (channels, out, out)


def junction(g, source, target):
    (j,) = [j for j in g.junctions if j.source == source and j.target == target]
    return j


def brute_skip(shape):
    """The 0/1 matrix (neurons x channels) putting neuron c*H*W + h*W + w under channel c, by a loop."""
    c_, h_, w_ = shape
    a = np.zeros((c_ * h_ * w_, c_), dtype=np.int64)
    for c in range(c_):
        for h in range(h_):
            for w in range(w_):
                a[c * h_ * w_ + h * w_ + w, c] = 1
    return a


def test_the_neuron_layer_and_its_shape():
    model, _, _ = conv_flatten_gemm()
    g = read_onnx(model, flatten="neurons")
    assert [(lay.name, lay.size, lay.kind) for lay in g.layers] == [
        ("x", 1, "input"), ("conv", 3, "conv"), ("flatten", 48, "merge"), ("fc", 5, "dense")]
    neurons = g.layer("flatten")
    assert neurons.spatial_shape == () and neurons.op == "Flatten" and neurons.tensor == "f"
    assert g.metadata["node_shape:flatten"] == "3x4x4"
    assert model_shapes(g) == {"flatten": (3, 4, 4)} and neuron_layers(g) == ["flatten"]
    assert g.metadata["coverage"] == "2 of 2 learnable operators are junctions"


def test_the_skip_junction_joins_each_neuron_to_its_channel():
    model, _, shape = conv_flatten_gemm()
    j = junction(read_onnx(model, flatten="neurons"), "conv", "flatten")
    assert j.kind == "skip" and j.op == "Flatten" and j.node == "flatten"
    np.testing.assert_array_equal(j.count.toarray(), brute_skip(shape))
    np.testing.assert_array_equal(j.weight.toarray(), brute_skip(shape).astype(np.float64))


def test_the_dense_junction_is_the_weight_column_by_column():
    model, wg, _ = conv_flatten_gemm()
    j = junction(read_onnx(model, flatten="neurons"), "flatten", "fc")
    assert j.learnable and j.count.shape == (5, 48)
    np.testing.assert_array_equal(j.count.toarray(), (wg != 0).astype(np.int64))
    np.testing.assert_array_equal(j.weight.toarray(), wg.astype(np.float64))


def test_the_channel_reading_is_unchanged():
    model, wg, (c, h, w) = conv_flatten_gemm()
    g = read_onnx(model)
    assert [lay.name for lay in g.layers] == ["x", "conv", "fc"] and "node_shape:flatten" not in g.metadata
    blocks = (wg != 0).reshape(5, c, h * w).sum(axis=2)  # a unit's nonzero weights on each channel's positions
    np.testing.assert_array_equal(junction(g, "conv", "fc").count.toarray(), blocks)


def _as_reshape(model, target):
    """The same model with its Flatten written as a Reshape to ``target`` (a constant initializer)."""
    nodes = [helper.make_node("Reshape", [n.input[0], "target"], list(n.output), name=n.name)
             if n.op_type == "Flatten" else n for n in model.graph.node]
    inits = [init(t.name, numpy_helper.to_array(t)) for t in model.graph.initializer]
    return make_model(nodes, [vi("x", [1, 1, 6, 6])], [vi("y", [1, 5])],
                      inits + [init("target", np.asarray(target, dtype=np.int64))])


@pytest.mark.parametrize("target", [[0, -1], [1, -1], [-1, 48]])
def test_a_reshape_to_one_axis_of_features_is_read_as_the_flatten(target):
    # x.view(N, -1): torch's dynamo exporter writes nn.Flatten so
    model, wg, shape = conv_flatten_gemm()
    g = read_onnx(_as_reshape(model, target), flatten="neurons")
    assert [(lay.name, lay.size, lay.kind) for lay in g.layers] == [
        ("x", 1, "input"), ("conv", 3, "conv"), ("flatten", 48, "merge"), ("fc", 5, "dense")]
    assert g.layer("flatten").op == "Reshape" and g.metadata["node_shape:flatten"] == "3x4x4"
    np.testing.assert_array_equal(junction(g, "conv", "flatten").count.toarray(), brute_skip(shape))
    np.testing.assert_array_equal(junction(g, "flatten", "fc").count.toarray(), (wg != 0).astype(np.int64))
    channels = read_onnx(_as_reshape(model, target))  # the channel reading is unchanged
    blocks = (wg != 0).reshape(5, 3, 16).sum(axis=2)
    assert [lay.name for lay in channels.layers] == ["x", "conv", "fc"]
    np.testing.assert_array_equal(junction(channels, "conv", "fc").count.toarray(), blocks)


def test_a_reshape_that_keeps_two_axes_makes_no_neurons():
    # (N, 3, 4, 4) -> (N, 3, 16) -> (N, 3, 4, 4) -> Conv 1x1: two axes per sample, no merge layer
    model, _, _ = conv_flatten_gemm()
    w = np.random.default_rng(3).normal(size=(2, 3, 1, 1)).astype(np.float32)
    w[1, 0] = 0.0
    nodes = [n for n in model.graph.node if n.op_type in ("Conv", "Relu")]
    nodes += [helper.make_node("Reshape", ["r", "t3"], ["f"], name="flatten"),
              helper.make_node("Reshape", ["f", "t4"], ["u"], name="unflatten"),
              helper.make_node("Conv", ["u", "W"], ["y"], name="conv1x1")]
    inits = [init("Wc", numpy_helper.to_array(model.graph.initializer[0])), init("W", w),
             init("t3", np.asarray([0, 3, 16], dtype=np.int64)), init("t4", np.asarray([0, 3, 4, 4], dtype=np.int64))]
    g = read_onnx(make_model(nodes, [vi("x", [1, 1, 6, 6])], [vi("y", None)], inits), flatten="neurons")
    assert [lay.kind for lay in g.layers] == ["input", "conv", "conv"] and not neuron_layers(g)
    np.testing.assert_array_equal(junction(g, "conv", "conv1x1").count.toarray(), (w[:, :, 0, 0] != 0) * 16)  # a 1x1 weight at 4x4 positions


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_count_paths_equal_the_channel_reading_binary_paths_do_not(seed):
    model, wg, (c, h, w) = conv_flatten_gemm(seed=seed)
    neurons, channels = read_onnx(model, flatten="neurons"), read_onnx(model)
    for source in ("x", "conv"):
        np.testing.assert_array_equal(path_counts(neurons, source, "fc", weight="count").toarray(),
                                      path_counts(channels, source, "fc", weight="count").toarray())
    blocks = (wg != 0).reshape(5, c, h * w).sum(axis=2)
    # binary: one path per neuron with a nonzero weight, where the channel reading has one edge per channel
    np.testing.assert_array_equal(path_counts(neurons, "conv", "fc").toarray(), blocks)
    np.testing.assert_array_equal(path_counts(channels, "conv", "fc").toarray(), (blocks > 0).astype(np.int64))
    assert (blocks > 1).any()


def test_abs_paths_sum_the_absolute_weights_of_each_position():
    model, wg, (c, h, w) = conv_flatten_gemm(seed=5)
    blocks = wg.astype(np.float64).reshape(5, c, h * w)
    neurons = path_counts(read_onnx(model, flatten="neurons"), "conv", "fc", weight="abs", mode="float").toarray()
    channels = path_counts(read_onnx(model), "conv", "fc", weight="abs", mode="float").toarray()
    np.testing.assert_allclose(neurons, np.abs(blocks).sum(axis=2), rtol=1e-12)
    np.testing.assert_allclose(channels, np.abs(blocks.sum(axis=2)), rtol=1e-12)


def test_degrees_of_the_dense_layer_are_kept_the_convolutions_upper_ones_become_skip_edges():
    from netgraph import degrees

    model, wg, (c, h, w) = conv_flatten_gemm(seed=1)
    neurons, channels = read_onnx(model, flatten="neurons"), read_onnx(model)
    for direction in ("in", "out", "both"):
        np.testing.assert_array_equal(degrees(neurons, "fc", direction=direction, include_output=True),
                                      degrees(channels, "fc", direction=direction, include_output=True))
    np.testing.assert_array_equal(degrees(channels, "conv", direction="out", include_output=True),
                                  (wg != 0).reshape(5, c, h * w).sum(axis=(0, 2)))
    assert degrees(neurons, "conv", direction="out", include_output=True).tolist() == [0] * c
    assert degrees(neurons, "conv", direction="out", include_skip=True).tolist() == [h * w] * c
    np.testing.assert_array_equal(degrees(neurons, "flatten", direction="out", include_output=True),
                                  (wg != 0).sum(axis=0))


def test_paths_stop_at_the_neurons_without_skip_junctions():
    model, _, _ = conv_flatten_gemm()
    assert path_counts(read_onnx(model, flatten="neurons"), "x", "fc", include_skip=False).nnz == 0


def test_a_pooled_map_gives_the_neurons_of_the_pooled_map():
    model, wg, shape = conv_flatten_gemm(side=10, pool=True)
    g = read_onnx(model, flatten="neurons")
    assert shape == (3, 4, 4) and g.layer("flatten").size == 48 and g.metadata["node_shape:flatten"] == "3x4x4"
    np.testing.assert_array_equal(junction(g, "conv", "flatten").count.toarray(), brute_skip(shape))
    np.testing.assert_array_equal(junction(g, "flatten", "fc").count.toarray(), (wg != 0).astype(np.int64))


def test_a_one_dimensional_map():
    rng = np.random.default_rng(3)
    wc = rng.normal(size=(2, 1, 3)).astype(np.float32)
    wg = rng.normal(size=(4, 16)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"),
             helper.make_node("Flatten", ["c"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wg"], ["y"], name="fc", transB=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 1, 10])], [vi("y", [1, 4])], [init("Wc", wc), init("Wg", wg)]),
                  flatten="neurons")
    assert g.metadata["node_shape:flatten"] == "2x8" and model_shapes(g) == {"flatten": (2, 8)}
    expected = np.zeros((16, 2), dtype=np.int64)
    expected[:8, 0] = expected[8:, 1] = 1
    np.testing.assert_array_equal(junction(g, "conv", "flatten").count.toarray(), expected)


def test_concatenated_maps_give_one_junction_per_source_layer():
    rng = np.random.default_rng(4)
    wa = rng.normal(size=(2, 1, 3, 3)).astype(np.float32)
    wb = rng.normal(size=(3, 1, 3, 3)).astype(np.float32)
    wg = (rng.normal(size=(6, 5 * 16)) * (rng.random((6, 80)) < 0.4)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "Wa"], ["a"], name="conva"),
             helper.make_node("Conv", ["x", "Wb"], ["b"], name="convb"),
             helper.make_node("Concat", ["a", "b"], ["ab"], name="cat", axis=1),
             helper.make_node("Flatten", ["ab"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wg"], ["y"], name="fc", transB=1)]
    model = make_model(nodes, [vi("x", [1, 1, 6, 6])], [vi("y", [1, 6])],
                       [init("Wa", wa), init("Wb", wb), init("Wg", wg)])
    g = read_onnx(model, flatten="neurons")
    assert g.layer("flatten").size == 80 and g.metadata["node_shape:flatten"] == "5x4x4"
    skip = brute_skip((5, 4, 4))  # channels 0-1 are conva's, 2-4 convb's
    np.testing.assert_array_equal(junction(g, "conva", "flatten").count.toarray(), skip[:, :2])
    np.testing.assert_array_equal(junction(g, "convb", "flatten").count.toarray(), skip[:, 2:])
    np.testing.assert_array_equal(junction(g, "flatten", "fc").count.toarray(), (wg != 0).astype(np.int64))
    channels = read_onnx(model)
    for conv in ("conva", "convb"):
        np.testing.assert_array_equal(path_counts(g, conv, "fc", weight="count").toarray(),
                                      path_counts(channels, conv, "fc", weight="count").toarray())


def test_constant_padded_positions_have_no_channel_edge():
    """Conv -> Pad(constant, 1 each side) -> Flatten -> Gemm: the border neurons are padding."""
    rng = np.random.default_rng(6)
    wc = rng.normal(size=(2, 1, 3, 3)).astype(np.float32)
    wg = (rng.normal(size=(3, 2 * 36)) * (rng.random((3, 72)) < 0.5)).astype(np.float32)
    pads = helper.make_tensor("pads", TensorProto.INT64, [8], [0, 0, 1, 1, 0, 0, 1, 1])
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"),
             helper.make_node("Pad", ["c", "pads"], ["p"], name="pad", mode="constant"),
             helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wg"], ["y"], name="fc", transB=1)]
    model = make_model(nodes, [vi("x", [1, 1, 6, 6])], [vi("y", [1, 3])], [init("Wc", wc), init("Wg", wg)], )
    model.graph.initializer.append(pads)
    g = read_onnx(model, flatten="neurons")
    assert g.layer("flatten").size == 72 and g.metadata["node_shape:flatten"] == "2x6x6"
    real = np.zeros((2, 6, 6), dtype=bool)
    real[:, 1:5, 1:5] = True
    expected = brute_skip((2, 6, 6)) * real.reshape(-1, 1)
    np.testing.assert_array_equal(junction(g, "conv", "flatten").count.toarray(), expected)
    # the dense weights on padded positions are still edges, as in the channel reading ...
    np.testing.assert_array_equal(junction(g, "flatten", "fc").count.toarray(), (wg != 0).astype(np.int64))
    # ... but no path reaches them: a unit's paths from a channel are its nonzero weights on real positions
    nz = (wg != 0).reshape(3, 2, 36)
    np.testing.assert_array_equal(path_counts(g, "conv", "fc", weight="count").toarray(),
                                  (nz & real.reshape(1, 2, 36)).sum(axis=2))
    np.testing.assert_array_equal(junction(read_onnx(model), "conv", "fc").count.toarray(), nz.sum(axis=2))


def same_graph(a, b):
    assert [lay.to_dict() for lay in a.layers] == [lay.to_dict() for lay in b.layers]
    assert len(a.junctions) == len(b.junctions)
    for ja, jb in zip(a.junctions, b.junctions):
        assert (ja.source, ja.target, ja.kind) == (jb.source, jb.target, jb.kind)
        np.testing.assert_array_equal(ja.count.toarray(), jb.count.toarray())


def test_maps_without_positions_to_split_are_read_as_channels():
    rng = np.random.default_rng(7)
    w1 = rng.normal(size=(4, 16)).astype(np.float32)
    w2 = rng.normal(size=(2, 4)).astype(np.float32)
    wc = rng.normal(size=(3, 1, 3, 3)).astype(np.float32)
    w3 = rng.normal(size=(2, 3)).astype(np.float32)
    image = make_model([helper.make_node("Flatten", ["x"], ["f"], name="flatten"),
                        helper.make_node("Gemm", ["f", "W1"], ["y"], name="fc", transB=1)],
                       [vi("x", [1, 1, 4, 4])], [vi("y", [1, 4])], [init("W1", w1)])
    dense = make_model([helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
                        helper.make_node("Flatten", ["h"], ["f"], name="flatten"),
                        helper.make_node("Gemm", ["f", "W2"], ["y"], name="fc2", transB=1)],
                       [vi("x", [1, 16])], [vi("y", [1, 2])], [init("W1", w1), init("W2", w2)])
    pooled = make_model([helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"),
                         helper.make_node("GlobalAveragePool", ["c"], ["p"], name="gap"),
                         helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
                         helper.make_node("Gemm", ["f", "W3"], ["y"], name="fc", transB=1)],
                        [vi("x", [1, 1, 6, 6])], [vi("y", [1, 2])], [init("Wc", wc), init("W3", w3)])
    for model in (image, dense, pooled):
        neurons = read_onnx(model, flatten="neurons")
        same_graph(neurons, read_onnx(model))
        assert neuron_layers(neurons) == []


def test_an_input_image_read_through_a_convolution_and_a_flatten_keeps_its_channel_nodes():
    rng = np.random.default_rng(8)
    wc = rng.normal(size=(2, 1, 3, 3)).astype(np.float32)
    wg = rng.normal(size=(2, 36)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"),
             helper.make_node("Flatten", ["x"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wg"], ["y"], name="fc", transB=1)]
    model = make_model(nodes, [vi("x", [1, 1, 6, 6])], [vi("c", None), vi("y", [1, 2])],
                       [init("Wc", wc), init("Wg", wg)])
    same_graph(read_onnx(model, flatten="neurons"), read_onnx(model))


def test_a_bad_flatten_option_names_the_choices():
    import netgraph

    model, _, _ = conv_flatten_gemm()
    with pytest.raises(netgraph.InvalidParameterError, match="flatten must be one of 'channels', 'neurons'"):
        read_onnx(model, flatten="pixels")


# ---------------------------------------------------------------- scatter on the neurons
def hand_model():
    """Conv(1 -> 2, 3x3, pads 1) on a 4x4 image, its (2, 4, 4) map of 32 neurons, a Gemm of 16 units.

    Quadrant q of the map (rows 2*(q // 2) and the next, columns 2*(q % 2) and the next, both
    channels) lists its 8 neurons in C order, so its first four are channel 0's. Spread unit
    s_j takes the j-th neuron of every quadrant; local unit l_qr takes the neurons 4r..4r+3 of
    quadrant q. Fan-in 4, fan-out 2 everywhere. Unit order: l00 l01 l10 l11 s0 s1 s2 s3 | s4
    s5 s6 s7 l20 l21 l30 l31.
    """
    quad = [[c * 16 + h * 4 + w for c in (0, 1) for h in (2 * (q // 2), 2 * (q // 2) + 1)
             for w in (2 * (q % 2), 2 * (q % 2) + 1)] for q in range(4)]
    spread = [[quad[q][j] for q in range(4)] for j in range(8)]
    local = {(q, r): quad[q][4 * r:4 * r + 4] for q in range(4) for r in (0, 1)}
    units = [local[0, 0], local[0, 1], local[1, 0], local[1, 1], *spread[:4],
             *spread[4:], local[2, 0], local[2, 1], local[3, 0], local[3, 1]]
    wg = np.zeros((16, 32), dtype=np.float32)
    for j, neurons in enumerate(units):
        wg[j, neurons] = 0.5 + j
    wc = np.full((2, 1, 3, 3), 0.25, dtype=np.float32)
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Flatten", ["c"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wg"], ["y"], name="fc", transB=1)]
    return make_model(nodes, [vi("x", [1, 1, 4, 4])], [vi("y", [1, 16])], [init("Wc", wc), init("Wg", wg)]), quad


def test_scatter_cuts_the_neurons_into_cuboids_by_hand():
    model, quad = hand_model()
    result = scatter(read_onnx(model, flatten="neurons"))
    assert result.layers == ("flatten", "fc") and result.labels == ["S_1f", "S_1b"]
    f, b = result.entries
    assert (f.windows, f.window_size, f.grid, f.rule) == (4, 8, (1, 2, 2), "fixed fan")
    # the four cuboids: both channels x one 2 x 2 quadrant, neuron c*16 + h*4 + w
    cuboids = [{0, 1, 4, 5, 16, 17, 20, 21}, {2, 3, 6, 7, 18, 19, 22, 23},
               {8, 9, 12, 13, 24, 25, 28, 29}, {10, 11, 14, 15, 26, 27, 30, 31}]
    assert [set(q) for q in quad] == cuboids
    members = window_indicator((2, 4, 4), f.grid).toarray()
    assert [set(np.flatnonzero(members[:, k]).tolist()) for k in range(4)] == cuboids
    # spread units reach 4 of the 4 cuboids, local units 1: (8 * 4 + 8 * 1) / (16 * 4)
    assert f.value == pytest.approx(40 / 64)
    # each neuron feeds a spread and a local unit; half of them both in one of the two unit windows
    assert (b.windows, b.grid, b.rule) == (2, (2,), "fixed fan") and b.value == pytest.approx(0.75)
    # blocks of 8 consecutive neurons (channel, half of the rows) instead: spread units reach 2, local 1
    flat = scatter(read_onnx(model, flatten="neurons"), shapes={"flatten": (32,)})
    assert flat.entries[0].grid == (4,) and flat.entries[0].value == pytest.approx(24 / 64)


def test_the_default_chain_starts_at_the_neurons_a_named_one_may_not():
    model, _, _ = conv_flatten_gemm()
    g = read_onnx(model, flatten="neurons")
    assert scatter(g).layers == ("flatten", "fc")
    named = scatter(g, layers=["conv", "flatten", "fc"])
    assert named.labels == ["S_1f", "S_1b", "S_2f", "S_2b", "S_f", "S_b"]
    assert scatter(read_onnx(model)).layers == ("x", "conv", "fc")


def fixed_fan_out(rng, n_in, n_out):
    """A 0/1 (n_out, n_in) pattern: every left neuron to one right neuron, every right neuron n_in / n_out left."""
    targets = rng.permutation(np.repeat(np.arange(n_out), n_in // n_out))
    a = np.zeros((n_out, n_in), dtype=np.float32)
    a[targets, np.arange(n_in)] = 1.0
    return a


def test_dey_conv_2cls_cuboids_over_4096_neurons():
    """CIFAR10 conv + 2CLs (Dey et al., Table 1): a (256, 4, 4) map, CLs (4096, 512, 16), fan-outs (1, 1)."""
    rng = np.random.default_rng(11)
    wc = rng.normal(size=(256, 3, 3, 3)).astype(np.float32)
    w1 = fixed_fan_out(rng, 4096, 512) * rng.uniform(0.5, 1.5, size=(512, 4096)).astype(np.float32)
    w2 = fixed_fan_out(rng, 512, 16)
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["hr"], name="relu1"),
             helper.make_node("Gemm", ["hr", "W2"], ["y"], name="fc2", transB=1)]
    model = make_model(nodes, [vi("x", [1, 3, 4, 4])], [vi("y", [1, 16])],
                       [init("Wc", wc), init("W1", w1), init("W2", w2)])
    g = read_onnx(model, flatten="neurons")
    assert g.layer("flatten").size == 4096 and model_shapes(g)["flatten"] == (256, 4, 4)
    start = time.perf_counter()
    result = scatter(g)
    elapsed = time.perf_counter() - start
    assert result.layers == ("flatten", "fc1", "fc2")
    by_label = {e.label: e for e in result.entries}
    # fan-in 8: eight cuboids of 32 channels x 4 x 4 (the most equal sides), not 1-D blocks
    assert (by_label["S_1f"].windows, by_label["S_1f"].grid, by_label["S_1f"].rule) == (8, (8, 1, 1), "fixed fan")
    assert (by_label["S_2f"].windows, by_label["S_2f"].grid) == (32, (32,))
    # the chain's fan-in 8 * 32 = 256: cuboids of 2 channels x 2 rows x 4 columns (sides 2, 2, 4)
    assert (by_label["S_f"].windows, by_label["S_f"].grid, by_label["S_f"].ideal) == (256, (128, 2, 1), 1.0)
    # S_1f directly: unit j's neurons n are in cuboid (n // 16) // 32
    hits = [len({int(n) // 16 // 32 for n in np.flatnonzero(w1[j])}) for j in range(512)]
    assert by_label["S_1f"].value == pytest.approx(np.mean(hits) / 8)
    # S_f directly: one path from each neuron (fan-outs 1), ideal 1; output o reaches cuboid (c // 2, h // 2) of
    # each neuron (c, h, w) it hears from
    paths = (w2 != 0).astype(np.int64) @ (w1 != 0).astype(np.int64)
    assert set(paths.sum(axis=1).tolist()) == {256} and paths.max() == 1
    reach = [len({(int(n) // 16 // 2, int(n) % 16 // 4 // 2) for n in np.flatnonzero(paths[o])}) for o in range(16)]
    assert by_label["S_f"].value == pytest.approx(np.mean(reach) / 256)
    assert elapsed < 1.0, f"scatter over 4096 neurons took {elapsed:.3f} s"


# ---------------------------------------------------------------- models exported from torch
def torch_cnn_export(dynamo):
    """Hou & Kwok's MNIST CNN (32C5-MP2-32C5-MP2-256FC-10), 70% of its weights zeroed (seeded), exported."""
    pytest.importorskip("torch")
    from tests.test_exporter_torch import export, mnist_cnn, prune_, torch

    net = prune_(mnist_cnn(), 0.7, 0)
    return net, export(net, torch.randn(1, 1, 28, 28), dynamo=dynamo)


def check_torch_cnn(net, data):
    g, channels = read_onnx(data, flatten="neurons"), read_onnx(data)
    (name,) = neuron_layers(g)
    assert g.layer(name).size == 512 and model_shapes(g)[name] == (32, 4, 4)
    fc1 = [j for j in g.junctions if j.source == name]
    assert len(fc1) == 1
    w = net[7].weight.detach().numpy()  # nn.Linear(512, 256): (out, in), the flattened (32, 4, 4) map in C order
    np.testing.assert_array_equal(fc1[0].count.toarray(), (w != 0).astype(np.int64))
    first, last = g.layer_names[0], g.layer_names[-1]
    np.testing.assert_array_equal(path_counts(g, first, last, weight="count").toarray(),
                                  path_counts(channels, first, last, weight="count").toarray())


def test_a_torch_cnn_exported_with_flatten():
    check_torch_cnn(*torch_cnn_export(dynamo=False))


def test_a_torch_cnn_exported_by_dynamo_flattens_with_a_reshape():
    # torch's dynamo exporter writes nn.Flatten as Reshape(N, -1): read as the Flatten is
    check_torch_cnn(*torch_cnn_export(dynamo=True))
