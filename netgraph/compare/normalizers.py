"""The special-function normalisers of the alternatives, in log space and exact to double precision.

* :func:`log_hurwitz`: the Hurwitz zeta function, the power law's normaliser;
* :func:`log_cutoff_sum`: :math:`\\sum_{k \\ge x_0} k^{-\\alpha} e^{-\\lambda k}`, the
  normaliser of the power law with exponential cutoff (and a log-space Hurwitz zeta
  where scipy's underflows), by direct sums or the Euler-Maclaurin formula;
* :func:`log_scaled_integral`: the integral in that formula, by adaptive quadrature;
* :func:`log_ndtr_diff` and :func:`log_sf_normal`: normal probabilities of the
  discretised lognormal, accurate in both tails;
* :func:`logsumexp`: the sum of exponentials of a vector, without overflow.

scipy is imported inside the functions that need it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = [
    "logsumexp",
    "log_scaled_integral",
    "log_cutoff_sum",
    "log_hurwitz",
    "log_ndtr_diff",
    "log_sf_normal",
]

#: The Euler-Maclaurin tail starts where |d/dx log(x**-alpha e**-lambda x)| <= _EM_RATE throughout.
_EM_RATE = 0.02
#: Direct sums stop once the terms are this far (in log units) below the largest.
_DROP = 50.0


def logsumexp(v: np.ndarray) -> float:
    """``log(sum(exp(v)))`` without overflow or underflow.

    Parameters
    ----------
    v : ndarray of float
        The logs of the terms (not empty).

    Returns
    -------
    float
        The log of their sum; ``max(v)`` itself when that is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> round(logsumexp(np.array([1000.0, 1000.0])) - 1000.0, 12)  # log 2
    0.69314718056
    """
    m = float(np.max(v))
    if not math.isfinite(m):
        return m
    return m + math.log(float(np.sum(np.exp(v - m))))


def log_scaled_integral(a: float, z: float) -> float:
    """``log of the integral over u >= 0 of (1 + u)**-a * exp(-z u)``, for z >= 0.

    With z = 0 it is -log(a - 1) (a > 1). Otherwise it is computed by adaptive
    quadrature on a form with a finite, well-scaled integrand: for a > 1 and z < 1 the
    substitution t = (1 + u)**(1 - a) maps it onto (0, 1]; otherwise v = z u gives
    (1/z) * integral of (1 + v/z)**-a e**-v, split at its mode.

    Parameters
    ----------
    a : float
        The exponent (any real when z > 0; > 1 when z = 0).
    z : float
        The rate, >= 0.

    Returns
    -------
    float
        The log of the integral.

    Examples
    --------
    >>> import math
    >>> round(log_scaled_integral(0.0, 2.0), 12) == round(-math.log(2.0), 12)  # a = 0: 1/z
    True
    >>> log_scaled_integral(3.0, 0.0) == -math.log(2.0)
    True
    """
    from scipy.integrate import IntegrationWarning, quad

    if z == 0.0:
        return -math.log(a - 1.0)
    opts = dict(epsabs=0.0, epsrel=1e-13, limit=200)
    with warnings.catch_warnings():
        # The requested 1e-13 is sometimes out of reach by a few ulps; the result is still
        # far more accurate than the likelihood needs.
        warnings.simplefilter("ignore", IntegrationWarning)
        if a > 1.0 and z < 1.0:
            e = 1.0 / (a - 1.0)

            def f(t):
                return math.exp(-z * math.expm1(-e * math.log(t))) if t > 0.0 else 0.0

            val = quad(f, 0.0, 1.0, **opts)[0]
            return math.log(val) - math.log(a - 1.0)
        # v = z u; the integrand exp(psi(v)) with psi(v) = -a log1p(v/z) - v peaks at v* = -a - z
        vstar = max(0.0, -a - z)
        psi_max = -a * math.log1p(vstar / z) - vstar

        def g(v):
            return math.exp(-a * math.log1p(v / z) - v - psi_max)

        val = quad(g, vstar, math.inf, **opts)[0]
        if vstar > 0.0:
            val += quad(g, 0.0, vstar, **opts)[0]
        return psi_max + math.log(val) - math.log(z)


def _em_start(alpha: float, lam: float, x0: int):
    """First N >= x0 from which the Euler-Maclaurin tail is accurate, or None.

    phi(x) = -alpha log x - lam x has phi'(x) = -alpha/x - lam, monotone between
    -alpha/N - lam and -lam on [N, inf): both must be within _EM_RATE, and
    |phi''(x)| = |alpha|/x**2 within _EM_RATE**2 / 0.4, so the higher derivatives are
    smaller still.
    """
    if lam > _EM_RATE:
        return None
    a = abs(alpha)
    if alpha >= 0:
        slack = _EM_RATE - lam
        if slack <= 0:
            return None
        n = a / slack
    else:
        n = a / (_EM_RATE + lam)
    n = max(n, math.sqrt(a * 0.4) / _EM_RATE)
    if n > 1e15:
        return None
    return max(x0, int(math.ceil(n)))


def _direct_end(alpha: float, lam: float, x0: int) -> int:
    """Last k whose term is within _DROP log units of the largest term (lam > 0).

    phi(k) = -alpha log k - lam k peaks at max(x0, -alpha/lam) and is concave or
    decreasing beyond; past the returned k the terms fall at least geometrically, so
    the rest of the sum is a negligible part of the whole.
    """
    peak = max(float(x0), -alpha / lam)
    target = -alpha * math.log(peak) - lam * peak - _DROP

    def above(k):
        return -alpha * math.log(k) - lam * k > target

    lo, hi = peak, peak + max(1.0, _DROP / lam)
    while above(hi):
        lo, hi = hi, hi + 2.0 * (hi - peak)
    while hi - lo > 1.0:
        mid = 0.5 * (lo + hi)
        if above(mid):
            lo = mid
        else:
            hi = mid
    return int(math.ceil(hi))


def log_cutoff_sum(alpha: float, lam: float, x0: int) -> float:
    """``log of sum over integers k >= x0 of k**-alpha * exp(-lam * k)`` (lam >= 0).

    Exact to double precision, by the cheaper of two routes. Direct: every term from
    x0 until they drop ``_DROP`` (50) log units below the largest (lam > 0).
    Euler-Maclaurin: the terms below N = ``_em_start(alpha, lam, x0)`` directly, the
    tail from N as its integral (:func:`log_scaled_integral`) plus the corrections in
    g, g' and g''' (g the term, ``phi = log g``); with ``|phi'| <= 0.02`` on the tail,
    the first neglected term is below 0.02**5 / 30240 (about 1e-13) of the tail's
    first term.

    Parameters
    ----------
    alpha : float
        The exponent (any real when lam > 0).
    lam : float
        The cutoff rate, >= 0.
    x0 : int
        The first integer of the sum, >= 1.

    Returns
    -------
    float
        The log of the sum; ``inf`` when it diverges (lam = 0 and alpha <= 1).

    Examples
    --------
    >>> import math
    >>> round(log_cutoff_sum(2.0, 0.0, 1), 12) == round(math.log(math.pi**2 / 6), 12)  # zeta(2)
    True
    >>> round(log_cutoff_sum(0.0, 1.0, 1), 12) == round(-math.log(math.e - 1), 12)  # geometric series
    True
    """
    if lam == 0.0 and alpha <= 1.0:
        return math.inf
    n_em = _em_start(alpha, lam, x0)
    k_end = _direct_end(alpha, lam, x0) if lam > 0.0 else None
    if k_end is not None and (n_em is None or k_end - x0 < n_em - x0 + 64):
        k = np.arange(x0, k_end + 1, dtype=float)
        return logsumexp(-alpha * np.log(k) - lam * k)
    parts = []
    if n_em > x0:
        k = np.arange(x0, n_em, dtype=float)
        parts.append(logsumexp(-alpha * np.log(k) - lam * k))
    n = float(n_em)
    log_g = -alpha * math.log(n) - lam * n
    d1 = -alpha / n - lam
    d2 = alpha / n**2
    d3 = -2.0 * alpha / n**3
    corr = 0.5 - d1 / 12.0 + (d1**3 + 3.0 * d1 * d2 + d3) / 720.0  # > 0.49 here
    log_int = math.log(n) + log_scaled_integral(alpha, lam * n)
    parts.append(log_g + float(np.logaddexp(log_int, math.log(corr))))
    return logsumexp(np.asarray(parts))


def log_hurwitz(alpha: float, q: int) -> float:
    """``log zeta(alpha, q)``, the log of the Hurwitz zeta function (alpha > 1).

    scipy's :func:`scipy.special.zeta`, or the log-space sum :func:`log_cutoff_sum`
    (with no cutoff) where that value falls outside ``(1e-280, inf)``.

    Parameters
    ----------
    alpha : float
        The exponent, > 1.
    q : int
        The first term, >= 1.

    Returns
    -------
    float

    Examples
    --------
    >>> import math
    >>> round(math.exp(log_hurwitz(2.0, 1)), 12) == round(math.pi**2 / 6, 12)
    True
    """
    from scipy.special import zeta

    v = float(zeta(alpha, q))
    if 1e-280 < v < math.inf:
        return math.log(v)
    return log_cutoff_sum(alpha, 0.0, q)


def log_ndtr_diff(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``log(Phi(hi) - Phi(lo))`` for lo < hi, accurate in both tails.

    Parameters
    ----------
    lo, hi : array_like of float
        The bounds (broadcast together), ``lo < hi``.

    Returns
    -------
    ndarray of float
        The log of the standard normal probability of ``[lo, hi]``.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(np.exp(log_ndtr_diff(np.array([-1.0, 0.0]), np.array([1.0, np.inf]))), 6)
    array([0.682689, 0.5     ])
    >>> bool(np.isfinite(log_ndtr_diff(np.array([40.0]), np.array([41.0]))[0]))  # far in the upper tail
    True
    """
    from scipy.special import log_ndtr

    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    out = np.empty(np.broadcast(lo, hi).shape)
    lo, hi = np.broadcast_arrays(lo, hi)
    upper = lo > 0  # both in the upper tail: use survival functions
    with np.errstate(divide="ignore"):
        a, b = log_ndtr(-lo[upper]), log_ndtr(-hi[upper])
        out[upper] = a + np.log(-np.expm1(b - a))
        a, b = log_ndtr(hi[~upper]), log_ndtr(lo[~upper])
        out[~upper] = a + np.log(-np.expm1(b - a))
    return out


def log_sf_normal(z: float) -> float:
    """``log(1 - Phi(z))``, the log survival function of the standard normal.

    Parameters
    ----------
    z : float

    Returns
    -------
    float

    Examples
    --------
    >>> import math
    >>> log_sf_normal(0.0) == math.log(0.5)
    True
    """
    from scipy.special import log_ndtr

    return float(log_ndtr(-z))
