"""Add and Sum: a bias (or a tensor plus itself) passes through; two layers merge.

When the inputs on the path carry different nodes (a residual connection), the output
is a new *merge* layer with one node per channel, joined to each input's nodes by
*skip* edges. A skip edge from input channel ``c`` to merge node ``c`` stands for the
output positions that read it: ``count`` = the number of spatial positions of the
output (1 for features), ``weight`` = the same (each scalar connection has weight 1).
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import broadcast_map, output_shape

__all__ = ["add"]


@register("Add", "Sum")
def add(ctx, node):
    """Pass a bias through, or merge two layers with skip edges."""
    names = [i for i in node.input if ctx.node_map(i) is not None]
    maps = [ctx.node_map(i) for i in names]
    first = maps[0]
    out = output_shape(ctx, node.output[0], fallback=np.broadcast_shapes(*[m.shape for m in maps]))
    bmaps = [broadcast_map(m, out) for m in maps]
    if all(b.same_as(bmaps[0]) for b in bmaps[1:]):
        ctx.set_map(node.output[0], bmaps[0])
        return
    axis = first.feature_axis()
    if axis is None:
        raise Unsupported("the inputs of this merge are not maps of whole channels")
    size = out[axis]
    positions = int(np.prod(out)) // size if size else 0
    vecs = []
    for m in maps:
        vec = m.vector(axis)
        if vec is None:
            raise Unsupported("an input of this merge is not a map of whole channels along the same axis")
        lv, uv = vec
        if lv.size == 1 and size > 1:
            lv, uv = np.repeat(lv, size), np.repeat(uv, size)
        if lv.size != size:
            raise Unsupported(f"merge inputs have {lv.size} and {size} channels")
        vecs.append((lv, uv))
    spatial = tuple(d for k, d in enumerate(out) if k != axis)
    li = ctx.new_layer(node, kind="merge", size=size, spatial=spatial, tensor=node.output[0])
    rows = np.arange(size)
    counts = np.full(size, positions, dtype=np.int64)
    for vec in vecs:
        ctx.connect(li, rows, rows, counts, counts.astype(np.float64), vec, node, kind="skip")
    ctx.set_map(node.output[0], NodeMap.layer_nodes(li, size, out, axis))
