"""Explicit Pad before a convolution: padded positions are not real inputs.

A constant Pad followed by a Conv must give exactly the junctions of the same Conv with
``pads``; the reference is the brute-force unfolding of the Pad + Conv model with
onnxruntime (tests/test_conv_counts.py), run on the basis of the real (unpadded) input,
so each nonzero of the unfolded matrix is one real scalar connection.
"""


import numpy as np
import pytest
from onnx import helper

from exporters import read_onnx
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, make_model, torch_export, vi
from test_conv_counts import _unfolded_blocks, _weights


def _pad_conv(x_shape, w, pads, conv_attrs, *, mode="constant", value=None, op="Conv"):
    """Pad(x, pads) then a Conv (or ConvTranspose) with ``conv_attrs``; pads cover every axis."""
    inits = [init("W", w), init("pads", np.asarray(pads, dtype=np.int64))]
    pad_inputs = ["x", "pads"]
    if value is not None:
        inits.append(init("value", np.asarray(value, dtype=np.float32)))
        pad_inputs.append("value")
    nodes = [helper.make_node("Pad", pad_inputs, ["p"], name="pad0", mode=mode),
             helper.make_node(op, ["p", "W"], ["y"], name="c0", **conv_attrs)]
    return make_model(nodes, [vi("x", list(x_shape))], [vi("y", None)], inits)


def _conv(x_shape, w, attrs, op="Conv"):
    return make_model([helper.make_node(op, ["x", "W"], ["y"], name="c0", **attrs)],
                      [vi("x", list(x_shape))], [vi("y", None)], [init("W", w)])


CASES = [
    # x_shape, w_shape, (begin pads of the spatial axes, end pads), conv attrs
    ((1, 2, 6, 6), (3, 2, 3, 3), ([1, 1], [1, 1]), {}),
    ((1, 2, 6, 7), (3, 2, 3, 3), ([1, 2], [2, 1]), {"strides": [2, 2]}),
    ((1, 2, 7, 7), (2, 2, 3, 2), ([2, 0], [1, 3]), {"dilations": [2, 1], "pads": [1, 0, 0, 1]}),
    ((1, 4, 6, 6), (4, 1, 3, 3), ([1, 1], [1, 1]), {"group": 4, "strides": [2, 2]}),  # depthwise
    ((1, 2, 10), (3, 2, 3), ([2], [1]), {"strides": [2]}),  # 1-D
]


def _full_pads(begin, end):
    return [0, 0, *begin, 0, 0, *end]


@pytest.mark.parametrize("x_shape, w_shape, spatial_pads, attrs", CASES)
def test_zero_pad_then_conv_equals_conv_with_pads_and_brute_force(x_shape, w_shape, spatial_pads, attrs):
    begin, end = spatial_pads
    w = _weights(w_shape, seed=len(str(attrs)) + 3)
    padded = _pad_conv(x_shape, w, _full_pads(begin, end), attrs)
    conv_pads = [b + p for b, p in zip(begin + end, attrs.get("pads", [0] * 2 * len(begin)))]
    fused = _conv(x_shape, w, {**attrs, "pads": conv_pads})
    (jp,), (jf,) = read_onnx(padded).junctions, read_onnx(fused).junctions
    np.testing.assert_array_equal(jp.count.toarray(), jf.count.toarray())
    np.testing.assert_allclose(jp.weight.toarray(), jf.weight.toarray())
    ref_count, ref_weight = _unfolded_blocks(padded, x_shape, w_shape[0])
    np.testing.assert_array_equal(jp.count.toarray(), ref_count)
    np.testing.assert_allclose(jp.weight.toarray(), ref_weight, rtol=1e-6, atol=1e-5)


def test_nonzero_constant_pad_is_not_an_input_either():
    w = _weights((3, 2, 3, 3), seed=5)
    g_value = read_onnx(_pad_conv((1, 2, 5, 5), w, _full_pads([1, 1], [1, 1]), {}, value=2.5))
    g_zero = read_onnx(_conv((1, 2, 5, 5), w, {"pads": [1, 1, 1, 1]}))
    np.testing.assert_array_equal(g_value.junctions[0].count.toarray(), g_zero.junctions[0].count.toarray())


