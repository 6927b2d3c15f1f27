"""Read any ONNX model into a weighted multilayer graph.

:func:`read_onnx` walks an ONNX graph in topological order after shape inference, one
handler per operator type (:mod:`exporters.ops`), and returns a
:class:`netgraph.LayeredGraph`: a layer per learnable operator (Gemm, MatMul with a
weight, Conv, ConvTranspose) and per input, junctions whose ``count`` matrices count the
scalar connections (weight sharing of convolutions included) and whose ``weight``
matrices sum their weights.

This package never imports torch.
"""

from __future__ import annotations

__all__ = ["read_onnx", "supported_ops"]

import os

from exporters.ops import supported_ops
from netgraph.utils.check import DEFAULT_MAX_BYTES


def read_onnx(model, *, lenient: bool = False, max_bytes: int = DEFAULT_MAX_BYTES, input_shapes=None,
              input_values=None, recurrent_gates: str = "fold", flatten: str = "channels", batch_axes=None):
    """Read an ONNX model into a :class:`netgraph.LayeredGraph`.

    Parameters
    ----------
    model : str, os.PathLike, bytes or onnx.ModelProto
        A path to a ``.onnx`` file (external data is read from beside it), its bytes, or a
        loaded model.
    lenient : bool, default False
        If False, an operator on the path that no handler reads (no handler, or a case
        its handler does not cover) raises :class:`~netgraph.UnsupportedOperatorError`.
        If True, it becomes a *cut*: its outputs start new input layers (kind
        ``"cut"``) and the cut is listed in :attr:`LayeredGraph.cuts`. Layers inside
        control flow (If, Loop, Scan) raise :class:`~netgraph.ControlFlowError` in both
        modes, and so does a handler's bug (:class:`~netgraph.HandlerError`).
    max_bytes : int, default 4 GiB (:data:`netgraph.utils.check.DEFAULT_MAX_BYTES`)
        The memory budget of one array. Every size the model declares is checked against
        it before anything is allocated from it: the model file, each tensor's external
        data, a weight or constant (a sparse one made dense), a value folded from
        constants, the node labels of each tensor on the path (8 bytes an element, batch
        axis excluded). Raise it for a genuine model that needs more.
    input_shapes : dict of str to sequence of int, optional
        The full shape (batch axis included) of graph inputs whose dims the model leaves
        symbolic or unknown (``{"image": (1, 3, 224, 224)}``); a symbolic dimension
        shared by several inputs takes the one value. An input whose batch axis alone is
        unknown needs none: its batch size is taken as 1 (``graph.metadata
        ["batch_default"]`` says so). Each shape given is recorded as
        ``graph.metadata["input_shape:<name>"]``.
    input_values : dict of str to array_like, optional
        Values of graph inputs that decide the model's structure (a sample rate): each
        becomes a constant, so that an ``If`` whose condition depends only on such inputs
        is folded and the branch it takes is read (``graph.metadata["if:<node>"]``
        names it).
    recurrent_gates : {"fold", "separate"}, default "fold"
        How LSTM, GRU and RNN gates are read (:doc:`/recurrent`): ``"fold"`` sums a hidden
        unit's connections over its gates (one recurrent layer a direction);
        ``"separate"`` keeps a layer per gate, with its own input junction and recurrent
        self-loop, joined into the hidden units by skip edges.
    flatten : {"channels", "neurons"}, default "channels"
        How a convolutional map flattened into a dense layer is read: ``"channels"``
        keeps the map's channel nodes (a dense unit's connections from one channel are
        counted together); ``"neurons"`` adds a layer of one node per element of the
        map (C x H x W), joined to its channel by a skip edge, so that the dense
        layer's connections are those of each neuron (:doc:`/scatter`).
    batch_axes : dict of str to int, optional
        The batch axis of graph inputs whose batch is not axis 0 (``{"src": 1}`` for a
        (T, 1, E) input of torch's ``nn.TransformerEncoderLayer`` or
        ``nn.MultiheadAttention`` with ``batch_first=False``). netgraph takes axis 0 of
        every other input for its batch axis; the one given is followed as after a
        Transpose to sequence-first (:ref:`absorbed-batch`). Each is recorded as
        ``graph.metadata["batch_axis:<name>"]``.

    Returns
    -------
    netgraph.LayeredGraph
        Layers in topological order: inputs, one layer per learnable operator, merge
        layers of residual additions; junctions with CSR ``count`` and ``weight``.

    Raises
    ------
    netgraph.ModelNotFoundError
        The file does not exist.
    netgraph.InvalidModelError
        Not an ONNX model (or a corrupt one: a name that is not UTF-8), not a regular
        file (a FIFO, a device), or a broken one: two
        definitions of a tensor name, a tensor read that nothing produces, a cycle, an
        unknown element type, an operator with the wrong number of inputs or a
        wrongly-typed attribute, invalid convolution geometry (see
        :mod:`exporters._validate`).
    netgraph.ExternalDataError
        Weights stored as external data cannot be read, or do not hold what their dims
        declare.
    netgraph.ResourceLimitError
        A size the model declares exceeds ``max_bytes``, or the machine ran out of
        memory reading it.
    netgraph.UnsupportedOperatorError
        An operator on the path has no handler, or its handler does not cover the case
        (strict mode).
    netgraph.ControlFlowError
        A layer sits inside control flow.
    netgraph.InvalidWeightError
        A weight holds NaN or infinite values (or a Gemm's ``alpha`` or ``beta`` is not
        finite).
    netgraph.NoLearnableJunctionError
        No learnable operator lies on the path.
    netgraph.HandlerError
        A handler failed with an exception it did not foresee: a bug in netgraph (both
        modes).
    netgraph.InvalidParameterError
        ``lenient`` is not a bool, or ``max_bytes`` not an integer >= 1; ``input_shapes``
        or ``input_values`` name an input the model does not have, or give a shape of
        the wrong rank, a dimension below 1 or other than a fixed declared one, or a
        value that does not fit the input; ``batch_axes`` names an unknown input or an
        axis out of its rank.

    Examples
    --------
    >>> import numpy as np
    >>> from onnx import helper, numpy_helper, TensorProto
    >>> w = numpy_helper.from_array(np.array([[1.0, 0.0], [2.0, 3.0], [0.0, 0.0]], np.float32), "W")
    >>> graph = helper.make_graph(
    ...     [helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)], "tiny",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], [w])
    >>> g = read_onnx(helper.make_model(graph))
    >>> g.layer_names
    ['x', 'fc']
    >>> g.junctions[0].count.toarray().tolist()
    [[1, 0], [1, 1], [0, 0]]

    A model whose batch and feature sizes are symbolic:

    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "F"])
    >>> graph = helper.make_graph([helper.make_node("MatMul", ["x", "M"], ["y"], name="fc")], "dyn", [x],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
    ...     [numpy_helper.from_array(np.ones((2, 3), np.float32), "M")])
    >>> read_onnx(helper.make_model(graph), input_shapes={"x": (1, 2)}).layer_names
    ['x', 'fc']
    """
    from exporters._inputs import check_batch_axes
    from exporters._model import load_model
    from exporters._walk import walk
    from netgraph.exceptions import InvalidModelError, ResourceLimitError
    from netgraph.utils.check import check_bool, check_choice, check_int

    lenient = check_bool(lenient, "lenient")
    recurrent_gates = check_choice(recurrent_gates, "recurrent_gates", ("fold", "separate"))
    flatten = check_choice(flatten, "flatten", ("channels", "neurons"))
    max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
    source = str(model) if isinstance(model, (str, os.PathLike)) else "the model"
    try:
        proto, source = load_model(model, max_bytes=max_bytes)
        proto, notes = _prepare(proto, model, source, input_shapes, input_values)
        axes, axis_notes = check_batch_axes(proto.graph, batch_axes, source=source)
        return walk(proto, lenient=lenient, source=source, max_bytes=max_bytes, notes={**notes, **axis_notes},
                    recurrent_gates=recurrent_gates, flatten=flatten, batch_axes=axes)
    except MemoryError:
        raise ResourceLimitError(
            f"{source}: the machine ran out of memory reading the model, although no array it declares exceeds "
            f"max_bytes={max_bytes:,}; free memory, or pass a smaller max_bytes to refuse such a model early"
        ) from None
    except UnicodeDecodeError as exc:  # protobuf decodes a string field when it is first read
        raise InvalidModelError(
            f"{source}: a name or text in the model is not UTF-8 ({exc.reason} at byte {exc.start}); the file is "
            "corrupt: re-export the model"
        ) from None


