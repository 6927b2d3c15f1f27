"""The closed-form bounds of the replicate decisions (netgraph/tpl/_decisions.py, issue 12):
checked against brute force on seeded samples. A bound above the exact value would change a
p-value; ``tests/test_bootstrap.py`` checks the p-values themselves."""

import numpy as np
import pytest

from netgraph.tpl import DiscreteTPL
from netgraph.tpl import _decisions as dec
from netgraph.tpl._witnesses import near_pairs
from netgraph.tpl.ks import _ks_exact_pairs, _Sample
from netgraph.tpl.mle import _alpha_guess
from netgraph.tpl.search import _candidate_pairs


def test_sum_bounds_bracket_the_sum():
    """_sum_bounds and _sum_both (the same arithmetic, one exp and one expm1 per entry): the
    lower bound of sum_{k=x}^{y} (k/r)^-alpha is at most, the upper bound at least, the sum
    added up term by term, for exponents of both signs and both scales r in {x, y}."""
    rng = np.random.default_rng(0)
    for _ in range(400):
        alpha = float(rng.uniform(-1.5, 4.0))
        x = int(rng.integers(1, 200))
        y = x + int(rng.integers(0, 3000))
        r = float(x if alpha >= 0 else y)
        k = np.arange(x, y + 1, dtype=float)
        exact = float(np.sum((k / r) ** -alpha))
        args = (np.array([alpha]), np.array([float(x)]), np.array([float(y)]))
        logs = (np.log(np.array([x / r])), np.log(np.array([y / r])))
        lo, hi, fx = dec._sum_bounds(*args, r, *logs)
        assert fx[0] == pytest.approx((x / r) ** -alpha, rel=1e-12)
        assert lo[0] <= exact * (1 + 1e-12) and hi[0] >= exact * (1 - 1e-12), (alpha, x, y)
        lo2, hi2, fx2 = dec._sum_both(*args, *logs)
        assert (lo2[0], hi2[0], fx2[0]) == pytest.approx((lo[0], hi[0], fx[0]), rel=1e-12)  # the same bounds


def _sample_pairs(seed, n=400, size=300):
    rng = np.random.default_rng(seed)
    data = DiscreteTPL(1.6, 2, 400).sample(n, seed=seed)
    sample = _Sample(np.sort(data))
    ia, ib, a, b, _, _ = _candidate_pairs(sample, 1.0)
    pick = np.sort(rng.choice(ia.size, size=min(size, ia.size), replace=False))
    return sample, ia[pick], ib[pick], a[pick], b[pick]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("nq", [2, 8, 64])
def test_bracketed_lower_bound_never_exceeds_exact(seed, nq, monkeypatch):
    """_ks_lower_fast with an exponent bracket [lo, hi]: never above the exact KS distance of
    the range at any exponent of the bracket (brute force at 5 exponents across it), in one
    chunk or in many (the same values)."""
    sample, ia, ib, a, b = _sample_pairs(seed)
    n_tail = sample.cum[ib + 1] - sample.cum[ia]
    u0 = sample.uf[0]
    mrel = (sample.cumlog[ib + 1] - sample.cumlog[ia]) / n_tail - np.log1p((a - u0) / u0)
    guess = _alpha_guess(mrel, a, b)
    for width in (1e-5, 1e-2, 0.3):
        delta = width * (1.0 + np.abs(guess))
        lo, hi = guess - delta, guess + delta
        bound = dec._ks_lower_fast(sample, ia, ib, lo, a, b, nq, alpha_hi=hi)
        z = dec._z_bounds(lo, hi, a, b)
        assert np.array_equal(bound, dec._ks_lower_fast(sample, ia, ib, lo, a, b, nq, alpha_hi=hi, z=z))
        monkeypatch.setattr(dec, "_CHUNK", 7 * nq)
        assert np.array_equal(bound, dec._ks_lower_fast(sample, ia, ib, lo, a, b, nq, alpha_hi=hi))
        monkeypatch.undo()
        assert np.all(bound >= 0.0)
        assert np.any(bound > 0.0)
        for t in np.linspace(0.0, 1.0, 5):
            exact = _ks_exact_pairs(sample, ia, ib, lo + t * (hi - lo), a, b)
            assert np.all(bound <= exact + 1e-12), (width, t, float(np.max(bound - exact)))


@pytest.mark.parametrize("seed", [4, 5])
def test_point_lower_bound_never_exceeds_exact(seed):
    """_ks_lower_fast at one exponent per range (no bracket): at most the exact distance."""
    sample, ia, ib, a, b = _sample_pairs(seed)
    rng = np.random.default_rng(seed)
    alpha = rng.uniform(-0.5, 3.0, ia.size)
    for nq in (4, 16, 64):
        bound = dec._ks_lower_fast(sample, ia, ib, alpha, a, b, nq)
        assert np.all(bound <= _ks_exact_pairs(sample, ia, ib, alpha, a, b) + 1e-12)


