"""Whole-model Clauset p-values (issue 12, part 2): :func:`netgraph.tpl.bootstrap.clauset_pvalues`
gives the p-values of the estimator's own bootstrap (today's algorithm, which computes every
replicate's distance) bit for bit, whatever the number of processes; its sequential option
(Besag & Clifford) stops early with the decision at the threshold unchanged."""

import math

import numpy as np
import pytest

from netgraph.exceptions import InvalidParameterError
from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
from netgraph.tpl._decisions import _clauset_decisions
from netgraph.tpl.bootstrap import _payload, clauset_pvalues
from netgraph.utils.seeds import child_seed, seed_sequence


def _fits():
    """Three small fitted layers: one the TPL fits, one it does not (two blocks of uniform degrees), one with ties."""
    rng = np.random.default_rng(5)
    data = [DiscreteTPL(1.7, 2, 150).sample(400, seed=2),
            np.concatenate([rng.integers(1, 30, 300), rng.integers(200, 260, 300)]),
            rng.poisson(6, 500)]
    return [TruncatedPowerLaw(seed=10 + i, progress=False).fit(d) for i, d in enumerate(data)]


@pytest.fixture(scope="module")
def fits():
    return _fits()


@pytest.fixture(scope="module")
def reference(fits):
    """Today's path: every replicate's distance, then the fraction at least the observed one."""
    return [est.goodness_of_fit(60, progress=False) for est in fits]


def test_decisions_are_those_of_the_distances(fits):
    for est in fits:
        ss = seed_sequence(est.seed)
        seeds = [child_seed(ss, 0, i) for i in range(30)]
        ks = TruncatedPowerLaw(bootstrap=30, seed=est.seed, progress=False).fit(est._sample.sorted).bootstrap_ks_
        codes = _clauset_decisions(_payload(est), seeds)
        np.testing.assert_array_equal(np.isnan(codes), np.isnan(ks))
        ok = ~np.isnan(ks)
        np.testing.assert_array_equal(codes[ok] == 1.0, ks[ok] >= est.ks_)


@pytest.mark.parametrize("n, alpha, high, seed, k", [(133, 2.44525762764591, 463, 394301849, 0.5),
                                                    (63, 1.525517446524156, 2278, 964976802, 0.5),
                                                    (109, 2.1826345592247662, 216, 670717337, 0.1)])
def test_decisions_on_sparse_candidate_grids(n, alpha, high, seed, k):
    """min_distinct=10 leaves few candidate pairs: for these fits (found by a seeded search)
    some replicates have no candidate in the windows around the fitted range and its hints;
    they are decided by the bounds instead (no witness), as the estimator's own bootstrap
    does. (Such a replicate once ended the whole chunk with a ValueError.)"""
    d = DiscreteTPL(alpha, 1, high).sample(n, seed=seed)
    est = TruncatedPowerLaw(k=k, min_distinct=10, seed=3, progress=False).fit(d)
    ss = seed_sequence(est.seed)
    seeds = [child_seed(ss, 0, i) for i in range(25)]
    ks = TruncatedPowerLaw(k=k, min_distinct=10, bootstrap=25, seed=3, progress=False).fit(d).bootstrap_ks_
    codes = _clauset_decisions(_payload(est), seeds)
    np.testing.assert_array_equal(np.isnan(codes), np.isnan(ks))
    ok = ~np.isnan(ks)
    np.testing.assert_array_equal(codes[ok] == 1.0, ks[ok] >= est.ks_)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_same_p_values_as_the_estimator(fits, reference, n_jobs):
    results = clauset_pvalues(fits, 60, n_jobs=n_jobs, progress=False)
    assert [r["p_value"] for r in results] == reference  # bit for bit
    assert [r["replicates"] for r in results] == [60, 60, 60]
    assert not any(r["stopped_early"] for r in results)
    for r in results:
        p = r["p_value"]
        assert r["mc_error"] == pytest.approx(math.sqrt(p * (1 - p) / (60 - r["unfitted"])))
    assert 0.0 < reference[0] and reference[1] == 0.0  # the fits cover both outcomes


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_sequential(fits, n_jobs):
    full = clauset_pvalues(fits, 200, progress=False)
    seq = clauset_pvalues(fits, 200, n_jobs=n_jobs, sequential=True, threshold=0.1, h=10, progress=False)
    for f, s in zip(full, seq):
        assert (s["p_value"] > 0.1) == (f["p_value"] > 0.1)  # the decision at the threshold
    est = fits[0]
    ss = seed_sequence(est.seed)
    codes = _clauset_decisions(_payload(est), [child_seed(ss, 0, i) for i in range(200)])
    # by hand: the first L replicates with 10 exceedances (or the decision settled before)
    e = np.cumsum(codes == 1.0)
    stop = int(np.argmax(e >= 10)) + 1 if e[-1] >= 10 else 200
    for m in range(1, stop + 1):  # an earlier settled decision stops there
        rest = 200 - m
        if e[m - 1] / 200 > 0.1 or (e[m - 1] + rest) / 200 <= 0.1:
            stop = m
            break
    assert seq[0]["replicates"] == stop and seq[0]["stopped_early"] == (stop < 200)
    assert seq[0]["p_value"] == e[stop - 1] / stop
    assert seq[1]["replicates"] > 150  # p = 0: nothing stops it before the decision is settled
    assert seq == clauset_pvalues(fits, 200, n_jobs=3 - n_jobs, sequential=True, progress=False)


