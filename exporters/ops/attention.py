"""Fused attention operators: the projections are junctions, the output keeps V's nodes.

``com.microsoft.Attention`` (onnxruntime's fused self-attention, from the transformers
optimiser) reads the input (batch, sequence, features) and one packed weight
(features, q + k + v hidden sizes, split by ``qkv_hidden_sizes`` or in equal thirds): it
gives three dense layers, the query, key and value projections, each a junction from the
input whose weights are shared by the tokens (``count`` = nonzero weights x tokens, as a
token-wise MatMul). The attention weights ``softmax(Q K^T)`` are computed connections that
no count records; the output carries the value layer's nodes, so the query and key
layers have no junction upwards.

``com.microsoft.MultiHeadAttention`` and the ``Attention`` operator of the default domain
(opset 23) read projections already made (their ``query``, ``key`` and ``value`` inputs):
the output keeps the nodes of ``value`` (3-D, (batch, sequence, features)). Packed
query-key-value inputs are refused. See
https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs, channel_vector, mixed_map, output_shape

__all__ = ["fused_attention", "attention_of_projections"]


@register("Attention", domain="com.microsoft", input_layout="features_last")
def fused_attention(ctx, node):
    """Three dense layers (query, key, value) from a packed weight; the output keeps the value nodes."""
    m = ctx.node_map(node.input[0])
    if m is None or len(node.input) < 2 or ctx.node_map(node.input[1]) is not None:
        raise Unsupported("only Attention(input on the path, constant packed weight) is supported")
    if len(m.shape) != 2:
        raise Unsupported(f"Attention input must be (batch, sequence, features), got non-batch shape {m.shape}")
    w = ctx.weight(node.input[1], node)
    if w.ndim != 2:
        raise Unsupported(f"Attention weight {node.input[1]!r} must be 2-D, got shape {w.shape}")
    vec = channel_vector(m, 1, "Attention input (features on the last axis)")
    if w.shape[0] != vec[0].size:
        raise Unsupported(f"Attention weight {node.input[1]!r} expects {w.shape[0]} features, the input has "
                          f"{vec[0].size}")
    sizes = [int(s) for s in attrs(node).get("qkv_hidden_sizes", [])] or [w.shape[1] // 3] * 3
    if len(sizes) != 3 or sum(sizes) != w.shape[1] or min(sizes) < 1:
        raise Unsupported(f"Attention weight {node.input[1]!r} of shape {w.shape} does not split into query, key "
                          f"and value sizes {sizes}")
    tokens = m.shape[0]
    starts = np.cumsum([0] + sizes)
    layers = []
    for part, a, b in zip(("query", "key", "value"), starts[:-1], starts[1:]):
        named = type(node)()
        named.CopyFrom(node)
        named.name = f"{node.name or node.output[0]}/{part}"  # the layer's name: att/query, att/key, att/value
        li = ctx.new_layer(named, kind="dense", size=int(b - a), spatial=(tokens,), tensor=f"{node.output[0]}/{part}")
        ctx.connect_dense(li, np.ascontiguousarray(w[:, a:b].T), vec, node, positions=tokens)
        layers.append(li)
    out = output_shape(ctx, node.output[0], fallback=(tokens, sizes[2]))
    ctx.set_map(node.output[0], NodeMap.layer_nodes(layers[2], sizes[2], out, 1))


@register("MultiHeadAttention", domain="com.microsoft")
@register("Attention")
def attention_of_projections(ctx, node):
    """The output keeps the nodes of the ``value`` input."""
    if len(node.input) < 3 or not node.input[2] or ctx.node_map(node.input[2]) is None:
        raise Unsupported(f"{node.op_type} without a separate value input on the path (packed query, key and "
                          "value) is not supported")
    v = ctx.node_map(node.input[2])
    if len(v.shape) != 2:
        raise Unsupported(f"{node.op_type} value must be (batch, sequence, features), got non-batch shape {v.shape}")
    q = ctx.node_map(node.input[0])
    fallback = (q.shape[0], v.shape[1]) if q is not None and len(q.shape) == 2 else None
    out = output_shape(ctx, node.output[0], fallback=fallback)
    ctx.set_map(node.output[0], mixed_map(v, out, node.op_type))
