"""Input-layout inference: the input layer of each graph input.

A graph input of shape (N, F) has F nodes. For a higher rank the nodes depend on how
the input is read, which the handlers of its readers declare when they register
(``input_layout``, see :func:`exporters.ops.register`):

* one node per channel (axis 1), the default;
* one node per feature on the last axis when every reader reads features last
  (``"features_last"``: MatMul, a token-wise linear layer);
* one node per element when every reader reads the elements in order (``"flat"``:
  Flatten, Reshape; an MLP on images has the paper's 784 input nodes);
* for an (N, H, W, C) input transposed to channels first (tf2onnx, Keras exports), one
  node per channel on the axis that every reader's ``perm`` moves to axis 1 (``"perm"``:
  Transpose); for a (batch, sequence, features) input transposed to sequence first
  (torch's recurrent and attention layers) whose next readers read features last, one
  node per feature;
* a flat (N, F) input reshaped into (N, C, H, W) images (``"flat"`` or ``"unit_axes"``
  readers, all to one shape) that a channel reader reads (``"channels"``: Conv,
  ConvTranspose, MaxPool, AveragePool, BatchNormalization) has C channel nodes.

Readers that only read the input's shape (``reads_shape_only``: Shape, Size) are not
readers of its data, and readers that declare no layout (Add, Mul) follow those that do.
"""

from __future__ import annotations

import numpy as np

from exporters._nodemap import NodeMap
from exporters.ops import spec_for
from exporters.ops._util import attrs
from netgraph.exceptions import InvalidModelError

__all__ = ["add_input", "apply_inputs", "check_batch_axes", "flag_example"]


def _layout(node):
    """The input layout that ``node``'s handler declared, or None."""
    spec = spec_for(node.op_type, node.domain)
    return None if spec is None else spec.input_layout


def _reads_data(node) -> bool:
    spec = spec_for(node.op_type, node.domain)
    return spec is None or not spec.reads_shape_only


