"""Tests of netgraph.compare: the alternatives' probabilities, their maximum-likelihood
fits, Vuong's test, the comparison of a TPL with them, and the registry of alternatives;
checked against brute-force sums, mpmath and the ``powerlaw`` package where it is exact.
Every random draw is seeded. The normalisers and the minimiser are tested in
tests/internals/test_compare_*.py."""

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from netgraph.compare import (
    ALTERNATIVES,
    Alternative,
    alternative_logpmf,
    alternative_logsf,
    compare_tpl,
    fit_alternative,
    get_alternative,
    register,
    registered_alternatives,
    unregister,
    vuong_test,
)
from netgraph.compare.normalizers import log_hurwitz
from netgraph.exceptions import FitError, InvalidParameterError, NetgraphError

from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw, fit_tpl, tpl_alpha_mle


# ---------------------------------------------------------------------- helpers
def sample_alt(name, params, xmin, n, seed, kmax=400_000):
    """Exact inverse-CDF sample of an alternative, its support cut where the mass left is < 1e-6."""
    k = np.arange(xmin, kmax)
    p = np.exp(alternative_logpmf(name, k, params, xmin))
    assert 1 - p.sum() < 1e-6  # the cut loses nothing a sample of this size could see
    c = np.cumsum(p)
    return k[np.searchsorted(c / c[-1], np.random.default_rng(seed).random(n))]


def tpl_fit_on(x, xmin, xmax):
    """A fitted-TPL look-alike on a given range: what compare_tpl reads from a fit."""
    alpha = tpl_alpha_mle(x[(x >= xmin) & (x <= xmax)], xmin, xmax)
    return SimpleNamespace(alpha_=alpha, xmin_=xmin, xmax_=xmax, distribution_=DiscreteTPL(alpha, xmin, xmax))


def total_loglik(name, x, params, xmin):
    return float(alternative_logpmf(name, x, params, xmin).sum())


# ---------------------------------------------------------------------- probabilities
@pytest.mark.parametrize("name, params, xmin, kmax", [
    ("cutoff_power_law", {"alpha": 1.5, "lambda": 0.01}, 2, 20_000),
    ("cutoff_power_law", {"alpha": -2.0, "lambda": 0.3}, 1, 2_000),
    ("cutoff_power_law", {"alpha": 0.3, "lambda": 0.05}, 5, 5_000),
    ("lognormal", {"mu": 2.0, "sigma": 1.0}, 1, 200_000),
    ("lognormal", {"mu": -3.0, "sigma": 0.8}, 1, 1_000),   # mass far below xmin
    ("lognormal", {"mu": 9.0, "sigma": 0.02}, 7000, 12_000),  # narrow, far from 1
    ("exponential", {"lambda": 0.1}, 5, 2_000),
    ("exponential", {"lambda": 3.0}, 1, 100),
])
def test_pmf_sums_to_one(name, params, xmin, kmax):
    k = np.arange(xmin, kmax)
    total = math.fsum(np.exp(alternative_logpmf(name, k, params, xmin)))
    assert total == pytest.approx(1.0, abs=1e-11)


def test_power_law_pmf_sums_to_one_with_its_tail():
    mp = pytest.importorskip("mpmath")
    k = np.arange(3, 200_000)
    head = math.fsum(np.exp(alternative_logpmf("power_law", k, {"alpha": 2.5}, 3)))
    tail = float(mp.zeta(2.5, 200_000) / mp.zeta(2.5, 3))
    assert head + tail == pytest.approx(1.0, abs=1e-13)


@pytest.mark.parametrize("name, params", [
    ("power_law", {"alpha": 2.3}),
    ("cutoff_power_law", {"alpha": 1.3, "lambda": 0.02}),
    ("lognormal", {"mu": 1.5, "sigma": 1.2}),
    ("exponential", {"lambda": 0.2}),
])
def test_logsf_is_the_sum_of_the_pmf_above(name, params):
    xmin, x = 2, 17
    k = np.arange(xmin, x)
    below = math.fsum(np.exp(alternative_logpmf(name, k, params, xmin)))
    assert math.exp(alternative_logsf(name, x, params, xmin)) == pytest.approx(1 - below, rel=1e-10)
    assert alternative_logsf(name, xmin, params, xmin) == 0.0


