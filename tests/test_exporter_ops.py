"""Handlers one by one, on tiny models built with onnx.helper; expected graphs by hand."""

import numpy as np
import pytest
from onnx import TensorProto, helper

from exporters import read_onnx, supported_ops
from onnx_builders import init, make_model, single_op_model, vi

W23 = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 3.0]], dtype=np.float32)  # (2, 3)


# ---------------------------------------------------------------------------- Gemm
@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_gemm_trans_b_and_alpha(trans_b, alpha):
    # y = alpha * x @ B' ; with transB=1, B is (out, in) = W23; otherwise B is (in, out) = W23.T
    b = W23 if trans_b else W23.T
    m = single_op_model("Gemm", [1, 3], b, transB=trans_b, alpha=alpha)
    g = read_onnx(m)
    assert g.layer_names == ["x", "gemm0"]
    assert [g.layer(n).size for n in g.layer_names] == [3, 2]
    (j,) = g.junctions
    assert j.shape == (2, 3)
    np.testing.assert_array_equal(j.count.toarray(), [[1, 0, 1], [0, 0, 1]])
    np.testing.assert_allclose(j.weight.toarray(), alpha * np.array([[1, 0, -2], [0, 0, 3]]))
    assert (j.edges, j.connections, j.op, j.node) == (3, 3, "Gemm", "gemm0")
    assert j.density == pytest.approx(3 / 6)
    assert g.outputs == ("gemm0",)


def test_gemm_with_bias_and_reference_output():
    # The bias does not change the wiring; onnx's reference evaluator agrees on the weights.
    from onnx.reference import ReferenceEvaluator

    m = single_op_model("Gemm", [1, 3], W23, extra_inputs=["C"], extra_inits=[init("C", np.ones(2, np.float32))], transB=1)
    g = read_onnx(m)
    x = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    y = ReferenceEvaluator(m).run(None, {"x": x})[0]
    np.testing.assert_allclose(g.junctions[0].weight.toarray() @ x[0] + 1.0, y[0], rtol=1e-6)


def _transposed_gemm(trans_a, then=None):
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0])]
    src = "xt"
    if then:
        nodes.append(helper.make_node(then, ["xt"], ["xr"], name="after"))
        src = "xr"
    nodes.append(helper.make_node("Gemm", [src, "W"], ["y"], name="fc", transA=trans_a, transB=1))
    return make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], [init("W", W23)])


def test_gemm_trans_a_reads_data_transposed_to_features_by_batch():
    # y = xt' W' with xt = x.T of shape (3, N): the same wiring as Gemm(x, W, transB=1)
    from onnx.reference import ReferenceEvaluator

    m = _transposed_gemm(1)
    x = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(ReferenceEvaluator(m).run(None, {"x": x})[0], x @ W23.T, rtol=1e-6)
    (j,) = read_onnx(m).junctions
    np.testing.assert_array_equal(j.count.toarray(), [[1, 0, 1], [0, 0, 1]])


def test_gemm_trans_a_mismatch_and_other_ops_on_transposed_data_are_unsupported():
    from netgraph import UnsupportedOperatorError

    with pytest.raises(UnsupportedOperatorError, match="transA=1"):
        read_onnx(_transposed_gemm(0))
    with pytest.raises(UnsupportedOperatorError, match="transA=1"):
        read_onnx(single_op_model("Gemm", [3, 1], W23, transA=1, transB=1))
    with pytest.raises(UnsupportedOperatorError, match="Relu node 'after'.*features, batch"):
        read_onnx(_transposed_gemm(1, then="Relu"))


# ---------------------------------------------------------------------------- MatMul
def test_matmul_2d():
    m = single_op_model("MatMul", [1, 3], W23.T)  # (in=3, out=2)
    (j,) = read_onnx(m).junctions
    np.testing.assert_array_equal(j.count.toarray(), [[1, 0, 1], [0, 0, 1]])


def test_matmul_batched_features_on_last_axis():
    # (N, T=4, F=3) @ (3, 2): nodes are the 3 features and the 2 outputs, T is spatial;
    # each weight is shared by the 4 positions, as by a 1x1 convolution over 4 positions.
    m = single_op_model("MatMul", [1, 4, 3], W23.T)
    g = read_onnx(m)
    assert [g.layer(n).size for n in g.layer_names] == [3, 2]
    assert g.layers[1].spatial_shape == (4,)
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), 4 * np.array([[1, 0, 1], [0, 0, 1]]))
    np.testing.assert_allclose(g.junctions[0].weight.toarray(), 4 * W23)


