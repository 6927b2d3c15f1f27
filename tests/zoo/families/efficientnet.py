"""EfficientNet (Tan & Le 2019), B0."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..blocks import (
    ConvNormActivation,
    SqueezeExcitation,
    check_width,
    init_conv_bn_linear,
    make_divisible,
)

__all__ = ["EfficientNet", "MBConv", "StochasticDepth", "efficientnet_b0"]


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
        expanded = make_divisible(in_channels * expand_ratio)
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
        check_width(width)
        if not depth > 0:
            raise ValueError(f"depth must be positive: {depth}")
        settings = [(e, k, s, make_divisible(ci * width), make_divisible(co * width),
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
        init_conv_bn_linear(self)
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
