"""SqueezeNet (Iandola et al. 2016), versions 1.0 and 1.1."""

from __future__ import annotations

import torch
from torch import nn

from ..blocks import check_width, make_divisible

__all__ = ["SqueezeNet", "Fire", "squeezenet1_0", "squeezenet1_1"]


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
        check_width(width)

        def fire(squeeze, expand):
            nonlocal channels
            s, e = make_divisible(squeeze * width), make_divisible(expand * width)
            module = Fire(channels, s, e, e)
            channels = 2 * e
            return module

        def pool():
            return nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)

        if version == "1_0":
            channels = make_divisible(96 * width)
            layers = [nn.Conv2d(3, channels, kernel_size=7, stride=2), nn.ReLU(inplace=True),
                      pool(), fire(16, 64), fire(16, 64), fire(32, 128), pool(),
                      fire(32, 128), fire(48, 192), fire(48, 192), fire(64, 256), pool(),
                      fire(64, 256)]
        elif version == "1_1":
            channels = make_divisible(64 * width)
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
