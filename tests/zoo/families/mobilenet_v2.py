"""MobileNetV2 (Sandler et al. 2018)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..blocks import ConvNormActivation, check_width, init_conv_bn_linear, make_divisible

__all__ = ["MobileNetV2", "InvertedResidual", "mobilenet_v2"]


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
        check_width(width)
        in_channels = make_divisible(32 * width)
        self.last_channel = make_divisible(1280 * max(1.0, width))
        features = [ConvNormActivation(3, in_channels, 3, 2, activation=nn.ReLU6)]
        for t, c, n, s in self.SETTINGS:
            out_channels = make_divisible(c * width)
            for i in range(n):
                features.append(InvertedResidual(in_channels, out_channels,
                                                 s if i == 0 else 1, t))
                in_channels = out_channels
        features.append(ConvNormActivation(in_channels, self.last_channel, 1,
                                           activation=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))
        init_conv_bn_linear(self, linear_std=0.01)

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
