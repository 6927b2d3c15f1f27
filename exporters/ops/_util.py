"""Helpers shared by the handlers: attributes, axes, feature vectors and output maps.

Each raises :class:`~exporters.ops.Unsupported` with a reason when the node is a case
the handlers do not cover, so that a handler built on them never fails otherwise on a
model it cannot read.
"""

from __future__ import annotations

import numpy as np

from exporters.ops import Unsupported

__all__ = ["attrs", "attr_or_input", "norm_axis", "channel_vector", "only_map", "output_shape", "broadcast_map",
           "real_region", "set_real_region", "keep_real_region", "REJOIN_OPS", "COMPUTED_OPS", "computed_only",
           "mixed_map"]


def attrs(node) -> dict:
    """The node's attributes as a dict of Python values.

    Parameters
    ----------
    node : onnx.NodeProto

    Returns
    -------
    dict
        Attribute name to value (ints, floats, lists, bytes for strings, tensors, graphs).

    Examples
    --------
    >>> from onnx import helper
    >>> attrs(helper.make_node("Gemm", ["a", "b"], ["c"], transB=1, alpha=2.0))
    {'alpha': 2.0, 'transB': 1}
    """
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def attr_or_input(ctx, node, name: str, index: int, *, must_be_constant: bool = True):
    """A list of integers given as an attribute, or as a constant input in newer opsets.

    Several operators moved such a list from an attribute to an input: Reshape's
    ``shape`` (opset 5), Slice's ``starts``, ``ends``, ``axes`` and ``steps`` (10),
    Pad's ``pads`` (11), Split's ``split`` and the ``axes`` of Squeeze and Unsqueeze
    (13), and the ``axes`` of the reductions (13 and 18). The attribute wins when the
    node has both.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context (for the constant's value).
    node : onnx.NodeProto
        The node.
    name : str
        The attribute's name.
    index : int
        The position of the input that replaces it.
    must_be_constant : bool, default True
        What to do when the input is given but is not a constant: raise
        :class:`~exporters.ops.Unsupported` (True), or return None (False, for a check
        that can be skipped).

    Returns
    -------
    list of int or None
        The values; None when the node has neither the attribute nor the input.

    Raises
    ------
    exporters.ops.Unsupported
        The input is not a constant (with ``must_be_constant``), or not 1-D.

    Examples
    --------
    >>> from onnx import helper
    >>> attr_or_input(None, helper.make_node("Squeeze", ["x"], ["y"], axes=[1]), "axes", 1)
    [1]
    >>> attr_or_input(None, helper.make_node("Squeeze", ["x"], ["y"]), "axes", 1) is None
    True
    """
    a = attrs(node)
    if name in a:
        return [int(x) for x in a[name]]
    if len(node.input) <= index or not node.input[index]:
        return None
    tensor = node.input[index]
    if not must_be_constant and not ctx.is_const(tensor):
        return None
    value = np.asarray(ctx.const(tensor))
    if value.ndim != 1:
        raise Unsupported(f"its {name} input {tensor!r} must be a 1-D tensor, got shape {value.shape}")
    return [int(x) for x in value]


def norm_axis(axis: int, rank: int) -> int:
    """A non-negative axis of a rank-``rank`` tensor.

    Parameters
    ----------
    axis : int
        An ONNX axis, negative ones counting from the end.
    rank : int
        The tensor's rank, batch axis included.

    Returns
    -------
    int

    Raises
    ------
    exporters.ops.Unsupported
        The axis is out of range.

    Examples
    --------
    >>> norm_axis(-1, 4)
    3
    """
    if not -rank <= axis < rank:
        raise Unsupported(f"axis {axis} is out of range for a rank-{rank} tensor")
    return axis % rank


def channel_vector(nmap, axis, what="input"):
    """``(layers, units)`` along label ``axis`` of a node map.

    Parameters
    ----------
    nmap : exporters._nodemap.NodeMap
        The map of the input.
    axis : int
        The axis in label coordinates (0 is the tensor's axis 1).
    what : str, default "input"
        How the message names the tensor.

    Returns
    -------
    tuple of two int arrays

    Raises
    ------
    exporters.ops.Unsupported
        The labels vary along another axis too.
    """
    vec = nmap.vector(axis)
    if vec is None:
        raise Unsupported(
            f"the {what} is not a map of whole channels along axis {axis + 1} "
            f"(its elements belong to different nodes along other axes; shape {nmap.shape})"
        )
    return vec


def only_map(ctx, node, names=None):
    """The map shared by every on-path input of ``node``.

    Parameters
    ----------
    ctx : exporters._context.Context
    node : onnx.NodeProto
    names : list of str, optional
        The inputs to compare (default all of the node's inputs); those off the path are
        skipped.

    Returns
    -------
    exporters._nodemap.NodeMap
        The first on-path input's map.

    Raises
    ------
    exporters.ops.Unsupported
        Two on-path inputs carry different nodes (even after broadcasting).
    """
    names = [i for i in (names if names is not None else node.input) if ctx.node_map(i) is not None]
    first = ctx.node_map(names[0])
    for other in names[1:]:
        m = ctx.node_map(other)
        if not _same_up_to_broadcast(first, m):
            raise Unsupported("its inputs on the path belong to different layers")
    return first