def test_batched_matmul_counts_like_the_equivalent_1x1_conv():
    # (N, C=3, L=4) conv1d with a 1x1 kernel == (N, L=4, F=3) @ W.T
    conv = single_op_model("Conv", [1, 3, 4], W23[:, :, None])
    mm = single_op_model("MatMul", [1, 4, 3], W23.T)
    np.testing.assert_array_equal(read_onnx(conv).junctions[0].count.toarray(), read_onnx(mm).junctions[0].count.toarray())


def test_two_matmuls_batched():
    w2 = np.array([[1.0, 1.0]], dtype=np.float32).T  # (2, 1)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="m1"), helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "W2"], ["y"], name="m2")]
    g = read_onnx(make_model(nodes, [vi("x", [2, 5, 3])], [vi("y", None)], [init("W", W23.T), init("W2", w2)]))
    assert g.layer_names == ["x", "m1", "m2"]
    np.testing.assert_array_equal(g.junctions[1].count.toarray(), [[5, 5]])  # 5 positions share each weight


# ---------------------------------------------------------------------------- Flatten / Reshape
def _conv_flatten_fc(flatten_node, fc_w):
    wconv = np.ones((2, 1, 1, 1), dtype=np.float32)
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"), flatten_node,
             helper.make_node("Gemm", ["f", "Wf"], ["y"], name="fc", transB=1)]
    extra = [init("shape", np.array([1, -1], dtype=np.int64))] if flatten_node.op_type == "Reshape" else []
    return make_model(nodes, [vi("x", [1, 1, 2, 3])], [vi("y", None)], [init("Wc", wconv), init("Wf", fc_w), *extra])


@pytest.mark.parametrize("op", ["Flatten", "Reshape"])
def test_fc_after_flatten_counts_nonzeros_per_channel_block(op):
    # conv output (2 channels, 2x3): feature k belongs to channel k // 6.
    fc_w = np.zeros((3, 12), dtype=np.float32)
    fc_w[0, [0, 1, 7]] = [1, 2, 4]  # unit 0: two weights from channel 0, one from channel 1
    fc_w[1, 6:12] = 1  # unit 1: all six from channel 1
    fc_w[2, 5] = -3  # unit 2: the last feature of channel 0
    node = (helper.make_node("Flatten", ["c"], ["f"], axis=1) if op == "Flatten"
            else helper.make_node("Reshape", ["c", "shape"], ["f"]))
    g = read_onnx(_conv_flatten_fc(node, fc_w))
    j = g.junctions_into("fc")[0]
    assert j.source == "conv"
    np.testing.assert_array_equal(j.count.toarray(), [[2, 1], [0, 6], [1, 0]])
    np.testing.assert_allclose(j.weight.toarray(), [[3, 4], [0, 6], [-3, 0]])


def test_mlp_on_image_input_has_one_input_node_per_pixel():
    w = np.ones((4, 6), dtype=np.float32)
    nodes = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "W"], ["y"], name="fc", transB=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 1, 2, 3])], [vi("y", None)], [init("W", w)]))
    assert g.layer("x").size == 6 and g.layer("x").kind == "input"
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), np.ones((4, 6)))


def test_transpose_then_flatten_follows_channels():
    # (1, C=2, 1, 3) -> NHWC (1, 1, 3, 2) -> flatten: feature k belongs to channel k % 2
    wconv = np.ones((2, 1, 1, 1), dtype=np.float32)
    fc_w = np.zeros((1, 6), dtype=np.float32)
    fc_w[0, [0, 2, 3]] = 1  # channels 0, 0, 1
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"),
             helper.make_node("Transpose", ["c"], ["t"], perm=[0, 2, 3, 1]),
             helper.make_node("Flatten", ["t"], ["f"]),
             helper.make_node("Gemm", ["f", "Wf"], ["y"], name="fc", transB=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 1, 1, 3])], [vi("y", None)], [init("Wc", wconv), init("Wf", fc_w)]))
    np.testing.assert_array_equal(g.junctions_into("fc")[0].count.toarray(), [[2, 1]])


