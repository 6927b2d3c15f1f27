r"""The discrete exponential (shifted geometric) law on ``x >= xmin``: the alternative ``"exponential"``."""

from __future__ import annotations

import math

import numpy as np

from netgraph.compare.base import Alternative, register
from netgraph.utils.check import check_real

__all__ = ["Exponential"]


@register
class Exponential(Alternative):
    r"""The discrete exponential :math:`p(x) = (1 - e^{-\lambda}) e^{-\lambda (x - x_{\min})}`, :math:`\lambda > 0`.

    The maximum-likelihood estimate is closed-form,
    :math:`\lambda = \ln(1 + 1/\bar m)` with :math:`\bar m` the mean of
    :math:`x - x_{\min}`; it does not exist when every point is at ``xmin``.
    :math:`\lambda = \infty` is accepted as a parameter: all the mass at ``xmin``.

    Examples
    --------
    >>> import numpy as np
    >>> law = Exponential()
    >>> (lam,) = law.fit(np.array([3.0, 3.0, 4.0, 6.0]), 3)
    >>> round(lam, 6) == round(float(np.log1p(1 / 1.0)), 6)  # mean of x - 3 is 1
    True
    >>> np.exp(law.logpmf(np.array([3.0, 4.0]), (math.log(2.0),), 3))  # p = 1/2, 1/4
    array([0.5 , 0.25])
    """

    name = "exponential"
    parameters = ("lambda",)
    order = 40

    def check_params(self, values: tuple) -> tuple:
        (lam,) = values
        return (check_real(lam, "lambda", minimum=0, open_minimum=True, finite=False),)

    def fit(self, x: np.ndarray, xmin: int) -> tuple:
        m = float(np.mean(x)) - xmin
        if m <= 0:
            raise self.degenerate(x)
        return (math.log1p(1.0 / m),)

    def logpmf(self, x: np.ndarray, params: tuple, xmin: int) -> np.ndarray:
        (lam,) = params
        if lam == math.inf:
            return np.where(x == xmin, 0.0, -np.inf)
        return math.log(-math.expm1(-lam)) - lam * (x - xmin)

    def logsf(self, x: float, params: tuple, xmin: int) -> float:
        (lam,) = params
        return -lam * (x - xmin) if lam < math.inf else -math.inf
