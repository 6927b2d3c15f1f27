"""Ranges that mean something (issue 12): the narrow-range warning and the minimum range options."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import tpl_reference as ref
from netgraph.exceptions import FitError
from netgraph.tpl import TruncatedPowerLaw
from netgraph.tpl.estimator import FEW_DISTINCT, NARROW_RATIO


def _words():
    try:
        import powerlaw
    except ImportError:
        pytest.skip("the powerlaw package is not installed")
    path = Path(powerlaw.__file__).parent / "reference_data" / "words.txt"
    if not path.exists():
        pytest.skip("powerlaw does not ship words.txt in this installation")
    return np.genfromtxt(path).astype(np.int64)


def test_thresholds_documented():
    assert (NARROW_RATIO, FEW_DISTINCT) == (10.0, 5)


@pytest.mark.parametrize("rule", ["ks", "deluca-corral"])
def test_words_narrow(rule, caplog):
    # the issue: both rules pick [1, 3] on the word counts, three values holding most of the data
    x = _words()
    with caplog.at_level(logging.INFO, logger="netgraph.tpl.estimator"):
        fit = TruncatedPowerLaw(rule=rule, seed=0, range_bootstrap=20).fit(x)
    assert (fit.xmin_, fit.xmax_) == (1, 3)
    assert fit.narrow_range_.startswith("narrow range: [1, 3] spans a ratio of 3 (less than 10) with 3 distinct")
    share = fit.n_tail_ / x.size
    assert f"{share:.0%} of the positive degrees" in fit.narrow_range_
    assert fit.to_dict()["narrow_range"] == fit.narrow_range_
    assert fit.narrow_range_ in caplog.text
    assert "Narrow range: [1, 3]" in fit.summary()


def test_not_narrow():
    rng = np.random.default_rng(0)
    d = np.round(rng.pareto(1.2, 3000) * 5 + 1).astype(np.int64)
    fit = TruncatedPowerLaw(k=0.3, min_ratio=NARROW_RATIO, min_distinct=FEW_DISTINCT).fit(d)
    assert fit.xmax_ / fit.xmin_ >= NARROW_RATIO
    assert fit.narrow_range_ is None and fit.to_dict()["narrow_range"] is None
    assert "arrow" not in fit.summary()


def test_narrow_by_distinct_only():
    # ratio 50 but only 4 distinct values: narrow because of the values
    d = [1] * 40 + [2] * 20 + [10] * 5 + [50] * 2
    fit = TruncatedPowerLaw(xmin=1, xmax=50).fit(d)
    assert fit.narrow_range_.startswith("narrow range: [1, 50] with 4 distinct degrees (fewer than 5)")


@pytest.mark.parametrize("reading", ["order", "distinct"])
@pytest.mark.parametrize("min_ratio, min_distinct", [(10.0, 3), (1.0, 6), (4.0, 5)])
def test_minimum_range_matches_reference(reading, min_ratio, min_distinct):
    rng = np.random.default_rng(5)
    for trial, kind in enumerate(["tpl", "lognormal", "geometric"]):
        d = ref.random_degrees(kind, 150, rng, seed=trial)
        try:
            best, table = ref.search(d, 0.5, reading=reading, min_ratio=min_ratio, min_distinct=min_distinct)
        except ValueError:  # no candidate pair: the estimator says so too
            with pytest.raises(FitError, match="no candidate range"):
                TruncatedPowerLaw(k=0.5, k_reading=reading, min_ratio=min_ratio, min_distinct=min_distinct).fit(d)
            continue
        fit = TruncatedPowerLaw(k=0.5, k_reading=reading, min_ratio=min_ratio, min_distinct=min_distinct).fit(d)
        assert fit.candidates_ == len(table)
        assert (fit.xmin_, fit.xmax_) == (best["xmin"], best["xmax"])
        assert fit.ks_ == pytest.approx(best["ks"], abs=1e-10)
        assert fit.xmax_ >= min_ratio * fit.xmin_
        assert len(set(np.asarray(d)[(np.asarray(d) >= fit.xmin_) & (np.asarray(d) <= fit.xmax_)])) >= min_distinct


def test_words_minimum_range():
    # one decade at least: the word counts' fit leaves [1, 3] for a range of at least 10x
    x = _words()
    fit = TruncatedPowerLaw(k=1, min_ratio=10).fit(x)
    assert fit.xmax_ >= 10 * fit.xmin_
    assert fit.narrow_range_ is None


def test_minimum_range_untruncated():
    d = [1] * 30 + [2] * 10 + [3] * 5 + [4, 4, 5, 7, 9, 12]
    fit = TruncatedPowerLaw(k=1, xmax=np.inf, min_distinct=5).fit(d)
    assert fit._search.a.tolist() == [1.0, 2.0, 3.0, 4.0]  # tails with >= 5 distinct values
    with pytest.raises(FitError, match="7 distinct"):
        TruncatedPowerLaw(k=1, xmax=np.inf, min_distinct=7, xmin=3).fit(d)


def test_bootstrap_keeps_the_space():
    # the replicates search the same space (k reading and minimum range), in worker processes too
    d = ref.random_degrees("lognormal", 300, np.random.default_rng(2), seed=0)
    kw = dict(k=0.5, k_reading="distinct", min_ratio=5.0, bootstrap=6, seed=1)
    one = TruncatedPowerLaw(**kw).fit(d)
    two = TruncatedPowerLaw(n_jobs=2, **kw).fit(d)
    assert np.array_equal(one.bootstrap_ks_, two.bootstrap_ks_)
    plain = TruncatedPowerLaw(k=0.5, bootstrap=6, seed=1).fit(d)
    assert not np.array_equal(one.bootstrap_ks_, plain.bootstrap_ks_)
