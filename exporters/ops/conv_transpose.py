"""ConvTranspose: a transposed convolution, one node per output channel.

Weight ``W`` has shape (C_in, C_out / group, k_1, ..., k_r); input channel ``c`` of group
``g = c // (C_in / group)`` feeds output channels ``g * (C_out / group) + j``. Input
position ``i`` contributes through tap ``t`` to output position ``i*s - p + t*d``; a scalar
connection is such a pair landing inside the output. ONNX reference:
https://onnx.ai/onnx/operators/onnx__ConvTranspose.html
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._geometry import tap_weights, transpose_pads, transpose_tap_reads
from exporters.ops._util import attrs, channel_vector

__all__ = ["conv_transpose"]


@register("ConvTranspose")
def conv_transpose(ctx, node):
    """Add a layer for a ConvTranspose with a constant weight."""
    a = attrs(node)
    x, w_name = node.input[0], node.input[1]
    m = ctx.node_map(x)
    if m is None or ctx.node_map(w_name) is not None:
        raise Unsupported("only ConvTranspose(data, constant weight) is supported")
    w = ctx.weight(w_name, node)
    if w.ndim < 3:
        raise Unsupported(f"ConvTranspose weight {w_name!r} must have rank >= 3, got shape {w.shape}")
    r = w.ndim - 2
    if len(m.shape) != r + 1:
        raise Unsupported(f"ConvTranspose data has non-batch shape {m.shape}, expected {r} spatial dims")
    vec = channel_vector(m, 0, "ConvTranspose data")
    c_in = vec[0].size
    group = int(a.get("group", 1))
    if w.shape[0] != c_in or c_in % group:
        raise Unsupported(f"ConvTranspose weight {w_name!r} of shape {w.shape} does not fit {c_in} input channels")
    cout_g = w.shape[1]
    c_out = cout_g * group
    k = list(a.get("kernel_shape") or w.shape[2:])
    s = list(a.get("strides") or [1] * r)
    d = list(a.get("dilations") or [1] * r)
    n = list(m.shape[1:])
    inferred = ctx.shape(node.output[0])
    out_inf = list(inferred[2:]) if inferred is not None and all(v is not None for v in inferred[2:]) else None
    begin, out = transpose_pads(
        a.get("auto_pad", "NOTSET"), a.get("pads"), a.get("output_shape"), a.get("output_padding"), n, k, s, d, out_inf
    )
    reads = tap_weights([transpose_tap_reads(n[i], out[i], k[i], s[i], d[i], begin[i]) for i in range(r)])
    wf = w.reshape(c_in, cout_g, -1)
    count = (wf != 0).astype(np.int64) @ reads  # (c_in, cout_g)
    weight = wf.astype(np.float64) @ reads.astype(np.float64)
    cin_g = c_in // group
    cols = np.repeat(np.arange(c_in), cout_g)
    rows = ((np.arange(c_in) // cin_g) * cout_g)[:, None] + np.arange(cout_g)[None, :]
    li = ctx.new_layer(node, kind="conv_transpose", size=c_out, spatial=tuple(out), tensor=node.output[0])
    ctx.connect(li, rows.reshape(-1), cols, count.reshape(-1), weight.reshape(-1), vec, node)
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, c_out, (c_out, *out), 0))
