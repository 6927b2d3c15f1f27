"""Elementwise operators with a constant or of one layer's tensor with itself.

``x / c``, ``x - c``, ``Max(x, c)``, ``Where(cond, x, c)``, ... keep the nodes of ``x``;
so do operators of a tensor with a function of itself, since both inputs carry the same
nodes. An input computed from the data without nodes (a normalisation statistic,
:mod:`exporters.ops.normalization`) is not on the path: ``Sub(x, mean)`` and
``Div(d, std)`` keep the nodes of the data. Such an operator of tensors of different
layers has no fixed wiring: unsupported. ``Mul``, gates included, is in
:mod:`exporters.ops.gating`.
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
            f"{node.op_type} of tensors of different layers has no fixed wiring (a gate is a Mul, see "
            "exporters.ops.gating)"
        ) from None
    out = output_shape(ctx, node.output[0], fallback=m.shape)
    ctx.set_map(node.output[0], broadcast_map(m, out))
    keep_real_region(ctx, node, out)
