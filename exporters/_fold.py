"""Constant folding: the values of Constant nodes and of nodes computed from constants.

Weights are not always initializers: a ``Constant`` node holds one (dense or sparse),
and the graph may compute one from constants (``ConstantOfShape``, ``Cast``,
``Reshape``, ``Transpose``, the ``Mul`` of a pruned weight and its mask). A node none of
whose inputs is on the path and all of whose inputs are constants is evaluated with
onnx's reference evaluator and its outputs become constants too. Random operators and
nodes with subgraphs are never folded; a node that the evaluator cannot run is left
alone (side work that no handler reads).
"""

from __future__ import annotations

import logging

import numpy as np

__all__ = ["is_constant_node", "constant_value", "record_constants", "fold"]

log = logging.getLogger(__name__)

#: Ops that are not evaluated even when every input is constant (random or stateful).
_NO_FOLD = frozenset({"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"})


def is_constant_node(node) -> bool:
    """True for a ``Constant`` node of the default domain.

    Examples
    --------
    >>> from onnx import helper
    >>> is_constant_node(helper.make_node("Constant", [], ["c"], value_float=1.0))
    True
    """
    return node.op_type == "Constant" and node.domain in ("", "ai.onnx")


def constant_value(node) -> np.ndarray:
    """The value of a ``Constant`` node, whichever attribute holds it.

    Parameters
    ----------
    node : onnx.NodeProto
        A Constant node: ``value``, ``sparse_value``, ``value_float(s)``,
        ``value_int(s)`` or ``value_string(s)``.

    Returns
    -------
    numpy.ndarray
        The value (a sparse value is made dense).

    Raises
    ------
    netgraph.ExternalDataError
        The value is stored as external data that was not loaded.
    netgraph.InvalidModelError
        The tensor cannot be read.

    Examples
    --------
    >>> from onnx import helper
    >>> constant_value(helper.make_node("Constant", [], ["c"], value_ints=[2, 3])).tolist()
    [2, 3]
    """
    from onnx import helper, numpy_helper

    a = node.attribute[0]
    v = helper.get_attribute_value(a)
    if a.name == "sparse_value":
        dense = numpy_helper.to_array(v.values)
        idx = numpy_helper.to_array(v.indices)
        out = np.zeros(int(np.prod(v.dims)), dtype=dense.dtype)
        if idx.ndim == 1:
            out[idx] = dense
        else:
            out[np.ravel_multi_index(idx.T, tuple(v.dims))] = dense
        return out.reshape(tuple(v.dims))
    if a.name == "value":
        from exporters._model import _to_array

        return _to_array(v)
    if a.name in ("value_float", "value_int"):
        return np.array(v, dtype=np.float32 if a.name == "value_float" else np.int64)
    if a.name in ("value_floats", "value_ints"):
        return np.array(list(v), dtype=np.float32 if a.name == "value_floats" else np.int64)
    if a.name == "value_string":
        return np.array(v)
    return np.array(list(v))


def record_constants(tables, graph) -> None:
    """Record the value of every Constant node of ``graph`` in ``tables``.

    Parameters
    ----------
    tables : exporters._model.ModelTables
        The model's constants.
    graph : onnx.GraphProto
        The main graph.
    """
    for n in graph.node:
        if is_constant_node(n):
            tables.set_value(n.output[0], constant_value(n))


def _has_subgraphs(node) -> bool:
    return any(a.HasField("g") or len(a.graphs) for a in node.attribute)


def fold(ctx, node) -> None:
    """Evaluate a node computed from constants alone and record its outputs' values.

    Nodes with an input that is not a constant (side work such as shape arithmetic on
    dynamic shapes), of a custom domain, random, or with subgraphs are left alone, as
    are nodes that onnx's reference evaluator cannot run. Outputs of a node that reads
    a batch-dependent value are batch-dependent too.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context (its ``tables`` receive the values).
    node : onnx.NodeProto
        A node none of whose inputs is on the path.
    """
    tables = ctx.tables
    if node.op_type in _NO_FOLD:
        return
    if not all((not i) or tables.has_value(i) for i in node.input):
        return
    if node.domain not in ("", "ai.onnx") or _has_subgraphs(node):
        return
    from onnx.reference import ReferenceEvaluator

    feeds = {i: tables.value(i) for i in node.input if i}
    try:
        opset = tables.opset.get("ai.onnx")
        ev = ReferenceEvaluator(node, opsets={"": opset} if opset else None)
        results = ev.run(None, feeds)
    except Exception as exc:  # the reference evaluator lacks an op or rejects the inputs
        log.debug("could not fold %s node %r: %s", node.op_type, node.name, exc)
        return
    dependent = any(i in tables.batch_dependent for i in node.input)
    for name, value in zip(node.output, results):
        if name:
            tables.set_value(name, np.asarray(value))
            if dependent:
                tables.batch_dependent.add(name)
