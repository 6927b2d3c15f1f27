"""LSTM, GRU and RNN: not read yet; the handler states why.

A recurrent layer would be a layer of hidden units with a junction from its input
features (``W``) and a self-loop junction (``R``), its gates folded into the units; until
that is written, a recurrent operator on the path raises
:class:`~netgraph.UnsupportedOperatorError` in strict mode and is cut in lenient mode
(its outputs start new layers of kind ``"cut"``). The operators are registered with
``supported=False``: :func:`~exporters.ops.supported_ops` leaves them out. ONNX
reference: https://onnx.ai/onnx/operators/onnx__LSTM.html
"""

from exporters.ops import Unsupported, register

__all__ = ["recurrent", "RECURRENT_OPS"]

#: The recurrent operators of the default domain.
RECURRENT_OPS = ("LSTM", "GRU", "RNN")


@register(*RECURRENT_OPS, supported=False)
def recurrent(ctx, node):
    """Refuse a recurrent operator: always raises :class:`~exporters.ops.Unsupported`."""
    raise Unsupported("recurrent operators are not supported yet")
