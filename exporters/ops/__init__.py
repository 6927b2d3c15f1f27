"""One handler per ONNX operator, behind a registry by op type.

A handler is a function ``handler(ctx, node)`` that reads the node's inputs through the
walk's context (``exporters._walk.Context``), records the maps of its outputs and,
for a learnable operator, a new layer and its junctions. A handler that meets a case it
does not cover raises :class:`Unsupported` with the reason; the walk turns that into an
error naming the operator and node, or, in lenient mode, into a cut.

The handler modules are imported by :func:`handler_for` on first use.
"""

from __future__ import annotations

import importlib

__all__ = ["Unsupported", "register", "handler_for", "supported_ops"]

_REGISTRY: dict[tuple[str, str], object] = {}
_MODULES = (
    "gemm",
    "matmul",
    "conv",
    "conv_transpose",
    "passthrough",
    "elementwise",
    "add",
    "reshape",
    "transpose",
    "concat",
    "split",
    "slice",
    "shape",
)
_loaded = False


class Unsupported(Exception):
    """Raised by a handler for a case it does not cover; carries the reason."""


def register(*op_types: str, domain: str = ""):
    """Register the decorated function as the handler of ``op_types`` in ``domain``."""

    def deco(fn):
        for op in op_types:
            _REGISTRY[(domain, op)] = fn
        return fn

    return deco


def _load():
    global _loaded
    if not _loaded:
        for m in _MODULES:
            importlib.import_module(f"{__name__}.{m}")
        _loaded = True


def handler_for(op_type: str, domain: str = ""):
    """The handler of ``op_type`` in ``domain`` (``""`` and ``"ai.onnx"`` are one domain), or None."""
    _load()
    if domain == "ai.onnx":
        domain = ""
    return _REGISTRY.get((domain, op_type))


def supported_ops() -> list[str]:
    """Sorted op types that have a handler (default domain).

    Examples
    --------
    >>> from exporters.ops import supported_ops
    >>> {"Gemm", "Conv", "MatMul", "Add", "Flatten"} <= set(supported_ops())
    True
    """
    _load()
    return sorted(op for dom, op in _REGISTRY if dom == "")
