"""The handler context: what a handler reads of the walk and how it builds the graph.

Every handler is called as ``handler(ctx, node)`` with the walk's :class:`Context`. It
reads the node maps of the inputs (:meth:`Context.node_map`), their constants
(:meth:`Context.const`, :meth:`Context.weight`) and shapes (:meth:`Context.shape`,
:meth:`Context.static_shape`), and builds: the maps of its outputs
(:meth:`Context.set_map`), a new layer (:meth:`Context.new_layer`) and its junctions
(:meth:`Context.connect`, :meth:`Context.connect_dense`). The walk itself uses
:meth:`Context.unsupported` to raise or cut where a handler said it cannot go on.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from exporters._dense import columns_to_units, dense_pair_to_csr, sum_columns_by_unit
from exporters._limits import check_labels
from exporters._model import ModelTables
from exporters._nodemap import NodeMap
from exporters.ops import Unsupported
from netgraph.exceptions import ControlFlowError, InvalidWeightError, UnsupportedOperatorError
from netgraph.graph import Junction, Layer
from netgraph.utils.check import DEFAULT_MAX_BYTES

__all__ = ["Context", "describe", "ABSORBED"]

#: The value of :attr:`Context.frames` for a tensor that has no batch axis of its own.
ABSORBED = -1

log = logging.getLogger(__name__)

_LENIENT_HINT = "; pass lenient=True (CLI: --lenient) to cut the graph there, or replace the operator before export"


def describe(node) -> str:
    """How messages name a node: its op type, its name and any custom domain.

    Parameters
    ----------
    node : onnx.NodeProto
        The node.

    Returns
    -------
    str
        ``"<op> node '<name>'"``, followed by ``" (domain '<domain>')"`` outside the
        default domain; a node without a name is named by its first output too.

    Examples
    --------
    >>> from onnx import helper
    >>> describe(helper.make_node("Det_", ["h"], ["u"], name="weird", domain="custom.domain"))
    "Det_ node 'weird' (domain 'custom.domain')"
    >>> describe(helper.make_node("Relu", ["h"], ["u"]))
    "Relu node '' (output 'u')"
    """
    custom = node.domain not in ("", "ai.onnx")
    unnamed = not node.name and node.output and node.output[0]
    return (f"{node.op_type} node {node.name!r}" + (f" (output {node.output[0]!r})" if unnamed else "")
            + (f" (domain {node.domain!r})" if custom else ""))


class Context:
    """What a handler sees of the walk: maps, constants, shapes, and the graph being built.

    Parameters
    ----------
    proto : onnx.ModelProto
        The model (its shapes are inferred once, in :class:`~exporters._model.ModelTables`).
    lenient : bool, default False
        Whether :meth:`unsupported` cuts the graph (True) or raises (False).
    source : str, default ""
        Where the model came from, for messages and metadata.
    max_bytes : int, default DEFAULT_MAX_BYTES
        The memory budget of one array (:func:`exporters.read_onnx`'s ``max_bytes``).

    Attributes
    ----------
    tables : exporters._model.ModelTables
        The model's inferred shapes and its constants (initializers, Constant nodes,
        folded values).
    maps : dict of str to NodeMap
        The node maps of the tensors on the path.
    layers : list of netgraph.Layer
        The layers made so far, in topological order.
    junctions : list of netgraph.Junction
        The junctions made so far.
    cuts : list of dict
        The cuts made in lenient mode (see :attr:`netgraph.LayeredGraph.cuts`).
    consumers : dict of str to list
        Tensor name to the nodes that read it (subgraph captures included); set by the walk.
    graph_outputs : set of str
        The names of the graph's outputs; set by the walk.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    >>> model = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], []))
    >>> ctx = Context(model)
    >>> ctx.shape("x"), ctx.static_shape("x")
    ((1, 3), (3,))
    >>> li = ctx.new_layer(None, kind="input", size=3, tensor="x")
    >>> ctx.set_map("x", NodeMap.layer_nodes(li, 3, (3,)))
    >>> ctx.layers[li].name, ctx.node_map("x").vector()[1].tolist()
    ('x', [0, 1, 2])
    """

    def __init__(self, proto, *, lenient=False, source="", max_bytes=DEFAULT_MAX_BYTES):
        self.tables = ModelTables(proto, max_bytes=max_bytes, source=source or "model")
        self.proto = proto
        self.lenient = lenient
        self.source = source
        self.maps: dict[str, NodeMap] = {}
        self.layers: list[Layer] = []
        self.junctions: list[Junction] = []
        self.cuts: list[dict] = []
        self._names: set[str] = set()
        self.consumers: dict[str, list] = {}
        self.graph_outputs: set[str] = set()
        #: Tensors whose batch axis is not first, to the axis (set by the walk while it reads
        #: a layout-free operator on a sequence-first tensor): :meth:`shape` gives them
        #: batch first. :data:`ABSORBED` for a tensor without a batch axis of its own (a
        #: batch of one merged with other axes): :meth:`shape` gives it a leading batch of 1.
        self.frames: dict[str, int] = {}

    # ------------------------------------------------------------------ reading
    def node_map(self, name: str) -> NodeMap | None:
        """The node map of tensor ``name`` if it is on the path, else None.

        Parameters
        ----------
        name : str
            A tensor name; ``""`` (an omitted optional input) gives None.

        Returns
        -------
        NodeMap or None
        """
        return self.maps.get(name) if name else None

    def is_const(self, name: str) -> bool:
        """True if ``name`` is a constant whose value is known.

        Parameters
        ----------
        name : str
            A tensor name.

        Returns
        -------
        bool
            True for an initializer, the output of a Constant node, or a value folded
            from constants.
        """
        return bool(name) and self.tables.has_value(name)

    def const(self, name: str) -> np.ndarray:
        """The value of a constant input (indices, axes, shapes, ...).

        Parameters
        ----------
        name : str
            A tensor name.

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        exporters.ops.Unsupported
            ``name`` is not a constant.
        """
        if not self.is_const(name):
            raise Unsupported(f"input {name!r} is not a constant")
        return self.tables.value(name)

    def weight(self, name: str, node) -> np.ndarray:
        """A learnable operator's weight: a constant of numbers, all finite.

        Parameters
        ----------
        name : str
            The weight's tensor name.
        node : onnx.NodeProto
            The node that reads it (for messages).

        Returns
        -------
        numpy.ndarray
            The weight, in its stored dtype.

        Raises
        ------
        netgraph.InvalidWeightError
            The weight is not a constant, depends on the batch size, is not numeric, or
            holds NaN or infinite values.
        """
        what = f"{node.op_type} node {node.name!r}: weight {name!r}"
        if not self.is_const(name):
            raise InvalidWeightError(
                f"{what} is not a constant (initializer, Constant node or computed from constants); "
                "netgraph needs the weights in the model"
            )
        if name in self.tables.batch_dependent:
            raise InvalidWeightError(f"{what} depends on the batch size")
        w = self.tables.value(name)
        if w.dtype.kind not in "fiu":
            raise InvalidWeightError(f"{what} has dtype {w.dtype}")
        # min and max carry any NaN or infinity without a full-size temporary
        if w.dtype.kind == "f" and w.size and not (np.isfinite(w.min()) and np.isfinite(w.max())):
            bad = int(np.size(w) - np.count_nonzero(np.isfinite(w)))
            raise InvalidWeightError(f"{what} holds {bad} NaN or infinite values; fix or re-export the model")
        return w

    def shape(self, name: str) -> tuple | None:
        """The inferred shape of tensor ``name``, batch axis included.

        Parameters
        ----------
        name : str
            A tensor name.

        Returns
        -------
        tuple or None
            One entry per axis, None for an unknown dim; None if the shape is unknown.
            For a tensor of a sequence-first layout that the walk hands to a handler of a
            layout-free operator (:attr:`frames`), the batch axis is moved first, so
            that ``shape[1:]`` is the shape of its labels.
        """
        s = self.tables.shapes.get(name)
        b = self.frames.get(name)
        if b == ABSORBED and s is not None:
            s = (1,) + tuple(s)
        elif b and s is not None and b < len(s):
            s = (s[b],) + s[:b] + s[b + 1:]
        return s

    def batch_axis(self, name: str) -> int | None:
        """Where the batch axis of tensor ``name`` is: 0 unless a Transpose moved it.

        Parameters
        ----------
        name : str
            A tensor name.

        Returns
        -------
        int or None
            The axis of the tensor (batch included) that holds the batch; None for a
            tensor that has no batch axis of its own (a batch of one merged with other
            axes, :attr:`NodeMap.absorbed <exporters._nodemap.NodeMap>`).
        """
        m = self.maps.get(name)
        if m is not None:
            return None if m.absorbed else m.batch_axis
        b = self.frames.get(name, 0)
        return None if b == ABSORBED else b

    def batch_size(self, name: str) -> int | None:
        """The batch size of tensor ``name``, if it is known.

        Parameters
        ----------
        name : str
            A tensor on the path.

        Returns
        -------
        int or None
            The size of its batch axis after shape inference when that is known;
            otherwise the batch size that every input layer's tensor (graph inputs read
            as data, cut outputs) declares, when they all declare the same one; else None.
            A batch axis keeps its size along the path (a reshape that would change it
            is refused), so this is the batch size of every tensor on the path.

        Examples
        --------
        >>> from onnx import TensorProto, helper
        >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
        >>> ctx = Context(helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [])))
        >>> li = ctx.new_layer(None, kind="input", size=3, tensor="x")
        >>> ctx.set_map("x", NodeMap.layer_nodes(li, 3, (3,)))
        >>> ctx.batch_size("x"), ctx.batch_size("y")
        (1, 1)
        """
        m = self.maps.get(name)
        s = self.tables.shapes.get(name)
        if m is not None and not m.absorbed and s is not None and len(s) == m.rank and s[m.batch_axis] is not None:
            return int(s[m.batch_axis])
        sizes = set()
        for layer in self.layers:
            if layer.kind in ("input", "vocabulary", "cut"):
                t = self.tables.shapes.get(layer.tensor) if layer.tensor else None
                lm = self.maps.get(layer.tensor) if t else None  # a sequence-first input keeps its batch axis
                b = lm.batch_axis if lm is not None and not lm.absorbed and lm.batch_axis < len(t) else 0
                sizes.add(t[b] if t else None)
        return sizes.pop() if len(sizes) == 1 else None

    def static_shape(self, name: str) -> tuple:
        """The shape of ``name`` without the batch axis, every dim known.

        Parameters
        ----------
        name : str
            A tensor name.

        Returns
        -------
        tuple of int

        Raises
        ------
        exporters.ops.Unsupported
            Shape inference left the shape or a non-batch dim unknown.
        """
        s = self.shape(name)
        if s is None or any(d is None for d in s[1:]):
            raise Unsupported(
                f"the shape of tensor {name!r} is not known after shape inference ({s}); "
                "export the model with a fixed input size"
            )
        return tuple(s[1:])

    def check_labels(self, shape, what: str) -> None:
        """Check that the node map of a tensor of non-batch ``shape`` fits the memory budget.

        A handler that computes an output shape itself (from attributes, when shape
        inference did not give it) calls this before it allocates anything of that size.

        Parameters
        ----------
        shape : tuple of int
            The tensor's shape without the batch axis.
        what : str
            The tensor, for the message (``"the output of Conv node 'c'"``).

        Raises
        ------
        netgraph.ResourceLimitError
            Its labels (8 bytes an element) would take more than the budget.
        """
        check_labels(shape, self.tables.max_bytes, self.tables.source, what)

    # ------------------------------------------------------------------ building
    def set_map(self, name: str, nmap: NodeMap) -> None:
        """Record the node map of tensor ``name``, which puts it on the path.

        Parameters
        ----------
        name : str
            A tensor name (an output of the node being read).
        nmap : NodeMap
            Its labels, of the tensor's non-batch shape.
        """
        self.maps[name] = nmap

    def new_layer(self, node, *, kind: str, size: int, spatial=(), tensor: str = "") -> int:
        """Append a layer made by ``node`` (None for a graph input) and return its index.

        The layer is named after the node, or after ``tensor`` when the node has no name
        or its name is taken; a numeric suffix keeps names unique.

        Parameters
        ----------
        node : onnx.NodeProto or None
            The node that makes the layer; None for an input layer.
        kind : str
            The layer's kind: ``"input"``, ``"dense"``, ``"conv"``, ``"merge"``, ``"cut"``, ...
        size : int
            Its number of nodes.
        spatial : tuple of int, default ()
            The spatial shape of each node's feature map.
        tensor : str, default ""
            The ONNX tensor the layer's nodes are the features of.

        Returns
        -------
        int
            The index of the layer in :attr:`layers`, which node maps label it with.
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

        ``cols`` index positions of ``source_vec``, which may span several source layers
        (after a Concat): one junction per source layer. Duplicate (row, column) pairs
        add up; entries with a count of 0 are dropped.

        Parameters
        ----------
        target : int
            The index of the target layer.
        rows : array_like of int
            Target units.
        cols : array_like of int
            Positions in ``source_vec``.
        count : array_like of int
            The number of scalar connections of each entry.
        weight : array_like of float
            The sum of their weights.
        source_vec : tuple of two arrays
            ``(layers, units)`` of the source features, as :meth:`NodeMap.vector` gives.
        node : onnx.NodeProto
            The node that makes the connections.
        kind : {"learnable", "skip"}, default "learnable"
            The junctions' kind.
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
        """Add learnable junctions into ``target`` for a dense weight.

        ``count[j, u]`` is the number of nonzero weights between unit ``j`` and the
        features labelled ``u``, times ``positions``; ``weight[j, u]`` is the sum of
        those connections' weights. Features of one unit that form equal contiguous
        blocks (Flatten of a channel map) are summed with a reshape, without copies.

        Parameters
        ----------
        target : int
            The index of the target layer.
        wt : numpy.ndarray
            The weight, of shape (target size, number of source features).
        source_vec : tuple of two arrays
            ``(layers, units)`` of the source features.
        node : onnx.NodeProto
            The node that makes the connections.
        positions : int, default 1
            The number of positions that share each weight (a token-wise MatMul).
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
            elif np.unique(units).size == n:  # each unit once: a part of a layer (attention's V), permuted or not
                self._add_junction(li, target, *columns_to_units(sub, units, size, positions), node, "learnable")
                continue
            else:
                c, w = sum_columns_by_unit(sub, units, size)
            cc, ww = dense_pair_to_csr(c, w, positions)
            self._add_junction(li, target, cc, ww, node, "learnable")

    def _add_junction(self, source: int, target: int, c, w, node, kind):
        self.junctions.append(
            Junction(self.layers[source].name, self.layers[target].name, c, w, op=node.op_type, node=node.name, kind=kind)
        )

    # ------------------------------------------------------------------ cuts
    def unsupported(self, node, reason: str, *, error=None) -> None:
        """Raise for ``node`` (strict mode) or cut the graph there (lenient mode).

        A cut gives each output of the node a new input layer of kind ``"cut"`` and
        records the cut in :attr:`cuts`.

        Parameters
        ----------
        node : onnx.NodeProto
            The node that cannot be read.
        reason : str
            Why (a handler's :class:`~exporters.ops.Unsupported` message).
        error : type, optional
            The :class:`~netgraph.UnsupportedOperatorError` subclass to raise (default that
            class); a :class:`~netgraph.ControlFlowError` is raised in lenient mode too.

        Raises
        ------
        netgraph.UnsupportedOperatorError
            In strict mode, or always for ``error=ControlFlowError``; in lenient mode, when
            an output read further on has an unknown shape (its layers would be lost).
        """
        error = UnsupportedOperatorError if error is None else error
        where = describe(node)
        never_cut = issubclass(error, ControlFlowError)
        if not self.lenient or never_cut:
            raise error(f"unsupported operator {where}: {reason}{'' if never_cut else _LENIENT_HINT}")
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
        if in_maps and in_maps[0].absorbed and len(s) >= 1 and None not in s:
            # no batch axis of its own: the new layer's nodes are the features of the last axis
            shape = tuple(s)
            li = self.new_layer(node, kind="cut", size=shape[-1], spatial=shape[:-1], tensor=tensor)
            nmap = NodeMap.layer_nodes(li, shape[-1], shape, len(shape) - 1).absorbed_at(None)
            self.set_map(tensor, nmap)
            return nmap
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