def test_lognormal_logpmf_has_no_underflow_in_either_tail():
    # points 40 standard deviations from mu on both sides: tiny but finite probabilities
    lp = alternative_logpmf("lognormal", [1, 2, 10**8], {"mu": 8.0, "sigma": 0.15}, 1)
    assert np.all(np.isfinite(lp)) and np.all(lp < -500)


# ---------------------------------------------------------------------- maximum likelihood
@pytest.mark.parametrize("name, params, xmin, tol", [
    ("power_law", {"alpha": 2.5}, 3, {"alpha": 0.05}),
    ("cutoff_power_law", {"alpha": 1.5, "lambda": 0.01}, 2, {"alpha": 0.05, "lambda": 0.001}),
    ("cutoff_power_law", {"alpha": -3.0, "lambda": 0.05}, 1, {"alpha": 0.2, "lambda": 0.003}),
    ("lognormal", {"mu": 2.0, "sigma": 1.0}, 1, {"mu": 0.05, "sigma": 0.03}),
    ("lognormal", {"mu": 3.0, "sigma": 0.5}, 10, {"mu": 0.05, "sigma": 0.03}),
    ("exponential", {"lambda": 0.1}, 5, {"lambda": 0.005}),
])
def test_parameters_recovered_from_synthetic_samples(name, params, xmin, tol):
    x = sample_alt(name, params, xmin, 20_000, seed=0)
    fitted, logpmf = fit_alternative(name, x, xmin)
    assert set(fitted) == set(params)
    for key, value in params.items():
        assert fitted[key] == pytest.approx(value, abs=tol[key]), key
    np.testing.assert_allclose(logpmf, alternative_logpmf(name, x, fitted, xmin), rtol=1e-13)


@pytest.mark.parametrize("name", ALTERNATIVES)
@pytest.mark.parametrize("seed", [1, 2])
def test_fit_is_a_maximum_of_the_likelihood(name, seed):
    x = sample_alt("cutoff_power_law", {"alpha": 1.8, "lambda": 0.004}, 4, 3000, seed)
    params, logpmf = fit_alternative(name, x, 4)
    best = float(logpmf.sum())
    for key in params:
        for factor in (1 - 1e-4, 1 + 1e-4):
            moved = dict(params, **{key: params[key] * factor})
            if name == "power_law" and moved["alpha"] <= 1:
                continue
            assert total_loglik(name, x, moved, 4) <= best + 1e-9, (key, factor)


def test_exact_power_law_alpha_solves_the_score_equation():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    x = sample_alt("power_law", {"alpha": 2.1}, 5, 5000, seed=3, kmax=4_000_000)
    (alpha,) = fit_alternative("power_law", x, 5).params.values()
    # d/da log zeta(a, 5) = -E[log X] must equal -mean(log x)
    dlogz = float(mp.diff(lambda a: mp.log(mp.zeta(a, 5)), alpha))
    assert -dlogz == pytest.approx(np.mean(np.log(x)), abs=1e-9)


def test_cutoff_fit_falls_back_to_the_power_law():
    # pure power-law data: the cutoff goes to zero and the fit is the power law itself
    x = sample_alt("power_law", {"alpha": 2.2}, 4, 4096, seed=3, kmax=2_000_000)
    cutoff, ll_cutoff = fit_alternative("cutoff_power_law", x, 4)
    power, ll_power = fit_alternative("power_law", x, 4)
    assert cutoff["lambda"] < 1e-6
    assert ll_cutoff.sum() >= ll_power.sum() - 1e-8
    if cutoff["lambda"] == 0:  # the exact boundary optimum: no nearby cutoff does better
        best = ll_cutoff.sum()
        for lam in (1e-7, 1e-5, 1e-3):
            for a in (cutoff["alpha"] * 0.999, cutoff["alpha"], cutoff["alpha"] * 1.001, cutoff["alpha"] - 0.05):
                assert total_loglik("cutoff_power_law", x, {"alpha": a, "lambda": lam}, 4) <= best + 1e-9