@pytest.mark.parametrize("mode", ["reflect", "edge"])
def test_copying_pad_counts_every_position(mode):
    # reflected / repeated positions are copies of real inputs of the same channel: a Conv
    # reading them counts as one on an input of the padded size (by hand: 9 taps x 25 positions)
    w = np.ones((2, 2, 3, 3), dtype=np.float32)
    g = read_onnx(_pad_conv((1, 2, 5, 5), w, _full_pads([1, 1], [1, 1]), {}, mode=mode))
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), np.full((2, 2), 9 * 25))
    ref = read_onnx(_conv((1, 2, 7, 7), w, {}))
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), ref.junctions[0].count.toarray())


def test_negative_pad_crops_like_a_smaller_input():
    w = _weights((2, 2, 3, 3), seed=11)
    g = read_onnx(_pad_conv((1, 2, 7, 7), w, _full_pads([-1, 0], [-1, -2]), {}))
    ref = read_onnx(_conv((1, 2, 5, 5), w, {}))
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), ref.junctions[0].count.toarray())


def test_pad_then_relu_then_conv_keeps_the_padding():
    w = _weights((3, 2, 3, 3), seed=2)
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad0"),
             helper.make_node("Relu", ["p"], ["r"]),
             helper.make_node("Conv", ["r", "W"], ["y"], name="c0")]
    m = make_model(nodes, [vi("x", [1, 2, 5, 5])], [vi("y", None)],
                   [init("W", w), init("pads", np.asarray(_full_pads([1, 1], [1, 1]), dtype=np.int64))])
    ref = read_onnx(_conv((1, 2, 5, 5), w, {"pads": [1, 1, 1, 1]}))
    np.testing.assert_array_equal(read_onnx(m).junctions[0].count.toarray(), ref.junctions[0].count.toarray())


def test_zero_pad_then_conv_transpose_matches_brute_force():
    w = _weights((2, 3, 3, 3), seed=4)
    attrs = {"strides": [2, 2]}
    m = _pad_conv((1, 2, 3, 4), w, _full_pads([1, 0], [0, 2]), attrs, op="ConvTranspose")
    (j,) = read_onnx(m).junctions
    ref_count, ref_weight = _unfolded_blocks(m, (1, 2, 3, 4), 3)
    np.testing.assert_array_equal(j.count.toarray(), ref_count)
    np.testing.assert_allclose(j.weight.toarray(), ref_weight, rtol=1e-6, atol=1e-5)


def test_pad_of_the_channel_axis_is_refused_with_the_reason():
    w = _weights((3, 4, 3, 3), seed=1)
    m = _pad_conv((1, 2, 5, 5), w, [0, 1, 0, 0, 0, 1, 0, 0], {})
    with pytest.raises(UnsupportedOperatorError, match=r"Pad node 'pad0'.*axis 1 adds elements that belong to no node"):
        read_onnx(m)


def test_pad_attribute_form_of_old_opsets():
    w = _weights((3, 2, 3, 3), seed=9)
    nodes = [helper.make_node("Pad", ["x"], ["p"], name="pad0", pads=_full_pads([1, 1], [1, 1])),
             helper.make_node("Conv", ["p", "W"], ["y"], name="c0")]
    m = make_model(nodes, [vi("x", [1, 2, 5, 5])], [vi("y", None)], [init("W", w)], opset=10)
    ref = read_onnx(_conv((1, 2, 5, 5), w, {"pads": [1, 1, 1, 1]}))
    np.testing.assert_array_equal(read_onnx(m).junctions[0].count.toarray(), ref.junctions[0].count.toarray())


def _export(model, x):
    pytest.importorskip("torch")
    return torch_export(model, x)


