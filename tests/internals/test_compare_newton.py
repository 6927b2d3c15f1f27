"""Tests of netgraph.compare.newton.minimize_2d, the damped Newton minimiser of the
two-parameter fits: minima known in closed form, ill-conditioning, bounds, the cap on steps."""

import pytest

from netgraph.compare.newton import minimize_2d

BOX = [(-5.0, 5.0), (-5.0, 5.0)]


def test_rosenbrock_valley():
    x, fx = minimize_2d(lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2, (-1.2, 1.0), (1.0, 1.0), BOX)
    assert x == pytest.approx([1.0, 1.0], abs=1e-6)
    assert fx < 1e-12


def test_ill_conditioned_quadratic():
    # condition number 1e4 along the diagonal: Newton steps are not fooled by it
    x, fx = minimize_2d(lambda p: 1e4 * (p[0] + p[1] - 1) ** 2 + (p[0] - p[1]) ** 2, (3.0, -2.0), (1.0, 1.0), BOX)
    assert x == pytest.approx([0.5, 0.5], abs=1e-9)
    assert fx == pytest.approx(0.0, abs=1e-15)


def test_iterates_stay_in_the_bounds():
    x, fx = minimize_2d(lambda p: (p[0] - 9) ** 2 + (p[1] + 1) ** 2, (0.0, 0.0), (1.0, 1.0), BOX)
    assert x == pytest.approx([5.0, -1.0], abs=1e-9)
    assert fx == pytest.approx(16.0)


def test_returns_the_value_at_the_point_and_respects_max_iter():
    calls = []

    def f(p):
        calls.append(tuple(p))
        return (p[0] - 2) ** 2 + (p[1] - 3) ** 2

    x, fx = minimize_2d(f, (0.0, 0.0), (1.0, 1.0), BOX, max_iter=1)
    assert fx == f(x)
    assert len(calls) == 1 + 8 + 1 + 1  # start, 8 differences, one accepted step, the check above
    assert x == pytest.approx([2.0, 3.0], abs=1e-6)  # one Newton step solves a quadratic
