"""LSTM, GRU and RNN: a layer of hidden units with an input junction and a self-loop.

A recurrent operator with ``hidden_size`` H and G gates (LSTM 4: i, o, f, c; GRU 3: z,
r, h; RNN 1) reads its input weights ``W`` (num_directions, G*H, input_size) and its
recurrent weights ``R`` (num_directions, G*H, H). Each direction makes one layer of H
hidden units (kind ``"recurrent"``) with two junctions:

* ``W``: from the input features to the hidden units (kind ``"learnable"``);
* ``R``: from the hidden units to themselves (kind ``"recurrent"``, a self-loop), the
  state of step t-1 feeding step t.

**Gates folded per hidden unit.** The weights of unit ``h``'s gates are summed: the
junction's ``count[h, i]`` is the number of nonzero gate weights ``W[g*H + h, i]``
(over the G gates) and ``weight[h, i]`` their sum; likewise for ``R``. An LSTM's
peephole weights ``P`` (cell state to gates i, o, f of the same unit) add to the
diagonal of the self-loop. The time steps share the weights: a connection is counted
once, not once per step (the network unrolled over one step). Pruned (zero) weights make
no connection; biases make none.

**Gates apart.** With the option ``recurrent_gates="separate"`` (an attribute of the
walk's context; ``"fold"`` by default) each gate is a layer ``<name>.<gate>`` of H units (LSTM
``i``, ``o``, ``f``, ``c``; GRU ``z``, ``r``, ``h``) with its own ``W_g`` junction and ``R_g``
self-loop (the state ``h_{t-1}`` taken as the gate's own units, which keeps the graph
layered; peepholes on the diagonal of gates i, o, f); the hidden units are a layer of
kind ``"merge"`` named ``<name>`` joined to unit h of every gate by a skip edge. An RNN
has one gate: both modes give the same graph.

**Directions.** A bidirectional operator makes two layers, ``<name>.forward`` and
``<name>.reverse``, each with its own ``W`` and ``R`` junctions. The output ``Y``
(``(seq, num_directions, batch, H)``, or ``(batch, seq, num_directions, H)`` with
``layout=1``) carries on its num_directions axis the layer of each direction and on
its last axis the hidden units; ``Y_h`` and ``Y_c`` likewise. With ``layout=0`` the input
is (seq, batch, features): the batch axis moved there by a Transpose (torch's export of a
``batch_first`` layer) is followed into the outputs (``Y`` batch on axis 2, ``Y_h`` on
axis 1).

Initial states (``initial_h``, ``initial_c``) computed from the path are not read
(a seq2seq decoder fed by an encoder's state): such a node is refused. ONNX reference:
https://onnx.ai/onnx/operators/onnx__LSTM.html,
https://onnx.ai/onnx/operators/onnx__GRU.html,
https://onnx.ai/onnx/operators/onnx__RNN.html
"""

from __future__ import annotations

import dataclasses
import logging
import types

import numpy as np
import scipy.sparse as sp

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs, channel_vector
from netgraph.exceptions import InvalidParameterError
from netgraph.graph import Junction

log = logging.getLogger(__name__)

__all__ = ["recurrent", "fold_gates", "RECURRENT_OPS", "GATES", "GATE_NAMES", "GATE_MODES"]

#: The recurrent operators of the default domain.
RECURRENT_OPS = ("LSTM", "GRU", "RNN")
#: The number of gates of each operator: the blocks of H rows of ``W`` and ``R``.
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
#: The gates in ONNX's order of the blocks, which name the gate layers of ``recurrent_gates="separate"``.
GATE_NAMES = {"LSTM": ("i", "o", "f", "c"), "GRU": ("z", "r", "h"), "RNN": ("h",)}
#: Accepted values of ``recurrent_gates``.
GATE_MODES = ("fold", "separate")