def test_torch_zero_pad_stem_equals_conv_padding():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, 3, stride=2)
    with torch.no_grad():
        conv.weight[torch.rand(conv.weight.shape) < 0.3] = 0.0
    padded_conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    padded_conv.load_state_dict(conv.state_dict())
    head = nn.Linear(8 * 8 * 8, 10)
    stem = nn.Sequential(nn.ZeroPad2d(1), conv, nn.ReLU(), nn.Flatten(), head)
    plain = nn.Sequential(padded_conv, nn.ReLU(), nn.Flatten(), head)
    x = torch.randn(1, 3, 16, 16)
    g_stem, g_plain = read_onnx(_export(stem, x)), read_onnx(_export(plain, x))
    assert not g_stem.cuts
    assert [(j.op, j.count.shape) for j in g_stem.junctions] == [("Conv", (8, 3)), ("Gemm", (10, 8))]
    for a, b in zip(g_stem.junctions, g_plain.junctions):
        np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())
        np.testing.assert_allclose(a.weight.toarray(), b.weight.toarray())
    # by hand: a 3x3 stride-2 conv on 16x16 padded by 1 has 8x8 outputs; the corner tap (0, 0)
    # reads padding in the first output row and column: 7x7 real reads
    w = conv.weight.detach().numpy()
    j = g_stem.junctions[0]
    assert j.count[0, 0] == sum(int(w[0, 0, a, b] != 0) * (7 if a == 0 else 8) * (7 if b == 0 else 8)
                                for a in range(3) for b in range(3))


def test_pooling_of_padded_data_keeps_the_outputs_that_read_only_padding_as_padding():
    # Pad 2 on each side of 4x4 -> 8x8; MaxPool 2x2 stride 2 -> 4x4 whose border row/column read only padding,
    # so the 3x3 conv after it (pads 0) sees the real 2x2 block in the middle: by brute force
    w = _weights((2, 2, 3, 3), seed=13, zero_frac=0.0)
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad0"),
             helper.make_node("MaxPool", ["p"], ["mp"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["mp", "W"], ["y"], name="c0")]
    m = make_model(nodes, [vi("x", [1, 2, 4, 4])], [vi("y", None)],
                   [init("W", w), init("pads", np.asarray(_full_pads([2, 2], [2, 2]), dtype=np.int64))])
    (j,) = read_onnx(m).junctions
    # by hand: real pooled positions 1..2 on each axis; output 2x2; tap t reads pooled o + t in [1, 3)
    reads = np.array([1, 2, 1])  # taps 0, 1, 2: outputs o in {0, 1} with 1 <= o + t < 3
    expected = np.einsum("jiab,a,b->ji", (w != 0).astype(int), reads, reads)
    np.testing.assert_array_equal(j.count.toarray(), expected)


def test_zero_pad_of_the_token_axis_adds_no_positions_to_a_matmul():
    # (1, 4, 8) padded to 7 tokens: each weight still reads 4 real tokens
    w = _weights((8, 3), seed=3)
    nodes = [helper.make_node("MatMul", ["x", "W0"], ["h"], name="fc0"),
             helper.make_node("Pad", ["h", "pads"], ["p"], name="pad0"),
             helper.make_node("MatMul", ["p", "W"], ["y"], name="fc")]
    m = make_model(nodes, [vi("x", [1, 4, 8])], [vi("y", None)],
                   [init("W0", _weights((8, 8), seed=1)), init("W", w),
                    init("pads", np.asarray([0, 1, 0, 0, 2, 0], dtype=np.int64))])
    j = read_onnx(m).junctions[1]
    np.testing.assert_array_equal(j.count.toarray(), (w.T != 0) * 4)


def test_zero_pad_of_the_feature_axis_is_refused():
    nodes = [helper.make_node("MatMul", ["x", "W0"], ["h"], name="fc0"),
             helper.make_node("Pad", ["h", "pads"], ["p"], name="pad0"),
             helper.make_node("MatMul", ["p", "W"], ["y"], name="fc")]
    m = make_model(nodes, [vi("x", [1, 4, 8])], [vi("y", None)],
                   [init("W0", _weights((8, 8), seed=1)), init("W", _weights((9, 3), seed=3)),
                    init("pads", np.asarray([0, 0, 1, 0, 0, 0], dtype=np.int64))])
    with pytest.raises(UnsupportedOperatorError, match="axis 2 adds elements that belong to no node"):
        read_onnx(m)
