"""MatMul: a dense layer when one factor is a constant weight; attention when both are data.

``Y[..., j] = sum_i X[..., i] W[i, j]`` with a constant 2-D ``W`` on the right: 2-D data
(batch, features) or batched data (batch, ..., features); the nodes are the features of
the last axis. On batched data each weight is shared by every position of the middle
axes (tokens), as a kernel tap is shared by the positions of a convolution, so ``count``
is the number of nonzero weights times the number of positions: a token-wise MatMul and
the equivalent 1x1 convolution get the same counts.

With the weight on the left, ``Y = W X`` (data of shape (batch, ..., features, positions),
a channels-first 1x1 convolution written as a product), the nodes are on axis -2 and each
weight is shared by the positions of the other axes. Positions that a constant ``Pad``
added (:mod:`exporters.ops.pad`) hold no input and are not counted.

**Attention.** ``softmax(Q K^T) V``: the product of two data tensors ``Q K^T`` computes
the attention weights, connections that are computed, not learned. They get no node
(:func:`exporters.ops._util.computed_only`: they must flow into a product with data),
and ``weights @ V`` keeps the nodes of ``V``'s feature axis; it needs ``V``'s nodes to be
the same at every position it mixes. The projections of Q, K, V and the output are the
dense layers above. ONNX reference: https://onnx.ai/onnx/operators/onnx__MatMul.html
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import channel_vector, computed_only, mixed_map, output_shape, real_region

__all__ = ["matmul"]


@register("MatMul", input_layout="features_last")
def matmul(ctx, node):
    """Add a dense layer for ``MatMul(data, weight)`` or ``MatMul(weight, data)``; attention otherwise."""
    x, w_name = node.input[0], node.input[1]
    m, mw = ctx.node_map(x), ctx.node_map(w_name)
    if m is not None and mw is not None:
        reason = computed_only(ctx, node.output[0])
        if reason is not None:
            raise Unsupported(f"a product of two tensors on the path (attention weights Q K^T) is computed, and {reason}")
        return  # attention weights: computed connections, no node
    if m is None and not ctx.is_const(x):
        # computed weights (attention) times the data: V's feature nodes carry on
        out = output_shape(ctx, node.output[0])
        ctx.set_map(node.output[0], mixed_map(mw, out, "MatMul"))
        return
    if m is None:
        _weight_left(ctx, node, ctx.weight(x, node), mw)
        return
    if not ctx.is_const(w_name):
        raise Unsupported(f"its right factor {w_name!r} is computed from the data but is not on the path")
    w = ctx.weight(w_name, node)
    if w.ndim != 2:
        raise Unsupported(f"MatMul weight {w_name!r} must be 2-D, got shape {w.shape}")
    if len(m.shape) < 1:
        raise Unsupported("MatMul data must have a feature axis")
    last = len(m.shape) - 1
    vec = channel_vector(m, last, "MatMul data (features on the last axis)")
    if w.shape[0] != vec[0].size:
        raise Unsupported(f"MatMul weight {w_name!r} expects {w.shape[0]} features, the data has {vec[0].size}")
    size = w.shape[1]
    spatial = m.shape[:-1]
    li = ctx.new_layer(node, kind="dense", size=size, spatial=spatial, tensor=node.output[0])
    positions = _real_positions(ctx, x, m.shape, last)
    # a C-ordered copy: finding the nonzeros of a transposed view takes twice as long
    ctx.connect_dense(li, np.ascontiguousarray(w.T), vec, node, positions=positions)
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, size, spatial + (size,), last))


def _real_positions(ctx, data, shape, feature_axis) -> int:
    """The positions that share each weight, leaving out those a constant Pad added."""
    region = real_region(ctx, data) or tuple((0, n) for n in shape)
    return int(np.prod([hi - lo for d, (lo, hi) in enumerate(region) if d != feature_axis], dtype=np.int64))


def _weight_left(ctx, node, w, m):
    """``Y = W X``: a dense layer on axis -2 of the data, shared by the other positions."""
    if w.ndim != 2:
        raise Unsupported(f"a MatMul weight on the left must be 2-D, got shape {w.shape}")
    if len(m.shape) < 2:
        raise Unsupported(f"MatMul(weight, data) needs data of rank >= 3 (features on axis -2), got {m.shape}")
    ax = len(m.shape) - 2
    vec = channel_vector(m, ax, "MatMul data (features on axis -2, the weight on the left)")
    if w.shape[1] != vec[0].size:
        raise Unsupported(f"MatMul weight {node.input[0]!r} expects {w.shape[1]} features, the data has {vec[0].size}")
    size = w.shape[0]
    shape = m.shape[:ax] + (size,) + m.shape[ax + 1:]
    spatial = m.shape[:ax] + m.shape[ax + 1:]
    li = ctx.new_layer(node, kind="dense", size=size, spatial=spatial, tensor=node.output[0])
    ctx.connect_dense(li, w, vec, node, positions=_real_positions(ctx, node.input[1], m.shape, ax))
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, size, shape, ax))

