"""Vuong's test of the sign of a log-likelihood ratio between two models on the same points."""

from __future__ import annotations

import math

import numpy as np

from netgraph.exceptions import InvalidParameterError

__all__ = ["vuong_test"]

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

    References
    ----------
    .. [1] Vuong, Q. H. "Likelihood ratio tests for model selection and non-nested
       hypotheses." Econometrica 57(2), 307-333 (1989).
    .. [2] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-law distributions in
       empirical data." SIAM Review 51(4), 661-703 (2009), section 5.

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
        raise InvalidParameterError(
            f"loglik1 and loglik2 must have the same length; got {a.size} and {b.size} values")
    if a.size == 0:
        raise InvalidParameterError("loglik1 and loglik2 must not be empty; got no values")
    for name, v in (("loglik1", a), ("loglik2", b)):
        bad = np.flatnonzero(np.isnan(v) | (v == np.inf))
        if bad.size:
            raise InvalidParameterError(f"{name} must hold no NaN or +inf; {name}[{bad[0]}] = {v[bad[0]].item()!r}")
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
