"""Structural mutations of an ONNX model through the onnx API (byte mutations: :mod:`fuzz.byte_mutations`).

Every structural mutation is a function ``mutate(model, rng, folder)`` registered with
:func:`mutation`; it changes ``model`` (a :class:`onnx.ModelProto`) in place and returns
a one-line description of what it did, or None when the model has nothing it applies
to (the case then tries another seed model). ``folder`` is the directory the model file
will be written to (for mutations that add files beside it: external data). The
registration says what netgraph must make of the result:

``"error"``
    a one-line error, exit status 2 (the mutation breaks the model: reading it anyway
    would lose or invent part of the graph);
``"strict-error"``
    an error, unless ``--lenient`` is given (then a cut, listed);
``"any"``
    exit 0 with a complete graph, or a one-line error: both are right.
"""

import math
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

__all__ = ["MUTATIONS", "Mutation", "mutation"]


class Mutation:
    """A registered structural mutation: its name, what netgraph must do, the function."""

    def __init__(self, name, expect, function):
        self.name, self.expect, self.function = name, expect, function

    def __repr__(self):
        return f"Mutation({self.name!r}, expect={self.expect!r})"


#: The structural mutations by name, in registration order.
MUTATIONS: dict = {}


def mutation(name, expect):
    """Register ``mutate(model, rng, folder)`` as the structural mutation ``name``."""
    def register(function):
        assert name not in MUTATIONS, name
        MUTATIONS[name] = Mutation(name, expect, function)
        return function
    return register


def _pick(rng, items):
    items = list(items)
    return items[int(rng.integers(len(items)))] if items else None


def _nodes_with(model, op_types):
    return [n for n in model.graph.node if n.op_type in op_types]


def _initializer(model, name):
    return next((t for t in model.graph.initializer if t.name == name), None)


def _weights(model):
    """The initializers that are weights (two or more dimensions)."""
    return [t for t in model.graph.initializer if len(t.dims) >= 2]


# ---------------------------------------------------------------------- the graph's wiring
@mutation("missing-input", "error")
def _missing_input(model, rng, folder):
    node = _pick(rng, [n for n in model.graph.node if n.input])
    if node is None:
        return None
    k = int(rng.integers(len(node.input)))
    old, node.input[k] = node.input[k], "nothing_makes_this"
    return f"input {k} of node {node.name!r} renamed from {old!r} to a tensor nothing produces"


@mutation("self-loop", "error")
def _self_loop(model, rng, folder):
    node = _pick(rng, [n for n in model.graph.node if n.input and n.output])
    if node is None:
        return None
    node.input[0] = node.output[0]
    return f"node {node.name!r} reads its own output {node.output[0]!r}"


@mutation("cycle", "error")
def _cycle(model, rng, folder):
    nodes = [n for n in model.graph.node if n.op_type != "Constant"]
    if len(nodes) < 2:
        return None
    i = int(rng.integers(len(nodes) - 1))
    j = int(rng.integers(i + 1, len(nodes)))
    nodes[i].input[0] = nodes[j].output[0]
    return f"node {nodes[i].name!r} reads the output of the later node {nodes[j].name!r}: a cycle"


@mutation("duplicate-output", "error")
def _duplicate_output(model, rng, folder):
    nodes = list(model.graph.node)
    if len(nodes) < 2:
        return None
    i, j = (int(v) for v in rng.choice(len(nodes), 2, replace=False))
    nodes[j].output[0] = nodes[i].output[0]
    return f"nodes {nodes[i].name!r} and {nodes[j].name!r} both produce {nodes[i].output[0]!r}"


@mutation("duplicate-initializer", "error")
def _duplicate_initializer(model, rng, folder):
    t = _pick(rng, model.graph.initializer)
    if t is None:
        return None
    copy = numpy_helper.from_array(numpy_helper.to_array(t) * 2 + 1, t.name)
    model.graph.initializer.append(copy)
    return f"initializer {t.name!r} twice, with different values"


@mutation("duplicate-graph-input", "error")
def _duplicate_graph_input(model, rng, folder):
    model.graph.input.append(model.graph.input[0])
    return f"graph input {model.graph.input[0].name!r} declared twice"


