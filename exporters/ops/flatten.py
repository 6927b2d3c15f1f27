"""Flatten: the labels are reshaped as the tensor is.

Flatten of an (N, C, H, W) map gives feature ``k`` the node of channel ``k // (H*W)``
(C order), because it is a reshape of the label array. The batch axis must stay apart.
ONNX operator reference: https://onnx.ai/onnx/operators/onnx__Flatten.html
"""

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import attrs

__all__ = ["flatten"]


@register("Flatten", input_layout="flat")
def flatten(ctx, node):
    """Flatten with ``axis`` = 1 (or a larger axis over size-1 dims)."""
    m = ctx.node_map(node.input[0])
    rank = len(m.shape) + 1
    axis = attrs(node).get("axis", 1)
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise Unsupported("Flatten with axis=0 merges the batch axis into the features")
    if int(np.prod(m.shape[: axis - 1], dtype=np.int64)) != 1:
        raise Unsupported(f"Flatten with axis={axis} merges feature axes into the batch axis")
    ctx.set_map(node.output[0], m.reshape((int(np.prod(m.shape[axis - 1:], dtype=np.int64)),)))
