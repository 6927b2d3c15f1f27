"""Gemm: ``Y = alpha * A' B' + beta * C``, a fully connected layer when B is a weight.

A (the data) must be on the path: (batch, features), or (features, batch) made by a
Transpose with ``transA`` = 1; B' = B.T when ``transB`` = 1, so the
weight of unit j from feature i is ``alpha * B'[i, j]``. An ``alpha`` or ``beta`` that
is NaN or infinite is refused, as a weight holding such values is.

A (rows, features) input without a batch axis of its own, whose rows are positions of one
sample (torch's ``nn.MultiheadAttention`` reshapes (sequence, batch of one, features) to
(sequence x batch, features) for its output projection, see
:attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`), is read as a token-wise MatMul
(:mod:`exporters.ops.matmul`): the nodes are the features, which must be the same on every
row, and each weight is shared by the rows (``count`` is the number of nonzero weights
times the number of rows). ONNX operator reference:
https://onnx.ai/onnx/operators/onnx__Gemm.html
"""

import math

from exporters._context import describe
from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs, channel_vector
from netgraph.exceptions import InvalidWeightError

__all__ = ["gemm"]


@register("Gemm", reads_batch_last=True)
def gemm(ctx, node):
    """Add a dense layer for a Gemm whose B input is a constant weight."""
    a = attrs(node)
    x, b = node.input[0], node.input[1]
    m = ctx.node_map(x)
    if m is None or ctx.node_map(b) is not None:
        raise Unsupported("only Gemm(data, constant weight) is supported; here the weight B is on the path")
    if len(node.input) > 2 and ctx.node_map(node.input[2]) is not None:
        raise Unsupported("its C input is on the path (a residual connection fused into the bias)")
    if m.absorbed:
        _gemm_rows(ctx, node, m, a)
        return
    if bool(a.get("transA", 0)) != m.batch_last:
        raise Unsupported(
            "transA=1 needs the data transposed to (features, batch) by a Transpose"
            if a.get("transA", 0) else "the data is (features, batch): Gemm needs transA=1"
        )
    if len(m.shape) != 1:
        raise Unsupported(f"Gemm data input must be 2-D (batch, features); got non-batch shape {m.shape}")
    wt = _weight(ctx, node, a)
    vec = _features(node, wt, channel_vector(m, 0))
    size = wt.shape[0]
    li = ctx.new_layer(node, kind="dense", size=size, tensor=node.output[0])
    ctx.connect_dense(li, wt, vec, node)
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, size, (size,), 0))


def _weight(ctx, node, a):
    """The weight as (out, in), ``alpha`` applied."""
    b = node.input[1]
    alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
    for name, value in (("alpha", alpha), ("beta", beta)):
        if not math.isfinite(value):
            raise InvalidWeightError(f"{describe(node)}: {name} is {value}, which makes every output NaN or infinite; "
                                     "fix or re-export the model")
    w = ctx.weight(b, node)
    if w.ndim != 2:
        raise Unsupported(f"Gemm weight {b!r} must be 2-D, got shape {w.shape}")
    wt = w if a.get("transB", 0) else w.T  # (out, in)
    if alpha != 1.0:
        wt = wt * alpha
    return wt


def _features(node, wt, vec):
    """The data's features ``vec``, checked against the weight's."""
    if wt.shape[1] != vec[0].size:
        raise Unsupported(f"Gemm weight {node.input[1]!r} expects {wt.shape[1]} input features, the data has "
                          f"{vec[0].size}")
    return vec


def _gemm_rows(ctx, node, m, a):
    """Gemm of (rows, features) positions of one sample (no batch axis of its own): a token-wise layer."""
    if len(m.shape) != 2:
        raise Unsupported(f"Gemm data input must be 2-D; got shape {m.shape}")
    trans = bool(a.get("transA", 0))
    rows_axis, feature_axis = (1, 0) if trans else (0, 1)
    wt = _weight(ctx, node, a)
    vec = m.vector(feature_axis)
    if vec is None:
        raise Unsupported(f"its data {node.input[0]!r} (shape {m.shape}, a batch of one merged with its rows) has "
                          "different nodes on different rows; Gemm reads such rows as positions that share the nodes "
                          "of the features")
    vec = _features(node, wt, vec)
    size, rows = wt.shape[0], m.shape[rows_axis]
    li = ctx.new_layer(node, kind="dense", size=size, spatial=(rows,), tensor=node.output[0])
    ctx.connect_dense(li, wt, vec, node, positions=rows)
    p = m.batch_axis  # the batch's place: before the rows, before the features, or after both
    place = None if p is None else 2 if p >= 2 else 0 if p == rows_axis else 1
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, size, (rows, size), 1).absorbed_at(place))
