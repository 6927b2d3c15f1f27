"""Reshape, Squeeze and Unsqueeze: the labels are reshaped as the tensor is.

Flatten is in :mod:`exporters.ops.flatten`. A Reshape of a batch-first tensor to one axis
of features per sample (``x.view(N, -1)``, which torch's dynamo exporter writes for
``nn.Flatten``) is read as a Flatten is (:func:`exporters.ops.flatten.flattened`): with
``read_onnx(flatten="neurons")`` a flattened convolutional map becomes a layer of neurons.

Squeeze, Unsqueeze and Reshape follow a batch
axis that a Transpose moved (a sequence-first layout): the output's batch axis is the one
that the same number of elements precedes, of the same size, so that the labels of the
other axes keep their order (:func:`moved_batch_axis`).

**A batch of one merged with other axes.** When the batch size is known to be 1 (every
graph input read as data declares a batch of 1, or shape inference says so), a reshape
may merge the batch axis with its neighbours: torch's ``nn.MultiheadAttention`` turns
(sequence, batch, features) into (sequence, batch x heads, head features), and
(sequence, batch, heads, head features) into (sequence x batch, features) for its output
projection. The labels of the one sample reshape as the tensor does; the output's map is
*absorbed* (:attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`): its labels cover every
axis of the tensor, and the place of the batch (the boundary that the same number of
elements precedes) is kept. A later reshape that makes an axis of size 1 at that place
gives the batch its axis back (:func:`reshape_map`). A batch that is larger than 1 or
unknown is never merged: such a reshape stays an error (a cut in lenient mode), since the
samples' elements would mix.
"""

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import attr_or_input, attrs, norm_axis

__all__ = ["reshape", "reshape_map", "moved_batch_axis", "batch_place"]


def _apply(ctx, node, out_nonbatch):
    m = ctx.node_map(node.input[0])
    if m is None:
        raise Unsupported("its data input is not on the path")
    out_nonbatch = tuple(int(d) for d in out_nonbatch)
    if int(np.prod(out_nonbatch, dtype=np.int64)) != int(np.prod(m.shape, dtype=np.int64)):
        raise Unsupported(
            f"reshaping {m.shape} into {out_nonbatch} per sample would mix the batch axis with the features"
        )
    if node.op_type == "Reshape" and len(out_nonbatch) == 1 and getattr(ctx, "flatten", "channels") == "neurons":
        from exporters.ops.flatten import flattened  # a Reshape to (N, -1) flattens as Flatten does

        ctx.set_map(node.output[0], flattened(ctx, node, m))
        return
    ctx.set_map(node.output[0], m.reshape(out_nonbatch))


@register("Reshape", input_layout="flat")
@register("Squeeze", "Unsqueeze", input_layout="unit_axes")
def reshape(ctx, node):
    """Reshape by the inferred output shape (or the constant or folded target shape)."""
    m = ctx.node_map(node.input[0])
    if m is None:
        raise Unsupported("its data input is not on the path")
    if m.batch_axis == 0 and not m.absorbed:
        try:
            _reshape_batch_first(ctx, node, m)
            return
        except Unsupported as exc:
            batch = ctx.batch_size(node.input[0])
            if batch != 1:
                raise Unsupported(f"{exc} (batch size {'unknown' if batch is None else batch}; netgraph takes axis 0 "
                                  "of a graph input for the batch axis, and merges or moves it only when its size is "
                                  "1; for a sequence-first input, such as (T, 1, E), pass read_onnx(batch_axes={name: "
                                  "1}))") from None
    s_out = ctx.tables.shapes.get(node.output[0])
    if s_out is None or None in s_out:
        s_out = _evaluated_shape(ctx, node, m.full_shape(ctx.batch_size(node.input[0]) or 1), absorbed=m.absorbed)
    ctx.set_map(node.output[0], reshape_map(ctx, node, m, s_out))


