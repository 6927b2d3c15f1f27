"""Validation of an ONNX graph before the walk: the rules of onnx.checker that the graph depends on.

The walk trusts the model's wiring: which node produces each tensor and which nodes
read it. A model that breaks the rules of ONNX there does not fail, it gives a wrong
graph: a second producer of a tensor adds a phantom layer and doubles degrees, a second
initializer of one name silently replaces the first, and a node input that nothing
produces cuts every layer after it off the path without a word. :func:`validate_graph`
refuses such a model with an :class:`~netgraph.InvalidModelError` that names the node
or tensor, in one pass over the nodes and tensors (no weight is read):

* **names**: every name is UTF-8 text; graph inputs, initializers and node outputs are
  unique; a graph input may
  also be an initializer (IR versions below 4 list every initializer as an input);
  ``""`` is an omitted optional input or output;
* **references**: every node input, every name that a node's subgraphs (If, Loop, Scan)
  read from the outer scope (:func:`subgraph_reads`) and every graph output is a graph
  input, an initializer or a node output;
* **schemas**: the number of inputs and outputs, and the type of each attribute, are
  those of the operator's schema in the model's opset (standard domains; custom ones
  are left to their handlers);
* **order**: the graph has no cycle (a node reading its own output included); the nodes
  are returned in topological order, which ONNX requires and the walk follows (a model
  listing them out of order is repaired);
* **types**: every element type is a known ONNX type, no declared dimension is
  negative (graph inputs, outputs, ``value_info``, initializers, Constant nodes), except
  -1 in a value info, which some exporters (Paddle2ONNX) write for an unknown size.

Sizes are checked where they are used, against the memory budget
(:mod:`exporters._limits`).
"""

from __future__ import annotations

import heapq

from exporters._context import describe
from exporters._limits import tensor_bytes, type_name
from netgraph.exceptions import InvalidModelError

__all__ = ["validate_graph", "subgraph_reads"]

_FIX = "the model is broken: fix it or re-export it"


def subgraph_reads(node) -> set[str]:
    """Names that a node's subgraphs (If, Loop, Scan branches and bodies) read from the outer scope.

    A name defined inside a subgraph (its inputs, initializers and node outputs) is local
    to it and to the subgraphs nested in it.

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
                names |= {i for i in subgraph_reads(n) if i not in local}
            names |= {o.name for o in g.output if o.name not in local}
    return names


def validate_graph(proto, *, source: str = "model") -> list:
    """Check the main graph of ``proto`` and return its nodes in topological order.

    Parameters
    ----------
    proto : onnx.ModelProto
        The loaded model.
    source : str, default "model"
        Where the model came from, for messages.

    Returns
    -------
    list of onnx.NodeProto
        The nodes of the main graph, in the order they are listed when that order is
        topological (as ONNX requires), else in a topological order that keeps it as far
        as it can.

    Raises
    ------
    netgraph.InvalidModelError
        A rule of the module docstring is broken; the message names the node or tensor.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    >>> nodes = [helper.make_node("Relu", ["h"], ["y"], name="b"), helper.make_node("Relu", ["x"], ["h"], name="a")]
    >>> [n.name for n in validate_graph(helper.make_model(helper.make_graph(nodes, "g", [x], [])))]
    ['a', 'b']
    >>> nodes[0].input[0] = "hh"
    >>> validate_graph(helper.make_model(helper.make_graph(nodes, "g", [x], [])), source="m.onnx")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidModelError: m.onnx: Relu node 'b' reads tensor 'hh', which no node produces and \
