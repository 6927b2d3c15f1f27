"""Loading an ONNX model: files, bytes or ModelProto; external data; shapes; constants.

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

from netgraph.exceptions import ExternalDataError, InvalidModelError, ModelNotFoundError

__all__ = ["load_model", "ModelTables"]

log = logging.getLogger(__name__)

#: Initializers with more elements than this are left out of shape inference's copy.
_LIGHT_LIMIT = 4096


def load_model(model):
    """Return ``(ModelProto, source)`` for a path, bytes or ModelProto.

    Raises
    ------
    ModelNotFoundError
        The path does not exist.
    InvalidModelError
        The file or object is not an ONNX model.
    ExternalDataError
        Weights stored as external data cannot be read.
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
        if not path.exists():
            raise ModelNotFoundError(f"model file not found: {source}")
        if path.is_dir():
            raise InvalidModelError(f"{source} is a directory, not an ONNX model file")
        try:
            proto = onnx.load(str(path), load_external_data=False)
        except (DecodeError, ValueError, RuntimeError, OSError) as exc:
            raise InvalidModelError(f"{source} is not an ONNX model (corrupt protobuf?): {exc}") from None
        if _has_external(proto):
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


def _has_external(proto) -> bool:
    import onnx

    for t in _all_tensors(proto.graph):
        if t.HasField("data_location") and t.data_location == onnx.TensorProto.EXTERNAL:
            return True
    return False


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
    """

    def __init__(self, proto):
        import onnx

        self.proto = proto
        self.graph = proto.graph
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
            if int(np.prod(t.dims, dtype=np.int64)) <= _LIGHT_LIMIT and t.data_location != onnx.TensorProto.EXTERNAL:
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
        arr = _to_array(t)
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


def _to_array(t) -> np.ndarray:
    from onnx import numpy_helper, TensorProto

    if t.HasField("data_location") and t.data_location == TensorProto.EXTERNAL:
        raise ExternalDataError(
            f"tensor {t.name!r} is stored as external data that was not loaded; pass the model's "
            "file path (its data files beside it) or load it with onnx.load(path)"
        )
    try:
        return numpy_helper.to_array(t)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise InvalidModelError(f"tensor {t.name!r} cannot be read: {exc}") from None


def _shape_of(vi):
    if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
        return None
    dims = []
    for d in vi.type.tensor_type.shape.dim:
        dims.append(int(d.dim_value) if d.HasField("dim_value") else None)
    return tuple(dims)