def test_sum_both_and_z_bounds_bracket_the_sums():
    """_sum_both: lower and upper bounds of sum_{k=x}^{y} (k/r)^-alpha around the sum added up
    term by term; _z_bounds: its lower bound at the low end of an exponent bracket is below the
    normalisation there, its upper bound at the high end above the normalisation there (the
    upper bound at the low end times the largest (k/r)^-(alpha_hi - alpha))."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        alpha = float(rng.uniform(-3.0, 5.0))
        width = float(rng.choice([1e-5, 1e-2, 0.3])) * (1.0 + abs(alpha))
        a = int(rng.integers(1, 300))
        b = a + int(rng.integers(1, 4000))
        k = np.arange(a, b + 1, dtype=float)
        r = float(a if alpha >= 0 else b)
        lo, hi, fx = dec._sum_both(np.array([alpha]), np.array([float(a)]), np.array([float(b)]),
                                   np.log(np.array([a / r])), np.log(np.array([b / r])))
        exact = float(np.sum((k / r) ** -alpha))
        assert lo[0] <= exact * (1 + 1e-12) and hi[0] >= exact * (1 - 1e-12), (alpha, a, b)
        assert fx[0] == pytest.approx((a / r) ** -alpha, rel=1e-12)
        rr, lb, z_lo, z_hi = dec._z_bounds(np.array([alpha]), np.array([alpha + width]), np.array([float(a)]),
                                           np.array([float(b)]))
        assert rr[0] == r and lb[0] == pytest.approx(np.log(b / r), abs=1e-15)
        assert z_lo[0] <= exact * (1 + 1e-12), (alpha, a, b)
        assert z_hi[0] >= float(np.sum((k / r) ** -(alpha + width))) * (1 - 1e-12), (alpha, width, a, b)


def test_mean_log_bounds_bracket_the_mean():
    """_mean_log_bounds: E_alpha[log(X / a)] of the TPL on [a, b], added up term by term, lies
    between its two bounds, for exponents of both signs (0 and 1 included) and short and long
    ranges."""
    rng = np.random.default_rng(11)
    alphas = np.concatenate([[0.0, 1.0, -1.0], rng.uniform(-6.0, 8.0, 250)])
    for alpha in alphas:
        a = int(rng.integers(1, 500))
        b = a + int(rng.integers(1, 5000))
        k = np.arange(a, b + 1, dtype=float)
        w = np.exp(-alpha * (np.log(k) - np.log(a if alpha >= 0 else b)))
        mean = float(np.sum(w * np.log(k / a)) / np.sum(w))
        lo, hi = dec._mean_log_bounds(np.array([alpha]), np.array([float(a)]), np.array([float(b)]),
                                      np.array([np.log(b / a)]))
        assert lo[0] <= mean * (1 + 1e-12) + 1e-15 and hi[0] >= mean * (1 - 1e-12), (alpha, a, b, lo, mean, hi)


@pytest.mark.parametrize("alo, ahi, ratio", [(10.0, 14.0, 1.03), (-30.0, -20.0, 1.02), (1.5, 3.0, 100.0)])
def test_sum_both_shortcut_matches_expm1(alo, ahi, ratio):
    """_sum_both with exp((1 - alpha) log(b / r)) given (where _exp_ok; no expm1 per entry): the same
    bounds of the tail sums as with expm1, to 1e-12 of the range's normaliser, and _exp_ok
    declines ranges where (1 - alpha) log(b / a) is near zero."""
    rng = np.random.default_rng(3)
    a = rng.uniform(1e3, 1e6, 2000).round()
    b = (a * ratio).round() + 1.0
    alpha = rng.uniform(alo, ahi, a.size)
    r = np.where(alpha >= 0, a, b)
    v = (a + (b - a) * rng.uniform(0, 1, (2, a.size))).round()
    lv, lb, la = np.log1p((v - r) / r), np.log1p((b - r) / r), np.log1p((a - r) / r)
    assert dec._exp_ok(alpha, a, b)
    ecb = np.exp((1.0 - alpha) * lb)
    z = dec._sum_both(alpha, a, b, la, lb)[0]
    slow = dec._sum_both(alpha, v, b, lv, lb)
    fast = dec._sum_both(alpha, v, b, lv, lb, ecb=ecb, r=r)
    for s, f in zip(slow, fast):
        assert np.all(np.abs(s - f) <= 1e-12 * z)
    assert not dec._exp_ok(np.array([2.0, 1.0 + 1e-4]), np.array([100.0, 100.0]), np.array([120.0, 120.0]))


def _brute_ks(sample, ia, ib, alpha, a, b):
    """KS distances over every integer of each range, the model CCDF added up term by term."""
    data = sample.sorted[sample.sorted > 0]
    out = []
    for i in range(ia.size):
        k = np.arange(a[i], b[i] + 1.0)
        logw = -alpha[i] * np.log(k)
        w = np.exp(logw - logw.max())
        model = np.cumsum(w[::-1])[::-1] / w.sum()
        obs = data[(data >= a[i]) & (data <= b[i])]
        emp = (obs.size - np.searchsorted(obs, k, side="left")) / obs.size
        out.append(np.abs(emp - model).max())
    return np.array(out)


@pytest.mark.parametrize("seed", [6, 7])
def test_exact_distances_match_brute_force(seed, monkeypatch):
    """_decide_exact._ks_exact: ranges the short formula serves (degrees of a few thousand) and
    ranges it does not (the small degrees: the general sums), alone and mixed, equal the
    distances over every integer of the range to 1e-12, in one pass or in many."""
    from netgraph.tpl import _decide_exact as de
    from netgraph.tpl._wide_sums import fast_rows

    rng = np.random.default_rng(seed)
    data = np.concatenate([DiscreteTPL(1.3, 2000, 12000).sample(300, seed=seed), rng.integers(1, 60, 60)])
    sample = _Sample(np.sort(data))
    ia, ib, a, b, _, _ = _candidate_pairs(sample, 1.0)
    pick = np.sort(rng.choice(ia.size, size=80, replace=False))
    ia, ib, a, b = ia[pick], ib[pick], a[pick], b[pick]
    alpha = rng.uniform(-3.0, 5.0, ia.size)
    fast = fast_rows(alpha, a, b)
    assert 10 < fast.sum() < fast.size  # both kinds
    brute = _brute_ks(sample, ia, ib, alpha, a, b)
    for sel in (np.flatnonzero(fast), np.flatnonzero(~fast), np.arange(ia.size)):
        got = de._ks_exact(sample, ia[sel], ib[sel], alpha[sel], a[sel], b[sel])
        np.testing.assert_allclose(got, brute[sel], rtol=0, atol=1e-12)
    monkeypatch.setattr(de, "_CELLS", 50)
    np.testing.assert_allclose(de._ks_exact(sample, ia, ib, alpha, a, b), brute, rtol=0, atol=1e-12)


def test_z_from_sums_brackets_the_normaliser():
    """_z_from_sums (the normaliser's bounds taken from _mean_log_bounds): the scale and log(b / r)
    of _z_bounds, a lower bound at alpha and an upper bound at alpha_hi of sum_{k=a}^{b} (k/r)^-alpha
    added up term by term, and within 1e-13 of _z_bounds."""
    rng = np.random.default_rng(8)
    for lo_, hi_, top in [(-30.0, -0.5, 3000), (0.0, 30.0, 3000), (-3.0, 3.0, 20000), (0.9, 1.1, 500)]:
        a = rng.integers(1, 2000, 60).astype(float)
        b = a + rng.integers(0, top, a.size)
        alpha = rng.uniform(lo_, hi_, a.size)
        alpha[:3] = [0.0, 1.0, -1e-9]
        alpha_hi = alpha + rng.choice([1e-5, 1e-2, 0.3], a.size) * (1.0 + np.abs(alpha))
        lam = np.log1p((b - a) / a)
        sums = dec._mean_log_bounds(alpha, a, b, lam, sums=True)
        r, lb, z_lo, z_hi = dec._z_from_sums(alpha, alpha_hi, a, b, lam, sums[2], sums[3])
        ref = dec._z_bounds(alpha, alpha_hi, a, b)
        np.testing.assert_array_equal(r, ref[0])
        np.testing.assert_allclose(lb, ref[1], rtol=1e-15, atol=1e-15)
        np.testing.assert_allclose(z_lo, ref[2], rtol=1e-13)
        np.testing.assert_allclose(z_hi, ref[3], rtol=1e-13)
        for i in range(a.size):
            k = np.arange(a[i], b[i] + 1.0)
            assert z_lo[i] <= np.sum((k / r[i]) ** -alpha[i]) * (1 + 1e-12)
            assert z_hi[i] >= np.sum((k / r[i]) ** -alpha_hi[i]) * (1 - 1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_near_pairs_are_the_nearest_candidates_where_the_grid_is_full(seed):
    """near_pairs: for a range inside a candidate grid where every xmin meets every xmax, the
    first candidate it returns is the nearest in |log xmin - log a| + |log xmax - log b| (brute
    force over every pair), the others distinct and in increasing distance; several ranges at
    once, beyond the ends of the grid too, get the grid's corners."""
    from netgraph.tpl._blocks import _Grid
    from netgraph.tpl.search import _candidate_grid

    rng = np.random.default_rng(seed)
    sample = _Sample(np.sort(DiscreteTPL(1.3, 5, 4000).sample(2000, seed=seed)))
    raw = _candidate_grid(sample, 0.3)
    grid = _Grid(raw)
    ia, ib, ca, cb, row, col = _candidate_pairs(sample, 0.3, grid=raw)
    assert (grid.first == 0).all()  # (the xmin and xmax candidates do not overlap here)
    for _ in range(20):
        a = float(rng.uniform(grid.low[1], grid.low[-2]))
        b = float(rng.uniform(grid.high[1], grid.high[-2]))
        dist = np.abs(np.log(ca / a)) + np.abs(np.log(cb / b))
        got = near_pairs(grid, np.array([a]), np.array([b]), 1, 1)
        assert dist[got[0]] == dist.min()
        got = near_pairs(grid, np.array([a]), np.array([b]), 2, 8)  # (the nearest of a 4 x 4 window)
        assert got.size == 8 and np.unique(got).size == 8 and dist[got[0]] == dist.min()
        assert (np.diff(dist[got]) >= 0).all()
    # several targets at once, near the ends of the grid too: each a real pair
    ha = np.array([grid.low[0] * 0.5, grid.low[-1] * 2.0, grid.low[3]])
    hb = np.array([grid.high[0] * 0.5, grid.high[-1] * 2.0, grid.high[3]])
    got = near_pairs(grid, ha, hb, 1, 1)
    assert got.size == 3 and (got >= 0).all() and (got < ia.size).all()
    assert list(zip(ca[got], cb[got])) == [(grid.low[0], grid.high[0]), (grid.low[-1], grid.high[-1]),
                                           (grid.low[3], grid.high[3])]


def test_ks_exact_many_is_ks_exact_per_sample():
    """ks_exact_many: the ranges of several samples measured in one pass (those the short
    formula serves, on the samples end to end) and per sample (the others, small degrees)
    give each sample's own exact distances (brute force: netgraph.tpl.ks._ks_exact_pairs)."""
    from netgraph.tpl._decide_exact import ks_exact_many

    samples, rows = [], []
    for seed, (alpha, lo, hi) in enumerate([(1.6, 2, 400), (0.7, 3000, 9000), (2.2, 5, 60), (0.4, 20000, 90000)]):
        sample = _Sample(np.sort(DiscreteTPL(alpha, lo, hi).sample(500, seed=seed)))
        ia, ib, a, b, _, _ = _candidate_pairs(sample, 0.3)
        pick = np.random.default_rng(seed).choice(ia.size, size=min(40, ia.size), replace=False)
        n_tail = sample.cum[ib[pick] + 1] - sample.cum[ia[pick]]
        u0 = sample.uf[0]
        mrel = (sample.cumlog[ib[pick] + 1] - sample.cumlog[ia[pick]]) / n_tail - np.log1p((a[pick] - u0) / u0)
        al = _alpha_guess(mrel, a[pick], b[pick])
        samples.append(sample)
        rows.append((ia[pick], ib[pick], al, a[pick], b[pick]))
    ia, ib, al, a, b = (np.concatenate(x) for x in zip(*rows))
    got = ks_exact_many(samples, [r[0].size for r in rows], ia, ib, al, a, b)
    want = np.concatenate([_ks_exact_pairs(s, *r) for s, r in zip(samples, rows)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_witnesses_below_leaves_out_samples_without_candidates():
    """witnesses_below: a sample with fewer than 3 distinct degrees has no candidate range (None,
    where the search raises FitError); the others are decided, and a witness found is put
    first in the hints."""
    from netgraph.tpl._witnesses import witnesses_below

    good = _Sample(np.sort(DiscreteTPL(1.6, 2, 400).sample(400, seed=1)))
    bad = _Sample(np.array([5, 5, 6, 6]))
    hints = []
    below, pairs = witnesses_below([bad, good, bad], 0.3, None, None, 2.0, 400.0, 1.0, hints)
    assert below == [None, True, None] and pairs[0] is None and pairs[2] is None
    assert len(pairs[1]) == 4 and len(hints) == 1  # a distance below 1 - 1e-9: a witness
    below, _ = witnesses_below([good], 0.3, None, None, 2.0, 400.0, 0.0, hints)
    assert below == [False]  # no distance is below 0