def _same_up_to_broadcast(a, b) -> bool:
    if a.shape == b.shape:
        return a.same_as(b)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return False
    return np.array_equal(np.broadcast_to(a.layer, shape), np.broadcast_to(b.layer, shape)) and np.array_equal(
        np.broadcast_to(a.unit, shape), np.broadcast_to(b.unit, shape)
    )


def output_shape(ctx, name, fallback=None) -> tuple:
    """Non-batch shape of output ``name`` from shape inference, else ``fallback``.

    Parameters
    ----------
    ctx : exporters._context.Context
    name : str
        The output's tensor name.
    fallback : tuple of int, optional
        The shape to use when inference left it unknown.

    Returns
    -------
    tuple of int

    Raises
    ------
    exporters.ops.Unsupported
        The shape is unknown and there is no fallback.
    """
    s = ctx.shape(name)
    if s is not None and len(s) >= 1 and all(d is not None for d in s[1:]):
        return tuple(s[1:])
    if fallback is not None:
        return tuple(fallback)
    raise Unsupported(f"the shape of output {name!r} is unknown after shape inference; export with a fixed input size")


def broadcast_map(nmap, out_shape):
    """The map of an output of ``out_shape`` whose channels are those of ``nmap``.

    Same shape: the same labels. A shape that ``nmap`` broadcasts to: the labels
    broadcast. Otherwise the labels must be whole channels along one axis whose length
    the output keeps (pooling, padding, resizing, reductions).

    Parameters
    ----------
    nmap : exporters._nodemap.NodeMap
        The map of the data input.
    out_shape : tuple of int
        The output's non-batch shape.

    Returns
    -------
    exporters._nodemap.NodeMap

    Raises
    ------
    exporters.ops.Unsupported
        The nodes cannot be followed into that shape.

    Examples
    --------
    >>> from exporters._nodemap import NodeMap
    >>> broadcast_map(NodeMap.layer_nodes(0, 2, (2, 4, 4)), (2, 2, 2)).shape
    (2, 2, 2)
    """
    from exporters._nodemap import NodeMap

    out_shape = tuple(out_shape)
    if nmap.shape == out_shape:
        return nmap
    if len(out_shape) == len(nmap.shape):
        try:
            if np.broadcast_shapes(nmap.shape, out_shape) == out_shape:
                return NodeMap(np.broadcast_to(nmap.layer, out_shape), np.broadcast_to(nmap.unit, out_shape), nmap.axis)
        except ValueError:
            pass
        axis = nmap.feature_axis()
        if axis is not None and out_shape[axis] == nmap.shape[axis]:
            lv, uv = nmap.vector(axis)
            return NodeMap.along(lv, uv, out_shape, axis)
    raise Unsupported(f"cannot follow the nodes of a {nmap.shape} tensor into a {out_shape} output")


# ---------------------------------------------------------------- padded (not real) positions
def real_region(ctx, name):
    """The region of tensor ``name`` that holds real inputs, if a constant Pad added positions.

    A constant-mode ``Pad`` (:mod:`exporters.ops.pad`) adds positions that hold a constant,
    not an input: a convolution that reads them makes no connection there. The region is
    recorded per tensor (beside its node map) and followed by the operators that keep the
    tensor's shape.

    Parameters
    ----------
    ctx : exporters._context.Context
    name : str
        A tensor name.

    Returns
    -------
    tuple of (int, int) or None
        Per non-batch axis, the half-open range ``[lo, hi)`` of real positions; None when
        every position is real.

    Examples
    --------
    >>> class Ctx: pass
    >>> ctx = Ctx()
    >>> real_region(ctx, "x") is None
    True
    >>> set_real_region(ctx, "x", ((0, 2), (1, 5)))
    >>> real_region(ctx, "x")
    ((0, 2), (1, 5))
    """
    return getattr(ctx, "real_regions", {}).get(name)


def set_real_region(ctx, name, region) -> None:
    """Record the real region of tensor ``name`` (see :func:`real_region`); None clears it.

    Parameters
    ----------
    ctx : exporters._context.Context
    name : str
        A tensor name.
    region : tuple of (int, int) or None
        Per non-batch axis, the range of real positions.
    """
    regions = ctx.__dict__.setdefault("real_regions", {})
    if region is None:
        regions.pop(name, None)
    else:
        regions[name] = tuple((int(lo), int(hi)) for lo, hi in region)


