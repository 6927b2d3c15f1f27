"""Tiny ONNX models built in memory with onnx.helper, for the exporter tests."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

__all__ = ["make_model", "vi", "init", "single_op_model", "sparse_weights", "torch_export"]

_DT = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float16): TensorProto.FLOAT16,
       np.dtype(np.float64): TensorProto.DOUBLE, np.dtype(np.int64): TensorProto.INT64}


def vi(name, shape, dtype=TensorProto.FLOAT):
    """A tensor value info."""
    return helper.make_tensor_value_info(name, dtype, shape)


def init(name, array):
    """An initializer from a numpy array."""
    return numpy_helper.from_array(np.asarray(array), name)


def make_model(nodes, inputs, outputs, initializers=(), opset=17, **kw):
    """A model of ``nodes`` with graph ``inputs``/``outputs`` (value infos) and initializers."""
    graph = helper.make_graph(nodes, "test", inputs, outputs, list(initializers), **kw)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def single_op_model(op, x_shape, weight, out_name="y", extra_inputs=(), extra_inits=(), dtype=np.float32, **attrs):
    """A model computing ``op(x, W, *extra_inputs)`` with ``W`` an initializer."""
    w = np.asarray(weight, dtype=dtype)
    node = helper.make_node(op, ["x", "W", *extra_inputs], [out_name], name=f"{op.lower()}0", **attrs)
    return make_model([node], [vi("x", x_shape, _DT[np.dtype(dtype)])], [vi(out_name, None, _DT[np.dtype(dtype)])],
                      [init("W", w), *extra_inits])


def sparse_weights(shape, seed, zero_frac=0.3):
    """Seeded normal float32 weights with about ``zero_frac`` of them set to exactly zero."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=shape).astype(np.float32)
    w[rng.random(shape) < zero_frac] = 0.0
    return w


def torch_export(model, x, **kwargs):
    """The ONNX bytes of ``model`` (put in eval mode) exported by torch's TorchScript exporter on ``(x,)``.

    ``kwargs`` go to :func:`torch.onnx.export` (``opset_version``, ``input_names``); the
    exporter's warnings are silenced.
    """
    import io
    import warnings

    import torch

    model.eval()
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), f, dynamo=False, **kwargs)
    return f.getvalue()
