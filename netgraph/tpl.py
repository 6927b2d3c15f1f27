"""The discrete truncated power law (TPL) of Hou & Kwok, fitted to the degrees of a layer.

Hou & Kwok [1]_ found that the degrees of the nodes of each layer of a pruned network
follow the discrete *truncated* power law of their eq. (4),

.. math::

   f(x) = \\frac{x^{-\\alpha}}{\\zeta(\\alpha, x_{\\min}, x_{\\max})}, \\qquad
   \\zeta(\\alpha, a, b) = \\sum_{k=a}^{b} k^{-\\alpha},

for integers :math:`x_{\\min} \\le x \\le x_{\\max}`: a power law cut sharply at both
ends. On a bounded support every real :math:`\\alpha` gives a distribution
(Hanel et al. [4]_), so :math:`\\alpha \\le 1` is allowed.

This module holds

* :class:`DiscreteTPL`, the distribution: pmf, cdf, ccdf, log-likelihood and exact
  sampling, accurate for supports of any length;
* :func:`tpl_alpha_mle`, the exact maximum-likelihood exponent for a given range;
* :class:`TruncatedPowerLaw`, the estimator that searches the range as the paper does
  (:math:`x_{\\min}` among the :math:`\\lfloor nk \\rfloor` smallest degrees,
  :math:`x_{\\max}` among the :math:`\\lfloor nk \\rfloor` largest, the pair of smallest
  Kolmogorov-Smirnov distance), with bootstrap goodness-of-fit tests in the manner of
  Clauset, Shalizi & Newman [2]_ and of Deluca & Corral [3]_, and Deluca & Corral's
  widest-accepted-range rule;
* :func:`fit_tpl`, the same in one call.

How the numbers are computed
----------------------------
Every sum :math:`\\sum_{k=x}^{y} k^{-\\alpha} (\\log k)^j` is evaluated in O(1) whatever the
length of the range: terms below :math:`1.18(|\\alpha| + 9)` are added one by one and the
rest by Euler-Maclaurin summation with ten Bernoulli terms, differentiated exactly in
:math:`\\alpha`; the relative error is about 1e-16 (there is no continuous or rounding
approximation of the normaliser; the integral of the Euler-Maclaurin formula is taken by
Gauss-Legendre quadrature of an entire integrand, exact to rounding). The score equation
:math:`\\overline{\\log x} = E_\\alpha[\\log X]` is solved for all candidate ranges at once
by a bracketed (safeguarded) Halley iteration from the exponent of the continuous
approximation, the sums being prepared once and re-evaluated at each iterate (two
evaluations usually suffice). The Kolmogorov-Smirnov distance over *every* integer of a
range is obtained exactly, for a short range from both CCDFs at every integer, for a long
one from the model CCDF at each observed value ``v`` and at ``v + 1`` (between two
observed values the empirical CCDF is constant and the model CCDF decreasing, so the
largest gap sits at one of those points). Cheap lower bounds of the distance (the CCDFs
at the integers next to either end of a range, then at quantiles of the range) prune the
ranges that cannot win before the exact distance is computed; every range within the
tie tolerance of the smallest distance gets its exact distance.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018), eq. (4) and Section 3.
.. [2] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions in
   Empirical Data." SIAM Review 51(4), 661-703 (2009), arXiv:0706.1062.
.. [3] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of non-truncated and
   truncated power-law distributions." Acta Geophysica 61(6), 1351-1394 (2013),
   arXiv:1211.1981.
.. [4] Hanel, R., Corominas-Murtra, B., Liu, B. and Thurner, S. "Fitting power-laws in
   empirical data with estimators that work for all exponents." PLoS ONE 12(2),
   e0170920 (2017).
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import warnings

import numpy as np

from netgraph import _tpl_core as _core
from netgraph.exceptions import FitError, InvalidParameterError, NotFittedError

__all__ = ["DiscreteTPL", "tpl_alpha_mle", "TruncatedPowerLaw", "fit_tpl", "RULES", "METHODS", "KS_TIE"]

#: Accepted values of ``rule``: how the range (xmin, xmax) is chosen.
RULES = ("ks", "deluca-corral")
#: Accepted values of ``method``: which bootstrap gives the p-value.
METHODS = ("clauset", "deluca-corral")

#: Two Kolmogorov-Smirnov distances closer than this are a tie (rounding noise).
KS_TIE = 1e-12
#: Candidate ranges whose lower bound of the distance is within this of the best exact
#: distance are always evaluated exactly (covers the rounding of the bound).
_KS_MARGIN = 1e-10
#: Supports up to this many integers are sampled from a table of the CCDF; longer ones
#: by bisection on the CCDF computed in O(1).
_TABLE_MAX = 1 << 21
#: Fixed-range bootstraps on supports up to this many integers draw counts per value
#: (multinomial) and compare the CCDFs at every integer directly.
_DENSE_MAX = 4096
#: Searches whose candidate ranges hold at most this many distinct observed values in
#: all get exact KS distances for every pair, without lower bounds first.
_EXACT_ALL = 3_000
#: Samples whose positive degrees span at most this many integers get a table of the
#: number of degrees below each integer (the KS bounds at the ends of the ranges).
_BELOW_TABLE = 1 << 20
#: Rounds of bounds of the KS distance at the ends of the ranges, each on the ranges the
#: previous ones did not rule out: (integers compared, 0 = bottom end / 1 = top end).
_END_ROUNDS = ((16, 0), (16, 1), (48, 0), (48, 1))
#: Ranges of at most this many integers get their exact KS distance from both CCDFs at
#: every integer (a padded block); longer ones from the observed values and the gaps.
_DENSE_KS = 512
#: ... and the pairs left after the bounds get theirs in one block of up to this many entries.
_DENSE_BLOCK = 1 << 16
#: Relative tolerance of alpha.
_ALPHA_TOL = 1e-13
#: The direct solver (:func:`_solve_alpha_direct`): Taylor terms in the change of alpha
#: (powers 0.._DIRECT_TERMS - 1), the largest |alpha - centre| log(b / a) it serves, the
#: one its centres aim at, and its budget of table cells (plus _DIRECT_PER_PAIR per pair).
_DIRECT_TERMS = 17
_DIRECT_RADIUS = 0.75
_DIRECT_AIM = 0.5
_DIRECT_CELLS = 1 << 17
_DIRECT_PER_PAIR = 64

# ---------------------------------------------------------------------------------------
# Partial sums of k^-alpha (log k)^j by Euler-Maclaurin summation (netgraph._tpl_core)
# ---------------------------------------------------------------------------------------
#: B_{2i} / (2i)! for i = 1..10 (Bernoulli numbers B2 = 1/6, B4 = -1/30, ..., B20).
_EM_COEF = _core.EM_COEF
#: Euler-Maclaurin is used from X0 = ceil(_EM_C * (|alpha| + _EM_K)) on; terms below are
#: summed directly. With 10 correction terms the remainder is at most
#: 2 |(alpha)_19| / ((2 pi)^20 X0^19) of the sum, and |(alpha)_19| <= (|alpha| + 9)^19, so
#: these constants keep it below 1e-17 (_EM_C = (2e17 / (2 pi)^20)^(1/19)).
_EM_C = _core.EM_C
_EM_K = _core.EM_K
#: Terms smaller than exp(-_TRIM) times the largest term of a sum are dropped (only when
#: |alpha| > 1, where the dropped tail is then below exp(-_TRIM (1 - 1/|alpha|)) of it).
_TRIM = _core.TRIM
#: Long arrays are processed in chunks of this many elements (the temporaries then stay in
#: the processor's cache: about three times faster than one pass over millions).
_CHUNK = _core.CHUNK
#: Sums T_j = sum_{k=x}^{y} (k/r)^-alpha * log(k/r)^j for j = 0..order (order <= 3), vectorised
#: over 1-D float arrays: ``alpha`` real, ``x <= y`` integers, ``r > 0`` the scale (``r = x``
#: for alpha >= 0 and ``r = y`` below, so that no term exceeds 1). Small k are summed
#: directly, the rest by Euler-Maclaurin summation with 10 Bernoulli terms, differentiated
#: exactly in alpha for the log-weighted sums; relative error a few units of 1e-16.
_partial_sums = _core.partial_sums


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------
def _check_degrees(degrees, name="degrees") -> np.ndarray:
    """Degrees as a 1-D int64 array; InvalidParameterError naming the first bad value."""
    try:
        arr = np.asarray(degrees)
    except Exception as exc:  # ragged lists and the like
        raise InvalidParameterError(f"{name} must be a 1-D array of non-negative integers: {exc}") from None
    if arr.ndim != 1:
        raise InvalidParameterError(f"{name} must be a 1-D array of non-negative integers; got shape {arr.shape}")
    if arr.size == 0:
        raise InvalidParameterError(f"{name} is empty: there is nothing to fit")
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(f"{name} must hold integers; got an array of dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise InvalidParameterError(f"{name} must be finite numbers; {name}[{bad[0]}] = {arr[bad[0]]!r}")
        bad = np.flatnonzero(arr != np.floor(arr))
        if bad.size:
            raise InvalidParameterError(f"{name} must be integers; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    if arr.min() < 0:
        bad = np.flatnonzero(arr < 0)
        raise InvalidParameterError(f"{name} must be non-negative; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    if arr.max() > 2**53:
        bad = np.flatnonzero(arr > 2**53)
        raise InvalidParameterError(f"{name} must be at most 2**53; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    return arr.astype(np.int64, copy=False)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_k(k) -> float:
    if not _is_real(k) or not math.isfinite(k) or not 0.0 < k <= 0.5:
        raise InvalidParameterError(f"k must be a number in (0, 0.5]; got {k!r}")
    return float(k)


def _check_int(value, name, minimum=None) -> int:
    if isinstance(value, bool) or not (isinstance(value, numbers.Integral)
                                       or (_is_real(value) and math.isfinite(value) and value == int(value))):
        raise InvalidParameterError(f"{name} must be an integer; got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidParameterError(f"{name} must be at least {minimum}; got {value!r}")
    return value


def _check_choice(value, name, choices):
    if value not in choices:
        raise InvalidParameterError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _check_n_jobs(n_jobs) -> int:
    if n_jobs is None or (not isinstance(n_jobs, bool) and isinstance(n_jobs, numbers.Integral) and n_jobs == -1):
        return os.cpu_count() or 1
    return _check_int(n_jobs, "n_jobs", 1)


def _check_seed(seed):
    """``seed`` unchanged if it is an accepted random source (nothing is drawn from it)."""
    ok = (seed is None or isinstance(seed, (np.random.SeedSequence, np.random.Generator))
          or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0))
    if not ok:
        raise InvalidParameterError(
            f"seed must be None, a non-negative integer, a SeedSequence or a Generator; got {seed!r}")
    return seed


def _seed_sequence(seed) -> np.random.SeedSequence:
    """A SeedSequence from None, an integer, a SeedSequence or a Generator (one draw)."""
    _check_seed(seed)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(2**63)))
    return np.random.SeedSequence(int(seed))


def _child_seed(ss: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``ss`` named by ``key``: the same key gives the same stream, in any order."""
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + tuple(int(k) for k in key))


# ---------------------------------------------------------------------------------------
# Maximum likelihood
# ---------------------------------------------------------------------------------------
def _guess_table(size=2048):
    """The inverse of h(c) = E[S] for the density proportional to exp(c s) on [0, 1]
    (h(c) = 1 / (1 - exp(-c)) - 1 / c), as the correction d(t) = c(t) - (1 / (1 - t) - 1 / t)
    to an approximation exact at both ends, tabulated at t = i / size (Newton's method)."""
    t = np.arange(1, size) / size
    c = 1.0 / (1.0 - t) - 1.0 / t
    with np.errstate(all="ignore"):
        for _ in range(60):
            small = np.abs(c) < 1e-4
            h = np.where(small, 0.5 + c / 12.0, 1.0 / -np.expm1(-c) - 1.0 / c)
            dh = np.where(small, 1.0 / 12.0, 1.0 / c**2 - 0.25 / np.sinh(0.5 * c) ** 2)
            c = c - (h - t) / dh
    d = c - (1.0 / (1.0 - t) - 1.0 / t)
    return np.concatenate([[0.0], t, [1.0]]), np.concatenate([[-1.0], d, [1.0]])


