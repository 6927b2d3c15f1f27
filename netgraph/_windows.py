"""The geometry of Dey et al.'s windows: how a layer's nodes are cut into windows.

A layer of ``n`` nodes has a *shape*: ``(n,)`` by default (1-D windows, blocks of
consecutive nodes), or a shape given by the user whose product is ``n``, read in row-major
order as ONNX and torch flatten a tensor: ``(H, W)`` for an image (2-D tiles, Dey's
Fig. 5(a)), ``(C, H, W)`` for a convolutional map flattened into a dense layer (3-D
cuboids, Fig. 5(b); channel-major, where Dey's Keras code assumes channels last).

``k`` windows tile a shape ``(d_1, ..., d_m)`` through a grid ``(g_1, ..., g_m)`` with
``g_1 ... g_m = k`` and every ``g_a`` dividing ``d_a``; each window is a box of
``d_a / g_a`` nodes along axis ``a``. Of the grids that tile, :func:`grid` takes the one
whose windows have the most equal sides (the smallest ratio of the longest side to the
shortest); a tie goes to the grid with more cuts along the earlier axes (so 2 windows of a
28 x 28 image are its top and bottom halves).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_int

__all__ = ["MAX_AXES", "divisors", "tiling_counts", "nearest_count", "grid", "check_shape", "check_count", "window_indicator",
           "shape_text"]


#: The most axes a window shape may have (3: channels x rows x columns).
MAX_AXES = 3


def divisors(n: int) -> list[int]:
    """The divisors of the positive integer ``n``, in increasing order.

    Examples
    --------
    >>> divisors(12), divisors(1)
    ([1, 2, 3, 4, 6, 12], [1])
    """
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small) | {n // d for d in small})


def tiling_counts(shape) -> list[int]:
    """The numbers of windows that can tile ``shape``: products of one divisor per axis, increasing.

    Examples
    --------
    >>> tiling_counts((8,)), tiling_counts((4, 6))
    ([1, 2, 4, 8], [1, 2, 3, 4, 6, 8, 12, 24])
    """
    counts = {1}
    for d in shape:
        counts = {c * g for c in counts for g in divisors(d)}
    return sorted(counts)


def nearest_count(shape, x: float) -> int:
    """The number of windows tiling ``shape`` nearest to ``x`` (clipped to [1, size]; ties go to the smaller).

    Examples
    --------
    >>> nearest_count((8,), 3), nearest_count((8,), 3.1), nearest_count((28, 28), 15), nearest_count((7,), 100)
    (2, 4, 14, 7)
    """
    counts = np.array(tiling_counts(shape), dtype=np.float64)
    x = min(max(float(x), 1.0), counts[-1])
    return int(counts[np.argmin(np.abs(counts - x))])  # argmin keeps the first (smaller) of a tie


def _grids(shape, k: int):
    """Every grid of ``k`` windows over ``shape``: one divisor of each side, their product ``k``."""
    if len(shape) == 1:
        if shape[0] % k == 0:
            yield (k,)
        return
    for g in divisors(math.gcd(shape[0], k)):
        for rest in _grids(shape[1:], k // g):
            yield (g, *rest)


def grid(shape, k: int) -> tuple[int, ...] | None:
    """The grid of ``k`` windows over ``shape`` (see the module's docstring), or None if none tiles it.

    Examples
    --------
    >>> grid((28, 28), 16), grid((28, 28), 2), grid((256, 4, 4), 16), grid((28, 28), 5)
    ((4, 4), (2, 1), (16, 1, 1), None)
    """
    def key(g):
        sides = [d // c for d, c in zip(shape, g)]
        return max(sides) / min(sides), tuple(-c for c in g)

    return min(_grids(tuple(shape), k), key=key, default=None)


def shape_text(shape) -> str:
    """``28x28``: a shape as the messages and tables write it.

    Examples
    --------
    >>> shape_text((3, 28, 28)), shape_text((8,))
    ('3x28x28', '8')
    """
    return "x".join(str(d) for d in shape)


def check_shape(shape, name: str, n: int, nodes: str) -> tuple[int, ...]:
    """A layer's window shape: positive integers whose product is the layer's ``n`` nodes.

    ``nodes`` names the nodes in the message (``"nodes of layer 'x'"``).

    Raises
    ------
    InvalidParameterError
        If ``shape`` is not such a sequence.

    Examples
    --------
    >>> check_shape([28, 28], "shapes['x']", 784, "nodes of layer 'x'")
    (28, 28)
    >>> check_shape((28, 27), "shapes['x']", 784, "nodes of layer 'x'")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: shapes['x'] must be positive integers whose product is the 784 nodes of layer 'x', at most 3 of them; got (28, 27)
    """
    rule = f"positive integers whose product is the {n} {nodes}, at most {MAX_AXES} of them"
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise InvalidParameterError(f"{name} must be {rule}; got {shape!r}")
    dims = tuple(check_int(d, name, minimum=1) for d in shape)
    if not 1 <= len(dims) <= MAX_AXES or math.prod(dims) != n:
        raise InvalidParameterError(f"{name} must be {rule}; got {shape!r}")
    return dims


def check_count(k, name: str, shape, nodes: str) -> int:
    """A number of windows given by the user: an integer in [1, size] that tiles ``shape``.

    ``nodes`` names the nodes in the message (``"nodes of layer 'x'"``).

    Raises
    ------
    InvalidParameterError
        If ``k`` is not an integer in range, or no grid of ``k`` windows tiles ``shape``.

    Examples
    --------
    >>> check_count(4, "windows['S_1f']", (8,), "nodes of layer 'x'")
    4
    >>> check_count(3, "windows['S_1f']", (8,), "nodes of layer 'x'")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: windows['S_1f'] must be a divisor of the 8 nodes of layer 'x'; got 3
    >>> check_count(5, "windows['S_1f']", (28, 28), "nodes of layer 'x'")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: windows['S_1f'] must be a number of windows tiling the 28x28 nodes of layer 'x' (a product of one divisor of each side); got 5
    """
    k = check_int(k, name, minimum=1, maximum=math.prod(shape))
    if grid(shape, k) is None:
        if len(shape) == 1:
            raise InvalidParameterError(f"{name} must be a divisor of the {shape[0]} {nodes}; got {k}")
        raise InvalidParameterError(f"{name} must be a number of windows tiling the {shape_text(shape)} {nodes} "
                                    f"(a product of one divisor of each side); got {k}")
    return k


def window_indicator(shape, g) -> sp.csr_array:
    """The ``(n, k)`` 0/1 matrix putting each node (row-major in ``shape``) in its window of the grid ``g``.

    Examples
    --------
    >>> window_indicator((2, 4), (1, 2)).toarray().argmax(axis=1).tolist()
    [0, 0, 1, 1, 0, 0, 1, 1]
    """
    n, k = math.prod(shape), math.prod(g)
    coords = np.unravel_index(np.arange(n), shape)
    cells = np.ravel_multi_index(tuple(c // (d // s) for c, d, s in zip(coords, shape, g)), g)
    return sp.csr_array((np.ones(n, dtype=np.int64), cells, np.arange(n + 1)), shape=(n, k))
