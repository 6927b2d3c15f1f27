"""Conv: a convolutional layer, one node per output channel, weight sharing counted.

Weight ``W`` has shape (C_out, C_in / group, k_1, ..., k_r). Output channel ``j`` of group
``g = j // (C_out / group)`` reads input channels ``g * (C_in / group) + i``. The number of
scalar connections from input channel ``c`` to output channel ``j`` is the sum, over the
nonzero taps of ``W[j, i]``, of the output positions where the tap reads a real (not
padded) input: padding-, stride- and dilation-aware. The positions a constant ``Pad``
added before the Conv (:mod:`exporters.ops.pad`) are padding too. ONNX reference:
https://onnx.ai/onnx/operators/onnx__Conv.html
"""

import numpy as np

from exporters._context import describe
from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._geometry import check_output_size, conv_pads, read_conv_node, real_spans, tap_reads, tap_weights
from exporters.ops._util import output_shape
from netgraph.exceptions import InvalidModelError

__all__ = ["conv"]


@register("Conv", input_layout="channels")
def conv(ctx, node):
    """Add a convolutional layer for a Conv with a constant weight."""
    cn = read_conv_node(ctx, node)
    w, vec, group = cn.weight, cn.vec, cn.group
    c_in = vec[0].size
    c_out, cin_g = w.shape[0], w.shape[1]
    if cin_g * group != c_in or c_out % group:
        raise InvalidModelError(
            f"{ctx.source or 'model'}: {describe(node)} has a weight {cn.weight_name!r} of shape {w.shape} that with "
            f"group={group} does not fit its {c_in} input channels (group must divide the input and output channels); "
            "fix the model or re-export it"
        )
    k, s, d, n, r = cn.kernel, cn.strides, cn.dilations, cn.in_size, w.ndim - 2
    begin, out = conv_pads(cn.attrs.get("auto_pad", "NOTSET"), cn.attrs.get("pads"), n, k, s, d)
    check_output_size(ctx, node, c_out, out, n, k, d, cn.attrs.get("pads"))
    inferred = output_shape(ctx, node.output[0], fallback=[c_out] + out)
    if list(inferred[1:]) != out:
        raise Unsupported(f"Conv output size {out} disagrees with shape inference {list(inferred[1:])}")
    real = real_spans(ctx, node.input[0], n)  # a constant Pad before the Conv: its positions are not inputs
    reads = tap_weights([tap_reads(hi - lo, out[i], k[i], s[i], d[i], begin[i] + lo)
                         for i, (lo, hi) in enumerate(real)])
    wf = w.reshape(c_out, cin_g, -1)
    count = (wf != 0).astype(np.int64) @ reads
    weight = wf.astype(np.float64) @ reads.astype(np.float64)
    cout_g = c_out // group
    rows = np.repeat(np.arange(c_out), cin_g)
    cols = ((np.arange(c_out) // cout_g) * cin_g)[:, None] + np.arange(cin_g)[None, :]
    li = ctx.new_layer(node, kind="conv", size=c_out, spatial=tuple(out), tensor=node.output[0])
    ctx.connect(li, rows, cols.reshape(-1), count.reshape(-1), weight.reshape(-1), vec, node)
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, c_out, (c_out, *out), 0))