def _reshape_batch_first(ctx, node, m):
    s_in = ctx.shape(node.input[0])
    s_out = ctx.shape(node.output[0])
    if s_out is not None and all(d is not None for d in s_out[1:]) and len(s_out) >= 1:
        if s_in is not None and s_in[0] is not None and s_out[0] is not None and s_in[0] != s_out[0]:
            raise Unsupported(f"{node.op_type} changes the batch axis ({s_in[0]} -> {s_out[0]})")
        _apply(ctx, node, s_out[1:])
        return
    _apply(ctx, node, _fallback_shape(ctx, node, m.shape))


def _fallback_shape(ctx, node, nonbatch):
    """Output shape when shape inference gave none: evaluate on the input's batch size (1 if unknown)."""
    batch = ctx.batch_size(node.input[0]) or 1
    out = _evaluated_shape(ctx, node, (batch,) + tuple(nonbatch))
    if not out or out[0] != batch:
        raise Unsupported(f"{node.op_type} to shape {out} moves the batch axis")
    return out[1:]


def _evaluated_shape(ctx, node, full, absorbed=False):
    """The full output shape of the node on an input of shape ``full``.

    A Squeeze without axes removes every axis of size 1 but the batch axis (axis 0),
    every one of them when the tensor has no batch axis of its own (``absorbed``).
    """
    op = node.op_type
    a = attrs(node)
    if op == "Reshape":
        target = attr_or_input(ctx, node, "shape", 1, must_be_constant=False)
        if target is None:
            raise Unsupported("the target shape is neither constant nor inferred")
        if not a.get("allowzero", 0):
            target = [full[i] if t == 0 else t for i, t in enumerate(target)]
        try:
            out = np.empty(full, dtype=np.int8).reshape(target).shape
        except ValueError:
            raise Unsupported(f"the target shape {list(target)} does not fit an input of shape {tuple(full)}") from None
    else:
        axes = attr_or_input(ctx, node, "axes", 1)
        if op == "Squeeze":
            axes = ([norm_axis(x, len(full)) for x in axes] if axes else
                    [i for i, d in enumerate(full) if d == 1 and (i or absorbed)])
            out = tuple(d for i, d in enumerate(full) if i not in axes)
        else:
            if axes is None:
                raise Unsupported("Unsqueeze needs its axes (an attribute or a constant input)")
            r = len(full) + len(axes)
            axes = sorted(norm_axis(x, r) for x in axes)
            out = list(full)
            for ax in axes:
                out.insert(ax, 1)
            out = tuple(out)
    return tuple(out)


def moved_batch_axis(s_in, b, s_out):
    """The axis of ``s_out`` that holds the batch axis ``b`` of ``s_in`` after a reshape, or None.

    It is the first axis of the batch's size (or unknown size) that as many elements
    precede as precede the batch in ``s_in``; None when the reshape mixes the batch
    with other axes.

    Examples
    --------
    >>> moved_batch_axis((5, 1, 6), 1, (5, 1, 2, 3)), moved_batch_axis((5, 1, 1, 6), 2, (5, 1, 6))
    (1, 1)
    >>> moved_batch_axis((5, 2, 6), 1, (10, 6)) is None
    True
    """
    if any(d is None for k, d in enumerate(s_in) if k != b):
        return None
    before = int(np.prod(s_in[:b], dtype=np.int64))
    n = 1
    for k, d in enumerate(s_out):
        if n == before and (d == s_in[b] or (d is None and s_in[b] in (None, 1))):
            return k
        if d is None:
            return None
        n *= int(d)
        if n > before:
            return None
    return None


