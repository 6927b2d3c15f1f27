"""Flatten: the labels are reshaped as the tensor is, or the map's elements become neurons.

**Channels** (``read_onnx(flatten="channels")``, the default). Flatten of an (N, C, H, W)
map gives feature ``k`` the node of channel ``k // (H*W)`` (C order), because it is a
reshape of the label array: a dense layer after it is joined to the C channel nodes, each
of its units by as many connections as it has nonzero weights on that channel's positions.

**Neurons** (``flatten="neurons"``). When the flattened map's nodes have positions (the
channels of a convolution or pooling, a residual merge of maps, several such layers after
a Concat; a 1-D map of length L as well as an H x W one), the Flatten adds a layer of one
node per element of the map, in Flatten's C order (neuron ``c*H*W + h*W + w`` is element
``(c, h, w)``: channel-major, as torch flattens), of kind ``"merge"`` (no weights of its
own) and named after the node. Each neuron is joined to the channel it is an element of
by a skip edge (count 1, weight 1.0), and the flattened features are those neurons, so
the dense layer after the Flatten is joined to each neuron by one connection per nonzero
weight (Dey et al.'s layer of 4096 neurons after a conv stack). The neuron layer's shape
is recorded as ``graph.metadata["node_shape:<layer>"]`` (``"256x4x4"``), so that
:func:`netgraph.scatter.scatter` cuts it into 3-D cuboids by itself. With count matrices
the paths through the neurons are the channel reading's connections (channel ``c`` to
unit ``j``: one path through each neuron of ``c`` that ``j`` has a nonzero weight on);
with binary matrices they are not (one edge per channel in the channel reading).

A ``Reshape`` of a batch-first map to one axis of features per sample (``(N, -1)``,
torch's ``x.view(x.size(0), -1)``, which torch's dynamo exporter writes for
``nn.Flatten``) is read the same way, in both modes (:mod:`exporters.ops.reshape` calls
:func:`flattened`); the layer of neurons is then named after the Reshape node.

A Flatten whose map has no positions to split is read as in the channel reading in both
modes: a map that is already flat (a dense layer's output), a map with one element per
node (a (C, 1, 1) global pooling), or a map of an input layer (an image read only through
Flatten already has one node per element; an input's channel nodes are kept).

A map a constant ``Pad`` padded (:mod:`exporters.ops.pad`): its padded positions hold a
constant, not an element of a channel, so their neurons get no skip edge (no path reaches
them); the dense layer's weights on them are still junction edges, as in the channel
reading, where a dense layer counts its weights on padded positions.
**Across the batch axis.** ``Flatten(axis=a)`` is the reshape to ``(prod(s[:a]),
prod(s[a:]))`` and is read as one (:func:`exporters.ops.reshape.reshape_map`) when it is
not the batch-first case above: at ``axis=0``, on a tensor without a batch axis of its
own (:attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`), or merging a batch of one with the axes after it (torch's ``nn.Flatten(0, 1)`` after a
``TransformerEncoderLayer``: ``Flatten(axis=2)`` of (1, T, E) gives the (T, E) rows of
the one sample, absorbed). A batch larger than 1 or of unknown size is never merged
(an error, a cut in lenient mode).

ONNX operator reference: https://onnx.ai/onnx/operators/onnx__Flatten.html
"""

import logging

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs, real_region

__all__ = ["flatten", "flattened", "NEURON_KIND"]

#: The kind of the layer of neurons a Flatten adds in the neuron reading: weightless, like
#: the merge layer of a residual Add (:data:`netgraph.graph.LAYER_KINDS`).
NEURON_KIND = "merge"

log = logging.getLogger(__name__)


@register("Flatten", input_layout="flat")
def flatten(ctx, node):
    """Flatten to (prod of the axes before ``axis``, prod of the others); a layer of neurons if asked.

    The common case, a batch-first tensor flattened from ``axis`` = 1 (or a larger axis
    over size-1 dims), is :func:`flattened`. Any other Flatten is the reshape it is
    (:func:`exporters.ops.reshape.reshape_map`): of a tensor without a batch axis of its
    own, at ``axis=0``, or merging the batch of one with the axes after it (torch's
    ``nn.Flatten(0, 1)`` of a (1, T, E) sequence is ``Flatten(axis=2)``: its (T, E) output
    is absorbed); a batch larger than 1 or unknown is never merged.
    """
    m = ctx.node_map(node.input[0])
    if m is None:
        raise Unsupported("its data input is not on the path")
    rank = m.rank
    axis = attrs(node).get("axis", 1)
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis <= rank:
        raise Unsupported(f"Flatten with axis={attrs(node).get('axis', 1)} on a tensor of rank {rank}")
    if (not m.absorbed and m.batch_axis == 0 and axis >= 1
            and int(np.prod(m.shape[: axis - 1], dtype=np.int64)) == 1):
        ctx.set_map(node.output[0], flattened(ctx, node, m))  # the axes before ``axis`` are of size 1
        return
    from exporters.ops.reshape import reshape_map  # reshape.py imports this module's flattened

    full = m.full_shape() if m.absorbed else m.full_shape(ctx.batch_size(node.input[0]))
    s_out = (_product(full[:axis]), _product(full[axis:]))
    out = reshape_map(ctx, node, m, s_out)
    if not m.absorbed and m.batch_axis == 0 and not out.absorbed and out.batch_axis == 0 and len(out.shape) == 1:
        out = flattened(ctx, node, m)  # a batch of one kept apart (axis=0 of a (1, C, H, W) map)
    ctx.set_map(node.output[0], out)


