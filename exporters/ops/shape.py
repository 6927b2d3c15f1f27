"""Shape and Size of a tensor on the path: side work, folded when the shape is static."""

import numpy as np

from exporters.ops import register
from exporters.ops._util import attrs

__all__ = ["shape"]


@register("Shape", "Size", reads_shape_only=True)
def shape(ctx, node):
    """Record the value when every dim but the batch is known; the output is never on the path.

    An unknown batch size is taken as 1 and the value marked batch-dependent: it may only
    steer shapes (``x.view(x.size(0), -1)``), never become a weight.
    """
    s = ctx.shape(node.input[0])
    if s is None or any(d is None for d in s[1:]):
        return
    if s and s[0] is None:
        s = (1,) + tuple(s[1:])
        ctx.tables.batch_dependent.update(o for o in node.output if o)
    if node.op_type == "Size":
        ctx.tables.set_value(node.output[0], np.array(int(np.prod(s)), dtype=np.int64))
        return
    a = attrs(node)
    start, end = a.get("start", 0), a.get("end", len(s))
    ctx.tables.set_value(node.output[0], np.array(s[slice(start, end)], dtype=np.int64))
