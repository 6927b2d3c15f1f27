"""Tests of netgraph.compare.normalizers: the normalisers of the alternatives against
brute-force sums, mpmath's Lerch transcendent and Hurwitz zeta, and scipy's quadrature."""

import math

import numpy as np
import pytest

from netgraph.compare.normalizers import (
    log_cutoff_sum,
    log_hurwitz,
    log_ndtr_diff,
    log_scaled_integral,
    log_sf_normal,
    logsumexp,
)


def brute_log_sum(alpha, lam, x0, terms):
    ks = np.arange(x0, x0 + terms, dtype=float)
    v = -alpha * np.log(ks) - lam * ks
    m = v.max()
    return m + math.log(math.fsum(np.exp(v - m)))


@pytest.mark.parametrize("alpha, lam, x0", [
    (2.5, 0.001, 1),        # Euler-Maclaurin tail
    (1.2, 0.0005, 7),
    (0.5, 0.002, 3),        # alpha < 1 is fine with a cutoff
    (-3.0, 0.0015, 1),      # increasing, then cut off
    (3.0, 0.5, 1),          # direct sum
    (-5.0, 0.2, 10),
    (1.5, 0.019, 2),        # both routes possible
    (1.5, 0.021, 2),
    (-40.0, 0.011, 1000),   # a narrow bump, far from 1
    (6.9, 0.0646, 55_821),  # mpmath's lerchphi is wrong here (1e-11); the plain sum is not
])
def test_cutoff_normaliser_matches_brute_force(alpha, lam, x0):
    # the brute-force sum runs until the terms are below 1e-40 of the first
    terms = int(min(3_000_000, 120 / lam + 40 * abs(alpha) / lam + 10))
    assert log_cutoff_sum(alpha, lam, x0) == pytest.approx(brute_log_sum(alpha, lam, x0, terms), abs=1e-12)


def test_cutoff_normaliser_matches_mpmath_lerchphi():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    rng = np.random.default_rng(7)
    for _ in range(25):
        alpha = rng.uniform(-5, 5)
        lam = 10 ** rng.uniform(-6, 0)
        x0 = int(10 ** rng.uniform(0, 3))
        ref = float(mp.log(mp.exp(-lam * x0) * mp.lerchphi(mp.exp(-lam), alpha, x0)))
        assert log_cutoff_sum(alpha, lam, x0) == pytest.approx(ref, rel=1e-12, abs=1e-12), (alpha, lam, x0)


def test_cutoff_normaliser_diverges_without_a_cutoff_for_alpha_at_most_one():
    assert log_cutoff_sum(1.0, 0.0, 3) == math.inf
    assert log_cutoff_sum(0.5, 0.0, 1) == math.inf


@pytest.mark.parametrize("alpha, x0", [(2.0, 1), (1.05, 3), (3.5, 1000), (60.0, 10**6), (2.2, 10**7)])
def test_power_law_normaliser_is_the_hurwitz_zeta(alpha, x0):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    ref = float(mp.log(mp.zeta(alpha, x0)))
    assert log_hurwitz(alpha, x0) == pytest.approx(ref, rel=1e-13, abs=1e-13)
    # the log-space sum (used where scipy's zeta underflows) agrees too
    assert log_cutoff_sum(alpha, 0.0, x0) == pytest.approx(ref, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("a, z", [(2.5, 0.3), (1.5, 3.0), (-4.0, 0.5), (0.0, 2.0), (-50.0, 0.01), (30.0, 1e-3)])
def test_scaled_integral_matches_mpmath_quadrature(a, z):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    mode = max(0.0, -a / z - 1.0)  # where (1 + u)**-a e**(-z u) peaks
    points = [0, mode, 2 * mode + 10 / z, mp.inf] if mode > 0 else [0, 10 / z, mp.inf]
    ref = mp.log(mp.quad(lambda u: (1 + u) ** -a * mp.exp(-z * u), points))
    assert log_scaled_integral(a, z) == pytest.approx(float(ref), rel=1e-11, abs=1e-11)
    if a > 1:  # z -> 0: the integral of (1 + u)**-a
        assert log_scaled_integral(a, 0.0) == pytest.approx(-math.log(a - 1), rel=1e-15)


def test_normal_probabilities_in_both_tails_match_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    lo = np.array([-41.0, -3.0, -0.5, 2.0, 39.0])
    hi = np.array([-40.0, -2.0, 0.5, 2.5, 39.5])
    ours = log_ndtr_diff(lo, hi)
    for o, a, b in zip(ours, lo, hi):
        # in the lower tail directly, in the upper one by symmetry: no 1 - 1 at either end
        ref = mp.log(mp.ncdf(b) - mp.ncdf(a) if a < 0 else mp.ncdf(-a) - mp.ncdf(-b))
        assert o == pytest.approx(float(ref), rel=1e-12)
    assert log_sf_normal(38.0) == pytest.approx(float(mp.log(mp.ncdf(-38))), rel=1e-12)


def test_logsumexp_is_stable():
    assert logsumexp(np.array([-1e4, -1e4])) == pytest.approx(-1e4 + math.log(2), rel=1e-15)
    assert logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    assert logsumexp(np.array([1.0, np.inf])) == np.inf
