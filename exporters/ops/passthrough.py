"""Pass-through operators: the nodes of the output are those of the data input.

Activations, normalisations, Dropout, Identity, Cast, pooling (the spatial size changes,
the channels stay) and resizing map each output channel to the node of the same
input channel. Softmax and LogSoftmax (at the output) and LRN, LayerNormalization and
similar normalisations mix values across nodes without learnable wiring and are passed
through too; a graph input that LayerNormalization or RMSNormalization reads (the input of
a pre-norm Transformer layer) has one node per feature of its last axis, the axis they
normalise. The reductions are in :mod:`exporters.ops.normalization`. A pooling of
constant-padded data (:mod:`exporters.ops.pad`) keeps as padding the outputs whose window
reads no real input.
"""

import numpy as np

from exporters.ops import Unsupported, register
from exporters.ops._util import (attrs, broadcast_map, keep_real_region, only_map, output_shape, real_region,
                                 set_real_region)

__all__ = ["passthrough", "PASS_THROUGH_OPS", "CHANNEL_READERS", "LAST_AXIS_READERS", "POOLING_OPS"]

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
#: Pass-through operators that normalise over the last axis (``axis=-1``, their default): a
#: graph input read by them has one node per feature of its last axis
#: (``input_layout="features_last"``), as a token-wise MatMul reads it: the input of a
#: pre-norm Transformer layer (``norm_first=True``) goes to a LayerNormalization and a residual Add.
LAST_AXIS_READERS = ("LayerNormalization", "RMSNormalization", "SimplifiedLayerNormalization")
#: Poolings whose outputs that read only constant padding are padding too (:mod:`exporters.ops.pad`).
POOLING_OPS = ("MaxPool", "AveragePool", "LpPool")


@register(*CHANNEL_READERS, input_layout="channels")
@register(*LAST_AXIS_READERS, input_layout="features_last")
@register(*(op for op in PASS_THROUGH_OPS if op not in CHANNEL_READERS + LAST_AXIS_READERS))
def passthrough(ctx, node):
    """Give the first output the nodes of the data input."""
    data = node.input[0]
    if ctx.node_map(data) is None:
        raise Unsupported("its data input is not on the path (a parameter is)")
    m = only_map(ctx, node)
    out = output_shape(ctx, node.output[0], fallback=m.shape)
    ctx.set_map(node.output[0], broadcast_map(m, out))
    keep_real_region(ctx, node, out)
    if node.op_type in POOLING_OPS and real_region(ctx, data) is not None:
        set_real_region(ctx, node.output[0], _pooled_region(node, real_region(ctx, data), m.shape, out))


def _pooled_region(node, region, in_shape, out):
    """The real outputs of a pooling of constant-padded data: those whose window reads a real input."""
    from exporters.ops._geometry import conv_pads

    a = attrs(node)
    r = len(in_shape) - 1
    k = list(a.get("kernel_shape", [1] * r))
    s = list(a.get("strides") or [1] * r)
    d = list(a.get("dilations") or [1] * r)
    begin, _ = conv_pads(a.get("auto_pad", "NOTSET"), a.get("pads"), list(in_shape[1:]), k, s, d)
    spans = [(0, out[0])]
    for i in range(r):
        lo, hi = region[i + 1]
        o = np.arange(out[i + 1])[:, None] * s[i] - begin[i] + np.arange(k[i])[None, :] * d[i]
        real = np.flatnonzero(((o >= lo) & (o < hi)).any(axis=1))
        if real.size == 0:
            raise Unsupported(f"{node.op_type} of constant-padded data has no output that reads a real input")
        spans.append((int(real[0]), int(real[-1]) + 1))
    if all(lo == 0 and hi == n for (lo, hi), n in zip(spans, out)):
        return None
    return tuple(spans)
