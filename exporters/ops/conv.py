"""Conv: a convolutional layer, one node per output channel, weight sharing counted.

Weight ``W`` has shape (C_out, C_in / group, k_1, ..., k_r). Output channel ``j`` of group
``g = j // (C_out / group)`` reads input channels ``g * (C_in / group) + i``. The number of
scalar connections from input channel ``c`` to output channel ``j`` is the sum, over the
nonzero taps of ``W[j, i]``, of the output positions where the tap reads a real (not
padded) input: padding-, stride- and dilation-aware. ONNX reference:
https://onnx.ai/onnx/operators/onnx__Conv.html
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._geometry import conv_pads, tap_reads, tap_weights
from exporters.ops._util import attrs, channel_vector, output_shape

__all__ = ["conv"]


@register("Conv")
def conv(ctx, node):
    """Add a convolutional layer for a Conv with a constant weight."""
    a = attrs(node)
    x, w_name = node.input[0], node.input[1]
    m = ctx.node_map(x)
    if m is None or ctx.node_map(w_name) is not None:
        raise Unsupported("only Conv(data, constant weight) is supported; here the weight is on the path")
    w = ctx.weight(w_name, node)
    if w.ndim < 3:
        raise Unsupported(f"Conv weight {w_name!r} must have rank >= 3, got shape {w.shape}")
    r = w.ndim - 2
    if len(m.shape) != r + 1:
        raise Unsupported(f"Conv data has non-batch shape {m.shape}, expected {r} spatial dims after the channels")
    vec = channel_vector(m, 0, "Conv data")
    c_in = vec[0].size
    group = int(a.get("group", 1))
    c_out, cin_g = w.shape[0], w.shape[1]
    if cin_g * group != c_in or c_out % group:
        raise Unsupported(
            f"Conv weight {w_name!r} of shape {w.shape} with group={group} does not fit {c_in} input channels"
        )
    k = list(a.get("kernel_shape") or w.shape[2:])
    s = list(a.get("strides") or [1] * r)
    d = list(a.get("dilations") or [1] * r)
    n = list(m.shape[1:])
    begin, out = conv_pads(a.get("auto_pad", "NOTSET"), a.get("pads"), n, k, s, d)
    inferred = output_shape(ctx, node.output[0], fallback=[c_out] + out)
    if list(inferred[1:]) != out:
        raise Unsupported(f"Conv output size {out} disagrees with shape inference {list(inferred[1:])}")
    if min(out) <= 0:
        raise Unsupported(f"Conv output size {out} is empty")
    reads = tap_weights([tap_reads(n[i], out[i], k[i], s[i], d[i], begin[i]) for i in range(r)])
    wf = w.reshape(c_out, cin_g, -1)
    count = (wf != 0).astype(np.int64) @ reads
    weight = wf.astype(np.float64) @ reads.astype(np.float64)
    cout_g = c_out // group
    rows = np.repeat(np.arange(c_out), cin_g)
    cols = ((np.arange(c_out) // cout_g) * cin_g)[:, None] + np.arange(cin_g)[None, :]
    li = ctx.new_layer(node, kind="conv", size=c_out, spatial=tuple(out), tensor=node.output[0])
    ctx.connect(li, rows, cols.reshape(-1), count.reshape(-1), weight.reshape(-1), vec, node)
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, c_out, (c_out, *out), 0))
