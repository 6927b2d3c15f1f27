"""If, Loop, Scan and SequenceMap: a layer inside control flow has no fixed wiring.

A control-flow node is on the path when one of its inputs is, or when one of its
subgraphs reads a tensor of the path from the outer scope (``reads_captures=True``).
Such a node raises :class:`~netgraph.ControlFlowError` in strict and in lenient mode
alike: it is never cut. A control-flow node off the path is ignored (a node with
subgraphs is never folded). The operators are registered with ``supported=False``:
:func:`~exporters.ops.supported_ops` leaves them out. ONNX reference:
https://onnx.ai/onnx/operators/onnx__If.html
"""

from exporters.ops import Unsupported, register

__all__ = ["control_flow", "CONTROL_FLOW_OPS"]

#: The operators of the default domain that hold subgraphs.
CONTROL_FLOW_OPS = ("If", "Loop", "Scan", "SequenceMap")


@register(*CONTROL_FLOW_OPS, supported=False, reads_captures=True)
def control_flow(ctx, node):
    """Refuse a control-flow node on the path: always raises :class:`~exporters.ops.Unsupported`."""
    from netgraph.exceptions import ControlFlowError

    raise Unsupported(
        "layers inside control flow (If, Loop, Scan) are not supported; export the model "
        "with the control flow unrolled or traced away",
        error=ControlFlowError,
    )
