"""Quantised models: a weight equal to its zero point is absent, weight = the dequantised value.

Hand-made QOperator nodes are compared with the float model of the dequantised weights;
models quantised by onnxruntime.quantization.quantize_static (QDQ and QOperator formats)
from a pruned float model must have the connections of the float model.
"""

import numpy as np
import pytest
from onnx import TensorProto, helper

from exporters import read_onnx
from tests.onnx_builders import init, make_model, vi


def _q_weight(rng, shape, zp):
    """int8 weights with about half of them equal to their zero point ``zp`` (per output channel)."""
    q = rng.integers(-100, 100, size=shape).astype(np.int8)
    zp = np.asarray(zp, dtype=np.int8).reshape([-1] + [1] * (len(shape) - 1))
    mask = rng.random(shape) < 0.5
    q[mask] = np.broadcast_to(zp, shape)[mask]
    return q


def _scalar(name, value, dtype):
    return init(name, np.array(value, dtype=dtype))


def _junction_pairs(g, layer):
    (j,) = g.junctions_into(layer)
    return j


def test_qlinearconv_per_channel_against_the_float_conv():
    rng = np.random.default_rng(0)
    zp = np.array([0, 3, -2], dtype=np.int8)
    scale = np.array([0.1, 0.2, 0.05], dtype=np.float32)
    q = _q_weight(rng, (3, 2, 3, 3), zp)
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("QLinearConv", ["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["yq"], name="qconv",
                              pads=[1, 1, 1, 1]),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])]
    inits = [_scalar("xs", 0.1, np.float32), _scalar("xz", 0, np.uint8), init("w", q), init("ws", scale),
             init("wz", zp), _scalar("ys", 0.2, np.float32), _scalar("yz", 0, np.uint8)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 2, 5, 5])], [vi("y", None)], inits))
    j = _junction_pairs(g, "qconv")
    assert j.op == "QLinearConv" and g.layer("qconv").op == "QLinearConv"
    # the float model: Conv with the dequantised weight
    w = (q.astype(np.float64) - zp.reshape(3, 1, 1, 1)) * scale.reshape(3, 1, 1, 1)
    f = read_onnx(make_model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])],
                             [vi("x", [1, 2, 5, 5])], [vi("y", None)], [init("w", w.astype(np.float32))]))
    fj = _junction_pairs(f, "conv")
    np.testing.assert_array_equal(j.count.toarray(), fj.count.toarray())
    np.testing.assert_allclose(j.weight.toarray(), fj.weight.toarray(), rtol=1e-6)
    # by hand: a pair (out c, in i) has a connection iff some tap of q[c, i] differs from zp[c]
    present = (q != zp.reshape(3, 1, 1, 1)).any(axis=(2, 3))
    np.testing.assert_array_equal(j.count.toarray() > 0, present)


@pytest.mark.parametrize("op", ["QLinearMatMul", "MatMulInteger"])
def test_quantized_matmul_per_column(op):
    rng = np.random.default_rng(1)
    zp = np.array([0, 5, -3, 1], dtype=np.int8)
    scale = np.array([0.5, 0.25, 1.0, 2.0], dtype=np.float32)
    q = rng.integers(-50, 50, size=(3, 4)).astype(np.int8)
    q[rng.random((3, 4)) < 0.5] = 0
    q = np.where(rng.random((3, 4)) < 0.3, np.broadcast_to(zp, (3, 4)), q).astype(np.int8)
    if op == "QLinearMatMul":
        node = helper.make_node(op, ["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["yq"], name="mm")
        inits = [init("ws", scale), _scalar("ys", 0.1, np.float32), _scalar("yz", 0, np.int8)]
        expected = (q.astype(np.float64) - zp) * scale
    else:
        node = helper.make_node(op, ["xq", "w", "xz", "wz"], ["yq"], name="mm")
        inits = []
        expected = q.astype(np.float64) - zp  # no scale: integer units
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]), node]
    inits += [_scalar("xs", 0.1, np.float32), _scalar("xz", 0, np.int8), init("w", q), init("wz", zp)]
    out_type = TensorProto.INT8 if op == "QLinearMatMul" else TensorProto.INT32
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("yq", None, out_type)], inits))
    j = _junction_pairs(g, "mm")
    assert j.op == op
    np.testing.assert_array_equal(j.count.toarray(), (expected.T != 0).astype(int))
    np.testing.assert_allclose(j.weight.toarray(), expected.T, rtol=1e-6)


