"""Clauset's full search and the untruncated discrete power law (issue 12).

Checked against Clauset, Shalizi & Newman's published discrete results on the data the
``powerlaw`` package ships, against ``powerlaw.Fit(discrete=True, estimate_discrete=False)``
on every integer-valued data set there, and against a brute-force reference
(tests/tpl_reference.py: scipy's Hurwitz zeta, bounded likelihood maximisation, the KS
distance at every integer).
"""

from __future__ import annotations

import math
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.special import zeta

import tpl_reference as ref
from netgraph.exceptions import FitError, InvalidParameterError
from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
from netgraph.tpl.search import _candidate_pairs, _low_candidates, _Space
from netgraph.tpl.ks import _Sample
from netgraph.tpl.untruncated import _zeta_sums

#: The integer-valued data sets shipped with powerlaw (the others have fractional values).
DISCRETE = ("words", "terrorism", "blackouts", "flares", "cities")


def _powerlaw_data(name):
    try:
        import powerlaw
    except ImportError:
        pytest.skip("the powerlaw package is not installed")
    path = Path(powerlaw.__file__).parent / "reference_data" / f"{name}.txt"
    if not path.exists():
        pytest.skip(f"powerlaw does not ship {path.name} in this installation")
    x = np.genfromtxt(path)
    assert np.all(x == np.round(x))
    return x


# ---------------------------------------------------------------- the readings of k
def test_readings_by_hand():
    # n = 10 degrees, 6 distinct positive values: 1 1 1 1 2 2 3 5 8 13
    d = [1, 1, 1, 1, 2, 2, 3, 5, 8, 13]
    assert ref.candidates(d, 0.3, "order") == ([1], [5, 8, 13])  # 3 smallest degrees: all 1
    assert ref.candidates(d, 0.5, "distinct") == ([1, 2, 3], [5, 8, 13])  # floor(6 * 0.5) = 3
    assert ref.candidates(d, 1.0, "order") == ([1, 2, 3, 5, 8, 13], [1, 2, 3, 5, 8, 13])
    for reading in ("order", "distinct"):
        for k in (0.3, 0.5, 1.0):
            ia, ib, a, b, _, _ = _candidate_pairs(_Sample(np.array(d)), _Space(k, reading))
            low, high = ref.candidates(d, k, reading)
            pairs = {(x, y) for x in low for y in high if x < y and len({v for v in d if x <= v <= y}) >= 3}
            assert set(zip(a.astype(int).tolist(), b.astype(int).tolist())) == pairs


def test_words_search_space():
    # 18,855 values, 272 distinct, 9,161 ones: order statistics leave xmin in {1} at k = 0.3
    # and {1, 2} at k = 0.5; the distinct reading searches the 81 smallest distinct values
    x = _powerlaw_data("words").astype(np.int64)
    s = _Sample(x)
    assert s.u.size == 272 and int((x == 1).sum()) == 9161
    assert _low_candidates(s, 0.3, "order").tolist() == [1]
    assert _low_candidates(s, 0.5, "order").tolist() == [1, 2]
    assert _low_candidates(s, 0.3, "distinct").tolist() == s.u[:81].tolist()
    _, _, a, _, _, _ = _candidate_pairs(s, _Space(0.3, "distinct"))
    assert int(a.max()) == int(s.u[math.floor(272 * 0.3) - 1])


@pytest.mark.parametrize("reading", ["order", "distinct"])
@pytest.mark.parametrize("k", [0.3, 0.7, 1.0])
def test_search_matches_reference(reading, k):
    rng = np.random.default_rng(11)
    for trial in range(3):
        d = ref.random_degrees(["tpl", "lognormal", "geometric"][trial], 150 if k < 0.5 else 60, rng, seed=trial)
        fit = TruncatedPowerLaw(k=k, k_reading=reading).fit(d)
        best, table = ref.search(d, k, reading=reading)
        assert fit.candidates_ == len(table)
        assert (fit.xmin_, fit.xmax_) == (best["xmin"], best["xmax"])
        assert fit.alpha_ == pytest.approx(best["alpha"], rel=1e-9, abs=1e-9)
        assert fit.ks_ == pytest.approx(best["ks"], abs=1e-10)


def test_default_reading_unchanged():
    d = DiscreteTPL(2.0, 5, 2000).sample(4096, seed=42)
    a = TruncatedPowerLaw(k=0.3).fit(d)
    b = TruncatedPowerLaw(k=0.3, k_reading="order").fit(d)
    assert (a.xmin_, a.xmax_, a.alpha_, a.candidates_) == (b.xmin_, b.xmax_, b.alpha_, b.candidates_) == \
        (5, 18, a.alpha_, 452)


