r"""The discretised lognormal on ``x >= xmin``: the alternative ``"lognormal"``."""

from __future__ import annotations

import math

import numpy as np

from netgraph.compare.base import Alternative, register
from netgraph.compare.newton import minimize_2d
from netgraph.compare.normalizers import log_ndtr_diff, log_sf_normal
from netgraph.utils.check import check_real

__all__ = ["Lognormal"]


@register
class Lognormal(Alternative):
    r"""The discretised lognormal: the law of :math:`\mathrm{round}(X)` given :math:`X \ge x_{\min} - \tfrac12`.

    For a lognormal :math:`X` with parameters :math:`\mu` and :math:`\sigma > 0`,

    .. math:: p(x) = \frac{\Phi(u(x + \tfrac12)) - \Phi(u(x - \tfrac12))}{1 - \Phi(u(x_{\min} - \tfrac12))},
              \qquad u(y) = \frac{\ln y - \mu}{\sigma},

    the discrete lognormal of the ``powerlaw`` package, computed in log space so that
    no term underflows (:func:`~netgraph.compare.normalizers.log_ndtr_diff`).
    :meth:`fit` minimises the negative log-likelihood (one normal-CDF difference per
    distinct value, weighted by its frequency) in :math:`(\mu, \ln\sigma)` with the
    damped Newton steps of :func:`~netgraph.compare.newton.minimize_2d`, from the
    moments of :math:`\ln x`; the estimate does not exist when all points are equal.

    Examples
    --------
    >>> import numpy as np
    >>> law = Lognormal()
    >>> k = np.arange(1.0, 200_000.0)
    >>> round(float(np.exp(law.logpmf(k, (2.0, 1.0), 1)).sum()), 9)
    1.0
    >>> mu, sigma = law.fit(np.array([1.0, 2.0, 2.0, 3.0, 5.0, 8.0, 20.0]), 1)
    >>> sigma > 0
    True
    """

    name = "lognormal"
    parameters = ("mu", "sigma")
    order = 30

    def check_params(self, values: tuple) -> tuple:
        return check_real(values[0], "mu"), check_real(values[1], "sigma", minimum=0, open_minimum=True)

    def fit(self, x: np.ndarray, xmin: int) -> tuple:
        logx = np.log(x)
        if float(logx.std()) == 0:
            raise self.degenerate(x)
        log_lo0 = math.log(xmin - 0.5)
        # one normal-CDF difference per distinct degree, weighted by its frequency
        values, counts = np.unique(x, return_counts=True)
        lo_v, hi_v = np.log(values - 0.5), np.log(values + 0.5)
        w = counts / counts.sum()

        def f(p):
            mu, sigma = p[0], math.exp(p[1])
            ll = log_ndtr_diff((lo_v - mu) / sigma, (hi_v - mu) / sigma)
            return -(float(w @ ll) - log_sf_normal((log_lo0 - mu) / sigma))

        m, s = float(logx.mean()), float(logx.std())
        span = 50.0 * max(1.0, abs(m))
        bounds = [(-span, span), (math.log(s) - 15.0, math.log(s) + 8.0)]
        xs, _ = minimize_2d(f, (m, math.log(s)), (s, 1.0), bounds)
        return (float(xs[0]), math.exp(float(xs[1])))

    def logpmf(self, x: np.ndarray, params: tuple, xmin: int) -> np.ndarray:
        mu, sigma = params
        lo = (np.log(x - 0.5) - mu) / sigma
        hi = (np.log(x + 0.5) - mu) / sigma
        return log_ndtr_diff(lo, hi) - log_sf_normal((math.log(xmin - 0.5) - mu) / sigma)

    def logsf(self, x: float, params: tuple, xmin: int) -> float:
        mu, sigma = params
        return log_sf_normal((math.log(x - 0.5) - mu) / sigma) - log_sf_normal((math.log(xmin - 0.5) - mu) / sigma)