@mutation("input-shadows-initializer", "any")
def _input_shadows_initializer(model, rng, folder):
    t = _pick(rng, model.graph.initializer)
    if t is None:
        return None
    model.graph.input.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    return f"initializer {t.name!r} also declared as a graph input (IR < 4 style)"


@mutation("delete-node", "error")
def _delete_node(model, rng, folder):
    k = int(rng.integers(len(model.graph.node)))
    name = model.graph.node[k].name
    del model.graph.node[k]
    return f"node {name!r} deleted (its consumers read a tensor nothing produces)"


@mutation("missing-graph-output", "error")
def _missing_graph_output(model, rng, folder):
    old = model.graph.output[0].name
    model.graph.output[0].name = "no_such_output"
    return f"graph output {old!r} renamed to a tensor nothing produces"


@mutation("extra-graph-output", "any")
def _extra_graph_output(model, rng, folder):
    outputs = {v.name for v in model.graph.output}
    tensor = _pick(rng, [o for n in model.graph.node for o in n.output if o not in outputs])
    if tensor is None:
        return None
    model.graph.output.append(helper.make_tensor_value_info(tensor, TensorProto.FLOAT, None))
    return f"intermediate tensor {tensor!r} also a graph output"


@mutation("no-graph-output", "any")
def _no_graph_output(model, rng, folder):
    del model.graph.output[:]
    return "every graph output removed"


@mutation("duplicate-node-name", "any")
def _duplicate_node_name(model, rng, folder):
    nodes = list(model.graph.node)
    if len(nodes) < 2:
        return None
    i, j = (int(v) for v in rng.choice(len(nodes), 2, replace=False))
    nodes[j].name = nodes[i].name
    return f"two nodes named {nodes[i].name!r}"


@mutation("unnamed-nodes", "any")
def _unnamed_nodes(model, rng, folder):
    for n in model.graph.node:
        n.name = ""
    return "every node's name removed"


# ---------------------------------------------------------------------- operators
@mutation("unknown-op", "strict-error")
def _unknown_op(model, rng, folder):
    node = _pick(rng, [n for n in model.graph.node if n.op_type in ("Relu", "Add", "Flatten")])
    if node is None:
        return None
    old, node.op_type = node.op_type, "Frobnicate"
    return f"node {node.name!r} changed from {old} to the unknown operator Frobnicate"


@mutation("unknown-domain", "strict-error")
def _unknown_domain(model, rng, folder):
    node = _pick(rng, model.graph.node)
    node.domain = "com.example.fuzz"
    model.opset_import.append(helper.make_opsetid("com.example.fuzz", 1))
    return f"node {node.name!r} ({node.op_type}) moved to the domain com.example.fuzz"


def _set_attribute(node, name, value):
    for a in list(node.attribute):
        if a.name == name:
            node.attribute.remove(a)
    node.attribute.append(helper.make_attribute(name, value))


@mutation("gemm-alpha", "error")
def _gemm_alpha(model, rng, folder):
    node = _pick(rng, _nodes_with(model, ["Gemm"]))
    if node is None:
        return None
    value = _pick(rng, [math.nan, math.inf, -math.inf])
    _set_attribute(node, "alpha", value)
    return f"Gemm {node.name!r} alpha = {value}"


@mutation("gemm-beta", "any")
def _gemm_beta(model, rng, folder):
    node = _pick(rng, _nodes_with(model, ["Gemm"]))
    if node is None:
        return None
    value = _pick(rng, [math.nan, 0.0, -1.0, 1e38])
    _set_attribute(node, "beta", value)
    return f"Gemm {node.name!r} beta = {value}"


@mutation("gemm-trans", "any")
def _gemm_trans(model, rng, folder):
    node = _pick(rng, _nodes_with(model, ["Gemm"]))
    if node is None:
        return None
    attr, value = _pick(rng, ["transA", "transB"]), _pick(rng, [0, 1, 2, -1])
    _set_attribute(node, attr, value)
    return f"Gemm {node.name!r} {attr} = {value}"


