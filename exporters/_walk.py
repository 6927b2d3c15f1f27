"""The walk over an ONNX graph that builds a :class:`netgraph.LayeredGraph`.

The model is validated first (:mod:`exporters._validate`: unique names, every tensor
read produced or declared, no cycle, known types), which also gives the topological
order in which the nodes are visited. A node none of whose inputs is on the path
(a tensor labelled by a :class:`~exporters._nodemap.NodeMap`) is either computed from
constants alone, and then folded to its value (:mod:`exporters._fold`), or it is side
work (shape arithmetic) and ignored. A node with an input on the path goes to its op
type's handler (:mod:`exporters.ops`), with the properties the handler declared when
it registered deciding what the walk does first. A handler that raises
:class:`~exporters.ops.Unsupported` makes an error or, in lenient mode, a cut; any
other exception that escapes a handler is a bug in it and raises
:class:`~netgraph.HandlerError` in both modes. Before a node on the path is read, the
node maps of its outputs whose shapes are known are checked against the memory budget.

A tensor whose batch axis a Transpose moved (a sequence-first layout, see
:attr:`NodeMap.batch_axis <exporters._nodemap.NodeMap>`) goes on to the handlers that
follow the batch axis (Transpose, Squeeze, Unsqueeze, Reshape, Shape, Slice, Gather, Split,
Concat, Gemm with ``transA=1``)
and to the operators that do not depend on where the batch is: element-wise operators
(constants broadcast along the last axis), operators on the last axis (Softmax,
LayerNormalization) and MatMul with a weight. Their handlers see the tensor batch first
(:attr:`Context.frames <exporters._context.Context>`) and their outputs keep the batch
axis where it was. Any other operator refuses it with the reason (a cut in lenient mode).

A tensor without a batch axis of its own (a batch of one that a Reshape merged with other
axes, :attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`) goes on to the handlers that
read such a tensor (Reshape, Squeeze, Unsqueeze, Flatten, Transpose, Gemm, Slice, Gather,
Split, Concat, Shape) and to the operators that do not depend on the layout: element-wise
operators, operators on the last axis, MatMul (with a weight, or of two data tensors as in
attention). Their handlers see the tensor with a leading batch axis of 1, which is what
it is; their outputs are absorbed too. Any other operator refuses it with the reason.
"""

from __future__ import annotations

import json

from exporters._context import ABSORBED, Context, describe
from exporters._nodemap import NodeMap
from exporters._fold import fold, is_constant_node, record_constants
from exporters._inputs import add_input
from exporters._masks import attention_masks
from exporters._validate import subgraph_reads, validate_graph
from exporters.ops import Unsupported, spec_for
from netgraph.exceptions import HandlerError, InvalidModelError, NetgraphError, NoLearnableJunctionError
from netgraph.graph import LayeredGraph
from netgraph.utils.check import DEFAULT_MAX_BYTES

__all__ = ["walk", "coverage", "LEARNABLE_OPS"]

