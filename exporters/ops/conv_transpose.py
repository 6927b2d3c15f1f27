"""ConvTranspose: a transposed convolution, one node per output channel.

Weight ``W`` has shape (C_in, C_out / group, k_1, ..., k_r); input channel ``c`` of group
``g = c // (C_in / group)`` feeds output channels ``g * (C_out / group) + j``. Input
position ``i`` contributes through tap ``t`` to output position ``i*s - p + t*d``; a scalar
connection is such a pair landing inside the output. ONNX reference:
https://onnx.ai/onnx/operators/onnx__ConvTranspose.html
"""

import numpy as np

from exporters._context import describe
from exporters._nodemap import NodeMap
from exporters.ops import register
from exporters.ops._geometry import (check_output_size, read_conv_node, real_spans, tap_weights, transpose_pads,
                                     transpose_tap_reads)
from netgraph.exceptions import InvalidModelError

__all__ = ["conv_transpose"]


@register("ConvTranspose", input_layout="channels")
def conv_transpose(ctx, node):
    """Add a layer for a ConvTranspose with a constant weight."""
    cn = read_conv_node(ctx, node)
    a, w, vec, group = cn.attrs, cn.weight, cn.vec, cn.group
    c_in = vec[0].size
    if w.shape[0] != c_in or c_in % group:
        raise InvalidModelError(
            f"{ctx.source or 'model'}: {describe(node)} has a weight {cn.weight_name!r} of shape {w.shape} that with "
            f"group={group} does not fit its {c_in} input channels (group must divide them); fix the model or "
            "re-export it"
        )
    cout_g = w.shape[1]
    c_out = cout_g * group
    k, s, d, n, r = cn.kernel, cn.strides, cn.dilations, cn.in_size, w.ndim - 2
    inferred = ctx.shape(node.output[0])
    out_inf = list(inferred[2:]) if inferred is not None and all(v is not None for v in inferred[2:]) else None
    begin, out = transpose_pads(
        a.get("auto_pad", "NOTSET"), a.get("pads"), a.get("output_shape"), a.get("output_padding"), n, k, s, d, out_inf
    )
    check_output_size(ctx, node, c_out, out, n, k, d, a.get("pads"))
    real = real_spans(ctx, node.input[0], n)  # input positions a constant Pad added contribute nothing
    reads = tap_weights([transpose_tap_reads(hi - lo, out[i], k[i], s[i], d[i], begin[i] - lo * s[i])
                         for i, (lo, hi) in enumerate(real)])
    wf = w.reshape(c_in, cout_g, -1)
    count = (wf != 0).astype(np.int64) @ reads  # (c_in, cout_g)
    weight = wf.astype(np.float64) @ reads.astype(np.float64)
    cin_g = c_in // group
    cols = np.repeat(np.arange(c_in), cout_g)
    rows = ((np.arange(c_in) // cin_g) * cout_g)[:, None] + np.arange(cout_g)[None, :]
    li = ctx.new_layer(node, kind="conv_transpose", size=c_out, spatial=tuple(out), tensor=node.output[0])
    ctx.connect(li, rows.reshape(-1), cols, count.reshape(-1), weight.reshape(-1), vec, node)
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, c_out, (c_out, *out), 0))
