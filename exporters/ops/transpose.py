"""Transpose: the labels are permuted as the tensor is.

The batch axis stays first, except for a 2-D (batch, features) tensor transposed to
(features, batch), which is marked ``batch_last`` for a Gemm with ``transA=1``.
"""

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attrs

__all__ = ["transpose"]


@register("Transpose", reads_batch_last=True, input_layout="perm")
def transpose(ctx, node):
    """Permute the label arrays with the node's ``perm``."""
    m = ctx.node_map(node.input[0])
    rank = len(m.shape) + 1
    perm = list(attrs(node).get("perm") or reversed(range(rank)))
    if rank == 2 and perm == [1, 0]:
        ctx.set_map(node.output[0], NodeMap(m.layer, m.unit, m.axis, batch_last=not m.batch_last))
        return
    if perm[0] != 0:
        raise Unsupported(f"Transpose with perm={perm} moves the batch axis")
    ctx.set_map(node.output[0], m.transpose([p - 1 for p in perm[1:]]))
