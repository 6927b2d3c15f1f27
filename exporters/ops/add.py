"""Add and Sum: a bias (or a tensor plus itself) passes through; two layers merge.

When the inputs on the path carry different nodes (a residual connection), the output
is a new *merge* layer with one node per channel, joined to each input's nodes by
*skip* edges. A skip edge from input channel ``c`` to merge node ``c`` stands for the
output positions that read it: ``count`` = the number of spatial positions of the
output (1 for features), ``weight`` = the same (each scalar connection has weight 1).

One case is read differently: ``Add(Gemm(x1, W1), Gemm(x2, W2))`` where each Gemm output
is read by this Add only (not a graph output either), the two Gemms read different
layers and the second Gemm's layer is the last one made (its Gemm comes just before the
Add, as a torch export writes ``fc(h2) + lateral(h1)``). That is one dense layer fed by
two junctions, as a progressive network's column-2 layer is drawn (Rusu et al. 2016; Hou
& Kwok, appendix D), so the two layers become one: the first Gemm's layer is kept (its
name, with the Add's output as its tensor), the second one's junctions are moved into it
and the second layer is dropped. A node's degree then counts the connections of both
junctions. Every other Add of two layers (a residual connection, where an input is read
elsewhere too, or an Add of convolutions) is a merge layer with skip edges as above.
"""

import dataclasses

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import broadcast_map, output_shape
from netgraph.graph import Junction

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
    if _fuse_dense(ctx, node, names, maps):
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


def _dense_layer_of(ctx, name, nmap):
    """The index of the Gemm layer whose nodes are exactly tensor ``name``, read by one node only; else None."""
    used = nmap.layers_used()
    if len(used) != 1 or name in ctx.graph_outputs or len(ctx.consumers.get(name, ())) != 1:
        return None
    li = used[0]
    layer = ctx.layers[li]
    if layer.op != "Gemm" or layer.kind != "dense" or layer.tensor != name or nmap.shape != (layer.size,):
        return None
    return li if nmap.same_as(NodeMap.layer_nodes(li, layer.size, (layer.size,), 0)) else None


def _fuse_dense(ctx, node, names, maps) -> bool:
    """Read ``Add(Gemm, Gemm)`` as one layer with both junctions (see the module docstring); True if done."""
    if len(names) != 2 or len(node.input) != 2 or names[0] == names[1]:
        return False
    found = [_dense_layer_of(ctx, n, m) for n, m in zip(names, maps)]
    if None in found:
        return False
    keep, drop = sorted(found)
    kept, dropped = ctx.layers[keep], ctx.layers[drop]
    if keep == drop or drop != len(ctx.layers) - 1 or kept.size != dropped.size:
        return False
    sources = [{j.source for j in ctx.junctions if j.target == layer.name} for layer in (kept, dropped)]
    if sources[0] & sources[1] or not sources[0] or not sources[1]:
        return False
    ctx.junctions[:] = [j if j.target != dropped.name else
                        Junction(j.source, kept.name, j.count, j.weight, op=j.op, node=j.node, kind=j.kind)
                        for j in ctx.junctions]
    ctx.layers.pop()
    ctx._names.discard(dropped.name)
    ctx.layers[keep] = dataclasses.replace(kept, tensor=node.output[0])
    for tensor in (*names, node.output[0]):  # no map is left pointing at the dropped layer
        ctx.set_map(tensor, NodeMap.layer_nodes(keep, kept.size, (kept.size,), 0))
    return True