def add_input(ctx, vi, consumers) -> None:
    """Make the input layer of a graph input and record its node map.

    Parameters
    ----------
    ctx : exporters._context.Context
        The walk's context.
    vi : onnx.ValueInfoProto
        The graph input.
    consumers : list of onnx.NodeProto
        The nodes that read it.

    Raises
    ------
    netgraph.InvalidModelError
        The input is read as data but its non-batch shape is not static, has a
        dimension of 0, or it holds strings.
    netgraph.ResourceLimitError
        Its node labels (8 bytes an element, batch axis excluded) would take more than
        the memory budget.

    Notes
    -----
    An input that nothing reads as data, or of rank below 2 (a condition, a length),
    makes no layer. An input whose batch axis is not axis 0 (``ctx.batch_axes``, from
    ``read_onnx(batch_axes=...)``) has one node per channel of the other axes (axis 0 of
    them), or per last-axis feature when every reader reads features last; its map keeps
    the batch axis where it is, as a Transpose to sequence-first would
    (:attr:`NodeMap.batch_axis <exporters._nodemap.NodeMap>`).
    """
    s = ctx.shape(vi.name)
    users = [n for n in consumers if _reads_data(n)]
    if not users or (s is not None and len(s) < 2):
        return  # unused, or a scalar / per-sample flag (a condition, a length): not a layer
    b = getattr(ctx, "batch_axes", {}).get(vi.name, 0)
    if b:  # a sequence-first input (read_onnx(batch_axes=...)): its labels are the other axes
        _add_batch_elsewhere(ctx, vi, s, b, users)
        return
    if s is None or any(d is None for d in s[1:]):
        dims = _declared(vi)
        raise InvalidModelError(
            f"{ctx.source or 'model'}: graph input {vi.name!r} has declared shape "
            f"{'unknown' if dims is None else _shown(dims)}: netgraph needs the size of every axis but the batch "
            f"(the spatial size decides the weight-sharing counts); give it with {flag_example(vi.name, dims)}, or export the model with a fixed input size"
        )
    shape = tuple(s[1:])
    _check_input(ctx, vi, s)
    layouts = {_layout(n) for n in users}
    if len(layouts) > 1:
        layouts.discard(None)  # readers that say nothing about the layout (Add, Mul) follow the others
    axis = 0
    if layouts == {"perm"}:
        perms = {tuple(attrs(n).get("perm", ())) for n in users if _layout(n) == "perm"}
        perm = perms.pop() if len(perms) == 1 else ()
        if len(perm) == len(s) and perm[0] == 0:
            axis = perm[1] - 1
        elif len(perm) == len(s) and len(s) >= 3 and perm[-1] != 0 and _features_last_after(ctx, users):
            axis = perm[-1] - 1  # a sequence-first Transpose: the features stay last
    elif len(shape) == 1 and layouts <= {"flat", "unit_axes"}:
        images = _reshaped_for_convolution(ctx, users, shape[0])
        if images is not None:
            channels, spatial = images
            li = ctx.new_layer(None, kind="input", size=channels, spatial=spatial, tensor=vi.name)
            units = np.repeat(np.arange(channels), int(np.prod(spatial, dtype=np.int64)))
            ctx.set_map(vi.name, NodeMap(np.full(shape, li, dtype=np.int64), units, 0))
            return
    elif len(shape) >= 2 and layouts <= {"flat"}:
        size = int(np.prod(shape))
        li = ctx.new_layer(None, kind="input", size=size, spatial=(), tensor=vi.name)
        ctx.set_map(vi.name, NodeMap(np.full(shape, li, dtype=np.int64), np.arange(size).reshape(shape), None))
        # the shape its nodes were flattened from (row-major), for the windows of netgraph.scatter
        getattr(ctx, "notes", {})[f"node_shape:{ctx.layers[li].name}"] = "x".join(map(str, shape))
        return
    elif len(shape) >= 2 and layouts <= {"features_last"}:
        axis = len(shape) - 1
    size = shape[axis]
    spatial = tuple(d for k, d in enumerate(shape) if k != axis)
    li = ctx.new_layer(None, kind="input", size=size, spatial=spatial, tensor=vi.name)
    ctx.set_map(vi.name, NodeMap.layer_nodes(li, size, shape, axis))


def _add_batch_elsewhere(ctx, vi, s, b, users) -> None:
    """The input layer of an input whose batch axis is axis ``b`` > 0 (a (T, N, E) sequence-first input)."""
    rest = None if s is None else tuple(s[:b]) + tuple(s[b + 1:])
    if rest is None or any(d is None for d in rest):
        dims = _declared(vi)
        raise InvalidModelError(
            f"{ctx.source or 'model'}: graph input {vi.name!r} has declared shape "
            f"{'unknown' if dims is None else _shown(dims)}: netgraph needs the size of every axis but the batch "
            f"(axis {b}); give it with input_shapes"
        )
    _check_input(ctx, vi, (s[b],) + rest)
    layouts = {_layout(n) for n in users}
    if len(layouts) > 1:
        layouts.discard(None)
    axis = len(rest) - 1 if layouts <= {"features_last"} or _features_last_after(ctx, users) else 0
    size = rest[axis]
    spatial = tuple(d for k, d in enumerate(rest) if k != axis)
    li = ctx.new_layer(None, kind="input", size=size, spatial=spatial, tensor=vi.name)
    ctx.set_map(vi.name, NodeMap.layer_nodes(li, size, rest, axis).with_batch_axis(b))


def _features_last_after(ctx, users) -> bool:
    """True if what reads the outputs of ``users`` (Transposes) reads features last (MatMul, LSTM)."""
    todo = [n for n in users if _layout(n) == "perm"]
    found, seen = set(), set()
    while todo and len(seen) < 64:  # through the readers that keep the layout (Squeeze, Relu, Add) to one that reads it
        n = todo.pop()
        for c in ctx.consumers.get(n.output[0], []) if n.output else []:
            if id(c) in seen or not _reads_data(c):
                continue
            seen.add(id(c))
            layout = _layout(c)
            if layout in (None, "unit_axes", "perm"):
                todo.append(c)
            else:
                found.add(layout)
    return found == {"features_last"}


