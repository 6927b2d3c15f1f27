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

The test modules import this file as ``zoo`` (pytest puts ``tests/`` on ``sys.path``
because it has no ``__init__.py``)::

    import zoo
    model, x = zoo.build("resnet18")
    proto = zoo.export_onnx(model, x)

ONNX operator types of the exports
----------------------------------
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

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import tempfile
import warnings
from collections import OrderedDict
from functools import partial

import onnx
import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "FAMILIES",
    "STRICT_FAMILIES",
    "BUILDERS",
    "OP_TYPES",
    "SMALL_WIDTH",
    "SMALL_IMAGE_SIZE",
    "FULL_IMAGE_SIZE",
    "build",
    "export_onnx",
    "alexnet",
    "vgg11",
    "vgg16",
    "resnet18",
    "resnet50",
    "densenet121",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "squeezenet1_0",
    "squeezenet1_1",
    "shufflenet_v2_x0_5",
    "efficientnet_b0",
    "AlexNet",
    "VGG",
    "ResNet",
    "BasicBlock",
    "Bottleneck",
    "DenseNet",
    "DenseBlock",
    "DenseLayer",
    "Transition",
    "MobileNetV2",
    "InvertedResidual",
    "MobileNetV3",
    "InvertedResidualV3",
    "SqueezeNet",
    "Fire",
    "ShuffleNetV2",
    "ShuffleUnit",
    "channel_shuffle",
    "EfficientNet",
    "MBConv",
    "StochasticDepth",
    "ConvNormActivation",
    "SqueezeExcitation",
]


# ---------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------


def _make_divisible(value, divisor=8, min_value=None):
    """Round ``value`` to a multiple of ``divisor``, losing at most 10 % of it.

    The channel rounding rule of the MobileNet papers, used here for every width
    multiplier so that scaled channel counts stay multiples of 8.
    """
    if min_value is None:
        min_value = divisor
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return new_value


def _check_width(width):
    if not width > 0:
        raise ValueError(f"width must be positive: {width}")


class ConvNormActivation(nn.Sequential):
    """Conv2d, then BatchNorm2d, then an activation (a ``Sequential`` of 2 or 3)."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size=3,
        stride=1,
        groups=1,
        *,
        norm_layer=nn.BatchNorm2d,
        activation=nn.ReLU,
    ):
        padding = (kernel_size - 1) // 2
        layers = [
            nn.Conv2d(
                in_channels, out_channels, kernel_size, stride, padding,
                groups=groups, bias=False,
            ),
            norm_layer(out_channels),
        ]
        if activation is not None:
            layers.append(activation(inplace=True))
        super().__init__(*layers)


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation gate (Hu et al. 2018): ``x * gate(mean(x))``.

    The gate is two 1 x 1 convolutions with biases around ``activation``, followed by
    ``scale_activation``; the output is the elementwise product of the input with the
    gate broadcast over the spatial axes.
    """

    def __init__(self, channels, squeeze_channels, *, activation=nn.ReLU,
                 scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x):
        scale = self.avgpool(x)
        scale = self.activation(self.fc1(scale))
        scale = self.scale_activation(self.fc2(scale))
        return scale * x


