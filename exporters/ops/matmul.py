"""MatMul of the data with a constant 2-D weight: a dense layer on the last axis.

``Y[..., j] = sum_i X[..., i] W[i, j]``: 2-D data (batch, features) or batched data
(batch, ..., features); the nodes are the features of the last axis. On batched data
each weight is shared by every position of the middle axes (tokens), as a kernel tap is
shared by the positions of a convolution, so ``count`` is the number of nonzero weights
times the number of positions: a token-wise MatMul and the equivalent 1x1 convolution
get the same counts. ONNX reference:
https://onnx.ai/onnx/operators/onnx__MatMul.html
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import channel_vector

__all__ = ["matmul"]


@register("MatMul", input_layout="features_last")
def matmul(ctx, node):
    """Add a dense layer for ``MatMul(data, weight)``."""
    x, w_name = node.input[0], node.input[1]
    m = ctx.node_map(x)
    if m is None or ctx.node_map(w_name) is not None:
        raise Unsupported(
            "only MatMul(data, constant weight) is supported; a product of two tensors on the path "
            "(attention) or a weight on the left has no fixed wiring"
        )
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
    positions = int(np.prod(spatial, dtype=np.int64))
    ctx.connect_dense(li, w.T, vec, node, positions=positions)
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, size, spatial + (size,), last))