@mutation("attribute-type", "any")
def _attribute_type(model, rng, folder):
    node = _pick(rng, [n for n in model.graph.node if n.attribute])
    if node is None:
        return None
    a = _pick(rng, node.attribute)
    value = _pick(rng, [b"one", 1.5, [1, 2, 3], 7])
    _set_attribute(node, a.name, value)
    return f"attribute {a.name!r} of {node.name!r} set to {value!r} (another type)"


@mutation("conv-strides", "error")
def _conv_strides(model, rng, folder):
    node = _pick(rng, _nodes_with(model, ["Conv"]))
    if node is None:
        return None
    attr = _pick(rng, ["strides", "dilations"])
    value = _pick(rng, [[0, 0], [0, 1], [-1, 1], [1, 0]])
    _set_attribute(node, attr, value)
    return f"Conv {node.name!r} {attr} = {value}"


@mutation("conv-group", "error")
def _conv_group(model, rng, folder):
    node = _pick(rng, _nodes_with(model, ["Conv"]))
    if node is None:
        return None
    value = _pick(rng, [0, -1, 7])
    _set_attribute(node, "group", value)
    return f"Conv {node.name!r} group = {value}"


@mutation("conv-geometry", "any")
def _conv_geometry(model, rng, folder):
    node = _pick(rng, _nodes_with(model, ["Conv"]))
    if node is None:
        return None
    attr, value = _pick(rng, [("pads", [-1, 0, 0, 0]), ("pads", [10**6] * 4), ("kernel_shape", [5, 5]),
                              ("kernel_shape", [1]), ("strides", [10**12, 1]), ("pads", [1, 1])])
    _set_attribute(node, attr, value)
    return f"Conv {node.name!r} {attr} = {value}"


# ---------------------------------------------------------------------- shapes and types
@mutation("input-dim", "error")
def _input_dim(model, rng, folder):
    """A non-batch dimension of the graph input set to 0, -1 or 10**12 (a declared size)."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    if len(dims) < 2:
        return None
    axis = int(rng.integers(1, len(dims)))
    value = _pick(rng, [0, -1, -7, 10**12])
    dims[axis].dim_value = value
    return f"graph input {model.graph.input[0].name!r} dimension {axis} = {value}"


@mutation("batch-dim", "any")
def _batch_dim(model, rng, folder):
    dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    value = _pick(rng, [0, 10**12, "N", None])
    if value is None:
        dim.Clear()
    elif isinstance(value, str):
        dim.dim_param = value
    else:
        dim.dim_value = value
    return f"graph input batch dimension = {value!r}"


@mutation("input-shape-unknown", "any")
def _input_shape_unknown(model, rng, folder):
    model.graph.input[0].type.tensor_type.ClearField("shape")
    return "graph input shape removed"


@mutation("input-rank", "error")
def _input_rank(model, rng, folder):
    dims = model.graph.input[0].type.tensor_type.shape.dim
    if rng.random() < 0.5:
        dims.add().dim_value = 3
        return "graph input gets an extra dimension"
    del dims[-1]
    return "graph input loses its last dimension"


@mutation("string-type", "error")
def _string_type(model, rng, folder):
    if rng.random() < 0.5 or not _weights(model):
        model.graph.input[0].type.tensor_type.elem_type = TensorProto.STRING
        return f"graph input {model.graph.input[0].name!r} typed STRING"
    t = _pick(rng, _weights(model))
    t.data_type = TensorProto.STRING
    return f"weight {t.name!r} typed STRING (its float bytes left as they are)"


@mutation("element-type", "any")
def _element_type(model, rng, folder):
    value = _pick(rng, [TensorProto.UNDEFINED, TensorProto.INT64, TensorProto.BOOL, TensorProto.COMPLEX64, 99])
    model.graph.input[0].type.tensor_type.elem_type = value
    return f"graph input element type {value}"


@mutation("value-info-conflict", "any")
def _value_info_conflict(model, rng, folder):
    tensor = _pick(rng, [o for n in model.graph.node for o in n.output])
    model.graph.value_info.append(helper.make_tensor_value_info(tensor, TensorProto.FLOAT, [7, 7, 7]))
    return f"value_info gives {tensor!r} a wrong shape (7, 7, 7)"


@mutation("opset", "any")
def _opset(model, rng, folder):
    value = _pick(rng, [0, 1, 6, 10**6, None])
    if value is None:
        del model.opset_import[:]
        return "opset imports removed"
    model.opset_import[0].version = value
    return f"default opset version {value}"


@mutation("ir-version", "any")
def _ir_version(model, rng, folder):
    model.ir_version = _pick(rng, [0, 1, 3, 10**6])
    return f"ir_version {model.ir_version}"


# ---------------------------------------------------------------------- weights
@mutation("weight-nan", "error")
def _weight_nan(model, rng, folder):
    t = _pick(rng, _weights(model))
    if t is None:
        return None
    a = numpy_helper.to_array(t).copy()
    value = _pick(rng, [np.nan, np.inf, -np.inf])
    a.flat[int(rng.integers(a.size))] = value
    t.CopyFrom(numpy_helper.from_array(a, t.name))
    return f"weight {t.name!r} holds {value}"


@mutation("weight-dims", "strict-error")
def _weight_dims(model, rng, folder):
    """The weight's declared dims disagree with its data, or with the operator (lenient: a listed cut)."""
    t = _pick(rng, _weights(model))
    if t is None:
        return None
    dims = list(t.dims)
    choice = int(rng.integers(3))
    if choice == 0 or (choice == 2 and dims == dims[::-1]):
        dims[0] += 1  # more elements declared than stored
    elif choice == 1:
        dims = [10**6, 10**6] + dims[2:]  # a huge declared size
    else:
        dims = dims[::-1]  # as many elements, in a shape the operator rejects
    del t.dims[:]
    t.dims.extend(dims)
    return f"weight {t.name!r} declares dims {dims}"


