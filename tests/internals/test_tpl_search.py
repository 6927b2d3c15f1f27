"""Tests of the range search (netgraph.tpl.search, private parts).

The tie rule by hand, the grid of candidate pairs and the exponent and exact KS distance
of every pair against the brute-force reference of ``tpl_reference.py``.
"""

import numpy as np
import pytest
import tpl_reference as ref

from netgraph import FitError
from netgraph.tpl import KS_TIE
from netgraph.tpl.ks import _Sample
from netgraph.tpl.search import _candidate_pairs, _pick, _Search


def test_tie_rule():
    ks = np.array([0.2, 0.1, 0.1 + KS_TIE / 2, 0.1, np.nan, 0.1 + 10 * KS_TIE])
    n_tail = np.array([50, 40, 40, 40, 99, 99])
    a = np.array([1.0, 3.0, 2.0, 2.0, 1.0, 1.0])
    b = np.array([9.0, 9.0, 8.0, 9.0, 9.0, 9.0])
    # ties: indices 1, 2, 3 (equal n_tail); smaller xmin: 2 and 3; larger xmax: 3
    assert _pick(ks, n_tail, a, b) == 3
    n_tail[1] = 41
    assert _pick(ks, n_tail, a, b) == 1


def test_candidate_pairs_match_the_grid_of_candidates():
    rng = np.random.default_rng(15)
    for trial in range(20):
        x = rng.geometric(rng.uniform(0.02, 0.3), int(rng.integers(20, 400)))
        x[rng.random(x.size) < 0.1] = 0  # isolated nodes
        xmin = xmax = None
        if trial % 4 == 1:
            xmin = int(rng.integers(1, 5))
        if trial % 4 == 2:
            xmax = int(np.max(x)) + int(rng.integers(0, 3))
        try:
            got = _candidate_pairs(_Sample(x), 0.3, xmin, xmax)
        except FitError:
            with pytest.raises(ValueError):
                ref.search(x, xmin=xmin, xmax=xmax)
            continue
        _, table = ref.search(x, xmin=xmin, xmax=xmax)
        assert list(zip(got[2].astype(int), got[3].astype(int))) == [(r["xmin"], r["xmax"]) for r in table]


@pytest.mark.parametrize("seed", range(12))
def test_every_pair_agrees_with_brute_force_reference(seed):
    rng = np.random.default_rng(seed)
    kind = ("tpl", "binomial", "lognormal", "geometric")[seed % 4]
    x = ref.random_degrees(kind, int(rng.integers(30, 300)), rng, seed)
    # every pair of the search, not only the winner (tests/test_tpl.py checks the winner)
    _, table = ref.search(x)
    s = _Search(_Sample(x), 0.3)
    rows = {(row["xmin"], row["xmax"]): row for row in table}
    ks_all = s.exact(np.arange(s.candidates))
    for i in range(s.candidates):
        row = rows[int(s.a[i]), int(s.b[i])]
        assert abs(s.alpha[i] - row["alpha"]) < 1e-6 * (1 + abs(row["alpha"]))
        assert abs(ks_all[i] - row["ks"]) < 1e-9