def fold_gates(w, gates: int):
    """Per hidden unit, the number of nonzero gate weights and their sum.

    Parameters
    ----------
    w : numpy.ndarray, shape (gates * H, n)
        One direction's ``W`` or ``R``: G blocks of H rows, one block per gate.
    gates : int
        The number of gates G.

    Returns
    -------
    count : numpy.ndarray of int64, shape (H, n)
        ``count[h, i]``: how many of ``w[g*H + h, i]`` (g = 0..G-1) are nonzero.
    weight : numpy.ndarray of float64, shape (H, n)
        Their sum.

    Examples
    --------
    Two gates of two hidden units, one input:

    >>> w = np.array([[1.0], [0.0], [2.0], [-3.0]])
    >>> count, weight = fold_gates(w, 2)
    >>> count.ravel().tolist(), weight.ravel().tolist()
    ([2, 1], [3.0, -3.0])
    """
    blocks = w.reshape(gates, -1, w.shape[-1])
    return np.count_nonzero(blocks, axis=0).astype(np.int64), blocks.sum(axis=0, dtype=np.float64)


def _direction_layer(ctx, node, base, suffix, hidden):
    """A layer of ``hidden`` units of kind "recurrent", named ``base`` + ``suffix``, made by ``node``."""
    fake = types.SimpleNamespace(name=base + suffix, op_type=node.op_type)
    li = ctx.new_layer(fake, kind="recurrent", size=hidden, tensor=node.output[0] if node.output else "")
    ctx.layers[li] = dataclasses.replace(ctx.layers[li], node=node.name)
    return li


def _connect_folded(ctx, target, count, weight, vec, node, kind):
    """Junctions into ``target`` from dense per-unit ``count`` and ``weight`` over the features ``vec``.

    When the features are the units of one layer in order (the usual case), the CSR
    arrays are made straight from the dense pair; otherwise through :meth:`Context.connect`,
    which groups the features by layer.
    """
    layers, units = vec
    src = int(layers[0]) if layers.size else -1
    if (layers.size == ctx.layers[src].size and (layers == src).all()
            and np.array_equal(units, np.arange(units.size))):
        c, w = _csr_pair(count, weight)
        ctx.junctions.append(Junction(ctx.layers[src].name, ctx.layers[target].name, c, w, op=node.op_type,
                                      node=node.name, kind=kind))
        return
    rows, cols = np.nonzero(count)
    ctx.connect(target, rows, cols, count[rows, cols], weight[rows, cols], vec, node, kind=kind)


def _csr_pair(count, weight):
    """Aligned CSR arrays of the nonzero entries of ``count``, with ``weight`` at the same places.

    Examples
    --------
    >>> c, w = _csr_pair(np.array([[0, 2], [1, 0]]), np.array([[0.0, -1.5], [3.0, 0.0]]))
    >>> c.toarray().tolist(), w.toarray().tolist(), c.indices.tolist() == w.indices.tolist()
    ([[0, 2], [1, 0]], [[0.0, -1.5], [3.0, 0.0]], True)
    """
    mask = count != 0
    flat = np.flatnonzero(mask)
    n_rows, n_cols = count.shape
    idx = np.int32 if max(n_rows, n_cols, flat.size) < 2**31 - 1 else np.int64
    indptr = np.zeros(n_rows + 1, dtype=idx)
    np.cumsum(np.count_nonzero(mask, axis=1), out=indptr[1:])
    indices = (flat % n_cols).astype(idx)
    cdata = count.ravel()[flat].astype(np.int64)
    wdata = weight.ravel()[flat].astype(np.float64)
    shape = (n_rows, n_cols)
    return sp.csr_array((cdata, indices, indptr), shape=shape), sp.csr_array((wdata, indices, indptr), shape=shape)


def _weights(ctx, node, gates):
    """``W``, ``R``, the optional peepholes ``P`` and the sizes, checked against each other."""
    a = attrs(node)
    w, r = ctx.weight(node.input[1], node), ctx.weight(node.input[2], node)
    hidden = int(a.get("hidden_size", r.shape[-1] if r.ndim == 3 else 0))
    dirs = 2 if a.get("direction", b"forward") in (b"bidirectional", "bidirectional") else 1
    if w.ndim != 3 or r.ndim != 3 or w.shape[:2] != (dirs, gates * hidden) or r.shape != (dirs, gates * hidden, hidden):
        raise Unsupported(f"{node.op_type} weights W {w.shape} and R {r.shape} do not fit hidden_size={hidden}, "
                          f"{dirs} direction(s) and {gates} gate(s)")
    p = None
    if node.op_type == "LSTM" and len(node.input) > 7 and node.input[7]:
        p = ctx.weight(node.input[7], node)
        if p.shape != (dirs, 3 * hidden):
            raise Unsupported(f"LSTM peephole weights P have shape {p.shape}, expected {(dirs, 3 * hidden)}")
    return w, r, p, hidden, dirs, int(a.get("layout", 0))