@mutation("weight-data-length", "error")
def _weight_data_length(model, rng, folder):
    t = _pick(rng, _weights(model))
    if t is None:
        return None
    cut = int(rng.integers(1, 9))
    t.raw_data = t.raw_data[:-cut] if rng.random() < 0.5 else t.raw_data + b"\0" * cut
    return f"weight {t.name!r} raw data {cut} bytes off its declared size"


def _constant_nodes(model):
    return _nodes_with(model, ["Constant"])


@mutation("constant-no-attribute", "error")
def _constant_no_attribute(model, rng, folder):
    node = _pick(rng, _constant_nodes(model))
    if node is None:
        return None
    del node.attribute[:]
    return f"Constant {node.name!r} has no attribute"


@mutation("constant-two-attributes", "error")
def _constant_two_attributes(model, rng, folder):
    node = _pick(rng, _constant_nodes(model))
    if node is None:
        return None
    node.attribute.append(helper.make_attribute("value_float", 1.0))
    return f"Constant {node.name!r} has two value attributes"


def _sparse_constant(model):
    for node in _constant_nodes(model):
        for a in node.attribute:
            if a.name == "sparse_value":
                return node, a.sparse_tensor
    return None, None


@mutation("sparse-index", "error")
def _sparse_index(model, rng, folder):
    node, sparse = _sparse_constant(model)
    if node is None:
        return None
    idx = numpy_helper.to_array(sparse.indices).copy()
    size = int(np.prod(sparse.dims))
    choice = int(rng.integers(5))
    if choice == 0:
        idx[int(rng.integers(idx.size))] = size + int(rng.integers(10**9))
        what = "an index past the end"
    elif choice == 1:
        idx[int(rng.integers(idx.size))] = -1 - int(rng.integers(10))
        what = "a negative index"
    elif choice == 2:
        idx = idx[:-1]
        what = "one index fewer than values"
    elif choice == 3:
        idx = np.stack([idx] * (len(sparse.dims) + 1), axis=1)  # (NNZ, rank + 1): coordinates of the wrong rank
        what = "indices of the wrong rank"
    else:
        idx[1] = idx[0]  # two values at one position: one of them would be lost
        what = "one index twice"
    sparse.indices.CopyFrom(numpy_helper.from_array(idx.astype(np.int64), ""))
    return f"sparse Constant {node.name!r}: {what}"


