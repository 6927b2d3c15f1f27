"""Einsum: a dense layer when one operand is a constant weight; attention when both are data.

With a constant weight, ``Einsum("btc,co->bto", x, W)`` (or ``"bthd,hde->bte"``, heads
included) is a dense layer: the letters the data and the weight share are contracted
(the data's features), the weight's other letters are the new layer's nodes (their
product), the data's other letters are positions that share each weight (``count`` is
the number of nonzero weights times the number of positions, as for a token-wise
MatMul). The first letter of the data is its batch axis and must stay first.

With two data operands on the path (``"bhqd,bhkd->bhqk"``) the product computes attention
weights: no node (:func:`exporters.ops._util.computed_only`). The product of such
computed weights with data (``"bhqk,bhkd->bhqd"``) keeps the data's nodes, which must not
vary along the contracted letters. An ellipsis and other cases are refused. ONNX
reference: https://onnx.ai/onnx/operators/onnx__Einsum.html
"""

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs, computed_only, output_shape

__all__ = ["einsum", "parse_equation"]


def parse_equation(equation):
    """The operands' letters and the output's letters of a two-operand einsum equation.

    Parameters
    ----------
    equation : str or bytes
        ``"ab,bc->ac"``; an explicit output is required.

    Returns
    -------
    tuple of (list of str, str)

    Raises
    ------
    exporters.ops.Unsupported
        No explicit output, an ellipsis, a letter repeated within an operand, or not two
        operands.

    Examples
    --------
    >>> parse_equation("btc, co -> bto")
    (['btc', 'co'], 'bto')
    """
    eq = (equation.decode() if isinstance(equation, bytes) else str(equation)).replace(" ", "")
    if "->" not in eq or "." in eq:
        raise Unsupported(f"Einsum equation {eq!r}: only explicit outputs without an ellipsis are supported")
    lhs, out = eq.split("->")
    ops = lhs.split(",")
    if len(ops) != 2 or any(len(set(o)) != len(o) for o in ops + [out]):
        raise Unsupported(f"Einsum equation {eq!r}: two operands, each letter once per operand, are supported")
    return ops, out


@register("Einsum", input_layout="features_last")
def einsum(ctx, node):
    """Add a dense layer (a constant operand), or follow attention (two data operands)."""
    if len(node.input) != 2:
        raise Unsupported(f"Einsum of {len(node.input)} operands: two are supported")
    (la, lb), lo = parse_equation(attrs(node).get("equation", b""))
    ma, mb = ctx.node_map(node.input[0]), ctx.node_map(node.input[1])
    if ma is not None and mb is not None:
        reason = computed_only(ctx, node.output[0])
        if reason is not None:
            raise Unsupported(f"a product of two tensors on the path (attention weights) is computed, and {reason}")
        return
    data, letters, other, wl = (ma, la, node.input[1], lb) if ma is not None else (mb, lb, node.input[0], la)
    if not ctx.is_const(other):
        out = output_shape(ctx, node.output[0])
        ctx.set_map(node.output[0], _mixed(data, letters, lo, out))
        return
    _dense(ctx, node, data, letters, ctx.weight(other, node), wl, lo)


def _mixed(m, letters, lo, out):
    """Computed weights times data: the data's labels, constant along the contracted letters."""
    shape = dict(zip(letters[1:], m.shape))
    idx = tuple(slice(None) if c in lo else slice(0, 1) for c in letters[1:])
    lv, uv = m.layer[idx], m.unit[idx]
    if not (np.array_equal(np.broadcast_to(lv, m.shape), m.layer) and np.array_equal(np.broadcast_to(uv, m.shape), m.unit)):
        raise Unsupported("Einsum: computed weights mix positions of the data that belong to different nodes")
    kept = [c for c in letters[1:] if c in lo]
    lv, uv = lv.reshape([shape[c] for c in kept]), uv.reshape([shape[c] for c in kept])
    order = [c for c in lo[1:] if c in kept]
    lv, uv = np.transpose(lv, [kept.index(c) for c in order]), np.transpose(uv, [kept.index(c) for c in order])
    view = [shape[c] if c in kept else 1 for c in lo[1:]]
    return NodeMap(np.broadcast_to(lv.reshape(view), out), np.broadcast_to(uv.reshape(view), out))


def _dense(ctx, node, m, dl, w, wl, lo):
    """A dense layer for Einsum(data, weight) (either order)."""
    if len(dl) != len(m.shape) + 1 or len(wl) != w.ndim:
        raise Unsupported(f"Einsum letters {dl!r}, {wl!r} do not fit the data {m.shape} and the weight {w.shape}")
    batch = dl[0]
    contracted = [c for c in dl[1:] if c in wl]
    new = [c for c in wl if c not in dl]
    kept = [c for c in dl[1:] if c not in wl]
    if not contracted or not lo or lo[0] != batch or batch in wl or sorted(lo[1:]) != sorted(kept + new):
        raise Unsupported(f"Einsum {dl},{wl}->{lo} is not a dense layer on the data's features (batch axis first)")
    dshape = dict(zip(dl[1:], m.shape))
    perm = [dl[1:].index(c) for c in kept + contracted]
    n_pos = int(np.prod([dshape[c] for c in kept], dtype=np.int64))
    n_in = int(np.prod([dshape[c] for c in contracted], dtype=np.int64))
    flat = m.transpose(perm).reshape((n_pos, n_in))
    vec = flat.vector(1)
    if vec is None:
        raise Unsupported("Einsum: the contracted axes of the data are not the same nodes at every position")
    wt = np.transpose(w, [wl.index(c) for c in new + contracted])
    nshape = list(wt.shape[:len(new)])
    size = int(np.prod(nshape, dtype=np.int64))
    wt = np.ascontiguousarray(wt.reshape(size, n_in))
    spatial = tuple(dshape[c] for c in kept)
    li = ctx.new_layer(node, kind="dense", size=size, spatial=spatial, tensor=node.output[0])
    ctx.connect_dense(li, wt, vec, node, positions=n_pos)
    labels = NodeMap.layer_nodes(li, size, (n_pos, size), 1).reshape(tuple(dshape[c] for c in kept) + tuple(nshape))
    order = kept + new
    nmap = labels.transpose([order.index(c) for c in lo[1:]])
    axis = lo[1:].index(new[0]) if len(new) == 1 else None
    ctx.set_map(node.output[0], NodeMap(nmap.layer, nmap.unit, axis))
