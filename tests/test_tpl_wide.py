"""The range search with blocks of pairs pruned first (netgraph/tpl/_blocks.py, issue 12).

The pruned search must pick what the exhaustive one picks (``_Search(..., wide=False)``,
itself checked against the brute-force reference in test_tpl.py), on mostly distinct
degrees (wide layers), with ties, a given xmin or xmax, both readings of k, k = 1 and the
smallest ratio / number of distinct degrees; its block bounds must be lower bounds of the
exact distance of every pair of the block.
"""

import numpy as np
import pytest

import netgraph.tpl._blocks as blocks
from netgraph.tpl import TruncatedPowerLaw
from netgraph.tpl.ks import _Sample
from netgraph.tpl.search import _candidate_grid, _candidate_pairs, _Search, _Space
from netgraph.tpl.untruncated import _UntruncatedSearch
from tpl_reference import search as reference_search


def _wide_degrees(n, seed, sigma=1.0, mu=10.0):
    """Mostly distinct degrees, as in wide layers: round(LogNormal(mu, sigma))."""
    return np.round(np.random.default_rng(seed).lognormal(mu, sigma, n)).astype(np.int64)


def _same_pick(deg, k=0.3, xmin=None, xmax=None):
    sample = _Sample(np.asarray(deg))
    new = _Search(sample, k, xmin, xmax, wide=True)
    old = _Search(sample, k, xmin, xmax, wide=False)
    assert isinstance(new, blocks._WideSearch)
    assert new.candidates == old.candidates
    assert new.best == old.best
    i = old.best
    assert (new.a[i], new.b[i], new.n_tail[i]) == (old.a[i], old.b[i], old.n_tail[i])
    assert new.exact([i])[0] == pytest.approx(old.ks[i], abs=1e-13)
    assert new.alpha[i] == pytest.approx(old.alpha[i], abs=1e-10)
    return new, old


@pytest.mark.parametrize("n, seed", [(300, 0), (700, 1), (1500, 2), (3000, 3)])
def test_same_pick_as_exhaustive_on_mostly_distinct_degrees(n, seed):
    new, _ = _same_pick(_wide_degrees(n, seed))
    assert new._pairs.size < new.candidates  # blocks were pruned


@pytest.mark.parametrize("seed", range(4))
def test_same_pick_with_ties(seed):
    # few distinct values: many ties among the degrees and among the distances
    deg = np.round(np.random.default_rng(seed).lognormal(3.0, 1.0, 2000)).astype(np.int64)
    _same_pick(deg)
    _same_pick(np.random.default_rng(seed).geometric(0.02, 1500))


@pytest.mark.parametrize("kind", ["tpl", "binomial", "lognormal", "geometric"])
def test_same_pick_on_the_reference_kinds(kind):
    from tpl_reference import random_degrees

    rng = np.random.default_rng(11)
    _same_pick(random_degrees(kind, 1200, rng, 5))


def test_same_pick_with_given_ends():
    deg = _wide_degrees(1500, 4)
    s = np.sort(deg)
    _same_pick(deg, xmin=int(s[200]))
    _same_pick(deg, xmax=int(s[-100]))
    _same_pick(deg, xmin=int(s[200]) - 1)  # an xmin that is no observed degree
    _same_pick(deg, xmax=int(s[-100]) + 1)


@pytest.mark.parametrize("space", [_Space(0.3, "distinct"), _Space(1.0), _Space(0.3, "order", 3.0, 10),
                                   _Space(0.5, "distinct", 1.5, 5)])
def test_same_pick_in_other_search_spaces(space):
    _same_pick(_wide_degrees(500 if float(space) == 1.0 else 1200, 5), space)


