"""Input-layout inference: the input layer of each graph input.

A graph input of shape (N, F) has F nodes. For a higher rank the nodes depend on how
the input is read, which the handlers of its readers declare when they register
(``input_layout``, see :func:`exporters.ops.register`):

* one node per channel (axis 1), the default;
* one node per feature on the last axis when every reader reads features last
  (``"features_last"``: MatMul, a token-wise linear layer);
* one node per element when every reader reads the elements in order (``"flat"``:
  Flatten, Reshape; an MLP on images has the paper's 784 input nodes);
* for an (N, H, W, C) input transposed to channels first (tf2onnx, Keras exports), one
  node per channel on the axis that every reader's ``perm`` moves to axis 1 (``"perm"``:
  Transpose);
* a flat (N, F) input reshaped into (N, C, H, W) images (``"flat"`` or ``"unit_axes"``
  readers, all to one shape) that a channel reader reads (``"channels"``: Conv,
  ConvTranspose, MaxPool, AveragePool, BatchNormalization) has C channel nodes.

Readers that only read the input's shape (``reads_shape_only``: Shape, Size) are not
readers of its data.
"""

from __future__ import annotations

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import spec_for
from exporters.ops._util import attrs
from netgraph.exceptions import InvalidModelError

__all__ = ["add_input"]


def _layout(node):
    """The input layout that ``node``'s handler declared, or None."""
    spec = spec_for(node.op_type, node.domain)
    return None if spec is None else spec.input_layout


def _reads_data(node) -> bool:
    spec = spec_for(node.op_type, node.domain)
    return spec is None or not spec.reads_shape_only


def add_input(ctx, vi, consumers) -> None:
    """Make the input layer of a graph input and record its node map.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context.
    vi : onnx.ValueInfoProto
        The graph input.
    consumers : list of onnx.NodeProto
        The nodes that read it.

    Raises
    ------
    netgraph.InvalidModelError
        The input is read as data but its non-batch shape is not static, has a
        dimension of 0, or it holds strings.
    netgraph.ResourceLimitError
        Its node labels (8 bytes an element, batch axis excluded) would take more than
        the memory budget.

    Notes
    -----
    An input that nothing reads as data, or of rank below 2 (a condition, a length),
    makes no layer.
    """
    s = ctx.shape(vi.name)
    users = [n for n in consumers if _reads_data(n)]
    if not users or (s is not None and len(s) < 2):
        return  # unused, or a scalar / per-sample flag (a condition, a length): not a layer
    if s is None or any(d is None for d in s[1:]):
        raise InvalidModelError(
            f"graph input {vi.name!r} has no static shape ({'unknown' if s is None else s}): "
            "netgraph needs (batch, features) or (batch, channels, *spatial) with fixed sizes; "
            "export the model with a fixed input size"
        )
    shape = tuple(s[1:])
    _check_input(ctx, vi, s)
    layouts = {_layout(n) for n in users}
    axis = 0
    if layouts == {"perm"}:
        perms = {tuple(attrs(n).get("perm", ())) for n in users}
        perm = perms.pop() if len(perms) == 1 else ()
        if len(perm) == len(s) and perm[0] == 0:
            axis = perm[1] - 1
    elif len(shape) == 1 and layouts <= {"flat", "unit_axes"}:
        images = _reshaped_for_convolution(ctx, users, shape[0])
        if images is not None:
            channels, spatial = images
            li = ctx.new_layer(None, kind="input", size=channels, spatial=spatial, tensor=vi.name)
            units = np.repeat(np.arange(channels), int(np.prod(spatial, dtype=np.int64)))
            ctx.set_map(vi.name, NodeMap(np.full(shape, li, dtype=np.int64), units, 0))
            return
    elif len(shape) >= 2 and layouts <= {"flat"}:
        size = int(np.prod(shape))
        li = ctx.new_layer(None, kind="input", size=size, spatial=(), tensor=vi.name)
        ctx.set_map(vi.name, NodeMap(np.full(shape, li, dtype=np.int64), np.arange(size).reshape(shape), None))
        return
    elif len(shape) >= 2 and layouts <= {"features_last"}:
        axis = len(shape) - 1
    size = shape[axis]
    spatial = tuple(d for k, d in enumerate(shape) if k != axis)
    li = ctx.new_layer(None, kind="input", size=size, spatial=spatial, tensor=vi.name)
    ctx.set_map(vi.name, NodeMap.layer_nodes(li, size, shape, axis))


def _check_input(ctx, vi, s) -> None:
    """An input layer holds numbers, has at least one element per axis, and its labels fit the budget."""
    from onnx import TensorProto

    where = ctx.source or "model"
    if vi.type.tensor_type.elem_type == TensorProto.STRING:
        raise InvalidModelError(f"{where}: graph input {vi.name!r} holds strings; netgraph reads networks whose inputs "
                                "are numbers (export the model after its tokenizer or string lookup)")
    if 0 in s[1:]:
        raise InvalidModelError(f"{where}: graph input {vi.name!r} has shape {s}: a dimension of 0 after the batch "
                                "axis makes an empty layer; export the model with the input size it is used with")
    ctx.check_labels(s[1:], f"graph input {vi.name!r}")


def _reshaped_for_convolution(ctx, users, features):
    """(channels, spatial) if every user reshapes a flat input into the same image for a channel reader."""
    shapes = {ctx.shape(n.output[0]) for n in users}
    if len(shapes) != 1:
        return None
    out = shapes.pop()
    if out is None or len(out) < 3 or any(d is None for d in out[1:]) or int(np.prod(out[1:])) != features:
        return None
    readers = [c for n in users for c in ctx.consumers.get(n.output[0], [])]
    if not any(_layout(c) == "channels" for c in readers):
        return None
    return int(out[1]), tuple(int(d) for d in out[2:])