def _product(dims):
    """The product of ``dims``; None if one of them is unknown."""
    return None if any(d is None for d in dims) else int(np.prod(dims, dtype=np.int64))


def flattened(ctx, node, m):
    """The map of ``node``'s output, the map ``m`` flattened to one axis of features (C order).

    In the channel reading, and for a map without positions to split, the labels of ``m``
    reshaped. In the neuron reading (``ctx.flatten == "neurons"``) of a map whose nodes have
    positions, the map of a new layer of one neuron per element, each joined to its channel
    by a skip edge, its shape recorded for :func:`netgraph.scatter.scatter` (see the module
    docstring). A handler of another operator that flattens a map (a ``Reshape`` to
    ``(N, -1)``) gives the same reading by calling this.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context.
    node : onnx.NodeProto
        The node that flattens (it names the layer of neurons and its junction).
    m : exporters._nodemap.NodeMap
        The map of its data input, batch axis first.

    Returns
    -------
    exporters._nodemap.NodeMap
        Of shape ``(m.size,)``.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> from exporters._context import Context
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 1, 3])
    >>> ctx = Context(helper.make_model(helper.make_graph([], "g", [x], [])))
    >>> li = ctx.new_layer(None, kind="conv", size=2, spatial=(1, 3), tensor="c")
    >>> m = NodeMap.layer_nodes(li, 2, (2, 1, 3))
    >>> node = helper.make_node("Flatten", ["c"], ["f"], name="flat")
    >>> flattened(ctx, node, m).unit.tolist()
    [0, 0, 0, 1, 1, 1]
    >>> ctx.flatten, ctx.notes = "neurons", {}
    >>> flattened(ctx, node, m).unit.tolist(), ctx.layers[-1].name, ctx.notes
    ([0, 1, 2, 3, 4, 5], 'flat', {'node_shape:flat': '2x1x3'})
    >>> ctx.junctions[-1].count.toarray().T.tolist()
    [[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]]
    """
    flat = m.reshape((int(np.prod(m.shape, dtype=np.int64)),))
    if getattr(ctx, "flatten", "channels") == "neurons" and _has_positions(ctx, flat):
        return _neurons(ctx, node, m, flat)
    return flat


def _has_positions(ctx, flat) -> bool:
    """True if some node labels several elements and every node is a channel of a map (not an input's)."""
    layers = ctx.layers
    used = flat.layers_used()
    if any(layers[li].kind == "input" or not layers[li].spatial_shape for li in used):
        return False
    keys = np.asarray(flat.layer, dtype=np.int64) * (1 + max(layers[li].size for li in used)) + flat.unit
    return np.unique(keys).size < flat.shape[0]


def _neurons(ctx, node, m, flat) -> NodeMap:
    """The layer of one neuron per element of the map, joined to its channel by a skip edge; its map."""
    size = flat.shape[0]
    li = ctx.new_layer(node, kind=NEURON_KIND, size=size, spatial=(), tensor=node.output[0])
    name = ctx.layers[li].name
    positions = np.arange(size)
    region = real_region(ctx, node.input[0])
    if region is not None:  # constant padding: those positions are no element of a channel
        real = np.zeros(m.shape, dtype=bool)
        real[tuple(slice(lo, hi) for lo, hi in region)] = True
        positions = positions[real.reshape(-1)]
        log.info("Flatten node %r: %d of the %d neurons of layer %r are constant padding (no channel edge)",
                 node.name, size - positions.size, size, name)
    source = (np.ascontiguousarray(flat.layer).reshape(-1), np.ascontiguousarray(flat.unit).reshape(-1))
    ones = np.ones(positions.size, dtype=np.int64)
    ctx.connect(li, positions, positions, ones, ones.astype(np.float64), source, node, kind="skip")
    notes = getattr(ctx, "notes", None)
    if notes is not None:  # the row-major shape the neurons come from, for the windows of netgraph.scatter
        notes[f"node_shape:{name}"] = "x".join(str(int(d)) for d in m.shape)
    return NodeMap.layer_nodes(li, size, (size,), 0)
