"""Reshape, Squeeze and Unsqueeze: the labels are reshaped as the tensor is.

Flatten is in :mod:`exporters.ops.flatten`. Squeeze, Unsqueeze and Reshape follow a batch
axis that a Transpose moved (a sequence-first layout): the output's batch axis is the one that the same number of
elements precedes, of the same size, so that the labels of the other axes keep their
order (:func:`moved_batch_axis`).
"""

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import attr_or_input, attrs, norm_axis

__all__ = ["reshape", "moved_batch_axis"]


def _apply(ctx, node, out_nonbatch):
    m = ctx.node_map(node.input[0])
    if m is None:
        raise Unsupported("its data input is not on the path")
    out_nonbatch = tuple(int(d) for d in out_nonbatch)
    if int(np.prod(out_nonbatch, dtype=np.int64)) != int(np.prod(m.shape, dtype=np.int64)):
        raise Unsupported(
            f"reshaping {m.shape} into {out_nonbatch} per sample would mix the batch axis with the features"
        )
    ctx.set_map(node.output[0], m.reshape(out_nonbatch))


@register("Reshape", input_layout="flat")
@register("Squeeze", "Unsqueeze", input_layout="unit_axes")
def reshape(ctx, node):
    """Reshape by the inferred output shape (or the constant target shape)."""
    m = ctx.node_map(node.input[0])
    if m.batch_axis:
        _reshape_moved(ctx, node, m)
        return
    s_in = ctx.shape(node.input[0])
    s_out = ctx.shape(node.output[0])
    if s_out is not None and all(d is not None for d in s_out[1:]) and len(s_out) >= 1:
        if s_in is not None and s_in[0] is not None and s_out[0] is not None and s_in[0] != s_out[0]:
            raise Unsupported(f"{node.op_type} changes the batch axis ({s_in[0]} -> {s_out[0]})")
        _apply(ctx, node, s_out[1:])
        return
    _apply(ctx, node, _fallback_shape(ctx, node, m.shape))


def _fallback_shape(ctx, node, nonbatch):
    """Output shape when shape inference gave none: evaluate on a batch of one."""
    out = _evaluated_shape(ctx, node, (1,) + tuple(nonbatch))
    if not out or out[0] != 1:
        raise Unsupported(f"{node.op_type} to shape {out} moves the batch axis")
    return out[1:]


def _evaluated_shape(ctx, node, full):
    """The full output shape of the node on an input of shape ``full``."""
    op = node.op_type
    a = attrs(node)
    if op == "Reshape":
        target = attr_or_input(ctx, node, "shape", 1, must_be_constant=False)
        if target is None:
            raise Unsupported("the target shape is neither constant nor inferred")
        if not a.get("allowzero", 0):
            target = [full[i] if t == 0 else t for i, t in enumerate(target)]
        out = np.empty(full, dtype=np.int8).reshape(target).shape
    else:
        axes = attr_or_input(ctx, node, "axes", 1)
        if op == "Squeeze":
            axes = [norm_axis(x, len(full)) for x in axes] if axes else [i for i, d in enumerate(full) if d == 1 and i]
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


def _reshape_moved(ctx, node, m):
    """Squeeze, Unsqueeze or Reshape of a tensor whose batch axis is not first."""
    s_in, s_out = m.full_shape(), ctx.tables.shapes.get(node.output[0])
    if s_out is None or None in s_out:
        s_out = _evaluated_shape(ctx, node, s_in)
    b = moved_batch_axis(s_in, m.batch_axis, s_out)
    if b is None or any(d is None for k, d in enumerate(s_out) if k != b):
        raise Unsupported(f"{node.op_type} from {s_in} to {s_out} mixes the batch axis (axis {m.batch_axis}) with "
                          "other axes")
    labels = tuple(int(d) for k, d in enumerate(s_out) if k != b)
    _apply(ctx, node, labels)
    ctx.set_map(node.output[0], ctx.node_map(node.output[0]).with_batch_axis(b))
