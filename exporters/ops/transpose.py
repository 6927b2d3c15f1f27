"""Transpose: the labels are permuted as the tensor is (the batch axis must stay first)."""

from exporters.ops import Unsupported, register
from exporters.ops._util import attrs

__all__ = ["transpose"]


@register("Transpose")
def transpose(ctx, node):
    """Permute the label arrays with the node's ``perm``."""
    m = ctx.node_map(node.input[0])
    rank = len(m.shape) + 1
    perm = list(attrs(node).get("perm") or reversed(range(rank)))
    if perm[0] != 0:
        raise Unsupported(f"Transpose with perm={perm} moves the batch axis")
    ctx.set_map(node.output[0], m.transpose([p - 1 for p in perm[1:]]))
