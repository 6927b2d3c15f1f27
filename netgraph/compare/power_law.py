r"""The discrete power law on ``x >= xmin``: the alternative ``"power_law"``."""

from __future__ import annotations

import math

import numpy as np

from netgraph.compare.base import Alternative, register
from netgraph.compare.normalizers import log_hurwitz
from netgraph.utils.check import check_real

__all__ = ["PowerLaw"]


@register
class PowerLaw(Alternative):
    r"""The discrete power law :math:`p(x) = x^{-\alpha} / \zeta(\alpha, x_{\min})`, :math:`\alpha > 1`.

    The normaliser is the Hurwitz zeta function (:func:`~netgraph.compare.normalizers.log_hurwitz`).
    :meth:`fit` finds the exact maximum-likelihood :math:`\alpha`, the root of the score
    equation :math:`\overline{\ln x} = -\partial_\alpha \ln\zeta(\alpha, x_{\min})`
    (the derivative by central differences, the root bracketed from the continuous
    estimate and polished by Brent's method), with no continuous approximation. The
    estimate does not exist when every point is at ``xmin``.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph.compare.normalizers import log_hurwitz
    >>> law = PowerLaw()
    >>> x = np.array([1.0, 1.0, 1.0, 2.0, 3.0, 9.0])
    >>> (alpha,) = law.fit(x, 1)
    >>> h = 1e-6  # the score equation holds: mean(log x) = -d/dalpha log zeta(alpha, 1)
    >>> abs(float(np.mean(np.log(x))) + (log_hurwitz(alpha + h, 1) - log_hurwitz(alpha - h, 1)) / (2 * h)) < 1e-6
    True
    >>> round(float(np.exp(law.logpmf(np.array([1.0]), (2.0,), 1))[0]), 6)  # 6 / pi**2
    0.607927
    """

    name = "power_law"
    parameters = ("alpha",)
    order = 10

    def check_params(self, values: tuple) -> tuple:
        (alpha,) = values
        return (check_real(alpha, "alpha", minimum=1, open_minimum=True),)

    def fit(self, x: np.ndarray, xmin: int) -> tuple:
        from scipy.optimize import brentq

        mean_log = float(np.mean(np.log(x)))
        if mean_log <= math.log(xmin):  # every point at xmin: alpha -> infinity
            raise self.degenerate(x)

        def score(a):  # d/da of the mean negative log-likelihood: mean log x + d/da log zeta(a, xmin)
            h = 1e-6 * max(1.0, a - 1.0) if a - 1.0 > 1e-5 else 0.1 * (a - 1.0)
            return mean_log + (log_hurwitz(a + h, xmin) - log_hurwitz(a - h, xmin)) / (2 * h)

        # continuous-data estimate as a starting point, then bracket the root (score increases with a)
        a0 = 1.0 + 1.0 / max(mean_log - math.log(xmin - 0.5), 1e-12)
        lo, hi = 1.0 + 1e-9, max(a0, 1.0 + 1e-6)
        while score(hi) < 0:
            lo, hi = hi, 1.0 + 2.0 * (hi - 1.0)
            if hi > 1e7:
                raise self.degenerate(x)
        if score(lo) > 0:  # the optimum is against alpha = 1
            return (lo,)
        return (brentq(score, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=200),)

    def logpmf(self, x: np.ndarray, params: tuple, xmin: int) -> np.ndarray:
        (alpha,) = params
        return -alpha * np.log(x) - log_hurwitz(alpha, xmin)

    def logsf(self, x: float, params: tuple, xmin: int) -> float:
        (alpha,) = params
        return log_hurwitz(alpha, int(x)) - log_hurwitz(alpha, xmin)
