"""Split: each output takes its slice of the labels (channel split in ShuffleNet, torch.chunk).

The batch axis, first unless a Transpose moved it, is never split; a tensor without a batch
axis of its own (:attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`) is split on any axis.
"""

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import attr_or_input, attrs, norm_axis

__all__ = ["split"]


@register("Split")
def split(ctx, node):
    """Slice the labels along the split axis, by the outputs' inferred sizes or the ``split`` sizes."""
    m = ctx.node_map(node.input[0])
    a = attrs(node)
    rank = m.rank
    axis = norm_axis(int(a.get("axis", 0)), rank)
    la = m.label_axis(axis)  # the batch axis is 0 unless a Transpose moved it
    if la is None:
        raise Unsupported("Split along the batch axis")
    n = m.shape[la]
    sizes = attr_or_input(ctx, node, "split", 1)
    if sizes is None:
        inferred = [ctx.tables.shapes.get(o) for o in node.output]
        if all(s is not None and len(s) == rank and s[axis] is not None for s in inferred):
            sizes = [s[axis] for s in inferred]
        else:
            k = len(node.output)
            step = -(-n // k)
            sizes = [min(step, n - i * step) for i in range(k)]
    if sum(sizes) != n:
        raise Unsupported(f"split sizes {sizes} do not add up to {n}")
    bounds = np.cumsum([0] + list(sizes))
    for out, lo, hi in zip(node.output, bounds[:-1], bounds[1:]):
        if out:
            ctx.set_map(out, m.take(np.arange(lo, hi), la).with_batch_axis(m.batch_axis))
