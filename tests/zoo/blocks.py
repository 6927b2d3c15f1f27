"""Building blocks shared by several zoo families, and the channel and weight rules.

:func:`make_divisible` is the MobileNet papers' channel rounding, used by every family
for its width multiplier; :class:`ConvNormActivation` and :class:`SqueezeExcitation`
are the MobileNet and EfficientNet blocks; :func:`init_conv_bn_linear` initialises
weights as the papers' reference implementations do.
"""

from __future__ import annotations

from torch import nn

__all__ = [
    "make_divisible",
    "check_width",
    "ConvNormActivation",
    "SqueezeExcitation",
    "init_conv_bn_linear",
]


def make_divisible(value, divisor=8, min_value=None):
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


def check_width(width):
    """Raise ValueError unless the width multiplier ``width`` is positive."""
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


def init_conv_bn_linear(model, *, conv_mode="fan_out", linear_std=None):
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
