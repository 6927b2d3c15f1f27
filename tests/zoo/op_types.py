"""The operator types of the zoo's ONNX exports, as torch 2.13.0 writes them.

:data:`OP_TYPES` records, for each family, the operator types of the export of the
small variant (``build(name)``) with torch 2.13.0 and each exporter's default opset
(20 for both): ``"torchscript"`` is ``export_onnx(..., dynamo=False)`` and
``"dynamo"`` is ``export_onnx(..., dynamo=True)``. The full-size variants
(``build(name, full=True)``) give the same sets. What an operator handler should
expect:

* Both exporters fold every BatchNorm that directly follows a Conv into the Conv's
  weight and bias (VGG with ``batch_norm=True`` exports no BatchNormalization). Only
  DenseNet's pre-activation BatchNorms (after a Concat or a pooling) survive, as
  ``BatchNormalization`` with initializer parameters.
* Dropout and stochastic depth vanish (eval mode) in both.
* ``Identity`` (TorchScript only) always copies an initializer to another name: the
  exporter deduplicates equal initializers (zero biases, BatchNorm weights of ones),
  so a Conv, Gemm or BatchNormalization parameter may be an Identity's output.
* ``Constant`` nodes (TorchScript only) hold ``Clip``'s bounds and ShuffleNet's shape
  arithmetic; the dynamo export puts such constants in initializers.
* ``nn.ReLU6`` is ``Clip(x, 0, 6)`` with the bounds as inputs; ``Hardswish`` is
  ``HardSwish``, ``Hardsigmoid`` ``HardSigmoid``; ``SiLU`` is ``Mul(x, Sigmoid(x))``
  (opset 20 has no Swish), in both.
* The squeeze-excitation gate is a ``Mul`` of two activations, the ``(N, C, H, W)``
  map and the ``(N, C, 1, 1)`` gate, in both.
* ``AdaptiveAvgPool2d`` to 1 x 1 is ``GlobalAveragePool`` (TorchScript) or
  ``ReduceMean`` over axes ``[-1, -2]`` given as an initializer, keepdims 1 (dynamo).
  AlexNet's and VGG's 6 x 6 and 7 x 7 adaptive pools, over maps of that size, are
  ``AveragePool`` with a 1 x 1 kernel in both. The TorchScript exporter refuses an
  adaptive pool whose output size does not divide its input size, which is why
  AlexNet and VGG keep 224 x 224 inputs in their small variants.
* ``torch.flatten(x, 1)`` is ``Flatten`` (axis 1, TorchScript) or ``Reshape`` to an
  initializer shape (dynamo); ``Linear`` is ``Gemm`` with ``transB=1`` in both.
  SqueezeNet has no Gemm: its classifier is a 1 x 1 Conv, ReLU, global pool, Flatten.
* DenseNet's TorchScript export starts every dense block with a one-input
  ``Concat`` (``torch.cat([x])``); the dynamo export drops it.
* ShuffleNet's channel split (``chunk``) is two ``Slice`` nodes whose starts and
  ends are computed at run time from the input's shape (``Shape``, ``Gather``,
  ``Add``, ``Div``, ``Mul`` on int64 scalars: constants once shapes are inferred) in
  the TorchScript export, and ``Split`` (axis 1, two outputs) in the dynamo export. Its
  channel shuffle is ``Reshape`` to 5-D, ``Transpose`` with perm ``[0, 2, 1, 3, 4]``,
  ``Reshape`` back, with constant shapes; its global pool ``x.mean([2, 3])`` is
  ``ReduceMean`` with keepdims 0, in both.
* Names: TorchScript names nodes after module paths (``/layer1/layer1.0/conv1/Conv``)
  and keeps state-dict names for unfolded initializers (folded Conv weights become
  ``onnx::Conv_<n>``); dynamo names nodes after aten ops (``node_conv2d``) and keeps
  state-dict names for initializers. The graph input is ``"input"`` and the output
  ``"output"`` with :func:`export_onnx`.
"""

__all__ = ["OP_TYPES"]

