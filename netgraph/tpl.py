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
approximation of the normaliser). The score equation
:math:`\\overline{\\log x} = E_\\alpha[\\log X]` is solved for all candidate ranges at once
by a bracketed (safeguarded) Newton iteration, and the Kolmogorov-Smirnov distance over
*every* integer of a range is obtained exactly from the model CCDF at each observed
value ``v`` and at ``v + 1`` (between two observed values the empirical CCDF is constant
and the model CCDF decreasing, so the largest gap sits at one of those points). Cheap
lower bounds of the distance prune the ranges that cannot win before the exact distance
is computed.

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
#: Relative tolerance of alpha.
_ALPHA_TOL = 1e-13

# ---------------------------------------------------------------------------------------
# Partial sums of k^-alpha (log k)^j by Euler-Maclaurin summation
# ---------------------------------------------------------------------------------------
#: B_{2i} / (2i)! for i = 1..10 (Bernoulli numbers B2 = 1/6, B4 = -1/30, ..., B20).
_EM_COEF = np.array([
    1.0 / 6.0 / 2.0,
    -1.0 / 30.0 / 24.0,
    1.0 / 42.0 / 720.0,
    -1.0 / 30.0 / 40320.0,
    5.0 / 66.0 / 3628800.0,
    -691.0 / 2730.0 / 479001600.0,
    7.0 / 6.0 / 87178291200.0,
    -3617.0 / 510.0 / 20922789888000.0,
    43867.0 / 798.0 / 6402373705728000.0,
    -174611.0 / 330.0 / 2432902008176640000.0,
])
#: Euler-Maclaurin is used from X0 = ceil(_EM_C * (|alpha| + _EM_K)) on; terms below are
#: summed directly. With 10 correction terms the remainder is at most
#: 2 |(alpha)_19| / ((2 pi)^20 X0^19) of the sum, and |(alpha)_19| <= (|alpha| + 9)^19, so
#: these constants keep it below 1e-17 (_EM_C = (2e17 / (2 pi)^20)^(1/19)).
_EM_C = 1.175
_EM_K = 9.0
#: Terms smaller than exp(-_TRIM) times the largest term of a sum are dropped (only when
#: |alpha| > 1, where the dropped tail is then below exp(-_TRIM (1 - 1/|alpha|)) of it).
_TRIM = 50.0


def _expint_moments(z):
    """E_i(z) = integral_0^1 s^i exp(-z s) ds for i = 0, 1, 2 and z >= 0 (arrays)."""
    z = np.asarray(z, dtype=float)
    e0 = np.empty_like(z)
    e1 = np.empty_like(z)
    e2 = np.empty_like(z)
    small = z < 1.0
    if small.any():
        zs = z[small]
        # sum_n (-z)^n / (n! (n + i + 1)), 25 terms: error below 1/25! for z < 1
        term = np.ones_like(zs)
        s0 = np.zeros_like(zs)
        s1 = np.zeros_like(zs)
        s2 = np.zeros_like(zs)
        for n in range(25):
            s0 += term / (n + 1)
            s1 += term / (n + 2)
            s2 += term / (n + 3)
            term = term * (-zs) / (n + 1)
        e0[small] = s0
        e1[small] = s1
        e2[small] = s2
    big = ~small
    if big.any():
        zb = z[big]
        ez = np.exp(-zb)
        e0[big] = -np.expm1(-zb) / zb
        e1[big] = (1.0 - ez * (1.0 + zb)) / zb**2
        e2[big] = (2.0 - ez * (2.0 + zb * (2.0 + zb))) / zb**3
    return e0, e1, e2


#: Long arrays are processed in chunks of this many elements (the temporaries then stay in
#: the processor's cache: about three times faster than one pass over millions).
_CHUNK = 8192


