"""VGG (Simonyan & Zisserman 2015), configurations A (``vgg11``) and D (``vgg16``)."""

from __future__ import annotations

import torch
from torch import nn

from ..blocks import check_width, init_conv_bn_linear, make_divisible

__all__ = ["VGG", "vgg11", "vgg16"]


_VGG_CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
          512, 512, 512, "M"],
}


class VGG(nn.Module):
    """VGG: stacks of 3 x 3 convolutions and max pools, a 7 x 7 pool, three Linear."""

    def __init__(self, config, num_classes=10, *, width=1.0, batch_norm=False, dropout=0.5):
        super().__init__()
        check_width(width)
        layers = []
        in_channels = 3
        for v in _VGG_CONFIGS[config]:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                continue
            out_channels = make_divisible(v * width)
            layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU(inplace=True))
            in_channels = out_channels
        hidden = make_divisible(4096 * width)
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
        init_conv_bn_linear(self, linear_std=0.01)

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