def _check_input(ctx, vi, s) -> None:
    """An input layer holds numbers, has at least one element per axis, and its labels fit the budget."""
    from onnx import TensorProto

    where = ctx.source or "model"
    if vi.type.tensor_type.elem_type == TensorProto.STRING:
        raise InvalidModelError(f"{where}: graph input {vi.name!r} holds strings; netgraph reads networks whose inputs "
                                "are numbers (export the model after its tokenizer or string lookup)")
    if 0 in s[1:]:
        raise InvalidModelError(f"{where}: graph input {vi.name!r} has shape {s}: a dimension of 0 after the batch "
                                "axis makes an empty layer; export the model with the input size it is used with")
    ctx.check_labels(s[1:], f"graph input {vi.name!r}")


def _reshaped_for_convolution(ctx, users, features):
    """(channels, spatial) if every user reshapes a flat input into the same image for a channel reader."""
    shapes = {ctx.shape(n.output[0]) for n in users}
    if len(shapes) != 1:
        return None
    out = shapes.pop()
    if out is None or len(out) < 3 or any(d is None for d in out[1:]) or int(np.prod(out[1:])) != features:
        return None
    readers = [c for n in users for c in ctx.consumers.get(n.output[0], [])]
    if not any(_layout(c) == "channels" for c in readers):
        return None
    return int(out[1]), tuple(int(d) for d in out[2:])


def _declared(vi) -> list:
    """The declared dims of a graph input: an int, a symbolic name (str) or None for each axis; None if no shape."""
    tt = vi.type.tensor_type
    if not vi.type.HasField("tensor_type") or not tt.HasField("shape"):
        return None
    return [int(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0
            else d.dim_param if d.HasField("dim_param") and d.dim_param else None for d in tt.shape.dim]


def _shown(dims) -> str:
    return "(" + ", ".join("?" if d is None else repr(d) if isinstance(d, str) else str(d) for d in dims) + \
        ("," if len(dims) == 1 else "") + ")"


def flag_example(name, dims) -> str:
    """How to give the size of input ``name`` of declared ``dims``: the Python keyword and the CLI flag.

    Examples
    --------
    >>> flag_example("x", ["N", 3, "H", "W"])
    "input_shapes={'x': (1, 3, 224, 224)} (CLI: --input-shape x=1,3,224,224)"
    """
    guess = [1 if k == 0 else d if isinstance(d, int) else 224 for k, d in enumerate(dims or [1, 16])]
    return (f"input_shapes={{{name!r}: ({', '.join(map(str, guess))})}} "
            f"(CLI: --input-shape {name}={','.join(map(str, guess))})")


def _check_names(given, inputs, what, source):
    from netgraph.exceptions import InvalidParameterError

    if not isinstance(given, dict):
        raise InvalidParameterError(f"{what} must be a dict of input name to value; got {type(given).__name__}")
    for name in given:
        if name not in inputs:
            raise InvalidParameterError(f"{what}: {source} has no graph input {name!r}; its inputs are "
                                        f"{', '.join(repr(n) for n in inputs) or 'none'}")


def _parse_shape(name, shape, dims, source):
    """The user's shape for ``name`` as ints, checked against its declared dims."""
    from netgraph.exceptions import InvalidParameterError

    try:
        values = [int(d) for d in shape]
        if any(v != d for v, d in zip(values, shape)):
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidParameterError(f"input_shapes[{name!r}] must be a sequence of integers; got {shape!r}") from None
    if dims is not None and len(values) != len(dims):
        raise InvalidParameterError(f"input_shapes[{name!r}] = {tuple(values)} has {len(values)} dims, but {source} "
                                    f"declares input {name!r} with {len(dims)}: {_shown(dims)}")
    if any(v < 1 for v in values):
        raise InvalidParameterError(f"input_shapes[{name!r}] = {tuple(values)}: every dimension must be >= 1")
    for k, (v, d) in enumerate(zip(values, dims or [])):
        if isinstance(d, int) and d != v:
            raise InvalidParameterError(f"input_shapes[{name!r}] = {tuple(values)}: axis {k} is {v}, but {source} "
                                        f"declares it {d} (shape {_shown(dims)}); keep the declared sizes")
    return values


def _set_dims(vi, values) -> None:
    shape = vi.type.tensor_type.shape
    del shape.dim[:]
    for v in values:
        shape.dim.add().dim_value = int(v)


def _value_array(name, value, vi):
    """The user's value for input ``name`` as an array of the input's element type and declared rank."""
    from onnx import helper

    from netgraph.exceptions import InvalidParameterError

    dtype = helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type)
    try:
        arr = np.asarray(value).astype(dtype)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"input_values[{name!r}] = {value!r} cannot be read as {dtype}: {exc}") from None
    dims = _declared(vi)
    if dims is not None and len(dims) != arr.ndim:
        if arr.size == int(np.prod([d if isinstance(d, int) else 1 for d in dims])):
            arr = arr.reshape([d if isinstance(d, int) else 1 for d in dims])
        else:
            raise InvalidParameterError(f"input_values[{name!r}] has shape {arr.shape}, but the input is declared "
                                        f"with shape {_shown(dims)}")
    return arr


