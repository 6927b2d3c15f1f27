r"""Model comparison: is the truncated power law better than the alternatives?

A good fit (a large bootstrap p-value) says the truncated power law (TPL) is a
plausible model of a layer's degrees; it does not say that another heavy-tailed
model would not do as well. Clauset, Shalizi & Newman [1]_ (section 5) answer that
with a likelihood-ratio test on the same data: fit each alternative by maximum
likelihood, compute the log-likelihood ratio

.. math:: \mathcal{R} = \sum_{i=1}^{n} \left[\ln p_{\mathrm{TPL}}(x_i) - \ln p_{\mathrm{alt}}(x_i)\right]

over the data :math:`x_1..x_n` that the TPL describes (the degrees in its fitted
``[xmin, xmax]``), and judge its sign with Vuong's test [2]_: with
:math:`\sigma^2` the (population) variance of the per-point differences
:math:`\ell_i`, the normalised ratio :math:`\mathcal{R}/(\sigma\sqrt{n})` is
asymptotically standard normal when both models are equally close to the truth, and
the two-sided p-value is

.. math:: p = \operatorname{erfc}\left(\frac{|\mathcal{R}|}{\sqrt{2n\sigma^2}}\right).

A small p (below ``significance``, 0.1 by default as in [1]_) means the sign of
:math:`\mathcal{R}` is reliable: positive favours the TPL, negative the alternative.
A large p means the data cannot tell the two apart.

The alternatives, all discrete, defined on the integers ``x >= xmin`` (no upper
bound) and fitted by maximum likelihood on the same points:

``"power_law"``
    :math:`p(x) = x^{-\alpha} / \zeta(\alpha, x_{\min})`, :math:`\alpha > 1`, with the
    Hurwitz zeta function as normaliser; :math:`\alpha` by exact maximum likelihood
    (a root of the score equation, no continuous approximation).
``"cutoff_power_law"``
    The power law with an exponential cutoff,
    :math:`p(x) = x^{-\alpha} e^{-\lambda x} / Z`, :math:`\lambda \ge 0` (at
    :math:`\lambda = 0` it is the power law and needs :math:`\alpha > 1`). The
    normaliser :math:`Z = \sum_{k \ge x_{\min}} k^{-\alpha} e^{-\lambda k}` is summed
    exactly: directly while the terms change quickly, then by the Euler-Maclaurin
    formula, whose integral is computed by adaptive quadrature (a few hundred
    microseconds, against seconds for an arbitrary-precision Lerch transcendent).
``"lognormal"``
    The discretised lognormal: the law of :math:`\mathrm{round}(X)` for a lognormal
    :math:`X` with parameters :math:`\mu, \sigma`, conditioned on
    :math:`X \ge x_{\min} - 1/2`, so
    :math:`p(x) = [\Phi(u(x + \tfrac12)) - \Phi(u(x - \tfrac12))] / [1 - \Phi(u(x_{\min} - \tfrac12))]`
    with :math:`u(y) = (\ln y - \mu)/\sigma` (the discrete lognormal of the ``powerlaw``
    package), computed in log space so that no term underflows.
``"exponential"``
    The discrete exponential (shifted geometric),
    :math:`p(x) = (1 - e^{-\lambda}) e^{-\lambda (x - x_{\min})}`, whose maximum
    likelihood estimate is closed-form:
    :math:`\lambda = \ln(1 + 1/\bar m)` with :math:`\bar m` the mean of :math:`x - x_{\min}`.

**Names.** The ``powerlaw`` package [4]_ calls the power law with an exponential cutoff
(``"cutoff_power_law"`` here) ``"truncated_power_law"``. That is *not* the TPL of
Hou & Kwok [3]_ that netgraph fits (:mod:`netgraph.tpl`), which is a pure power law
:math:`x^{-\alpha}` cut off sharply at an upper bound ``xmax``. So
``powerlaw.Fit(...).distribution_compare("truncated_power_law", "power_law")``
compares an exponential cutoff with the power law; it is our
``compare_tpl(...)["cutoff_power_law"]`` that compares the TPL with that model.
``powerlaw`` also treats these two as nested and uses a chi-square p-value; here every
comparison uses Vuong's normalised test, because the TPL's ``xmax`` is a boundary
chosen from the data, which the nested-models theory does not cover.

**What the comparison can and cannot say.** The points compared are those in ``[xmin, xmax]``, the only points the TPL gives a
probability to; degrees above ``xmax`` are left out on both sides. The alternatives
keep their unbounded support, so each of them spends some probability above
``xmax``, where the compared data have no point: a TPL whose ``xmax`` lies well inside
the data wins partly for that reason. Each result reports that mass
(``alt_mass_above_xmax``) and the number of degrees left out above ``xmax``
(``n_above_xmax``), so the reader can see when it matters.

References
----------
.. [1] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-law distributions in
   empirical data." SIAM Review 51(4), 661-703 (2009), section 5.
.. [2] Vuong, Q. H. "Likelihood ratio tests for model selection and non-nested
   hypotheses." Econometrica 57(2), 307-333 (1989).
.. [3] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018).
.. [4] Alstott, J., Bullmore, E. and Plenz, D. "powerlaw: a Python package for
   analysis of heavy-tailed distributions." PLoS ONE 9(1), e85777 (2014).
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

from netgraph.exceptions import FitError, InvalidParameterError

__all__ = [
    "ALTERNATIVES",
    "AlternativeFit",
    "fit_alternative",
    "alternative_logpmf",
    "alternative_logsf",
    "vuong_test",
    "compare_tpl",
]

#: The alternatives :func:`compare_tpl` compares the TPL with, in their default order.
ALTERNATIVES = ("power_law", "cutoff_power_law", "lognormal", "exponential")

#: Parameter names of each alternative, in the order of ``params``.
_PARAMETERS = {
    "power_law": ("alpha",),
    "cutoff_power_law": ("alpha", "lambda"),
    "lognormal": ("mu", "sigma"),
    "exponential": ("lambda",),
}


class AlternativeFit(NamedTuple):
    """The maximum-likelihood fit of an alternative: what :func:`fit_alternative` returns.

    Attributes
    ----------
    params : dict of str to float
        The fitted parameters (``alpha``; ``alpha`` and ``lambda``; ``mu`` and
        ``sigma``; ``lambda``).
    logpmf : ndarray of float
        The log-probability of each data point under the fitted model, in the order
        of the data.
    """

    params: dict
    logpmf: np.ndarray


# ---------------------------------------------------------------------- input checks
def _check_name(name) -> str:
    if name not in _PARAMETERS:
        raise InvalidParameterError(
            f"unknown alternative {name!r}; choose from {', '.join(map(repr, ALTERNATIVES))}"
        )
    return name


def _check_xmin(xmin) -> int:
    try:
        value = float(xmin)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"xmin must be a positive integer; got {xmin!r}") from None
    if not math.isfinite(value) or value < 1 or value != math.floor(value):
        raise InvalidParameterError(f"xmin must be a positive integer; got {xmin!r}")
    return int(value)


def _check_points(x, xmin: int, *, what: str = "data") -> np.ndarray:
    """``x`` (a number or a 1-D array) as a 1-D float array of integers >= xmin."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{what} must be an array of integers; got {type(x).__name__}") from None
    if arr.ndim > 1:
        raise InvalidParameterError(f"{what} must be one-dimensional; got shape {arr.shape}")
    arr = arr.ravel()
    bad = ~np.isfinite(arr) | (arr != np.floor(arr))
    if bad.any():
        raise InvalidParameterError(f"{what} must hold integers; got {float(arr[bad][0])!r}")
    if arr.size and arr.min() < xmin:
        raise InvalidParameterError(f"{what} must be >= xmin = {xmin}; got {arr.min():g}")
    return arr


