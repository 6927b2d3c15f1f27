"""Export a zoo model to ONNX with either torch exporter, quietly, and load it back."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import warnings

import onnx
import torch

__all__ = ["export_onnx"]


_NOISY_LOGGERS = ("torch.onnx", "torch.export", "torch._dynamo", "torch._export",
                  "torch.fx", "torch._subclasses", "onnxscript")


@contextlib.contextmanager
def _quiet():
    """Silence warnings, progress prints and chatty loggers of the torch exporters."""
    loggers = [logging.getLogger(n) for n in _NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def export_onnx(model, example_input, path=None, *, dynamo=False, opset=None):
    """Export a model to ONNX with ``torch.onnx.export`` and load it back.

    Parameters
    ----------
    model : torch.nn.Module
        The model, usually in eval mode (it is exported in the mode it is in).
    example_input : torch.Tensor
        The single positional input; its shape is fixed in the export.
    path : str or os.PathLike, optional
        Where to write the ``.onnx`` file (a single file, weights inside). Without
        it the model is written to a temporary directory that is removed again.
    dynamo : bool, default False
        False uses the TorchScript exporter (fast; folds Conv + BatchNorm). True uses
        the ``torch.export`` based exporter, which translates through onnxscript and
        runs its optimizer.
    opset : int, optional
        The ONNX opset; default: the exporter's default (20 with torch 2.13).

    Returns
    -------
    onnx.ModelProto
        The exported model, weights included. Its graph input is named ``"input"``
        and its output ``"output"``.

    Examples
    --------
    >>> from zoo import build
    >>> model, x = build("squeezenet1_1")
    >>> proto = export_onnx(model, x)
    >>> "Concat" in {node.op_type for node in proto.graph.node}
    True
    """
    if path is None:
        with tempfile.TemporaryDirectory(prefix="netgraph-zoo-") as tmp:
            return export_onnx(model, example_input, os.path.join(tmp, "model.onnx"),
                               dynamo=dynamo, opset=opset)
    path = os.fspath(path)
    names = dict(input_names=["input"], output_names=["output"])
    with _quiet():
        if dynamo:
            program = torch.onnx.export(model, (example_input,), dynamo=True,
                                        opset_version=opset, verbose=False, **names)
            program.save(path, external_data=False)
        else:
            torch.onnx.export(model, (example_input,), path, dynamo=False,
                              opset_version=opset, verbose=False, **names)
    return onnx.load(path)