def batch_place(s_in, b, s_out):
    """Where a batch axis of size 1 at axis ``b`` of ``s_in`` sits in ``s_out`` once a reshape merged it.

    It is the first axis of ``s_out`` that as many elements precede as precede the batch
    in ``s_in`` (``len(s_out)`` when that is all of them): a batch axis of size 1 inserted
    there gives the same element order. None when no boundary of ``s_out`` falls there
    (the reshape splits an axis across the batch's place).

    Parameters
    ----------
    s_in : tuple of int
        The input's shape, batch axis (of size 1) included.
    b : int
        The batch axis of ``s_in``.
    s_out : tuple of int
        The output's shape, which has no axis for the batch.

    Returns
    -------
    int or None

    Examples
    --------
    torch's multi-head attention: (sequence, batch, features) to (sequence, batch x heads,
    head features), and (sequence, batch, heads, head features) to (sequence x batch,
    features):

    >>> batch_place((5, 1, 8), 1, (5, 2, 4)), batch_place((5, 1, 2, 4), 1, (5, 8))
    (1, 1)
    >>> batch_place((1, 6, 4), 0, (24,)), batch_place((3, 1, 4), 1, (2, 6)) is None
    (0, True)
    """
    before = int(np.prod(s_in[:b], dtype=np.int64))
    n = 1
    for k, d in enumerate(s_out):
        if n == before:
            return k
        n *= int(d)
    return len(s_out) if n == before else None


def reshape_map(ctx, node, m, s_out):
    """The node map of a reshape of a tensor labelled by ``m`` into the full shape ``s_out``.

    The batch axis is followed (:func:`moved_batch_axis`). A batch of size 1 that the
    reshape merges with other axes is absorbed (:func:`batch_place`); an absorbed batch
    gets its axis back when the output has an axis of size 1 at its place, or, if its
    place is unknown, at the output's first axis of size 1.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context (for the batch size, :meth:`~exporters._context.Context.batch_size`).
    node : onnx.NodeProto
        The reshaping node (its first input is the tensor labelled by ``m``).
    m : exporters._nodemap.NodeMap
        The input's labels.
    s_out : tuple of int
        The output's full shape (batch axis included, if it has one).

    Returns
    -------
    exporters._nodemap.NodeMap

    Raises
    ------
    exporters.ops.Unsupported
        A dim of ``s_out`` is unknown, the element counts differ, or the reshape merges a
        batch axis with other axes while the batch size is not known to be 1.
    """
    s_out = tuple(s_out)
    if m.absorbed:
        if None in s_out or int(np.prod(s_out, dtype=np.int64)) != int(np.prod(m.shape, dtype=np.int64)):
            raise Unsupported(f"{node.op_type} from {m.shape} to {s_out}: the element counts differ")
        s_in = m.explicit_shape()
        if s_in is not None:
            b = moved_batch_axis(s_in, m.batch_axis, s_out)
            if b is not None:
                return m.reshape(s_out[:b] + s_out[b + 1:]).with_batch_axis(b)
            return m.reshape(s_out).absorbed_at(batch_place(s_in, m.batch_axis, s_out))
        ones = [k for k, d in enumerate(s_out) if d == 1]
        if ones:
            return m.reshape(s_out[:ones[0]] + s_out[ones[0] + 1:]).with_batch_axis(ones[0])
        return m.reshape(s_out).absorbed_at(None)
    batch = ctx.batch_size(node.input[0])
    s_in = m.full_shape(1 if batch is None else batch)
    b = moved_batch_axis(s_in, m.batch_axis, s_out)
    if b is not None and not any(d is None for k, d in enumerate(s_out) if k != b):
        labels = tuple(int(d) for k, d in enumerate(s_out) if k != b)
        if int(np.prod(labels, dtype=np.int64)) == int(np.prod(m.shape, dtype=np.int64)):
            return m.reshape(labels).with_batch_axis(b)
    if None in s_out or batch != 1 or int(np.prod(s_out, dtype=np.int64)) != int(np.prod(m.shape, dtype=np.int64)):
        size = "unknown" if batch is None else batch
        raise Unsupported(f"{node.op_type} from {s_in} to {s_out} mixes the batch axis (axis {m.batch_axis}, size "
                          f"{size}) with other axes; netgraph merges a batch axis with others only when the batch size "
                          "is 1: export the model with a batch of 1 (or pass input_shapes with a batch of 1)")
    return m.reshape(tuple(int(d) for d in s_out)).absorbed_at(batch_place(s_in, m.batch_axis, s_out))