def _partial_sums(alpha, x, y, r, order=2):
    """Sums T_j = sum_{k=x}^{y} (k/r)^-alpha * log(k/r)^j for j = 0..order (see _partial_sums_chunk)."""
    alpha = np.asarray(alpha, dtype=float)
    n = alpha.shape[0]
    if n <= _CHUNK:
        return _partial_sums_chunk(alpha, x, y, r, order)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    r = np.asarray(r, dtype=float)
    out = [np.empty(n) for _ in range(order + 1)]
    for i in range(0, n, _CHUNK):
        part = _partial_sums_chunk(alpha[i:i + _CHUNK], x[i:i + _CHUNK], y[i:i + _CHUNK], r[i:i + _CHUNK], order)
        for o, q in zip(out, part):
            o[i:i + _CHUNK] = q
    return tuple(out)


def _partial_sums_chunk(alpha, x, y, r, order=2):
    """Sums T_j = sum_{k=x}^{y} (k/r)^-alpha * log(k/r)^j for j = 0..order.

    Vectorised over arrays of equal shape (1-D): ``alpha`` real, ``x <= y`` integers
    (as floats), ``r > 0`` the scale (choose ``r = x`` for alpha >= 0 and ``r = y`` for
    alpha < 0 so that no term exceeds 1). Small k are summed directly, the rest by
    Euler-Maclaurin summation with 10 Bernoulli terms, differentiated exactly in alpha for
    the log-weighted sums; the relative error is a few units of 1e-16.
    Returns a tuple of ``order + 1`` arrays.
    """
    alpha = np.asarray(alpha, dtype=float)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    r = np.asarray(r, dtype=float)
    n = alpha.shape[0]
    out = [np.zeros(n) for _ in range(order + 1)]
    if n == 0:
        return tuple(out)
    absa = np.abs(alpha)
    # Drop terms that cannot matter (bounds the number of directly summed terms).
    with np.errstate(over="ignore", divide="ignore"):
        x_t = np.where(alpha < -1.0, np.maximum(x, np.ceil(y * np.exp(-_TRIM / np.maximum(absa, 1.0)))), x)
        y_t = np.where(alpha > 1.0, np.minimum(y, np.floor(x * np.exp(_TRIM / np.maximum(absa, 1.0)))), y)
    x0 = np.ceil(_EM_C * (absa + _EM_K))
    # -- head: x_t .. min(y_t, x0 - 1), summed term by term
    head_end = np.minimum(y_t, x0 - 1.0)
    nh = np.maximum(head_end - x_t + 1.0, 0.0).astype(np.int64)
    total = int(nh.sum())
    if total:
        owner = np.repeat(np.arange(n), nh)
        start = np.cumsum(nh) - nh
        k = x_t[owner] + (np.arange(total) - start[owner])
        rr = r[owner]
        ell = np.log1p((k - rr) / rr)
        w = np.exp(-alpha[owner] * ell)
        out[0] += np.bincount(owner, w, minlength=n)
        if order >= 1:
            w = w * ell
            out[1] += np.bincount(owner, w, minlength=n)
        if order >= 2:
            w = w * ell
            out[2] += np.bincount(owner, w, minlength=n)
    # -- Euler-Maclaurin on s .. y_t
    s = np.maximum(x_t, x0)
    em = np.flatnonzero(s <= y_t)
    if em.size:
        a = alpha[em]
        s = s[em]
        yy = y_t[em]
        re = r[em]
        ls = np.log1p((s - re) / re)
        ly = np.log1p((yy - re) / re)
        ws = np.exp(-a * ls)
        wy = np.exp(-a * ly)
        lam = np.log1p((yy - s) / s)
        beta = 1.0 - a
        up = beta > 0.0  # integrand increasing in log t: expand from the top end
        base = np.where(up, yy * wy, s * ws)
        lb = np.where(up, ly, ls)
        sign = np.where(up, -1.0, 1.0)
        gamma = np.abs(beta)
        z = gamma * lam
        if order == 0:
            with np.errstate(invalid="ignore", divide="ignore"):
                g0 = np.where(z > 0.0, -np.expm1(-z) / z, 1.0) * lam
        else:
            e0, e1, e2 = _expint_moments(z)
            g0 = lam * e0
            g1 = lam * lam * e1
            g2 = lam * lam * lam * e2
        # Correction polynomial Q(t) = sum_i c_i (alpha)_{2i-1} t^{1-2i} at t = s and t = y
        # (stacked), with its alpha-derivatives when the log-weighted sums are asked for.
        m_em = a.size
        inv = np.concatenate([1.0 / s, 1.0 / yy])
        inv2 = inv * inv
        a2 = np.concatenate([a, a])
        tp = inv.copy()  # t^{1-2i}
        p0 = a2.copy()  # (alpha)_{2i-1}
        q0 = _EM_COEF[0] * tp * p0
        if order >= 1:
            p1 = np.ones_like(a2)
            p2 = np.zeros_like(a2)
            q1 = _EM_COEF[0] * tp
            q2 = np.zeros_like(a2)
        for i in range(1, len(_EM_COEF)):
            f1 = a2 + (2 * i - 1)
            f2 = a2 + 2 * i
            tp *= inv2
            ct = _EM_COEF[i] * tp
            if order >= 1:
                # (alpha)_{m+2} = (alpha)_m f1 f2, and its first two alpha-derivatives
                f12 = f1 * f2
                d12 = f1 + f2
                p2 = p2 * f12 + 2.0 * p1 * d12 + 2.0 * p0
                p1 = p1 * f12 + p0 * d12
                q1 += ct * p1
                q2 += ct * p2
            p0 = p0 * f1 * f2
            q0 += ct * p0
        # end-point terms w(t) * (1/2 +- Q(t)) as jets: T0 = wq, T1 = l w q - w q', T2 = l^2 w q - 2 l w q' + w q''
        qs0 = 0.5 + q0[:m_em]
        qy0 = 0.5 - q0[m_em:]
        t0 = base * g0 + ws * qs0 + wy * qy0
        out[0][em] += t0
        if order >= 1:
            qs1 = q1[:m_em]
            qs2 = q2[:m_em]
            qy1 = -q1[m_em:]
            qy2 = -q2[m_em:]
            i1 = base * (lb * g0 + sign * g1)
            t1 = i1 + ws * (ls * qs0 - qs1) + wy * (ly * qy0 - qy1)
            out[1][em] += t1
        if order >= 2:
            i2 = base * (lb * lb * g0 + 2.0 * sign * lb * g1 + g2)
            t2 = i2 + ws * (ls * ls * qs0 - 2.0 * ls * qs1 + qs2) + wy * (ly * ly * qy0 - 2.0 * ly * qy1 + qy2)
            out[2][em] += t2
    return tuple(out)


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
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise InvalidParameterError(f"{name} must be non-negative; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    bad = np.flatnonzero(arr > 2**53)
    if bad.size:
        raise InvalidParameterError(f"{name} must be at most 2**53; {name}[{bad[0]}] = {arr[bad[0]]!r}")
    return arr.astype(np.int64)


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
def _alpha_guess(mrel, a, b):
    """Starting exponents: the ML exponent of the continuous power law on
    [a - 1/2, b + 1/2] (log X is then a truncated exponential), by three Newton steps
    from an approximation that is exact at both ends; 1 where that fails."""
    a2 = a - 0.5
    lam = np.log((b + 0.5) / a2)
    t = (mrel + np.log(a / a2)) / lam  # in (0, 1)
    with np.errstate(all="ignore"):
        c = 1.0 / (1.0 - t) - 1.0 / t
        for _ in range(3):
            small = np.abs(c) < 1e-4
            h = np.where(small, 0.5 + c / 12.0, 1.0 / -np.expm1(-c) - 1.0 / c)  # E[s], density ~ e^{cs} on [0, 1]
            dh = np.where(small, 1.0 / 12.0, 1.0 / c**2 - 0.25 / np.sinh(0.5 * c) ** 2)
            c = c - (h - t) / dh
        alpha = 1.0 - c / lam
    return np.where(np.isfinite(alpha), alpha, 1.0)


def _solve_alpha(mrel, a, b, lam, alpha0=None, tol=_ALPHA_TOL, maxiter=200):
    """Maximum-likelihood exponents of many ranges at once.

    Solves ``E_alpha[log(X / a)] = mrel`` on each range ``[a, b]`` (arrays of floats),
    ``lam = log(b / a)``, ``0 < mrel < lam``: E is strictly decreasing in alpha (its
    derivative is minus the variance of log X), so the root is unique. Safeguarded Newton:
    a bracket [lo, hi] of the root is kept for each range, a Newton step that leaves it
    is replaced by bisection (or, while the bracket is open on one side, by doubling).
    """
    n = mrel.size
    alpha = _alpha_guess(mrel, a, b) if alpha0 is None else np.array(alpha0, dtype=float)
    if n > _CHUNK:
        for i in range(0, n, _CHUNK):
            sl = slice(i, i + _CHUNK)
            alpha[sl] = _solve_alpha(mrel[sl], a[sl], b[sl], lam[sl], alpha[sl], tol, maxiter)
        return alpha
    lo = np.full(n, -np.inf)
    hi = np.full(n, np.inf)
    act = np.arange(n)
    for _ in range(maxiter):
        if not act.size:
            break
        al = alpha[act]
        aa = a[act]
        bb = b[act]
        neg = al < 0.0
        t0, t1, t2 = _partial_sums(al, aa, bb, np.where(neg, bb, aa))
        m1 = t1 / t0
        var = t2 / t0 - m1 * m1
        g = m1 + np.where(neg, lam[act], 0.0) - mrel[act]  # E[log X/a] - mean, decreasing in alpha
        up = g > 0.0
        lo_a = np.where(up, al, lo[act])
        hi_a = np.where(up, hi[act], al)
        lo[act] = lo_a
        hi[act] = hi_a
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = g / var
            nxt = al + step
            ok = (var > 0.0) & (nxt > lo_a) & (nxt < hi_a)
            converged = (var > 0.0) & (np.abs(step) <= tol * (1.0 + np.abs(al)))
            fin_lo = np.isfinite(lo_a)
            fin_hi = np.isfinite(hi_a)
            fallback = np.where(
                fin_lo & fin_hi, 0.5 * (lo_a + hi_a),
                np.where(fin_lo, lo_a + np.maximum(1.0, np.abs(lo_a)), hi_a - np.maximum(1.0, np.abs(hi_a))),
            )
        nxt = np.where(ok | converged, nxt, fallback)
        done = (g == 0.0) | converged | (hi_a - lo_a <= tol * (1.0 + np.abs(al)))
        alpha[act] = np.where(g == 0.0, al, nxt)
        act = act[~done]
    return alpha


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
            u, inv, c = np.unique(pos, return_inverse=True, return_counts=True)
        else:
            u, inv, c = pos, pos, pos
        self.u = u
        self.uf = u.astype(float)
        self.pos_u = inv.ravel()
        self.cum = np.concatenate([[0], np.cumsum(c)])
        self.lg = np.log1p((self.uf - self.uf[0]) / self.uf[0]) if u.size else self.uf
        self.cumlog = np.concatenate([[0.0], np.cumsum(c * self.lg)])


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
    if xmin is None:
        low = np.unique(sample.sorted[:m])
        low = low[low > 0]
        if not low.size:
            raise FitError(
                f"no candidate range: the floor(n*k) = {m} smallest degrees (k = {k}, n = {n}) are all zero "
                f"({sample.n_isolated} isolated nodes), and zero is never a candidate xmin"
            )
    else:
        low = np.array([xmin], dtype=np.int64)
    if xmax is None:
        high = np.unique(sample.sorted[n - m:])
        high = high[high > 0]
    else:
        high = np.array([xmax], dtype=np.int64)
    ia = np.searchsorted(sample.u, low, side="left")
    ib = np.searchsorted(sample.u, high, side="right") - 1
    row, col = np.meshgrid(np.arange(low.size), np.arange(high.size), indexing="ij")
    row = row.ravel()
    col = col.ravel()
    # xmin < xmax and at least 3 distinct observed degrees in range
    keep = np.flatnonzero((low[row] < high[col]) & (ib[col] - ia[row] >= 2))
    if not keep.size:
        if xmin is not None and xmax is not None:
            raise FitError(f"the range [{xmin}, {xmax}] holds fewer than 3 distinct degrees")
        raise FitError(
            f"no candidate range: no xmin {'= ' + str(xmin) if xmin is not None else f'among the {m} smallest degrees'}"
            f" and xmax {'= ' + str(xmax) if xmax is not None else f'among the {m} largest'} (k = {k}, n = {n}) "
            "enclose 3 distinct positive degrees"
        )
    row = row[keep]
    col = col[keep]
    return ia[row], ib[col], low[row].astype(float), high[col].astype(float), row, col


def _pick(ks, n_tail, a, b) -> int:
    """Index of the smallest distance in ``ks`` (NaN: not computed). Distances within
    KS_TIE of it are ties, broken by larger n_tail, then smaller xmin ``a``, then larger
    xmax ``b``."""
    best = np.nanmin(ks)
    tie = np.flatnonzero(ks <= best + KS_TIE)
    first = np.lexsort((-b[tie], a[tie], -n_tail[tie]))[0]
    return int(tie[first])


class _Search:
    """Every candidate range of one data set with its ML exponent; the KS-best one."""

    def __init__(self, sample: _Sample, k: float, xmin=None, xmax=None):
        self.sample = sample
        ia, ib, a, b, _, _ = _candidate_pairs(sample, k, xmin, xmax)
        self.ia = ia
        self.ib = ib
        self.a = a
        self.b = b
        self.n_tail = sample.cum[ib + 1] - sample.cum[ia]
        u0 = sample.uf[0]
        self.mrel = (sample.cumlog[ib + 1] - sample.cumlog[ia]) / self.n_tail - np.log1p((a - u0) / u0)
        self.lam = np.log1p((self.b - self.a) / self.a)
        self.alpha = _solve_alpha(self.mrel, self.a, self.b, self.lam)
        self.ks = np.full(ia.size, np.nan)
        self.best = self._best()

    @property
    def candidates(self) -> int:
        return int(self.ia.size)

    def exact(self, sel):
        """Exact KS distances of the candidates ``sel`` (computed once, then cached)."""
        sel = np.asarray(sel)
        todo = sel[np.isnan(self.ks[sel])]
        if todo.size:
            width = int((self.ib[todo] - self.ia[todo]).max()) + 1
            step = max(1, 2_000_000 // width)
            for s in range(0, todo.size, step):
                t = todo[s:s + step]
                self.ks[t] = _ks_exact_pairs(self.sample, self.ia[t], self.ib[t], self.alpha[t], self.a[t], self.b[t])
        return self.ks[sel]

    def _best(self) -> int:
        # A coarse lower bound for every pair, a finer one for the pairs it cannot discard
        # against the best of a few exact distances, then exact distances in order of it.
        if self.candidates <= 16 or int((self.ib - self.ia + 1).sum()) <= _EXACT_ALL:
            self.exact(np.arange(self.candidates))  # cheaper than bounding them first
            return _pick(self.ks, self.n_tail, self.a, self.b)
        lb = _ks_lower(self.sample, self.ia, self.ib, self.alpha, self.a, self.b, 4)
        best = float(self.exact(np.argsort(lb, kind="stable")[:16]).min())
        for nq in (16, 64):
            keep = np.flatnonzero(lb <= best + KS_TIE + _KS_MARGIN)
            if keep.size <= 64 or int((self.ib[keep] - self.ia[keep] + 1).sum()) <= 10 * _EXACT_ALL:
                break
            lb[keep] = np.maximum(lb[keep], _ks_lower(self.sample, self.ia[keep], self.ib[keep], self.alpha[keep],
                                                      self.a[keep], self.b[keep], nq))
            keep = keep[np.isnan(self.ks[keep])]
            best = min(best, float(self.exact(keep[np.argsort(lb[keep], kind="stable")[:16]]).min()))
        order = np.argsort(lb, kind="stable")
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
        self._z = self._sum(np.array([float(xmin)]), np.array([float(xmax)]))[0]
        self.log_normalizer = float(math.log(self._z) - self.alpha * math.log(self._r))
        with np.errstate(over="ignore", under="ignore"):
            self.normalizer = float(np.exp(self.log_normalizer))
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
        ss = _seed_sequence(self.seed)
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
