"""Tests of the fixed-range bootstrap (netgraph.tpl.bootstrap, private parts)."""

import numpy as np
import tpl_reference as ref

from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
from netgraph.tpl.bootstrap import _fixed_range_ks
from netgraph.tpl.distribution import _Sampler


def test_fixed_range_ks_with_unobserved_ends():
    # synthetic samples rarely reach the ends of a long support: the KS distance of each
    # still covers [xmin, xmax] (checked against the reference, replicate by replicate;
    # tests/test_tpl.py checks the fit of the data themselves)
    x = DiscreteTPL(1.2, 50, 60_000).sample(300, seed=4)
    fit = TruncatedPowerLaw(xmin=20, xmax=10**5).fit(x)
    sampler = _Sampler(fit.alpha_, 20, 10**5)
    d = _fixed_range_ks(sampler, 40, 5, np.random.default_rng(0))
    again = np.random.default_rng(0)
    for i in range(5):
        y = np.sort(sampler(40, again))
        if y[0] == y[-1]:
            continue
        a = ref.alpha_mle(y, 20, 10**5)
        assert abs(d[i] - ref.ks_distance(y, 20, 10**5, a)) < 1e-9
