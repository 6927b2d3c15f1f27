"""Pass-through operators: the nodes of the output are those of the data input.

Activations, normalisations, Dropout, Identity, Cast, pooling (the spatial size changes,
the channels stay) and resizing map each output channel to the node of the same
input channel. Softmax and LogSoftmax (at the output) and LRN, LayerNormalization and
similar normalisations mix values across nodes without learnable wiring and are passed
through too. Reductions keep the channels when they reduce spatial axes only.
"""

from exporters._nodemap import NodeMap
from exporters.ops import Unsupported, register
from exporters.ops._util import attr_or_input, attrs, broadcast_map, keep_real_region, norm_axis, only_map, output_shape

__all__ = ["passthrough", "reduce", "PASS_THROUGH_OPS", "CHANNEL_READERS", "REDUCE_OPS"]

#: Operators whose output carries the nodes of their first (data) input.
PASS_THROUGH_OPS = (
    # activations
    "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "Sigmoid", "HardSigmoid", "HardSwish",
    "Tanh", "Softplus", "Softsign", "Mish", "ThresholdedRelu", "Clip", "Swish",
    # unary maths
    "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Sign",
    "Sin", "Cos", "Relu6",
    # normalisation, regularisation, casts
    "BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization",
    "LpNormalization", "MeanVarianceNormalization", "LRN", "Dropout", "Identity", "Cast", "CastLike",
    "Softmax", "LogSoftmax", "Hardmax",
    # pooling and spatial resampling
    "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
    "Resize", "Upsample",
)
#: Pass-through operators that read whole channel maps: a flat graph input reshaped into
#: images for them has one node per channel (``input_layout="channels"``).
CHANNEL_READERS = ("MaxPool", "AveragePool", "BatchNormalization")
#: Reductions: pass-through when the reduced axes leave the channel axis alone.
REDUCE_OPS = ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceL1", "ReduceL2", "ReduceLogSumExp",
              "ReduceProd", "ReduceSumSquare", "ReduceLogSum")


@register(*CHANNEL_READERS, input_layout="channels")
@register(*(op for op in PASS_THROUGH_OPS if op not in CHANNEL_READERS))
def passthrough(ctx, node):
    """Give the first output the nodes of the data input."""
    data = node.input[0]
    if ctx.node_map(data) is None:
        raise Unsupported("its data input is not on the path (a parameter is)")
    m = only_map(ctx, node)
    out = output_shape(ctx, node.output[0], fallback=m.shape)
    ctx.set_map(node.output[0], broadcast_map(m, out))
    keep_real_region(ctx, node, out)


@register(*REDUCE_OPS)
def reduce(ctx, node):
    """Reductions over spatial axes keep the channels; over the channel axis they are unsupported."""
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
    axis = m.feature_axis()
    if 0 in axes or axis is None or axis + 1 in axes:
        raise Unsupported(f"{node.op_type} over axes {axes} mixes nodes (batch or channel axis)")
    lv, uv = m.vector(axis)
    keep = a.get("keepdims", 1)
    out = tuple(1 if (d + 1) in axes else n for d, n in enumerate(m.shape))
    new_axis = axis
    if not keep:
        new_axis = axis - sum(1 for x in axes if x - 1 < axis)
        out = tuple(n for d, n in enumerate(m.shape) if (d + 1) not in axes)
    out = output_shape(ctx, node.output[0], fallback=out)
    ctx.set_map(node.output[0], NodeMap.along(lv, uv, out, new_axis))


