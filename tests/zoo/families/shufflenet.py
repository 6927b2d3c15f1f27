"""ShuffleNetV2 (Ma et al. 2018)."""

from __future__ import annotations

import torch
from torch import nn

from ..blocks import check_width, make_divisible

__all__ = ["ShuffleNetV2", "ShuffleUnit", "channel_shuffle", "shufflenet_v2_x0_5"]


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
        check_width(width)
        channels = [make_divisible(c * width) for c in stages_out_channels]
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
