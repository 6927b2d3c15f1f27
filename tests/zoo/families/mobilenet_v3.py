"""MobileNetV3 (Howard et al. 2019), the "small" configuration."""

from __future__ import annotations

from functools import partial

import torch
from torch import nn

from ..blocks import (
    ConvNormActivation,
    SqueezeExcitation,
    check_width,
    init_conv_bn_linear,
    make_divisible,
)

__all__ = ["MobileNetV3", "InvertedResidualV3", "mobilenet_v3_small"]


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
            layers.append(SqueezeExcitation(expanded, make_divisible(expanded // 4),
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
        check_width(width)

        def adjust(channels):
            return make_divisible(channels * width)

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
        init_conv_bn_linear(self, linear_std=0.01)

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