# ---------------------------------------------------------------------------- pass-through
@pytest.mark.parametrize("op, attrs, extra", [
    ("Relu", {}, []), ("Sigmoid", {}, []), ("Dropout", {}, []), ("Identity", {}, []),
    ("Cast", {"to": TensorProto.FLOAT}, []), ("MaxPool", {"kernel_shape": [2, 2]}, []),
    ("AveragePool", {"kernel_shape": [2, 2], "strides": [2, 2]}, []), ("GlobalAveragePool", {}, []),
    ("BatchNormalization", {}, ["s", "b", "mu", "var"]), ("LeakyRelu", {"alpha": 0.1}, []),
    ("Mul", {}, ["k"]), ("Add", {}, ["k"]), ("Div", {}, ["k"]), ("Sub", {}, ["k"]),
])
def test_pass_through_ops_keep_the_channels(op, attrs, extra):
    w1 = np.arange(1, 7, dtype=np.float32).reshape(3, 2, 1, 1)
    w2 = np.ones((2, 3, 1, 1), dtype=np.float32)
    inits = [init("W1", w1), init("W2", w2), init("k", np.float32(2.0)),
             *[init(n, np.ones(3, np.float32)) for n in ("s", "b", "mu", "var")]]
    nodes = [helper.make_node("Conv", ["x", "W1"], ["a"], name="c1"),
             helper.make_node(op, ["a", *extra], ["p"], name="p", **attrs),
             helper.make_node("Conv", ["p", "W2"], ["y"], name="c2")]
    g = read_onnx(make_model(nodes, [vi("x", [1, 2, 4, 4])], [vi("y", None)], inits))
    assert g.layer_names == ["x", "c1", "c2"]
    j = g.junctions_into("c2")[0]
    assert j.source == "c1"
    positions = int(np.prod(g.layer("c2").spatial_shape))
    np.testing.assert_array_equal(j.count.toarray(), np.full((2, 3), positions))


def test_softmax_at_the_output():
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="fc", transB=1), helper.make_node("Softmax", ["h"], ["y"], axis=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], [init("W", W23)]))
    assert g.outputs == ("fc",)


def test_silu_written_as_x_times_sigmoid_x_passes_through():
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="fc", transB=1), helper.make_node("Sigmoid", ["h"], ["s"]),
             helper.make_node("Mul", ["h", "s"], ["z"]), helper.make_node("Gemm", ["z", "W2"], ["y"], name="fc2", transB=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], [init("W", W23), init("W2", np.ones((1, 2), np.float32))]))
    assert g.layer_names == ["x", "fc", "fc2"]


# ---------------------------------------------------------------------------- Add / Sum merges
@pytest.mark.parametrize("op", ["Add", "Sum"])
def test_residual_add_makes_a_merge_layer_with_skip_edges(op):
    w = np.ones((2, 2, 1, 1), dtype=np.float32)
    nodes = [helper.make_node("Conv", ["x", "W"], ["a"], name="c1"),
             helper.make_node("Conv", ["a", "W"], ["b"], name="c2"),
             helper.make_node(op, ["a", "b"], ["s"], name="res"),
             helper.make_node("Conv", ["s", "W"], ["y"], name="c3")]
    g = read_onnx(make_model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", None)], [init("W", w)]))
    assert g.layer("res").kind == "merge" and g.layer("res").size == 2
    skips = [j for j in g.junctions if j.kind == "skip"]
    assert sorted(j.source for j in skips) == ["c1", "c2"]
    for j in skips:
        np.testing.assert_array_equal(j.count.toarray(), 9 * np.eye(2))  # 3x3 positions per channel
        assert j.op == op
    assert g.junctions_into("c3")[0].source == "res"


# ---------------------------------------------------------------------------- Concat / Split / Slice
def test_concat_then_dense_and_split_back():
    # two dense layers concatenated on the feature axis, split again and summed
    nodes = [helper.make_node("Gemm", ["x", "Wa"], ["a"], name="a", transB=1),
             helper.make_node("Gemm", ["x", "Wb"], ["b"], name="b", transB=1),
             helper.make_node("Concat", ["a", "b"], ["ab"], axis=1),
             helper.make_node("Gemm", ["ab", "Wc"], ["y"], name="c", transB=1)]
    wc = np.array([[1, 0, 0, 2, 0]], dtype=np.float32)
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("y", None)],
                             [init("Wa", W23), init("Wb", np.ones((3, 3), np.float32)), init("Wc", wc)]))
    into = {j.source: j.count.toarray().tolist() for j in g.junctions_into("c")}
    assert into == {"a": [[1, 0]], "b": [[0, 1, 0]]}


