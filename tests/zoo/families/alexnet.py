"""AlexNet (Krizhevsky et al. 2012; the single-tower variant of Krizhevsky 2014)."""

from __future__ import annotations

import torch
from torch import nn

from ..blocks import check_width, make_divisible

__all__ = ["AlexNet", "alexnet"]


class AlexNet(nn.Module):
    """AlexNet: five convolutions, three max pools, a 6 x 6 pool, three Linear."""

    def __init__(self, num_classes=10, *, width=1.0, dropout=0.5):
        super().__init__()
        check_width(width)
        c1, c2, c3, c4, c5 = (make_divisible(c * width) for c in (64, 192, 384, 256, 256))
        hidden = make_divisible(4096 * width)
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