def _init_conv_bn_linear(model, *, conv_mode="fan_out", linear_std=None):
    """Initialise as the papers' reference implementations do.

    Convolutions: Kaiming normal (``conv_mode`` fan), zero bias. BatchNorm: weight 1,
    bias 0. Linear: normal(0, ``linear_std``) with zero bias, or left at PyTorch's
    default when ``linear_std`` is None.
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode=conv_mode, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and linear_std is not None:
            nn.init.normal_(m.weight, 0.0, linear_std)
            nn.init.zeros_(m.bias)


# ---------------------------------------------------------------------------------
# AlexNet (Krizhevsky et al. 2012; the single-tower variant of Krizhevsky 2014)
# ---------------------------------------------------------------------------------


class AlexNet(nn.Module):
    """AlexNet: five convolutions, three max pools, a 6 x 6 pool, three Linear."""

    def __init__(self, num_classes=10, *, width=1.0, dropout=0.5):
        super().__init__()
        _check_width(width)
        c1, c2, c3, c4, c5 = (_make_divisible(c * width) for c in (64, 192, 384, 256, 256))
        hidden = _make_divisible(4096 * width)
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c1, c2, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c4, c5, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(c5 * 6 * 6, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def alexnet(num_classes=10, *, width=1.0, dropout=0.5):
    """AlexNet (Krizhevsky, Sutskever & Hinton 2012).

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the last Linear layer.
    width : float, default 1.0
        Multiplier of every convolution's channels and of the 4096 hidden units
        (rounded to multiples of 8).
    dropout : float, default 0.5
        Dropout probability before the first two Linear layers.

    Returns
    -------
    AlexNet
        The model, in training mode, with PyTorch's default initialisation.

    Notes
    -----
    The TorchScript ONNX exporter needs the last feature map to be a multiple of
    6 x 6, so feed 224 x 224 (or 227 x 227) images.
    """
    return AlexNet(num_classes, width=width, dropout=dropout)


# ---------------------------------------------------------------------------------
# VGG (Simonyan & Zisserman 2015), configurations A (vgg11) and D (vgg16)
# ---------------------------------------------------------------------------------

_VGG_CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
          512, 512, 512, "M"],
}


class VGG(nn.Module):
    """VGG: stacks of 3 x 3 convolutions and max pools, a 7 x 7 pool, three Linear."""

    def __init__(self, config, num_classes=10, *, width=1.0, batch_norm=False, dropout=0.5):
        super().__init__()
        _check_width(width)
        layers = []
        in_channels = 3
        for v in _VGG_CONFIGS[config]:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                continue
            out_channels = _make_divisible(v * width)
            layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU(inplace=True))
            in_channels = out_channels
        hidden = _make_divisible(4096 * width)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(in_channels * 7 * 7, hidden),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, num_classes),
        )
        _init_conv_bn_linear(self, linear_std=0.01)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def vgg11(num_classes=10, *, width=1.0, batch_norm=False, dropout=0.5):
    """VGG-11, configuration A of Simonyan & Zisserman (2015).

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the last Linear layer.
    width : float, default 1.0
        Multiplier of every convolution's channels and of the 4096 hidden units.
    batch_norm : bool, default False
        Put a BatchNorm2d between each convolution and its ReLU (``vgg11_bn``).
    dropout : float, default 0.5
        Dropout probability after the first two Linear layers.

    Returns
    -------
    VGG
        The model, in training mode, initialised as in the reference implementation.

    Notes
    -----
    The TorchScript ONNX exporter needs the last feature map to be a multiple of
    7 x 7, so feed 224 x 224 images.
    """
    return VGG("A", num_classes, width=width, batch_norm=batch_norm, dropout=dropout)


def vgg16(num_classes=10, *, width=1.0, batch_norm=False, dropout=0.5):
    """VGG-16, configuration D of Simonyan & Zisserman (2015).

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the last Linear layer.
    width : float, default 1.0
        Multiplier of every convolution's channels and of the 4096 hidden units.
    batch_norm : bool, default False
        Put a BatchNorm2d between each convolution and its ReLU (``vgg16_bn``).
    dropout : float, default 0.5
        Dropout probability after the first two Linear layers.

    Returns
    -------
    VGG
        The model, in training mode, initialised as in the reference implementation.

    Notes
    -----
    The TorchScript ONNX exporter needs the last feature map to be a multiple of
    7 x 7, so feed 224 x 224 images.
    """
    return VGG("D", num_classes, width=width, batch_norm=batch_norm, dropout=dropout)


# ---------------------------------------------------------------------------------
# ResNet (He et al. 2016), with the stride on the 3 x 3 convolution ("v1.5")
# ---------------------------------------------------------------------------------


class BasicBlock(nn.Module):
    """Two 3 x 3 convolutions and an identity (or 1 x 1 projection) shortcut."""

    expansion = 1

    def __init__(self, in_channels, channels, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1 x 1 reduce, 3 x 3 (strided), 1 x 1 expand by 4, plus the shortcut."""

    expansion = 4

    def __init__(self, in_channels, channels, stride=1, downsample=None):
        super().__init__()
        out_channels = channels * self.expansion
        self.conv1 = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = nn.Conv2d(channels, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """ResNet: 7 x 7 stem, max pool, four stages of residual blocks, pool, Linear."""

    def __init__(self, block, layers, num_classes=10, *, width=1.0):
        super().__init__()
        _check_width(width)
        stem = _make_divisible(64 * width)
        self.in_channels = stem
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (base, n_blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stage = self._make_stage(block, _make_divisible(base * width), n_blocks,
                                     stride=1 if i == 0 else 2)
            setattr(self, f"layer{i + 1}", stage)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.in_channels, num_classes)
        _init_conv_bn_linear(self)
        del self.in_channels

    def _make_stage(self, block, channels, n_blocks, stride):
        out_channels = channels * block.expansion
        downsample = None
        if stride != 1 or self.in_channels != out_channels:
            downsample = nn.Sequential(
                nn.Conv2d(self.in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        blocks = [block(self.in_channels, channels, stride, downsample)]
        self.in_channels = out_channels
        blocks += [block(out_channels, channels) for _ in range(1, n_blocks)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def resnet18(num_classes=10, *, width=1.0):
    """ResNet-18 (He et al. 2016): basic blocks, [2, 2, 2, 2] per stage.

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the final Linear layer.
    width : float, default 1.0
        Multiplier of the stage widths 64, 128, 256, 512.

    Returns
    -------
    ResNet
        The model, in training mode, initialised as in the reference implementation.
    """
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, width=width)


def resnet50(num_classes=10, *, width=1.0):
    """ResNet-50 (He et al. 2016): bottleneck blocks, [3, 4, 6, 3] per stage.

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the final Linear layer.
    width : float, default 1.0
        Multiplier of the bottleneck widths 64, 128, 256, 512 (outputs are 4 times).

    Returns
    -------
    ResNet
        The model, in training mode, initialised as in the reference implementation.
    """
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, width=width)


# ---------------------------------------------------------------------------------
# DenseNet (Huang et al. 2017), DenseNet-BC-121
# ---------------------------------------------------------------------------------


class DenseLayer(nn.Module):
    """BN-ReLU-Conv1x1 bottleneck then BN-ReLU-Conv3x3, on the concatenated inputs."""

    def __init__(self, in_channels, growth_rate, bn_size, drop_rate=0.0):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, bn_size * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.drop_rate = float(drop_rate)

    def forward(self, inputs):
        x = torch.cat(inputs, 1)
        x = self.conv1(self.relu1(self.norm1(x)))
        x = self.conv2(self.relu2(self.norm2(x)))
        if self.drop_rate > 0:
            x = F.dropout(x, p=self.drop_rate, training=self.training)
        return x


class DenseBlock(nn.ModuleDict):
    """Each layer sees the concatenation of the block input and all earlier outputs."""

    def __init__(self, n_layers, in_channels, growth_rate, bn_size, drop_rate=0.0):
        super().__init__()
        for i in range(n_layers):
            layer = DenseLayer(in_channels + i * growth_rate, growth_rate, bn_size, drop_rate)
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, x):
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    """BN-ReLU-Conv1x1 halving the channels, then 2 x 2 average pooling."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """DenseNet-BC: stem, dense blocks joined by transitions, BN, ReLU, pool, Linear."""

    def __init__(self, block_config=(6, 12, 24, 16), num_classes=10, *, width=1.0,
                 growth_rate=32, num_init_features=64, bn_size=4, drop_rate=0.0):
        super().__init__()
        _check_width(width)
        growth = max(1, round(growth_rate * width))
        channels = _make_divisible(num_init_features * width)
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, channels, 7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(channels)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        for i, n_layers in enumerate(block_config):
            block = DenseBlock(n_layers, channels, growth, bn_size, drop_rate)
            self.features.add_module(f"denseblock{i + 1}", block)
            channels += n_layers * growth
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}",
                                         Transition(channels, channels // 2))
                channels //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)
        _init_conv_bn_linear(self, conv_mode="fan_in")
        nn.init.zeros_(self.classifier.bias)

    def forward(self, x):
        x = F.relu(self.features(x), inplace=True)
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


def densenet121(num_classes=10, *, width=1.0, drop_rate=0.0):
    """DenseNet-121 (Huang et al. 2017): blocks of 6, 12, 24, 16 layers, growth 32.

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the final Linear layer.
    width : float, default 1.0
        Multiplier of the growth rate (32) and of the stem's 64 channels.
    drop_rate : float, default 0.0
        Dropout after each dense layer (0 in the reference models).

    Returns
    -------
    DenseNet
        The model, in training mode, initialised as in the reference implementation.
    """
    return DenseNet((6, 12, 24, 16), num_classes, width=width, drop_rate=drop_rate)


# ---------------------------------------------------------------------------------
# MobileNetV2 (Sandler et al. 2018)
# ---------------------------------------------------------------------------------


class InvertedResidual(nn.Module):
    """Expand 1 x 1, depthwise 3 x 3, linear 1 x 1 projection; residual if shapes match."""

    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__()
        hidden = int(round(in_channels * expand_ratio))
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers = []
        if expand_ratio != 1:
            layers.append(ConvNormActivation(in_channels, hidden, 1, activation=nn.ReLU6))
        layers += [
            ConvNormActivation(hidden, hidden, 3, stride, groups=hidden, activation=nn.ReLU6),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2: a stem, 17 inverted residual blocks, a 1 x 1 conv, pool, Linear."""

    # expansion t, output channels c, repeats n, first stride s (Table 2 of the paper)
    SETTINGS = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
        (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    def __init__(self, num_classes=10, *, width=1.0, dropout=0.2):
        super().__init__()
        _check_width(width)
        in_channels = _make_divisible(32 * width)
        self.last_channel = _make_divisible(1280 * max(1.0, width))
        features = [ConvNormActivation(3, in_channels, 3, 2, activation=nn.ReLU6)]
        for t, c, n, s in self.SETTINGS:
            out_channels = _make_divisible(c * width)
            for i in range(n):
                features.append(InvertedResidual(in_channels, out_channels,
                                                 s if i == 0 else 1, t))
                in_channels = out_channels
        features.append(ConvNormActivation(in_channels, self.last_channel, 1,
                                           activation=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))
        _init_conv_bn_linear(self, linear_std=0.01)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


def mobilenet_v2(num_classes=10, *, width=1.0, dropout=0.2):
    """MobileNetV2 (Sandler et al. 2018): inverted residuals, depthwise conv, ReLU6.

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the final Linear layer.
    width : float, default 1.0
        The paper's width multiplier (channels rounded to multiples of 8; the last
        1280 channels are not reduced below 1280).
    dropout : float, default 0.2
        Dropout probability before the final Linear layer.

    Returns
    -------
    MobileNetV2
        The model, in training mode, initialised as in the reference implementation.
    """
    return MobileNetV2(num_classes, width=width, dropout=dropout)


# ---------------------------------------------------------------------------------
# MobileNetV3 (Howard et al. 2019), the "small" configuration
# ---------------------------------------------------------------------------------

_BN_V3 = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)


class InvertedResidualV3(nn.Module):
    """MobileNetV3 block: expand, depthwise k x k, optional SE, linear projection."""

    def __init__(self, in_channels, kernel, expanded, out_channels, use_se, activation,
                 stride):
        super().__init__()
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers = []
        if expanded != in_channels:
            layers.append(ConvNormActivation(in_channels, expanded, 1, norm_layer=_BN_V3,
                                             activation=activation))
        layers.append(ConvNormActivation(expanded, expanded, kernel, stride, groups=expanded,
                                         norm_layer=_BN_V3, activation=activation))
        if use_se:
            layers.append(SqueezeExcitation(expanded, _make_divisible(expanded // 4),
                                            scale_activation=nn.Hardsigmoid))
        layers.append(ConvNormActivation(expanded, out_channels, 1, norm_layer=_BN_V3,
                                         activation=None))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        out = self.block(x)
        if self.use_res_connect:
            out = out + x
        return out


class MobileNetV3(nn.Module):
    """MobileNetV3: hardswish stem, bneck blocks, 1 x 1 conv, pool, two Linear."""

    def __init__(self, settings, last_channel, num_classes=10, *, width=1.0, dropout=0.2):
        super().__init__()
        _check_width(width)

        def adjust(channels):
            return _make_divisible(channels * width)

        first = adjust(settings[0][0])
        layers = [ConvNormActivation(3, first, 3, 2, norm_layer=_BN_V3,
                                     activation=nn.Hardswish)]
        for cin, k, exp, cout, se, act, s in settings:
            activation = nn.Hardswish if act == "HS" else nn.ReLU
            layers.append(InvertedResidualV3(adjust(cin), k, adjust(exp), adjust(cout), se,
                                             activation, s))
        last_in = adjust(settings[-1][3])
        last_out = 6 * last_in
        layers.append(ConvNormActivation(last_in, last_out, 1, norm_layer=_BN_V3,
                                         activation=nn.Hardswish))
        hidden = adjust(last_channel)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(last_out, hidden),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(hidden, num_classes),
        )
        _init_conv_bn_linear(self, linear_std=0.01)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


# input channels, kernel, expanded channels, output channels, SE, activation, stride
# (Table 2 of Howard et al. 2019)
_V3_SMALL = [
    (16, 3, 16, 16, True, "RE", 2),
    (16, 3, 72, 24, False, "RE", 2),
    (24, 3, 88, 24, False, "RE", 1),
    (24, 5, 96, 40, True, "HS", 2),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 120, 48, True, "HS", 1),
    (48, 5, 144, 48, True, "HS", 1),
    (48, 5, 288, 96, True, "HS", 2),
    (96, 5, 576, 96, True, "HS", 1),
    (96, 5, 576, 96, True, "HS", 1),
]


