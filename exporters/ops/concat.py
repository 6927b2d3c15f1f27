"""Concat: on the channel (feature) axis the node lists are concatenated.

Every input must be on the path: a constant input would add elements that belong to no
node. Concatenating along another axis (spatial) keeps the nodes when they are the same
in every input. The batch axis, first unless a Transpose moved it, is never concatenated;
inputs without a batch axis of their own (a batch of one merged with other axes,
:attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`) are concatenated on any axis.
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs, norm_axis

__all__ = ["concat"]


@register("Concat")
def concat(ctx, node):
    """Concatenate the inputs' labels along the node's axis."""
    names = [i for i in node.input if i]
    maps = [ctx.node_map(i) for i in names]
    if any(m is None for m in maps):
        raise Unsupported("Concat of a tensor on the path with a constant: the constant's elements belong to no node")
    rank = maps[0].rank
    b = maps[0].batch_axis  # 0 unless a Transpose moved it (a sequence-first layout)
    absorbed = maps[0].absorbed  # no batch axis of its own: a batch of one merged with other axes
    if any(m.absorbed != absorbed for m in maps):
        raise Unsupported("Concat of inputs of which some have a batch axis and some do not (a batch of one merged "
                          "with other axes by a Reshape)")
    if any(m.batch_axis != b or m.rank != rank for m in maps):
        raise Unsupported("Concat of inputs whose batch axes are at different axes")
    axis = norm_axis(int(attrs(node).get("axis", 1)), rank)
    la = maps[0].label_axis(axis)
    if la is None:
        raise Unsupported("Concat along the batch axis")
    vecs = [m.vector(la) for m in maps]
    if all(v is not None for v in vecs):
        shape = list(maps[0].shape)
        shape[la] = sum(v[0].size for v in vecs)
        lv = np.concatenate([v[0] for v in vecs])
        uv = np.concatenate([v[1] for v in vecs])
        out = NodeMap.along(lv, uv, shape, la)
        ctx.set_map(node.output[0], out.absorbed_at(b) if absorbed else out.with_batch_axis(b))
        return
    layer = np.concatenate([m.layer for m in maps], axis=la)
    unit = np.concatenate([m.unit for m in maps], axis=la)
    ctx.set_map(node.output[0], NodeMap(layer, unit, maps[0].axis, batch_axis=b, absorbed=absorbed))
