"""Expand: the copies of an element keep its node.

``Expand(x, shape)`` broadcasts ``x`` to ``shape`` (numpy's rules): every copy of an
element belongs to the node the element belongs to, so the labels are broadcast as the
tensor is and no junction is made. A weight of the next layer that the copies share is
counted once per position it reads, as for any token-wise layer: a (1, 1, E) vector
expanded to (1, T, E) and read by a ``MatMul`` counts each nonzero weight T times.

The batch axis is kept: an Expand that makes copies of the sample (a batch of 1 expanded
to B) or puts new axes before it (a higher output rank) is refused, since the samples'
elements would mix. torch writes an Expand for the ``key_padding_mask`` of
``nn.MultiheadAttention``; a mask given as a graph input is no layer
(:mod:`exporters._masks`), so that Expand is off the path.
ONNX operator reference: https://onnx.ai/onnx/operators/onnx__Expand.html
"""

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import attr_or_input, broadcast_map

__all__ = ["expand"]


@register("Expand")
def expand(ctx, node):
    """Broadcast the labels of the data input to the output's shape (the batch axis kept)."""
    m = ctx.node_map(node.input[0])
    if m is None:
        raise Unsupported("its data input is not on the path")
    if ctx.node_map(node.input[1]) is not None:
        raise Unsupported("its target shape is computed from the data")
    s_in = ctx.shape(node.input[0])
    s_out = ctx.shape(node.output[0])
    if s_out is None or any(d is None for d in s_out[1:]):
        target = attr_or_input(ctx, node, "shape", 1, must_be_constant=False)
        if target is None or s_in is None or any(d is None for d in s_in[1:]):
            raise Unsupported("its output shape is unknown (the target shape is neither constant nor inferred)")
        batch = ctx.batch_size(node.input[0]) or 1
        try:
            s_out = np.broadcast_shapes((batch,) + tuple(s_in[1:]), tuple(int(d) for d in target))
        except ValueError:
            raise Unsupported(f"the target shape {list(target)} does not broadcast with {tuple(s_in)}") from None
    if len(s_out) != m.rank:
        raise Unsupported(f"Expand from rank {m.rank} to {tuple(s_out)} puts new axes before the batch axis")
    batch = ctx.batch_size(node.input[0])
    if s_out[0] is not None and batch is not None and s_out[0] != batch:
        raise Unsupported(f"Expand to {tuple(s_out)} copies the sample along the batch axis (batch size {batch})")
    ctx.set_map(node.output[0], broadcast_map(m, tuple(int(d) for d in s_out[1:])))