def test_agrees_with_the_brute_force_reference():
    deg = _wide_degrees(400, 6, sigma=0.8, mu=4.0)
    new = _Search(_Sample(deg), 0.3, wide=True)
    best, _ = reference_search(deg, 0.3)
    i = new.best
    assert (int(new.a[i]), int(new.b[i]), int(new.n_tail[i])) == (best["xmin"], best["xmax"], best["n_tail"])
    assert new.exact([i])[0] == pytest.approx(best["ks"], abs=1e-10)
    assert new.alpha[i] == pytest.approx(best["alpha"], rel=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_block_bounds_are_lower_bounds(seed):
    rng = np.random.default_rng(seed)
    deg = _wide_degrees(600, 20 + seed) if seed < 2 else rng.geometric(0.03, 600)
    sample = _Sample(deg)
    old = _Search(sample, 0.3, wide=False)
    ks = old.exact(np.arange(old.candidates))  # every exact distance
    grid = blocks._Grid(_candidate_grid(sample, 0.3))
    table = np.full((grid.rows, grid.cols), np.nan)
    table[old._row, old._col] = ks
    # random blocks (and single pairs), with witness points from a fitted pair
    r1 = rng.integers(0, grid.rows, 300)
    c1 = rng.integers(0, grid.cols, 300)
    h = rng.choice([1, 2, 3, 8, 20], 300)
    r2 = np.minimum(r1 + h - 1, grid.rows - 1)
    c2 = np.minimum(c1 + h - 1, grid.cols - 1)
    ok = c2 >= grid.first[r1]
    r1, r2, c1, c2 = r1[ok], r2[ok], np.maximum(c1[ok], grid.first[r1[ok]]), c2[ok]
    r2 = np.minimum(r2, np.searchsorted(grid.first, c2, side="right") - 1)
    i = old.best
    witness = blocks._largest_gaps(sample, int(old.ia[i]), int(old.ib[i]), float(old.alpha[i]), float(old.a[i]),
                                   float(old.b[i]), 8)
    for w in (np.zeros(0, dtype=np.int64), witness):
        lb = blocks._block_bounds(sample, grid, r1, r2, c1, c2, w)
        low = np.array([np.nanmin(table[a:b + 1, c:d + 1]) for a, b, c, d in zip(r1, r2, c1, c2)])
        assert np.all(lb <= low)
        assert np.any(lb > 0.0)  # and not trivially so
    # a single pair's bound with its own largest gaps is its distance (up to the margin)
    one = blocks._block_bounds(sample, grid, np.array([old._row[i]]), np.array([old._row[i]]),
                               np.array([old._col[i]]), np.array([old._col[i]]), witness)
    assert one[0] == pytest.approx(ks[i], abs=1e-8)


def test_grid_numbering_matches_the_pairs():
    sample = _Sample(_wide_degrees(500, 7))
    ia, ib, a, b, row, col = _candidate_pairs(sample, 0.3)
    grid = blocks._Grid(_candidate_grid(sample, 0.3))
    assert grid.total == ia.size
    g = np.arange(ia.size)
    assert np.array_equal(grid.index(row, col), g)
    r, c = grid.place(g)
    assert np.array_equal(r, row) and np.array_equal(c, col)


def test_estimator_results_unchanged(monkeypatch):
    deg = _wide_degrees(1500, 8)
    monkeypatch.setattr(blocks, "_WIDE_PAIRS", 0)
    wide = TruncatedPowerLaw(k=0.3).fit(deg)
    assert isinstance(wide._search, blocks._WideSearch)
    monkeypatch.setattr(blocks, "_WIDE_PAIRS", 1 << 62)
    old = TruncatedPowerLaw(k=0.3).fit(deg)
    assert not isinstance(old._search, blocks._WideSearch)
    for name in ("xmin_", "xmax_", "n_tail_", "candidates_"):
        assert getattr(wide, name) == getattr(old, name)
    assert wide.alpha_ == pytest.approx(old.alpha_, abs=1e-10)
    assert wide.ks_ == pytest.approx(old.ks_, abs=1e-13)
    assert wide.loglik_ == pytest.approx(old.loglik_, rel=1e-12)


def test_clauset_bootstrap_unchanged(monkeypatch):
    deg = _wide_degrees(900, 9, sigma=0.6, mu=6.0)
    monkeypatch.setattr(blocks, "_WIDE_PAIRS", 0)
    wide = TruncatedPowerLaw(k=0.3, bootstrap=6, seed=3).fit(deg)
    monkeypatch.setattr(blocks, "_WIDE_PAIRS", 1 << 62)
    old = TruncatedPowerLaw(k=0.3, bootstrap=6, seed=3).fit(deg)
    assert wide.p_value_ == old.p_value_
    np.testing.assert_allclose(wide.bootstrap_ks_, old.bootstrap_ks_, rtol=0, atol=1e-13)


def test_every_pair_on_demand(monkeypatch):
    # the Deluca & Corral rule reads every pair: the exhaustive search is built for it
    deg = _wide_degrees(400, 10, sigma=0.7, mu=5.0)
    monkeypatch.setattr(blocks, "_WIDE_PAIRS", 0)
    wide = TruncatedPowerLaw(k=0.3, rule="deluca-corral", range_bootstrap=20, seed=1).fit(deg)
    monkeypatch.setattr(blocks, "_WIDE_PAIRS", 1 << 62)
    old = TruncatedPowerLaw(k=0.3, rule="deluca-corral", range_bootstrap=20, seed=1).fit(deg)
    assert (wide.xmin_, wide.xmax_, wide.n_tail_) == (old.xmin_, old.xmax_, old.n_tail_)
    assert wide.ks_choice_["xmin"] == old.ks_choice_["xmin"] and wide.ks_choice_["xmax"] == old.ks_choice_["xmax"]
    search = _Search(_Sample(deg), 0.3, wide=True)
    full = _Search(_Sample(deg), 0.3, wide=False)
    np.testing.assert_array_equal(np.asarray(search.b) / np.asarray(search.a), full.b / full.a)
    assert len(search.ks) == full.candidates
    np.testing.assert_allclose(search.alpha[:10], full.alpha[:10], rtol=0, atol=1e-9)


def test_untruncated_keeps_its_search():
    s = _Sample(_wide_degrees(500, 12))
    assert isinstance(_Search(s, 1.0, None, float("inf"), wide=True), _UntruncatedSearch)


def test_fast_ccdfs_match_direct_sums():
    # the short Euler-Maclaurin CCDFs (netgraph/tpl/_wide_sums.py) against term-by-term
    # sums in extended precision, on the ranges they serve (exponents near 0 and 1 too)
    from netgraph.tpl._wide_sums import ccdf_fast, fast_rows

    rng = np.random.default_rng(5)
    p = 400
    a = np.round(np.exp(rng.uniform(np.log(200.0), np.log(3000.0), p)))
    b = np.round(a * np.exp(rng.uniform(0.01, 2.0, p)))
    alpha = rng.uniform(-12.0, 12.0, p)
    alpha[:20] = 1.0
    alpha[20:40] = 1.0 + rng.normal(0.0, 1e-7, 20)
    alpha[40:60] = 0.0
    ok = fast_rows(alpha, a, b)
    assert ok.mean() > 0.5
    assert not fast_rows(np.array([3.0]), np.array([50.0]), np.array([500.0]))[0]  # too close to zero
    a, b, alpha = a[ok], b[ok], alpha[ok]
    x = np.sort(np.floor(a[:, None] + 1 + rng.uniform(0, 1, (a.size, 12)) * (b - a)[:, None]), axis=1)
    x = np.minimum(x, b[:, None])
    s, w = ccdf_fast(alpha, a, b, x)
    for i in range(a.size):
        k = np.arange(a[i], b[i] + 1, dtype=np.longdouble)
        terms = np.exp(-np.longdouble(alpha[i]) * np.log(k / np.longdouble(a[i])))
        tail = np.cumsum(terms[::-1])[::-1]
        pos = (x[i] - a[i]).astype(np.int64)
        np.testing.assert_allclose(s[i], (tail[pos] / tail[0]).astype(float), rtol=0, atol=1e-13)
        np.testing.assert_allclose(w[i], (terms[pos] / tail[0]).astype(float), rtol=1e-12, atol=0)
    # and the block module's CCDFs (fast and general rows mixed) agree with the general sums
    mixed = np.concatenate([alpha[:5], [3.0]])
    lo, hi = np.concatenate([a[:5], [50.0]]), np.concatenate([b[:5], [500.0]])
    xs = np.concatenate([x[:5], np.sort(rng.integers(51, 501, (1, 12)), axis=1).astype(float)])
    s1, w1 = blocks._ccdf(mixed, lo, hi, xs)
    s0, w0 = blocks._ccdf_general(mixed, lo, hi, xs)
    np.testing.assert_allclose(s1, s0, rtol=0, atol=1e-13)
    np.testing.assert_allclose(w1, w0, rtol=1e-12, atol=0)


def test_corner_root_brackets_hold_the_solver_roots():
    # the proven brackets of the corner exponents (netgraph/tpl/_wide_sums.py) hold the
    # general solver's roots, and the short formula's moments are the general sums'
    from netgraph.tpl._sums import partial_sums
    from netgraph.tpl._wide_sums import _moments, corner_roots, fast_rows
    from netgraph.tpl.mle import _alpha_guess, _solve_alpha

    rng = np.random.default_rng(8)
    p = 6000
    a = np.round(np.exp(rng.uniform(np.log(300.0), np.log(50000.0), p)))
    b = np.round(a * np.exp(rng.uniform(0.05, 3.0, p)))
    lam = np.log(b / a)
    mrel = lam * rng.uniform(0.02, 0.98, p)
    root = _solve_alpha(mrel, a, b, lam)
    lo, hi, ok = corner_roots(mrel, a, b, _alpha_guess(mrel, a, b))
    assert ok.mean() > 0.9
    assert np.all(lo[ok] <= root[ok]) and np.all(root[ok] <= hi[ok])
    assert np.median((hi - lo)[ok]) < 1e-7
    sel = fast_rows(root, a, b)
    r = np.where(root < 0.0, b, a)[sel]
    t0, t1 = partial_sums(root[sel], a[sel], b[sel], r, order=1)
    s0, mean = _moments(root[sel], a[sel], b[sel])
    np.testing.assert_allclose(s0, t0, rtol=1e-13)
    np.testing.assert_allclose(mean, t1 / t0 + np.where(root[sel] < 0.0, lam[sel], 0.0), rtol=0, atol=1e-13)
    np.testing.assert_allclose(mean, mrel[sel], rtol=0, atol=1e-10)  # the roots solve the equation


def test_probe_distances_are_the_exact_distances():
    # the probes' distances from the gaps at the observed values (short formula) against
    # the exhaustive search's exact distances of the same pairs
    sample = _Sample(_wide_degrees(900, 13))
    old = _Search(sample, 0.3, wide=False)
    grid = blocks._Grid(_candidate_grid(sample, 0.3))
    pick = np.random.default_rng(2).choice(old.candidates, 60, replace=False)
    alpha, ks = blocks._pair_fit(sample, grid, old._row[pick], old._col[pick])
    assert blocks.fast_rows(alpha, old.a[pick], old.b[pick]).mean() > 0.5
    np.testing.assert_allclose(alpha, old.alpha[pick], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ks, old.exact(pick), rtol=0, atol=1e-12)


def test_block_bounds_with_a_threshold():
    # blocks already above the threshold from one side skip the other: their bound stays a
    # lower bound (at most the full one) and above the threshold; the others are unchanged
    sample = _Sample(_wide_degrees(800, 14))
    grid = blocks._Grid(_candidate_grid(sample, 0.3))
    rng = np.random.default_rng(4)
    r1 = rng.integers(0, grid.rows, 400)
    c1 = rng.integers(0, grid.cols, 400)
    h = rng.choice([1, 2, 4, 8], 400)
    r2, c2 = np.minimum(r1 + h - 1, grid.rows - 1), np.minimum(c1 + h - 1, grid.cols - 1)
    ok = c2 >= grid.first[r1]
    r1, r2, c1, c2 = r1[ok], r2[ok], np.maximum(c1[ok], grid.first[r1[ok]]), c2[ok]
    r2 = np.minimum(r2, np.searchsorted(grid.first, c2, side="right") - 1)
    w = np.zeros(0, dtype=np.int64)
    full = blocks._block_bounds(sample, grid, r1, r2, c1, c2, w)
    thr = float(np.median(full[full > 0]))
    part = blocks._block_bounds(sample, grid, r1, r2, c1, c2, w, thr)
    assert np.all(part <= full)
    same = full <= thr
    np.testing.assert_array_equal(part[same], full[same])
    assert np.all(part[~same] > thr - 1e-9)
    assert np.any(part[~same] < full[~same])  # some skipped the other side
