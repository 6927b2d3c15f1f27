"""Constant folding: the values of Constant nodes and of nodes computed from constants.

Weights are not always initializers: a ``Constant`` node holds one (dense or sparse),
and the graph may compute one from constants (``ConstantOfShape``, ``Cast``,
``Reshape``, ``Transpose``, the ``Mul`` of a pruned weight and its mask). A node none of
whose inputs is on the path and all of whose inputs are constants is evaluated with
onnx's reference evaluator and its outputs become constants too. Random operators and
nodes with subgraphs are never folded; a node that the evaluator cannot run is left
alone (side work that no handler reads). The shape arithmetic that exporters write
(torch's multi-head attention computes its reshape targets from ``Shape``, ``Slice``,
``Concat``, ``Mod``; a scale from ``Cast``, ``Sqrt``, ``Div``) is evaluated with numpy
directly (:func:`numpy_fold`), as the reference evaluator would, without loading it.
Sizes are checked against the memory budget before anything is allocated: a Constant's
value (a sparse one made dense, its indices checked against its shape) and each folded
output whose size shape inference knows.
"""

from __future__ import annotations

import logging

import numpy as np

from exporters._context import describe
from exporters._limits import elements, item_bytes, tensor_bytes, type_name
from exporters._model import read_tensor
from netgraph.exceptions import InvalidModelError
from netgraph.utils.check import DEFAULT_MAX_BYTES, check_budget

__all__ = ["is_constant_node", "constant_value", "record_constants", "fold", "numpy_fold"]

log = logging.getLogger(__name__)

#: The attributes that hold a Constant node's value (exactly one of them).
_VALUE_ATTRIBUTES = ("value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints", "value_string",
                     "value_strings")
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


def constant_value(node, *, max_bytes: int = DEFAULT_MAX_BYTES, where: str = "model") -> np.ndarray:
    """The value of a ``Constant`` node, whichever attribute holds it.

    Parameters
    ----------
    node : onnx.NodeProto
        A Constant node: exactly one of ``value``, ``sparse_value``, ``value_float(s)``,
        ``value_int(s)`` or ``value_string(s)``.
    max_bytes : int, default DEFAULT_MAX_BYTES
        The memory budget of one array: a value (a sparse one made dense) that would be
        larger is not read.
    where : str, default "model"
        The model, for messages.

    Returns
    -------
    numpy.ndarray
        The value (a sparse value is made dense).

    Raises
    ------
    netgraph.ExternalDataError
        The value is stored as external data that was not loaded.
    netgraph.InvalidModelError
        The node has no value attribute or several, the tensor cannot be read, or a
        sparse value's indices do not fit its shape.
    netgraph.ResourceLimitError
        The value (made dense) would take more than ``max_bytes``.

    Examples
    --------
    >>> from onnx import helper
    >>> constant_value(helper.make_node("Constant", [], ["c"], value_ints=[2, 3])).tolist()
    [2, 3]
    """
    from onnx import helper

    values = [a for a in node.attribute if a.name in _VALUE_ATTRIBUTES]
    if len(values) != 1:
        raise InvalidModelError(
            f"{where}: {describe(node)} has {len(values) or 'no'} value attributes; a Constant holds exactly one of "
            f"{', '.join(_VALUE_ATTRIBUTES)}: fix the model or re-export it"
        )
    a = values[0]
    v = helper.get_attribute_value(a)
    if a.name == "sparse_value":
        return _dense(v, node, max_bytes, where)
    if a.name == "value":
        return read_tensor(v, max_bytes, where)
    if a.name in ("value_float", "value_int"):
        return np.array(v, dtype=np.float32 if a.name == "value_float" else np.int64)
    if a.name in ("value_floats", "value_ints"):
        return np.array(list(v), dtype=np.float32 if a.name == "value_floats" else np.int64)
    if a.name == "value_string":
        return np.array(v)
    return np.array(list(v))