def apply_inputs(graph, input_shapes=None, input_values=None, *, source="model") -> dict:
    """Fix the sizes and values of graph inputs that the user gave, in place.

    Each input of ``input_shapes`` gets those dims; a symbolic dimension (``dim_param``)
    of another input with the same name takes the same value. Each input of
    ``input_values`` becomes an initializer holding that value (its readers are then
    folded: an ``If`` whose condition it decides can be resolved). A dimension declared
    -1 (as Paddle2ONNX writes an unknown size) is made unknown first. A graph input whose
    batch axis (axis 0) alone is unknown keeps it: the batch size is taken as 1.

    Parameters
    ----------
    graph : onnx.GraphProto
        The main graph (modified in place: pass a copy of a caller's model).
    input_shapes : dict of str to sequence of int, optional
        Input name to its full shape, batch axis included.
    input_values : dict of str to array_like, optional
        Input name to its value.
    source : str, default "model"
        The model, for messages.

    Returns
    -------
    dict of str to str
        Metadata entries stating what was fixed: ``input_shape:<name>``,
        ``input_value:<name>`` and ``batch_default`` (the inputs whose batch size was
        taken as 1).

    Raises
    ------
    netgraph.InvalidParameterError
        An unknown input name, a shape of the wrong rank, a dimension below 1 or other
        than a declared fixed one, two values for one symbolic dimension, a value that
        does not fit the input's type or shape.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> g = helper.make_graph([], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T"]),
    ...                                 helper.make_tensor_value_info("m", TensorProto.FLOAT, ["N", "T", 4])], [])
    >>> apply_inputs(g, {"x": (1, 50)})
    {'input_shape:x': '1,50', 'input_shape:m': '(1, 50, 4)'}
    >>> [d.dim_value for d in g.input[1].type.tensor_type.shape.dim]
    [1, 50, 4]
    """
    from onnx import numpy_helper

    from netgraph.exceptions import InvalidParameterError

    for vi in list(graph.input) + list(graph.output) + list(graph.value_info):
        for dim in vi.type.tensor_type.shape.dim if vi.type.HasField("tensor_type") else ():
            if dim.HasField("dim_value") and dim.dim_value == -1:
                dim.Clear()  # -1 (Paddle2ONNX): an unknown size
    input_shapes = {} if input_shapes is None else input_shapes
    input_values = {} if input_values is None else input_values
    inits = {t.name for t in graph.initializer}
    inputs = {vi.name: vi for vi in graph.input if vi.name not in inits}
    _check_names(input_shapes, inputs, "input_shapes", source)
    _check_names(input_values, inputs, "input_values", source)
    meta, symbols = {}, {}
    for name, shape in input_shapes.items():
        dims = _declared(inputs[name])
        values = _parse_shape(name, shape, dims, source)
        for d, v in zip(dims or [], values):
            if isinstance(d, str):
                if symbols.setdefault(d, (v, name))[0] != v:
                    raise InvalidParameterError(
                        f"input_shapes: the symbolic dimension {d!r} is {symbols[d][0]} for input {symbols[d][1]!r} "
                        f"but {v} for input {name!r}; a symbolic dimension takes one value")
        _set_dims(inputs[name], values)
        meta[f"input_shape:{name}"] = ",".join(map(str, values))
    for name, vi in inputs.items():
        dims = _declared(vi)
        if name in input_shapes or not dims or not any(isinstance(d, str) and d in symbols for d in dims):
            continue
        for dim in vi.type.tensor_type.shape.dim:
            if dim.HasField("dim_param") and dim.dim_param in symbols:
                dim.dim_value = symbols[dim.dim_param][0]  # clears dim_param (a oneof)
        meta[f"input_shape:{name}"] = _shown(_declared(vi))
    for name, value in input_values.items():
        arr = _value_array(name, value, inputs[name])
        graph.initializer.append(numpy_helper.from_array(arr, name))
        keep = [vi for vi in graph.input if vi.name != name]
        del graph.input[:]
        graph.input.extend(keep)
        meta[f"input_value:{name}"] = np.array2string(arr.reshape(-1), separator=",").strip("[]")
    batch = [name for name, vi in inputs.items() if name not in input_values
             and (dims := _declared(vi)) and len(dims) >= 2 and not isinstance(dims[0], int)
             and all(isinstance(d, int) for d in dims[1:])]
    if batch:
        meta["batch_default"] = ", ".join(batch) + ": batch size unknown, taken as 1"
    return meta


