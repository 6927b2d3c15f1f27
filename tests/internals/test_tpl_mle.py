"""Tests of the maximum-likelihood solvers (netgraph.tpl.mle, private parts).

The continuous starting guess against Newton's method on the continuous model; the
direct (table) solver against brentq on direct sums (``tpl_reference.alpha_mle``) and
against the general solver, its second pass and its budget.
"""

import math

import numpy as np
import pytest
import tpl_reference as ref

import netgraph.tpl.search
from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
from netgraph.tpl.ks import _Sample
from netgraph.tpl.mle import _alpha_guess, _solve_alpha_direct
from netgraph.tpl.search import _Search


def test_alpha_guess_is_the_continuous_exponent():
    # the tabulated inverse against Newton's method on the continuous model
    rng = np.random.default_rng(17)
    a = rng.integers(1, 1000, 500).astype(float)
    b = a + rng.integers(3, 10**5, 500)
    alpha = rng.uniform(-5, 5, 500)
    a2, b2 = a - 0.5, b + 0.5
    lam = np.log(b2 / a2)
    c = (1.0 - alpha) * lam  # log X / lam on [a2, b2] has the density ~ exp(c s) on [0, 1]
    mean = (1.0 / -np.expm1(-c) - 1.0 / c) * lam - np.log(a / a2)
    got = _alpha_guess(mean, a, b)
    assert np.abs((got - alpha) * lam).max() < 1e-5


# ------------------------------------------------------------------------ the direct solver
def _direct_datasets():
    rng = np.random.default_rng(18)
    return {
        "tpl-2": DiscreteTPL(2.0, 5, 2000).sample(3000, seed=2),
        "tpl-near-1": DiscreteTPL(0.95, 2, 300).sample(800, seed=3),
        "binomial": rng.binomial(200, 0.3, 1500),  # a hump: negative and large exponents
        "tpl-xmin-1": DiscreteTPL(3.5, 1, 60).sample(500, seed=0),  # a poor first guess
        "geometric": rng.geometric(0.04, 2000),
    }


@pytest.mark.parametrize("name", list(_direct_datasets()))
def test_direct_solver_against_brentq_and_direct_sums(name):
    # the exponents of the table solver against brentq on direct sums (the reference),
    # its normalisers against direct sums in extended precision
    x = _direct_datasets()[name]
    s = _Search(_Sample(x), 0.3)
    out = _solve_alpha_direct(s._low, s._row, s._high, s._col, s.b, s.mrel, s.lam, 10**9)
    alpha, z, served = out
    if name != "tpl-xmin-1":
        assert served.all()
    rng = np.random.default_rng(19)
    pick = np.flatnonzero(served)
    pick = rng.choice(pick, min(25, pick.size), replace=False)
    xs = np.sort(x)
    for i in pick:
        a, b = int(s.a[i]), int(s.b[i])
        inside = xs[(xs >= a) & (xs <= b)]
        want = ref.alpha_mle(inside, a, b)
        assert abs(alpha[i] - want) <= 1e-11 * (1.0 + abs(want)), (a, b)
        k = np.arange(a, b + 1, dtype=np.longdouble)
        zz = float(np.sum(np.exp(-np.longdouble(alpha[i]) * np.log1p((k - a) / np.longdouble(a)))))
        assert math.isclose(z[i], zz, rel_tol=1e-14), (a, b)


def test_direct_solver_leaves_far_ranges_to_a_second_pass():
    # xmin = 1: the continuous guess is far off, the first pass leaves ranges out of its
    # centres' reach; the search re-centres them (or hands them to the general solver)
    x = _direct_datasets()["tpl-xmin-1"]
    s = _Search(_Sample(x), 0.3)
    _, _, served = _solve_alpha_direct(s._low, s._row, s._high, s._col, s.b, s.mrel, s.lam, 10**9)
    assert not served.all()
    xs = np.sort(x)
    for i in range(s.candidates):
        a, b = int(s.a[i]), int(s.b[i])
        want = ref.alpha_mle(xs[(xs >= a) & (xs <= b)], a, b)
        assert abs(s.alpha[i] - want) <= 1e-11 * (1.0 + abs(want))


@pytest.mark.parametrize("name", list(_direct_datasets()))
def test_search_is_the_same_with_either_solver(name, monkeypatch):
    x = _direct_datasets()[name]
    fast = TruncatedPowerLaw().fit(x)
    monkeypatch.setattr(netgraph.tpl.search, "_DIRECT_CELLS", -(10**18))  # no table fits the budget
    general = TruncatedPowerLaw().fit(x)
    assert (fast.xmin_, fast.xmax_) == (general.xmin_, general.xmax_)
    np.testing.assert_allclose(fast._search.alpha, general._search.alpha, rtol=1e-12, atol=1e-12)
    assert abs(fast.ks_ - general.ks_) < 1e-12
    assert not np.isnan(fast._search._z).any()


def test_direct_solver_refuses_tables_over_budget():
    s = _Search(_Sample(DiscreteTPL(2.0, 5, 2000).sample(3000, seed=2)), 0.3)
    assert _solve_alpha_direct(s._low, s._row, s._high, s._col, s.b, s.mrel, s.lam, 1000) is None
