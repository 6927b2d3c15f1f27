"""Gather: an embedding when a constant table is indexed by token ids on the path.

``Gather(table, ids)`` with a constant table of shape (V, D) and ``axis=0`` is an
embedding lookup: it equals the one-hot encoding of the ids (V features) times the
table, a token-wise MatMul. So it makes

* a layer of V nodes of kind ``"vocabulary"``, one per entry of the table: the token-id
  input layer is turned into it (token ids are not features: an input of kind
  ``"input"`` with one node per position would be wrong), its spatial shape the shape
  of the ids (the positions that read the table);
* a layer of D nodes of kind ``"embedding"``, the features of the table, spatial shape
  the positions;
* a junction vocabulary -> embedding with ``count[d, v]`` the number of positions times
  1 where ``table[v, d]`` is nonzero and ``weight`` the entry times the positions, as
  for a token-wise MatMul (:mod:`exporters.ops.matmul`). A zero entry makes no
  connection.

Any other Gather (constant indices into a tensor on the path) selects labels as the
tensor is indexed (:func:`exporters.ops.slice.gather`). ONNX reference:
https://onnx.ai/onnx/operators/onnx__Gather.html
"""

from __future__ import annotations

import dataclasses

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs

__all__ = ["gather", "embedding"]


@register("Gather")
def gather(ctx, node):
    """Gather: :func:`embedding` for a constant table indexed by ids on the path, else label indexing."""
    if ctx.node_map(node.input[0]) is None and ctx.node_map(node.input[1]) is not None:
        return embedding(ctx, node)
    from exporters.ops.slice import gather as gather_labels

    return gather_labels(ctx, node)


def _vocabulary_layer(ctx, node, ids, size):
    """The layer of the ids turned into a vocabulary of ``size`` nodes (or found as one)."""
    used = ids.layers_used()
    if len(used) != 1:
        raise Unsupported("the token ids come from several layers")
    li = used[0]
    layer = ctx.layers[li]
    if layer.kind == "vocabulary" and layer.size == size:
        return li  # a second lookup of the same ids (a table shared or split)
    if layer.kind != "input":
        raise Unsupported(f"the token ids are computed from layer {layer.name!r} (kind {layer.kind!r}); an embedding "
                          "reads token ids given as a graph input")
    if any(j.source == layer.name for j in ctx.junctions):
        raise Unsupported(f"the token-id input {layer.name!r} is also read as features by another operator")
    ctx.layers[li] = dataclasses.replace(layer, size=size, kind="vocabulary", spatial_shape=tuple(ids.shape))
    return li


def embedding(ctx, node):
    """A vocabulary layer, an embedding layer and the table's junction between them."""
    ids = ctx.node_map(node.input[1])
    if int(attrs(node).get("axis", 0)) != 0:
        raise Unsupported("an embedding Gather reads the rows of its table (axis=0)")
    table = ctx.weight(node.input[0], node)
    if table.ndim != 2:
        raise Unsupported(f"embedding table {node.input[0]!r} must be 2-D (vocabulary, features), got {table.shape}")
    vocab, dim = table.shape
    li_vocab = _vocabulary_layer(ctx, node, ids, vocab)
    positions = int(np.prod(ids.shape, dtype=np.int64))
    spatial = tuple(ids.shape)
    li = ctx.new_layer(node, kind="embedding", size=dim, spatial=spatial, tensor=node.output[0])
    vec = (np.full(vocab, li_vocab, dtype=np.int64), np.arange(vocab, dtype=np.int64))
    ctx.connect_dense(li, table.T, vec, node, positions=positions)
    out = NodeMap.layer_nodes(li, dim, spatial + (dim,), len(spatial))
    # ids without a batch axis of their own (a batch of one merged with the positions): so is the output
    ctx.set_map(node.output[0], out.absorbed_at(ids.batch_axis) if ids.absorbed else out)
