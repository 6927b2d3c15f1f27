"""Pass-through operators: the nodes of the output are those of the data input.

Activations, normalisations, Dropout, Identity, Cast, pooling (the spatial size changes,
the channels stay) and resizing map each output channel to the node of the same
input channel. Softmax and LogSoftmax (at the output) and LRN, LayerNormalization and
similar normalisations mix values across nodes without learnable wiring and are passed
through too. The reductions are in :mod:`exporters.ops.normalization`.
"""

from exporters.ops import Unsupported, register
from exporters.ops._util import broadcast_map, keep_real_region, only_map, output_shape

__all__ = ["passthrough", "PASS_THROUGH_OPS", "CHANNEL_READERS"]

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
    "LpNormalization", "MeanVarianceNormalization", "RMSNormalization", "SimplifiedLayerNormalization", "LRN",
    "Dropout", "Identity", "Cast", "CastLike",
    "Softmax", "LogSoftmax", "Hardmax",
    # pooling and spatial resampling
    "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
    "Resize", "Upsample",
)
#: Pass-through operators that read whole channel maps: a flat graph input reshaped into
#: images for them has one node per channel (``input_layout="channels"``).
CHANNEL_READERS = ("MaxPool", "AveragePool", "BatchNormalization")


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
