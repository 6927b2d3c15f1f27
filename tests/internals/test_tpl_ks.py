"""Tests of the Kolmogorov-Smirnov distances and bounds (netgraph.tpl.ks, private).

Every lower bound that prunes candidates stays below the exact distance; the two exact
routes (every integer, or the observed values and the gaps) agree.
"""

import numpy as np

from netgraph.tpl import DiscreteTPL
from netgraph.tpl.ks import _ks_exact_dense, _ks_exact_pairs, _ks_lower, _Sample
from netgraph.tpl.search import _Search


def test_ks_bounds_never_exceed_the_exact_distances():
    # every bound that prunes candidates (the ends of the ranges, from the solver's last
    # evaluation and from the normalisers, and the quantiles) is below the exact distance
    rng = np.random.default_rng(16)
    datasets = [DiscreteTPL(2.0, 5, 2000).sample(3000, seed=1), rng.binomial(300, 0.4, 3000),
                np.round(rng.lognormal(3.0, 1.0, 2000)).astype(np.int64), rng.geometric(0.03, 2500)]
    for x in datasets:
        s = _Search(_Sample(x), 0.3)
        exact = s.exact(np.arange(s.candidates))
        if s._lb is not None:
            assert (s._lb <= exact + 1e-12).all()
        sel = np.arange(s.candidates)
        for side in (0, 1):
            for depth in (16, 48):
                assert (s._bound(side, depth, sel) <= exact + 1e-12).all()
        lb = _ks_lower(s.sample, s.ia, s.ib, s.alpha, s.a, s.b, 16)
        assert (lb <= exact + 1e-12).all()


def test_dense_and_gap_ks_distances_agree():
    x = DiscreteTPL(1.7, 3, 400).sample(2000, seed=9)
    s = _Search(_Sample(x), 0.3)
    short = np.flatnonzero(s.b - s.a < 512)
    d1 = _ks_exact_dense(s.sample, s.ia[short], s.ib[short], s.alpha[short], s.a[short], s.b[short])
    d2 = _ks_exact_pairs(s.sample, s.ia[short], s.ib[short], s.alpha[short], s.a[short], s.b[short])
    np.testing.assert_allclose(d1, d2, rtol=0.0, atol=1e-14)
