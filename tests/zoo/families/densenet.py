"""DenseNet (Huang et al. 2017): DenseNet-BC-121."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torch.nn import functional as F

from ..blocks import check_width, init_conv_bn_linear, make_divisible

__all__ = ["DenseNet", "DenseBlock", "DenseLayer", "Transition", "densenet121"]


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
        check_width(width)
        growth = max(1, round(growth_rate * width))
        channels = make_divisible(num_init_features * width)
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
        init_conv_bn_linear(self, conv_mode="fan_in")
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