@pytest.mark.parametrize("kw, match", [({"k_reading": "rank"}, "k_reading"), ({"k": 1.5}, "k must be"),
                                       ({"min_ratio": 0.5}, "min_ratio"), ({"min_distinct": 2}, "min_distinct"),
                                       ({"xmax": np.inf, "rule": "deluca-corral"}, "untruncated"),
                                       ({"xmax": np.inf, "bootstrap": 5, "method": "deluca-corral"}, "untruncated")])
def test_bad_parameters(kw, match):
    with pytest.raises(InvalidParameterError, match=match):
        TruncatedPowerLaw(**kw)


def test_space_pickles():
    s = pickle.loads(pickle.dumps(_Space(0.4, "distinct", 10.0, 5)))
    assert (float(s), s.reading, s.min_ratio, s.min_distinct) == (0.4, "distinct", 10.0, 5)


# ---------------------------------------------------------------- the untruncated law
@pytest.mark.parametrize("alpha", [1.05, 1.5, 2.0, 2.5, 4.0, 10.0])
@pytest.mark.parametrize("a", [1, 3, 40, 1000])
def test_zeta_sums(alpha, a):
    # T_j = sum_{k >= a} (k/a)^-alpha log(k/a)^j from the Hurwitz zeta function and its
    # derivatives in extended precision (mpmath): T_0 = a^alpha zeta(alpha, a),
    # T_1 = a^alpha (Z_1 - L Z_0), T_2 = a^alpha (Z_2 - 2 L Z_1 + L^2 Z_0), Z_j = (-d/dalpha)^j zeta
    mpmath = pytest.importorskip("mpmath")
    t = [v[0] for v in _zeta_sums(np.array([alpha]), np.array([float(a)]), order=2)]
    with mpmath.workdps(30):
        z = [mpmath.zeta(alpha, a, derivative=j) * (-1) ** j for j in range(3)]
        lg = mpmath.log(a)
        want = [z[0], z[1] - lg * z[0], z[2] - 2 * lg * z[1] + lg**2 * z[0]]
        want = [float(w * mpmath.mpf(a) ** alpha) for w in want]
    assert t[0] == pytest.approx(zeta(alpha, a) * float(a) ** alpha, rel=1e-12)
    assert t == pytest.approx(want, rel=1e-11)


def test_distribution_untruncated():
    d = DiscreteTPL(2.5, 3, np.inf)
    z = zeta(2.5, 3)
    assert d.normalizer == pytest.approx(z, rel=1e-13)
    x = np.array([3, 4, 10, 1000])
    assert d.pmf(x) == pytest.approx(x**-2.5 / z, rel=1e-13)
    assert d.ccdf(x) == pytest.approx(zeta(2.5, x) / z, rel=1e-12)
    assert d.cdf(x) == pytest.approx(1 - zeta(2.5, x + 1) / z, rel=1e-12)
    assert d.loglik([3, 4, 4]) == pytest.approx(-2.5 * np.log([3, 4, 4]).sum() - 3 * math.log(z), rel=1e-13)
    with pytest.raises(InvalidParameterError, match="alpha > 1"):
        DiscreteTPL(1.0, 1, np.inf)
    with pytest.raises(InvalidParameterError, match="infinite support"):
        d.support


def test_sampler_untruncated():
    # frequencies of 200,000 draws against the pmf (5 standard errors), and the far tail
    # (values beyond the sampler's table of 2**16 integers) against the CCDF
    d = DiscreteTPL(1.8, 2, np.inf)
    x = d.sample(200_000, seed=3)
    assert x.min() == 2
    for v in (2, 3, 5, 20):
        p = d.pmf(v)
        assert abs(np.mean(x == v) - p) < 5 * math.sqrt(p * (1 - p) / x.size)
    far = 2 + (1 << 16)
    p = d.ccdf(far)
    assert abs(np.mean(x >= far) - p) < 5 * math.sqrt(p / x.size)
    assert np.array_equal(d.sample(100, seed=3), DiscreteTPL(1.8, 2, np.inf).sample(100, seed=3))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_untruncated_search_matches_reference(seed):
    rng = np.random.default_rng(seed)
    d = np.concatenate([DiscreteTPL(rng.uniform(1.7, 2.8), int(rng.integers(2, 6)), np.inf).sample(300, seed=seed),
                        rng.integers(1, 4, 100)])
    fit = TruncatedPowerLaw(k=1, xmax=np.inf).fit(d)
    best, table = ref.search_untruncated(d)
    assert fit.candidates_ == len(table)
    assert fit.xmin_ == best["xmin"] and fit.xmax_ == math.inf
    assert fit.alpha_ == pytest.approx(best["alpha"], rel=1e-8)
    assert fit.ks_ == pytest.approx(best["ks"], abs=1e-9)
    # every candidate's exponent and distance, not only the chosen one
    search = fit._search
    search.exact(np.arange(search.candidates))
    for i, row in enumerate(table):
        assert search.a[i] == row["xmin"]
        assert search.alpha[i] == pytest.approx(row["alpha"], rel=1e-8)
        assert search.ks[i] == pytest.approx(row["ks"], abs=1e-9)


