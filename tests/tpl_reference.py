"""Brute-force reference of the truncated power-law search, for the tests.

Written to be obviously right rather than fast, and independent of netgraph.tpl's
numerics: a plain loop over every candidate pair (xmin, xmax); alpha by
``scipy.optimize.brentq`` on the score equation, with every sum over the support taken
directly (``numpy`` over ``arange(xmin, xmax + 1)``); the Kolmogorov-Smirnov distance
over every integer of the range, from the model and empirical CCDFs evaluated at each
of them. It follows the rules of :class:`netgraph.tpl.TruncatedPowerLaw` word for word:
candidates among the distinct values of the floor(n k) smallest and largest degrees
(zeros included in n, never candidates), at least 3 distinct observed degrees in range,
ties within 1e-12 broken by larger n_tail, then smaller xmin, then larger xmax.

Two helpers the TPL tests share live here too: :func:`direct_sums`, the partial sums in
extended precision that the sums of netgraph.tpl are checked against, and
:func:`random_degrees`, the random data sets of the comparisons with :func:`search`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

KS_TIE = 1e-12


def _moments(alpha, k, logk):
    """E_alpha[log X] over the support k (direct sums, scaled by the largest term)."""
    e = -alpha * logk
    w = np.exp(e - e.max())
    return float(np.sum(w * logk) / np.sum(w))


def alpha_mle(x, xmin, xmax):
    """Root of mean(log x) = E_alpha[log X] on [xmin, xmax], by brentq on direct sums."""
    k = np.arange(xmin, xmax + 1, dtype=float)
    logk = np.log(k)
    target = float(np.mean(np.log(np.asarray(x, dtype=float))))

    def score(alpha):
        return _moments(alpha, k, logk) - target

    lo, hi = -1.0, 3.0
    while score(lo) < 0:
        lo = 2 * lo - 1
    while score(hi) > 0:
        hi = 2 * hi + 1
    return brentq(score, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)


def ks_distance(x, xmin, xmax, alpha):
    """max over every integer x0 in [xmin, xmax] of |S_emp(x0) - S_model(x0)|, S(x0) = P(X >= x0)."""
    k = np.arange(xmin, xmax + 1)
    e = -alpha * np.log(k.astype(float))
    w = np.exp(e - e.max())
    s_model = np.cumsum(w[::-1])[::-1] / w.sum()
    xs = np.sort(np.asarray(x))
    s_emp = (xs.size - np.searchsorted(xs, k, side="left")) / xs.size
    return float(np.max(np.abs(s_emp - s_model)))


def candidates(degrees, k=0.3, reading="order"):
    """The candidate xmin and xmax values of a k reading: ``"order"``, the distinct positive
    values of the floor(n k) smallest / largest degrees; ``"distinct"``, the floor(D k)
    smallest / largest of the D distinct positive values."""
    d = np.sort(np.asarray(degrees, dtype=np.int64))
    if reading == "distinct":
        u = sorted({int(v) for v in d if v > 0})
        m = int(math.floor(len(u) * k + 1e-9))
        return u[:m], u[len(u) - m:]
    n = d.size
    m = int(math.floor(n * k + 1e-9))
    return sorted({int(v) for v in d[:m] if v > 0}), sorted({int(v) for v in d[n - m:] if v > 0})


def search(degrees, k=0.3, xmin=None, xmax=None, reading="order", min_ratio=1.0, min_distinct=3):
    """Every candidate pair by brute force. Returns (best, table): best is a dict with
    xmin, xmax, alpha, ks, n_tail; table a list of such dicts, one per pair. A given
    ``xmin`` or ``xmax`` is the only candidate on its side; ranges with xmax / xmin below
    ``min_ratio`` or fewer than ``min_distinct`` distinct degrees are left out."""
    d = np.sort(np.asarray(degrees, dtype=np.int64))
    low, high = candidates(d, k, reading)
    low = low if xmin is None else [xmin]
    high = high if xmax is None else [xmax]
    table = []
    for a in low:
        for b in high:
            if a >= b or b < min_ratio * a:
                continue
            x = d[(d >= a) & (d <= b)]
            if np.unique(x).size < max(3, min_distinct):
                continue
            alpha = alpha_mle(x, a, b)
            table.append({"xmin": a, "xmax": b, "alpha": alpha, "ks": ks_distance(x, a, b, alpha),
                          "n_tail": int(x.size)})
    if not table:
        raise ValueError("no candidate pair")
    best_ks = min(row["ks"] for row in table)
    ties = [row for row in table if row["ks"] <= best_ks + KS_TIE]
    best = sorted(ties, key=lambda row: (-row["n_tail"], row["xmin"], -row["xmax"]))[0]
    return best, table


def direct_sums(alpha, x, y, r):
    """sum_{k=x}^{y} (k/r)^-alpha log(k/r)^j, j = 0, 1, 2, in extended precision."""
    k = np.arange(x, y + 1, dtype=np.longdouble)
    ell = np.log1p((k - r) / np.longdouble(r))
    w = np.exp(-np.longdouble(alpha) * ell)
    return [float(np.sum(w * ell**j)) for j in range(3)]


def random_degrees(kind, n, rng, seed):
    """``n`` random degrees of one of four kinds: ``"tpl"`` (a TPL sample with random
    parameters, drawn by netgraph's sampler with ``seed``), ``"binomial"`` (a dense layer's
    hump: negative and large exponents), ``"lognormal"``, or else geometric with about 10 %
    isolated nodes; the parameters and other draws from ``rng``."""
    if kind == "tpl":
        from netgraph.tpl import DiscreteTPL

        d = DiscreteTPL(rng.uniform(0.5, 3.0), int(rng.integers(1, 10)), int(rng.integers(50, 3000)))
        return d.sample(n, seed=seed)
    if kind == "binomial":  # a dense layer: a hump, negative and large exponents
        return rng.binomial(200, 0.3, n)
    if kind == "lognormal":
        return np.round(rng.lognormal(3.0, 1.0, n)).astype(np.int64)
    # geometric, with some isolated nodes
    return rng.geometric(0.05, n) * (rng.random(n) > 0.1)


def alpha_mle_untruncated(x, xmin):
    """The exponent of the untruncated discrete power law: the root of the score equation
    mean(log x) = -zeta'(alpha, xmin) / zeta(alpha, xmin) (Hurwitz zeta and its derivative
    by mpmath, 25 digits), by brentq on (1, 30]; independent of netgraph's sums."""
    import mpmath

    target = float(np.mean(np.log(np.asarray(x, dtype=float))))

    def score(alpha):
        with mpmath.workdps(25):
            return float(-mpmath.zeta(alpha, xmin, 1) / mpmath.zeta(alpha, xmin)) - target

    return brentq(score, 1.0 + 1e-6, 30.0, xtol=1e-14, rtol=1e-14, maxiter=200)


