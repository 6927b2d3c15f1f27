"""Shape and Size of a tensor on the path: side work, folded when the shape is static."""

import numpy as np

from exporters.ops import register
from exporters.ops._util import attrs

__all__ = ["shape"]


@register("Shape", "Size", reads_shape_only=True)
def shape(ctx, node):
    """Record the value when every dim but the batch is known; the output is never on the path.

    An unknown batch size is taken as 1 and the value marked batch-dependent: it may only
    steer shapes (``x.view(x.size(0), -1)``), never become a weight. The batch axis is
    axis 0 unless a Transpose moved it.
    """
    s = ctx.tables.shapes.get(node.input[0])
    # 0 unless a Transpose moved it (a sequence-first layout); None when a batch of one was
    # merged with other axes (every dim is then known)
    b = ctx.batch_axis(node.input[0])
    m = ctx.node_map(node.input[0])
    if s is None and m is not None and m.absorbed:
        s = tuple(m.shape)  # the labels have the tensor's shape
    if s is None or not s or any(d is None for k, d in enumerate(s) if k != b):
        return
    if b is not None and b < len(s) and s[b] is None:
        s = tuple(1 if k == b else d for k, d in enumerate(s))
        ctx.tables.batch_dependent.update(o for o in node.output if o)
    if node.op_type == "Size":
        ctx.tables.set_value(node.output[0], np.array(int(np.prod(s)), dtype=np.int64))
        return
    a = attrs(node)
    start, end = a.get("start", 0), a.get("end", len(s))
    ctx.tables.set_value(node.output[0], np.array(s[slice(start, end)], dtype=np.int64))
