"""Tests of the partial sums of k^-alpha (log k)^j (netgraph.tpl._sums, private).

Every sum against direct sums in extended precision (``tpl_reference.direct_sums``), the
prepared sums against the one-shot ones, the scalar sum against the vector one.
"""

import math

import numpy as np
import tpl_reference as ref

from netgraph.tpl._sums import Sums, partial_sums, sum_scalar


def _order3_cases(rng, count, extreme=60.0):
    """Random (alpha, x, y, r): short and long ranges, near and far from 1, exponents up to
    ``extreme`` in size on the third kind."""
    cases = []
    for _ in range(count):
        kind = rng.integers(3)
        if kind == 0:
            x = int(rng.integers(1, 50)); y = x + int(rng.integers(0, 3000)); a = rng.uniform(-3, 6)
        elif kind == 1:
            x = int(rng.integers(1000, 100000)); y = x + int(rng.integers(0, 50000)); a = rng.uniform(-300, 300)
        else:
            x = int(rng.integers(1, 100)); y = x + int(rng.integers(0, 20000)); a = rng.uniform(-extreme, extreme)
        cases.append((a, x, y, x if a >= 0 else y))
    return np.array(cases, dtype=float)


def test_partial_sums_against_direct_sums():
    cases = [tuple(row) for row in _order3_cases(np.random.default_rng(5), 400, extreme=1000.0)]
    cases += [(a, x, y, x if a >= 0 else y) for a in (0.0, 1.0, -1.0, -2.0, 1 + 1e-9, 1 - 1e-9)
              for x, y in ((1, 1), (1, 2), (3, 5000), (700, 900))]
    arr = np.array(cases, dtype=float)
    t = partial_sums(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
    for i, (a, x, y, r) in enumerate(cases):
        exact = ref.direct_sums(a, x, y, r)
        lam = max(math.log(y / x), 1e-300)
        for j in range(3):
            scale = exact[0] * lam**j
            assert abs(t[j][i] - exact[j]) <= 1e-14 * scale, (j, a, x, y)


def test_partial_sums_order_three_against_direct_sums():
    # the third log-weighted sum feeds the Halley step of the exponent; large |1 - alpha| log(y/x)
    # take the closed forms of the integral, the others Gauss-Legendre quadrature
    arr = _order3_cases(np.random.default_rng(12), 150)
    t = partial_sums(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], order=3)
    for i, (a, x, y, r) in enumerate(arr):
        k = np.arange(x, y + 1, dtype=np.longdouble)
        ell = np.log1p((k - r) / np.longdouble(r))
        w = np.exp(-np.longdouble(a) * ell)
        lam = max(math.log(y / x), 1e-300)
        exact0 = float(np.sum(w))
        for j in range(4):
            assert abs(t[j][i] - float(np.sum(w * ell**j))) <= 1e-14 * exact0 * lam**j, (j, a, x, y)


def test_prepared_sums_serve_nearby_exponents_and_refuse_far_ones():
    arr = _order3_cases(np.random.default_rng(13), 300)
    a0, x, y = arr[:, 0], arr[:, 1], arr[:, 2]
    r = np.where(a0 < 0, y, x)
    scale = np.log(y / x)[None, :] ** np.arange(4)[:, None]  # T_j against T_0 log(y/x)^j, as above

    def close(got, want):
        assert (np.abs(got - want) <= 1e-14 * want[0] * scale).all()

    sums = Sums(a0, x, y, r, 3, slack=0.5)
    close(sums(a0, check=False), np.array(partial_sums(a0, x, y, r, order=3)))
    near = a0 + 1e-3 * np.sign(np.sin(np.arange(a0.size)))  # within every range's room
    assert (np.abs(near - a0) <= sums.room).all()
    close(sums(near), np.array(partial_sums(near, x, y, r, order=3)))
    far = a0.copy()
    far[0] += 5.0 * (1.0 + abs(a0[0]))
    assert sums(far) is None


def test_sum_scalar_matches_the_vector_sums():
    arr = _order3_cases(np.random.default_rng(14), 200)
    arr = np.vstack([arr, [[0.0, 3, 3, 3], [1.0, 1, 10**6, 1], [-2.0, 5, 9, 9], [400.0, 2, 50, 2]]])
    vec = partial_sums(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], order=0)[0]
    for i, (a, x, y, r) in enumerate(arr):
        assert math.isclose(sum_scalar(a, x, y, r), vec[i], rel_tol=2e-15)
