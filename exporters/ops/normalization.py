"""Reductions: over spatial or token axes they keep the nodes; over the nodes they are statistics.

A reduction that leaves the axis carrying the nodes alone (global pooling written as
``ReduceMean`` over H and W, mean pooling over tokens) keeps the nodes of its input.

A reduction over that axis computes a statistic of one sample's features: the mean and
variance of a LayerNorm decomposed by a converter into ``ReduceMean``, ``Sub``, ``Pow``,
``Sqrt`` and ``Div``; the mean square of an RMSNorm (``x * 1/sqrt(mean(x^2) + eps)``); the
group statistics of a GroupNorm (a ``Reshape`` into groups, then reductions); the maximum
and sum of a decomposed softmax. Such a statistic rescales every feature without a
learnable connection, like the BatchNormalization that is passed through: it gets no
node, and the operator where it re-joins the data (``Sub(x, mean)``, ``Div(d, std)``,
``Mul(x, inv_rms)``) keeps the data's nodes. A statistic that reaches a graph output, or
an operator that would read it as data (a Gemm, a Concat), is refused, with that
operator named (see :func:`exporters.ops._util.computed_only`). A reduction over the
batch axis is refused.

The fused operators (LayerNormalization, GroupNormalization, InstanceNormalization,
RMSNormalization) are pass-through operators (:mod:`exporters.ops.passthrough`).
"""

import logging

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attr_or_input, attrs, computed_only, norm_axis, output_shape

__all__ = ["reduce", "REDUCE_OPS"]

log = logging.getLogger(__name__)

#: Reductions: pass-through when the reduced axes leave the node axis alone, else a statistic.
REDUCE_OPS = ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceL1", "ReduceL2", "ReduceLogSumExp",
              "ReduceProd", "ReduceSumSquare", "ReduceLogSum")


@register(*REDUCE_OPS)
def reduce(ctx, node):
    """Keep the nodes (spatial or token axes reduced), or compute a statistic of the features."""
    m = ctx.node_map(node.input[0])
    if m is None:
        raise Unsupported("its data input is not on the path")
    a = attrs(node)
    rank = len(m.shape) + 1
    axes = attr_or_input(ctx, node, "axes", 1)
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            ctx.set_map(node.output[0], m)
            return
        axes = list(range(rank))
    axes = sorted(norm_axis(int(x), rank) for x in axes)
    if 0 in axes:
        raise Unsupported(f"{node.op_type} over axes {axes} mixes the samples of a batch (batch axis)")
    axis = m.feature_axis()
    if axis is None or axis + 1 in axes:
        reason = computed_only(ctx, node.output[0])
        if reason is not None:
            raise Unsupported(f"{node.op_type} over axes {axes} mixes nodes, and {reason}")
        log.debug("%s node %r: a statistic of the features (no node)", node.op_type, node.name)
        return
    lv, uv = m.vector(axis)
    keep = a.get("keepdims", 1)
    out = tuple(1 if (d + 1) in axes else n for d, n in enumerate(m.shape))
    new_axis = axis
    if not keep:
        new_axis = axis - sum(1 for x in axes if x - 1 < axis)
        out = tuple(n for d, n in enumerate(m.shape) if (d + 1) not in axes)
    out = output_shape(ctx, node.output[0], fallback=out)
    ctx.set_map(node.output[0], NodeMap.along(lv, uv, out, new_axis))