def test_qdq_weight_is_folded_and_activations_pass_through():
    rng = np.random.default_rng(2)
    q = rng.integers(-100, 100, size=(4, 3)).astype(np.int8)
    q[rng.random((4, 3)) < 0.5] = 0
    scale = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"], axis=0),
             helper.make_node("Gemm", ["xd", "wd"], ["y"], name="fc", transB=1)]
    inits = [_scalar("xs", 0.1, np.float32), _scalar("xz", 0, np.uint8), init("w", q), init("ws", scale),
             init("wz", np.zeros(4, np.int8))]
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], inits))
    j = _junction_pairs(g, "fc")
    expected = q.astype(np.float64) * scale[:, None]
    np.testing.assert_array_equal(j.count.toarray(), (q != 0).astype(int))
    np.testing.assert_allclose(j.weight.toarray(), expected, rtol=1e-6)
    assert [L.name for L in g.layers] == ["x", "fc"]


def _float_model(seed=0, head="MatMul"):
    """Conv(1->4, 3x3) Relu Conv(4->3, 3x3) Relu Flatten MatMul or Gemm(->5), half of each weight zero, |w| >= 0.5."""
    rng = np.random.default_rng(seed)

    def pruned(shape):
        w = rng.uniform(0.5, 1.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        w[rng.random(shape) < 0.5] = 0.0
        return w.astype(np.float32)

    w1, w2, w3 = pruned((4, 1, 3, 3)), pruned((3, 4, 3, 3)), pruned((3 * 4 * 4, 5))
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1"),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2"),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("Flatten", ["r2"], ["f"]),
             helper.make_node("MatMul", ["f", "w3"], ["y"], name="fc") if head == "MatMul" else
             helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], name="fc")]
    inits = [init("w1", w1), init("b1", np.full(4, 0.1, np.float32)), init("w2", w2),
             init("b2", np.full(3, 0.1, np.float32)), init("w3", w3), init("b3", np.zeros(5, np.float32))]
    return make_model(nodes, [vi("x", [1, 1, 8, 8])], [vi("y", [1, 5])], inits, opset=17)


@pytest.mark.parametrize("fmt", ["QDQ", "QOperator"])
@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("head", ["MatMul", "Gemm"])
def test_onnxruntime_quantize_static_keeps_the_float_connections(tmp_path, fmt, per_channel, head):
    quantization = pytest.importorskip("onnxruntime.quantization")
    import onnx

    float_model = _float_model(head=head)
    src, dst = tmp_path / "float.onnx", tmp_path / f"q_{fmt}.onnx"
    onnx.save(float_model, src)

    class Reader(quantization.CalibrationDataReader):
        def __init__(self):
            rng = np.random.default_rng(3)
            self.batches = iter([{"x": rng.normal(size=(1, 1, 8, 8)).astype(np.float32)} for _ in range(4)])

        def get_next(self):
            return next(self.batches, None)

    quantization.quantize_static(str(src), str(dst), Reader(), quant_format=getattr(quantization.QuantFormat, fmt),
                                 per_channel=per_channel, weight_type=quantization.QuantType.QInt8,
                                 activation_type=quantization.QuantType.QUInt8)
    q_model = onnx.load(dst)
    ops = {n.op_type for n in q_model.graph.node}
    assert ("QLinearConv" in ops) == (fmt == "QOperator") and ("DequantizeLinear" in ops)
    if fmt == "QOperator":
        assert ("QGemm" if head == "Gemm" else "QLinearMatMul") in ops
    f, g = read_onnx(float_model), read_onnx(q_model)
    assert not g.cuts
    learn = lambda graph: [j for j in graph.junctions if j.learnable]  # noqa: E731
    assert len(learn(g)) == len(learn(f)) == 3
    for a, b in zip(learn(f), learn(g)):
        np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())  # the same connections
        # the weights: the float ones up to the 8-bit rounding (a scale of at most 1/127 a step)
        np.testing.assert_allclose(b.weight.toarray(), a.weight.toarray(), atol=0.01 * max(1, a.count.max()))