def check_batch_axes(graph, batch_axes, *, source="model") -> tuple:
    """The batch axis of each graph input the user gave, checked: ``(axes, metadata notes)``.

    netgraph takes axis 0 of a graph input for its batch axis. A sequence-first input
    (torch's ``nn.MultiheadAttention``, ``nn.TransformerEncoderLayer``, ``nn.LSTM`` with
    ``batch_first=False``, exported with a (T, 1, E) input) has it at axis 1: give
    ``{"x": 1}``. That input's labels are then its other axes, and the walk follows the
    batch axis from there as after a Transpose to sequence-first.

    Parameters
    ----------
    graph : onnx.GraphProto
        The main graph.
    batch_axes : dict of str to int, or None
        Input name to its batch axis (negative counts from the end).
    source : str, default "model"
        The model, for messages.

    Returns
    -------
    tuple of (dict of str to int, dict of str to str)
        The axes other than 0, normalised to be >= 0, and ``graph.metadata`` entries
        ``batch_axis:<name>``.

    Raises
    ------
    netgraph.InvalidParameterError
        ``batch_axes`` is not a dict, names an input the model does not have, or gives
        an axis that is not an integer or out of the input's declared rank.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> g = helper.make_graph([], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 1, 8])], [])
    >>> check_batch_axes(g, {"x": -2})
    ({'x': 1}, {'batch_axis:x': '1'})
    """
    from netgraph.exceptions import InvalidParameterError

    if batch_axes is None:
        return {}, {}
    inits = {t.name for t in graph.initializer}
    inputs = {vi.name: vi for vi in graph.input if vi.name not in inits}
    _check_names(batch_axes, inputs, "batch_axes", source)
    axes, notes = {}, {}
    for name, axis in batch_axes.items():
        dims = _declared(inputs[name])
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise InvalidParameterError(f"batch_axes[{name!r}] must be an integer axis; got {axis!r}")
        rank = None if dims is None else len(dims)
        if rank is not None and not -rank <= axis < rank or rank is None and axis < 0:
            raise InvalidParameterError(f"batch_axes[{name!r}] = {axis} is out of range for input {name!r} of "
                                        f"declared shape {'unknown' if dims is None else _shown(dims)}")
        axis = int(axis) + (rank if axis < 0 else 0)
        notes[f"batch_axis:{name}"] = str(axis)
        if axis:
            axes[name] = axis
    return axes, notes