@pytest.mark.parametrize("seed, at_zero", [(27, True), (1, False)])
def test_cutoff_fit_takes_lambda_zero_exactly_when_the_data_are_heavier_than_the_power_law(seed, at_zero):
    # alpha > 2: lambda = 0 is optimal (KKT) exactly when the sample mean is at least the
    # fitted power law's mean; these two seeds fall on either side
    x = sample_alt("power_law", {"alpha": 3.8}, 1, 10_000, seed=seed, kmax=100_000)
    power, ll_power = fit_alternative("power_law", x, 1)
    cutoff, ll_cutoff = fit_alternative("cutoff_power_law", x, 1)
    a_pl = power["alpha"]
    mean_pl = math.exp(log_hurwitz(a_pl - 1, 1) - log_hurwitz(a_pl, 1))
    assert bool(x.mean() >= mean_pl) is at_zero
    assert (cutoff["lambda"] == 0.0) is at_zero
    if at_zero:
        assert cutoff["alpha"] == a_pl
    else:
        assert ll_cutoff.sum() > ll_power.sum()


def test_cutoff_fit_on_narrow_large_degrees():
    # VGG-like: 4096 degrees near 8,700 (a bump, alpha far below zero); the fit must beat the
    # exponential and the power law, and be as good as the lognormal that such a bump resembles
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(8750, 45, size=4096)).astype(np.int64)
    xmin = int(x.min())
    ll = {name: fit_alternative(name, x, xmin).logpmf.sum() for name in ALTERNATIVES}
    params = fit_alternative("cutoff_power_law", x, xmin).params
    assert params["alpha"] < -1000 and params["lambda"] > 0
    assert ll["cutoff_power_law"] > ll["power_law"] + 100
    assert ll["cutoff_power_law"] > ll["exponential"] + 100
    assert ll["cutoff_power_law"] == pytest.approx(ll["lognormal"], abs=5)


def test_exponential_estimate_is_closed_form():
    x = np.array([3, 3, 4, 6, 9])
    (lam,) = fit_alternative("exponential", x, 3).params.values()
    assert lam == pytest.approx(math.log1p(1 / np.mean(x - 3)), rel=1e-15)


# ---------------------------------------------------------------------- powerlaw, where exact
#: The alternatives that powerlaw also fits (the tests over ALTERNATIVES cover any added later).
IN_POWERLAW = ("power_law", "cutoff_power_law", "lognormal", "exponential")