def test_bad_input(fits):
    with pytest.raises(InvalidParameterError, match="rule 'ks'"):
        clauset_pvalues([TruncatedPowerLaw(rule="deluca-corral", range_bootstrap=5).fit(fits[0]._sample.sorted)], 10)
    with pytest.raises(InvalidParameterError, match="rule 'ks'"):
        clauset_pvalues([TruncatedPowerLaw()], 10)
    with pytest.raises(InvalidParameterError, match="n_bootstrap"):
        clauset_pvalues(fits, 0)


def test_fast_bounds_are_lower_bounds(fits):
    """The closed-form bounds of the decisions never exceed the exact distances (checked on every
    candidate range of data with small degrees, where they are loose, and large ones, where they
    are tight)."""
    from netgraph.tpl._decisions import _ks_lower_fast, _Prepared
    from netgraph.tpl.ks import _Sample

    large = DiscreteTPL(0.8, 300_000, 340_000).sample(300, seed=4)
    for d in [est._sample.sorted for est in fits] + [large]:
        s = _Prepared(_Sample(d), 0.3)
        exact = s.exact(np.arange(s.candidates))
        for nq in (4, 16, 64):
            lb = _ks_lower_fast(s.sample, s.ia, s.ib, s.alpha, s.a, s.b, nq)
            assert np.all(lb >= 0) and np.all(lb <= exact + 1e-12)
        if d is large:
            assert np.median(lb / exact) > 0.9  # tight on large degrees


def test_mean_log_bounds_hold():
    """The closed-form bounds of E_alpha[log(X / a)] bracket the value summed term by term."""
    from netgraph.tpl._decisions import _mean_log_bounds

    cases = [(2.5, 3, 40), (1.0, 10, 500), (0.999, 10, 500), (-3.0, 20, 90), (40.0, 300_000, 315_000),
             (-40.0, 300_000, 315_000), (0.0, 5, 6), (7.0, 1, 3)]
    for alpha, a, b in cases:
        k = np.arange(a, b + 1, dtype=float)
        lk = np.log(k / a)
        w = np.exp(-alpha * (lk - (lk[-1] if alpha < 0 else 0.0)))
        exact = float((w * lk).sum() / w.sum())
        lo, hi = _mean_log_bounds(np.array([alpha]), np.array([float(a)]), np.array([float(b)]),
                                  np.array([math.log(b / a)]))
        assert lo[0] <= exact <= hi[0], (alpha, a, b, lo, exact, hi)
        if a >= 300_000:
            assert hi[0] - lo[0] < 1e-7 * exact  # tight on large degrees (the rounding allowance is 1e-9)
