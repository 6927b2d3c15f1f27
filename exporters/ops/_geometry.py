"""Geometry of convolutions: padding, output sizes, and how often each kernel tap reads a real input.

For one spatial dimension with input size ``n``, kernel size ``k``, stride ``s``, dilation
``d`` and begin padding ``p``, output position ``o`` reads input ``o*s - p + t*d`` through
tap ``t``; the read is real when that index lies in ``[0, n)``. The number of output
positions where tap ``t`` reads a real input is what a kernel weight's connections are
multiplied by (Hou & Kwok, appendix B, for the unpadded case: ``H_out * W_out``).
Formulas of the ONNX Conv and ConvTranspose operator specifications.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from exporters.ops import Unsupported
from exporters.ops._util import attrs, channel_vector


class ConvNode(NamedTuple):
    """What Conv and ConvTranspose read from their node: attributes, data map, weight."""

    attrs: dict
    weight_name: str
    weight: np.ndarray
    vec: tuple  # (layers, units) of the input channels
    group: int
    kernel: list
    strides: list
    dilations: list
    in_size: list  # spatial size of the input


def read_conv_node(ctx, node) -> ConvNode:
    """Check a (transposed) convolution's inputs and read its geometry attributes.

    Raises :class:`~netgraph.InvalidModelError` naming the node for geometry that no
    runtime accepts: a group below 1, strides or dilations that are not one positive
    integer per spatial axis, a ``kernel_shape`` other than the weight's, ``pads`` of the
    wrong length.
    """
    op = node.op_type
    a = attrs(node)
    x, w_name = node.input[0], node.input[1]
    m = ctx.node_map(x)
    if m is None or ctx.node_map(w_name) is not None:
        raise Unsupported(f"only {op}(data, constant weight) is supported; here the weight is on the path")
    w = ctx.weight(w_name, node)
    if w.ndim < 3:
        raise Unsupported(f"{op} weight {w_name!r} must have rank >= 3, got shape {w.shape}")
    r = w.ndim - 2
    if len(m.shape) != r + 1:
        raise Unsupported(f"{op} data has non-batch shape {m.shape}, expected {r} spatial dims after the channels")
    cn = ConvNode(
        attrs=a,
        weight_name=w_name,
        weight=w,
        vec=channel_vector(m, 0, f"{op} data"),
        group=int(a.get("group", 1)),
        kernel=list(a.get("kernel_shape") or w.shape[2:]),
        strides=list(a.get("strides") or [1] * r),
        dilations=list(a.get("dilations") or [1] * r),
        in_size=list(m.shape[1:]),
    )
    _check_geometry(ctx, node, cn, r)
    return cn


def _invalid(ctx, node, text):
    from exporters._context import describe
    from netgraph.exceptions import InvalidModelError

    return InvalidModelError(f"{ctx.source or 'model'}: {describe(node)} {text}; no runtime accepts that: fix the "
                             "model or re-export it")


def _check_geometry(ctx, node, cn, r) -> None:
    """The attributes of a (transposed) convolution that every runtime requires (ONNX spec)."""
    if cn.group < 1:
        raise _invalid(ctx, node, f"has group={cn.group}; group must be an integer >= 1")
    for name, values in (("strides", cn.strides), ("dilations", cn.dilations)):
        if len(values) != r or any(v < 1 for v in values):
            raise _invalid(ctx, node, f"has {name}={values}; {name} must be {r} integers >= 1, one per spatial axis")
    if tuple(cn.kernel) != tuple(cn.weight.shape[2:]):
        raise _invalid(ctx, node, f"has kernel_shape={cn.kernel} but its weight {cn.weight_name!r} has shape "
                                  f"{cn.weight.shape}")
    pads = cn.attrs.get("pads")
    if pads and len(pads) != 2 * r:
        raise _invalid(ctx, node, f"has pads={list(pads)}; pads must be {2 * r} integers, a begin and an end per "
                                  "spatial axis")


def check_output_size(ctx, node, channels, out, n, k, d, pads) -> None:
    """Check a (transposed) convolution's output: at least 1 per axis, and its node labels within the budget.

    Parameters
    ----------
    ctx : exporters._context.Context
    node : onnx.NodeProto
    channels : int
        Output channels.
    out, n, k, d : list of int
        Output size, input size, kernel size and dilation per spatial axis.
    pads : list of int or None
        The node's ``pads`` attribute, for the message.

    Raises
    ------
    netgraph.InvalidModelError
        An output size is below 1: the (dilated) kernel is larger than the padded input
        (a Conv), or the pads remove the whole output (a ConvTranspose).
    netgraph.ResourceLimitError
        The output's node labels would take more than the memory budget.
    """
    if min(out) < 1:
        extent = [(k[i] - 1) * d[i] + 1 for i in range(len(k))]
        raise _invalid(ctx, node, f"has an empty output (size {list(out)}) for input size {list(n)}, kernel "
                                  f"extent {extent} (dilations included) and pads {list(pads or [])}")
    from exporters._context import describe

    ctx.check_labels((channels, *out), f"the output of {describe(node)}")


__all__ = ["ConvNode", "read_conv_node", "check_output_size", "real_spans", "conv_pads", "tap_reads", "transpose_pads",
           "transpose_tap_reads", "tap_weights"]


def real_spans(ctx, data, n):
    """Per spatial axis of a convolution's input, the range ``[lo, hi)`` of real positions.

    Parameters
    ----------
    ctx : exporters._context.Context
    data : str
        The input tensor.
    n : list of int
        Its spatial size.

    Returns
    -------
    list of (int, int)
        ``(0, n)`` everywhere unless a constant ``Pad`` added positions
        (:func:`exporters.ops._util.real_region`).

    Examples
    --------
    >>> class Ctx: pass
    >>> real_spans(Ctx(), "x", [4, 5])
    [(0, 4), (0, 5)]
    """
    from exporters.ops._util import real_region

    region = real_region(ctx, data)
    if region is None:
        return [(0, size) for size in n]
    return [tuple(span) for span in region[1:]]


def conv_pads(auto_pad, pads, n, k, s, d):
    """Begin pads and output sizes of a Conv, per spatial dimension."""
    r = len(n)
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else (auto_pad or "NOTSET")
    ext = [(k[i] - 1) * d[i] + 1 for i in range(r)]
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = [-(-n[i] // s[i]) for i in range(r)]
        total = [max(0, (out[i] - 1) * s[i] + ext[i] - n[i]) for i in range(r)]
        begin = [t // 2 if auto_pad == "SAME_UPPER" else t - t // 2 for t in total]
        return begin, out
    if auto_pad == "VALID":
        return [0] * r, [(n[i] - ext[i]) // s[i] + 1 for i in range(r)]
    if auto_pad != "NOTSET":
        raise Unsupported(f"unknown auto_pad {auto_pad!r}")
    pads = list(pads) if pads else [0] * (2 * r)
    begin, end = pads[:r], pads[r:]
    return begin, [(n[i] + begin[i] + end[i] - ext[i]) // s[i] + 1 for i in range(r)]


def tap_reads(n, out, k, s, d, p) -> np.ndarray:
    """For each tap ``t`` of one dimension, the output positions where it reads a real input."""
    o = np.arange(out)[:, None]
    t = np.arange(k)[None, :]
    i = o * s - p + t * d
    return ((i >= 0) & (i < n)).sum(axis=0).astype(np.int64)


def transpose_pads(auto_pad, pads, output_shape, output_padding, n, k, s, d, out_inferred):
    """Begin pads and output sizes of a ConvTranspose, per spatial dimension (ONNX spec)."""
    r = len(n)
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else (auto_pad or "NOTSET")
    op = list(output_padding) if output_padding else [0] * r
    ext = [(k[i] - 1) * d[i] + 1 for i in range(r)]
    if output_shape or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if output_shape:
            out = list(output_shape)[-r:]
        else:
            out = [n[i] * s[i] for i in range(r)]
        total = [s[i] * (n[i] - 1) + op[i] + ext[i] - out[i] for i in range(r)]
        begin = [t // 2 if auto_pad == "SAME_UPPER" else t - t // 2 for t in total]
        return begin, out
    pads = list(pads) if (pads and auto_pad == "NOTSET") else [0] * (2 * r)
    begin, end = pads[:r], pads[r:]
    out = [s[i] * (n[i] - 1) + op[i] + ext[i] - begin[i] - end[i] for i in range(r)]
    if out_inferred is not None and list(out_inferred) != out:
        raise Unsupported(f"ConvTranspose output size {out} disagrees with shape inference {list(out_inferred)}")
    return begin, out


def transpose_tap_reads(n, out, k, s, d, p) -> np.ndarray:
    """For each tap ``t``, the input positions whose contribution through ``t`` lands inside the output."""
    i = np.arange(n)[:, None]
    t = np.arange(k)[None, :]
    o = i * s - p + t * d
    return ((o >= 0) & (o < out)).sum(axis=0).astype(np.int64)


def tap_weights(reads) -> np.ndarray:
    """Outer product of per-dimension tap counts, flattened in kernel (C order) layout."""
    v = np.ones(1, dtype=np.int64)
    for r in reads:
        v = np.multiply.outer(v, r).reshape(-1)
    return v
