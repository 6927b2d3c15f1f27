"""Tests of netgraph._windows: the window counts that tile a shape, and the grid chosen."""

import itertools
import math

import pytest

from netgraph._windows import divisors, grid, nearest_count, tiling_counts


@pytest.mark.parametrize("n", [1, 2, 7, 12, 36, 97, 784, 1024])
def test_divisors_by_trial_division(n):
    assert divisors(n) == [d for d in range(1, n + 1) if n % d == 0]


@pytest.mark.parametrize("shape", [(8,), (4, 6), (2, 3, 4), (28, 28), (1, 5)])
def test_tiling_counts_are_the_counts_with_a_grid(shape):
    size = math.prod(shape)
    assert tiling_counts(shape) == [k for k in range(1, size + 1) if grid(shape, k) is not None]


@pytest.mark.parametrize("shape", [(12,), (4, 6), (2, 3, 4)])
def test_grid_tiles_and_has_the_most_equal_sides(shape):
    for k in tiling_counts(shape):
        g = grid(shape, k)
        assert math.prod(g) == k and all(d % c == 0 for d, c in zip(shape, g))
        ratio = max(d // c for d, c in zip(shape, g)) / min(d // c for d, c in zip(shape, g))
        for other in itertools.product(*(range(1, d + 1) for d in shape)):
            if math.prod(other) == k and all(d % c == 0 for d, c in zip(shape, other)):
                sides = [d // c for d, c in zip(shape, other)]
                assert ratio <= max(sides) / min(sides)


def test_nearest_count_ties_go_down_and_bounds_clip():
    assert nearest_count((6,), 2.5) == 2
    assert nearest_count((6,), 0) == 1
    assert nearest_count((6,), 1e30) == 6
    assert nearest_count((2, 5), 7) == 5  # counts 1, 2, 5, 10


def test_grid_of_a_huge_shape_is_quick():
    """The grids are enumerated under the count, not over every combination of divisors."""
    import time

    start = time.perf_counter()
    assert grid((720720, 720720, 720720), 720720) is not None
    assert grid((2**20,), 2**10) == (2**10,)
    assert time.perf_counter() - start < 10