def mobilenet_v3_small(num_classes=10, *, width=1.0, dropout=0.2):
    """MobileNetV3-Small (Howard et al. 2019): hardswish, SE gated by hardsigmoid.

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the final Linear layer.
    width : float, default 1.0
        Width multiplier of every block and of the 1024 hidden units.
    dropout : float, default 0.2
        Dropout probability before the final Linear layer.

    Returns
    -------
    MobileNetV3
        The model, in training mode, initialised as in the reference implementation.
    """
    return MobileNetV3(_V3_SMALL, 1024, num_classes, width=width, dropout=dropout)


# ---------------------------------------------------------------------------------
# SqueezeNet (Iandola et al. 2016), versions 1.0 and 1.1
# ---------------------------------------------------------------------------------


class Fire(nn.Module):
    """1 x 1 squeeze, then 1 x 1 and 3 x 3 expands concatenated on the channel axis."""

    def __init__(self, in_channels, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(in_channels, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(nn.Module):
    """SqueezeNet: stem conv, fire modules and max pools, conv classifier, pool."""

    def __init__(self, version="1_0", num_classes=10, *, width=1.0, dropout=0.5):
        super().__init__()
        _check_width(width)

        def fire(squeeze, expand):
            nonlocal channels
            s, e = _make_divisible(squeeze * width), _make_divisible(expand * width)
            module = Fire(channels, s, e, e)
            channels = 2 * e
            return module

        def pool():
            return nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)

        if version == "1_0":
            channels = _make_divisible(96 * width)
            layers = [nn.Conv2d(3, channels, kernel_size=7, stride=2), nn.ReLU(inplace=True),
                      pool(), fire(16, 64), fire(16, 64), fire(32, 128), pool(),
                      fire(32, 128), fire(48, 192), fire(48, 192), fire(64, 256), pool(),
                      fire(64, 256)]
        elif version == "1_1":
            channels = _make_divisible(64 * width)
            layers = [nn.Conv2d(3, channels, kernel_size=3, stride=2), nn.ReLU(inplace=True),
                      pool(), fire(16, 64), fire(16, 64), pool(),
                      fire(32, 128), fire(32, 128), pool(),
                      fire(48, 192), fire(48, 192), fire(64, 256), fire(64, 256)]
        else:
            raise ValueError(f"unknown SqueezeNet version: {version!r}; use '1_0' or '1_1'")
        self.features = nn.Sequential(*layers)
        final_conv = nn.Conv2d(channels, num_classes, kernel_size=1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:
                    nn.init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    nn.init.kaiming_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = self.classifier(x)
        return torch.flatten(x, 1)


def squeezenet1_0(num_classes=10, *, width=1.0, dropout=0.5):
    """SqueezeNet 1.0 (Iandola et al. 2016): 7 x 7 stem, eight fire modules.

    Parameters
    ----------
    num_classes : int, default 10
        Channels of the final 1 x 1 convolution (the classes).
    width : float, default 1.0
        Multiplier of the stem's and the fire modules' channels.
    dropout : float, default 0.5
        Dropout probability before the final convolution.

    Returns
    -------
    SqueezeNet
        The model, in training mode, initialised as in the reference implementation.
    """
    return SqueezeNet("1_0", num_classes, width=width, dropout=dropout)


def squeezenet1_1(num_classes=10, *, width=1.0, dropout=0.5):
    """SqueezeNet 1.1: 3 x 3 stem and earlier pooling, 2.4 times cheaper than 1.0.

    Parameters
    ----------
    num_classes : int, default 10
        Channels of the final 1 x 1 convolution (the classes).
    width : float, default 1.0
        Multiplier of the stem's and the fire modules' channels.
    dropout : float, default 0.5
        Dropout probability before the final convolution.

    Returns
    -------
    SqueezeNet
        The model, in training mode, initialised as in the reference implementation.
    """
    return SqueezeNet("1_1", num_classes, width=width, dropout=dropout)


# ---------------------------------------------------------------------------------
# ShuffleNetV2 (Ma et al. 2018)
# ---------------------------------------------------------------------------------


def channel_shuffle(x, groups):
    """Interleave ``groups`` channel groups: reshape, swap axes 1 and 2, reshape back."""
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, -1, h, w)


def _depthwise(channels, stride):
    return nn.Conv2d(channels, channels, 3, stride, 1, bias=False, groups=channels)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2 unit: split (or duplicate when strided), two branches, concat, shuffle."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        if out_channels % 2:
            raise ValueError(f"ShuffleUnit needs an even out_channels: {out_channels}")
        self.stride = stride
        branch = out_channels // 2
        if stride > 1:
            self.branch1 = nn.Sequential(
                _depthwise(in_channels, stride),
                nn.BatchNorm2d(in_channels),
                nn.Conv2d(in_channels, branch, 1, bias=False),
                nn.BatchNorm2d(branch),
                nn.ReLU(inplace=True),
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(in_channels if stride > 1 else branch, branch, 1, bias=False),
            nn.BatchNorm2d(branch),
            nn.ReLU(inplace=True),
            _depthwise(branch, stride),
            nn.BatchNorm2d(branch),
            nn.Conv2d(branch, branch, 1, bias=False),
            nn.BatchNorm2d(branch),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    """ShuffleNetV2: stem, max pool, three stages of shuffle units, 1 x 1 conv, mean, Linear."""

    def __init__(self, stages_repeats, stages_out_channels, num_classes=10, *, width=1.0):
        super().__init__()
        _check_width(width)
        channels = [_make_divisible(c * width) for c in stages_out_channels]
        in_channels = channels[0]
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, in_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
        )
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (repeats, out_channels) in enumerate(zip(stages_repeats, channels[1:4])):
            units = [ShuffleUnit(in_channels, out_channels, 2)]
            units += [ShuffleUnit(out_channels, out_channels, 1) for _ in range(repeats - 1)]
            setattr(self, f"stage{i + 2}", nn.Sequential(*units))
            in_channels = out_channels
        self.conv5 = nn.Sequential(
            nn.Conv2d(in_channels, channels[-1], 1, bias=False),
            nn.BatchNorm2d(channels[-1]),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(channels[-1], num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.stage2(x)
        x = self.stage3(x)
        x = self.stage4(x)
        x = self.conv5(x)
        x = x.mean([2, 3])
        return self.fc(x)


def shufflenet_v2_x0_5(num_classes=10, *, width=1.0):
    """ShuffleNetV2 0.5x (Ma et al. 2018): stages of 4, 8, 4 units.

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the final Linear layer.
    width : float, default 1.0
        Multiplier on top of the 0.5x channels (24, 48, 96, 192, 1024), rounded to
        multiples of 8.

    Returns
    -------
    ShuffleNetV2
        The model, in training mode, with PyTorch's default initialisation.
    """
    return ShuffleNetV2([4, 8, 4], [24, 48, 96, 192, 1024], num_classes, width=width)


# ---------------------------------------------------------------------------------
# EfficientNet (Tan & Le 2019), B0
# ---------------------------------------------------------------------------------


class StochasticDepth(nn.Module):
    """Drop whole residual branches per sample in training (Huang et al. 2016).

    The identity in eval mode, so it leaves no trace in an ONNX export.
    """

    def __init__(self, p):
        super().__init__()
        self.p = float(p)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        noise = torch.empty((x.shape[0],) + (1,) * (x.ndim - 1), dtype=x.dtype)
        noise = noise.bernoulli_(keep).div_(keep)
        return x * noise

    def extra_repr(self):
        return f"p={self.p}"


class MBConv(nn.Module):
    """Mobile inverted bottleneck with SiLU and squeeze-excitation; residual if shapes match."""

    def __init__(self, in_channels, out_channels, kernel, stride, expand_ratio,
                 stochastic_depth_prob):
        super().__init__()
        self.use_res_connect = stride == 1 and in_channels == out_channels
        expanded = _make_divisible(in_channels * expand_ratio)
        layers = []
        if expanded != in_channels:
            layers.append(ConvNormActivation(in_channels, expanded, 1, activation=nn.SiLU))
        layers += [
            ConvNormActivation(expanded, expanded, kernel, stride, groups=expanded,
                               activation=nn.SiLU),
            SqueezeExcitation(expanded, max(1, in_channels // 4), activation=nn.SiLU),
            ConvNormActivation(expanded, out_channels, 1, activation=None),
        ]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob)

    def forward(self, x):
        out = self.block(x)
        if self.use_res_connect:
            out = self.stochastic_depth(out)
            out = out + x
        return out


class EfficientNet(nn.Module):
    """EfficientNet: SiLU stem, seven MBConv stages, 1 x 1 conv, pool, dropout, Linear."""

    # expand ratio, kernel, stride, input channels, output channels, layers (B0, Table 1)
    SETTINGS = [
        (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2),
        (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4),
        (6, 3, 1, 192, 320, 1),
    ]

    def __init__(self, num_classes=10, *, width=1.0, depth=1.0, dropout=0.2,
                 stochastic_depth_prob=0.2):
        super().__init__()
        _check_width(width)
        if not depth > 0:
            raise ValueError(f"depth must be positive: {depth}")
        settings = [(e, k, s, _make_divisible(ci * width), _make_divisible(co * width),
                     int(math.ceil(n * depth))) for e, k, s, ci, co, n in self.SETTINGS]
        layers = [ConvNormActivation(3, settings[0][3], 3, 2, activation=nn.SiLU)]
        total = sum(n for *_, n in settings)
        block_id = 0
        for expand, kernel, stride, cin, cout, n in settings:
            stage = []
            for i in range(n):
                sd = stochastic_depth_prob * block_id / total
                stage.append(MBConv(cin if i == 0 else cout, cout, kernel,
                                    stride if i == 0 else 1, expand, sd))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = settings[-1][4]
        last_out = 4 * last_in
        layers.append(ConvNormActivation(last_in, last_out, 1, activation=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(last_out, num_classes))
        _init_conv_bn_linear(self)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.out_features)
                nn.init.uniform_(m.weight, -bound, bound)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def efficientnet_b0(num_classes=10, *, width=1.0, depth=1.0, dropout=0.2,
                    stochastic_depth_prob=0.2):
    """EfficientNet-B0 (Tan & Le 2019): MBConv with SiLU and squeeze-excitation.

    Parameters
    ----------
    num_classes : int, default 10
        Outputs of the final Linear layer.
    width : float, default 1.0
        Width coefficient (channels rounded to multiples of 8).
    depth : float, default 1.0
        Depth coefficient (blocks per stage, rounded up).
    dropout : float, default 0.2
        Dropout probability before the final Linear layer.
    stochastic_depth_prob : float, default 0.2
        Drop probability of the last residual branch, rising linearly from 0;
        inactive in eval mode.

    Returns
    -------
    EfficientNet
        The model, in training mode, initialised as in the reference implementation.
    """
    return EfficientNet(num_classes, width=width, depth=depth, dropout=dropout,
                        stochastic_depth_prob=stochastic_depth_prob)


# ---------------------------------------------------------------------------------
# Registry, build and export
# ---------------------------------------------------------------------------------

BUILDERS = {
    "alexnet": alexnet,
    "vgg11": vgg11,
    "vgg16": vgg16,
    "resnet18": resnet18,
    "resnet50": resnet50,
    "densenet121": densenet121,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_v3_small": mobilenet_v3_small,
    "squeezenet1_0": squeezenet1_0,
    "squeezenet1_1": squeezenet1_1,
    "shufflenet_v2_x0_5": shufflenet_v2_x0_5,
    "efficientnet_b0": efficientnet_b0,
}
"""dict: family name -> builder ``f(num_classes=10, *, width=1.0, ...)``."""

FAMILIES = list(BUILDERS)
"""list of str: the family names, in the order of :data:`BUILDERS`."""

STRICT_FAMILIES = [
    "alexnet", "vgg11", "vgg16", "resnet18", "resnet50", "densenet121",
    "mobilenet_v2", "squeezenet1_0", "squeezenet1_1",
]
"""list of str: families whose TorchScript exports hold only learnable, pass-through,
Concat and Add operators (no gating Mul, Reshape or Transpose)."""

SMALL_WIDTH = {name: 0.25 for name in FAMILIES}
"""dict: the width of each family's small variant."""
SMALL_WIDTH.update({"vgg11": 0.125, "vgg16": 0.125})

SMALL_IMAGE_SIZE = {name: 64 for name in FAMILIES}
"""dict: the input side of each family's small variant. AlexNet and VGG keep 224
because their adaptive pools (to 6 x 6 and 7 x 7) export only when the map divides."""
SMALL_IMAGE_SIZE.update({"alexnet": 224, "vgg11": 224, "vgg16": 224})

FULL_IMAGE_SIZE = 224
"""int: the input side of the full-size variants."""

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


def _calibrate_batchnorm(model, batch):
    """Set BatchNorm running statistics to those of one forward pass over ``batch``.

    Only the BatchNorm layers are put in training mode (Dropout and stochastic depth
    stay off), with ``momentum=None`` so the statistics are the batch's exactly.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    model.eval()
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    with torch.no_grad():
        model(batch)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.eval()


def build(name, *, seed=0, full=False, width=None, image_size=None, batch_size=1,
          num_classes=10, calibrate=True, **kwargs):
    """Build a seeded zoo model in eval mode and an example input for it.

    Parameters
    ----------
    name : str
        A family from :data:`FAMILIES`.
    seed : int, default 0
        Seeds the weights, the example input and the BatchNorm calibration batch.
        The global torch RNG is left as it was.
    full : bool, default False
        Build the full-size variant (width 1, 224 x 224 input) rather than the small
        one (:data:`SMALL_WIDTH`, :data:`SMALL_IMAGE_SIZE`).
    width : float, optional
        Override the variant's width multiplier.
    image_size : int, optional
        Override the variant's input side (the input is square).
    batch_size : int, default 1
        Batch size of the example input.
    num_classes : int, default 10
        Outputs of the classifier.
    calibrate : bool, default True
        Set the BatchNorm running statistics from one forward pass (BatchNorm in
        training mode, everything else in eval mode) over a seeded batch of random
        images, so that activations stay of order 1 in deep models and the exported
        BatchNorms (or the Conv weights they are folded into) are not trivial. The
        batch holds enough images (2 at 224 x 224, 16 at 64 x 64) for the last
        stage's maps, at 1/32 of the input side, to give 64 values per channel.
    **kwargs
        Passed on to the family's builder (``batch_norm=True`` for VGG, ``depth``
        for EfficientNet, ``dropout``, ...).

    Returns
    -------
    model : torch.nn.Module
        The model, in eval mode.
    example_input : torch.Tensor
        A float32 tensor of shape ``(batch_size, 3, image_size, image_size)`` drawn
        from a standard normal distribution.

    Raises
    ------
    ValueError
        If ``name`` is not a known family.

    Examples
    --------
    >>> model, x = build("resnet18")
    >>> tuple(x.shape), tuple(model(x).shape)
    ((1, 3, 64, 64), (1, 10))
    """
    if name not in BUILDERS:
        raise ValueError(f"unknown zoo family: {name!r}; choose from {', '.join(FAMILIES)}")
    if width is None:
        width = 1.0 if full else SMALL_WIDTH[name]
    if image_size is None:
        image_size = FULL_IMAGE_SIZE if full else SMALL_IMAGE_SIZE[name]
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BUILDERS[name](num_classes, width=width, **kwargs)
    example_input = torch.randn(batch_size, 3, image_size, image_size, generator=generator)
    if calibrate:
        n_images = min(64, max(2, math.ceil(64 * 32 * 32 / image_size**2)))
        batch = torch.randn(n_images, 3, image_size, image_size, generator=generator)
        _calibrate_batchnorm(model, batch)
    return model.eval(), example_input


_NOISY_LOGGERS = ("torch.onnx", "torch.export", "torch._dynamo", "torch._export",
                  "torch.fx", "torch._subclasses", "onnxscript")


@contextlib.contextmanager
def _quiet():
    """Silence warnings, progress prints and chatty loggers of the torch exporters."""
    loggers = [logging.getLogger(n) for n in _NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def export_onnx(model, example_input, path=None, *, dynamo=False, opset=None):
    """Export a model to ONNX with ``torch.onnx.export`` and load it back.

    Parameters
    ----------
    model : torch.nn.Module
        The model, usually in eval mode (it is exported in the mode it is in).
    example_input : torch.Tensor
        The single positional input; its shape is fixed in the export.
    path : str or os.PathLike, optional
        Where to write the ``.onnx`` file (a single file, weights inside). Without
        it the model is written to a temporary directory that is removed again.
    dynamo : bool, default False
        False uses the TorchScript exporter (fast; folds Conv + BatchNorm). True uses
        the ``torch.export`` based exporter, which translates through onnxscript and
        runs its optimizer.
    opset : int, optional
        The ONNX opset; default: the exporter's default (20 with torch 2.13).

    Returns
    -------
    onnx.ModelProto
        The exported model, weights included. Its graph input is named ``"input"``
        and its output ``"output"``.

    Examples
    --------
    >>> model, x = build("squeezenet1_1")
    >>> proto = export_onnx(model, x)
    >>> "Concat" in {node.op_type for node in proto.graph.node}
    True
    """
    if path is None:
        with tempfile.TemporaryDirectory(prefix="netgraph-zoo-") as tmp:
            return export_onnx(model, example_input, os.path.join(tmp, "model.onnx"),
                               dynamo=dynamo, opset=opset)
    path = os.fspath(path)
    names = dict(input_names=["input"], output_names=["output"])
    with _quiet():
        if dynamo:
            program = torch.onnx.export(model, (example_input,), dynamo=True,
                                        opset_version=opset, verbose=False, **names)
            program.save(path, external_data=False)
        else:
            torch.onnx.export(model, (example_input,), path, dynamo=False,
                              opset_version=opset, verbose=False, **names)
    return onnx.load(path)
