"""Build a seeded zoo model in eval mode, with an example input and calibrated BatchNorms."""

from __future__ import annotations

import math

import torch
from torch import nn

from .registry import BUILDERS, FAMILIES, FULL_IMAGE_SIZE, SMALL_IMAGE_SIZE, SMALL_WIDTH

__all__ = ["build"]


def _calibrate_batchnorm(model, batch):
    """Set BatchNorm running statistics to those of one forward pass over ``batch``.

    Only the BatchNorm layers are put in training mode (Dropout and stochastic depth
    stay off), with ``momentum=None`` so the statistics are the batch's exactly.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    model.eval()
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    with torch.no_grad():
        model(batch)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.eval()


def build(name, *, seed=0, full=False, width=None, image_size=None, batch_size=1,
          num_classes=10, calibrate=True, **kwargs):
    """Build a seeded zoo model in eval mode and an example input for it.

    Parameters
    ----------
    name : str
        A family from :data:`FAMILIES`.
    seed : int, default 0
        Seeds the weights, the example input and the BatchNorm calibration batch.
        The global torch RNG is left as it was.
    full : bool, default False
        Build the full-size variant (width 1, 224 x 224 input) rather than the small
        one (:data:`SMALL_WIDTH`, :data:`SMALL_IMAGE_SIZE`).
    width : float, optional
        Override the variant's width multiplier.
    image_size : int, optional
        Override the variant's input side (the input is square).
    batch_size : int, default 1
        Batch size of the example input.
    num_classes : int, default 10
        Outputs of the classifier.
    calibrate : bool, default True
        Set the BatchNorm running statistics from one forward pass (BatchNorm in
        training mode, everything else in eval mode) over a seeded batch of random
        images, so that activations stay of order 1 in deep models and the exported
        BatchNorms (or the Conv weights they are folded into) are not trivial. The
        batch holds enough images (2 at 224 x 224, 16 at 64 x 64) for the last
        stage's maps, at 1/32 of the input side, to give 64 values per channel.
    **kwargs
        Passed on to the family's builder (``batch_norm=True`` for VGG, ``depth``
        for EfficientNet, ``dropout``, ...).

    Returns
    -------
    model : torch.nn.Module
        The model, in eval mode.
    example_input : torch.Tensor
        A float32 tensor of shape ``(batch_size, 3, image_size, image_size)`` drawn
        from a standard normal distribution.

    Raises
    ------
    ValueError
        If ``name`` is not a known family.

    Examples
    --------
    >>> model, x = build("resnet18")
    >>> tuple(x.shape), tuple(model(x).shape)
    ((1, 3, 64, 64), (1, 10))
    """
    if name not in BUILDERS:
        raise ValueError(f"unknown zoo family: {name!r}; choose from {', '.join(FAMILIES)}")
    if width is None:
        width = 1.0 if full else SMALL_WIDTH[name]
    if image_size is None:
        image_size = FULL_IMAGE_SIZE if full else SMALL_IMAGE_SIZE[name]
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BUILDERS[name](num_classes, width=width, **kwargs)
    example_input = torch.randn(batch_size, 3, image_size, image_size, generator=generator)
    if calibrate:
        n_images = min(64, max(2, math.ceil(64 * 32 * 32 / image_size**2)))
        batch = torch.randn(n_images, 3, image_size, image_size, generator=generator)
        _calibrate_batchnorm(model, batch)
    return model.eval(), example_input