def keep_real_region(ctx, node, out_shape) -> None:
    """Carry the real region of the node's first input to its first output when the shape is kept.

    Parameters
    ----------
    ctx : exporters._context.Context
    node : onnx.NodeProto
    out_shape : tuple of int
        The output's non-batch shape.
    """
    for name in node.input:
        region = real_region(ctx, name) if name else None
        m = ctx.node_map(name) if region is not None else None
        if m is not None and tuple(m.shape) == tuple(out_shape):
            set_real_region(ctx, node.output[0], region)
            return


# ---------------------------------------------------------------- computed values (statistics, attention weights)
#: Operators that combine a computed value with the data: where it re-joins the path.
REJOIN_OPS = ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Where", "MatMul", "Einsum")
#: Operators through which a computed value stays computed (with constants or computed values).
COMPUTED_OPS = REJOIN_OPS + (
    "Sqrt", "Reciprocal", "Neg", "Exp", "Log", "Abs", "Erf", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Relu",
    "Clip", "Cast", "CastLike", "Identity", "Dropout", "Squeeze", "Unsqueeze", "Reshape", "Expand", "Flatten",
    "Transpose", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceL2",
    "ReduceLogSumExp", "Softplus", "Mean", "Sum",
)


def computed_only(ctx, tensor):
    """Why ``tensor`` is not a value computed from the data and used only to rescale or mix it; None if it is.

    A statistic over the features of one sample (the mean and variance of a LayerNorm)
    and the attention weights ``softmax(Q K^T)`` are computed from the data, not learned:
    they carry no node. Such a tensor is left off the path when everything it flows into
    (through the elementwise, shape and reduction operators of :data:`COMPUTED_OPS`, with
    constants or other computed values) re-joins the data in an operator of
    :data:`REJOIN_OPS` whose other input is data on the path: ``Sub(x, mean)``,
    ``Div(d, std)``, ``MatMul(weights, V)``. That operator then keeps the data's nodes.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context (its ``consumers`` and ``graph_outputs``).
    tensor : str
        The computed tensor.

    Returns
    -------
    str or None
        None when the tensor only ever re-joins the data; otherwise the reason (it
        reaches a graph output, or an operator that would use it as data).
    """
    seen, todo = {tensor}, [tensor]
    while todo:
        t = todo.pop()
        if t in ctx.graph_outputs:
            return f"the computed value {tensor!r} reaches the graph output {t!r}"
        for n in ctx.consumers.get(t, []):
            if n.op_type in ("Shape", "Size"):
                continue  # reads its shape only
            others = [i for i in n.input if i and i not in seen and not ctx.is_const(i)]
            if n.op_type in REJOIN_OPS and others:
                continue  # re-joins the data here
            if n.op_type not in COMPUTED_OPS or n.domain not in ("", "ai.onnx"):
                return f"the computed value {tensor!r} is read as data by {n.op_type} node {n.name!r}"
            for out in n.output:
                if out and out not in seen:
                    seen.add(out)
                    todo.append(out)
    return None


def mixed_map(m, out, op, mixed_axis=-2):
    """The map of ``weights @ V``: ``V``'s labels, the same along the mixed (token) axis.

    Parameters
    ----------
    m : exporters._nodemap.NodeMap
        The map of ``V``.
    out : tuple of int
        The output's non-batch shape.
    op : str
        The operator, for messages.
    mixed_axis : int, default -2
        The axis of ``V`` that the weights mix (summed over).

    Returns
    -------
    exporters._nodemap.NodeMap

    Raises
    ------
    exporters.ops.Unsupported
        ``V``'s labels vary along the mixed axis, or do not broadcast to the output.

    Examples
    --------
    >>> from exporters._nodemap import NodeMap
    >>> v = NodeMap.layer_nodes(3, 4, (5, 4), 1)  # 5 tokens, 4 features
    >>> mm = mixed_map(v, (7, 4), "MatMul")
    >>> mm.shape, mm.vector(1)[1].tolist()
    ((7, 4), [0, 1, 2, 3])
    """
    from exporters._nodemap import NodeMap

    if len(m.shape) < 2:
        raise Unsupported(f"{op}: the data mixed by computed weights must have rank >= 3, got {m.shape}")
    ax = mixed_axis % len(m.shape)
    first = tuple(slice(0, 1) if d == ax else slice(None) for d in range(len(m.shape)))
    lv, uv = m.layer[first], m.unit[first]
    if not (np.array_equal(np.broadcast_to(lv, m.shape), m.layer) and np.array_equal(np.broadcast_to(uv, m.shape), m.unit)):
        raise Unsupported(f"{op}: computed weights mix positions of the data that belong to different nodes")
    out = tuple(out)
    while lv.ndim < len(out):
        lv, uv = lv[None], uv[None]
    try:
        layer, unit = np.broadcast_to(lv, out), np.broadcast_to(uv, out)
    except ValueError:
        raise Unsupported(f"{op}: the nodes of a {m.shape} tensor do not follow into its {out} output") from None
    return NodeMap(layer, unit, len(out) - 1 if m.axis == len(m.shape) - 1 else None)
