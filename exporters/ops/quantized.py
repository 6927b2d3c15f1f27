"""Quantised models: QDQ pairs, QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, QGemm.

**QDQ format.** ``QuantizeLinear`` and ``DequantizeLinear`` on the path (around
activations) are pass-through: a value rounded to 8 bits keeps its node. A
``DequantizeLinear`` of a constant weight is folded to the dequantised weight by
:mod:`exporters._fold` before the Conv, MatMul or Gemm that reads it, whose handler then
reads a float weight as in the float model.

**QOperator format.** A quantised learnable operator reads an integer weight ``q`` with a
scale ``s`` and a zero point ``z`` (per tensor, or per output channel). Its weight is
the dequantised value ``(q - z) * s``; an entry whose quantised value equals its zero
point is exactly 0 and makes no connection, as a pruned float weight does. The
connections are then counted as for the float operator: ``QLinearConv`` and
``ConvInteger`` as a Conv (weight sharing included), ``QLinearMatMul`` and
``MatMulInteger`` as a MatMul, ``QGemm`` (domain ``com.microsoft``) as a Gemm.
``ConvInteger`` and ``MatMulInteger`` have no scale (the model multiplies their integer
output by one afterwards): their weight is ``q - z``, in units of the weight's scale.
The junctions and layers keep the quantised operator's type in ``op``. ONNX reference:
https://onnx.ai/onnx/operators/onnx__QLinearConv.html,
https://onnx.ai/onnx/operators/onnx__QLinearMatMul.html,
https://onnx.ai/onnx/operators/onnx__DequantizeLinear.html
"""

from __future__ import annotations

import dataclasses

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import attrs

__all__ = ["quantize_pass_through", "quantized_conv", "quantized_matmul", "qgemm", "dequantize", "QUANTIZED_OPS"]

#: For each quantised learnable operator: (the float operator it counts as, the positions of
#: its data, weight, weight scale and weight zero point inputs; None where it has none).
QUANTIZED_OPS = {
    "QLinearConv": ("Conv", 0, 3, 4, 5),
    "ConvInteger": ("Conv", 0, 1, None, 3),
    "QLinearMatMul": ("MatMul", 0, 3, 4, 5),
    "MatMulInteger": ("MatMul", 0, 1, None, 3),
    "QGemm": ("Gemm", 0, 3, 4, 5),
}


def dequantize(q, scale=None, zero_point=None, axis: int = 0) -> np.ndarray:
    """``(q - zero_point) * scale`` in float64, per tensor or per slice along ``axis``.

    Parameters
    ----------
    q : numpy.ndarray
        The quantised (integer) weight.
    scale : numpy.ndarray, optional
        A scalar, or one value per slice along ``axis``; None for no scale (1).
    zero_point : numpy.ndarray, optional
        Like ``scale``; None for 0.
    axis : int, default 0
        The axis of a per-slice scale or zero point.

    Returns
    -------
    numpy.ndarray of float64
        Exactly 0 where ``q`` equals its zero point.

    Examples
    --------
    >>> q = np.array([[3, 5], [4, 4]], dtype=np.uint8)
    >>> dequantize(q, np.array([0.5, 2.0]), np.array([4, 4], dtype=np.uint8), axis=0).tolist()
    [[-0.5, 0.5], [0.0, 0.0]]
    """
    def along(v):
        v = np.asarray(v)
        if v.size <= 1:
            return v.reshape(())
        shape = [1] * q.ndim
        shape[axis] = -1
        return v.reshape(shape)

    w = q.astype(np.int64)
    if zero_point is not None:
        w = w - along(zero_point).astype(np.int64)
    w = w.astype(np.float64)
    return w if scale is None else w * along(scale).astype(np.float64)


@register("QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear")
def quantize_pass_through(ctx, node):
    """Pass-through: a tensor quantised or dequantised keeps the nodes of its data input."""
    from exporters.ops.passthrough import passthrough

    passthrough(ctx, node)


def _read_weight(ctx, node, w_at, s_at, z_at, axis):
    """The dequantised weight of a quantised operator (its scale and zero point constants)."""
    def opt(at):
        if at is None or len(node.input) <= at or not node.input[at]:
            return None
        return ctx.const(node.input[at])

    names = [node.input[k] for k in (w_at, s_at, z_at) if k is not None and k < len(node.input) and node.input[k]]
    if any(ctx.node_map(n) is not None for n in names):
        raise Unsupported(f"only {node.op_type}(data, constant weight) is supported; here the weight is on the path")
    q = ctx.weight(node.input[w_at], node)
    return dequantize(q, opt(s_at), opt(z_at), axis)


def _as_float_op(ctx, node, float_op, weight, **attributes):
    """Run the float operator's handler on the data and the dequantised weight; keep ``op``."""
    from onnx import helper

    from exporters.ops import handler_for

    name = f"{node.output[0]}::dequantized_weight"
    ctx.tables.set_value(name, weight)
    proxy = helper.make_node(float_op, [node.input[0], name], [node.output[0]], name=node.name, **attributes)
    layers, junctions = len(ctx.layers), len(ctx.junctions)
    handler_for(float_op)(ctx, proxy)
    for li in range(layers, len(ctx.layers)):
        ctx.layers[li] = dataclasses.replace(ctx.layers[li], op=node.op_type)
    for j in ctx.junctions[junctions:]:
        j.op = node.op_type


@register("QLinearConv", "ConvInteger", input_layout="channels")
def quantized_conv(ctx, node):
    """A convolutional layer for a quantised Conv: the dequantised weight, per output channel."""
    _, x_at, w_at, s_at, z_at = QUANTIZED_OPS[node.op_type]
    if ctx.node_map(node.input[x_at]) is None:
        raise Unsupported(f"the data input of {node.op_type} is not on the path")
    weight = _read_weight(ctx, node, w_at, s_at, z_at, axis=0)
    keep = {k: v for k, v in attrs(node).items() if k in ("auto_pad", "dilations", "group", "kernel_shape", "pads",
                                                          "strides")}
    _as_float_op(ctx, node, "Conv", weight, **keep)


@register("QLinearMatMul", "MatMulInteger", input_layout="features_last")
def quantized_matmul(ctx, node):
    """A dense layer for a quantised MatMul whose second input is the weight (per column)."""
    _, x_at, w_at, s_at, z_at = QUANTIZED_OPS[node.op_type]
    if ctx.node_map(node.input[x_at]) is None:
        raise Unsupported(f"only {node.op_type}(data, constant weight) is supported; the weight is on the left")
    _as_float_op(ctx, node, "MatMul", _read_weight(ctx, node, w_at, s_at, z_at, axis=1))


@register("QGemm", domain="com.microsoft", reads_batch_last=True)
def qgemm(ctx, node):
    """A dense layer for onnxruntime's quantised Gemm: the dequantised B, per output unit."""
    a = attrs(node)
    if ctx.node_map(node.input[0]) is None:
        raise Unsupported("the data input A of QGemm is not on the path")
    if len(node.input) > 6 and ctx.node_map(node.input[6]) is not None:
        raise Unsupported("its C input is on the path (a residual connection fused into the bias)")
    weight = _read_weight(ctx, node, 3, 4, 5, axis=0 if a.get("transB", 0) else 1)
    _as_float_op(ctx, node, "Gemm", weight, **{k: v for k, v in a.items() if k in ("transA", "transB", "alpha")})
