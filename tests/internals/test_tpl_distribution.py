"""Tests of the exact sampler of the discrete TPL (netgraph.tpl.distribution._Sampler, private)."""

import numpy as np

from netgraph.tpl import DiscreteTPL
from netgraph.tpl.distribution import _Sampler


def test_table_and_bisection_invert_the_same_ccdf():
    # DiscreteTPL.sample uses a table of the CCDF up to 2**21 values, bisection beyond:
    # both paths invert the same CCDF (same uniforms, same values)
    table = _Sampler(1.3, 2, 10**6)
    assert table.table is not None
    bisect = _Sampler(1.3, 2, 10**6)
    bisect.table = None
    bisect.z = DiscreteTPL(1.3, 2, 10**6)._z
    a = table(2000, np.random.default_rng(9))
    b = bisect(2000, np.random.default_rng(9))
    assert np.mean(a == b) > 0.999