def _dense(sparse, node, max_bytes, where) -> np.ndarray:
    """A Constant's sparse value made dense, its shape and indices checked before anything is allocated."""
    what = f"the sparse value of {describe(node)}"
    dims = tuple(int(d) for d in sparse.dims)
    if not dims or any(d < 0 for d in dims):
        raise InvalidModelError(f"{where}: {what} has the dense shape {dims}; ONNX needs one or more non-negative "
                                "dimensions: fix the model")
    tensor_bytes(sparse.values, where)  # a known element type
    check_budget(elements(dims) * item_bytes(sparse.values.data_type), max_bytes, where,
                 f"the values of {what} (shape {dims}) made dense")
    dense = read_tensor(sparse.values, max_bytes, where)
    idx = read_tensor(sparse.indices, max_bytes, where)
    nnz = dense.shape[0] if dense.ndim == 1 else -1
    if nnz < 0 or idx.dtype.kind not in "iu" or idx.shape not in ((nnz,), (nnz, len(dims))):
        raise InvalidModelError(
            f"{where}: {what} has values of shape {dense.shape} and indices of shape {idx.shape} ({idx.dtype}); "
            f"ONNX needs (nnz,) values and integer indices of shape (nnz,) or (nnz, {len(dims)}): fix the model"
        )
    limits = np.array([elements(dims)] if idx.ndim == 1 else dims, dtype=np.int64)
    bad = np.flatnonzero(((idx < 0) | (idx >= limits)).reshape(nnz, -1).any(axis=1))
    if bad.size:
        raise InvalidModelError(f"{where}: {what} has index {idx[bad[0]].tolist()} outside its shape {dims}; "
                                "fix the model or re-export it")
    flat = idx if idx.ndim == 1 else np.ravel_multi_index(tuple(idx.T), dims)
    unique, first, seen = np.unique(flat, return_index=True, return_counts=True)
    if unique.size < flat.size:  # a value would silently overwrite another (onnx.checker refuses it too)
        repeated = int(unique[np.flatnonzero(seen > 1)[0]])
        raise InvalidModelError(f"{where}: {what} gives position {repeated} of its flattened shape {dims} more than "
                                "one value; ONNX needs each index once: fix the model or re-export it")
    out = np.zeros(elements(dims), dtype=dense.dtype)
    out[flat] = dense
    return out.reshape(dims)


def record_constants(tables, graph) -> None:
    """Record the value of every Constant node of ``graph`` in ``tables``.

    Parameters
    ----------
    tables : exporters._model.ModelTables
        The model's constants (and the budget and source its checks use).
    graph : onnx.GraphProto
        The main graph.
    """
    for n in graph.node:
        if is_constant_node(n):
            tables.set_value(n.output[0], constant_value(n, max_bytes=tables.max_bytes, where=tables.source))


def _has_subgraphs(node) -> bool:
    return any(a.HasField("g") or len(a.graphs) for a in node.attribute)


def fold(ctx, node) -> None:
    """Evaluate a node computed from constants alone and record its outputs' values.

    Nodes with an input that is not a constant (side work such as shape arithmetic on
    dynamic shapes), of a custom domain, random, or with subgraphs are left alone, as
    are nodes that onnx's reference evaluator cannot run. Outputs of a node that reads
    a batch-dependent value are batch-dependent too. Before the node is evaluated, each
    output whose size shape inference knows is checked against the memory budget.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context (its ``tables`` receive the values).
    node : onnx.NodeProto
        A node none of whose inputs is on the path.

    Raises
    ------
    netgraph.ResourceLimitError
        An output would take more than the budget (a ``ConstantOfShape`` of 10**12
        elements).
    """
    tables = ctx.tables
    if node.op_type in _NO_FOLD:
        return
    if not all((not i) or tables.has_value(i) for i in node.input):
        return
    if node.domain not in ("", "ai.onnx") or _has_subgraphs(node):
        return
    _check_outputs(tables, node)
    opset = tables.opset.get("ai.onnx")
    results = numpy_fold(node, [tables.value(i) if i else None for i in node.input], opset)
    if results is None:
        from onnx.reference import ReferenceEvaluator

        feeds = {i: tables.value(i) for i in node.input if i}
        try:
            ev = ReferenceEvaluator(node, opsets={"": opset} if opset else None)
            results = ev.run(None, feeds)
        except MemoryError:
            raise  # read_onnx reports it; a value left unfolded would be misreported as "not a constant"
        except Exception as exc:  # the reference evaluator lacks an op or rejects the inputs
            log.debug("could not fold %s node %r: %s", node.op_type, node.name, exc)
            return
    dependent = any(i in tables.batch_dependent for i in node.input)
    for name, value in zip(node.output, results):
        if name:
            tables.set_value(name, np.asarray(value))
            if dependent:
                tables.batch_dependent.add(name)


def _check_outputs(tables, node) -> None:
    """The outputs whose size shape inference knows must fit the budget before the node is evaluated."""
    for name in node.output:
        shape = tables.shapes.get(name)
        if name and shape is not None and None not in shape:
            dtype = tables.dtypes.get(name, 0)
            size = item_bytes(dtype) if type_name(dtype) not in (None, "UNDEFINED") else 8
            check_budget(elements(shape) * size, tables.max_bytes, tables.source,
                         f"the values of tensor {name!r} (shape {shape}), folded from constants by {describe(node)},")


#: ONNX element types that :func:`numpy_fold` casts to (the others go to the reference evaluator).
_CAST_TYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
               9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}
_BINARY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}


