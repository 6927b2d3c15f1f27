"""Trainers that make the sparse networks of the literature and emit them as ONNX.

Only the package skeleton exists for now; the trainers are the subject of a later issue.
This package depends on torch; nothing imports it except the command line, lazily.
"""

__all__ = []