def test_split_and_slice_follow_the_channels():
    w = np.ones((4, 1, 1, 1), dtype=np.float32)
    w2 = np.ones((1, 2, 1, 1), dtype=np.float32)
    nodes = [helper.make_node("Conv", ["x", "W"], ["a"], name="c1"),
             helper.make_node("Split", ["a", "sp"], ["s0", "s1"], axis=1),
             helper.make_node("Slice", ["s1", "st", "en", "ax"], ["t"]),
             helper.make_node("Conv", ["t", "W2"], ["y"], name="c2")]
    inits = [init("W", w), init("W2", w2), init("sp", np.array([1, 3], np.int64)),
             init("st", np.array([1], np.int64)), init("en", np.array([3], np.int64)), init("ax", np.array([1], np.int64))]
    g = read_onnx(make_model(nodes, [vi("x", [1, 1, 2, 2])], [vi("y", None)], inits))
    # s1 = channels 1..3, t = s1[1:3] = channels 2, 3
    np.testing.assert_array_equal(g.junctions_into("c2")[0].count.toarray(), [[0, 0, 4, 4]])


# ---------------------------------------------------------------------------- constants
def test_weights_from_constant_nodes_and_folded_expressions():
    # W = Transpose(Reshape(Constant)) and a prune mask Mul(weight_orig, mask), as torch.nn.utils.prune exports.
    orig = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    mask = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.float32)
    const = helper.make_node("Constant", [], ["c"], value=helper.make_tensor("v", TensorProto.FLOAT, [6], orig.T.ravel().tolist()))
    nodes = [const,
             helper.make_node("Reshape", ["c", "shp"], ["ct"]),
             helper.make_node("Transpose", ["ct"], ["worig"], perm=[1, 0]),
             helper.make_node("Mul", ["worig", "mask"], ["W"]),
             helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], [init("shp", np.array([3, 2], np.int64)), init("mask", mask)]))
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), mask.astype(int))
    np.testing.assert_allclose(g.junctions[0].weight.toarray(), orig * mask)


def test_constant_of_shape_and_cast_weights():
    nodes = [helper.make_node("ConstantOfShape", ["shp"], ["ones"], value=helper.make_tensor("v", TensorProto.DOUBLE, [1], [0.5])),
             helper.make_node("Cast", ["ones"], ["W"], to=TensorProto.FLOAT),
             helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], [init("shp", np.array([2, 3], np.int64))]))
    np.testing.assert_allclose(g.junctions[0].weight.toarray(), np.full((2, 3), 0.5))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_weight_dtypes(dtype):
    g = read_onnx(single_op_model("Gemm", [1, 3], W23, dtype=dtype, transB=1))
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), [[1, 0, 1], [0, 0, 1]])
    assert g.junctions[0].weight.dtype == np.float64


def test_external_data(tmp_path):
    import onnx

    m = single_op_model("Gemm", [1, 3], W23, transB=1)
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path), save_as_external_data=True, location="w.bin", size_threshold=0)
    assert (tmp_path / "w.bin").exists()
    g = read_onnx(path)
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), [[1, 0, 1], [0, 0, 1]])
    assert g.metadata["source"] == str(path)


