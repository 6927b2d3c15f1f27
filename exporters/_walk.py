"""The walk over an ONNX graph that builds a :class:`netgraph.LayeredGraph`.

Nodes are visited in topological order. A node none of whose inputs is on the path
(a tensor labelled by a :class:`~exporters._nodemap.NodeMap`) is either computed from
constants alone, and then folded to its value (:mod:`exporters._fold`), or it is side
work (shape arithmetic) and ignored. A node with an input on the path goes to its op
type's handler (:mod:`exporters.ops`), with the properties the handler declared when
it registered deciding what the walk does first. A handler that raises
:class:`~exporters.ops.Unsupported` makes an error or, in lenient mode, a cut; any
other exception that escapes a handler is a bug in it and raises
:class:`~netgraph.HandlerError` in both modes.
"""

from __future__ import annotations

from exporters._context import Context, describe
from exporters._fold import fold, is_constant_node, record_constants
from exporters._inputs import add_input
from exporters.ops import Unsupported, spec_for
from netgraph.exceptions import HandlerError, InvalidModelError, NetgraphError, NoLearnableJunctionError
from netgraph.graph import LayeredGraph

__all__ = ["walk", "subgraph_reads"]

_BATCH_LAST = "its input was transposed to (features, batch); only Gemm with transA=1 reads that"
_REPORT = (
    "this is a bug in netgraph's operator handler, not a problem of the model (a handler states why it cannot "
    "read a node by raising exporters.ops.Unsupported); please report it to the netgraph developers with this "
    "message and the model, or a small model that shows the error"
)


def subgraph_reads(node) -> set[str]:
    """Names that a node's subgraphs (If, Loop, Scan branches and bodies) read from the outer scope.

    Parameters
    ----------
    node : onnx.NodeProto
        Any node; one without subgraphs reads nothing this way.

    Returns
    -------
    set of str

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> out = helper.make_tensor_value_info("t", TensorProto.FLOAT, [1])
    >>> body = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "then", [], [out])
    >>> sorted(subgraph_reads(helper.make_node("If", ["c"], ["y"], then_branch=body, else_branch=body)))
    ['x']
    """
    names = set()
    for a in node.attribute:
        graphs = ([a.g] if a.HasField("g") else []) + list(a.graphs)
        for g in graphs:
            local = {i.name for i in g.input} | {t.name for t in g.initializer}
            for n in g.node:
                local |= set(n.output)
            for n in g.node:
                names |= {i for i in n.input if i and i not in local}
                names |= subgraph_reads(n)
    return names


def _topological(nodes, available):
    """Nodes in topological order (ONNX requires it; repair a model that breaks the rule)."""
    have = set(available)
    needs = {id(n): [i for i in list(n.input) + sorted(subgraph_reads(n)) if i] for n in nodes}
    pending = list(nodes)
    out = []
    progress = True
    while pending and progress:
        progress = False
        rest = []
        for n in pending:
            if all(i in have for i in needs[id(n)]):
                out.append(n)
                have.update(o for o in n.output if o)
                progress = True
            else:
                rest.append(n)
        pending = rest
    if pending:
        # inputs from nowhere (outer scope, missing tensors): keep the remaining order
        out.extend(pending)
    return out


def _run_handler(ctx, spec, node) -> None:
    """Call a handler; its Unsupported becomes an error or a cut, anything unforeseen a HandlerError."""
    try:
        spec.function(ctx, node)
    except Unsupported as exc:
        ctx.unsupported(node, str(exc), error=exc.error)
    except (NetgraphError, MemoryError):
        raise
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
    takes_batch_last = spec is not None and (spec.reads_batch_last or not spec.supported)
    if not takes_batch_last and any(ctx.maps[i].batch_last for i in on_path):
        ctx.unsupported(node, _BATCH_LAST)
    elif spec is None:
        ctx.unsupported(node, "no handler for this operator")
    else:
        _run_handler(ctx, spec, node)


def _add_inputs(ctx, g, init) -> None:
    """Input layers of the graph inputs that are not initializers."""
    for vi in g.input:
        if vi.name not in init:
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


def walk(proto, *, lenient=False, source="") -> LayeredGraph:
    """Walk ``proto`` and return its :class:`~netgraph.LayeredGraph`.

    Parameters
    ----------
    proto : onnx.ModelProto
        A loaded model (external data read).
    lenient : bool, default False
        Cut the graph at a node a handler cannot read instead of raising.
    source : str, default ""
        Where the model came from, for messages and ``graph.metadata``.

    Returns
    -------
    netgraph.LayeredGraph

    Raises
    ------
    netgraph.NetgraphError
        As documented in :func:`exporters.read_onnx`; :class:`~netgraph.HandlerError`
        when a handler fails unexpectedly.
    """
    ctx = Context(proto, lenient=lenient, source=source)
    g = proto.graph
    record_constants(ctx.tables, g)
    init = {t.name for t in g.initializer}
    for n in g.node:
        for i in list(n.input) + sorted(subgraph_reads(n)):
            ctx.consumers.setdefault(i, []).append(n)
    ctx.graph_outputs = {vi.name for vi in g.output}
    _add_inputs(ctx, g, init)
    available = set(init) | {vi.name for vi in g.input} | {n.output[0] for n in g.node if n.op_type == "Constant"}
    for node in _topological(list(g.node), available):
        _visit(ctx, node)
    if not any(j.learnable for j in ctx.junctions):
        raise NoLearnableJunctionError(
            f"{source or 'model'} has no learnable junction (Gemm, MatMul with a weight, Conv, ConvTranspose) "
            "on the path from its inputs to its outputs"
        )
    outputs = _output_layers(ctx, g)
    return LayeredGraph(ctx.layers, ctx.junctions, outputs=outputs, metadata=_metadata(proto, source, ctx.tables.opset),
                        cuts=ctx.cuts)