_GUESS_T, _GUESS_D = _guess_table()


def _alpha_guess(mrel, a, b):
    """Starting exponents: the ML exponent of the continuous power law on
    [a - 1/2, b + 1/2] (log X is then a truncated exponential), from a table of the
    inverse of its mean (error about 1e-6 in alpha log(b / a)); 1 where that fails."""
    a2 = a - 0.5
    lam = np.log((b + 0.5) / a2)
    t = (mrel + np.log(a / a2)) / lam  # in (0, 1)
    with np.errstate(all="ignore"):
        c = 1.0 / (1.0 - t) - 1.0 / t + np.interp(t, _GUESS_T, _GUESS_D)
        alpha = 1.0 - c / lam
    return np.where(np.isfinite(alpha), alpha, 1.0)


def _solve_alpha(mrel, a, b, lam, alpha0=None, tol=_ALPHA_TOL, maxiter=200, normalizer=False, ends=None):
    """Maximum-likelihood exponents of many ranges at once.

    Solves ``E_alpha[log(X / a)] = mrel`` on each range ``[a, b]`` (arrays of floats),
    ``lam = log(b / a)``, ``0 < mrel < lam``: E is strictly decreasing in alpha (its
    derivative is minus the variance of log X), so the root is unique. Safeguarded Halley
    iteration (cubic convergence; the sums of k^-alpha (log k)^j, j <= 3, give the first
    three cumulants of log X): a bracket [lo, hi] of the root is kept for each range, a
    step that leaves it is replaced by bisection (or, while the bracket is open on one
    side, by doubling). A range is done once the predicted error after its step,
    ``lam^2 |step|^3`` (the third and fourth cumulants of a variable spread over an
    interval of length ``lam`` are at most ``lam`` and ``1.75 lam^2`` times its variance),
    is below ``tol / 10`` of ``1 + |alpha|``, or once its bracket is that narrow.

    The sums are prepared once (:class:`netgraph._tpl_core.Sums`) and evaluated again at
    each iterate while they serve it; from the continuous-approximation start two
    evaluations usually suffice.

    With ``normalizer=True`` also returns ``(neg, z, lb)``: which ranges were summed on the
    scale r = b (else r = a), ``z = sum_{k=a}^{b} (k/r)^-alpha`` at the returned alpha (from
    the cumulants at the last iterate when its step was small, else NaN; a tuple of the
    arguments of :func:`_normalizer` while not needed yet), and ``lb``, lower bounds of the KS
    distances of the fits from the CDFs at the first integers of each range, given
    ``ends = (femp, valid, ell)`` (see :func:`_ends_bound`; None when not all ranges
    converged together). They use the normalisers of the last evaluation, exact at its
    exponents: the distance at the returned exponent differs by at most
    |change of alpha| lam / 4 (the derivative of a CCDF with respect to alpha is a
    covariance with log X, at most lam / 4), which the bound subtracts.
    """
    n = mrel.size
    alpha = _alpha_guess(mrel, a, b) if alpha0 is None else np.array(alpha0, dtype=float)
    if n > _CHUNK:
        rz = (np.empty(n, dtype=bool), np.empty(n))
        for i in range(0, n, _CHUNK):
            sl = slice(i, i + _CHUNK)
            res = _solve_alpha(mrel[sl], a[sl], b[sl], lam[sl], alpha[sl], tol, maxiter, normalizer)
            if normalizer:
                alpha[sl], (rz[0][sl], z, _) = res
                rz[1][sl] = _normalizer(*z) if isinstance(z, tuple) else z
            else:
                alpha[sl] = res
        return (alpha, rz + (None,)) if normalizer else alpha
    r_out = z_out = lb = None
    lo = hi = None  # the brackets (the first iteration opens them)
    act = None  # the ranges still iterating (None: all)
    al, aa, bb, la, mr = alpha, a, b, lam, mrel
    sums = None  # sums prepared (netgraph._tpl_core.Sums) over the ranges ``rows`` (None: all)
    for _ in range(maxiter):
        t = None
        if sums is not None and 2 * al.size >= sums.n:
            # the prepared sums serve all their ranges (the done ones at their final alpha)
            t = sums(alpha if rows is None else alpha[rows])
            if t is not None:
                if al.size < sums.n:
                    pos = act if rows is None else np.searchsorted(rows, act)
                    t = t[:, pos]
                    r_neg = sums_neg[pos]
                else:
                    r_neg = sums_neg
        if t is None:
            r_neg = al < 0.0
            sums = _core.Sums(al, aa, bb, np.where(r_neg, bb, aa), 3, slack=0.5)
            rows, sums_neg = act, r_neg
            t = sums(al, check=False)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            m1, m2, m3 = t[1:] / t[0]
            var = m2 - m1 * m1
            k3 = m3 - m1 * (3.0 * m2 - 2.0 * m1 * m1)
            g = m1 - mr  # E[log X/a] - mean, decreasing in alpha
            if r_neg.any():
                g += np.where(r_neg, la, 0.0)
            den = 2.0 * var * var - g * k3
            step = 2.0 * g * var / den  # Halley
            if not (den > 0.0).all():
                step = np.where(den > 0.0, step, g / var)  # Newton
            nxt = al + step
            up = g > 0.0
            lo_a = np.where(up, al, -np.inf if lo is None else lo[act] if act is not None else lo)
            hi_a = np.where(up, np.inf if hi is None else hi[act] if act is not None else hi, al)
            s1 = 1.0 + np.abs(al)
            astep = np.abs(step)
            dl = la * astep
            done = (dl * dl * astep <= (0.1 * tol) * s1) & (astep <= 0.01 * s1)  # converged
            ok = (nxt > lo_a) & (nxt < hi_a) & (var > 0.0)
            if not ok.all():
                done &= var > 0.0
                fin_lo = np.isfinite(lo_a)
                fin_hi = np.isfinite(hi_a)
                fallback = np.where(
                    fin_lo & fin_hi, 0.5 * (lo_a + hi_a),
                    np.where(fin_lo, lo_a + np.maximum(1.0, np.abs(lo_a)), hi_a - np.maximum(1.0, np.abs(hi_a))),
                )
                nxt = np.where(ok | done, nxt, fallback)
                zero = g == 0.0
                nxt = np.where(zero, al, nxt)
                done |= zero
            if not done.all():
                done |= hi_a - lo_a <= tol * s1
        if act is None:
            alpha, lo, hi = nxt, lo_a, hi_a
            if done.all():
                if normalizer:
                    r_out, z_out = r_neg, (t[0], m1, var, k3, nxt - al, la, done)  # z when asked
                    if ends is not None:
                        lb = _ends_bound(al, t[0], r_neg, la, ends, np.abs(nxt - al) * la)
                break
            if not done.any():
                al = alpha
                continue
            if normalizer:
                r_out, z_out = r_neg.copy(), _normalizer(t[0], m1, var, k3, nxt - al, la, done)
            act = np.flatnonzero(~done)
        else:
            alpha[act] = nxt
            lo[act] = lo_a
            hi[act] = hi_a
            if normalizer:
                r_out[act] = r_neg
                z_out[act] = _normalizer(t[0], m1, var, k3, nxt - al, la, done)
            act = act[~done]
            if not act.size:
                break
        al, aa, bb, la, mr = alpha[act], a[act], b[act], lam[act], mrel[act]
    return (alpha, (r_out, z_out, lb)) if normalizer else alpha


def _direct_cells(low, b) -> int:
    """Table cells :func:`_solve_alpha_direct` needs for tables starting at ``low`` and ends ``b``."""
    return (_DIRECT_TERMS + 3) * low.size * int(float(b.max()) - float(low.min()) + 1.0)