def test_shape_arithmetic_flatten_pattern_of_legacy_exports():
    # x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape
    nodes = [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"),
             helper.make_node("Shape", ["c"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["c", "shape"], ["f"]),
             helper.make_node("Gemm", ["f", "Wf"], ["y"], name="fc", transB=1)]
    inits = [init("Wc", np.ones((2, 1, 1, 1), np.float32)), init("Wf", np.ones((1, 8), np.float32)),
             init("zero", np.array(0, np.int64)), init("ax0", np.array([0], np.int64)), init("minus1", np.array([-1], np.int64))]
    g = read_onnx(make_model(nodes, [vi("x", ["N", 1, 2, 2])], [vi("y", None)], inits))
    np.testing.assert_array_equal(g.junctions_into("fc")[0].count.toarray(), [[4, 4]])


def test_supported_ops_lists_the_handlers():
    ops = set(supported_ops())
    assert {"Gemm", "MatMul", "Conv", "ConvTranspose", "Flatten", "Reshape", "Concat", "Add", "Sum",
            "Relu", "BatchNormalization", "MaxPool", "GlobalAveragePool", "Softmax", "LogSoftmax"} <= ops


# ---------------------------------------------------------------------------- layouts and review fixes
def test_slice_with_negative_step_to_the_first_channel_reverses_them():
    # torch.flip(x, [1]) exports as Slice(starts=-1, ends=INT64_MIN, steps=-1) on the channel axis
    w1 = np.ones((3, 1, 1, 1), dtype=np.float32)
    w2 = np.zeros((1, 3, 1, 1), dtype=np.float32)
    w2[0, 0] = 1.0  # reads flipped channel 0 = original channel 2
    nodes = [helper.make_node("Conv", ["x", "W1"], ["a"], name="c1"),
             helper.make_node("Slice", ["a", "st", "en", "ax", "sp"], ["f"]),
             helper.make_node("Conv", ["f", "W2"], ["y"], name="c2")]
    inits = [init("W1", w1), init("W2", w2), init("st", np.array([-1], np.int64)),
             init("en", np.array([np.iinfo(np.int64).min], np.int64)), init("ax", np.array([1], np.int64)),
             init("sp", np.array([-1], np.int64))]
    g = read_onnx(make_model(nodes, [vi("x", [1, 1, 2, 2])], [vi("y", None)], inits))
    np.testing.assert_array_equal(g.junctions_into("c2")[0].count.toarray(), [[0, 0, 4]])


def test_input_read_by_shape_arithmetic_and_reshape_has_one_node_per_pixel():
    # x.view(x.size(0), -1) with a dynamic batch: Shape -> Gather -> Unsqueeze -> Concat -> Reshape
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["f"]),
             helper.make_node("Gemm", ["f", "W"], ["y"], name="fc", transB=1)]
    inits = [init("W", np.ones((2, 6), np.float32)), init("zero", np.array(0, np.int64)),
             init("ax0", np.array([0], np.int64)), init("minus1", np.array([-1], np.int64))]
    g = read_onnx(make_model(nodes, [vi("x", ["N", 1, 2, 3])], [vi("y", None)], inits))
    assert g.layer("x").size == 6


def test_nhwc_input_transposed_for_a_convolution_has_channel_nodes():
    w = np.ones((2, 3, 3, 3), dtype=np.float32)
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 3, 1, 2]),
             helper.make_node("Conv", ["t", "W"], ["y"], name="conv")]
    g = read_onnx(make_model(nodes, [vi("x", [1, 4, 4, 3])], [vi("y", None)], [init("W", w)]))
    assert (g.layer("x").size, g.layer("x").spatial_shape) == (3, (4, 4))
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), np.full((2, 3), 9 * 4))  # 9 taps x 2x2 outputs


@pytest.mark.parametrize("then_conv", [True, False])
def test_flat_input_reshaped_into_images(then_conv):
    # (N, 48) -> (N, 3, 4, 4): channel nodes for a convolution, per-feature nodes otherwise
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["img"])]
    inits = [init("shape", np.array([1, 3, 4, 4], np.int64))]
    if then_conv:
        nodes.append(helper.make_node("Conv", ["img", "W"], ["y"], name="conv"))
        inits.append(init("W", np.ones((2, 3, 1, 1), np.float32)))
    else:
        nodes += [helper.make_node("Flatten", ["img"], ["f"]), helper.make_node("Gemm", ["f", "W"], ["y"], name="fc", transB=1)]
        inits.append(init("W", np.ones((2, 48), np.float32)))
    g = read_onnx(make_model(nodes, [vi("x", [1, 48])], [vi("y", None)], inits))
    assert g.layer("x").size == (3 if then_conv else 48)
    if then_conv:
        np.testing.assert_array_equal(g.junctions[0].count.toarray(), np.full((2, 3), 16))


def test_gemm_whose_bias_is_on_the_path_is_unsupported():
    from netgraph import UnsupportedOperatorError

    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="fc1", transB=1),
             helper.make_node("Gemm", ["h", "W2", "x2"], ["y"], name="fc2", transB=1),
             helper.make_node("Gemm", ["x", "W3"], ["x2"], name="fc0", transB=1)]
    m = make_model([nodes[0], nodes[2], nodes[1]], [vi("x", [1, 3])], [vi("y", None)],
                   [init("W", W23), init("W2", np.ones((2, 2), np.float32)), init("W3", np.ones((2, 3), np.float32))])
    with pytest.raises(UnsupportedOperatorError, match="'fc2'.*C input is on the path"):
        read_onnx(m)