def _label_output(ctx, name, layers, hidden, dir_axis, batch_axis):
    """The map of ``Y``/``Y_h``/``Y_c``: direction layers on its num_directions axis, units on its last axis.

    ``dir_axis`` and ``batch_axis`` are axes of the whole tensor; the map leaves the batch
    axis out and records where it is.
    """
    s = ctx.tables.shapes.get(name)
    if s is None or any(d is None for k, d in enumerate(s) if k != batch_axis):
        raise Unsupported(f"the shape of output {name!r} is unknown after shape inference; "
                          "export with a fixed input size")
    shape = tuple(d for k, d in enumerate(s) if k != batch_axis)
    if dir_axis == batch_axis:  # the num_directions axis is the one the walk takes for the batch axis
        if len(layers) > 1:
            raise Unsupported(f"output {name!r} of a bidirectional layer has its directions on the axis read as the "
                              "batch axis; netgraph reads Y_h and Y_c of such a layer with layout=1, or with layout=0 "
                              "after a Transpose to sequence-first")
        return NodeMap(*np.broadcast_arrays(np.full(shape, layers[0], dtype=np.int64),
                                            np.arange(hidden, dtype=np.int64)), len(shape) - 1, batch_axis=batch_axis)
    d = dir_axis - (dir_axis > batch_axis)
    layer = np.asarray(layers, dtype=np.int64).reshape([-1 if k == d else 1 for k in range(len(shape))])
    unit = np.arange(hidden, dtype=np.int64).reshape([1] * (len(shape) - 1) + [-1])
    return NodeMap(np.broadcast_to(layer, shape), np.broadcast_to(unit, shape), len(shape) - 1,
                   batch_axis=batch_axis)


def _self_loop(ctx, li, count, weight, node):
    own = (np.full(ctx.layers[li].size, li, dtype=np.int64), np.arange(ctx.layers[li].size, dtype=np.int64))
    _connect_folded(ctx, li, count, weight, own, node, "recurrent")


def _folded_direction(ctx, node, name, w, r, p, gates, vec):
    """One direction, gates folded: a layer of H units, its W junction and its R self-loop."""
    hidden = r.shape[1]
    li = _direction_layer(ctx, node, name, "", hidden)
    _connect_folded(ctx, li, *fold_gates(w, gates), vec, node, "learnable")
    count, weight = fold_gates(r, gates)
    if p is not None:
        diag = np.arange(hidden)
        count[diag, diag] += np.count_nonzero(p, axis=0)
        weight[diag, diag] += p.sum(axis=0, dtype=np.float64)
    _self_loop(ctx, li, count, weight, node)
    return li


def _separate_direction(ctx, node, name, w, r, p, gates, vec):
    """One direction, gates apart: a layer per gate (W_g in, R_g self-loop) merged into the hidden units."""
    hidden = r.shape[1]
    names = GATE_NAMES[node.op_type]
    peephole = {"i": 0, "o": 1, "f": 2}
    gate_layers = []
    for g in range(gates):
        li = _direction_layer(ctx, node, name, f".{names[g]}", hidden)
        gate_layers.append(li)
        block = slice(g * hidden, (g + 1) * hidden)
        _connect_folded(ctx, li, *fold_gates(w[block], 1), vec, node, "learnable")
        count, weight = fold_gates(r[block], 1)
        if p is not None and names[g] in peephole:
            diag = np.arange(hidden)
            count[diag, diag] += p[peephole[names[g]]] != 0
            weight[diag, diag] += p[peephole[names[g]]]
        _self_loop(ctx, li, count, weight, node)
    fake = types.SimpleNamespace(name=name, op_type=node.op_type)
    merged = ctx.new_layer(fake, kind="merge", size=hidden, tensor=node.output[0] if node.output else "")
    ctx.layers[merged] = dataclasses.replace(ctx.layers[merged], node=node.name)
    units = np.arange(hidden)
    layers = np.repeat(np.asarray(gate_layers, dtype=np.int64), hidden)
    ctx.connect(merged, np.tile(units, gates), np.arange(gates * hidden), np.ones(gates * hidden, np.int64),
                np.ones(gates * hidden), (layers, np.tile(units, gates)), node, kind="skip")
    return merged