@pytest.fixture(scope="module")
def powerlaw_fit():
    powerlaw = pytest.importorskip("powerlaw")
    x = sample_alt("cutoff_power_law", {"alpha": 1.7, "lambda": 0.005}, 3, 3000, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = powerlaw.Fit(x, discrete=True, xmin=3, estimate_discrete=False, verbose=False)
        dists = {
            "power_law": (fit.power_law, {"alpha": fit.power_law.alpha}),
            "exponential": (fit.exponential, {"lambda": fit.exponential.Lambda}),
            "lognormal": (fit.lognormal, {"mu": fit.lognormal.mu, "sigma": fit.lognormal.sigma}),
            "cutoff_power_law": (fit.truncated_power_law, {"alpha": fit.truncated_power_law.alpha,
                                                           "lambda": fit.truncated_power_law.Lambda}),
        }
        logliks = {name: d.loglikelihoods(x) for name, (d, _) in dists.items()}
    return SimpleNamespace(x=x, fit=fit, params={k: v[1] for k, v in dists.items()}, logliks=logliks)


@pytest.mark.parametrize("name", IN_POWERLAW)
def test_logpmf_equals_powerlaw_at_the_same_parameters(powerlaw_fit, name):
    """powerlaw's discrete normalisers are exact for these four (zeta, geometric series,
    rounded lognormal, Lerch transcendent): the same parameters give the same pmf."""
    ours = alternative_logpmf(name, powerlaw_fit.x, powerlaw_fit.params[name], 3)
    np.testing.assert_allclose(ours, powerlaw_fit.logliks[name], rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("name", IN_POWERLAW)
def test_fits_agree_with_powerlaw_and_are_at_least_as_likely(powerlaw_fit, name):
    params, logpmf = fit_alternative(name, powerlaw_fit.x, 3)
    for key, value in powerlaw_fit.params[name].items():
        assert params[key] == pytest.approx(value, rel=2e-3, abs=1e-5), key
    # powerlaw stops its numerical search earlier; ours is the maximum
    assert logpmf.sum() >= powerlaw_fit.logliks[name].sum() - 1e-8


def test_vuong_matches_powerlaw_loglikelihood_ratio(powerlaw_fit):
    from powerlaw import loglikelihood_ratio

    a, b = powerlaw_fit.logliks["power_law"], powerlaw_fit.logliks["exponential"]
    R, z, p = vuong_test(a, b)
    R_pl, p_pl = loglikelihood_ratio(a.copy(), b.copy(), nested=False)
    z_pl, _ = loglikelihood_ratio(a.copy(), b.copy(), nested=False, normalized_ratio=True)
    assert (R, z, p) == pytest.approx((R_pl, z_pl, p_pl), rel=1e-12)


def test_distribution_compare_matches_on_our_fits(powerlaw_fit):
    """powerlaw's distribution_compare("power_law", "exponential"), a non-nested pair where
    both packages are exact, against Vuong's test on our own fits of the same data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R_pl, p_pl = powerlaw_fit.fit.distribution_compare("power_law", "exponential")
    x = powerlaw_fit.x
    R, _, p = vuong_test(fit_alternative("power_law", x, 3).logpmf, fit_alternative("exponential", x, 3).logpmf)
    assert R == pytest.approx(R_pl, rel=1e-4)
    assert math.log(p) == pytest.approx(math.log(p_pl), rel=1e-3)


# ---------------------------------------------------------------------- Vuong's test
def test_vuong_by_hand():
    a = np.array([-1.0, -2.0, -1.5, -1.0])
    b = np.array([-1.5, -2.0, -2.0, -1.2])
    d = a - b
    R, z, p = vuong_test(a, b)
    assert R == pytest.approx(1.2)
    assert z == pytest.approx(d.sum() / (d.std() * 2))
    assert p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert vuong_test(b, a) == pytest.approx((-R, -z, p))


def test_vuong_degenerate_cases():
    assert vuong_test([-1.0, -2.0], [-1.0, -2.0]) == (0.0, 0.0, 1.0)
    R, z, p = vuong_test([-1.0, -2.0], [-1.5, -2.5])
    assert (R, z, p) == (1.0, math.inf, 0.0)
    with pytest.raises(InvalidParameterError, match="length"):
        vuong_test([1.0], [1.0, 2.0])
    with pytest.raises(InvalidParameterError, match="empty"):
        vuong_test([], [])
    with pytest.raises(InvalidParameterError, match="NaN"):
        vuong_test([np.nan], [1.0])


# ---------------------------------------------------------------------- comparison with the TPL
def test_tpl_data_prefer_the_tpl():
    x = DiscreteTPL(1.5, 1, 100).sample(5000, seed=11)
    res = compare_tpl(x, tpl_fit_on(x, 1, 100))
    assert list(res) == list(ALTERNATIVES)
    for name, r in res.items():
        assert r["R"] > 0 and r["p"] < 0.01 and r["preferred"] == "tpl", (name, r)
        assert r["n"] == 5000 and r["n_above_xmax"] == 0
        assert r["R"] == pytest.approx(r["loglik_tpl"] - r["loglik_alt"])


@pytest.mark.parametrize("name, params", [
    ("exponential", {"lambda": 0.3}),
    ("lognormal", {"mu": 3.0, "sigma": 0.4}),
    ("cutoff_power_law", {"alpha": 1.2, "lambda": 0.08}),
])
def test_data_from_an_alternative_prefer_it(name, params):
    x = sample_alt(name, params, 3, 4000, seed=4)
    res = compare_tpl(x, tpl_fit_on(x, 3, int(x.max())), alternatives=[name])
    r = res[name]
    assert r["R"] < 0 and r["p"] < 0.01 and r["preferred"] == name, r
    for key, value in params.items():
        assert r["alt_params"][key] == pytest.approx(value, rel=0.1)


def test_indistinguishable_models_have_no_preference():
    # a TPL whose xmax is far above the data is nearly the power law on these points
    x = sample_alt("power_law", {"alpha": 2.5}, 2, 300, seed=8)
    res = compare_tpl(x, tpl_fit_on(x, 2, 10_000), alternatives=["power_law"])
    assert 0 < res["power_law"]["R"] < 0.01
    assert res["power_law"]["p"] > 0.1 and res["power_law"]["preferred"] is None


def test_models_that_agree_on_every_point_are_the_same():
    # differences of about 1e-11 nats (below the precision of a fitted likelihood) whose
    # spread is smaller still: Vuong's ratio would be large, but the models coincide
    rng = np.random.default_rng(0)
    a = rng.normal(-3, 1, size=500)
    b = a - 2e-11 - 1e-13 * rng.random(500)
    R, z, p = vuong_test(a, b)
    assert R == pytest.approx(1e-8, rel=0.1) and (z, p) == (0.0, 1.0)


def test_only_degrees_inside_the_range_are_compared():
    x = np.concatenate([np.zeros(7, dtype=int), [1, 1, 2], DiscreteTPL(2.0, 3, 60).sample(500, seed=2), [61, 75, 80]])
    fit = tpl_fit_on(x, 3, 60)
    res = compare_tpl(x, fit, alternatives=["exponential"])["exponential"]
    inside = x[(x >= 3) & (x <= 60)]
    assert res["n"] == inside.size and res["n_above_xmax"] == 3
    assert res["loglik_tpl"] == pytest.approx(fit.distribution_.logpmf(inside).sum())
    lam = res["alt_params"]["lambda"]
    assert res["alt_mass_above_xmax"] == pytest.approx(math.exp(-lam * (61 - 3)))


def test_significance_sets_the_preference_threshold():
    x = sample_alt("exponential", {"lambda": 0.3}, 3, 4000, seed=4)
    fit = tpl_fit_on(x, 3, int(x.max()))
    p = compare_tpl(x, fit, alternatives=["exponential"])["exponential"]["p"]
    strict = compare_tpl(x, fit, alternatives=["exponential"], significance=p / 2)["exponential"]
    assert strict["preferred"] is None


def test_compare_fits_the_tpl_when_no_fit_is_given():
    x = DiscreteTPL(2.0, 5, 2000).sample(2000, seed=1)
    fit = fit_tpl(x)
    assert compare_tpl(x) == compare_tpl(x, fit)


def test_compare_accepts_the_real_fit():
    x = DiscreteTPL(2.0, 5, 2000).sample(4096, seed=3)
    fit = TruncatedPowerLaw().fit(x)
    res = compare_tpl(x, fit)
    inside = x[(x >= fit.xmin_) & (x <= fit.xmax_)]
    for r in res.values():
        assert r["n"] == inside.size == fit.n_tail_
        assert r["loglik_tpl"] == pytest.approx(fit.loglik_)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda: fit_alternative("gamma", [3, 4], 3),
     "name must be one of 'power_law', 'cutoff_power_law', 'lognormal', 'exponential'; got 'gamma'"),
    (lambda: fit_alternative("exponential", [3, 4], 0), "xmin must be an integer >= 1; got 0"),
    (lambda: fit_alternative("exponential", [3, 4], 2.5), "xmin must be an integer >= 1; got 2.5"),
    (lambda: fit_alternative("exponential", [3, 4.5], 3), r"data must be integers; data\[1\] = 4.5"),
    (lambda: fit_alternative("exponential", [3, np.nan], 3), r"data must be finite numbers; data\[1\] = nan"),
    (lambda: fit_alternative("exponential", [2, 4], 3), r"data must be >= 3; data\[0\] = 2"),
    (lambda: fit_alternative("exponential", [], 3), "empty"),
    (lambda: alternative_logpmf("power_law", [3], {"alpha": 0.9}, 3), "alpha must be a number > 1; got 0.9"),
    (lambda: alternative_logpmf("cutoff_power_law", [3], {"alpha": 0.9, "lambda": 0}, 3),
     r"alpha must be a number > 1 when lambda = 0 \(a pure power law\); got 0.9"),
    (lambda: alternative_logpmf("cutoff_power_law", [3], {"alpha": 2.0, "lambda": -0.1}, 3),
     "lambda must be a number >= 0; got -0.1"),
    (lambda: alternative_logpmf("lognormal", [3], {"mu": 1.0}, 3), "mu, sigma"),
    (lambda: alternative_logpmf("lognormal", [3], {"mu": 1.0, "sigma": 0.0}, 3), "sigma must be a number > 0; got 0.0"),
    (lambda: alternative_logpmf("exponential", [3], {"lambda": -1}, 3), "lambda must be a number > 0; got -1"),
    (lambda: alternative_logpmf("exponential", [2], {"lambda": 1.0}, 3), r"x must be >= 3; x\[0\] = 2"),
    (lambda: alternative_logsf("exponential", [3, 4], {"lambda": 1.0}, 3), r"x must be an integer; got \[3, 4\]"),
    (lambda: compare_tpl([3, 4, 5], SimpleNamespace()), "fitted TruncatedPowerLaw"),
    (lambda: compare_tpl([3, -1, 5], tpl_fit_on(np.array([3, 4, 5]), 3, 5)),
     r"degrees must be >= 0; degrees\[1\] = -1"),
    (lambda: compare_tpl([3, np.nan, 5], tpl_fit_on(np.array([3, 4, 5]), 3, 5)),
     r"degrees must be finite numbers; degrees\[1\] = nan"),
    (lambda: compare_tpl([1, 2, 2], tpl_fit_on(np.array([3, 4, 5]), 3, 5)), r"no degree lies in the fitted range \[3, 5\]"),
    (lambda: compare_tpl([3, 4, 5], tpl_fit_on(np.array([3, 4, 5]), 3, 5), alternatives=["x"]),
     r"alternatives\[0\] must be one of 'power_law', .*; got 'x'"),
    (lambda: compare_tpl([3, 4, 5], tpl_fit_on(np.array([3, 4, 5]), 3, 5), significance=1.5),
     r"significance must be a number in \(0, 1\); got 1.5"),
])
def test_bad_input_is_a_netgraph_error_naming_the_value(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()


@pytest.mark.parametrize("name", ALTERNATIVES)
def test_degenerate_data_is_a_fit_error(name):
    with pytest.raises(FitError, match="does not exist"):
        fit_alternative(name, [4, 4, 4], 4)
    assert issubclass(FitError, NetgraphError)



# ---------------------------------------------------------------------- the registry of alternatives
class ShiftedPoisson(Alternative):
    """A toy alternative, as a new one is written (docs/compare.rst): Poisson(mu) shifted to start at xmin."""

    name = "shifted_poisson"
    parameters = ("mu",)

    def fit(self, x, xmin):
        mu = float(np.mean(x)) - xmin
        if mu <= 0:
            raise self.degenerate(x)
        return (mu,)

    def logpmf(self, x, params, xmin):
        from scipy.stats import poisson

        return poisson.logpmf(x - xmin, params[0])

    def logsf(self, x, params, xmin):
        from scipy.stats import poisson

        return float(poisson.logsf(x - xmin - 1, params[0]))  # P(Y >= x - xmin) = P(Y > x - xmin - 1)


@pytest.fixture
def shifted_poisson():
    register(ShiftedPoisson)
    try:
        yield ShiftedPoisson
    finally:
        unregister("shifted_poisson")


def test_a_registered_alternative_is_compared_with_the_tpl(shifted_poisson):
    # one class and its registration: compare_tpl compares against it, by default and by name
    from scipy.stats import poisson

    x = DiscreteTPL(1.5, 1, 100).sample(2000, seed=11)
    fit = tpl_fit_on(x, 1, 100)
    res = compare_tpl(x, fit)
    assert list(res) == [*ALTERNATIVES, "shifted_poisson"]
    r = res["shifted_poisson"]
    mu = float(np.mean(x)) - 1
    assert r["alt_params"] == {"mu": pytest.approx(mu, rel=1e-15)}
    assert r["loglik_alt"] == pytest.approx(poisson.logpmf(x - 1, mu).sum(), rel=1e-12)
    assert r["R"] == pytest.approx(r["loglik_tpl"] - r["loglik_alt"])
    assert r["alt_mass_above_xmax"] == pytest.approx(poisson.sf(99, mu), rel=1e-9)  # P(X >= 101)
    assert r["preferred"] == "tpl" and r["n"] == 2000
    assert compare_tpl(x, fit, alternatives=["shifted_poisson"]) == {"shifted_poisson": r}
    assert fit_alternative("shifted_poisson", x, 1).params == r["alt_params"]
    lp = alternative_logpmf("shifted_poisson", [1, 2, 5], {"mu": 2.0}, 1)
    np.testing.assert_allclose(lp, poisson.logpmf([0, 1, 4], 2.0), rtol=1e-15)
    assert alternative_logsf("shifted_poisson", 1, {"mu": 2.0}, 1) == 0.0
    assert registered_alternatives() == (*ALTERNATIVES, "shifted_poisson")
    assert ALTERNATIVES == ("power_law", "cutoff_power_law", "lognormal", "exponential")  # a constant


def test_an_unregistered_alternative_is_gone():
    register(ShiftedPoisson)
    assert unregister("shifted_poisson") is ShiftedPoisson
    assert registered_alternatives() == ALTERNATIVES
    x = DiscreteTPL(1.5, 1, 100).sample(500, seed=2)
    with pytest.raises(InvalidParameterError, match=r"alternatives\[0\] must be one of .*; got 'shifted_poisson'"):
        compare_tpl(x, tpl_fit_on(x, 1, 100), alternatives=["shifted_poisson"])


def test_the_alternatives_of_netgraph_in_their_order():
    assert ALTERNATIVES == registered_alternatives() == ("power_law", "cutoff_power_law", "lognormal", "exponential")
    for name in ALTERNATIVES:
        alternative = get_alternative(name)
        assert isinstance(alternative, Alternative) and alternative.name == name
        assert alternative.n_params == len(alternative.parameters) == {"power_law": 1, "exponential": 1}.get(name, 2)


def test_registration_errors():
    from netgraph.compare.exponential import Exponential

    with pytest.raises(InvalidParameterError, match="the alternative 'exponential' is already registered"):
        register(Exponential)

    class Unfinished(Alternative):  # no logsf
        name = "unfinished"
        parameters = ("a",)

        def fit(self, x, xmin):
            return (1.0,)

        def logpmf(self, x, params, xmin):
            return np.zeros(len(x))

    with pytest.raises(InvalidParameterError, match="cls must be a concrete subclass of Alternative"):
        register(Unfinished)
    with pytest.raises(InvalidParameterError, match="cls must be a concrete subclass of Alternative"):
        register(dict)

    class Nameless(ShiftedPoisson):
        name = ""

    with pytest.raises(InvalidParameterError, match="Nameless.name must be a non-empty string; got ''"):
        register(Nameless)
    with pytest.raises(InvalidParameterError, match="name must be one of .*; got 'unfinished'"):
        unregister("unfinished")
    assert registered_alternatives() == ALTERNATIVES


def test_an_untruncated_fit_is_compared_on_its_whole_tail():
    """xmax = inf: the fit is the discrete power law itself, so the power-law alternative ties it exactly."""
    from netgraph.tpl import DiscreteTPL

    d = DiscreteTPL(2.0, 5, np.inf).sample(3000, seed=1)
    fit = fit_tpl(d, xmax=np.inf)
    result = compare_tpl(d, fit, alternatives=["power_law", "exponential"])
    pl = result["power_law"]
    assert pl["alt_params"]["alpha"] == pytest.approx(fit.alpha_, rel=1e-6)
    assert pl["R"] == pytest.approx(0.0, abs=1e-6) and pl["preferred"] is None
    assert pl["n"] == int((d >= fit.xmin_).sum()) and pl["n_above_xmax"] == 0 and pl["alt_mass_above_xmax"] == 0.0
    assert result["exponential"]["preferred"] == "tpl"
