"""The walk over an ONNX graph that builds a :class:`netgraph.LayeredGraph`.

Nodes are visited in topological order. A node none of whose inputs is on the path
(a tensor labelled by a :class:`~exporters._nodemap.NodeMap`) is either computed from
constants alone, and then folded to its value, or it is side work (shape arithmetic) and
ignored. A node with an input on the path goes to its op type's handler.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from exporters._model import ModelTables
from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, handler_for
from netgraph.exceptions import (
    ControlFlowError,
    NetgraphError,
    InvalidModelError,
    InvalidWeightError,
    NoLearnableJunctionError,
    UnsupportedOperatorError,
)
from netgraph.graph import Junction, Layer, LayeredGraph

__all__ = ["Context", "walk"]

log = logging.getLogger(__name__)

CONTROL_FLOW = frozenset({"If", "Loop", "Scan", "SequenceMap"})
RECURRENT = frozenset({"LSTM", "GRU", "RNN"})
#: Ops that are not evaluated even when every input is constant (random or stateful).
_NO_FOLD = frozenset({"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"})


class Context:
    """What a handler sees of the walk: maps, constants, shapes, and the graph being built."""

    def __init__(self, proto, *, lenient=False, source=""):
        self.tables = ModelTables(proto)
        self.proto = proto
        self.lenient = lenient
        self.source = source
        self.maps: dict[str, NodeMap] = {}
        self.layers: list[Layer] = []
        self.junctions: list[Junction] = []
        self.cuts: list[dict] = []
        self._names: set[str] = set()
        #: tensor name -> nodes that read it (subgraph captures included); set by walk()
        self.consumers: dict[str, list] = {}
        self.graph_outputs: set[str] = set()

    # ------------------------------------------------------------------ reading
    def node_map(self, name: str):
        """The map of tensor ``name`` if it is on the path, else None."""
        return self.maps.get(name) if name else None

    def is_const(self, name: str) -> bool:
        return bool(name) and self.tables.has_value(name)

    def const(self, name: str) -> np.ndarray:
        if not self.is_const(name):
            raise Unsupported(f"input {name!r} is not a constant")
        return self.tables.value(name)

    def weight(self, name: str, node) -> np.ndarray:
        """A learnable operator's weight: a constant with finite values."""
        if not self.is_const(name):
            raise InvalidWeightError(
                f"{node.op_type} node {node.name!r}: weight {name!r} is not a constant (initializer, "
                "Constant node or computed from constants); netgraph needs the weights in the model"
            )
        if name in self.tables.batch_dependent:
            raise InvalidWeightError(
                f"{node.op_type} node {node.name!r}: weight {name!r} depends on the batch size"
            )
        w = self.tables.value(name)
        if w.dtype.kind not in "fiu":
            raise InvalidWeightError(f"{node.op_type} node {node.name!r}: weight {name!r} has dtype {w.dtype}")
        # min and max carry any NaN or infinity without a full-size temporary
        if w.dtype.kind == "f" and w.size and not (np.isfinite(w.min()) and np.isfinite(w.max())):
            bad = int(np.size(w) - np.count_nonzero(np.isfinite(w)))
            raise InvalidWeightError(
                f"{node.op_type} node {node.name!r}: weight {name!r} holds {bad} NaN or infinite values; "
                "fix or re-export the model"
            )
        return w

    def shape(self, name: str):
        """Inferred shape of tensor ``name`` (None entries for unknown dims), or None."""
        return self.tables.shapes.get(name)

    def static_shape(self, name: str) -> tuple:
        """Shape of ``name`` without the batch axis; every dim must be known."""
        s = self.shape(name)
        if s is None or any(d is None for d in s[1:]):
            raise Unsupported(
                f"the shape of tensor {name!r} is not known after shape inference ({s}); "
                "export the model with a fixed input size"
            )
        return tuple(s[1:])

    # ------------------------------------------------------------------ building
    def set_map(self, name: str, nmap: NodeMap) -> None:
        self.maps[name] = nmap

    def new_layer(self, node, *, kind: str, size: int, spatial=(), tensor: str = "") -> int:
        """Append a layer made by ``node`` (None for a graph input); return its index.

        The layer is named after the node, or after ``tensor`` when the node has no name
        or its name is taken; a numeric suffix keeps names unique.
        """
        base = (node.name if node is not None else "") or tensor or f"{node.op_type}_{len(self.layers)}"
        name = base if base not in self._names else tensor if tensor and tensor not in self._names else None
        k = 1
        while name is None or name in self._names:
            name = f"{base}_{k}"
            k += 1
        self._names.add(name)
        op, node_name = (node.op_type, node.name) if node is not None else ("", "")
        self.layers.append(Layer(name, int(size), kind, tuple(spatial), tensor=tensor, op=op, node=node_name))
        return len(self.layers) - 1

    def connect(self, target: int, rows, cols, count, weight, source_vec, node, *, kind="learnable") -> None:
        """Add junctions into layer ``target`` from scalar-connection triplets.

        ``rows`` are target units; ``cols`` index positions of ``source_vec`` = (layers,
        units), which may span several source layers (after a Concat): one junction per
        source layer. Duplicate pairs add up.
        """
        src_layers, src_units = source_vec
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        count = np.asarray(count, dtype=np.int64)
        weight = np.asarray(weight, dtype=np.float64)
        keep = count > 0
        rows, cols, count, weight = rows[keep], cols[keep], count[keep], weight[keep]
        col_layer = src_layers[cols]
        col_unit = src_units[cols]
        tsize = self.layers[target].size
        for li in sorted(set(int(x) for x in np.unique(src_layers))):
            sel = col_layer == li
            shape = (tsize, self.layers[li].size)
            c = sp.coo_array((count[sel], (rows[sel], col_unit[sel])), shape=shape).tocsr()
            w = sp.coo_array((weight[sel], (rows[sel], col_unit[sel])), shape=shape).tocsr()
            c.sum_duplicates()
            w.sum_duplicates()
            self._add_junction(li, target, c, w, node, kind)

    def connect_dense(self, target: int, wt: np.ndarray, source_vec, node, *, positions: int = 1) -> None:
        """Add junctions into ``target`` for a dense weight ``wt`` of shape (target size, len(source_vec)).

        count[j, u] = number of nonzero weights between unit j and the features labelled u,
        times ``positions`` (the positions that share each weight); weight[j, u] = the sum
        of those connections' weights. Features of one unit that form equal contiguous
        blocks (Flatten of a channel map) are summed with a reshape, without copies.
        """
        src_layers, src_units = source_vec
        for li in sorted(set(int(x) for x in np.unique(src_layers))):
            size = self.layers[li].size
            sel = src_layers == li
            allsel = bool(sel.all())
            units = src_units if allsel else src_units[sel]
            sub = wt if allsel else wt[:, sel]
            n = units.size
            if n == size and np.array_equal(units, np.arange(size)):
                c = None  # one connection per nonzero weight
                w = sub
            elif n % size == 0 and np.array_equal(units, np.repeat(np.arange(size), n // size)):
                blocks = sub.reshape(sub.shape[0], size, n // size)
                c = np.count_nonzero(blocks, axis=2)
                w = blocks.sum(axis=2, dtype=np.float64)
            else:
                c, w = _sum_columns_by_unit(sub, units, size)
            cc, ww = _dense_pair_to_csr(c, w, positions)
            self._add_junction(li, target, cc, ww, node, "learnable")

    def _add_junction(self, source: int, target: int, c, w, node, kind):
        self.junctions.append(
            Junction(self.layers[source].name, self.layers[target].name, c, w, op=node.op_type, node=node.name, kind=kind)
        )

    # ------------------------------------------------------------------ cuts
    def unsupported(self, node, reason: str, *, error=UnsupportedOperatorError) -> None:
        """Raise for ``node`` (strict) or cut the graph there (lenient)."""
        where = f"{node.op_type} node {node.name!r}" + (f" (domain {node.domain!r})" if node.domain not in ("", "ai.onnx") else "")
        if not self.lenient or error is ControlFlowError:
            hint = "" if error is ControlFlowError else (
                "; pass lenient=True (CLI: --lenient) to cut the graph there, or replace the operator before export"
            )
            raise error(f"unsupported operator {where}: {reason}{hint}")
        made = []
        for out in node.output:
            if not out:
                continue
            nmap = self._cut_input(node, out)
            if nmap is not None:
                made.append(self.layers[int(nmap.layer.flat[0])].name)
            elif self.consumers.get(out) or out in self.graph_outputs:
                raise error(
                    f"cannot cut at {where} ({reason}): the shape of its output {out!r} is unknown, so the "
                    "layers after it would be lost; export the model with a fixed input size"
                )
        inputs = sorted({self.layers[li].name for i in node.input if i in self.maps for li in self.maps[i].layers_used()})
        self.cuts.append({"op": node.op_type, "node": node.name, "reason": reason, "from_layers": inputs, "new_layers": made})
        log.info("cut at %s: %s", where, reason)

    def _cut_input(self, node, tensor):
        """A new input layer (kind ``cut``) for one output of a cut operator, if its shape is known."""
        s = self.shape(tensor)
        if s is None or len(s) < 2 or any(d is None for d in s[1:]):
            return None
        in_maps = [self.maps[i] for i in node.input if i in self.maps]
        axis = 0
        if in_maps and in_maps[0].axis is not None and in_maps[0].axis == len(in_maps[0].shape) - 1 and len(s) > 2:
            axis = len(s) - 2  # features-last input: keep features last
        shape = tuple(s[1:])
        size = shape[axis]
        spatial = tuple(d for k, d in enumerate(shape) if k != axis)
        li = self.new_layer(node, kind="cut", size=size, spatial=spatial, tensor=tensor)
        nmap = NodeMap.layer_nodes(li, size, shape, axis)
        self.set_map(tensor, nmap)
        return nmap


def _sum_columns_by_unit(sub, units, size, budget=64 << 20):
    """Per unit: nonzero count and sum of the columns labelled with it, in row chunks.

    The columns are grouped by a stable sort of their units and summed with
    ``np.add.reduceat``; rows are processed in chunks of at most ``budget`` bytes so
    that no full-size temporary is made (an NHWC Flatten before a large dense layer).
    """
    order = np.argsort(units, kind="stable")
    sorted_units = units[order]
    starts = np.flatnonzero(np.r_[True, sorted_units[1:] != sorted_units[:-1]])
    present = sorted_units[starts]
    rows = sub.shape[0]
    c = np.zeros((rows, size), dtype=np.int64)
    w = np.zeros((rows, size), dtype=np.float64)
    step = max(1, int(budget // max(1, 8 * sub.shape[1])))
    for r0 in range(0, rows, step):
        block = sub[r0:r0 + step][:, order]
        c[r0:r0 + step, present] = np.add.reduceat(block != 0, starts, axis=1, dtype=np.int64)
        w[r0:r0 + step, present] = np.add.reduceat(block, starts, axis=1, dtype=np.float64)
    return c, w


def _dense_pair_to_csr(count, weight, positions=1):
    """Aligned CSR ``count`` and ``weight`` from dense arrays, finding the nonzeros once.

    ``count`` None means one connection per nonzero weight. ``np.nonzero`` yields the
    positions in row-major order, which is CSR order: no sort, no COO round trip.
    """
    weight = np.asarray(weight)
    shape = weight.shape
    rows, cols = np.nonzero(weight if count is None else count)
    nnz = rows.size
    idx = np.int32 if max(shape + (nnz,)) < 2**31 - 1 else np.int64
    indptr = np.zeros(shape[0] + 1, dtype=idx)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    cdata = np.ones(nnz, dtype=np.int64) if count is None else np.asarray(count)[rows, cols].astype(np.int64)
    wdata = weight[rows, cols].astype(np.float64)
    del rows
    if positions != 1:
        cdata *= positions
        wdata *= positions
    indices = cols.astype(idx, copy=False)
    return (sp.csr_array((cdata, indices, indptr), shape=shape),
            sp.csr_array((wdata, indices, indptr), shape=shape))


def _attr_names_used(node):
    """Names a control-flow node's subgraphs read from the outer scope."""
    names = set()
    for a in node.attribute:
        graphs = ([a.g] if a.HasField("g") else []) + list(a.graphs)
        for g in graphs:
            local = {i.name for i in g.input} | {t.name for t in g.initializer}
            for n in g.node:
                local |= set(n.output)
            for n in g.node:
                names |= {i for i in n.input if i and i not in local}
                names |= _attr_names_used(n)
    return names


def _topological(nodes, available):
    """Nodes in topological order (ONNX requires it; repair a model that breaks the rule)."""
    have = set(available)
    needs = {id(n): [i for i in list(n.input) + sorted(_attr_names_used(n)) if i] for n in nodes}
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


def walk(proto, *, lenient=False, source="") -> LayeredGraph:
    """Walk ``proto`` and return its :class:`LayeredGraph`; see :func:`exporters.read_onnx`."""
    ctx = Context(proto, lenient=lenient, source=source)
    g = proto.graph
    tables = ctx.tables
    for n in g.node:
        if n.op_type == "Constant" and n.domain in ("", "ai.onnx"):
            tables.set_value(n.output[0], _constant_value(n))
    init = {t.name for t in g.initializer}
    consumers = ctx.consumers
    for n in g.node:
        for i in list(n.input) + sorted(_attr_names_used(n)):
            consumers.setdefault(i, []).append(n)
    ctx.graph_outputs = {vi.name for vi in g.output}
    for vi in g.input:
        if vi.name in init:
            continue
        _add_input(ctx, vi, consumers.get(vi.name, []))
    if not ctx.maps:
        shapes = ", ".join(f"{vi.name}: {ctx.shape(vi.name)}" for vi in g.input if vi.name not in init)
        raise InvalidModelError(
            f"{source or 'model'} has no graph input that netgraph can read (inputs need a batch axis, rank >= 2 "
            f"and a static shape; got {shapes or 'no inputs'})"
        )
    available = set(init) | {vi.name for vi in g.input} | {n.output[0] for n in g.node if n.op_type == "Constant"}
    for node in _topological(list(g.node), available):
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            continue
        on_path = [i for i in node.input if i in ctx.maps]
        if node.op_type in CONTROL_FLOW:
            captured = [i for i in _attr_names_used(node) if i in ctx.maps]
            if on_path or captured:
                ctx.unsupported(
                    node,
                    "layers inside control flow (If, Loop, Scan) are not supported; export the model "
                    "with the control flow unrolled or traced away",
                    error=ControlFlowError,
                )
            continue
        if not on_path:
            _fold(ctx, node)
            continue
        if node.op_type in RECURRENT:
            ctx.unsupported(node, "recurrent operators are not supported yet")
            continue
        if node.op_type not in ("Gemm", "Transpose") and any(ctx.maps[i].batch_last for i in on_path):
            ctx.unsupported(node, "its input was transposed to (features, batch); only Gemm with transA=1 reads that")
            continue
        handler = handler_for(node.op_type, node.domain)
        if handler is None:
            ctx.unsupported(node, "no handler for this operator")
            continue
        try:
            handler(ctx, node)
        except Unsupported as exc:
            ctx.unsupported(node, str(exc))
        except NetgraphError:
            raise
        except (ValueError, TypeError, IndexError, KeyError) as exc:  # a case the handler did not foresee
            log.debug("handler of %s node %r failed", node.op_type, node.name, exc_info=True)
            ctx.unsupported(node, f"the handler cannot read this node ({type(exc).__name__}: {exc})")
    outputs = []
    for vi in g.output:
        m = ctx.maps.get(vi.name)
        if m is None:
            continue
        for li in m.layers_used():
            name = ctx.layers[li].name
            if name not in outputs:
                outputs.append(name)
    if not any(j.learnable for j in ctx.junctions):
        raise NoLearnableJunctionError(
            f"{source or 'model'} has no learnable junction (Gemm, MatMul with a weight, Conv, ConvTranspose) "
            "on the path from its inputs to its outputs"
        )
    meta = {
        "source": source,
        "producer_name": proto.producer_name,
        "producer_version": proto.producer_version,
        "ir_version": str(proto.ir_version),
        "opset": str(tables.opset.get("ai.onnx", "")),
        "graph_name": g.name,
    }
    meta.update({f"onnx:{p.key}": p.value for p in proto.metadata_props})
    return LayeredGraph(ctx.layers, ctx.junctions, outputs=outputs, metadata=meta, cuts=ctx.cuts)


def _constant_value(node):
    from onnx import helper, numpy_helper

    a = node.attribute[0]
    v = helper.get_attribute_value(a)
    if a.name in ("value", "sparse_value"):
        if a.name == "sparse_value":
            dense = numpy_helper.to_array(v.values)
            idx = numpy_helper.to_array(v.indices)
            out = np.zeros(int(np.prod(v.dims)), dtype=dense.dtype)
            if idx.ndim == 1:
                out[idx] = dense
            else:
                out[np.ravel_multi_index(idx.T, tuple(v.dims))] = dense
            return out.reshape(tuple(v.dims))
        from exporters._model import _to_array

        return _to_array(v)
    if a.name in ("value_float", "value_int"):
        return np.array(v, dtype=np.float32 if a.name == "value_float" else np.int64)
    if a.name in ("value_floats", "value_ints"):
        return np.array(list(v), dtype=np.float32 if a.name == "value_floats" else np.int64)
    if a.name == "value_string":
        return np.array(v)
    return np.array(list(v))


def _fold(ctx, node) -> None:
    """Evaluate a node computed from constants alone; leave side work (shape arithmetic) alone."""
    tables = ctx.tables
    if node.op_type in _NO_FOLD:
        return
    if node.op_type in ("Shape", "Size") and node.input and node.input[0]:
        from exporters.ops.shape import shape

        shape(ctx, node)
        return
    if not all((not i) or tables.has_value(i) for i in node.input):
        return
    if node.domain not in ("", "ai.onnx"):
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


def _add_input(ctx, vi, consumers) -> None:
    """Make the input layer of a graph input.

    A rank-2 input (N, F) gives F nodes. A higher-rank input gives one node per channel
    (axis 1), or one node per feature (last axis) when it only feeds MatMul, or one node
    per element when it only feeds Flatten/Reshape (an MLP on images: the paper's 784
    input nodes). Two layouts are recognised by what the input feeds: an (N, H, W, C)
    input transposed to channels-first (tf2onnx, Keras) has its channels on the axis the
    Transpose moves to position 1; a flat (N, F) input reshaped into (N, C, H, W) maps for
    a convolution has C channel nodes. Shape and Size consumers (shape arithmetic) are
    not uses of the data.
    """
    s = ctx.shape(vi.name)
    users = [n for n in consumers if n.op_type not in ("Shape", "Size")]
    if not users or (s is not None and len(s) < 2):
        return  # unused, or a scalar / per-sample flag (a condition, a length): not a layer
    if s is None or any(d is None for d in s[1:]):
        raise InvalidModelError(
            f"graph input {vi.name!r} has no static shape ({'unknown' if s is None else s}): "
            "netgraph needs (batch, features) or (batch, channels, *spatial) with fixed sizes; "
            "export the model with a fixed input size"
        )
    shape = tuple(s[1:])
    ops = {n.op_type for n in users}
    axis = 0
    if ops == {"Transpose"}:
        perms = {tuple(_attribute(n, "perm", ())) for n in users}
        perm = perms.pop() if len(perms) == 1 else ()
        if len(perm) == len(s) and perm[0] == 0:
            axis = perm[1] - 1
    elif len(shape) == 1 and ops <= {"Reshape", "Unsqueeze"}:
        images = _reshaped_for_convolution(ctx, users, shape[0])
        if images is not None:
            channels, spatial = images
            li = ctx.new_layer(None, kind="input", size=channels, spatial=spatial, tensor=vi.name)
            units = np.repeat(np.arange(channels), int(np.prod(spatial, dtype=np.int64)))
            ctx.set_map(vi.name, NodeMap(np.full(shape, li, dtype=np.int64), units, 0))
            return
    elif len(shape) >= 2 and ops <= {"Flatten", "Reshape"}:
        size = int(np.prod(shape))
        li = ctx.new_layer(None, kind="input", size=size, spatial=(), tensor=vi.name)
        ctx.set_map(vi.name, NodeMap(np.full(shape, li, dtype=np.int64), np.arange(size).reshape(shape), None))
        return
    elif len(shape) >= 2 and ops <= {"MatMul"}:
        axis = len(shape) - 1
    size = shape[axis]
    spatial = tuple(d for k, d in enumerate(shape) if k != axis)
    li = ctx.new_layer(None, kind="input", size=size, spatial=spatial, tensor=vi.name)
    ctx.set_map(vi.name, NodeMap.layer_nodes(li, size, shape, axis))


def _attribute(node, name, default=None):
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


#: Operators that read whole channel maps: a flat input reshaped for them has channel nodes.
_CHANNEL_READERS = frozenset({"Conv", "ConvTranspose", "MaxPool", "AveragePool", "BatchNormalization"})


def _reshaped_for_convolution(ctx, users, features):
    """(channels, spatial) if every user reshapes a flat input into the same image for a convolution."""
    shapes = {ctx.shape(n.output[0]) for n in users}
    if len(shapes) != 1:
        return None
    out = shapes.pop()
    if out is None or len(out) < 3 or any(d is None for d in out[1:]) or int(np.prod(out[1:])) != features:
        return None
    readers = {c.op_type for n in users for c in ctx.consumers.get(n.output[0], [])}
    if not readers & _CHANNEL_READERS:
        return None
    return int(out[1]), tuple(int(d) for d in out[2:])