@register(*RECURRENT_OPS, input_layout="features_last", reads_batch_last=True)
def recurrent(ctx, node):
    """Add one recurrent layer per direction, with its ``W`` junction and ``R`` self-loop."""
    x = ctx.node_map(node.input[0])
    if x is None or any(ctx.node_map(i) is not None for i in node.input[1:]):
        raise Unsupported(f"only {node.op_type}(data, constant W, R, B) is supported; here a weight, a sequence "
                          "length or an initial state is computed from the path")
    layout = int(attrs(node).get("layout", 0))
    if x.batch_axis not in ((0, 1) if layout == 0 else (0,)) or len(x.shape) != 2:
        raise Unsupported(f"{node.op_type} with layout={layout} reads (seq, batch, features) (layout 0) or (batch, "
                          f"seq, features) (layout 1); its input has the batch axis at axis {x.batch_axis} and "
                          f"shape {x.full_shape()}")
    gates = GATES[node.op_type]
    w, r, p, hidden, dirs, _ = _weights(ctx, node, gates)
    vec = channel_vector(x, len(x.shape) - 1, f"{node.op_type} input (features on the last axis)")
    if vec[0].size != w.shape[2]:
        raise Unsupported(f"{node.op_type} weight W expects {w.shape[2]} input features, the data has {vec[0].size}")
    base = node.name or (node.output[0] if node.output else node.op_type)
    mode = getattr(ctx, "recurrent_gates", "fold")
    if mode not in GATE_MODES:
        raise InvalidParameterError(f"recurrent_gates must be one of {', '.join(GATE_MODES)}; got {mode!r}")
    suffixes = (".forward", ".reverse") if dirs == 2 else ("",)
    made = []
    for d, suffix in enumerate(suffixes):
        p_d = None if p is None else p[d].reshape(3, hidden)
        if mode == "fold" or gates == 1:
            made.append(_folded_direction(ctx, node, base + suffix, w[d], r[d], p_d, gates, vec))
        else:
            made.append(_separate_direction(ctx, node, base + suffix, w[d], r[d], p_d, gates, vec))
    # where the batch is: layout 1 batch first; layout 0 (seq, batch, ...) after a Transpose to sequence-first,
    # or, with an input declared (seq, batch, features), on the axis the walk takes for it (the first)
    moved = 1 if layout == 0 and x.batch_axis == 1 else 0
    if layout == 0 and x.batch_axis == 0:
        _note_sequence_taken_for_batch(ctx, node, x)
    outs = list(node.output) + [""] * 3
    if outs[0]:
        ctx.set_map(outs[0], _label_output(ctx, outs[0], made, hidden, 2 if layout else 1, 2 * moved))
    for name in outs[1:3]:
        if name and (ctx.consumers.get(name) or name in ctx.graph_outputs):
            ctx.set_map(name, _label_output(ctx, name, made, hidden, 1 if layout else 0, moved))


def _note_sequence_taken_for_batch(ctx, node, x):
    """Warn, and note in the metadata, when a layout-0 layer's sequence axis is the walk's batch axis.

    ONNX's layout 0 is (seq, batch, features); an input declared so (torch's
    ``batch_first=False``) has its axis 0, the sequence, taken for the batch. The layer's own
    junctions are the same, but the layers after it count one step instead of all of them:
    ``batch_axes={name: 1}`` (``--batch-axis NAME=1``) reads the input as declared.
    """
    shape = ctx.shape(node.input[0])
    seq = shape[0] if shape else None
    if seq == 1:
        return
    how = (f"{node.op_type} node {node.name!r} reads (seq, batch, features) and its input has the batch axis at "
           f"axis 0, its sequence of {seq if seq is not None else 'unknown length'}: the layers after it count one "
           "step, not every step; if the model's graph input is sequence-first, pass batch_axes={NAME: 1} "
           "(--batch-axis NAME=1)")
    log.warning("%s", how)
    ctx.notes[f"sequence_as_batch:{node.name or node.output[0]}"] = how

