"""Pad: positions added around a map; a constant pad adds no input, a copying pad does.

The nodes of the output are those of the data input (a Pad of spatial or token axes
keeps the channels). What the added positions hold decides what a convolution that
reads them connects:

* ``mode="constant"`` (``nn.ZeroPad2d``, TF-style 'same' padding, Paddle exports): the
  added positions hold a constant, whatever its value, not an input. They are recorded
  as not real (:func:`exporters.ops._util.real_region`), so that a Conv or ConvTranspose
  reading them counts only the taps that read real inputs: ``Pad`` + ``Conv`` gives
  exactly the counts of the same Conv with ``pads``. The record follows the operators
  that keep the shape (activations, elementwise operators, ``Mul`` gates) and poolings
  (an output whose window reads only padding is padding), and a token-wise ``MatMul``
  does not count padded tokens. A ``Flatten`` or ``Reshape`` does not carry it: a dense
  layer after the flattened padded map counts its weights on padded positions.
* ``mode="reflect"``, ``"edge"`` and ``"wrap"``: the added positions are copies of real
  inputs of the same channel, and a convolution that reads them reads that channel: they
  count as real positions.

Negative pads crop. A Pad of the batch axis, or of the axis that carries the nodes (the
channel axis of a map, the feature axis of features-last data), adds elements that belong
to no node: it is refused. ONNX reference: https://onnx.ai/onnx/operators/onnx__Pad.html
"""

from exporters.ops import Unsupported, register
from exporters.ops._util import (attr_or_input, attrs, broadcast_map, norm_axis, output_shape, real_region,
                                 set_real_region)

__all__ = ["pad", "pad_widths"]


def pad_widths(ctx, node, rank):
    """Begin and end pads of every axis (batch axis first) of a Pad node.

    Parameters
    ----------
    ctx : exporters._context.Context
    node : onnx.NodeProto
        A Pad node (``pads`` as an attribute before opset 11, an input after; ``axes`` as
        input 3 from opset 18).
    rank : int
        The data's rank, batch axis included.

    Returns
    -------
    tuple of two lists of int
        ``(begin, end)``, one entry per axis.

    Raises
    ------
    exporters.ops.Unsupported
        The pads are not constants, or do not fit the rank.

    Examples
    --------
    >>> from onnx import helper
    >>> pad_widths(None, helper.make_node("Pad", ["x"], ["y"], pads=[0, 0, 1, 2, 0, 0, 3, 4]), 4)
    ([0, 0, 1, 2], [0, 0, 3, 4])
    """
    pads = attr_or_input(ctx, node, "pads", 1)
    if pads is None:
        raise Unsupported("it has no pads")
    axes = attr_or_input(ctx, node, "axes", 3)
    axes = list(range(rank)) if axes is None else [norm_axis(x, rank) for x in axes]
    if len(pads) != 2 * len(axes):
        raise Unsupported(f"its pads {pads} do not give a begin and an end for each of the axes {axes}")
    begin, end = [0] * rank, [0] * rank
    for k, ax in enumerate(axes):
        begin[ax], end[ax] = pads[k], pads[k + len(axes)]
    return begin, end


@register("Pad")
def pad(ctx, node):
    """Keep the channels; record the constant-padded positions as not real."""
    data = node.input[0]
    m = ctx.node_map(data)
    if m is None:
        raise Unsupported("its data input is not on the path (a parameter is)")
    if any(ctx.node_map(i) is not None for i in node.input[1:] if i):
        raise Unsupported("its pads, constant value or axes are computed from the data")
    rank = len(m.shape) + 1
    begin, end = pad_widths(ctx, node, rank)
    axis = m.feature_axis()
    if begin[0] or end[0]:
        raise Unsupported("Pad of the batch or channel axis: axis 0, the batch, gets new samples; remove it before export")
    if axis is None:
        raise Unsupported(f"its data is not a map of whole channels along one axis (shape {m.shape})")
    if begin[axis + 1] or end[axis + 1]:
        raise Unsupported(
            f"Pad of axis {axis + 1} adds elements that belong to no node: it is the batch or channel axis, the "
            f"one that carries the nodes (pads {begin[axis + 1]}, {end[axis + 1]}); pad spatial or token axes only"
        )
    want = tuple(n + begin[d + 1] + end[d + 1] for d, n in enumerate(m.shape))
    if min(want) < 1:
        raise Unsupported(f"its negative pads crop the data {m.shape} to nothing ({want})")
    out = output_shape(ctx, node.output[0], fallback=want)
    if tuple(out) != want:
        raise Unsupported(f"its output shape {tuple(out)} disagrees with the pads ({want})")
    mode = attrs(node).get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    region = real_region(ctx, data) or tuple((0, n) for n in m.shape)
    if mode == "constant":
        shifted = [(lo + begin[d + 1], hi + begin[d + 1]) for d, (lo, hi) in enumerate(region)]
        region = tuple((max(0, lo), min(n, hi)) for (lo, hi), n in zip(shifted, want))
        if any(hi <= lo for lo, hi in region):
            raise Unsupported("its negative pads crop every real position away")
    elif real_region(ctx, data) is not None:
        raise Unsupported(f"a {mode!r} Pad of constant-padded data would copy padded positions; pad once")
    else:
        region = tuple((0, n) for n in want)  # copies of real inputs: every position is real
    ctx.set_map(node.output[0], broadcast_map(m, out))
    full = all(lo == 0 and hi == n for (lo, hi), n in zip(region, want))
    set_real_region(ctx, node.output[0], None if full else region)