def numpy_fold(node, values, opset=None):
    """The outputs of a node on constant inputs, computed with numpy; None to ask the reference evaluator.

    Covers the shape arithmetic and casts that exporters write, with the semantics of
    the ONNX operators: Identity, Cast (to numbers and bool), Add, Sub, Mul, Div (of
    floats), Mod, Sqrt, Neg, Concat, Reshape, Slice, Squeeze, Unsqueeze (their list
    inputs of opset 10 and 13), Gather, Transpose and Shape. Anything else, an
    attribute form of an older opset, inputs of different types, or inputs the numpy
    call refuses gives None.

    Parameters
    ----------
    node : onnx.NodeProto
        The node (default domain).
    values : list
        The value of each input, None for an omitted optional input.
    opset : int, optional
        The model's default-domain opset.

    Returns
    -------
    list of numpy.ndarray or None

    Examples
    --------
    >>> from onnx import helper
    >>> n = helper.make_node("Slice", ["s", "b", "e"], ["y"])
    >>> numpy_fold(n, [np.array([5, 1, 24]), np.array([0]), np.array([-1])], opset=17)[0].tolist()
    [5, 1]
    >>> numpy_fold(helper.make_node("Det", ["x"], ["y"]), [np.eye(2)]) is None
    True
    """
    from onnx import helper

    op = node.op_type
    if node.domain not in ("", "ai.onnx"):
        return None
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    x = [None if v is None else np.asarray(v) for v in values]
    try:
        with np.errstate(all="raise"):
            out = _numpy_op(op, a, x, opset or 0)
    except (ValueError, TypeError, IndexError, ArithmeticError, FloatingPointError):
        return None
    if out is None:
        return None
    out = np.asarray(out)
    if any(v is not None and np.may_share_memory(out, v) for v in x):
        out = out.copy()  # a view (Identity, Reshape, Slice) must not alias its input's value
    return [out]


def _numpy_op(op, a, x, opset):
    """One operator's output, or None when :func:`numpy_fold` leaves it to the reference evaluator."""
    if not x or x[0] is None or any(v is not None and v.dtype.kind not in "biuf" for v in x):
        return None
    if op == "Identity":
        return x[0]
    if op == "Cast":
        to = _CAST_TYPES.get(int(a.get("to", 0)))
        return None if to is None else x[0].astype(to)
    if op in _BINARY or op in ("Div", "Mod"):
        if len(x) != 2 or x[1] is None or x[0].dtype != x[1].dtype:
            return None
        if op in _BINARY:
            return _BINARY[op](x[0], x[1])
        if op == "Div":
            return np.divide(x[0], x[1]) if x[0].dtype.kind == "f" else None
        if a.get("fmod", 0):
            return np.fmod(x[0], x[1])
        return np.mod(x[0], x[1]) if x[0].dtype.kind in "iu" else None
    if op in ("Sqrt", "Neg"):
        if len(x) != 1 or (op == "Sqrt" and x[0].dtype.kind != "f"):
            return None
        return np.sqrt(x[0]) if op == "Sqrt" else np.negative(x[0])
    if op == "Concat":
        if any(v is None for v in x) or len({v.dtype for v in x}) != 1 or "axis" not in a:
            return None
        return np.concatenate(x, axis=int(a["axis"]))
    if op == "Transpose":
        return np.transpose(x[0], a.get("perm") or None)
    if op == "Shape":
        shape = np.array(x[0].shape, dtype=np.int64)
        return shape[slice(a.get("start", 0), a.get("end", None))]
    if op == "Gather":
        if len(x) != 2 or x[1] is None or x[1].dtype.kind not in "iu":
            return None
        return np.take(x[0], x[1], axis=int(a.get("axis", 0)))
    return _numpy_shape_op(op, a, x, opset)


def _ints(v):
    return None if v is None else [int(i) for i in np.asarray(v).reshape(-1)]


def _numpy_shape_op(op, a, x, opset):
    """Reshape, Slice, Squeeze and Unsqueeze of a constant (their list inputs, not the old attributes)."""
    data = x[0]
    if op == "Reshape":
        if len(x) != 2 or x[1] is None or "shape" in a:
            return None
        target = _ints(x[1])
        if not a.get("allowzero", 0):
            target = [data.shape[i] if t == 0 else t for i, t in enumerate(target)]
        return data.reshape(target)
    if op == "Slice":
        if opset < 10 or "starts" in a or len(x) < 3:
            return None
        starts, ends = _ints(x[1]), _ints(x[2])
        axes = _ints(x[3]) if len(x) > 3 and x[3] is not None else list(range(len(starts)))
        steps = _ints(x[4]) if len(x) > 4 and x[4] is not None else [1] * len(starts)
        if not len(starts) == len(ends) == len(axes) == len(steps) or 0 in steps:
            return None
        index = [slice(None)] * data.ndim
        for st, en, ax, sp in zip(starts, ends, axes, steps):
            index[ax % data.ndim if -data.ndim <= ax < data.ndim else ax] = slice(st, en, sp)
        return data[tuple(index)]
    if op in ("Squeeze", "Unsqueeze"):
        if "axes" in a:
            return None
        axes = _ints(x[1]) if len(x) > 1 else None
        if op == "Squeeze":
            return np.squeeze(data, axis=None if not axes else tuple(axes))
        if not axes or len(set(axes)) != len(axes):
            return None
        return np.expand_dims(data, tuple(axes))
    return None
