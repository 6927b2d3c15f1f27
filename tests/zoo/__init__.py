"""A zoo of classification networks, written from their papers, for exporter tests.

Compact PyTorch implementations of the torchvision classification families, written
for netgraph from the architecture descriptions in the papers (torchvision is not a
dependency and nothing is downloaded). The layer structure follows torchvision's
(module names such as ``features`` / ``avgpool`` / ``classifier``, ``AdaptiveAvgPool2d``
then ``torch.flatten`` then ``Linear``, ``Dropout`` in the classifier, bias-free
convolutions followed by BatchNorm where the paper has BatchNorm, ...), because the
point is that the ONNX exports of these models look like the exports users will feed
to :mod:`exporters`. With ``num_classes=1000`` and width 1 every family has exactly
the parameter count of its torchvision namesake. Weights are random.

Each family has a builder taking ``num_classes=10`` and a ``width`` multiplier;
:func:`build` returns a seeded model in eval mode with an example input, in a small
fast variant by default and at full size (width 1, input 224 x 224) with
``full=True``. :func:`export_onnx` exports with either torch exporter and returns the
loaded :class:`onnx.ModelProto`.

The test modules import this package as ``zoo`` (pytest puts ``tests/`` on
``sys.path`` because it has no ``__init__.py``)::

    import zoo
    model, x = zoo.build("resnet18")
    proto = zoo.export_onnx(model, x)

``import zoo`` does not import torch: the registry's names are plain data, and the
model classes, the builders, :func:`build` and :func:`export_onnx` are imported from
their modules (and torch with them) the first time they are looked up.

Modules
-------
registry
    :data:`FAMILIES`, :data:`BUILDERS`, :data:`STRICT_FAMILIES` and the sizes of the
    small and full-size variants.
factory
    :func:`build`: a seeded model in eval mode, an example input, calibrated BatchNorms.
onnx_export
    :func:`export_onnx`: either torch exporter, quiet, loaded back.
op_types
    :data:`OP_TYPES`: the operator types of each family's exports, and what an operator
    handler should expect of them.
blocks
    Building blocks shared by several families (``ConvNormActivation``,
    ``SqueezeExcitation``), the channel rounding and the weight initialisation.
families.alexnet, families.vgg, families.resnet, families.densenet, families.mobilenet_v2, families.mobilenet_v3, families.squeezenet, families.shufflenet, families.efficientnet
    One module per architecture family: its model classes and builders.
"""

from __future__ import annotations

import importlib

from .op_types import OP_TYPES
from .registry import (
    BUILDERS,
    FAMILIES,
    FULL_IMAGE_SIZE,
    SMALL_IMAGE_SIZE,
    SMALL_WIDTH,
    STRICT_FAMILIES,
)

# name -> the module (relative to this package) that defines it; imported on first use
_LAZY = {
    "build": "factory",
    "export_onnx": "onnx_export",
    "ConvNormActivation": "blocks",
    "SqueezeExcitation": "blocks",
    "AlexNet": "families.alexnet",
    "alexnet": "families.alexnet",
    "VGG": "families.vgg",
    "vgg11": "families.vgg",
    "vgg16": "families.vgg",
    "ResNet": "families.resnet",
    "BasicBlock": "families.resnet",
    "Bottleneck": "families.resnet",
    "resnet18": "families.resnet",
    "resnet50": "families.resnet",
    "DenseNet": "families.densenet",
    "DenseBlock": "families.densenet",
    "DenseLayer": "families.densenet",
    "Transition": "families.densenet",
    "densenet121": "families.densenet",
    "MobileNetV2": "families.mobilenet_v2",
    "InvertedResidual": "families.mobilenet_v2",
    "mobilenet_v2": "families.mobilenet_v2",
    "MobileNetV3": "families.mobilenet_v3",
    "InvertedResidualV3": "families.mobilenet_v3",
    "mobilenet_v3_small": "families.mobilenet_v3",
    "SqueezeNet": "families.squeezenet",
    "Fire": "families.squeezenet",
    "squeezenet1_0": "families.squeezenet",
    "squeezenet1_1": "families.squeezenet",
    "ShuffleNetV2": "families.shufflenet",
    "ShuffleUnit": "families.shufflenet",
    "channel_shuffle": "families.shufflenet",
    "shufflenet_v2_x0_5": "families.shufflenet",
    "EfficientNet": "families.efficientnet",
    "MBConv": "families.efficientnet",
    "StochasticDepth": "families.efficientnet",
    "efficientnet_b0": "families.efficientnet",
}

__all__ = [
    "FAMILIES",
    "STRICT_FAMILIES",
    "BUILDERS",
    "OP_TYPES",
    "SMALL_WIDTH",
    "SMALL_IMAGE_SIZE",
    "FULL_IMAGE_SIZE",
    *_LAZY,
]


def __getattr__(name):
    """Import a lazily exported name from its module (PEP 562), once."""
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