def _check_params(name: str, params) -> tuple:
    try:
        values = tuple(float(params[p]) for p in _PARAMETERS[name])
    except (KeyError, TypeError, ValueError):
        raise InvalidParameterError(
            f"{name} needs parameters {', '.join(_PARAMETERS[name])}; got {params!r}"
        ) from None
    if name == "power_law" and not values[0] > 1:
        raise InvalidParameterError(f"a power law on x >= xmin needs alpha > 1; got {values[0]!r}")
    if name == "cutoff_power_law":
        alpha, lam = values
        if not (math.isfinite(alpha) and lam >= 0 and math.isfinite(lam)) or (lam == 0 and not alpha > 1):
            raise InvalidParameterError(
                f"a power law with exponential cutoff needs lambda >= 0, and alpha > 1 when lambda = 0; "
                f"got alpha={alpha!r}, lambda={lam!r}"
            )
    if name == "lognormal" and not (math.isfinite(values[0]) and values[1] > 0 and math.isfinite(values[1])):
        raise InvalidParameterError(f"a lognormal needs a finite mu and sigma > 0; got {params!r}")
    if name == "exponential" and not values[0] > 0:  # inf allowed: all mass at xmin
        raise InvalidParameterError(f"an exponential needs lambda > 0; got {values[0]!r}")
    return values


# ---------------------------------------------------------------------- normalisers
def _logsumexp(v: np.ndarray) -> float:
    m = float(np.max(v))
    if not math.isfinite(m):
        return m
    return m + math.log(float(np.sum(np.exp(v - m))))