OP_TYPES = {
    "alexnet": {
        "torchscript": ("AveragePool", "Conv", "Flatten", "Gemm", "MaxPool", "Relu"),
        "dynamo": ("AveragePool", "Conv", "Gemm", "MaxPool", "Relu", "Reshape"),
    },
    "vgg11": {
        "torchscript": (
            "AveragePool", "Conv", "Flatten", "Gemm", "Identity", "MaxPool", "Relu",
        ),
        "dynamo": ("AveragePool", "Conv", "Gemm", "MaxPool", "Relu", "Reshape"),
    },
    "vgg16": {
        "torchscript": (
            "AveragePool", "Conv", "Flatten", "Gemm", "Identity", "MaxPool", "Relu",
        ),
        "dynamo": ("AveragePool", "Conv", "Gemm", "MaxPool", "Relu", "Reshape"),
    },
    "resnet18": {
        "torchscript": (
            "Add", "Conv", "Flatten", "Gemm", "GlobalAveragePool", "MaxPool", "Relu",
        ),
        "dynamo": ("Add", "Conv", "Gemm", "MaxPool", "ReduceMean", "Relu", "Reshape"),
    },
    "resnet50": {
        "torchscript": (
            "Add", "Conv", "Flatten", "Gemm", "GlobalAveragePool", "MaxPool", "Relu",
        ),
        "dynamo": ("Add", "Conv", "Gemm", "MaxPool", "ReduceMean", "Relu", "Reshape"),
    },
    "densenet121": {
        "torchscript": (
            "AveragePool", "BatchNormalization", "Concat", "Conv", "Flatten", "Gemm",
            "GlobalAveragePool", "Identity", "MaxPool", "Relu",
        ),
        "dynamo": (
            "AveragePool", "BatchNormalization", "Concat", "Conv", "Gemm", "MaxPool",
            "ReduceMean", "Relu", "Reshape",
        ),
    },
    "mobilenet_v2": {
        "torchscript": (
            "Add", "Clip", "Constant", "Conv", "Flatten", "Gemm", "GlobalAveragePool",
        ),
        "dynamo": ("Add", "Clip", "Conv", "Gemm", "ReduceMean", "Reshape"),
    },
    "mobilenet_v3_small": {
        "torchscript": (
            "Add", "Conv", "Flatten", "Gemm", "GlobalAveragePool", "HardSigmoid",
            "HardSwish", "Identity", "Mul", "Relu",
        ),
        "dynamo": (
            "Add", "Conv", "Gemm", "HardSigmoid", "HardSwish", "Mul", "ReduceMean", "Relu",
            "Reshape",
        ),
    },
    "squeezenet1_0": {
        "torchscript": (
            "Concat", "Conv", "Flatten", "GlobalAveragePool", "Identity", "MaxPool", "Relu",
        ),
        "dynamo": ("Concat", "Conv", "MaxPool", "ReduceMean", "Relu", "Reshape"),
    },
    "squeezenet1_1": {
        "torchscript": (
            "Concat", "Conv", "Flatten", "GlobalAveragePool", "Identity", "MaxPool", "Relu",
        ),
        "dynamo": ("Concat", "Conv", "MaxPool", "ReduceMean", "Relu", "Reshape"),
    },
    "shufflenet_v2_x0_5": {
        "torchscript": (
            "Add", "Concat", "Constant", "Conv", "Div", "Gather", "Gemm", "MaxPool", "Mul",
            "ReduceMean", "Relu", "Reshape", "Shape", "Slice", "Transpose",
        ),
        "dynamo": (
            "Concat", "Conv", "Gemm", "MaxPool", "ReduceMean", "Relu", "Reshape", "Split",
            "Transpose",
        ),
    },
    "efficientnet_b0": {
        "torchscript": (
            "Add", "Conv", "Flatten", "Gemm", "GlobalAveragePool", "Identity", "Mul",
            "Sigmoid",
        ),
        "dynamo": ("Add", "Conv", "Gemm", "Mul", "ReduceMean", "Reshape", "Sigmoid"),
    },
}
"""dict: family -> {"torchscript": op types, "dynamo": op types} of the small variant's
export (torch 2.13.0, default opset 20), as sorted tuples."""

