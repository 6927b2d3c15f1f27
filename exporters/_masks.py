"""Graph inputs that are attention masks: they make no input layer.

torch's ``nn.MultiheadAttention(...)(q, k, v, key_padding_mask=mask)`` (and
``attn_mask``, and Hugging Face's ``attention_mask``) exported with the mask as a graph
input reads it only to shift the attention scores before their softmax: torch writes
``Where(Cast(mask), -inf, 0)``, reshaped and expanded to (batch x heads, 1, keys), added
to ``Q K^T``. Such an input carries no feature: its values only decide which computed
attention weights are zero. It makes no layer, its readers are computed values off the
path (:func:`exporters.ops._util.computed_only`), and the attention output keeps the
nodes of ``V`` as without a mask.

An input is read as such a mask when everything its data flows into (through the
element-wise, shape and reduction operators of :data:`~exporters.ops._util.COMPUTED_OPS`)

* passes through a ``Softmax`` (or ``LogSoftmax``) and ends as the left factor of a
  ``MatMul`` whose right factor is other data (``weights @ V``),
* never reaches a graph output, a learnable operator (a ``MatMul`` or ``Einsum`` with a
  constant factor, or any operator outside that list: ``Gather``, ``Gemm``, ``Conv``), or
  the right factor of a ``MatMul`` (where it would be the data ``V``).

Every other input is read as data, as before (:mod:`exporters._inputs`).
"""

from __future__ import annotations

import logging

from exporters.ops._util import COMPUTED_OPS

__all__ = ["attention_masks"]

log = logging.getLogger(__name__)

_SOFTMAX = ("Softmax", "LogSoftmax")


def attention_masks(ctx, inputs) -> dict:
    """The graph inputs among ``inputs`` that only mask attention scores, each with how it was found.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context, its ``consumers`` and ``graph_outputs`` filled in.
    inputs : list of str
        The graph inputs that are not initializers.

    Returns
    -------
    dict of str to str
        Input name to a description for ``graph.metadata["mask_input:<name>"]``.

    Examples
    --------
    A boolean padding mask added to the scores (torch's ``Where(mask, -inf, 0)`` left
    out) and a query ``x``:

    >>> from onnx import TensorProto, helper
    >>> n = helper.make_node
    >>> nodes = [n("MatMul", ["x", "xT"], ["s"]), n("Add", ["s", "mask"], ["sm"]),
    ...          n("Softmax", ["sm"], ["a"]), n("MatMul", ["a", "x"], ["y"])]
    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace(consumers={}, graph_outputs={"y"})
    >>> for node in nodes:
    ...     for i in node.input:
    ...         ctx.consumers.setdefault(i, []).append(node)
    >>> sorted(attention_masks(ctx, ["x", "mask"]))
    ['mask']
    """
    data = _data_tensors(ctx, inputs)
    found = {}
    for name in inputs:
        reason = _mask_path(ctx, name, data)
        if reason is not None:
            found[name] = reason
            log.info("graph input %r is an attention mask (%s): no input layer", name, reason)
    return found


def _data_tensors(ctx, inputs) -> set:
    """Every tensor computed from a graph input (the others are constants or computed from them)."""
    seen, todo = set(inputs), list(inputs)
    while todo:
        for node in ctx.consumers.get(todo.pop(), []):
            for out in node.output:
                if out and out not in seen:
                    seen.add(out)
                    todo.append(out)
    return seen


def _mask_path(ctx, name, data):
    """How ``name`` masks attention scores (the Softmax and the product it reaches), or None if it is data."""
    seen, todo = {name}, [name]
    softmax, products = [], []
    while todo:
        t = todo.pop()
        if t in ctx.graph_outputs:
            return None
        for node in ctx.consumers.get(t, []):
            op = node.op_type
            if op in ("Shape", "Size"):
                continue  # reads its shape only
            if op not in COMPUTED_OPS or node.domain not in ("", "ai.onnx") or op == "Einsum":
                return None  # read as data (Gather, Gemm, Conv, ...), or an Einsum whose operands are not sorted out
            if op == "MatMul":
                a, b = node.input[0], node.input[1]
                if a not in data or b not in data:
                    return None  # a learnable MatMul (a constant factor)
                if b in seen:
                    return None  # the value is the data V of weights @ V
                if a in seen:
                    products.append(node.name or node.output[0])
                    continue  # weights @ V: the product keeps V's nodes
            if op in _SOFTMAX:
                softmax.append(node.name or node.output[0])
            for out in node.output:
                if out and out not in seen:
                    seen.add(out)
                    todo.append(out)
    if not softmax or not products:
        return None
    return f"its values only shift the attention scores before Softmax {softmax[0]!r} of weights @ V {products[0]!r}"