def test_untruncated_fixed_xmin_and_results():
    d = DiscreteTPL(2.2, 4, np.inf).sample(3000, seed=5)
    fit = TruncatedPowerLaw(xmin=4, xmax=np.inf).fit(d)
    assert fit.candidates_ == 1
    assert fit.alpha_ == pytest.approx(ref.alpha_mle_untruncated(d, 4), rel=1e-8)
    assert fit.loglik_ == pytest.approx(DiscreteTPL(fit.alpha_, 4, np.inf).loglik(d), rel=1e-12)
    out = fit.to_dict()
    assert out["xmax"] is None and out["ks_choice"]["xmax"] is None
    assert fit.summary() == f"power law, alpha = {fit.alpha_:.3g} on [4, inf) (3000 of 3000 degrees, KS {fit.ks_:.2g})."


def test_untruncated_bootstrap():
    d = DiscreteTPL(2.3, 3, np.inf).sample(400, seed=8)
    fit = TruncatedPowerLaw(k=1, xmax=np.inf, bootstrap=20, seed=4).fit(d)
    again = TruncatedPowerLaw(k=1, xmax=np.inf, bootstrap=20, seed=4).fit(d)
    assert 0.0 <= fit.p_value_ <= 1.0
    assert fit.p_value_ == again.p_value_
    assert np.array_equal(fit.bootstrap_ks_, again.bootstrap_ks_)
    assert np.all(np.isfinite(fit.bootstrap_ks_))
    # data drawn from the law itself is not rejected
    assert fit.p_value_ > 0.1


def test_untruncated_errors():
    with pytest.raises(FitError, match="distinct"):
        TruncatedPowerLaw(xmin=5, xmax=np.inf).fit([1, 2, 5, 5, 6])


# ---------------------------------------------------------------- Clauset's and powerlaw's results
@pytest.mark.parametrize("name, alpha, xmin", [("words", 1.95, 7), ("terrorism", 2.4, 12)])
def test_clauset_published(name, alpha, xmin):
    # Clauset, Shalizi & Newman (2009), Table 6.1, within powerlaw's own test tolerance (relative 0.1)
    x = _powerlaw_data(name).astype(np.int64)
    fit = TruncatedPowerLaw(k=1, xmax=np.inf).fit(x)
    assert fit.xmin_ == pytest.approx(xmin, rel=0.1)
    assert fit.alpha_ == pytest.approx(alpha, rel=0.1)


@pytest.mark.parametrize("name", ["words", "terrorism", "blackouts", "flares"])
def test_powerlaw_live(name):
    import powerlaw  # noqa: F401 (skips through _powerlaw_data)

    x = _powerlaw_data(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = powerlaw.Fit(x, discrete=True, estimate_discrete=False, verbose=False)
    fit = TruncatedPowerLaw(k=1, xmax=np.inf).fit(x.astype(np.int64))
    assert fit.xmin_ == theirs.xmin
    assert fit.alpha_ == pytest.approx(theirs.power_law.alpha, rel=1e-5)
    assert fit.ks_ == pytest.approx(theirs.power_law.D, rel=0.05)


@pytest.mark.slow
def test_powerlaw_cities():
    # powerlaw's KS distance is taken at the observed values, ours at every integer
    # (Clauset et al.'s definition): on cities (7,744 distinct values) the two pick xmin
    # 52,457 (theirs) and 52,648 (ours), 0.4 % apart, with exponents within 0.2 %.
    import powerlaw  # noqa: F401

    x = _powerlaw_data("cities")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = powerlaw.Fit(x, discrete=True, estimate_discrete=False, verbose=False)
    fit = TruncatedPowerLaw(k=1, xmax=np.inf).fit(x.astype(np.int64))
    assert fit.xmin_ == pytest.approx(theirs.xmin, rel=0.01)
    assert fit.alpha_ == pytest.approx(theirs.power_law.alpha, rel=0.01)
    # at powerlaw's xmin our exponent is theirs
    at = TruncatedPowerLaw(xmin=int(theirs.xmin), xmax=np.inf).fit(x.astype(np.int64))
    assert at.alpha_ == pytest.approx(theirs.power_law.alpha, rel=1e-5)
