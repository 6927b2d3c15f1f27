"""Conv and ConvTranspose counts against a brute-force unfolding of the operator.

The reference unfolds the convolution into its dense matrix with onnxruntime: the model
is run on every basis input e_(c, p) (bias-free), which gives the column of the linear
map. Each entry of the matrix is one kernel weight (or zero), so the number of nonzero
entries between input channel c and output channel j is the number of scalar
connections, and their sum is the weight sum. Nothing of the exporter's geometry is used.
"""

import numpy as np
import onnxruntime as ort
import pytest

from exporters import read_onnx
from onnx_builders import make_model, init, vi
from onnx import helper


def _model(op, x_shape, w, attrs):
    node = helper.make_node(op, ["x", "W"], ["y"], name="c0", **attrs)
    return make_model([node], [vi("x", list(x_shape))], [vi("y", None)], [init("W", w)])


def _unfolded_blocks(model, x_shape, c_out):
    """Per (output channel, input channel): nonzero count and sum of the unfolded matrix."""
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    c_in = x_shape[1]
    n_in = int(np.prod(x_shape[1:]))
    basis = np.eye(n_in, dtype=np.float32).reshape((n_in,) + tuple(x_shape[1:]))
    outs = []
    for b in basis:  # batch of one: the model's input shape is fixed
        outs.append(sess.run(None, {"x": b[None]})[0][0])
    y = np.stack(outs)  # (n_in, c_out, *spatial_out)
    y = y.reshape(c_in, n_in // c_in, c_out, -1)  # (c_in, pos_in, c_out, pos_out)
    count = np.count_nonzero(y, axis=(1, 3)).T  # (c_out, c_in)
    weight = y.astype(np.float64).sum(axis=(1, 3)).T
    return count, weight


def _weights(shape, seed, zero_frac=0.4):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1, 1], size=shape)
    w[rng.random(shape) < zero_frac] = 0.0
    return w.astype(np.float32)


CONV_CASES = [
    # (x_shape, w_shape, attrs)
    ((1, 2, 6, 6), (3, 2, 3, 3), {}),
    ((1, 2, 6, 7), (3, 2, 3, 3), {"pads": [1, 1, 1, 1]}),
    ((1, 2, 7, 7), (3, 2, 3, 2), {"pads": [2, 0, 1, 1], "strides": [2, 3]}),
    ((1, 2, 9, 8), (2, 2, 3, 3), {"dilations": [2, 3], "pads": [1, 2, 0, 3]}),
    ((1, 4, 6, 6), (6, 2, 3, 3), {"group": 2, "pads": [1, 1, 1, 1]}),
    ((1, 3, 5, 5), (3, 1, 3, 3), {"group": 3, "strides": [2, 2], "pads": [1, 1, 1, 1]}),  # depthwise
    ((1, 3, 5, 5), (6, 1, 3, 3), {"group": 3}),  # depthwise with multiplier 2
    ((1, 2, 7, 6), (2, 2, 3, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 2, 7, 6), (2, 2, 4, 4), {"auto_pad": "SAME_LOWER", "strides": [2, 1]}),
    ((1, 2, 7, 6), (2, 2, 3, 3), {"auto_pad": "VALID", "strides": [2, 2]}),
    ((1, 2, 10), (3, 2, 3), {"pads": [2, 1], "strides": [2], "dilations": [2]}),  # 1-D
]


@pytest.mark.parametrize("x_shape, w_shape, attrs", CONV_CASES)
def test_conv_count_matches_unfolded_matrix(x_shape, w_shape, attrs):
    w = _weights(w_shape, seed=len(str(attrs)))
    model = _model("Conv", x_shape, w, attrs)
    g = read_onnx(model)
    (j,) = g.junctions
    ref_count, ref_weight = _unfolded_blocks(model, x_shape, w_shape[0])
    np.testing.assert_array_equal(j.count.toarray(), ref_count)
    np.testing.assert_allclose(j.weight.toarray(), ref_weight, rtol=1e-6, atol=1e-5)
    assert j.op == "Conv" and j.node == "c0"


CONVT_CASES = [
    ((1, 2, 4, 4), (2, 3, 3, 3), {}),
    ((1, 2, 4, 5), (2, 3, 3, 3), {"strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 4, 4), (2, 3, 3, 3), {"strides": [2, 2], "output_padding": [1, 1], "dilations": [1, 2]}),
    ((1, 4, 3, 3), (4, 1, 3, 3), {"group": 2, "strides": [2, 2]}),
    ((1, 2, 3, 4), (2, 2, 3, 3), {"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 5), (2, 2, 4), {"strides": [3], "pads": [1, 2]}),
]


@pytest.mark.parametrize("x_shape, w_shape, attrs", CONVT_CASES)
def test_conv_transpose_count_matches_unfolded_matrix(x_shape, w_shape, attrs):
    w = _weights(w_shape, seed=7 + len(str(attrs)))
    model = _model("ConvTranspose", x_shape, w, attrs)
    g = read_onnx(model)
    (j,) = g.junctions
    c_out = w_shape[1] * attrs.get("group", 1)
    ref_count, ref_weight = _unfolded_blocks(model, x_shape, c_out)
    np.testing.assert_array_equal(j.count.toarray(), ref_count)
    np.testing.assert_allclose(j.weight.toarray(), ref_weight, rtol=1e-6, atol=1e-5)
    assert g.layer(j.target).kind == "conv_transpose"


def test_unpadded_conv_count_is_taps_times_output_positions():
    # Hou & Kwok, appendix B: nnz(kernel[j, i]) x H_out x W_out without padding.
    w = _weights((4, 3, 5, 5), seed=1, zero_frac=0.5)
    g = read_onnx(_model("Conv", (1, 3, 12, 12), w, {}))
    expected = np.count_nonzero(w.reshape(4, 3, -1), axis=2) * 8 * 8
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), expected)
    assert g.layers[1].spatial_shape == (8, 8)


def test_conv_after_concat_gives_one_junction_per_source_layer():
    # x -> conv a (2 ch), x -> conv b (3 ch); concat -> 1x1 conv c (4 ch)
    wa, wb = _weights((2, 1, 1, 1), 1, 0.0), _weights((3, 1, 1, 1), 2, 0.0)
    wc = _weights((4, 5, 1, 1), 3, 0.5)
    nodes = [
        helper.make_node("Conv", ["x", "Wa"], ["a"], name="a"),
        helper.make_node("Conv", ["x", "Wb"], ["b"], name="b"),
        helper.make_node("Concat", ["a", "b"], ["ab"], name="cat", axis=1),
        helper.make_node("Conv", ["ab", "Wc"], ["y"], name="c"),
    ]
    m = make_model(nodes, [vi("x", [1, 1, 3, 3])], [vi("y", None)], [init("Wa", wa), init("Wb", wb), init("Wc", wc)])
    g = read_onnx(m)
    into_c = {j.source: j for j in g.junctions_into("c")}
    assert set(into_c) == {"a", "b"}
    nz = (wc[:, :, 0, 0] != 0).astype(int) * 9
    np.testing.assert_array_equal(into_c["a"].count.toarray(), nz[:, :2])
    np.testing.assert_array_equal(into_c["b"].count.toarray(), nz[:, 2:])