# ---------------------------------------------------------------------------- attributes that became inputs
def _conv4(op_node, next_nodes, opset, inits=(), x_shape=(1, 1, 2, 2)):
    """x -> Conv c1 (4 channels) -> op_node -> next_nodes, with the given opset."""
    nodes = [helper.make_node("Conv", ["x", "W1"], ["a"], name="c1"), op_node, *next_nodes]
    return make_model(nodes, [vi("x", list(x_shape))], [vi("y", None)],
                      [init("W1", np.ones((4, 1, 1, 1), np.float32)), *inits], opset=opset)


def _list_cases():
    """(op, model with the attribute, model with the constant input, expected count into the last layer)."""
    c2 = lambda src, k: helper.make_node("Conv", [src, "W2"], ["y"], name="c2")  # noqa: E731
    w2 = lambda k: init("W2", np.ones((1, k, 1, 1), np.float32))  # noqa: E731
    fc = [helper.make_node("Flatten", ["r"], ["f"]), helper.make_node("Gemm", ["f", "Wf"], ["y"], name="fc", transB=1)]
    wf = init("Wf", np.ones((1, 4), np.float32))
    i64 = lambda name, v: init(name, np.array(v, np.int64))  # noqa: E731
    yield ("Slice",
           _conv4(helper.make_node("Slice", ["a"], ["s"], starts=[1], ends=[3], axes=[1]), [c2("s", 2)], 9, [w2(2)]),
           _conv4(helper.make_node("Slice", ["a", "st", "en", "ax"], ["s"]), [c2("s", 2)], 13,
                  [w2(2), i64("st", [1]), i64("en", [3]), i64("ax", [1])]),
           [[0, 4, 4, 0]])
    yield ("Split",
           _conv4(helper.make_node("Split", ["a"], ["s0", "s"], axis=1, split=[1, 3]), [c2("s", 3)], 11, [w2(3)]),
           _conv4(helper.make_node("Split", ["a", "sizes"], ["s0", "s"], axis=1), [c2("s", 3)], 13,
                  [w2(3), i64("sizes", [1, 3])]),
           [[0, 4, 4, 4]])
    yield ("ReduceMean",
           _conv4(helper.make_node("ReduceMean", ["a"], ["r"], axes=[2, 3]), fc, 17, [wf]),
           _conv4(helper.make_node("ReduceMean", ["a", "axes"], ["r"]), fc, 18, [wf, i64("axes", [2, 3])]),
           [[1, 1, 1, 1]])
    gemm = [helper.make_node("Gemm", ["r", "Wf"], ["y"], name="fc", transB=1)]
    yield ("Squeeze",
           _conv4(helper.make_node("Squeeze", ["a"], ["r"], axes=[2, 3]), gemm, 11, [wf], x_shape=(1, 1, 1, 1)),
           _conv4(helper.make_node("Squeeze", ["a", "axes"], ["r"]), gemm, 13, [wf, i64("axes", [2, 3])],
                  x_shape=(1, 1, 1, 1)),
           [[1, 1, 1, 1]])


@pytest.mark.parametrize("op, old, new, expected", list(_list_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_list_given_as_an_attribute_or_as_a_constant_input_reads_the_same(op, old, new, expected):
    # Slice (opset 10), Split and Squeeze (13), ReduceMean (18) moved the list to an input
    a, b = read_onnx(old), read_onnx(new)
    for g in (a, b):
        np.testing.assert_array_equal(g.junctions[-1].count.toarray(), expected)
    assert [L.size for L in a.layers] == [L.size for L in b.layers]


@pytest.mark.parametrize("opset", [10, 13])
def test_pad_of_the_channel_axis_is_unsupported_whether_pads_is_an_attribute_or_an_input(opset):
    from netgraph import UnsupportedOperatorError

    pads = [0, 1, 0, 0, 0, 0, 0, 0]  # one channel before the others
    if opset < 11:
        pad = helper.make_node("Pad", ["a"], ["p"], name="pad", pads=pads)
        inits = []
    else:
        pad = helper.make_node("Pad", ["a", "pads"], ["p"], name="pad")
        inits = [init("pads", np.array(pads, np.int64))]
    m = _conv4(pad, [helper.make_node("Conv", ["p", "W2"], ["y"], name="c2")], opset,
               [*inits, init("W2", np.ones((1, 5, 1, 1), np.float32))])
    with pytest.raises(UnsupportedOperatorError, match="'pad'.*batch or channel axis"):
        read_onnx(m)