#: Operators that hold learnable weights: a node of one of them with a constant input of
#: rank >= 2 and an input that is not constant is a learnable operator of the model.
LEARNABLE_OPS = ("Gemm", "MatMul", "Conv", "ConvTranspose", "LSTM", "GRU", "RNN", "Gather", "Einsum",
                 "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "Attention")

_BATCH_LAST = "its input was transposed to (features, batch); only Gemm with transA=1 reads that"
#: Operators whose handler follows a batch axis that is not first (exporters/ops/reshape.py, slice.py,
#: split.py, concat.py).
_FOLLOWS_BATCH_AXIS = ("Squeeze", "Unsqueeze", "Reshape", "Flatten", "Slice", "Gather", "Split", "Concat")
#: Operators read the same whatever axis holds the batch: element-wise on one input ...
_LAYOUT_FREE_UNARY = (
    "Relu", "LeakyRelu", "Elu", "Selu", "Celu", "Gelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softplus",
    "Softsign", "Mish", "ThresholdedRelu", "Clip", "Swish", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Erf",
    "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Dropout", "Identity", "Cast", "CastLike",
)
#: ... element-wise on several inputs (constants broadcast along the last axis only) ...
_LAYOUT_FREE_BINARY = ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu")
#: ... and operators on the last axis (``axis=-1``).
_LAST_AXIS_OPS = ("Softmax", "LogSoftmax", "Hardmax", "LayerNormalization")
#: Operators whose handler reads a tensor that has no batch axis of its own (a batch of one merged
#: with other axes: ``NodeMap.absorbed``); the layout-free operators above, and MatMul, read it too.
_READS_ABSORBED = ("Reshape", "Squeeze", "Unsqueeze", "Transpose", "Gemm", "Slice", "Gather", "Split", "Concat",
                   "Flatten")
_REPORT = (
    "this is a bug in netgraph's operator handler, not a problem of the model (a handler states why it cannot "
    "read a node by raising exporters.ops.Unsupported); please report it to the netgraph developers with this "
    "message and the model, or a small model that shows the error"
)


def _run_handler(ctx, spec, node) -> None:
    """Call a handler; its Unsupported becomes an error or a cut, anything unforeseen a HandlerError."""
    try:
        spec.function(ctx, node)
    except Unsupported as exc:
        ctx.unsupported(node, str(exc), error=exc.error)
    except (NetgraphError, MemoryError, UnicodeDecodeError):
        raise  # read_onnx reports the last two: out of memory, a corrupt file
    except Exception as exc:
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise HandlerError(f"handler {spec.name} failed on {describe(node)} with {detail}; {_REPORT}") from exc


def _visit(ctx, node) -> None:
    """Fold, skip, refuse or hand one node to its handler."""
    if is_constant_node(node):
        return  # its value is recorded before the walk
    spec = spec_for(node.op_type, node.domain)
    on_path = [i for i in node.input if i in ctx.maps]
    if spec is not None and spec.reads_captures:
        on_path += sorted(i for i in subgraph_reads(node) if i in ctx.maps)
    if not on_path:
        if spec is not None and spec.reads_shape_only and node.input and node.input[0]:
            _run_handler(ctx, spec, node)
        else:
            fold(ctx, node)
        return
    absorbed = [i for i in on_path if ctx.maps[i].absorbed]
    for out in node.output:  # the node maps of its outputs must fit the budget
        s = ctx.shape(out)
        if out and s is not None and len(s) >= 1 and None not in s[1:]:
            ctx.check_labels(s if absorbed and None not in s else s[1:], f"tensor {out!r} of {describe(node)}")
    if absorbed:
        _visit_absorbed(ctx, spec, node, on_path, absorbed)
        return
    takes_batch_last = spec is not None and (spec.reads_batch_last or not spec.supported or spec.reads_shape_only
                                             or node.op_type in _FOLLOWS_BATCH_AXIS)
    moved = sorted({ctx.maps[i].batch_axis for i in on_path} - {0})
    if moved and not takes_batch_last:
        if any(ctx.maps[i].batch_last and len(ctx.maps[i].shape) == 1 for i in on_path):
            ctx.unsupported(node, _BATCH_LAST)
        elif spec is None:
            ctx.unsupported(node, "no handler for this operator")
        else:
            reason = _not_layout_free(ctx, node, on_path, moved)
            if reason:
                ctx.unsupported(node, reason)
            else:
                _run_in_frame(ctx, spec, node, on_path, moved[0])
    elif spec is None:
        ctx.unsupported(node, "no handler for this operator")
    else:
        _run_handler(ctx, spec, node)


def _not_layout_free(ctx, node, on_path, moved):
    """Why ``node`` cannot read its sequence-first inputs as if they were batch-first, or None if it can."""
    b = moved[0]
    s = ctx.tables.shapes.get(on_path[0])
    where = f"its input {on_path[0]!r} has the batch axis at axis {b} (a sequence-first layout, shape {s})"
    ranks = {len(ctx.maps[i].shape) + 1 for i in on_path}
    if len(moved) > 1 or len(ranks) > 1 or any(ctx.maps[i].batch_axis != b for i in on_path):
        return f"{where}, and its inputs on the path have the batch axis at different axes or ranks"
    rank = ranks.pop()
    op = node.op_type
    a = {x.name: x for x in node.attribute}
    if b == rank - 1:
        return f"{where}, its last axis"
    if op in _LAYOUT_FREE_UNARY:
        return None
    if op in _LAYOUT_FREE_BINARY:
        others = [i for i in node.input if i and i not in ctx.maps]
        if all((sh := ctx.tables.shapes.get(i)) is not None and all(d == 1 for d in sh[:-1]) for i in others):
            return None
        return f"{where}; {op} broadcasts a constant over its other axes, which netgraph does not follow there"
    if op in _LAST_AXIS_OPS:
        new_default = op == "LayerNormalization" or ctx.tables.opset.get("ai.onnx", 13) >= 13
        axis = a["axis"].i if "axis" in a else -1 if new_default else 1
        if axis in (-1, rank - 1):
            return None
        return f"{where}; {op} with axis={axis} reads an axis of that layout"
    if op == "MatMul" and len(node.input) > 1 and node.input[0] in ctx.maps and node.input[1] not in ctx.maps:
        return None
    return (f"{where}; netgraph follows such a tensor through Transpose, Squeeze, Unsqueeze, Reshape, Slice, "
            f"Gather, Split, Concat, element-wise operators, MatMul with a weight and operators on the last axis, "
            f"not through {op}: transpose it back to batch-first before it")


def _visit_absorbed(ctx, spec, node, on_path, absorbed) -> None:
    """Hand a node that reads a tensor without a batch axis of its own to its handler, or refuse it."""
    if spec is None:
        ctx.unsupported(node, "no handler for this operator")
    elif node.op_type in _READS_ABSORBED or spec.reads_shape_only or not spec.supported:
        _run_handler(ctx, spec, node)
    else:
        reason = _not_layout_free_absorbed(ctx, node, on_path, absorbed)
        if reason:
            ctx.unsupported(node, reason)
        else:
            _run_absorbed(ctx, spec, node, on_path)


def _not_layout_free_absorbed(ctx, node, on_path, absorbed):
    """Why ``node`` cannot read its inputs without a batch axis as one sample with a leading batch of 1, or None."""
    m = ctx.maps[absorbed[0]]
    where = (f"its input {absorbed[0]!r} (shape {m.shape}) has no batch axis of its own (a Reshape merged the batch "
             "of one with other axes)")
    if len(absorbed) != len(on_path):
        return f"{where}, and its other inputs on the path have one: transpose or reshape them alike first"
    op = node.op_type
    if op in _LAYOUT_FREE_UNARY or op in _LAYOUT_FREE_BINARY or op == "MatMul":
        return None
    if op in _LAST_AXIS_OPS:
        a = {x.name: x for x in node.attribute}
        new_default = op == "LayerNormalization" or ctx.tables.opset.get("ai.onnx", 13) >= 13
        axis = a["axis"].i if "axis" in a else -1 if new_default else 1
        if axis in (-1, m.rank - 1):
            return None
        return f"{where}; {op} with axis={axis} reads one of its axes"
    return (f"{where}; netgraph follows such a tensor through Reshape, Squeeze, Unsqueeze, Flatten, Transpose, "
            f"Gemm, Slice, Gather, Split, Concat, element-wise operators, MatMul and operators on the last axis, not "
            f"through {op}: give it its batch axis back (a Reshape or Unsqueeze with an axis of size 1) before it")


def _run_absorbed(ctx, spec, node, on_path) -> None:
    """Run a layout-free handler on inputs without a batch axis: seen with a leading batch of 1; outputs absorbed."""
    saved = {i: ctx.maps[i] for i in on_path}
    places = {m.batch_axis for m in saved.values()}
    place = places.pop() if len(places) == 1 else None
    rank = max(m.rank for m in saved.values())
    outs = [o for o in node.output if o]
    for i, m in saved.items():
        ctx.maps[i] = NodeMap(m.layer, m.unit, m.axis)  # one sample, batch first
    for name in list(on_path) + outs:
        ctx.frames[name] = ABSORBED
    try:
        _run_handler(ctx, spec, node)
    finally:
        for name in list(on_path) + outs:
            ctx.frames.pop(name, None)
        ctx.maps.update(saved)
    for o in outs:
        m = ctx.maps.get(o)
        if m is not None and not m.absorbed and m.batch_axis == 0:
            shift = m.layer.ndim - rank  # broadcasting puts new axes first
            ctx.maps[o] = m.absorbed_at(None if place is None else min(max(place + shift, 0), m.layer.ndim))


def _run_in_frame(ctx, spec, node, on_path, b) -> None:
    """Run a layout-free handler on sequence-first inputs: shapes batch first, outputs keep the batch axis at ``b``."""
    outs = [o for o in node.output if o]
    for name in list(on_path) + outs:
        ctx.frames[name] = b
    try:
        _run_handler(ctx, spec, node)
    finally:
        for name in list(on_path) + outs:
            ctx.frames.pop(name, None)
    for o in outs:
        m = ctx.maps.get(o)
        if m is not None and m.batch_axis == 0 and len(m.shape) + 1 > b:
            ctx.maps[o] = m.with_batch_axis(b)


def _add_inputs(ctx, g, init) -> None:
    """Input layers of the graph inputs that are not initializers, but attention masks (:mod:`exporters._masks`)."""
    masks = attention_masks(ctx, [vi.name for vi in g.input if vi.name not in init])
    for name, how in masks.items():
        ctx.notes[f"mask_input:{name}"] = how
    for vi in g.input:
        if vi.name not in init and vi.name not in masks:
            add_input(ctx, vi, ctx.consumers.get(vi.name, []))
    if not ctx.maps:
        shapes = ", ".join(f"{vi.name}: {ctx.shape(vi.name)}" for vi in g.input if vi.name not in init)
        raise InvalidModelError(
            f"{ctx.source or 'model'} has no graph input that netgraph can read (inputs need a batch axis, rank >= 2 "
            f"and a static shape; got {shapes or 'no inputs'})"
        )


def _output_layers(ctx, g) -> list[str]:
    """Names of the layers whose nodes reach a graph output, in output order."""
    outputs = []
    for vi in g.output:
        m = ctx.maps.get(vi.name)
        if m is None:
            continue
        for li in m.layers_used():
            name = ctx.layers[li].name
            if name not in outputs:
                outputs.append(name)
    return outputs


def _metadata(proto, source, opset) -> dict:
    """The model's provenance: source, producer, IR version, opset, graph name, metadata_props."""
    meta = {
        "source": source,
        "producer_name": proto.producer_name,
        "producer_version": proto.producer_version,
        "ir_version": str(proto.ir_version),
        "opset": str(opset.get("ai.onnx", "")),
        "graph_name": proto.graph.name,
    }
    meta.update({f"onnx:{p.key}": p.value for p in proto.metadata_props})
    return meta


def walk(proto, *, lenient=False, source="", max_bytes=DEFAULT_MAX_BYTES, notes=None,
         recurrent_gates="fold", flatten="channels", batch_axes=None) -> LayeredGraph:
    """Validate ``proto``, walk it and return its :class:`~netgraph.LayeredGraph`.

    Parameters
    ----------
    proto : onnx.ModelProto
        A loaded model (external data read).
    lenient : bool, default False
        Cut the graph at a node a handler cannot read instead of raising.
    source : str, default ""
        Where the model came from, for messages and ``graph.metadata``.
    max_bytes : int, default DEFAULT_MAX_BYTES
        The memory budget of one array (see :func:`exporters.read_onnx`).
    notes : dict of str to str, optional
        Metadata entries to add (the input shapes and values applied, the If nodes
        resolved).
    recurrent_gates : {"fold", "separate"}, default "fold"
        How recurrent gates are read (see :func:`exporters.read_onnx`).
    flatten : {"channels", "neurons"}, default "channels"
        How a flattened convolutional map is read (see :func:`exporters.read_onnx`).
    batch_axes : dict of str to int, optional
        The batch axis of graph inputs whose batch is not axis 0, checked (see
        :func:`exporters.read_onnx`).

    Returns
    -------
    netgraph.LayeredGraph

    Raises
    ------
    netgraph.NetgraphError
        As documented in :func:`exporters.read_onnx`: the validation's
        :class:`~netgraph.InvalidModelError` (:mod:`exporters._validate`) before
        anything else; :class:`~netgraph.HandlerError` when a handler fails unexpectedly.
    """
    order = validate_graph(proto, source=source or "model")
    ctx = Context(proto, lenient=lenient, source=source, max_bytes=max_bytes)
    ctx.recurrent_gates = recurrent_gates
    ctx.flatten = flatten
    ctx.batch_axes = dict(batch_axes or {})
    ctx.notes = {}  # metadata entries the walk adds (the shape a flattened input's nodes came from)
    g = proto.graph
    record_constants(ctx.tables, g)
    init = {t.name for t in g.initializer}
    for n in g.node:
        for i in list(n.input) + sorted(subgraph_reads(n)):
            ctx.consumers.setdefault(i, []).append(n)
    ctx.graph_outputs = {vi.name for vi in g.output}
    _add_inputs(ctx, g, init)
    for node in order:
        _visit(ctx, node)
    if not any(j.learnable for j in ctx.junctions):
        raise NoLearnableJunctionError(
            f"{source or 'model'} has no learnable junction (Gemm, MatMul with a weight, Conv, ConvTranspose) "
            "on the path from its inputs to its outputs"
        )
    outputs = _output_layers(ctx, g)
    meta = _metadata(proto, source, ctx.tables.opset)
    meta.update(notes or {})
    meta.update(ctx.notes)
    meta.update(coverage_metadata(coverage(ctx, g)))
    return LayeredGraph(ctx.layers, ctx.junctions, outputs=outputs, metadata=meta, cuts=ctx.cuts)


def _learnable(tables, node) -> bool:
    """A node of a learnable operator type with a constant weight (rank >= 2) and a data input."""
    if node.op_type not in LEARNABLE_OPS:
        return False
    names = [i for i in node.input if i]
    consts = [i for i in names if tables.has_value(i) and len(tables.shapes.get(i) or ()) >= 2]
    if node.op_type == "Gather":  # an embedding: a constant table read by token ids
        return bool(names) and names[0] in consts and len(names) > 1 and not tables.has_value(names[1])
    return bool(consts) and any(not tables.has_value(i) for i in names)


def _subgraph_nodes(node, owner):
    for a in node.attribute:
        for sub in ([a.g] if a.HasField("g") else []) + list(a.graphs):
            for n in sub.node:
                yield n, owner
                yield from _subgraph_nodes(n, owner)


def coverage(ctx, g) -> dict:
    """Which of the model's learnable operators became junctions, and why the others did not.

    Parameters
    ----------
    ctx : exporters._context.Context
        The context after the walk.
    g : onnx.GraphProto
        The main graph walked.

    Returns
    -------
    dict
        ``learnable`` (the number of learnable operators), ``junctions`` (how many of
        them made a layer with junctions) and ``missed``: one dict per other learnable
        operator with its ``op``, ``node`` and ``reason``.
    """
    made = {(lay.op, lay.node) for lay in ctx.layers if lay.kind not in ("input", "cut", "merge")}
    tensors = {lay.tensor for lay in ctx.layers if lay.kind not in ("input", "cut", "merge")}
    # a learnable operator whose junction joins a layer another operator made (the lateral
    # Gemm of a progressive network, read into its column's layer) is covered too
    joined = {(j.op, j.node) for j in ctx.junctions if j.kind == "learnable" and j.node}
    cut = {(c.get("op"), c.get("node")): c.get("reason", "") for c in ctx.cuts}
    total, covered, missed = 0, 0, []
    for node in g.node:
        if node.op_type in ("If", "Loop", "Scan", "SequenceMap"):
            for inner, owner in _subgraph_nodes(node, node):
                if inner.op_type in LEARNABLE_OPS:
                    total += 1
                    missed.append({"op": inner.op_type, "node": inner.name,
                                   "reason": f"inside control flow ({describe(owner)})"})
            continue
        if not _learnable(ctx.tables, node):
            continue
        total += 1
        if ((node.op_type, node.name) in made and (node.name or any(o in tensors for o in node.output))) \
                or (node.name and (node.op_type, node.name) in joined):
            covered += 1
            continue
        if (node.op_type, node.name) in cut:
            reason = f"cut: {cut[(node.op_type, node.name)]}"
        elif not any(i in ctx.maps for i in node.input):
            reason = "not on the path from the inputs (its data is computed from constants, or nothing reads it)"
        else:
            reason = "read without a junction"
        missed.append({"op": node.op_type, "node": node.name or node.output[0], "reason": reason})
    return {"learnable": total, "junctions": covered, "missed": missed}


def coverage_metadata(cov) -> dict:
    """The metadata entries of a coverage: ``coverage`` in words, counts and the missed operators as JSON."""
    return {
        "coverage": f"{cov['junctions']} of {cov['learnable']} learnable operators are junctions",
        "learnable_operators": str(cov["learnable"]),
        "learnable_junctions": str(cov["junctions"]),
        "not_junctions": json.dumps(cov["missed"]),
    }
