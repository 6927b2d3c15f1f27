"""Slice and Gather with constant indices: the labels are indexed as the tensor is.

Neither may index the batch axis, wherever it is (a Transpose may have moved it: a
sequence-first layout); the output keeps the batch axis, shifted when a Gather with a
scalar index removes an axis before it. A tensor without a batch axis of its own (a batch
of one merged with other axes, :attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`) is
indexed on any axis, and the batch's place shifts in the same way.
"""

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import attr_or_input, attrs, norm_axis

__all__ = ["slice_", "gather"]


@register("Slice")
def slice_(ctx, node):
    """Apply constant starts/ends/axes/steps to the labels (never to the batch axis)."""
    m = ctx.node_map(node.input[0])
    rank = m.rank
    starts, ends = attr_or_input(ctx, node, "starts", 1), attr_or_input(ctx, node, "ends", 2)
    if starts is None or ends is None:
        raise Unsupported("Slice needs constant starts and ends")
    axes = attr_or_input(ctx, node, "axes", 3) or list(range(len(starts)))
    steps = attr_or_input(ctx, node, "steps", 4) or [1] * len(starts)
    index = [slice(None)] * len(m.shape)
    for st, en, ax, sp in zip(starts, ends, axes, steps):
        la = m.label_axis(norm_axis(ax, rank))
        if la is None:
            raise Unsupported("Slice of the batch axis")
        if sp == 0:
            raise Unsupported("Slice with a step of 0")
        index[la] = slice(st, en, sp)  # numpy clamps starts and ends as ONNX does
    idx = tuple(index)
    from exporters._nodemap import NodeMap

    ctx.set_map(node.output[0], NodeMap(m.layer[idx], m.unit[idx], m.axis, batch_axis=m.batch_axis,
                                        absorbed=m.absorbed))


def gather(ctx, node):
    """Index the labels with constant indices along a non-batch axis (Gather is registered by :mod:`exporters.ops.gather`)."""
    m = ctx.node_map(node.input[0])
    if m is None or ctx.node_map(node.input[1]) is not None:
        raise Unsupported("only Gather(data, constant indices) is supported")
    rank = m.rank
    axis = norm_axis(int(attrs(node).get("axis", 0)), rank)
    la = m.label_axis(axis)
    if la is None:
        raise Unsupported("Gather along the batch axis")
    idx = np.asarray(ctx.const(node.input[1]), dtype=np.int64)
    if idx.size and not (-m.shape[la] <= int(idx.min()) and int(idx.max()) < m.shape[la]):
        raise Unsupported(f"its indices (from {int(idx.min())} to {int(idx.max())}) are out of range for axis {axis} "
                          f"of size {m.shape[la]}")
    idx = np.where(idx < 0, idx + m.shape[la], idx)
    out = m.take(idx, la)
    if m.batch_axis is None:
        ctx.set_map(node.output[0], out)
        return
    b = m.batch_axis + (idx.ndim - 1 if axis < m.batch_axis else 0)
    ctx.set_map(node.output[0], out.with_batch_axis(b) if m.batch_axis else out)