def ks_untruncated(x, xmin, alpha):
    """max over every integer x0 >= xmin of |S_emp(x0) - S(x0)|, S(x0) = zeta(alpha, x0) / zeta(alpha, xmin)
    (beyond the largest value + 1 the gap only shrinks)."""
    from scipy.special import zeta

    xs = np.sort(np.asarray(x))
    k = np.arange(xmin, int(xs[-1]) + 2)
    s_model = zeta(alpha, k.astype(float)) / zeta(alpha, xmin)
    s_emp = (xs.size - np.searchsorted(xs, k, side="left")) / xs.size
    return float(np.max(np.abs(s_emp - s_model)))


def search_untruncated(degrees, k=1.0, reading="order", min_distinct=3):
    """Brute-force search of xmin for the untruncated law (every tail with at least
    ``min_distinct`` distinct degrees); ties as in :func:`search`. Returns (best, table)."""
    d = np.sort(np.asarray(degrees, dtype=np.int64))
    low, _ = candidates(d, k, reading)
    table = []
    for a in low:
        x = d[d >= a]
        if np.unique(x).size < min_distinct:
            continue
        alpha = alpha_mle_untruncated(x, a)
        table.append({"xmin": a, "alpha": alpha, "ks": ks_untruncated(x, a, alpha), "n_tail": int(x.size)})
    best_ks = min(row["ks"] for row in table)
    ties = [row for row in table if row["ks"] <= best_ks + KS_TIE]
    return sorted(ties, key=lambda row: (-row["n_tail"], row["xmin"]))[0], table