def _log_scaled_integral(a: float, z: float) -> float:
    """``log of the integral over u >= 0 of (1 + u)**-a * exp(-z u)``, for z >= 0.

    With z = 0 it is -log(a - 1) (a > 1). Otherwise it is computed by adaptive
    quadrature on a form with a finite, well-scaled integrand: for a > 1 and z < 1 the
    substitution t = (1 + u)**(1 - a) maps it onto (0, 1]; otherwise v = z u gives
    (1/z) * integral of (1 + v/z)**-a e**-v, split at its mode.
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


#: The Euler-Maclaurin tail starts where |d/dx log(x**-alpha e**-lambda x)| <= _EM_RATE throughout.
_EM_RATE = 0.02
#: Direct sums stop once the terms are this far (in log units) below the largest.
_DROP = 50.0


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


def _log_cutoff_sum(alpha: float, lam: float, x0: int) -> float:
    """``log of sum over integers k >= x0 of k**-alpha * exp(-lam * k)`` (lam >= 0).

    Exact to double precision, by the cheaper of two routes. Direct: every term from
    x0 until they drop ``_DROP`` log units below the largest (lam > 0).
    Euler-Maclaurin: the terms below N = :func:`_em_start` directly, the tail from N
    as its integral (:func:`_log_scaled_integral`) plus the corrections in g, g' and
    g'''; with |phi'| <= 0.02 on the tail, the first neglected term is below
    0.02**5 / 30240 (about 1e-13) of the tail's first term.
    """
    if lam == 0.0 and alpha <= 1.0:
        return math.inf
    n_em = _em_start(alpha, lam, x0)
    k_end = _direct_end(alpha, lam, x0) if lam > 0.0 else None
    if k_end is not None and (n_em is None or k_end - x0 < n_em - x0 + 64):
        k = np.arange(x0, k_end + 1, dtype=float)
        return _logsumexp(-alpha * np.log(k) - lam * k)
    parts = []
    if n_em > x0:
        k = np.arange(x0, n_em, dtype=float)
        parts.append(_logsumexp(-alpha * np.log(k) - lam * k))
    n = float(n_em)
    log_g = -alpha * math.log(n) - lam * n
    d1 = -alpha / n - lam
    d2 = alpha / n**2
    d3 = -2.0 * alpha / n**3
    corr = 0.5 - d1 / 12.0 + (d1**3 + 3.0 * d1 * d2 + d3) / 720.0  # > 0.49 here
    log_int = math.log(n) + _log_scaled_integral(alpha, lam * n)
    parts.append(log_g + float(np.logaddexp(log_int, math.log(corr))))
    return _logsumexp(np.asarray(parts))


def _log_hurwitz(alpha: float, q: int) -> float:
    """``log zeta(alpha, q)`` (alpha > 1): scipy's Hurwitz zeta, or a log-space sum where it underflows."""
    from scipy.special import zeta

    v = float(zeta(alpha, q))
    if 1e-280 < v < math.inf:
        return math.log(v)
    return _log_cutoff_sum(alpha, 0.0, q)


def _log_ndtr_diff(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``log(Phi(hi) - Phi(lo))`` for lo < hi, accurate in both tails."""
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


# ---------------------------------------------------------------------- the alternatives
def _logpmf(name: str, x: np.ndarray, values: tuple, xmin: int) -> np.ndarray:
    if name == "power_law":
        (alpha,) = values
        return -alpha * np.log(x) - _log_hurwitz(alpha, xmin)
    if name == "cutoff_power_law":
        alpha, lam = values
        return -alpha * np.log(x) - lam * x - _log_cutoff_sum(alpha, lam, xmin)
    if name == "lognormal":
        mu, sigma = values
        lo = (np.log(x - 0.5) - mu) / sigma
        hi = (np.log(x + 0.5) - mu) / sigma
        return _log_ndtr_diff(lo, hi) - _log_sf_normal((math.log(xmin - 0.5) - mu) / sigma)
    (lam,) = values  # exponential
    if lam == math.inf:
        return np.where(x == xmin, 0.0, -np.inf)
    return math.log(-math.expm1(-lam)) - lam * (x - xmin)


def _log_sf_normal(z: float) -> float:
    from scipy.special import log_ndtr

    return float(log_ndtr(-z))


def _logsf(name: str, x: float, values: tuple, xmin: int) -> float:
    """log P(X >= x) for an integer x >= xmin."""
    if x <= xmin:
        return 0.0
    if name == "power_law":
        (alpha,) = values
        return _log_hurwitz(alpha, int(x)) - _log_hurwitz(alpha, xmin)
    if name == "cutoff_power_law":
        alpha, lam = values
        return _log_cutoff_sum(alpha, lam, int(x)) - _log_cutoff_sum(alpha, lam, xmin)
    if name == "lognormal":
        mu, sigma = values
        return _log_sf_normal((math.log(x - 0.5) - mu) / sigma) - _log_sf_normal((math.log(xmin - 0.5) - mu) / sigma)
    (lam,) = values
    return -lam * (x - xmin) if lam < math.inf else -math.inf


def _fit_power_law(x: np.ndarray, xmin: int) -> tuple:
    """alpha > 1 solving the score equation mean(log x) = E[log X] exactly."""
    from scipy.optimize import brentq

    mean_log = float(np.mean(np.log(x)))
    if mean_log <= math.log(xmin):  # every point at xmin: alpha -> infinity
        raise _degenerate("power_law", x)

    def score(a):  # d/da of the mean negative log-likelihood: mean log x + d/da log zeta(a, xmin)
        h = 1e-6 * max(1.0, a - 1.0) if a - 1.0 > 1e-5 else 0.1 * (a - 1.0)
        return mean_log + (_log_hurwitz(a + h, xmin) - _log_hurwitz(a - h, xmin)) / (2 * h)

    # continuous-data estimate as a starting point, then bracket the root (score increases with a)
    a0 = 1.0 + 1.0 / max(mean_log - math.log(xmin - 0.5), 1e-12)
    lo, hi = 1.0 + 1e-9, max(a0, 1.0 + 1e-6)
    while score(hi) < 0:
        lo, hi = hi, 1.0 + 2.0 * (hi - 1.0)
        if hi > 1e7:
            raise _degenerate("power_law", x)
    if score(lo) > 0:  # the optimum is against alpha = 1
        return (lo,)
    return (brentq(score, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=200),)


def _fit_exponential(x: np.ndarray, xmin: int) -> tuple:
    m = float(np.mean(x)) - xmin
    if m <= 0:
        raise _degenerate("exponential", x)
    return (math.log1p(1.0 / m),)


def _minimize2(f, x0, scale, bounds, *, max_iter: int = 200):
    """Minimise a smooth function of two variables: Levenberg-Marquardt-damped Newton steps.

    Gradient and Hessian by central differences (steps ``2e-5 * scale``), each step
    accepted only if it lowers ``f``, iterates clipped to ``bounds``. Pure Python on
    floats: no BLAS call, so no thread start-up cost on tiny matrices, and the same
    result on every machine. Returns ``(x, f(x))``.
    """
    lo = [b[0] for b in bounds]
    hi = [b[1] for b in bounds]

    def clip(p):
        return [min(max(p[0], lo[0]), hi[0]), min(max(p[1], lo[1]), hi[1])]

    x = clip([float(x0[0]), float(x0[1])])
    fx = f(x)
    nu = 0.0
    for _ in range(max_iter):
        h0, h1 = 2e-5 * scale[0], 2e-5 * scale[1]
        fpp = [f([x[0] + h0, x[1]]), f([x[0] - h0, x[1]]), f([x[0], x[1] + h1]), f([x[0], x[1] - h1])]
        fxy = [f([x[0] + h0, x[1] + h1]), f([x[0] + h0, x[1] - h1]), f([x[0] - h0, x[1] + h1]),
               f([x[0] - h0, x[1] - h1])]
        g0 = (fpp[0] - fpp[1]) / (2 * h0)
        g1 = (fpp[2] - fpp[3]) / (2 * h1)
        H00 = (fpp[0] - 2 * fx + fpp[1]) / h0**2
        H11 = (fpp[2] - 2 * fx + fpp[3]) / h1**2
        H01 = (fxy[0] - fxy[1] - fxy[2] + fxy[3]) / (4 * h0 * h1)
        if not all(map(math.isfinite, (g0, g1, H00, H11, H01))):
            break
        d0, d1 = max(abs(H00), 1e-12), max(abs(H11), 1e-12)
        moved = False
        for _ in range(60):
            A00, A11 = H00 + nu * d0, H11 + nu * d1
            det = A00 * A11 - H01 * H01
            if A00 <= 0 or det <= 0:
                nu = max(4.0 * nu, 1e-4)
                continue
            s0 = -(A11 * g0 - H01 * g1) / det
            s1 = -(A00 * g1 - H01 * g0) / det
            xn = clip([x[0] + s0, x[1] + s1])
            fn = f(xn)
            if fn < fx:
                moved = True
                break
            nu = max(4.0 * nu, 1e-4)
        if not moved:
            break
        step = max(abs(xn[0] - x[0]) / scale[0], abs(xn[1] - x[1]) / scale[1])
        gain = fx - fn
        x, fx = xn, fn
        nu /= 4.0
        if step < 1e-11 or gain <= 1e-16 * max(1.0, abs(fx)):
            break
    return x, fx


def _fit_cutoff_power_law(x: np.ndarray, xmin: int) -> tuple:
    """(alpha, lambda) maximising the likelihood; lambda = 0 when the pure power law does better.

    The mean negative log-likelihood ``alpha * mean(log x) + lambda * mean(x) + log Z``
    is convex in (alpha, lambda) (an exponential family in (log x, x)), but on a narrow
    range of large degrees log x is almost linear in x and the two parameters are
    almost collinear. So the search runs in whitened coordinates: b1, the coefficient of
    the standardised log x, and theta = log(-b2), with b2 the coefficient of the part of
    the standardised x uncorrelated with it (the data's own correlation); there the
    Hessian is close to the identity and lambda > 0 throughout.
    """
    logx = np.log(x)
    m1, m2 = float(logx.mean()), float(x.mean())
    s1, s2 = float(logx.std()), float(x.std())
    if s2 == 0:
        raise _degenerate("cutoff_power_law", x)
    rho = float(np.mean((logx - m1) * (x - m2)) / (s1 * s2))
    r = math.sqrt(max(0.0, 1.0 - rho * rho))
    if r < 1e-9:  # two distinct values: the two statistics are collinear, the estimate is not unique
        raise _degenerate("cutoff_power_law", x)

    def to_params(p):
        lam = math.exp(p[1]) / (s2 * r)
        return (-p[0] - lam * s2 * rho) / s1, lam

    def f(p):
        a, lam = to_params(p)
        return a * m1 + lam * m2 + _log_cutoff_sum(a, lam, xmin)

    def to_coords(a, lam):
        return (-(a * s1 + lam * s2 * rho), math.log(lam * s2 * r))

    try:
        (a_pl,) = _fit_power_law(x, xmin)
        nll_pl = a_pl * m1 + _log_hurwitz(a_pl, xmin)
    except FitError:
        a_pl, nll_pl = 2.0, math.inf
    # The pure power law (lambda = 0, on the boundary) is the optimum exactly when the
    # objective does not decrease into lambda > 0 there: its derivative in lambda,
    # mean(x) - E[X] under the fitted power law, is >= 0 (convexity: the KKT condition
    # is sufficient). E[X] = zeta(alpha - 1, xmin) / zeta(alpha, xmin) is finite for alpha > 2.
    if a_pl > 2.0 and m2 >= math.exp(_log_hurwitz(a_pl - 1.0, xmin) - _log_hurwitz(a_pl, xmin)):
        return (a_pl, 0.0)
    # Start from the gamma-like moment match (x**(k-1) e**(-x/theta): alpha = 1 - mean**2/var,
    # lambda = mean/var); the objective has no other local minimum, but should that run stop
    # against a bound, also try the power law with a faint cutoff.
    starts = [to_coords(1.0 - m2 * m2 / (s2 * s2), m2 / (s2 * s2)), to_coords(a_pl, 1e-3 / m2)]
    b1_span = 10.0 * max(abs(starts[0][0]), abs(starts[1][0]), 10.0)
    bounds = [(-b1_span, b1_span), (math.log(1e-12 * s2 * r / max(m2, 1.0)), math.log(50.0 * s2 * r))]
    best_x, best_f = None, math.inf
    for start in starts:
        xs, fs = _minimize2(f, start, (1.0, 1.0), bounds)
        if fs < best_f:
            best_x, best_f = xs, fs
        at_bound = any(min(abs(v - b[0]), abs(v - b[1])) < 1e-6 for v, b in zip(xs, bounds))
        if not at_bound:
            break
    if best_x is None or nll_pl <= best_f:
        return (a_pl, 0.0)
    return to_params(best_x)


def _fit_lognormal(x: np.ndarray, xmin: int) -> tuple:
    logx = np.log(x)
    if float(logx.std()) == 0:
        raise _degenerate("lognormal", x)
    log_lo0 = math.log(xmin - 0.5)
    # one normal-CDF difference per distinct degree, weighted by its frequency
    values, counts = np.unique(x, return_counts=True)
    lo_v, hi_v = np.log(values - 0.5), np.log(values + 0.5)
    w = counts / counts.sum()

    def f(p):
        mu, sigma = p[0], math.exp(p[1])
        ll = _log_ndtr_diff((lo_v - mu) / sigma, (hi_v - mu) / sigma)
        return -(float(w @ ll) - _log_sf_normal((log_lo0 - mu) / sigma))

    m, s = float(logx.mean()), float(logx.std())
    span = 50.0 * max(1.0, abs(m))
    bounds = [(-span, span), (math.log(s) - 15.0, math.log(s) + 8.0)]
    xs, _ = _minimize2(f, (m, math.log(s)), (s, 1.0), bounds)
    return (float(xs[0]), math.exp(float(xs[1])))


_FITTERS = {
    "power_law": _fit_power_law,
    "cutoff_power_law": _fit_cutoff_power_law,
    "lognormal": _fit_lognormal,
    "exponential": _fit_exponential,
}


def _degenerate(name: str, x: np.ndarray) -> FitError:
    return FitError(
        f"cannot fit {name} to {x.size} point(s) with {np.unique(x).size} distinct value(s): "
        f"the maximum-likelihood estimate does not exist"
    )


# ---------------------------------------------------------------------- public functions
def fit_alternative(name, data, xmin) -> AlternativeFit:
    """Fit an alternative distribution on ``x >= xmin`` by maximum likelihood.

    Parameters
    ----------
    name : {"power_law", "cutoff_power_law", "lognormal", "exponential"}
        The model; see :mod:`netgraph.compare` for their definitions.
    data : array_like of int
        The data, every value an integer ``>= xmin`` (for a comparison with the TPL:
        the degrees inside its fitted ``[xmin, xmax]``).
    xmin : int
        The lower bound of the support (a positive integer).

    Returns
    -------
    AlternativeFit
        ``(params, logpmf)``: the fitted parameters and the log-probability of each
        data point.

    Raises
    ------
    InvalidParameterError
        If ``name`` is unknown, ``xmin`` is not a positive integer, or ``data`` is
        empty or holds non-integers or values below ``xmin``.
    FitError
        If the estimate does not exist: all points equal (or, for the cutoff model,
        only two distinct values).

    Notes
    -----
    ``power_law``: the root of the exact score equation
    :math:`\\overline{\\ln x} = -\\partial_\\alpha \\ln\\zeta(\\alpha, x_{\\min})`.
    ``exponential``: closed form. ``cutoff_power_law`` and ``lognormal``: L-BFGS-B on
    the exact log-likelihood (for the cutoff model in ``(alpha, log lambda)``, from two
    starting points; its negative log-likelihood is convex in ``(alpha, lambda)``, and
    the pure power law, ``lambda = 0``, is taken when it does at least as well).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = 3 + rng.geometric(0.2, size=2000) - 1      # exponential on x >= 3
    >>> params, logpmf = fit_alternative("exponential", x, 3)
    >>> round(float(1 - np.exp(-params["lambda"])), 2)  # p of the geometric law
    0.2
    >>> logpmf.shape
    (2000,)
    """
    name = _check_name(name)
    xmin = _check_xmin(xmin)
    x = _check_points(data, xmin)
    if x.size == 0:
        raise InvalidParameterError(f"cannot fit {name} to empty data")
    values = _FITTERS[name](x, xmin)
    params = dict(zip(_PARAMETERS[name], (float(v) for v in values)))
    return AlternativeFit(params, _logpmf(name, x, values, xmin))


def alternative_logpmf(name, x, params, xmin) -> np.ndarray:
    """Log-probabilities of an alternative distribution on ``x >= xmin``.

    Parameters
    ----------
    name : {"power_law", "cutoff_power_law", "lognormal", "exponential"}
        The model.
    x : array_like of int
        Points, integers ``>= xmin``.
    params : dict
        Its parameters, as in :attr:`AlternativeFit.params`.
    xmin : int
        The lower bound of the support.

    Returns
    -------
    ndarray of float
        ``log p(x)`` for each point.

    Raises
    ------
    InvalidParameterError
        On an unknown model, parameters outside their domain, or points below ``xmin``.

    Examples
    --------
    The probabilities sum to 1 over the support:

    >>> import numpy as np
    >>> k = np.arange(2, 400)
    >>> p = np.exp(alternative_logpmf("cutoff_power_law", k, {"alpha": 1.5, "lambda": 0.1}, 2))
    >>> round(float(p.sum()), 12)
    1.0
    """
    name = _check_name(name)
    xmin = _check_xmin(xmin)
    values = _check_params(name, params)
    return _logpmf(name, _check_points(x, xmin, what="x"), values, xmin)


def alternative_logsf(name, x, params, xmin) -> float:
    """``log P(X >= x)`` of an alternative distribution on ``x >= xmin``.

    Parameters
    ----------
    name : {"power_law", "cutoff_power_law", "lognormal", "exponential"}
        The model.
    x : int
        A point (integer); ``log P(X >= x) = 0`` for ``x <= xmin``.
    params : dict
        Its parameters, as in :attr:`AlternativeFit.params`.
    xmin : int
        The lower bound of the support.

    Returns
    -------
    float
        The log of the probability that the variable is at least ``x``.

    Examples
    --------
    >>> import math
    >>> round(math.exp(alternative_logsf("power_law", 2, {"alpha": 2.0}, 1)), 6)  # 1 - 6/pi**2
    0.392073
    """
    name = _check_name(name)
    xmin = _check_xmin(xmin)
    values = _check_params(name, params)
    xv = _check_points(x, -math.inf, what="x")
    if xv.size != 1:
        raise InvalidParameterError(f"x must be a single integer; got {xv.size} values")
    return float(_logsf(name, float(xv[0]), values, xmin))


#: Per-point log-likelihood differences below this (nats) are numerical noise: the models agree.
_SAME_MODEL = 1e-7


def vuong_test(loglik1, loglik2) -> tuple[float, float, float]:
    """Log-likelihood ratio of two models on the same points, and Vuong's test of its sign.

    Parameters
    ----------
    loglik1, loglik2 : array_like of float
        Per-point log-likelihoods of the two models, on the same points in the same
        order.

    Returns
    -------
    R : float
        :math:`\\sum_i (\\ell^{(1)}_i - \\ell^{(2)}_i)`: positive favours model 1.
    normalized_R : float
        :math:`R / (\\sigma \\sqrt{n})`, asymptotically standard normal when the two
        models are equally good (:math:`\\sigma^2`: the population variance of the
        per-point differences). ``+-inf`` when every point differs by the same amount.
        0 when the two models agree on every point (no difference above 1e-7 nats,
        the precision of fitted log-likelihoods): Vuong's statistic has no limit law
        for models that coincide on the data, so ``p`` is then 1.
    p : float
        The two-sided p-value :math:`\\operatorname{erfc}(|R| / \\sqrt{2 n \\sigma^2})`
        of Clauset et al. (2009), eq. (5.4): small means the sign of ``R`` is reliable.

    Raises
    ------
    InvalidParameterError
        If the arrays differ in length, are empty, or hold NaN or ``+inf``.

    Examples
    --------
    >>> R, z, p = vuong_test([-1.0, -2.0, -1.5, -1.0], [-1.5, -2.0, -2.0, -1.2])
    >>> round(R, 2), round(z, 3), round(p, 4)
    (1.2, 2.828, 0.0047)
    """
    from scipy.special import erfc

    a = np.asarray(loglik1, dtype=float).ravel()
    b = np.asarray(loglik2, dtype=float).ravel()
    if a.shape != b.shape:
        raise InvalidParameterError(f"the two log-likelihood arrays differ in length: {a.size} and {b.size}")
    if a.size == 0:
        raise InvalidParameterError("the log-likelihood arrays are empty")
    if np.isnan(a).any() or np.isnan(b).any() or (a == np.inf).any() or (b == np.inf).any():
        raise InvalidParameterError("log-likelihoods must not be NaN or +inf")
    with np.errstate(invalid="ignore"):
        d = a - b
    if not np.isfinite(d).all():  # a point impossible under one model (or both)
        d = np.nan_to_num(d, nan=0.0, posinf=1e300, neginf=-1e300)
    n = d.size
    R = float(d.sum())
    if float(np.abs(d).max()) <= _SAME_MODEL:  # the models agree on every point
        return R, 0.0, 1.0
    sd = float(d.std())
    if sd <= 1e-13 * float(np.abs(d).max()):  # every point favours one model by the same amount
        return R, math.copysign(math.inf, R), 0.0
    z = R / (sd * math.sqrt(n))
    return R, z, float(erfc(abs(z) / math.sqrt(2.0)))


def _is_fit(obj) -> bool:
    return hasattr(obj, "distribution_") and hasattr(obj, "xmin_") and hasattr(obj, "xmax_")


def compare_tpl(degrees, fit=None, *, alternatives=ALTERNATIVES, significance: float = 0.1, **fit_kw) -> dict:
    """Compare a layer's truncated power law with other models on the same data.

    Parameters
    ----------
    degrees : array_like of int
        The degrees the TPL was (or is to be) fitted to: all of them, zeros included;
        only those inside the fitted ``[xmin, xmax]`` are compared.
    fit : TruncatedPowerLaw, optional
        A fitted :class:`netgraph.tpl.TruncatedPowerLaw` of ``degrees``. When omitted,
        the TPL is fitted here with :func:`netgraph.tpl.fit_tpl` (``fit_kw`` passed on).
    alternatives : sequence of str, default ALTERNATIVES
        Which of ``"power_law"``, ``"cutoff_power_law"``, ``"lognormal"``,
        ``"exponential"`` to compare with.
    significance : float, default 0.1
        The p-value below which the sign of ``R`` names a preferred model
        (Clauset et al. use 0.1).
    **fit_kw
        Keywords of :func:`netgraph.tpl.fit_tpl` (``k``, ``rule``, ...), used only when
        ``fit`` is omitted.

    Returns
    -------
    dict of str to dict
        For each alternative, in the order asked:

        ``R``
            The log-likelihood ratio, TPL minus alternative (positive favours the TPL).
        ``normalized_R``
            :math:`R/(\\sigma\\sqrt{n})` (see :func:`vuong_test`).
        ``p``
            Vuong's two-sided p-value for the sign of ``R``.
        ``preferred``
            ``"tpl"`` or the alternative's name when ``p < significance``, else None.
        ``alt_params``
            The alternative's maximum-likelihood parameters.
        ``loglik_tpl``, ``loglik_alt``
            The two log-likelihoods of the compared points.
        ``n``
            The number of compared points (the degrees in ``[xmin, xmax]``).
        ``n_above_xmax``
            The degrees left out above ``xmax``.
        ``alt_mass_above_xmax``
            The probability the alternative puts above ``xmax``.

    Raises
    ------
    InvalidParameterError
        On bad degrees, an unknown alternative, a ``significance`` outside (0, 1), or
        a ``fit`` that is not a fitted TPL.
    FitError
        When ``fit`` is omitted and the TPL cannot be fitted (too few distinct degrees).

    See Also
    --------
    fit_alternative, vuong_test, netgraph.tpl.TruncatedPowerLaw

    References
    ----------
    .. [1] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-law distributions in
       empirical data." SIAM Review 51(4), 661-703 (2009), section 5.
    .. [2] Vuong, Q. H. "Likelihood ratio tests for model selection and non-nested
       hypotheses." Econometrica 57(2), 307-333 (1989).
    .. [3] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
       arXiv:1805.01891 (2018).

    Examples
    --------
    Degrees drawn from a TPL (alpha = 2 on 5..2000) prefer it to an exponential:

    >>> from netgraph.tpl import DiscreteTPL, fit_tpl
    >>> degrees = DiscreteTPL(2.0, 5, 2000).sample(2000, seed=1)
    >>> fit = fit_tpl(degrees)
    >>> result = compare_tpl(degrees, fit, alternatives=["exponential", "lognormal"])
    >>> result["exponential"]["preferred"], result["exponential"]["R"] > 0
    ('tpl', True)
    >>> sorted(result["lognormal"])  # doctest: +NORMALIZE_WHITESPACE
    ['R', 'alt_mass_above_xmax', 'alt_params', 'loglik_alt', 'loglik_tpl', 'n', 'n_above_xmax',
     'normalized_R', 'p', 'preferred']
    """
    if isinstance(alternatives, str):
        alternatives = (alternatives,)
    alternatives = tuple(alternatives)
    for name in alternatives:
        _check_name(name)
    try:
        significance = float(significance)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"significance must be a number in (0, 1); got {significance!r}") from None
    if not 0.0 < significance < 1.0:
        raise InvalidParameterError(f"significance must be in (0, 1); got {significance!r}")
    if fit is None:
        from netgraph.tpl import fit_tpl

        fit = fit_tpl(degrees, **fit_kw)
    elif not _is_fit(fit):
        raise InvalidParameterError(
            f"fit must be a fitted TruncatedPowerLaw (with xmin_, xmax_ and distribution_); got {type(fit).__name__}"
        )
    d = _check_points(degrees, -math.inf, what="degrees")
    if d.size and d.min() < 0:
        raise InvalidParameterError(f"degrees must be non-negative; got {d.min():g}")
    xmin, xmax = int(fit.xmin_), int(fit.xmax_)
    x = d[(d >= xmin) & (d <= xmax)]
    if x.size == 0:
        raise InvalidParameterError(f"no degree lies in the fitted range [{xmin}, {xmax}]")
    n_above = int(np.count_nonzero(d > xmax))
    ll_tpl = np.asarray(fit.distribution_.logpmf(x.astype(np.int64)), dtype=float)
    results = {}
    for name in alternatives:
        params, ll_alt = fit_alternative(name, x, xmin)
        R, z, p = vuong_test(ll_tpl, ll_alt)
        preferred = None
        if p < significance and R != 0:
            preferred = "tpl" if R > 0 else name
        values = tuple(params[k] for k in _PARAMETERS[name])
        results[name] = {
            "R": R,
            "normalized_R": z,
            "p": p,
            "preferred": preferred,
            "alt_params": params,
            "loglik_tpl": float(ll_tpl.sum()),
            "loglik_alt": float(ll_alt.sum()),
            "n": int(x.size),
            "n_above_xmax": n_above,
            "alt_mass_above_xmax": float(math.exp(_logsf(name, float(xmax + 1), values, xmin))),
        }
    return results
