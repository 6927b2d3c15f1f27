"""The zoo's families: their builders, the strict ones, the sizes of their variants.

Nothing here imports torch: :data:`BUILDERS` imports a family's module (and torch with
it) the first time that family's builder is looked up.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

__all__ = [
    "BUILDERS",
    "FAMILIES",
    "STRICT_FAMILIES",
    "SMALL_WIDTH",
    "SMALL_IMAGE_SIZE",
    "FULL_IMAGE_SIZE",
]


class _Builders(Mapping):
    """A read-only mapping of family names to builders, importing their modules on demand.

    Parameters
    ----------
    where : dict
        Family name -> ``(module, function)``: the builder is ``function`` of
        ``zoo.families.<module>``.
    """

    def __init__(self, where):
        self._where = dict(where)

    def __getitem__(self, name):
        module, function = self._where[name]
        return getattr(importlib.import_module(f"{__package__}.families.{module}"), function)

    def __iter__(self):
        return iter(self._where)

    def __len__(self):
        return len(self._where)

    def __repr__(self):
        return f"<zoo builders: {', '.join(self._where)}>"


BUILDERS = _Builders({
    "alexnet": ("alexnet", "alexnet"),
    "vgg11": ("vgg", "vgg11"),
    "vgg16": ("vgg", "vgg16"),
    "resnet18": ("resnet", "resnet18"),
    "resnet50": ("resnet", "resnet50"),
    "densenet121": ("densenet", "densenet121"),
    "mobilenet_v2": ("mobilenet_v2", "mobilenet_v2"),
    "mobilenet_v3_small": ("mobilenet_v3", "mobilenet_v3_small"),
    "squeezenet1_0": ("squeezenet", "squeezenet1_0"),
    "squeezenet1_1": ("squeezenet", "squeezenet1_1"),
    "shufflenet_v2_x0_5": ("shufflenet", "shufflenet_v2_x0_5"),
    "efficientnet_b0": ("efficientnet", "efficientnet_b0"),
})
"""Mapping: family name -> builder ``f(num_classes=10, *, width=1.0, ...)``."""

FAMILIES = list(BUILDERS)
"""list of str: the family names, in the order of :data:`BUILDERS`."""

STRICT_FAMILIES = [
    "alexnet", "vgg11", "vgg16", "resnet18", "resnet50", "densenet121",
    "mobilenet_v2", "squeezenet1_0", "squeezenet1_1",
]
"""list of str: families whose TorchScript exports hold only learnable, pass-through,
Concat and Add operators (no gating Mul, Reshape or Transpose)."""

SMALL_WIDTH = {name: 0.25 for name in FAMILIES}
"""dict: the width of each family's small variant."""
SMALL_WIDTH.update({"vgg11": 0.125, "vgg16": 0.125})

SMALL_IMAGE_SIZE = {name: 64 for name in FAMILIES}
"""dict: the input side of each family's small variant. AlexNet and VGG keep 224
because their adaptive pools (to 6 x 6 and 7 x 7) export only when the map divides."""
SMALL_IMAGE_SIZE.update({"alexnet": 224, "vgg11": 224, "vgg16": 224})

FULL_IMAGE_SIZE = 224
"""int: the input side of the full-size variants."""
