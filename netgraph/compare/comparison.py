"""The public functions of the comparison: fit and evaluate an alternative by name, compare the TPL with them.

Each function checks its input once (:mod:`netgraph.utils.check`), finds the
alternative in the registry (:func:`netgraph.compare.base.get_alternative`) and calls
its methods; nothing here is specific to one alternative.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from netgraph.compare.base import get_alternative, registered_alternatives
from netgraph.compare.vuong import vuong_test
from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_int, check_integers, check_real

__all__ = ["AlternativeFit", "fit_alternative", "alternative_logpmf", "alternative_logsf", "compare_tpl"]


class AlternativeFit(NamedTuple):
    """The maximum-likelihood fit of an alternative: what :func:`fit_alternative` returns.

    Attributes
    ----------
    params : dict of str to float
        The fitted parameters (``alpha``; ``alpha`` and ``lambda``; ``mu`` and
        ``sigma``; ``lambda``: the alternative's ``parameters``).
    logpmf : ndarray of float
        The log-probability of each data point under the fitted model, in the order
        of the data.
    """

    params: dict
    logpmf: np.ndarray


def _points(x, name: str, minimum, *, allow_empty: bool = True) -> np.ndarray:
    """``x`` checked as a 1-D array of integers >= minimum, as floats (the alternatives compute on floats)."""
    return check_integers(x, name, minimum=minimum, allow_empty=allow_empty).astype(float)


def fit_alternative(name, data, xmin) -> AlternativeFit:
    """Fit an alternative distribution on ``x >= xmin`` by maximum likelihood.

    Parameters
    ----------
    name : {"power_law", "cutoff_power_law", "lognormal", "exponential"} or str
        The model: one of :data:`~netgraph.compare.ALTERNATIVES` (see
        :mod:`netgraph.compare` for their definitions) or any other registered one.
    data : array_like of int
        The data, a 1-D array of integers ``>= xmin`` (for a comparison with the TPL:
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
        If the estimate does not exist: every point at ``xmin`` (power law,
        exponential), all points equal (lognormal, cutoff model), or only two
        distinct values (cutoff model).

    Notes
    -----
    ``power_law``: the root of the exact score equation
    :math:`\\overline{\\ln x} = -\\partial_\\alpha \\ln\\zeta(\\alpha, x_{\\min})` (Brent's
    method). ``exponential``: closed form. ``cutoff_power_law`` and ``lognormal``:
    damped Newton steps (:func:`netgraph.compare.newton.minimize_2d`, derivatives by
    central differences) on the exact log-likelihood; for the cutoff model in
    whitened coordinates, from up to two starting points (its negative
    log-likelihood is convex in ``(alpha, lambda)``), and the pure power law,
    ``lambda = 0``, is taken when it does at least as well; for the lognormal in
    ``(mu, log sigma)``.

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
    alternative = get_alternative(name)
    xmin = check_int(xmin, "xmin", minimum=1)
    x = _points(data, "data", xmin, allow_empty=False)
    values = alternative.fit(x, xmin)
    params = dict(zip(alternative.parameters, (float(v) for v in values)))
    return AlternativeFit(params, alternative.logpmf(x, values, xmin))


def alternative_logpmf(name, x, params, xmin) -> np.ndarray:
    """Log-probabilities of an alternative distribution on ``x >= xmin``.

    Parameters
    ----------
    name : str
        The model, a registered name (:data:`~netgraph.compare.ALTERNATIVES`).
    x : array_like of int
        Points, a 1-D array of integers ``>= xmin``.
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
        On an unknown model, parameters missing or outside their domain, or points
        below ``xmin``.

    Examples
    --------
    The probabilities sum to 1 over the support:

    >>> import numpy as np
    >>> k = np.arange(2, 400)
    >>> p = np.exp(alternative_logpmf("cutoff_power_law", k, {"alpha": 1.5, "lambda": 0.1}, 2))
    >>> round(float(p.sum()), 12)
    1.0
    """
    alternative = get_alternative(name)
    xmin = check_int(xmin, "xmin", minimum=1)
    values = alternative.read_params(params)
    return alternative.logpmf(_points(x, "x", xmin), values, xmin)


def alternative_logsf(name, x, params, xmin) -> float:
    """``log P(X >= x)`` of an alternative distribution on ``x >= xmin``.

    Parameters
    ----------
    name : str
        The model, a registered name (:data:`~netgraph.compare.ALTERNATIVES`).
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

    Raises
    ------
    InvalidParameterError
        On an unknown model, parameters missing or outside their domain, or an ``x``
        that is not an integer.

    Examples
    --------
    >>> import math
    >>> round(math.exp(alternative_logsf("power_law", 2, {"alpha": 2.0}, 1)), 6)  # 1 - 6/pi**2
    0.392073
    """
    alternative = get_alternative(name)
    xmin = check_int(xmin, "xmin", minimum=1)
    values = alternative.read_params(params)
    x = float(check_int(x, "x"))
    return 0.0 if x <= xmin else float(alternative.logsf(x, values, xmin))


def _is_fit(obj) -> bool:
    return hasattr(obj, "distribution_") and hasattr(obj, "xmin_") and hasattr(obj, "xmax_")


def compare_tpl(degrees, fit=None, *, alternatives=None, significance: float = 0.1, **fit_kw) -> dict:
    """Compare a layer's truncated power law with other models on the same data.

    Parameters
    ----------
    degrees : array_like of int
        The degrees the TPL was (or is to be) fitted to: all of them, zeros included;
        only those inside the fitted ``[xmin, xmax]`` are compared.
    fit : TruncatedPowerLaw, optional
        A fitted :class:`netgraph.tpl.TruncatedPowerLaw` of ``degrees``. When omitted,
        the TPL is fitted here with :func:`netgraph.tpl.fit_tpl` (``fit_kw`` passed on).
    alternatives : sequence of str, optional
        Which registered alternatives to compare with, in this order (a single name
        is taken as a list of one). Default: every registered one in its default
        order, that is :data:`~netgraph.compare.ALTERNATIVES` (``"power_law"``,
        ``"cutoff_power_law"``, ``"lognormal"``, ``"exponential"``) followed by any
        registered since (:func:`~netgraph.compare.register`).
    significance : float, default 0.1
        The p-value below which the sign of ``R`` names a preferred model
        (Clauset et al. use 0.1); in (0, 1).
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
            :math:`R/(\\sigma\\sqrt{n})` (see :func:`~netgraph.compare.vuong_test`).
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
        On bad degrees (not a 1-D array of non-negative integers), an unknown
        alternative, a ``significance`` outside (0, 1), a ``fit`` that is not a fitted
        TPL, or no degree inside the fitted range.
    FitError
        When ``fit`` is omitted and the TPL cannot be fitted (too few distinct
        degrees), or when an alternative's estimate does not exist on the compared
        degrees (see :func:`~netgraph.compare.fit_alternative`).

    See Also
    --------
    netgraph.compare.fit_alternative, netgraph.compare.vuong_test, netgraph.tpl.TruncatedPowerLaw

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
    if alternatives is None:
        alternatives = registered_alternatives()
    elif isinstance(alternatives, str):
        alternatives = (alternatives,)
    chosen = {name: get_alternative(name, f"alternatives[{i}]") for i, name in enumerate(alternatives)}
    significance = check_real(significance, "significance", minimum=0, maximum=1,
                              open_minimum=True, open_maximum=True)
    if fit is None:
        from netgraph.tpl import fit_tpl

        fit = fit_tpl(degrees, **fit_kw)
    elif not _is_fit(fit):
        raise InvalidParameterError(
            f"fit must be a fitted TruncatedPowerLaw (with xmin_, xmax_ and distribution_); got {type(fit).__name__}"
        )
    d = _points(degrees, "degrees", 0)
    xmin = int(fit.xmin_)
    xmax = math.inf if math.isinf(fit.xmax_) else int(fit.xmax_)  # inf: the untruncated power law
    x = d[(d >= xmin) & (d <= xmax)]
    if x.size == 0:
        raise InvalidParameterError(f"no degree lies in the fitted range [{xmin}, {xmax}]")
    n_above = int(np.count_nonzero(d > xmax))
    ll_tpl = np.asarray(fit.distribution_.logpmf(x.astype(np.int64)), dtype=float)
    results = {}
    for name, alternative in chosen.items():
        params, ll_alt = fit_alternative(name, x, xmin)
        R, z, p = vuong_test(ll_tpl, ll_alt)
        preferred = None
        if p < significance and R != 0:
            preferred = "tpl" if R > 0 else name
        values = tuple(params[k] for k in alternative.parameters)
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
            "alt_mass_above_xmax": (0.0 if math.isinf(xmax)
                                    else float(math.exp(alternative.logsf(float(xmax + 1), values, xmin)))),
        }
    return results