def _prepare(proto, model, source, input_shapes, input_values):
    """Apply the user's input shapes and values and resolve constant If nodes: ``(proto, metadata notes)``.

    A caller's ModelProto is copied before anything in it changes.
    """
    from exporters._inputs import apply_inputs
    from exporters.ops.control_flow import inline_branches

    has_if = any(n.op_type == "If" for n in proto.graph.node)
    if not (input_shapes or input_values or has_if or _batch_unknown(proto.graph) or _negative_dims(proto.graph)):
        return proto, {}
    negative = _negative_dims(proto.graph)
    if proto is model and (input_shapes or input_values or has_if or negative):
        import onnx

        copy = onnx.ModelProto()
        copy.CopyFrom(proto)
        proto = copy
    notes = apply_inputs(proto.graph, input_shapes, input_values, source=source)
    if has_if:
        notes.update(inline_branches(proto))
    return proto, notes


def _batch_unknown(graph) -> bool:
    return any(vi.type.HasField("tensor_type") and vi.type.tensor_type.shape.dim
               and not vi.type.tensor_type.shape.dim[0].dim_value > 0 for vi in graph.input)


def _negative_dims(graph) -> bool:
    return any(d.dim_value == -1 for vi in list(graph.input) + list(graph.output) + list(graph.value_info)
               if vi.type.HasField("tensor_type") for d in vi.type.tensor_type.shape.dim)
