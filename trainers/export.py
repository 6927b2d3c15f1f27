"""ONNX export of trained networks, checked every time.

:func:`export_onnx` exports a network with torch's TorchScript-based exporter
(``torch.onnx.export(..., dynamo=False)``, ONNX opset :data:`OPSET`; it is much faster
than the dynamo exporter on these small models) and then checks the result before
returning it:

* the ONNX model passes :func:`onnx.checker.check_model`;
* every weight and bias of the network is an initializer of the same name and the
  same values, bit for bit, so pruned weights are exact zeros in the file, and every
  weight feeds a ``Conv`` or ``Gemm`` node directly: no mask operator (the ``Mul`` of
  ``torch.nn.utils.prune``) is left in the graph;
* onnxruntime's output on a batch of real inputs matches torch's within ``atol``
  (1e-4 by default).

A failed check raises :class:`ExportCheckError`. The provenance of the model (trainer,
data set, sparsity of each layer, seed, accuracies, ...) goes into the model's
``metadata_props``, each key prefixed with ``netgraph.``; values that are not strings
are stored as JSON.

The input is called ``input``, of shape ``(batch, *input_shape)`` with a symbolic batch
size; the output ``logits``.
"""

from __future__ import annotations

import io
import json
import logging
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from netgraph.exceptions import NetgraphError

__all__ = ["OPSET", "ExportCheckError", "export_onnx", "read_metadata"]

logger = logging.getLogger(__name__)

#: The ONNX opset of the exported models (the TorchScript exporter's default with torch 2.13).
OPSET = 20

#: Operators that may consume a weight directly.
_WEIGHT_CONSUMERS = {"Conv", "Gemm", "MatMul"}


class ExportCheckError(NetgraphError):
    """An exported ONNX model failed a check: its weights, its operators, or onnxruntime's output."""


def export_onnx(model, sample, *, metadata=None, opset: int = OPSET, atol: float = 1e-4) -> bytes:
    """Export ``model`` to ONNX, check the result against torch and onnxruntime, return its bytes.

    Parameters
    ----------
    model : torch.nn.Module
        The network; it is exported in evaluation mode (dropout off), and its mode is
        restored afterwards.
    sample : ndarray or torch.Tensor, shape (N, C, H, W) or (N, features)
        A batch of real inputs for the onnxruntime check (N >= 1; the export traces its
        first item).
    metadata : dict, optional
        Provenance written to ``metadata_props`` as ``netgraph.<key>``: strings as they
        are, anything else as JSON.
    opset : int, default :data:`OPSET`
        The ONNX opset.
    atol : float, default 1e-4
        Largest absolute difference accepted between onnxruntime's and torch's outputs.

    Returns
    -------
    bytes
        The serialised ``onnx.ModelProto``.

    Raises
    ------
    ExportCheckError
        A weight differs from the initializer of its name or does not feed a
        Conv/Gemm/MatMul directly, the ONNX checker rejects the model, or onnxruntime's
        output differs from torch's by more than ``atol``.

    Examples
    --------
    >>> import numpy as np
    >>> from trainers.models import build_model
    >>> net = build_model("mlp", (4,), 3, hidden=(5,), seed=0)
    >>> data = export_onnx(net, np.ones((2, 4), np.float32), metadata={"seed": 0, "trainer": "none"})
    >>> read_metadata(data)
    {'seed': 0, 'trainer': 'none'}
    """
    import onnxruntime as ort

    x = sample if torch.is_tensor(sample) else torch.from_numpy(np.ascontiguousarray(sample))
    if x.ndim < 2 or len(x) < 1:
        raise ExportCheckError(f"sample must be a non-empty batch (N, *input_shape); got shape {tuple(x.shape)}")
    x = x.to(torch.float32)
    was_training = model.training
    model.eval()
    try:
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TorchScript exporter deprecation notices
            torch.onnx.export(model, (x[:1],), buf, dynamo=False, opset_version=opset, input_names=["input"],
                              output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                              do_constant_folding=True)
        proto = onnx.load_from_string(buf.getvalue())
        _check_weights(proto, model)
        for key, value in (metadata or {}).items():
            prop = proto.metadata_props.add()
            prop.key = f"netgraph.{key}"
            prop.value = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        try:
            onnx.checker.check_model(proto)
        except onnx.checker.ValidationError as exc:
            raise ExportCheckError(f"the exported model fails the ONNX checker: {' '.join(str(exc).split())}") \
                from None
        data = proto.SerializeToString()
        with torch.no_grad():
            expected = model(x).numpy()
    finally:
        model.train(was_training)

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {"input": x.numpy()})[0]
    diff = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
    if not diff <= atol:
        raise ExportCheckError(f"onnxruntime and torch disagree on the exported model: max |difference| {diff:.3g} "
                               f"> {atol:g} (output shapes {got.shape} and {expected.shape})")
    logger.info("exported ONNX (opset %d, %d bytes); onnxruntime matches torch on %d inputs (max |diff| %.2g)",
                opset, len(data), len(x), diff)
    return data


def _check_weights(proto, model) -> None:
    """Every parameter is an initializer of its name and values, fed straight to Conv/Gemm/MatMul."""
    inits = {t.name: t for t in proto.graph.initializer}
    consumers: dict[str, set] = {}
    for node in proto.graph.node:
        for name in node.input:
            consumers.setdefault(name, set()).add(node.op_type)
    for name, param in model.named_parameters():
        if name not in inits:
            raise ExportCheckError(f"parameter {name!r} is not an initializer of the exported model")
        array = numpy_helper.to_array(inits[name])
        value = param.detach().cpu().numpy()
        if array.shape != value.shape or array.dtype != value.dtype or array.tobytes() != value.tobytes():
            raise ExportCheckError(f"initializer {name!r} differs from the network's parameter")
        if name.endswith("weight") and not consumers.get(name, set()) <= _WEIGHT_CONSUMERS:
            others = sorted(consumers[name] - _WEIGHT_CONSUMERS)
            raise ExportCheckError(f"weight {name!r} feeds {', '.join(others)}: a mask operator is left in the graph")


def read_metadata(model) -> dict:
    """The ``netgraph.*`` metadata of an ONNX model, decoded.

    Parameters
    ----------
    model : bytes, str, os.PathLike or onnx.ModelProto
        The model, its bytes or its file.

    Returns
    -------
    dict
        Keys without the ``netgraph.`` prefix; JSON values decoded, other strings as they are.

    Examples
    --------
    >>> model = onnx.helper.make_model(onnx.helper.make_graph([], "empty", [], []))
    >>> onnx.helper.set_model_props(model, {"netgraph.seed": "3", "netgraph.stage": "sparse", "author": "x"})
    >>> read_metadata(model)
    {'seed': 3, 'stage': 'sparse'}
    """
    if isinstance(model, bytes):
        proto = onnx.load_from_string(model)
    elif isinstance(model, onnx.ModelProto):
        proto = model
    else:
        proto = onnx.load(model, load_external_data=False)
    result = {}
    for prop in proto.metadata_props:
        if not prop.key.startswith("netgraph."):
            continue
        try:
            value = json.loads(prop.value)
        except ValueError:
            value = prop.value
        result[prop.key[len("netgraph."):]] = value
    return result