@mutation("sparse-dims", "error")
def _sparse_dims(model, rng, folder):
    node, sparse = _sparse_constant(model)
    if node is None:
        return None
    dims = _pick(rng, [[10**6, 10**6], [0, 3], [-2, 3], [2 * 10**9, 2 * 10**9]])
    del sparse.dims[:]
    sparse.dims.extend(dims)
    return f"sparse Constant {node.name!r} declares dims {dims}"


@mutation("constant-dims", "error")
def _constant_dims(model, rng, folder):
    for node in _constant_nodes(model):
        for a in node.attribute:
            if a.name == "value":
                del a.t.dims[:]
                a.t.dims.extend(_pick(rng, [[10**6, 10**6], [10**12], [4, 4]]))
                return f"dense Constant {node.name!r} declares dims {list(a.t.dims)} for its data"
    return None


@mutation("folded-size", "error")
def _folded_size(model, rng, folder):
    """A weight computed from constants (folded by the reader) to a declared 10**12 elements."""
    t = _pick(rng, _weights(model))
    if t is None:
        return None
    op = _pick(rng, ["ConstantOfShape", "Expand", "Tile"])
    name = t.name
    model.graph.initializer.remove(t)
    huge = numpy_helper.from_array(np.array([10**6, 10**6], np.int64), name + "_shape")
    if op == "ConstantOfShape":
        nodes = [helper.make_node(op, [huge.name], [name], name="fold_bomb")]
        extra = [huge]
    else:
        small = numpy_helper.from_array(np.ones((1, 1), np.float32), name + "_small")
        nodes = [helper.make_node(op, [small.name, huge.name], [name], name="fold_bomb")]
        extra = [small, huge]
    model.graph.initializer.extend(extra)
    for node in reversed(nodes):
        model.graph.node.insert(0, node)
    return f"weight {name!r} computed by {op} to shape (10**6, 10**6)"


# ---------------------------------------------------------------------- external data
def _externalise(model, rng, folder):
    t = _pick(rng, _weights(model))
    if t is None:
        return None
    raw = t.raw_data
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    return t, raw


def _set_external(t, **entries):
    del t.external_data[:]
    for key, value in entries.items():
        e = t.external_data.add()
        e.key, e.value = key, str(value)


@mutation("external-outside", "error")
def _external_outside(model, rng, folder):
    found = _externalise(model, rng, folder)
    if found is None:
        return None
    t, raw = found
    outside = os.path.join(os.path.dirname(folder), "outside.bin")
    with open(outside, "wb") as f:
        f.write(raw)
    location = _pick(rng, ["../outside.bin", outside, "/etc/passwd", "/proc/self/environ"])
    _set_external(t, location=location)
    return f"weight {t.name!r} stored as external data at {location!r} (outside the model's folder)"


@mutation("external-missing", "error")
def _external_missing(model, rng, folder):
    found = _externalise(model, rng, folder)
    if found is None:
        return None
    _set_external(found[0], location="missing.bin")
    return f"weight {found[0].name!r} stored in the missing file missing.bin"


@mutation("external-short", "error")
def _external_short(model, rng, folder):
    found = _externalise(model, rng, folder)
    if found is None:
        return None
    t, raw = found
    with open(os.path.join(folder, "w.bin"), "wb") as f:
        f.write(raw[: len(raw) // 2])
    length = _pick(rng, [len(raw), 2**40, None])
    entries = {"location": "w.bin"} if length is None else {"location": "w.bin", "length": length}
    _set_external(t, **entries)
    return f"weight {t.name!r}: external file w.bin holds half its data (length {length})"


@mutation("external-fifo", "error")
def _external_fifo(model, rng, folder):
    found = _externalise(model, rng, folder)
    if found is None:
        return None
    os.mkfifo(os.path.join(folder, "w.fifo"))
    _set_external(found[0], location="w.fifo")
    return f"weight {found[0].name!r} stored in a FIFO (reading it would block)"


@mutation("external-symlink", "any")
def _external_symlink(model, rng, folder):
    found = _externalise(model, rng, folder)
    if found is None:
        return None
    os.symlink("/etc/hostname", os.path.join(folder, "w.bin"))
    _set_external(found[0], location="w.bin")
    return f"weight {found[0].name!r} stored in w.bin, a symlink to /etc/hostname"