the graph does not declare (as an input or initializer); the model is broken: fix it or re-export it
    """
    g = proto.graph
    _check_text(g, source)
    _check_types(g, source)
    producer = _producers(g, source)
    available = producer.keys() | {vi.name for vi in g.input} | {t.name for t in g.initializer} | {
        t.values.name for t in g.sparse_initializer}
    schemas = _Schemas(proto)
    reads = []
    for node in g.node:
        schemas.check(node, source)
        names = [i for i in node.input if i] + sorted(subgraph_reads(node))
        for name in names:
            if name not in available:
                raise InvalidModelError(
                    f"{source}: {describe(node)} reads tensor {name!r}, which no node produces and the graph does "
                    f"not declare (as an input or initializer); {_FIX}"
                )
        reads.append(names)
    for vi in g.output:
        if vi.name not in available:
            raise InvalidModelError(f"{source}: graph output {vi.name!r} is produced by no node and is neither an "
                                    f"input nor an initializer; {_FIX}")
    return _topological(list(g.node), reads, producer, source)


def _unique(names, what, source) -> set:
    seen = set()
    for name in names:
        if name in seen:
            raise InvalidModelError(f"{source}: {what} {name!r} is defined twice (one would silently replace the "
                                    f"other); tensor names must be unique: {_FIX}")
        seen.add(name)
    return seen


def _producers(g, source) -> dict:
    """Tensor name to the index of the node that produces it; every name defined once."""
    inputs = _unique((vi.name for vi in g.input), "graph input", source)
    inits = _unique([t.name for t in g.initializer] + [t.values.name for t in g.sparse_initializer], "initializer",
                    source)
    producer = {}
    for index, node in enumerate(g.node):
        for out in node.output:
            if not out:
                continue
            if out in producer:
                other = describe(g.node[producer[out]])
                raise InvalidModelError(f"{source}: tensor {out!r} is produced twice, by {other} and by "
                                        f"{describe(node)}; tensor names must be unique: {_FIX}")
            if out in inputs or out in inits:
                raise InvalidModelError(f"{source}: {describe(node)} produces tensor {out!r}, which is also a graph "
                                        f"{'input' if out in inputs else 'initializer'}; tensor names must be "
                                        f"unique: {_FIX}")
            producer[out] = index
    return producer


def _check_text(g, source) -> None:
    """Every name is text: protobuf gives a name that is not UTF-8 as bytes."""
    names = [("graph input", vi.name) for vi in g.input] + [("graph output", vi.name) for vi in g.output]
    names += [("initializer", t.name) for t in g.initializer]
    for node in g.node:
        names += [("node", node.name), ("operator", node.op_type), ("domain", node.domain)]
        names += [("tensor", name) for name in (*node.input, *node.output)]
    for what, name in names:
        if not isinstance(name, str):
            raise InvalidModelError(f"{source}: the {what} name {name!r} is not UTF-8 text; the file is corrupt: "
                                    "re-export the model")


def _check_types(g, source) -> None:
    """Known element types and no negative dimension, in value infos and in the tensors a graph holds."""
    for kind, infos in (("graph input", g.input), ("graph output", g.output), ("value_info of", g.value_info)):
        for vi in infos:
            which = vi.type.WhichOneof("value")
            if which not in ("tensor_type", "sparse_tensor_type"):
                continue
            tt = getattr(vi.type, which)
            if type_name(tt.elem_type) is None:
                raise InvalidModelError(f"{source}: {kind} {vi.name!r} has an unknown element type "
                                        f"({tt.elem_type}); {_FIX}")
            dims = [d.dim_value for d in tt.shape.dim if d.HasField("dim_value")]
            if any(d < -1 for d in dims):  # -1 is how some exporters (Paddle2ONNX) write an unknown size
                raise InvalidModelError(f"{source}: {kind} {vi.name!r} declares a negative dimension "
                                        f"({min(dims)}); {_FIX}")
    for t in g.initializer:
        tensor_bytes(t, source)
    for t in g.sparse_initializer:
        tensor_bytes(t.values, source)
        tensor_bytes(t.indices, source)
    for node in g.node:
        for a in node.attribute:
            if a.HasField("t"):
                tensor_bytes(a.t, source)
            if a.HasField("sparse_tensor"):
                tensor_bytes(a.sparse_tensor.values, source)
                tensor_bytes(a.sparse_tensor.indices, source)


class _Schemas:
    """The operator schemas of a model's opsets, looked up once per operator."""

    def __init__(self, proto):
        self.versions = {("" if o.domain == "ai.onnx" else o.domain): o.version for o in proto.opset_import}
        self.cache = {}

    def get(self, node):
        domain = "" if node.domain == "ai.onnx" else node.domain
        key = (node.op_type, domain)
        if key not in self.cache:
            import onnx

            schema = None
            if domain in ("", "ai.onnx.ml") and domain in self.versions:
                try:
                    schema = onnx.defs.get_schema(node.op_type, self.versions[domain], domain)
                except (onnx.defs.SchemaError, TypeError):
                    schema = None  # not a standard operator (or no usable opset): its handler, if any, reads it
            self.cache[key] = schema
        return self.cache[key]

    def check(self, node, source) -> None:
        """Arity and attribute types of ``node`` against its schema."""
        schema = self.get(node)
        if schema is None:
            return
        for what, n, low, high in (("inputs", len(node.input), schema.min_input, schema.max_input),
                                   ("outputs", len(node.output), schema.min_output, schema.max_output)):
            if not low <= n <= high:
                takes = f"{low}" if low == high else f"{low} to {high}" if high < 2**30 else f"{low} or more"
                raise InvalidModelError(f"{source}: {describe(node)} has {n} {what if n != 1 else what[:-1]}; "
                                        f"{node.op_type} (opset {schema.since_version}) takes {takes}: {_FIX}")
        for a in node.attribute:
            spec = schema.attributes.get(a.name)
            if spec is not None and not a.ref_attr_name and a.type != int(spec.type):
                raise InvalidModelError(f"{source}: attribute {a.name!r} of {describe(node)} has type "
                                        f"{_attr_type(a.type)}; {node.op_type} needs {spec.type.name}: {_FIX}")


def _attr_type(value: int) -> str:
    from onnx import AttributeProto

    try:
        return AttributeProto.AttributeType.Name(value)
    except ValueError:
        return str(value)


def _topological(nodes, reads, producer, source) -> list:
    """Kahn's algorithm, the smallest listed index first: the listed order when it is topological."""
    users = [[] for _ in nodes]
    waiting = []
    for i, names in enumerate(reads):
        deps = {producer[name] for name in names if name in producer}
        waiting.append(len(deps))
        for d in deps:
            users[d].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(nodes[i])
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    if len(order) < len(nodes):
        raise InvalidModelError(f"{source}: the graph has a cycle: {_cycle(nodes, reads, producer, waiting)}; ONNX "
                                f"graphs are acyclic (a loop is a Loop node): {_FIX}")
    return order


def _cycle(nodes, reads, producer, waiting) -> str:
    """Words for one cycle among the nodes left waiting (each of them waits for another one)."""
    i = next(k for k, w in enumerate(waiting) if w)
    path, seen = [], {}
    while i not in seen:
        seen[i] = len(path)
        name = next(n for n in reads[i] if n in producer and waiting[producer[n]])
        path.append((i, name))
        i = producer[name]
    loop = path[seen[i]:]
    if len(loop) == 1:
        k, name = loop[0]
        return f"{describe(nodes[k])} reads its own output {name!r}"
    steps = [f"reads {name!r} from {describe(nodes[producer[name]])}" for _, name in loop[:4]]
    return f"{describe(nodes[loop[0][0]])} " + ", which ".join(steps) + (", ..." if len(loop) > 4 else "")
