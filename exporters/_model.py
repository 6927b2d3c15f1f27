"""Loading an ONNX model: files, bytes or ModelProto; external data; shapes; constants.

A model path must be a regular file within the memory budget, and the external data of
its tensors must hold what their dims declare (:mod:`exporters._limits`), before
anything is read; :func:`read_tensor` checks a tensor's declared size before reading it.

Shape inference runs on a light copy of the graph in which every large initializer is
replaced by a typed graph input, so the weights are never serialised a second time
(a VGG-16 file is half a gigabyte). :class:`ModelTables` holds the shapes and the
constants: initializers are read lazily, and the values of Constant nodes and of what
the graph computes from constants alone (ConstantOfShape, Cast, Reshape, Transpose, Mul
of a weight and its pruning mask, ...), which :mod:`exporters._fold` evaluates, are
recorded in it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from exporters._limits import check_external, elements, tensor_bytes, type_name
from netgraph.exceptions import ExternalDataError, InvalidModelError, ModelNotFoundError
from netgraph.utils.check import DEFAULT_MAX_BYTES, check_budget
from netgraph.utils.files import regular_file_stat

__all__ = ["load_model", "ModelTables", "read_tensor"]

log = logging.getLogger(__name__)

#: Initializers with more elements than this are left out of shape inference's copy.
_LIGHT_LIMIT = 4096


def load_model(model, *, max_bytes: int = DEFAULT_MAX_BYTES):
    """Return ``(ModelProto, source)`` for a path, bytes or ModelProto.

    A path must name a regular file (a FIFO or a device would block or never end) of
    at most ``max_bytes``; the external data of its tensors is checked against their
    dims and the budget (:func:`exporters._limits.check_external`) before it is read.

    Parameters
    ----------
    model : str, os.PathLike, bytes or onnx.ModelProto
        The model.
    max_bytes : int, default DEFAULT_MAX_BYTES
        The memory budget of one array (the file itself, each tensor's external data).

    Returns
    -------
    tuple
        The :class:`onnx.ModelProto` and where it came from (the path, ``"<bytes>"``
        or ``"<ModelProto>"``).

    Raises
    ------
    ModelNotFoundError
        The path does not exist.
    InvalidModelError
        The path is a directory or not a regular file, or the file or object is not an
        ONNX model.
    ExternalDataError
        Weights stored as external data cannot be read, or do not match their dims.
    ResourceLimitError
        The file or a tensor's external data is larger than ``max_bytes``.
    """
    import onnx
    from google.protobuf.message import DecodeError

    if isinstance(model, onnx.ModelProto):
        proto, source = model, "<ModelProto>"
    elif isinstance(model, (bytes, bytearray)):
        try:
            proto = onnx.load_model_from_string(bytes(model))
        except (DecodeError, ValueError, RuntimeError) as exc:
            raise InvalidModelError(f"bytes are not an ONNX model: {exc}") from None
        source = "<bytes>"
    elif isinstance(model, (str, os.PathLike)):
        path = Path(model)
        source = str(path)
        _check_model_file(path, source, max_bytes)
        try:
            proto = onnx.load(str(path), load_external_data=False)
        except (DecodeError, ValueError, RuntimeError, OSError) as exc:
            raise InvalidModelError(f"{source} is not an ONNX model (corrupt protobuf?): {exc}") from None
        external = [t for t in _all_tensors(proto.graph) if t.data_location == onnx.TensorProto.EXTERNAL]
        for t in external:
            check_external(t, str(path.parent), max_bytes, source)
        if external:
            try:
                onnx.external_data_helper.load_external_data_for_model(proto, str(path.parent))
            except (OSError, ValueError, RuntimeError, onnx.checker.ValidationError) as exc:
                raise ExternalDataError(
                    f"{source}: cannot read weights stored as external data ({exc}); "
                    "keep the data files next to the model file"
                ) from None
    else:
        raise InvalidModelError(
            f"expected a path, bytes or onnx.ModelProto, got {type(model).__name__}"
        )
    if not proto.HasField("graph") or (not proto.graph.node and not proto.graph.initializer):
        raise InvalidModelError(f"{source} holds no ONNX graph (is it an ONNX model?)")
    return proto, source


def _check_model_file(path, source, max_bytes) -> None:
    """A model path must be an existing regular file within the budget (a FIFO would block the read forever)."""
    st = regular_file_stat(
        path,
        missing=lambda: ModelNotFoundError(f"model file not found: {source}"),
        bad_name=lambda exc: ModelNotFoundError(f"model file not found: {source!r} (a path cannot hold a NUL byte)"),
        unreadable=lambda exc: InvalidModelError(f"{source} cannot be read: {exc.strerror or exc}"),
        directory=lambda: InvalidModelError(f"{source} is a directory, not an ONNX model file"),
        special=lambda kind: InvalidModelError(f"{source} is a {kind}, not a regular file; netgraph reads models "
                                               "from regular files only: save the model to a file and pass its path"),
    )
    check_budget(st.st_size, max_bytes, source, "the model file's bytes")


def _all_tensors(graph):
    yield from graph.initializer
    for node in graph.node:
        for a in node.attribute:
            if a.HasField("t"):
                yield a.t


class ModelTables:
    """Static shapes and constants of a model, computed once.

    Parameters
    ----------
    proto : onnx.ModelProto
        The loaded model.
    max_bytes : int, default DEFAULT_MAX_BYTES
        The memory budget of one array: a constant larger than this is not read.
    source : str, default "model"
        Where the model came from, for messages.
    """

    def __init__(self, proto, *, max_bytes: int = DEFAULT_MAX_BYTES, source: str = "model"):
        import onnx

        self.proto = proto
        self.graph = proto.graph
        #: The memory budget of one array (``read_onnx``'s ``max_bytes``).
        self.max_bytes = max_bytes
        #: Where the model came from, for messages.
        self.source = source
        self._tensor_protos = {t.name: t for t in self.graph.initializer}
        self._values: dict[str, np.ndarray] = {}
        #: Values computed with an unknown batch size taken as 1 (shape arithmetic only).
        self.batch_dependent: set[str] = set()
        self.opset = {o.domain or "ai.onnx": o.version for o in proto.opset_import}
        self.shapes: dict[str, tuple | None] = {}
        self.dtypes: dict[str, int] = {}
        light = self._light_copy(onnx)
        try:
            inferred = onnx.shape_inference.infer_shapes(light, data_prop=True)
        except Exception as exc:  # shape inference is best effort: handlers say what they miss
            log.warning("ONNX shape inference failed (%s); continuing with the shapes the model declares", exc)
            inferred = light
        g = inferred.graph
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            shape = _shape_of(vi)
            if shape is not None or vi.name not in self.shapes:
                self.shapes[vi.name] = shape
            if vi.type.HasField("tensor_type"):
                self.dtypes[vi.name] = vi.type.tensor_type.elem_type
        for t in self.graph.initializer:
            self.shapes[t.name] = tuple(int(d) for d in t.dims)

    def _light_copy(self, onnx):
        """A copy of the model with large initializers turned into typed graph inputs."""
        from onnx import helper

        light = onnx.ModelProto()
        light.ir_version = self.proto.ir_version
        light.opset_import.extend(self.proto.opset_import)
        light.functions.extend(self.proto.functions)
        g = light.graph
        g.name = self.graph.name
        g.node.extend(self.graph.node)
        g.input.extend(self.graph.input)
        g.output.extend(self.graph.output)
        g.value_info.extend(self.graph.value_info)
        declared = {i.name for i in self.graph.input}
        for t in self.graph.initializer:
            if elements(t.dims) <= _LIGHT_LIMIT and t.data_location != onnx.TensorProto.EXTERNAL:
                g.initializer.append(t)
            elif t.name not in declared:
                g.input.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
        return light

    # ------------------------------------------------------------------ constants
    def is_initializer(self, name: str) -> bool:
        """True if ``name`` is an initializer of the graph."""
        return name in self._tensor_protos

    def has_value(self, name: str) -> bool:
        """True if ``name`` is a constant whose value is known (initializer, Constant or folded)."""
        return name in self._values or name in self._tensor_protos

    def value(self, name: str) -> np.ndarray:
        """The value of a constant tensor (read from its TensorProto on first use)."""
        if name in self._values:
            return self._values[name]
        t = self._tensor_protos[name]
        arr = read_tensor(t, self.max_bytes, self.source)
        if arr.size <= _LIGHT_LIMIT:  # keep small values; large weights are read when needed
            self._values[name] = arr
        return arr

    def set_value(self, name: str, value) -> None:
        """Record the value of a tensor computed from constants."""
        value = np.asarray(value)
        self._values[name] = value
        self.shapes.setdefault(name, tuple(value.shape))
        if self.shapes[name] is None or None in self.shapes[name]:
            self.shapes[name] = tuple(value.shape)


def read_tensor(t, max_bytes: int = DEFAULT_MAX_BYTES, where: str = "model") -> np.ndarray:
    """The values of a TensorProto, its declared size checked against the budget first.

    Parameters
    ----------
    t : onnx.TensorProto
        An initializer or a Constant node's tensor.
    max_bytes : int, default DEFAULT_MAX_BYTES
        The memory budget of one array.
    where : str, default "model"
        The model, for messages.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    netgraph.ExternalDataError
        The tensor is stored as external data that was not loaded.
    netgraph.ResourceLimitError
        Its type and dims declare more than ``max_bytes``.
    netgraph.InvalidModelError
        Its type is unknown, a dimension negative, or its data does not fill its dims.

    Examples
    --------
    >>> import numpy as np
    >>> from onnx import numpy_helper
    >>> read_tensor(numpy_helper.from_array(np.arange(3, dtype=np.int64), "t")).tolist()
    [0, 1, 2]
    """
    from onnx import numpy_helper, TensorProto

    if t.HasField("data_location") and t.data_location == TensorProto.EXTERNAL:
        raise ExternalDataError(
            f"tensor {t.name!r} is stored as external data that was not loaded; pass the model's "
            "file path (its data files beside it) or load it with onnx.load(path)"
        )
    n_bytes = tensor_bytes(t, where)
    check_budget(n_bytes, max_bytes, where, f"the values of tensor {t.name!r} "
                 f"(shape {tuple(int(d) for d in t.dims)}, {type_name(t.data_type)})")
    try:
        return numpy_helper.to_array(t)
    except (ValueError, TypeError, RuntimeError, KeyError) as exc:
        raise InvalidModelError(f"tensor {t.name!r} cannot be read: {exc}") from None


def _shape_of(vi):
    if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
        return None
    dims = []
    for d in vi.type.tensor_type.shape.dim:
        # a negative size is no size: the validation refuses declared ones, inference may still make one
        dims.append(int(d.dim_value) if d.HasField("dim_value") and d.dim_value >= 0 else None)
    return tuple(dims)
