"""Mul: a product that keeps the nodes of the data, the gated map of a gate.

``x * c`` with a constant, and the product of a tensor with a function of itself
(SiLU as ``x * sigmoid(x)``, hard-swish as ``x * hardsigmoid(x)`` or
``x * relu6(x + 3) / 6``), keep the nodes of ``x``: both inputs carry the same nodes.

**Gating.** Squeeze-and-excitation (EfficientNet, MobileNetV3, OCR backbones) multiplies a
map channel-wise by a gate computed from it: global pooling, two 1x1 convolutions, a
sigmoid (or hard sigmoid). The model is represented as it computes it: the gate's layers
and junctions are in the graph (they are made by its convolutions), and the product
keeps the nodes of the gated map, so the layers after the gate connect to the gated
map's nodes. The multiplication itself is a computed connection, not a learned one: no
count records it, and the gate's last layer has no junction upwards. Which input is the
gate:

* the input that is broadcast (a ``(C, 1, 1)`` gate on a ``(C, H, W)`` map, a ``(1, H, W)``
  spatial gate), when the other input has the output's shape;
* otherwise, of two inputs of the output's shape, the one made by a gating activation
  (Sigmoid, HardSigmoid, Softmax, Tanh, or a Clip, possibly followed by arithmetic with
  constants): the gated linear unit ``a * sigmoid(b)``.

A product of two tensors on the path that fits neither rule has no fixed wiring and is
refused.
"""

from exporters.ops import Unsupported, register
from exporters.ops._util import broadcast_map, keep_real_region, only_map, output_shape, real_region, set_real_region

__all__ = ["mul", "GATE_OPS"]

#: Activations whose output is a gate (a factor between 0 and 1, or -1 and 1).
GATE_OPS = ("Sigmoid", "HardSigmoid", "Softmax", "Tanh", "Clip")
#: Operators followed back from a gate to its activation when the other inputs are constants.
_THROUGH = ("Mul", "Div", "Add", "Sub", "Cast", "Identity")


@register("Mul")
def mul(ctx, node):
    """Keep the nodes shared by the inputs on the path, or those of the gated map."""
    names = [i for i in node.input if ctx.node_map(i) is not None]
    try:
        m = only_map(ctx, node)
    except Unsupported:
        m, name = _gated(ctx, node, names)
        out = output_shape(ctx, node.output[0], fallback=m.shape)
        ctx.set_map(node.output[0], broadcast_map(m, out))
        if real_region(ctx, name) is not None and m.shape == tuple(out):
            set_real_region(ctx, node.output[0], real_region(ctx, name))
        return
    out = output_shape(ctx, node.output[0], fallback=m.shape)
    ctx.set_map(node.output[0], broadcast_map(m, out))
    keep_real_region(ctx, node, out)


def _gated(ctx, node, names):
    """The map and name of the gated input of a Mul of two tensors on the path."""
    if len(names) != 2:
        raise Unsupported("a product of more than two tensors on the path has no fixed wiring")
    maps = [ctx.node_map(n) for n in names]
    out = output_shape(ctx, node.output[0], fallback=max((m.shape for m in maps), key=len))
    full = [k for k, m in enumerate(maps) if tuple(m.shape) == tuple(out)]
    if len(full) == 1:
        return maps[full[0]], names[full[0]]
    gates = [k for k, n in enumerate(names) if _is_gate(ctx, n)]
    if len(full) == 2 and len(gates) == 1:
        k = 1 - gates[0]
        return maps[k], names[k]
    raise Unsupported(
        "Mul of tensors of different layers has no fixed wiring: neither input is a gate (a broadcast factor such "
        "as a squeeze-excitation gate, or the output of a Sigmoid, HardSigmoid, Softmax, Tanh or Clip)"
    )


def _producers(ctx) -> dict:
    """Tensor name to the node that makes it (built once per walk)."""
    prod = ctx.__dict__.get("producers")
    if prod is None:
        prod = {o: n for n in ctx.proto.graph.node for o in n.output if o}
        ctx.__dict__["producers"] = prod
    return prod


def _is_gate(ctx, name) -> bool:
    """True if ``name`` is made by a gating activation, maybe followed by arithmetic with constants."""
    prod = _producers(ctx)
    for _ in range(8):
        n = prod.get(name)
        if n is None:
            return False
        if n.op_type in GATE_OPS:
            return True
        if n.op_type not in _THROUGH:
            return False
        data = [i for i in n.input if i and not ctx.is_const(i)]
        if len(data) != 1:
            return False
        name = data[0]
    return False
