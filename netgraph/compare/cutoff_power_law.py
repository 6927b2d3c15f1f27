r"""The power law with an exponential cutoff on ``x >= xmin``: the alternative ``"cutoff_power_law"``.

This is the model the ``powerlaw`` package calls ``"truncated_power_law"``; it is not
the truncated power law of Hou & Kwok that netgraph fits (:mod:`netgraph.tpl`).
"""

from __future__ import annotations

import math

import numpy as np

from netgraph.compare.base import Alternative, register
from netgraph.compare.newton import minimize_2d
from netgraph.compare.normalizers import log_cutoff_sum, log_hurwitz
from netgraph.compare.power_law import PowerLaw
from netgraph.exceptions import FitError, InvalidParameterError
from netgraph.utils.check import check_real

__all__ = ["CutoffPowerLaw"]


@register
class CutoffPowerLaw(Alternative):
    r"""The power law with exponential cutoff, :math:`p(x) = x^{-\alpha} e^{-\lambda x} / Z`, :math:`\lambda \ge 0`.

    At :math:`\lambda = 0` it is the power law and needs :math:`\alpha > 1`; with a
    cutoff any real :math:`\alpha` is allowed (below zero, a bump rather than a decay).
    The normaliser :math:`Z = \sum_{k \ge x_{\min}} k^{-\alpha} e^{-\lambda k}` is summed
    exactly (:func:`~netgraph.compare.normalizers.log_cutoff_sum`): directly while the
    terms change quickly, then by the Euler-Maclaurin formula, whose integral is
    computed by adaptive quadrature (a few hundred microseconds, against seconds for an
    arbitrary-precision Lerch transcendent).

    :meth:`fit` returns the pure power law (:math:`\lambda = 0`) when that is the
    optimum, else minimises the negative log-likelihood with the damped Newton steps
    of :func:`~netgraph.compare.newton.minimize_2d` in whitened coordinates (see
    :meth:`fit`). The estimate does not exist when all points are equal or take only
    two distinct values.

    Examples
    --------
    >>> import numpy as np
    >>> law = CutoffPowerLaw()
    >>> k = np.arange(2.0, 400.0)
    >>> round(float(np.exp(law.logpmf(k, (1.5, 0.1), 2)).sum()), 12)
    1.0
    >>> alpha, lam = law.fit(np.array([2.0, 2.0, 3.0, 3.0, 4.0, 6.0, 9.0]), 2)
    >>> lam > 0
    True
    """

    name = "cutoff_power_law"
    parameters = ("alpha", "lambda")
    order = 20

    def check_params(self, values: tuple) -> tuple:
        alpha = check_real(values[0], "alpha")
        lam = check_real(values[1], "lambda", minimum=0)
        if lam == 0 and not alpha > 1:
            raise InvalidParameterError(f"alpha must be a number > 1 when lambda = 0 (a pure power law); "
                                        f"got {values[0]!r}")
        return alpha, lam

    def fit(self, x: np.ndarray, xmin: int) -> tuple:
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
            raise self.degenerate(x)
        rho = float(np.mean((logx - m1) * (x - m2)) / (s1 * s2))
        r = math.sqrt(max(0.0, 1.0 - rho * rho))
        if r < 1e-9:  # two distinct values: the two statistics are collinear, the estimate is not unique
            raise self.degenerate(x)

        def to_params(p):
            lam = math.exp(p[1]) / (s2 * r)
            return (-p[0] - lam * s2 * rho) / s1, lam

        def f(p):
            a, lam = to_params(p)
            return a * m1 + lam * m2 + log_cutoff_sum(a, lam, xmin)

        def to_coords(a, lam):
            return (-(a * s1 + lam * s2 * rho), math.log(lam * s2 * r))

        try:
            (a_pl,) = PowerLaw().fit(x, xmin)
            nll_pl = a_pl * m1 + log_hurwitz(a_pl, xmin)
        except FitError:
            a_pl, nll_pl = 2.0, math.inf
        # The pure power law (lambda = 0, on the boundary) is the optimum exactly when the
        # objective does not decrease into lambda > 0 there: its derivative in lambda,
        # mean(x) - E[X] under the fitted power law, is >= 0 (convexity: the KKT condition
        # is sufficient). E[X] = zeta(alpha - 1, xmin) / zeta(alpha, xmin) is finite for alpha > 2.
        if a_pl > 2.0 and m2 >= math.exp(log_hurwitz(a_pl - 1.0, xmin) - log_hurwitz(a_pl, xmin)):
            return (a_pl, 0.0)
        # Start from the gamma-like moment match (x**(k-1) e**(-x/theta): alpha = 1 - mean**2/var,
        # lambda = mean/var); the objective has no other local minimum, but should that run stop
        # against a bound, also try the power law with a faint cutoff.
        starts = [to_coords(1.0 - m2 * m2 / (s2 * s2), m2 / (s2 * s2)), to_coords(a_pl, 1e-3 / m2)]
        b1_span = 10.0 * max(abs(starts[0][0]), abs(starts[1][0]), 10.0)
        bounds = [(-b1_span, b1_span), (math.log(1e-12 * s2 * r / max(m2, 1.0)), math.log(50.0 * s2 * r))]
        best_x, best_f = None, math.inf
        for start in starts:
            xs, fs = minimize_2d(f, start, (1.0, 1.0), bounds)
            if fs < best_f:
                best_x, best_f = xs, fs
            at_bound = any(min(abs(v - b[0]), abs(v - b[1])) < 1e-6 for v, b in zip(xs, bounds))
            if not at_bound:
                break
        if best_x is None or nll_pl <= best_f:
            return (a_pl, 0.0)
        return to_params(best_x)

    def logpmf(self, x: np.ndarray, params: tuple, xmin: int) -> np.ndarray:
        alpha, lam = params
        return -alpha * np.log(x) - lam * x - log_cutoff_sum(alpha, lam, xmin)

    def logsf(self, x: float, params: tuple, xmin: int) -> float:
        alpha, lam = params
        return log_cutoff_sum(alpha, lam, int(x)) - log_cutoff_sum(alpha, lam, xmin)
