"""Elementwise operators with a constant or of one layer's tensor with itself.

``x * c``, ``x / c``, ``x - c``, ``Max(x, c)``, ``Where(cond, x, c)``, ... keep the nodes
of ``x``. The product of a tensor with a function of itself (SiLU written as
``x * sigmoid(x)``) keeps them too, since both inputs carry the same nodes. A product of
tensors of different layers (gating, attention) has no fixed wiring: unsupported.
"""

from exporters.ops import Unsupported, register
from exporters.ops._util import broadcast_map, keep_real_region, only_map, output_shape

__all__ = ["elementwise", "ELEMENTWISE_OPS"]

#: Binary or variadic elementwise operators (Add and Sum are in :mod:`exporters.ops.add`, Mul in
#: :mod:`exporters.ops.gating`).
ELEMENTWISE_OPS = ("Div", "Sub", "Pow", "Max", "Min", "Mean", "Where", "Mod")


@register(*ELEMENTWISE_OPS)
def elementwise(ctx, node):
    """Keep the nodes shared by the inputs on the path."""
    try:
        m = only_map(ctx, node)
    except Unsupported:
        raise Unsupported(
            f"{node.op_type} of tensors of different layers (a gate such as squeeze-excitation, or attention) "
            "has no fixed wiring"
        ) from None
    out = output_shape(ctx, node.output[0], fallback=m.shape)
    ctx.set_map(node.output[0], broadcast_map(m, out))
    keep_real_region(ctx, node, out)