def _solve_alpha_direct(low, row, high, col, b, mrel, lam, budget, guess=None, tol=_ALPHA_TOL, maxiter=8):
    """Maximum-likelihood exponents of a grid of ranges by direct sums, expanded in alpha.

    The ranges are ``[low[row], b]``, ``b = high[col]``: few distinct lower ends (the rows
    of the grid of candidate pairs, ``low`` increasing), each with many upper ends (the
    columns, ``high`` increasing from the smallest column in ``col`` on). For each row the
    sums R_i(b) = sum_{k=a}^{b} (k/a)^-c log(k/a)^i, i = 0..19, at one exponent c
    (the row's centre, or one per group of the row's ranges when their starting guesses
    are too far apart for one) are tabulated for every b at once (cumulative sums over the
    integers: exact direct sums, no approximation). At any exponent alpha = c + d,

        T_j = sum_{k=a}^{b} (k/a)^-alpha log(k/a)^j = sum_m (-d)^m / m! R_{m+j},

    the Taylor series of exp(-d log(k/a)) summed term by term. With |d| log(b/a) <= 0.75
    the 17 terms kept leave a remainder below 1e-17 of T_j, and the alternating terms
    (d > 0) lose at most a factor exp(1.5) ~ 4.5 to rounding. Each evaluation is then one
    small contraction, whatever the length of the ranges, and the Halley iteration of
    :func:`_solve_alpha` (same convergence test) runs on it.

    Returns None when the tables would take more than ``budget`` cells (see
    :func:`_direct_cells`), else ``(alpha, z, served)``: ``z = sum_{k=a}^{b} (k/a)^-alpha`` at the returned
    alpha (scale r = a for every range, negative exponents included), and which ranges
    were solved (those whose iterates stayed within 0.75 / log(b/a) of their row's
    centre, whose centre keeps the table finite, and that converged in ``maxiter``
    steps). Starting exponents ``guess`` default to :func:`_alpha_guess`; a range that
    left its centre's reach keeps its last iterate in ``alpha``, a better start for
    another call (see :meth:`_Search._solve`).
    """
    n = b.size
    nterm = _DIRECT_TERMS
    change = np.flatnonzero(row[1:] != row[:-1]) + 1  # pairs are ordered by row
    starts = np.empty(change.size + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = change
    if guess is None:
        guess = _alpha_guess(mrel, low[row], b)
    top = float(high.max())
    # each row's centre: inside [g - aim / lam, g + aim / lam] for every pair when those
    # intervals meet; else the row's pairs are split by their guess into bins of width
    # 2 aim / log(top / a) (no narrower than their intervals), one centre per bin
    reach = _DIRECT_AIM / lam
    lo_c = np.maximum.reduceat(guess - reach, starts)
    hi_c = np.minimum.reduceat(guess + reach, starts)
    single = lo_c <= hi_c
    rid = np.zeros(n, dtype=np.int64)  # the pair's row among those present
    rid[change] = 1
    np.cumsum(rid, out=rid)
    p_row = row[starts]
    if single.all():
        grp = rid
        g_low = low[p_row]
        centre = 0.5 * (lo_c + hi_c)
    else:
        binw = 2.0 * _DIRECT_AIM / np.log1p((top - low[p_row]) / low[p_row])
        gmin = np.minimum.reduceat(guess, starts)
        bins = np.where(single[rid], 0.0, np.floor((guess - gmin[rid]) / binw[rid])).astype(np.int64)
        nbin = int(bins.max()) + 1
        keys, grp = np.unique(rid * nbin + bins, return_inverse=True)
        g_rid, g_bin = np.divmod(keys, nbin)
        g_low = low[p_row[g_rid]]
        centre = np.where(single[g_rid], 0.5 * (lo_c + hi_c)[g_rid], gmin[g_rid] + (g_bin + 0.5) * binw[g_rid])
    nrow = g_low.size
    if _direct_cells(g_low, high) > budget:
        return None
    low = g_low
    row = grp
    a0 = float(low[0])
    c0 = int(col.min())  # the columns from c0 on all hold pairs (row 0 pairs with each)
    ends = high[c0:]
    col = col - c0
    top = float(ends[-1])
    width = int(top - a0) + 1
    lam_row = np.log1p((top - low) / low)
    row_ok = np.abs(centre) * lam_row <= 300.0  # (k/a)^-c stays far from overflow
    # the terms (k/a)^-c log(k/a)^i for k >= low[r], summed between consecutive ends and
    # then cumulated: R[i, r, e] = sum over k <= ends[e]
    k = a0 + np.arange(width, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ell = np.log1p((k[None, :] - low[:, None]) / low[:, None])
        inside = k[None, :] >= low[:, None]
        ell = np.where(inside, ell, 0.0)
        w = np.exp(-np.where(row_ok, centre, 0.0)[:, None] * ell)
    w *= inside
    table = _core._powers(ell.ravel(), nterm + 3, w.ravel())  # (k/a)^-c log(k/a)^i
    cut = np.empty(ends.size, dtype=np.int64)
    cut[0] = 0
    cut[1:] = (ends[:-1] - a0).astype(np.int64) + 1
    table = np.add.reduceat(table.reshape((nterm + 3) * nrow, width), cut, axis=1)
    np.cumsum(table, axis=1, out=table)
    s = table.reshape(nterm + 3, nrow, ends.size)[:, row, col]  # (nterm + 3, n)
    # h[j, m] = R_{m+j}: a view of s with overlapping rows (nothing copied)
    h = np.lib.stride_tricks.as_strided(s, shape=(4, nterm, n), strides=(s.strides[0],) + s.strides,
                                        writeable=False)
    c = centre[row]
    served = row_ok[row].copy()
    alpha = np.where(served, guess, c)
    done = ~served
    lim = _DIRECT_RADIUS / lam
    t = None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(maxiter):
            served &= np.abs(alpha - c) <= lim
            done |= ~served
            if done.all():
                break
            at = alpha
            dpow = _core._powers(c - alpha, nterm)
            dpow *= _INV_FACT  # (-d)^m / m!
            t = np.einsum("mp,jmp->jp", dpow, h)
            m1, m2, m3 = t[1:] / t[0]
            var = m2 - m1 * m1
            k3 = m3 - m1 * (3.0 * m2 - 2.0 * m1 * m1)
            g = m1 - mrel
            den = 2.0 * var * var - g * k3
            step = np.where(den > 0.0, 2.0 * g * var / den, g / var)
            astep = np.abs(step)
            s1 = 1.0 + np.abs(alpha)
            dl = lam * astep
            conv = (dl * dl * astep <= (0.1 * tol) * s1) & (astep <= 0.01 * s1)
            bad = ~(var > 0.0) | ~np.isfinite(step)
            served &= ~bad
            alpha = np.where(done | bad, alpha, alpha + step)
            done |= conv | bad
        served &= done & (np.abs(alpha - c) <= lim)
        if t is None:  # no range within reach
            return alpha, np.full(n, np.nan), served
        # z at the returned alpha from the last evaluation, at ``at`` (alpha itself for the
        # ranges done before it): log z moves by the cumulant generating function of
        # log(X/a), exact to 0.08 (d lam)^4 (see _normalizer); directly where d is larger
        d = alpha - at
        z = t[0] * np.exp(d * (-m1 + d * (0.5 * var - d * k3 * (1.0 / 6.0))))
        far = np.flatnonzero(np.abs(d) * lam > 1e-4)
        if far.size:
            z[far] = np.einsum("mp,mp->p", _core._powers(c[far] - alpha[far], nterm) * _INV_FACT, s[:nterm, far])
    return alpha, z, served


#: 1 / m! for the Taylor terms of :func:`_solve_alpha_direct` (a column).
_INV_FACT = np.array([1.0 / math.factorial(m) for m in range(_DIRECT_TERMS)])[:, None]


def _normalizer(t0, m1, var, k3, d, lam, done):
    """z = sum_{k=a}^{b} (k/r)^-alpha at alpha + d from the sum and the cumulants of log(X/r)
    at alpha: log z(alpha + d) = log z(alpha) + K(-d), K the cumulant generating function,
    exact to d^4 kappa_4 / 24 <= 0.08 (d lam)^4 of it; NaN where |d| lam > 1e-4 or not done."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = t0 * np.exp(d * (-m1 + d * (0.5 * var - d * k3 * (1.0 / 6.0))))
    return np.where(done & (np.abs(d) * lam <= 1e-4), z, np.nan)


def _ends_bound(alpha, z, neg, lam, ends, shift):
    """Lower bounds of the KS distances from the CDFs at the first integers of the ranges
    [a, b]: the model's from the first terms (k/r)^-alpha (r = b where ``neg``, else a) and
    their sum ``z`` over the range, at the exponents ``alpha`` of the last evaluation;
    ``ends`` = (femp, valid, ell) the empirical CDFs at a + j, which j count (a + j < b)
    and log((a + j) / a); ``shift`` = |change of alpha since| lam (see :func:`_solve_alpha`)."""
    femp, valid, ell = ends
    e = ell * -alpha
    if neg.any():
        e += np.where(neg, alpha * lam, 0.0)  # log((a + j) / b) = log((a + j) / a) - lam
    with np.errstate(over="ignore"):
        w = np.exp(e)
    model = _core.matmul(_tri(ell.shape[0]), w)  # the sums of the first j + 1 terms
    model /= z
    model -= femp
    np.abs(model, out=model)
    model *= valid
    return model.max(axis=0) - (0.25 * shift + 1e-15)


# ---------------------------------------------------------------------------------------
# Kolmogorov-Smirnov distances
# ---------------------------------------------------------------------------------------
def _ks_padded(alpha, a, b, v, cge, valid, n_tail):
    """KS distance over every integer of [a, b] for P fitted ranges (exact).

    ``v`` (P, L): the distinct observed values of each range in increasing order, padded
    on the right by repeating the last one; ``cge`` (P, L): the number of observations
    >= v; ``valid`` (P, L): which entries are real. Between two observed values the
    empirical CCDF is constant and the model's decreasing, so the largest gap over every
    integer sits at an observed value v or at v + 1 (below the smallest observed value
    both CCDFs are 1 at ``a``; above the largest the empirical one is 0).
    """
    p = alpha.size
    r = np.where(alpha >= 0.0, a, b)
    wv = np.exp(-alpha[:, None] * np.log1p((v - r[:, None]) / r[:, None]))
    wv[~valid] = 0.0
    gap_lo = v[:, :-1] + 1.0
    gap_hi = v[:, 1:] - 1.0
    gaps = np.zeros_like(gap_lo)
    rows, cols = np.nonzero(valid[:, 1:] & (gap_hi >= gap_lo))
    # the parts of [a, b] below the smallest and above the largest observed value
    last = valid.sum(axis=1) - 1
    top_lo = v[np.arange(p), last] + 1.0
    head_hi = v[:, 0] - 1.0
    has_top = np.flatnonzero(top_lo <= b)
    has_head = np.flatnonzero(head_hi >= a)
    lo = np.concatenate([gap_lo[rows, cols], top_lo[has_top], a[has_head]])
    hi = np.concatenate([gap_hi[rows, cols], b[has_top], head_hi[has_head]])
    owner = np.concatenate([rows, has_top, has_head])
    sums = _partial_sums(alpha[owner], lo, hi, r[owner], order=0)[0] if owner.size else owner
    gaps[rows, cols] = sums[:rows.size]
    top = np.zeros(p)
    top[has_top] = sums[rows.size:rows.size + has_top.size]
    head = np.zeros(p)
    head[has_head] = sums[rows.size + has_top.size:]
    block = wv.copy()
    block[:, :-1] += gaps
    block[np.arange(p), last] += top
    tail = np.cumsum(block[:, ::-1], axis=1)[:, ::-1]  # sum_{k >= v_j}, from the small terms up
    z = (tail[:, 0] + head)[:, None]
    semp = cge / n_tail[:, None]
    d = np.where(valid, np.abs(semp - tail / z), 0.0).max(axis=1)
    d = np.maximum(d, top / z[:, 0])  # x = largest value + 1: empirical CCDF 0
    if v.shape[1] > 1:
        # x = v_j + 1: model tail = tail_{j+1} + gap_j, empirical = S_emp(v_{j+1})
        d1 = np.abs(semp[:, 1:] - (tail[:, 1:] + gaps) / z)
        d = np.maximum(d, np.where(valid[:, 1:], d1, 0.0).max(axis=1))
    return d


class _Sample:
    """Degrees prepared for the range search: sorted, distinct positive values, prefix sums."""

    def __init__(self, deg: np.ndarray):
        s = np.sort(deg)
        self.sorted = s
        self.n = int(s.size)
        self.n_isolated = int(np.searchsorted(s, 0, side="right"))
        pos = s[self.n_isolated:]
        if pos.size:
            new = np.empty(pos.size, dtype=bool)  # first of its value (pos is sorted)
            new[0] = True
            np.not_equal(pos[1:], pos[:-1], out=new[1:])
            first = np.flatnonzero(new)
            u = pos[first]
            self.cum = np.append(first, pos.size)  # positive degrees below u[i]
        else:
            u = pos
            self.cum = np.zeros(1, dtype=np.int64)
        self.u = u
        self.uf = u.astype(float)
        self.lg = np.log1p((self.uf - self.uf[0]) / self.uf[0]) if u.size else self.uf
        self.cumlog = np.zeros(u.size + 1)
        np.cumsum((self.cum[1:] - self.cum[:-1]) * self.lg, out=self.cumlog[1:])
        self._below = None
        self._pos_u = None

    @property
    def pos_u(self):
        """For each positive degree in sorted order, the index of its value in ``u``."""
        if self._pos_u is None:
            self._pos_u = np.repeat(np.arange(self.u.size), np.diff(self.cum))
        return self._pos_u

    def below_table(self) -> bool:
        """Whether the positive degrees span few enough integers for a table of ``below``."""
        if self._below is None:
            u = self.u
            span = int(u[-1] - u[0]) + 1
            if span <= _BELOW_TABLE:
                # table[i] = number of degrees below u[0] + i, for i = 0..span (u[-1] + 1)
                reps = np.empty(u.size + 1, dtype=np.int64)
                reps[0] = 1
                np.subtract(u[1:], u[:-1], out=reps[1:-1])
                reps[-1] = 1
                self._below = (np.repeat(self.cum.astype(float), reps), float(u[0]), float(span))
            else:
                self._below = (None, None, None)
        return self._below[0] is not None

    def below(self, x):
        """Number of positive degrees below each x (float array of integers), as floats."""
        if not self.below_table():
            return self.cum[np.searchsorted(self.uf, x, side="left")].astype(float)
        table, u0, span = self._below
        return table[np.clip(x - u0, 0.0, span).astype(np.int64)]


def _ks_exact_pairs(sample: _Sample, ia, ib, alpha, a, b):
    """Exact KS distances of the ranges [a, b], whose observed values are u[ia]..u[ib]."""
    span = ib - ia
    width = int(span.max()) + 1
    j = np.arange(width)
    valid = j[None, :] <= span[:, None]
    idx = np.minimum(ia[:, None] + j[None, :], ib[:, None])
    hi = sample.cum[ib + 1]
    cge = (hi[:, None] - sample.cum[idx]).astype(float)
    n_tail = (hi - sample.cum[ia]).astype(float)
    return _ks_padded(alpha, a, b, sample.uf[idx], cge, valid, n_tail)


def _ks_lower(sample: _Sample, ia, ib, alpha, a, b, nq=16):
    """Lower bounds of the KS distances: the gaps at ``nq`` quantiles of each range and at v + 1."""
    step = max(1, _CHUNK // nq)
    if ia.size > step:
        return np.concatenate([
            _ks_lower(sample, ia[i:i + step], ib[i:i + step], alpha[i:i + step], a[i:i + step], b[i:i + step], nq)
            for i in range(0, ia.size, step)
        ])
    lo = sample.cum[ia]
    hi = sample.cum[ib + 1]
    nt = hi - lo
    q = (np.arange(nq) + 0.5) / nq
    pos = lo[:, None] + (q[None, :] * nt[:, None]).astype(np.int64)
    ui = sample.pos_u[pos]
    v = sample.uf[ui]
    r = np.where(alpha >= 0.0, a, b)
    p = ia.size
    tails = _partial_sums(np.repeat(alpha, nq), v.ravel(), np.repeat(b, nq), np.repeat(r, nq), order=0)[0]
    tails = tails.reshape(p, nq)
    z = _partial_sums(alpha, a, b, r, order=0)[0][:, None]
    wv = np.exp(-alpha[:, None] * np.log1p((v - r[:, None]) / r[:, None]))
    ntf = nt[:, None].astype(float)
    d = np.abs((hi[:, None] - sample.cum[ui]) / ntf - tails / z).max(axis=1)
    d1 = np.abs((hi[:, None] - sample.cum[ui + 1]) / ntf - (tails - wv) / z)
    d1 = np.where(v < b[:, None], d1, 0.0).max(axis=1)
    return np.maximum(d, d1)


def _tri(size, _cache={}):
    """The lower-triangular matrix of ones (cumulative sums as a matrix product)."""
    if size not in _cache:
        _cache[size] = np.tri(size)
    return _cache[size]


def _ks_ends(sample: _Sample, low, high, row, col, ia, ib, alpha, lam, neg, z, width, depth, side):
    """Lower bounds of the KS distances from the ``depth`` integers at one end of the ranges.

    The ranges are [low[row], high[col]], ``width`` = high[col] - low[row];
    ``neg`` says which were summed on the scale r = b
    (else r = a), ``z`` is their normaliser on that scale (NaN: unknown, bound NaN). At the
    bottom (``side`` 0), x = a + 1 .. a + depth, the model CCDF is
    1 - sum_{k=a}^{x-1} (k/r)^-alpha / z; at the top (``side`` 1), x = b - depth + 1 .. b,
    it is sum_{k=x}^{b} (k/r)^-alpha / z: a few terms summed directly. The logarithms and
    the empirical counts at those points depend only on one end of the range: they are
    tabulated per candidate xmin or xmax.
    """
    j = np.arange(depth, dtype=float)[:, None]
    hi = sample.cum[ib + 1]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if side == 0:
            ell = np.log1p(j / low).take(row, axis=1)  # log(k / a), k = a + j
            cnt = sample.below(low + j + 1.0).take(row, axis=1)
            if neg.any():
                ell -= np.where(neg, lam, 0.0)  # log(a / r)
        else:
            ell = np.log1p(-j / high).take(col, axis=1)  # log(k / b), k = b - j
            cnt = sample.below(high - j).take(col, axis=1)
            ell += np.where(neg, 0.0, lam)  # log(b / r)
        ell *= -alpha
        model = _core.matmul(_tri(depth), np.exp(ell))  # cumulative sums along the terms
        model /= z
        lo = sample.cum[ia]
        if side == 0:  # CDFs at x - 1 = a + j: 1 - CCDF at x
            cnt -= lo
            cnt /= (hi - lo).astype(float)
        else:  # CCDFs at x = b - j
            cnt -= hi
            cnt /= (lo - hi).astype(float)
        cnt -= model
        np.abs(cnt, out=cnt)
        cnt *= j < width  # a < x <= b
        return cnt.max(axis=0) + z * 0.0  # NaN where z is


def _ks_exact_dense(sample: _Sample, ia, ib, alpha, a, b):
    """Exact KS distances of short ranges [a, b], from both CCDFs at every integer (a
    padded block of b - a + 1 rows)."""
    width = b - a
    j = np.arange(int(width.max()) + 1, dtype=float)[:, None]
    k = a + j
    r = np.where(alpha >= 0.0, a, b)
    inside = j <= width
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp(-alpha * np.log1p((k - r) / r))
    w *= inside
    tail = np.cumsum(w[::-1], axis=0)[::-1]  # sum_{k' >= k}, the small terms first
    hi = sample.cum[ib + 1]
    emp = (hi - sample.below(k)) / (hi - sample.cum[ia]).astype(float)
    d = np.abs(emp - tail / tail[0])
    d *= inside
    return d.max(axis=0)


# ---------------------------------------------------------------------------------------
# The search over (xmin, xmax)
# ---------------------------------------------------------------------------------------
def _n_extreme(n: int, k: float) -> int:
    """floor(n k), with an allowance of 1e-9 for the binary rounding of k (0.3 * 10 = 3)."""
    return int(math.floor(n * k + 1e-9))


def _candidate_pairs(sample: _Sample, k: float, xmin=None, xmax=None):
    """The candidate (xmin, xmax) pairs, ordered by xmin then xmax.

    Returns ``ia, ib`` (indices into sample.u of the smallest and largest observed value
    in range), ``a, b`` (the range, as floats) and ``row, col`` (the pair's place in the
    grid of xmin and xmax candidates). A given ``xmin`` or ``xmax`` replaces the search
    on that side.
    """
    n = sample.n
    distinct = sample.u.size
    if distinct < 3:
        raise FitError(
            f"too few distinct positive degrees to fit a truncated power law: {distinct} "
            f"(n = {n} nodes, {sample.n_isolated} isolated); at least 3 are needed"
        )
    m = _n_extreme(n, k)
    if m < 1 and (xmin is None or xmax is None):
        raise FitError(f"too few nodes to search xmin and xmax: floor(n*k) = floor({n}*{k}) = 0")
    u = sample.u
    if xmin is None:
        # the distinct positive values among the m smallest: those up to the m-th smallest
        low = u[:int(np.searchsorted(u, sample.sorted[m - 1], side="right"))]
        if not low.size:
            raise FitError(
                f"no candidate range: the floor(n*k) = {m} smallest degrees (k = {k}, n = {n}) are all zero "
                f"({sample.n_isolated} isolated nodes), and zero is never a candidate xmin"
            )
        ia = np.arange(low.size)
    else:
        low = np.array([xmin], dtype=np.int64)
        ia = np.searchsorted(u, low, side="left")
    if xmax is None:
        start = int(np.searchsorted(u, sample.sorted[n - m], side="left"))
        high = u[start:]
        ib = np.arange(start, distinct)
    else:
        high = np.array([xmax], dtype=np.int64)
        ib = np.searchsorted(u, high, side="right") - 1
    # At least 3 distinct observed degrees in range (ib >= ia + 2, which implies xmin < xmax):
    # for each xmin, a suffix of the xmax candidates (ib is increasing).
    first = np.searchsorted(ib, ia + 2, side="left")
    count = high.size - first
    row = np.repeat(np.arange(low.size), count)
    if not row.size:
        if xmin is not None and xmax is not None:
            raise FitError(f"the range [{xmin}, {xmax}] holds fewer than 3 distinct degrees")
        raise FitError(
            f"no candidate range: no xmin {'= ' + str(xmin) if xmin is not None else f'among the {m} smallest degrees'}"
            f" and xmax {'= ' + str(xmax) if xmax is not None else f'among the {m} largest'} (k = {k}, n = {n}) "
            "enclose 3 distinct positive degrees"
        )
    col = np.arange(row.size) - np.repeat(np.cumsum(count) - count - first, count)
    return ia[row], ib[col], low[row].astype(float), high[col].astype(float), row, col


def _smallest(values, count):
    """Indices of the ``count`` smallest values (all if fewer), in increasing order of value."""
    if values.size > count:
        idx = np.argpartition(values, count - 1)[:count]
        return idx[np.argsort(values[idx], kind="stable")]
    return np.argsort(values, kind="stable")


def _pick(ks, n_tail, a, b) -> int:
    """Index of the smallest distance in ``ks`` (NaN: not computed). Distances within
    KS_TIE of it are ties, broken by larger n_tail, then smaller xmin ``a``, then larger
    xmax ``b``."""
    best = np.fmin.reduce(ks)  # NaN (not computed) left out
    tie = np.flatnonzero(ks <= best + KS_TIE)
    if tie.size == 1:
        return int(tie[0])
    first = np.lexsort((-b[tie], a[tie], -n_tail[tie]))[0]
    return int(tie[first])


class _Search:
    """Every candidate range of one data set with its ML exponent; the KS-best one."""

    def __init__(self, sample: _Sample, k: float, xmin=None, xmax=None):
        self.sample = sample
        ia, ib, a, b, self._row, self._col = _candidate_pairs(sample, k, xmin, xmax)
        self.ia = ia
        self.ib = ib
        self.a = a
        self.b = b
        self.n_tail = sample.cum[ib + 1] - sample.cum[ia]
        u0 = sample.uf[0]
        self.mrel = (sample.cumlog[ib + 1] - sample.cumlog[ia]) / self.n_tail - np.log1p((a - u0) / u0)
        self.lam = np.log1p((self.b - self.a) / self.a)
        self._low = np.zeros(int(self._row[-1]) + 1)  # the candidate ends, by grid row and column
        self._low[self._row] = a
        self._high = np.zeros(int(self._col.max()) + 1)
        self._high[self._col] = b
        self._dense = None
        ends = None
        if 16 < ia.size <= _CHUNK and self._dense_ends():  # (the solver chunks longer arrays)
            # the empirical CDFs at a + j, for the bounds of the KS distances at the bottom ends
            j = np.arange(_END_ROUNDS[0][0], dtype=float)[:, None]
            lo = sample.cum[ia]
            femp = sample.below(self._low + j + 1.0).take(self._row, axis=1)
            femp -= lo
            femp /= self.n_tail
            ends = (femp, j < b - a, np.log1p(j / self._low).take(self._row, axis=1))
        self.alpha, self._neg, self._zinfo, self._lb = self._solve(ends)
        self.ks = np.full(ia.size, np.nan)
        self.best = self._best()

    def _solve(self, ends):
        """The exponents of every candidate, the scales and normalisers of their sums, and
        (given ``ends``) lower bounds of their KS distances at the bottom ends.

        Grids of at most _CHUNK pairs whose ranges span few enough integers go to the
        direct solver (tables of cumulative sums), the rest, and any range it does not
        serve, to the general one.
        """
        n = self.ia.size
        budget = _DIRECT_CELLS + _DIRECT_PER_PAIR * n
        direct = None
        if n <= _CHUNK and _direct_cells(self._low, self.b) <= budget:
            direct = _solve_alpha_direct(self._low, self._row, self._high, self._col, self.b, self.mrel, self.lam,
                                         budget)
        if direct is None:
            alpha, (neg, z, lb) = _solve_alpha(self.mrel, self.a, self.b, self.lam, normalizer=True, ends=ends)
            return alpha, neg, z, lb
        alpha, z, served = direct
        if not served.all():
            # ranges whose iterates left their centre's reach (a poor continuous guess, as
            # for xmin = 1): once more, centred on where they went
            rest = np.flatnonzero(~served)
            again = _solve_alpha_direct(self._low, self._row[rest], self._high, self._col[rest], self.b[rest],
                                        self.mrel[rest], self.lam[rest], budget, guess=alpha[rest])
            if again is not None:
                alpha[rest], z[rest], served[rest] = again
            z[~served] = np.nan  # (solved below)
        neg = np.zeros(n, dtype=bool)  # the direct sums are on the scale r = a
        lb = None
        if ends is not None:
            lb = _ends_bound(alpha, z, neg, self.lam, ends, 0.0)
        if not served.all():
            rest = np.flatnonzero(~served)
            sub_ends = None if ends is None else tuple(e[:, rest] for e in ends)
            a_r, (neg_r, z_r, lb_r) = _solve_alpha(self.mrel[rest], self.a[rest], self.b[rest], self.lam[rest],
                                                   normalizer=True, ends=sub_ends)
            alpha[rest] = a_r
            neg[rest] = neg_r
            z[rest] = _normalizer(*z_r) if isinstance(z_r, tuple) else z_r
            if lb is not None:
                lb[rest] = np.zeros(rest.size) if lb_r is None else lb_r
        return alpha, neg, z, lb

    @property
    def candidates(self) -> int:
        return int(self.ia.size)

    @property
    def _z(self):
        """The normalisers sum_{k=a}^{b} (k/r)^-alpha (r = b where ``_neg``, else a); NaN where unknown."""
        if isinstance(self._zinfo, tuple):
            self._zinfo = _normalizer(*self._zinfo)
        return self._zinfo

    def exact(self, sel):
        """Exact KS distances of the candidates ``sel`` (computed once, then cached)."""
        if len(sel) == 1:  # one pair: slices rather than gathers
            i = int(sel[0])
            d = self.ks[i]
            if d == d:
                return self.ks[i:i + 1]
            sl = slice(i, i + 1)
            if self.b[i] - self.a[i] < _DENSE_KS and self.sample.below_table():
                self.ks[sl] = _ks_exact_dense(self.sample, self.ia[sl], self.ib[sl], self.alpha[sl], self.a[sl],
                                              self.b[sl])
            else:
                self.ks[sl] = _ks_exact_pairs(self.sample, self.ia[sl], self.ib[sl], self.alpha[sl], self.a[sl],
                                              self.b[sl])
            return self.ks[sl]
        sel = np.asarray(sel)
        todo = sel[np.isnan(self.ks[sel])]
        if todo.size:
            short = self.b[todo] - self.a[todo] < _DENSE_KS
            if short.any() and self.sample.below_table():
                t = todo[short]
                step = max(1, _DENSE_BLOCK // (int((self.b[t] - self.a[t]).max()) + 1))
                for s in range(0, t.size, step):
                    u = t[s:s + step]
                    self.ks[u] = _ks_exact_dense(self.sample, self.ia[u], self.ib[u], self.alpha[u], self.a[u],
                                                 self.b[u])
                todo = todo[~short]
        if todo.size:
            width = int((self.ib[todo] - self.ia[todo]).max()) + 1
            step = max(1, 2_000_000 // width)
            for s in range(0, todo.size, step):
                t = todo[s:s + step]
                self.ks[t] = _ks_exact_pairs(self.sample, self.ia[t], self.ib[t], self.alpha[t], self.a[t], self.b[t])
        return self.ks[sel]

    def _dense_ends(self) -> bool:
        """Whether the bounds at the ends of the ranges are worth computing: the degrees span
        few enough integers for a table of counts, and at least a quarter of the 16
        integers next to the middle candidate xmin, or xmax, are observed degrees (sparse
        supports, such as convolutions' degrees in the millions, make those bounds useless)."""
        if self._dense is None:
            sample = self.sample
            dense = False
            if sample.below_table():
                depth = float(_END_ROUNDS[0][0])
                lo = float(self.a[self.a.size // 2])
                hi = float(self.b[self.b.size // 2])
                i = np.searchsorted(sample.uf, [lo, lo + depth, hi - depth, hi], side="right")
                dense = max(i[1] - i[0], i[3] - i[2]) >= 0.25 * depth
            self._dense = dense
        return self._dense

    def _bound(self, kind, depth, sel):
        """Lower bounds of the KS distances of the candidates ``sel``."""
        if kind != "quantiles":
            z = self._z
            step = max(1, (_CHUNK * 8) // depth)  # blocks of depth x step entries
            lb = np.concatenate([
                _ks_ends(self.sample, self._low, self._high, self._row[t], self._col[t], self.ia[t], self.ib[t],
                         self.alpha[t], self.lam[t], self._neg[t], z[t], self.b[t] - self.a[t], depth, kind)
                for t in (sel[i:i + step] for i in range(0, sel.size, step))
            ])
            lb[np.isnan(lb)] = 0.0
            return lb
        return _ks_lower(self.sample, self.ia[sel], self.ib[sel], self.alpha[sel], self.a[sel], self.b[sel], depth)

    def _best(self) -> int:
        # Rounds of ever finer lower bounds of the distances (the CCDFs at the integers next
        # to both ends of each range, then at quantiles of the range), each on the pairs the
        # previous ones could not rule out against the smallest exact distance found so far
        # (the pairs of smallest bound get theirs after each round); then exact distances
        # in increasing order of bound. Every pair within KS_TIE of the smallest distance
        # gets its exact distance, so the tie rule sees all of them.
        if self.candidates <= 16 or int((self.ib - self.ia + 1).sum()) <= _EXACT_ALL:
            self.exact(np.arange(self.candidates))  # cheaper than bounding them first
            return _pick(self.ks, self.n_tail, self.a, self.b)
        rounds = [("quantiles", nq) for nq in (4, 16, 64)]
        if self._dense_ends():
            rounds = [(side, depth) for depth, side in _END_ROUNDS] + rounds
        best = math.inf
        if self._lb is not None:  # the first round came with the exponents
            lb = np.maximum(self._lb, 0.0)
            first = int(np.argmin(lb))
            best = float(self.exact([first])[0])
            keep = np.flatnonzero(lb <= best + KS_TIE + _KS_MARGIN)
        else:
            lb = np.zeros(self.candidates)
            keep = np.arange(self.candidates)
        for kind, depth in rounds:
            if keep.size <= 64 or int((self.ib[keep] - self.ia[keep] + 1).sum()) <= 10 * _EXACT_ALL:
                break
            lb[keep] = np.maximum(lb[keep], self._bound(kind, depth, keep))
            todo = keep[np.isnan(self.ks[keep])]
            if todo.size:
                first = todo[_smallest(lb[todo], 16 if kind == "quantiles" else 4)]
                best = min(best, float(self.exact(first).min()))
            keep = keep[lb[keep] <= best + KS_TIE + _KS_MARGIN]
        if keep.size > 1 and self.sample.below_table():
            width = self.b[keep] - self.a[keep]
            if float(width.max()) < _DENSE_KS and (float(width.max()) + 1.0) * keep.size <= _DENSE_BLOCK:
                self.exact(keep)  # all short: one padded block is cheaper than rounds of pruning
                return _pick(self.ks, self.n_tail, self.a, self.b)
        order = keep[np.argsort(lb[keep], kind="stable")] if keep.size > 1 else keep
        pos = 0
        chunk = 8
        while pos < order.size:
            sel = order[pos:pos + chunk]
            sel = sel[lb[sel] <= best + KS_TIE + _KS_MARGIN]
            if not sel.size:
                break
            best = min(best, float(self.exact(sel).min()))
            pos += chunk
            chunk *= 2
        return _pick(self.ks, self.n_tail, self.a, self.b)

    def choice(self, i, p_value=None) -> dict:
        return {
            "xmin": int(self.a[i]),
            "xmax": int(self.b[i]),
            "alpha": float(self.alpha[i]),
            "ks": float(self.exact([i])[0]),
            "n_tail": int(self.n_tail[i]),
            "p_value": p_value,
        }


# ---------------------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------------------
class _Sampler:
    """Exact inverse-CCDF sampling of DiscreteTPL(alpha, a, b)."""

    def __init__(self, alpha: float, a: int, b: int):
        self.alpha = float(alpha)
        self.a = int(a)
        self.b = int(b)
        self.r = float(a if alpha >= 0 else b)
        size = self.b - self.a + 1
        self.table = None
        if size <= _TABLE_MAX:
            k = np.arange(self.a, self.b + 1, dtype=float)
            w = np.exp(-self.alpha * np.log1p((k - self.r) / self.r))
            tail = np.cumsum(w[::-1])  # tail[i] = sum_{k >= b - i}
            self.pmf = w / tail[-1]
            self.table = tail / tail[-1]  # table[i] = S(b - i), increasing to 1
            self.table[-1] = 1.0
        else:
            self.z = float(_partial_sums(np.array([self.alpha]), np.array([float(a)]), np.array([float(b)]),
                                         np.array([self.r]), order=0)[0][0])

    def ccdf(self, x):
        """S(x) = P(X >= x) for float arrays of integers x in [a, b]."""
        n = x.size
        return _partial_sums(np.full(n, self.alpha), x, np.full(n, float(self.b)), np.full(n, self.r),
                             order=0)[0] / self.z

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        u = 1.0 - rng.random(size)  # in (0, 1]; X = the largest x with S(x) >= u
        if self.table is not None:
            return self.b - np.searchsorted(self.table, u, side="left")
        lo = np.full(size, float(self.a))  # S(lo) >= u
        hi = np.full(size, float(self.b) + 1.0)  # S(hi) < u
        act = np.arange(size)
        while act.size:
            mid = np.floor(0.5 * (lo[act] + hi[act]))
            go = self.ccdf(mid) >= u[act]
            lo[act] = np.where(go, mid, lo[act])
            hi[act] = np.where(go, hi[act], mid)
            act = act[hi[act] - lo[act] > 1.0]
        return lo.astype(np.int64)


# ---------------------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------------------
def _fixed_range_ks(sampler: _Sampler, n_tail: int, reps: int, rng) -> np.ndarray:
    """KS distances of ``reps`` samples of size ``n_tail`` drawn from ``sampler``, each
    refitted (alpha only) on the sampler's range."""
    a = float(sampler.a)
    b = float(sampler.b)
    size = sampler.b - sampler.a + 1
    if size <= _DENSE_MAX and sampler.table is not None:
        return _fixed_range_ks_dense(sampler, n_tail, reps, rng)
    x = sampler(reps * n_tail, rng).reshape(reps, n_tail)
    x.sort(axis=1)
    d = np.zeros(reps)
    # A sample all at xmin (or all at xmax) is fitted exactly by alpha -> +inf (-inf): D = 0.
    fit = ~((x[:, 0] == x[:, -1]) & ((x[:, 0] == sampler.a) | (x[:, 0] == sampler.b)))
    if not fit.any():
        return d
    x = x[fit]
    reps_fit = x.shape[0]
    xf = x.astype(float)
    mrel = np.log1p((xf - a) / a).mean(axis=1)
    new = np.ones(x.shape, dtype=bool)
    new[:, 1:] = x[:, 1:] != x[:, :-1]
    rank = np.cumsum(new, axis=1) - 1
    nu = rank[:, -1] + 1
    width = int(nu.max())
    rows, cols = np.nonzero(new)
    v = np.empty((reps_fit, width))
    cge = np.zeros((reps_fit, width))
    v[rows, rank[rows, cols]] = xf[rows, cols]
    cge[rows, rank[rows, cols]] = n_tail - cols
    valid = np.arange(width)[None, :] < nu[:, None]
    v = np.where(valid, v, xf[:, -1:])
    ones = np.ones(reps_fit)
    alpha = _solve_alpha(mrel, a * ones, b * ones, math.log1p((b - a) / a) * ones)
    d[fit] = _ks_padded(alpha, a * ones, b * ones, v, cge, valid, float(n_tail) * ones)
    return d


def _fixed_range_ks_dense(sampler: _Sampler, n_tail: int, reps: int, rng) -> np.ndarray:
    """As _fixed_range_ks for short supports: counts per value (multinomial), and the CCDFs
    at every integer of the support."""
    a = float(sampler.a)
    b = float(sampler.b)
    counts = rng.multinomial(n_tail, sampler.pmf, size=reps)
    d = np.zeros(reps)
    fit = (counts[:, 0] < n_tail) & (counts[:, -1] < n_tail)  # else fitted exactly by alpha = +-inf
    if not fit.any():
        return d
    counts = counts[fit]
    k = np.arange(sampler.a, sampler.b + 1, dtype=float)
    ell = np.log1p((k - a) / a)  # log(k / a)
    lam = math.log1p((b - a) / a)
    mrel = counts @ ell / n_tail
    ones = np.ones(counts.shape[0])
    alpha = _solve_alpha(mrel, a * ones, b * ones, lam * ones)
    # (k / r)^-alpha with r = a for alpha >= 0 and r = b below, so that no term exceeds 1
    shift = np.where(alpha >= 0.0, 0.0, lam)
    w = np.exp(-alpha[:, None] * (ell[None, :] - shift[:, None]))
    tail = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    semp = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1] / n_tail
    d[fit] = np.abs(semp - tail / tail[:, :1]).max(axis=1)
    return d


def _fixed_range_pvalue(alpha, a, b, n_tail, ks, n_rep, ss, threshold=None, bar=None):
    """Deluca & Corral's p-value of a fit on a fixed range: the fraction of ``n_rep``
    synthetic samples (size ``n_tail``, from the fitted TPL, alpha refitted) whose KS
    distance is at least ``ks``.

    With ``threshold``, stops as soon as p > threshold has become impossible and returns
    None (the replicates are drawn in the same order either way, so a completed p-value
    does not depend on it). Returns ``(p, distances)``.
    """
    sampler = _Sampler(alpha, a, b)
    rng = np.random.default_rng(ss)
    batch = int(max(1, min(n_rep, 50, 2_000_000 // max(n_tail, 1))))
    need = math.floor(threshold * n_rep) + 1 if threshold is not None else None
    out = []
    exceed = 0
    done = 0
    while done < n_rep:
        reps = min(batch, n_rep - done)
        d = _fixed_range_ks(sampler, n_tail, reps, rng)
        out.append(d)
        exceed += int(np.count_nonzero(d >= ks))
        done += reps
        if bar is not None:
            bar.update(reps)
        if need is not None and exceed + (n_rep - done) < need:
            return None, np.concatenate(out)
    return exceed / n_rep, np.concatenate(out)


def _deluca_corral_scan(search: _Search, n_rep: int, threshold: float, ss) -> tuple[int | None, float | None]:
    """Deluca & Corral's rule: the widest range (largest xmax / xmin) whose fixed-range
    p-value exceeds ``threshold``; ties by more data, then smaller xmin. Ranges are tried
    from the widest down, so only the rejected ones and the chosen one are tested."""
    order = np.lexsort((search.a, -search.n_tail, -(search.b / search.a)))
    step = 16
    for s in range(0, order.size, step):
        sel = order[s:s + step]
        ks = search.exact(sel)
        for i, d in zip(sel, ks):
            a = int(search.a[i])
            b = int(search.b[i])
            p, _ = _fixed_range_pvalue(search.alpha[i], a, b, int(search.n_tail[i]), d, n_rep,
                                       _child_seed(ss, 1, a, b), threshold)
            if p is not None and p > threshold:
                return int(i), p
    return None, None


def _fit_search(sample: _Sample, k: float, rule: str, range_bootstrap: int, p_threshold: float, ss,
                xmin=None, xmax=None):
    """The search with either rule: (search, chosen index, dc index or None, dc p-value)."""
    search = _Search(sample, k, xmin, xmax)
    if rule == "ks":
        return search, search.best, None, None
    dc, p = _deluca_corral_scan(search, range_bootstrap, p_threshold, ss)
    return search, (search.best if dc is None else dc), dc, p


def _clauset_replicates(payload, seeds):
    """KS distances of Clauset's semi-parametric bootstrap replicates (one per seed).

    Each synthetic data set has the size of the layer: each value is, with probability
    n_tail / n, drawn from the fitted TPL, else drawn from the observed values outside
    [xmin, xmax] (zeros included); the whole search is then run on it again.
    """
    sorted_deg, alpha, a, b, n_tail, k, rule, range_bootstrap, p_threshold, xmin, xmax = payload
    n = sorted_deg.size
    outside = sorted_deg[(sorted_deg < a) | (sorted_deg > b)]
    sampler = _Sampler(alpha, a, b)
    out = np.empty(len(seeds))
    for t, ss in enumerate(seeds):
        rng = np.random.default_rng(ss)
        n_in = int(rng.binomial(n, n_tail / n))
        syn = sampler(n_in, rng)
        if n_in < n:
            syn = np.concatenate([syn, outside[rng.integers(0, outside.size, n - n_in)]])
        try:
            search, i, _, _ = _fit_search(_Sample(syn), k, rule, range_bootstrap, p_threshold, ss, xmin, xmax)
            out[t] = search.exact([i])[0]
        except FitError:
            out[t] = np.nan
    return out


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _progress_bar(total: int, progress, desc: str):
    """A tqdm bar on standard error; by default only when it is a terminal."""
    enabled = sys.stderr.isatty() if progress is None else bool(progress)
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return _NoBar()
    return tqdm(total=total, desc=desc, unit="replicate", file=sys.stderr, leave=False)


def _map_replicates(func, payload, seeds, n_jobs: int, bar) -> np.ndarray:
    """``func(payload, seeds[i:j])`` over chunks, in worker processes when n_jobs > 1.

    Each replicate has its own seed, so the result does not depend on n_jobs."""
    total = len(seeds)
    out = np.empty(total)
    chunk = max(1, min(25, total // (8 * n_jobs) or 1))
    bounds = [(i, min(i + chunk, total)) for i in range(0, total, chunk)]
    if n_jobs == 1 or len(bounds) == 1:
        for i, j in bounds:
            out[i:j] = func(payload, seeds[i:j])
            bar.update(j - i)
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=min(n_jobs, len(bounds))) as pool:
        futures = {pool.submit(func, payload, seeds[i:j]): (i, j) for i, j in bounds}
        for fut in as_completed(futures):
            i, j = futures[fut]
            out[i:j] = fut.result()
            bar.update(j - i)
    return out


# ---------------------------------------------------------------------------------------
# The distribution
# ---------------------------------------------------------------------------------------
class DiscreteTPL:
    r"""The discrete truncated power law of Hou & Kwok's eq. (4).

    .. math::

       f(x) = \frac{x^{-\alpha}}{\zeta(\alpha, x_{\min}, x_{\max})}, \qquad
       x \in \{x_{\min}, \dots, x_{\max}\}, \qquad
       \zeta(\alpha, a, b) = \sum_{k=a}^{b} k^{-\alpha}.

    Parameters
    ----------
    alpha : float
        The exponent, any finite real number: on a bounded support every exponent gives
        a distribution (Hanel et al. [3]_), increasing when ``alpha < 0``.
    xmin : int
        The smallest value, at least 1.
    xmax : int
        The largest value, at least ``xmin``.

    Attributes
    ----------
    alpha : float
    xmin, xmax : int
    support : ndarray of int64
        ``xmin, xmin + 1, ..., xmax`` (built when read).
    normalizer : float
        :math:`\zeta(\alpha, x_{\min}, x_{\max})`; it can overflow to ``inf`` or
        underflow to 0 for extreme exponents, ``log_normalizer`` cannot.
    log_normalizer : float
        Its natural logarithm.

    Raises
    ------
    InvalidParameterError
        If ``alpha`` is not a finite number, or ``xmin``, ``xmax`` are not integers with
        ``1 <= xmin <= xmax``.

    Notes
    -----
    Every sum over the support is computed in O(1), whatever its length (direct
    summation of the first terms, Euler-Maclaurin summation of the rest, relative error
    about 1e-16), so ``xmax = 10**9`` is as cheap as ``xmax = 10``. Sampling inverts the
    CCDF exactly: from a table of it for supports up to 2**21 values, by bisection on it
    beyond.

    References
    ----------
    .. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
       arXiv:1805.01891 (2018), eq. (4).
    .. [2] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of non-truncated
       and truncated power-law distributions." Acta Geophysica 61(6), 1351-1394 (2013).
    .. [3] Hanel, R., Corominas-Murtra, B., Liu, B. and Thurner, S. "Fitting power-laws
       in empirical data with estimators that work for all exponents." PLoS ONE 12(2),
       e0170920 (2017).

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL
    >>> d = DiscreteTPL(2.0, 1, 3)               # f(x) proportional to 1, 1/4, 1/9
    >>> d.normalizer                             # 1 + 1/4 + 1/9
    1.3611111111111112
    >>> d.pmf([1, 2, 3, 4]).round(4)
    array([0.7347, 0.1837, 0.0816, 0.    ])
    >>> round(d.ccdf(2), 12), 13 / 49            # P(X >= 2) = (1/4 + 1/9) / (49/36)
    (0.265306122449, 0.2653061224489796)
    >>> round(d.cdf(2), 12)                      # P(X <= 2)
    0.918367346939
    >>> d.ccdf(1), d.cdf(3)
    (1.0, 1.0)
    >>> d.sample(5, seed=1)
    array([1, 3, 1, 3, 1])

    Long supports and exponents below 1 are fine:

    >>> big = DiscreteTPL(0.5, 10, 10**6)
    >>> float(big.pmf(big.support).sum().round(12))
    1.0
    >>> big.sample(3, seed=0)
    array([407147,  74005,   1930])
    """

    def __init__(self, alpha, xmin, xmax):
        if not _is_real(alpha) or not math.isfinite(alpha):
            raise InvalidParameterError(f"alpha must be a finite number; got {alpha!r}")
        xmin = _check_int(xmin, "xmin", 1)
        xmax = _check_int(xmax, "xmax")
        if xmax < xmin:
            raise InvalidParameterError(f"xmax must be at least xmin = {xmin}; got {xmax!r}")
        if xmax > 2**53:
            raise InvalidParameterError(f"xmax must be at most 2**53; got {xmax!r}")
        self.alpha = float(alpha)
        self.xmin = xmin
        self.xmax = xmax
        self._r = float(xmin if self.alpha >= 0 else xmax)
        self._z = _core.sum_scalar(self.alpha, float(xmin), float(xmax), self._r)
        self.log_normalizer = float(math.log(self._z) - self.alpha * math.log(self._r))
        try:
            self.normalizer = math.exp(self.log_normalizer)
        except OverflowError:
            self.normalizer = math.inf
        self._sampler = None

    def __repr__(self):
        return f"DiscreteTPL(alpha={self.alpha!r}, xmin={self.xmin}, xmax={self.xmax})"

    @property
    def support(self) -> np.ndarray:
        return np.arange(self.xmin, self.xmax + 1, dtype=np.int64)

    def _sum(self, lo, hi):
        """sum_{k=lo}^{hi} (k / r)^-alpha for float arrays lo <= hi inside the support."""
        n = lo.size
        return _partial_sums(np.full(n, self.alpha), lo, hi, np.full(n, self._r), order=0)[0]

    @staticmethod
    def _out(values, x):
        return float(values[()]) if np.ndim(x) == 0 else values

    def logpmf(self, x):
        """Natural logarithm of the pmf at ``x`` (``-inf`` off the support, non-integers included).

        Parameters
        ----------
        x : array_like

        Returns
        -------
        float or ndarray
        """
        xf = np.asarray(x, dtype=float)
        inside = (xf >= self.xmin) & (xf <= self.xmax) & (xf == np.floor(xf))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(inside, -self.alpha * np.log(np.where(inside, xf, 1.0)) - self.log_normalizer, -np.inf)
        return self._out(np.asarray(out, dtype=float), x)

    def pmf(self, x):
        """Probability of the value ``x`` (0 off the support).

        Parameters
        ----------
        x : array_like

        Returns
        -------
        float or ndarray
        """
        xf = np.asarray(x, dtype=float)
        inside = (xf >= self.xmin) & (xf <= self.xmax) & (xf == np.floor(xf))
        k = np.where(inside, xf, self._r)
        out = np.where(inside, np.exp(-self.alpha * np.log1p((k - self._r) / self._r)) / self._z, 0.0)
        return self._out(np.asarray(out, dtype=float), x)

    def ccdf(self, x):
        """The survival function S(x) = P(X >= x), so ``ccdf(xmin) == 1``.

        Hou & Kwok's :math:`S(x) = \\zeta(\\alpha, x, x_{\\max}) / \\zeta(\\alpha, x_{\\min}, x_{\\max})`;
        note the ``>=`` (not scipy's ``sf``, which is ``P(X > x)``).

        Parameters
        ----------
        x : array_like
            Any real values.

        Returns
        -------
        float or ndarray
        """
        xf = np.ceil(np.asarray(x, dtype=float))
        flat = np.atleast_1d(xf).ravel()
        out = np.where(flat <= self.xmin, 1.0, 0.0)
        mid = np.flatnonzero((flat > self.xmin) & (flat <= self.xmax))
        if mid.size:
            out[mid] = self._sum(flat[mid], np.full(mid.size, float(self.xmax))) / self._z
        return self._out(out.reshape(np.shape(xf)), x)

    def cdf(self, x):
        """The distribution function P(X <= x).

        Parameters
        ----------
        x : array_like
            Any real values.

        Returns
        -------
        float or ndarray
        """
        xf = np.floor(np.asarray(x, dtype=float))
        flat = np.atleast_1d(xf).ravel()
        out = np.where(flat >= self.xmax, 1.0, 0.0)
        mid = np.flatnonzero((flat >= self.xmin) & (flat < self.xmax))
        if mid.size:
            out[mid] = self._sum(np.full(mid.size, float(self.xmin)), flat[mid]) / self._z
        return self._out(out.reshape(np.shape(xf)), x)

    def loglik(self, data) -> float:
        """Log-likelihood of ``data``: the sum of :meth:`logpmf`, ``-inf`` if a value is off the support.

        Parameters
        ----------
        data : array_like of int

        Returns
        -------
        float
        """
        xf = np.asarray(data, dtype=float).ravel()
        if not np.all((xf >= self.xmin) & (xf <= self.xmax) & (xf == np.floor(xf))):
            return -math.inf
        return float(-self.alpha * np.log(xf).sum() - xf.size * self.log_normalizer)

    def sample(self, n, *, seed=None) -> np.ndarray:
        """Exact random sample of size ``n`` (inverse CCDF on the support).

        Parameters
        ----------
        n : int
            Sample size.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
            The random source; the same integer gives the same sample.

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        n = _check_int(n, "n", 0)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(_seed_sequence(seed))
        if self._sampler is None:
            self._sampler = _Sampler(self.alpha, self.xmin, self.xmax)
        return np.asarray(self._sampler(n, rng), dtype=np.int64)


def tpl_alpha_mle(data, xmin, xmax, *, tol=_ALPHA_TOL) -> float:
    r"""Maximum-likelihood exponent of the discrete TPL on ``[xmin, xmax]``.

    The values of ``data`` inside ``[xmin, xmax]`` are used (the others are left out, as
    in the range search). The log-likelihood is concave in :math:`\alpha`; its maximum is
    the root of the score equation

    .. math::

       \frac{1}{n} \sum_i \log x_i = E_\alpha[\log X]
       = \frac{\sum_{k} k^{-\alpha} \log k}{\sum_{k} k^{-\alpha}},

    solved by a bracketed Newton iteration on the exact sums (no continuous or rounding
    approximation of the normaliser), in O(1) whatever the length of the support.

    Parameters
    ----------
    data : array_like of int
        Non-negative integers (degrees).
    xmin, xmax : int
        The range, ``1 <= xmin < xmax``.
    tol : float, default 1e-13
        Relative tolerance on alpha.

    Returns
    -------
    float
        The exponent; any real number (negative when the data rise towards ``xmax``).

    Raises
    ------
    InvalidParameterError
        On bad data (negative, non-integer, NaN, empty) or a bad range.
    FitError
        If the range holds no data, or only values equal to ``xmin`` (the likelihood
        grows without bound as alpha goes to +infinity) or only values equal to ``xmax``
        (alpha to -infinity).

    See Also
    --------
    TruncatedPowerLaw : Searches the range as well.

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL, tpl_alpha_mle
    >>> x = DiscreteTPL(2.5, 1, 1000).sample(100_000, seed=0)
    >>> round(tpl_alpha_mle(x, 1, 1000), 2)
    2.5
    >>> round(tpl_alpha_mle([1, 2, 2, 3, 3, 3], 1, 3), 9)  # frequencies proportional to x
    -1.0
    """
    deg = _check_degrees(data, "data")
    xmin = _check_int(xmin, "xmin", 1)
    xmax = _check_int(xmax, "xmax")
    if xmax <= xmin:
        raise InvalidParameterError(f"xmax must be larger than xmin = {xmin}; got {xmax!r}")
    if not _is_real(tol) or not tol > 0:
        raise InvalidParameterError(f"tol must be a positive number; got {tol!r}")
    x = deg[(deg >= xmin) & (deg <= xmax)]
    if x.size == 0:
        raise FitError(f"no data in [{xmin}, {xmax}]")
    if np.all(x == xmin):
        raise FitError(f"every value in [{xmin}, {xmax}] equals xmin: the likelihood grows without bound as alpha -> +inf")
    if np.all(x == xmax):
        raise FitError(f"every value in [{xmin}, {xmax}] equals xmax: the likelihood grows without bound as alpha -> -inf")
    a = float(xmin)
    b = float(xmax)
    mrel = np.log1p((x - a) / a).mean()
    alpha = _solve_alpha(np.array([mrel]), np.array([a]), np.array([b]), np.array([math.log1p((b - a) / a)]),
                         tol=float(tol))
    return float(alpha[0])


# ---------------------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------------------
_RESULTS = (
    "alpha_", "xmin_", "xmax_", "ks_", "n_tail_", "loglik_", "n_isolated_", "n_", "distribution_",
    "candidates_", "p_value_", "bootstrap_ks_", "ks_choice_", "deluca_corral_choice_",
)


class TruncatedPowerLaw:
    r"""Fit Hou & Kwok's discrete truncated power law to the degrees of a layer.

    The search of the paper [1]_: with ``n`` the number of nodes of the layer (isolated
    ones included) and ``m = floor(n k)``, ``xmin`` runs over the distinct values of the
    ``m`` smallest degrees and ``xmax`` over those of the ``m`` largest, every pair with
    ``xmin < xmax`` whose range holds at least 3 distinct observed degrees (a range with
    two would fit any data exactly). For each pair, alpha is the exact maximum-likelihood
    exponent of the degrees inside the range; the pair kept is the one with the smallest
    Kolmogorov-Smirnov distance

    .. math::

       D = \max_{x_{\min} \le x \le x_{\max}} |S_{\rm emp}(x) - S(x)|

    over every integer of the range (not only the observed values), where
    :math:`S_{\rm emp}` is the empirical CCDF of the degrees in the range. Distances within
    1e-12 of each other are ties, broken deterministically by more degrees in range
    (``n_tail``), then the smaller ``xmin``, then the larger ``xmax``. Zero degrees
    (isolated nodes) are never candidates and are left out of the fit; they are counted
    in ``n_isolated_`` and in ``n``.

    Parameters
    ----------
    k : float, default 0.3
        Fraction of the nodes whose degrees supply the candidates, in (0, 0.5].
    rule : {"ks", "deluca-corral"}, default "ks"
        ``"ks"``: the paper's rule, the smallest KS distance. ``"deluca-corral"``: the rule
        of Deluca & Corral [3]_, the widest range (largest ``xmax / xmin``) whose
        fixed-range p-value (``range_bootstrap`` replicates, see :meth:`goodness_of_fit`)
        exceeds ``p_threshold``; ties by more data, then smaller ``xmin``. If no range
        passes, the KS choice is kept, ``deluca_corral_choice_`` is None and a
        :class:`RuntimeWarning` says so. KS minimisation tends to pick narrow ranges;
        this rule prefers the widest range the data do not reject.
    bootstrap : int, default 0
        If positive, :meth:`fit` also computes ``p_value_`` with this many replicates of
        ``method``.
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        The random source of the bootstraps; an integer makes every p-value
        reproducible, whatever ``n_jobs``.
    p_threshold : float, default 0.1
        A range passes Deluca & Corral's rule when its p-value is larger than this.
    method : {"clauset", "deluca-corral"}, default "clauset"
        Which bootstrap gives ``p_value_``; see :meth:`goodness_of_fit`.
    n_jobs : int, default 1
        Worker processes for the Clauset bootstrap (-1 or None: one per CPU).
    range_bootstrap : int, default 100
        Replicates per range tested by the ``"deluca-corral"`` rule.
    progress : bool or None, default None
        Progress bar (tqdm, on standard error) for the bootstrap of :meth:`fit`;
        None shows it only when standard error is a terminal.
    xmin, xmax : int or None, default None
        Fix that end of the range instead of searching it (it need not be an observed
        degree). With both fixed only alpha is fitted, and the Deluca-Corral p-value is
        then a calibrated test of the TPL on that range.

    Attributes
    ----------
    alpha_ : float
        The exponent.
    xmin_, xmax_ : int
        The range.
    ks_ : float
        The KS distance of the fit, over every integer of the range.
    n_tail_ : int
        Number of degrees inside the range (the data of the fit).
    loglik_ : float
        Log-likelihood of those degrees under the fitted TPL.
    n_ : int
        Number of nodes, isolated ones included.
    n_isolated_ : int
        Number of zero degrees.
    candidates_ : int
        Number of (xmin, xmax) pairs tried.
    distribution_ : DiscreteTPL
        The fitted distribution.
    p_value_ : float or None
        The bootstrap p-value of ``method`` (None unless ``bootstrap > 0``).
    bootstrap_ks_ : ndarray or None
        The KS distances of the bootstrap replicates (NaN for a synthetic data set that
        could not be fitted; such replicates are left out of the p-value).
    ks_choice_ : dict
        The pair of smallest KS distance: ``xmin``, ``xmax``, ``alpha``, ``ks``,
        ``n_tail``, ``p_value``. Under ``rule="ks"`` its p-value is ``p_value_``; under
        ``rule="deluca-corral"`` the fixed-range p-value of its range.
    deluca_corral_choice_ : dict or None
        The same for Deluca & Corral's choice, with its fixed-range p-value; None under
        ``rule="ks"`` or when no range passes.

    Reading an attribute before :meth:`fit` raises :class:`~netgraph.exceptions.NotFittedError`.

    See Also
    --------
    fit_tpl : The same in one call.
    DiscreteTPL : The distribution.
    tpl_alpha_mle : The exponent for a given range.

    Notes
    -----
    All candidate pairs are solved at once (vectorised safeguarded Newton on exact sums
    of :math:`k^{-\alpha}` and :math:`k^{-\alpha}\log k`); lower bounds of the distances
    discard the pairs that cannot win before the exact distances are computed. The
    result is the same as that of the plain loop over every pair (the tests keep such a
    reference and compare).

    References
    ----------
    .. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
       arXiv:1805.01891 (2018).
    .. [2] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions in
       Empirical Data." SIAM Review 51(4), 661-703 (2009).
    .. [3] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of non-truncated
       and truncated power-law distributions." Acta Geophysica 61(6), 1351-1394 (2013).

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
    >>> x = DiscreteTPL(2.0, 5, 2000).sample(4096, seed=42)
    >>> fit = TruncatedPowerLaw(k=0.3).fit(x)
    >>> fit.xmin_, fit.xmax_, round(fit.alpha_, 3), round(fit.ks_, 4)
    (5, 18, 2.058, 0.0046)
    >>> fit.n_tail_, fit.candidates_
    (3096, 452)

    A bootstrap p-value (Clauset et al.: the whole search is run again on each synthetic
    data set):

    >>> fit.goodness_of_fit(50, seed=0)
    0.7

    The smallest KS distance went to a narrow range, as it often does. Deluca & Corral's
    rule takes the widest range that its test does not reject, and reports both:

    >>> wide = TruncatedPowerLaw(rule="deluca-corral", seed=0).fit(x)
    >>> wide.xmin_, wide.xmax_, round(wide.alpha_, 3)
    (5, 1813, 1.998)
    >>> wide.deluca_corral_choice_["p_value"], wide.ks_choice_["xmax"], wide.ks_choice_["p_value"]
    (0.7, 18, 0.98)
    """

    def __init__(self, *, k=0.3, rule="ks", bootstrap=0, seed=None, p_threshold=0.1, method="clauset",
                 n_jobs=1, range_bootstrap=100, progress=None, xmin=None, xmax=None):
        self.k = _check_k(k)
        self.rule = _check_choice(rule, "rule", RULES)
        self.bootstrap = _check_int(bootstrap, "bootstrap", 0)
        self.seed = _check_seed(seed)
        if not _is_real(p_threshold) or not 0.0 <= p_threshold < 1.0:
            raise InvalidParameterError(f"p_threshold must be a number in [0, 1); got {p_threshold!r}")
        self.p_threshold = float(p_threshold)
        self.method = _check_choice(method, "method", METHODS)
        self.n_jobs = _check_n_jobs(n_jobs)
        self.range_bootstrap = _check_int(range_bootstrap, "range_bootstrap", 1)
        self.progress = progress
        self.xmin = None if xmin is None else _check_int(xmin, "xmin", 1)
        self.xmax = None if xmax is None else _check_int(xmax, "xmax", 1)
        if self.xmin is not None and self.xmax is not None and self.xmax <= self.xmin:
            raise InvalidParameterError(f"xmax must be larger than xmin = {self.xmin}; got {xmax!r}")

    def __repr__(self):
        fixed = "".join(f", {name}={getattr(self, name)!r}" for name in ("xmin", "xmax")
                        if getattr(self, name) is not None)
        return (f"TruncatedPowerLaw(k={self.k!r}, rule={self.rule!r}, bootstrap={self.bootstrap!r}, "
                f"method={self.method!r}{fixed})")

    def __getattr__(self, name):
        # Only called when normal lookup fails: a result read before fit.
        if name in _RESULTS:
            raise NotFittedError(
                f"this TruncatedPowerLaw is not fitted yet: call fit(degrees) before reading {name}"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def fit(self, degrees):
        """Search (xmin, xmax), fit alpha, and (if ``bootstrap > 0``) compute the p-value.

        Parameters
        ----------
        degrees : array_like of int
            The degrees of the nodes of one layer, zeros (isolated nodes) included.

        Returns
        -------
        self : TruncatedPowerLaw

        Raises
        ------
        InvalidParameterError
            If a degree is negative, non-integer, NaN, or ``degrees`` is empty.
        FitError
            If there are too few nodes or distinct degrees to fit (the message says
            which), so that no candidate range exists.
        """
        deg = _check_degrees(degrees)
        sample = _Sample(deg)
        # the seed of the range tests (a Generator is drawn from whatever the rule, as it always was)
        ss = _seed_sequence(self.seed) if self.rule != "ks" or isinstance(self.seed, np.random.Generator) else None
        search, chosen, dc, dc_p = _fit_search(sample, self.k, self.rule, self.range_bootstrap,
                                               self.p_threshold, ss, self.xmin, self.xmax)
        for name in _RESULTS:
            self.__dict__.pop(name, None)
        self._sample = sample
        self._search = search
        self._chosen = chosen
        self.n_ = sample.n
        self.n_isolated_ = sample.n_isolated
        self.candidates_ = search.candidates
        self.xmin_ = int(search.a[chosen])
        self.xmax_ = int(search.b[chosen])
        self.alpha_ = float(search.alpha[chosen])
        self.ks_ = float(search.exact([chosen])[0])
        self.n_tail_ = int(search.n_tail[chosen])
        self.distribution_ = DiscreteTPL(self.alpha_, self.xmin_, self.xmax_)
        lo, hi = sample.cum[search.ia[chosen]], sample.cum[search.ib[chosen] + 1]
        sumlog = float(np.log(sample.sorted[sample.n_isolated + lo:sample.n_isolated + hi].astype(float)).sum())
        self.loglik_ = -self.alpha_ * sumlog - self.n_tail_ * self.distribution_.log_normalizer
        self.p_value_ = None
        self.bootstrap_ks_ = None
        if self.rule == "ks":
            self.deluca_corral_choice_ = None
        else:
            best = search.best
            if dc is None:
                warnings.warn(
                    f"no candidate range has a fixed-range p-value above p_threshold = {self.p_threshold} "
                    f"({search.candidates} ranges, {self.range_bootstrap} replicates each): "
                    "keeping the range of smallest KS distance",
                    RuntimeWarning, stacklevel=2,
                )
                self.deluca_corral_choice_ = None
            else:
                self.deluca_corral_choice_ = search.choice(dc, dc_p)
            if dc == best:
                ks_p = dc_p
            else:
                a, b = int(search.a[best]), int(search.b[best])
                ks_p, _ = _fixed_range_pvalue(search.alpha[best], a, b, int(search.n_tail[best]),
                                              search.exact([best])[0], self.range_bootstrap,
                                              _child_seed(ss, 1, a, b))
            self.ks_choice_ = search.choice(best, ks_p)
        if self.bootstrap > 0:
            self.p_value_, self.bootstrap_ks_ = self._goodness(self.bootstrap, self.seed, self.method,
                                                               self.progress)
        if self.rule == "ks":
            self.ks_choice_ = search.choice(search.best, self.p_value_)
        return self

    def goodness_of_fit(self, n_bootstrap, *, seed=None, method="clauset", progress=None) -> float:
        """Bootstrap p-value of the fit.

        ``p`` is the fraction of synthetic data sets, drawn from the fitted model, whose
        KS distance (after being fitted the same way) is at least the observed one. A
        small ``p`` (Clauset et al. rule out the power law when p <= 0.1) means that
        data following the fitted TPL would rarely look as far from it as the layer's
        degrees do: the TPL is rejected. A large ``p`` does not prove the TPL: it says
        the data are compatible with it, and compare nothing against other models.

        Parameters
        ----------
        n_bootstrap : int
            Number of synthetic data sets. The resolution of ``p`` is ``1/n_bootstrap``;
            Clauset et al. take 2,500 for two-decimal accuracy.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
            The random source (default: the estimator's ``seed``). Each replicate has
            its own child seed, so the p-value does not depend on ``n_jobs``.
        method : {"clauset", "deluca-corral"}, default "clauset"
            ``"clauset"``: the semi-parametric bootstrap of Clauset, Shalizi & Newman
            [2]_. Each synthetic data set has ``n_`` values: with probability
            ``n_tail_ / n_`` a value is drawn from the fitted TPL, otherwise from the
            observed degrees outside ``[xmin_, xmax_]`` (zeros included); then the
            *whole search* (with this estimator's ``k`` and ``rule``) is run again and its
            KS distance kept. It tests the procedure, range choice included.
            ``"deluca-corral"``: the test of Deluca & Corral [3]_ for a fixed range.
            Each synthetic data set has ``n_tail_`` values drawn from the fitted TPL on
            ``[xmin_, xmax_]``; only alpha is fitted again, and the KS distance is taken
            on that range. It tests the TPL on the chosen range, which is taken as given.
        progress : bool or None
            Progress bar (tqdm on standard error); None shows it only on a terminal.

        Returns
        -------
        float
            The p-value.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        InvalidParameterError
            On a bad ``n_bootstrap``, ``seed`` or ``method``.

        Notes
        -----
        Use ``"clauset"`` for a range found by the search. ``"deluca-corral"`` is
        calibrated for a range fixed in advance (``xmin=`` and ``xmax=``); on a range
        chosen for its small KS distance it is optimistic (p-values too large).

        References
        ----------
        .. [2] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions
           in Empirical Data." SIAM Review 51(4), 661-703 (2009), section 4.1.
        .. [3] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of
           non-truncated and truncated power-law distributions." Acta Geophysica 61(6),
           1351-1394 (2013).
        """
        if "_search" not in self.__dict__:
            raise NotFittedError("this TruncatedPowerLaw is not fitted yet: call fit(degrees) before goodness_of_fit")
        n_bootstrap = _check_int(n_bootstrap, "n_bootstrap", 1)
        _check_choice(method, "method", METHODS)
        p, _ = self._goodness(n_bootstrap, self.seed if seed is None else seed, method, progress)
        return p

    def _goodness(self, n_bootstrap, seed, method, progress):
        ss = _seed_sequence(seed)
        bar = _progress_bar(n_bootstrap, progress, f"TPL bootstrap ({method})")
        try:
            if method == "deluca-corral":
                p, ks = _fixed_range_pvalue(self.alpha_, self.xmin_, self.xmax_, self.n_tail_, self.ks_,
                                            n_bootstrap, _child_seed(ss, 2), bar=bar)
                return p, ks
            payload = (self._sample.sorted, self.alpha_, self.xmin_, self.xmax_, self.n_tail_, self.k,
                       self.rule, self.range_bootstrap, self.p_threshold, self.xmin, self.xmax)
            seeds = [_child_seed(ss, 0, i) for i in range(n_bootstrap)]
            ks = _map_replicates(_clauset_replicates, payload, seeds, self.n_jobs, bar)
        finally:
            bar.close()
        ok = ~np.isnan(ks)
        if not ok.any():
            raise FitError("no synthetic data set of the bootstrap could be fitted")
        if not ok.all():
            warnings.warn(f"{int((~ok).sum())} of {ks.size} synthetic data sets could not be fitted "
                          "and are left out of the p-value", RuntimeWarning, stacklevel=3)
        return float(np.count_nonzero(ks[ok] >= self.ks_) / ok.sum()), ks

    def to_dict(self) -> dict:
        """The results as a JSON-ready dict.

        Keys: ``n``, ``isolated``, ``xmin``, ``xmax``, ``alpha``, ``ks``, ``n_tail``,
        ``loglik``, ``candidates``, ``p_value``, ``rule``, ``k``, ``ks_choice``,
        ``deluca_corral_choice``.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        return {
            "n": self.n_, "isolated": self.n_isolated_, "xmin": self.xmin_, "xmax": self.xmax_,
            "alpha": self.alpha_, "ks": self.ks_, "n_tail": self.n_tail_, "loglik": self.loglik_,
            "candidates": self.candidates_, "p_value": self.p_value_, "rule": self.rule, "k": self.k,
            "ks_choice": self.ks_choice_, "deluca_corral_choice": self.deluca_corral_choice_,
        }


def fit_tpl(degrees, *, k=0.3, rule="ks", bootstrap=0, seed=None, **kw) -> TruncatedPowerLaw:
    """Fit the truncated power law to the degrees of a layer, in one call.

    ``fit_tpl(d, ...)`` is ``TruncatedPowerLaw(...).fit(d)``; see :class:`TruncatedPowerLaw`
    for the parameters (``p_threshold``, ``method``, ``n_jobs``, ``range_bootstrap`` and
    ``progress`` pass through ``kw``) and the results.

    Parameters
    ----------
    degrees : array_like of int
        The degrees of one layer, zeros included.
    k : float, default 0.3
    rule : {"ks", "deluca-corral"}, default "ks"
    bootstrap : int, default 0
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
    **kw
        Other parameters of :class:`TruncatedPowerLaw`.

    Returns
    -------
    TruncatedPowerLaw
        Fitted.

    Raises
    ------
    InvalidParameterError, FitError
        As :meth:`TruncatedPowerLaw.fit`.

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL, fit_tpl
    >>> x = DiscreteTPL(1.5, 2, 500).sample(2000, seed=7)
    >>> f = fit_tpl(x)
    >>> f.xmin_, f.xmax_, round(f.alpha_, 2)
    (2, 370, 1.5)
    """
    return TruncatedPowerLaw(k=k, rule=rule, bootstrap=bootstrap, seed=seed, **kw).fit(degrees)
