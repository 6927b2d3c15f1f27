"""If, Loop, Scan and SequenceMap: a layer inside control flow has no fixed wiring.

An ``If`` whose condition is computed from constants alone (initializers, Constant
nodes, and graph inputs that the user fixed with ``input_values=``, CLI
``--input-value``) is resolved before the walk by :func:`inline_branches`: the condition
is evaluated and the node is replaced by the nodes of the branch it takes, so the layers
of that branch are read like any others (a model choosing between two sets of weights
by a sample-rate input). Any other control-flow node is on the path when one of its
inputs is, or when one of its subgraphs reads a tensor of the path from the outer scope
(``reads_captures=True``). Such a node raises :class:`~netgraph.ControlFlowError` in
strict and in lenient mode alike: it is never cut; for an ``If``, the message names the
graph inputs that decide the branch and the flag that fixes them. A control-flow node
off the path is ignored (a node with subgraphs is never folded). The operators are
registered with ``supported=False``: :func:`~exporters.ops.supported_ops` leaves them
out. ONNX reference: https://onnx.ai/onnx/operators/onnx__If.html
"""

import logging

import numpy as np

from exporters.ops import Unsupported, register

__all__ = ["control_flow", "inline_branches", "deciding_inputs", "CONTROL_FLOW_OPS"]

log = logging.getLogger(__name__)

#: The operators of the default domain that hold subgraphs.
CONTROL_FLOW_OPS = ("If", "Loop", "Scan", "SequenceMap")


def _ancestors(graph, name):
    """The nodes that ``name`` is computed from (in graph order) and the graph inputs it reads."""
    producer = {o: n for n in graph.node for o in n.output if o}
    inits = {t.name for t in graph.initializer}
    inputs = {vi.name for vi in graph.input} - inits
    nodes, leaves, seen, todo = [], set(), set(), [name]
    while todo:
        t = todo.pop()
        if t in seen or not t:
            continue
        seen.add(t)
        if t in inputs:
            leaves.add(t)
        elif t in producer:
            n = producer[t]
            if id(n) not in {id(x) for x in nodes}:
                nodes.append(n)
                todo.extend(n.input)
    order = {id(n): k for k, n in enumerate(graph.node)}
    return sorted(nodes, key=lambda n: order[id(n)]), leaves


def deciding_inputs(graph, node) -> list:
    """The graph inputs that an ``If`` node's condition is computed from, sorted.

    Parameters
    ----------
    graph : onnx.GraphProto
        The graph holding ``node``.
    node : onnx.NodeProto
        An ``If`` node.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> sr = helper.make_tensor_value_info("sr", TensorProto.INT64, [])
    >>> eq = helper.make_node("Equal", ["sr", "k"], ["c"])
    >>> g = helper.make_graph([eq], "g", [sr], [], [helper.make_tensor("k", TensorProto.INT64, [], [16000])])
    >>> deciding_inputs(g, helper.make_node("If", ["c"], ["y"]))
    ['sr']
    """
    return sorted(_ancestors(graph, node.input[0])[1])


def _condition(model, graph, node):
    """The value of an If's condition if it is computed from constants alone, else None."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    nodes, leaves = _ancestors(graph, node.input[0])
    if leaves or any(n.op_type in CONTROL_FLOW_OPS for n in nodes):
        return None
    inits = {t.name: t for t in graph.initializer}
    needed = {i for n in nodes for i in n.input if i in inits}
    if node.input[0] in inits:
        needed.add(node.input[0])
    out = helper.make_tensor_value_info(node.input[0], 0, None)
    sub = helper.make_graph(list(nodes), "condition", [], [out], [inits[i] for i in sorted(needed)])
    try:
        value = ReferenceEvaluator(helper.make_model(sub, opset_imports=model.opset_import)).run(None, {})[0]
    except Exception as exc:  # evaluation is best effort: the walk reports the If as before
        log.warning("could not evaluate the condition of If node %r (%s)", node.name, exc)
        return None
    value = np.asarray(value)
    return bool(value.reshape(-1)[0]) if value.size == 1 else None


def _inline(graph, index, node, taken) -> None:
    """Replace ``graph.node[index]`` (an If) by the nodes of its branch ``taken``."""
    from onnx import helper

    branch = next(a.g for a in node.attribute if a.name == taken)
    new = list(branch.node)
    for out, bout in zip(node.output, branch.output):
        if out:
            new.append(helper.make_node("Identity", [bout.name], [out], name=f"{node.name or out}/{taken}/{out}"))
    graph.initializer.extend(branch.initializer)
    graph.value_info.extend(branch.value_info)
    nodes = list(graph.node)
    nodes[index:index + 1] = new
    del graph.node[:]
    graph.node.extend(nodes)


def inline_branches(model) -> dict:
    """Replace every ``If`` whose condition is computed from constants by the branch it takes.

    Nested ``If`` nodes of an inlined branch are resolved in turn.

    Parameters
    ----------
    model : onnx.ModelProto
        The model, modified in place (pass a copy of a caller's model).

    Returns
    -------
    dict of str to str
        One metadata entry ``if:<node name>`` per resolved node: the branch taken.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> def branch(op):
    ...     out = helper.make_tensor_value_info(op.lower(), TensorProto.FLOAT, [1, 2])
    ...     return helper.make_graph([helper.make_node(op, ["x"], [op.lower()])], op, [], [out])
    >>> c = helper.make_tensor("c", TensorProto.BOOL, [], [False])
    >>> node = helper.make_node("If", ["c"], ["y"], name="pick", then_branch=branch("Relu"),
    ...                         else_branch=branch("Sigmoid"))
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    >>> m = helper.make_model(helper.make_graph([node], "g", [x], [], [c]))
    >>> inline_branches(m)
    {'if:pick': 'else_branch'}
    >>> [n.op_type for n in m.graph.node]
    ['Sigmoid', 'Identity']
    """
    meta = {}
    graph = model.graph
    changed = True
    while changed:
        changed = False
        for index, node in enumerate(graph.node):
            if node.op_type != "If" or node.domain not in ("", "ai.onnx"):
                continue
            value = _condition(model, graph, node)
            if value is None:
                continue
            taken = "then_branch" if value else "else_branch"
            meta[f"if:{node.name or node.output[0]}"] = taken
            log.info("If node %r: the condition is %s, reading its %s", node.name, value, taken)
            _inline(graph, index, node, taken)
            changed = True
            break
    return meta


@register(*CONTROL_FLOW_OPS, supported=False, reads_captures=True)
def control_flow(ctx, node):
    """Refuse a control-flow node on the path: always raises :class:`~exporters.ops.Unsupported`."""
    from netgraph.exceptions import ControlFlowError

    hint = ""
    if node.op_type == "If":
        names = deciding_inputs(ctx.proto.graph, node)
        if names:
            example = ", ".join(f"{n!r}: VALUE" for n in names)
            flags = " ".join(f"--input-value {n}=VALUE" for n in names)
            hint = (f"; its branch is decided by graph input{'s' if len(names) > 1 else ''} "
                    f"{', '.join(repr(n) for n in names)}: pass input_values={{{example}}} (CLI: {flags}) to fold "
                    "the condition and read the branch taken")
    raise Unsupported(
        "layers inside control flow (If, Loop, Scan) are not supported; export the model "
        "with the control flow unrolled or traced away" + hint,
        error=ControlFlowError,
    )
