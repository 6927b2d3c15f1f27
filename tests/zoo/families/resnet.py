"""ResNet (He et al. 2016), with the stride on the 3 x 3 convolution ("v1.5")."""

from __future__ import annotations

import torch
from torch import nn

from ..blocks import check_width, init_conv_bn_linear, make_divisible

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet50"]


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
        check_width(width)
        stem = make_divisible(64 * width)
        self.in_channels = stem
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (base, n_blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stage = self._make_stage(block, make_divisible(base * width), n_blocks,
                                     stride=1 if i == 0 else 2)
            setattr(self, f"layer{i + 1}", stage)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.in_channels, num_classes)
        init_conv_bn_linear(self)
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
