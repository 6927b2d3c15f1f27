r"""Eqs. (8) and (9) of Hou & Kwok: degrees grow by one factor per layer, and the TPL keeps its exponent.

Integrating eq. (7) of Hou & Kwok [1]_ gives eq. (8), :math:`d_i(t) = d_i(0)\,c^l(t)` with
:math:`c^l(1) = 1 + (N^l a^l + N^{l-1} a^{l-1}) / \sum_s d_s(0)` (the paper prints
:math:`\alpha` where it means the attachment rate :math:`a`), that is 1 plus the
``predicted_slope`` of :func:`omega_hat`. :func:`growth_factors` gives the observed
:math:`d_i(1) / d_i(0)` of every node of positive degree (its median and quartiles),
with :math:`d_i(1)` as the checkpoint at :math:`t = 1` has it (removed connections
subtracted) and as :math:`d_i(0)` plus the new connections only (the model's, which has
no removals). Eq. (9): if layer :math:`l` follows a power law at :math:`t = 0`, at
:math:`t = 1` it follows one of the same exponent on a range scaled by :math:`c^l(1)`;
:func:`tpl_at_both_times` fits the truncated power law (:func:`netgraph.tpl.fit_tpl`)
at both times and writes the range eq. (9) predicts next to them.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018), eqs. (8)-(9), figure 9 and appendix C.
"""

from __future__ import annotations

import math

import numpy as np

from netgraph.exceptions import FitError, InvalidParameterError

__all__ = ["growth_factors", "tpl_at_both_times"]


def growth_factors(d0, d1, new, predicted_slope: float) -> dict:
    r"""Observed :math:`c_i = d_i(1) / d_i(0)` of one layer against eq. (8)'s :math:`1 +` ``predicted_slope``.

    Parameters
    ----------
    d0, d1 : array_like of int
        Degrees at ``t = 0`` and ``t = 1``.
    new : array_like of int
        New connections of each node.
    predicted_slope : float
        From :func:`omega_hat`.

    Returns
    -------
    dict
        ``predicted`` (``1 + predicted_slope``), ``median``, ``q25``, ``q75``, ``mean`` of
        :math:`d_i(1)/d_i(0)`, ``median_added`` (of :math:`(d_i(0) + \text{new}_i)/d_i(0)`),
        ``nodes`` (of positive degree at ``t = 0``); None where there is no such node.

    Examples
    --------
    >>> g = growth_factors([1, 2, 4], [2, 4, 8], [1, 2, 4], 1.0)
    >>> g["predicted"], g["median"], g["median_added"]
    (2.0, 2.0, 2.0)
    """
    d0, d1, new = (np.asarray(a, dtype=float) for a in (d0, d1, new))
    pos = d0 > 0
    out = {"predicted": None if math.isnan(predicted_slope) else 1.0 + predicted_slope, "nodes": int(pos.sum())}
    if not pos.any():
        return {**out, "median": None, "q25": None, "q75": None, "mean": None, "median_added": None}
    c = d1[pos] / d0[pos]
    q25, med, q75 = (float(v) for v in np.quantile(c, [0.25, 0.5, 0.75]))
    return {**out, "median": med, "q25": q25, "q75": q75, "mean": float(c.mean()),
            "median_added": float(np.median((d0[pos] + new[pos]) / d0[pos]))}


def _fit(degrees, k, seed):
    """The fit's summary and object. Its warnings (a narrow range, ...) go into ``note``, not to the log."""
    import logging
    import warnings

    from netgraph.tpl import fit_tpl

    log = logging.getLogger("netgraph.tpl.estimator")
    quiet = logging.Filter("no record passes")  # names no logger: drops every record while attached
    log.addFilter(quiet)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f = fit_tpl(degrees, k=k, seed=seed)
    except (FitError, InvalidParameterError) as exc:
        return {"alpha": None, "xmin": None, "xmax": None, "ks": None, "note": str(exc)}, None
    finally:
        log.removeFilter(quiet)
    notes = [str(w.message) for w in caught] + ([f.narrow_range_] if f.narrow_range_ else [])
    return {"alpha": float(f.alpha_), "xmin": int(f.xmin_), "xmax": int(f.xmax_), "ks": float(f.ks_),
            "note": "; ".join(notes)}, f


def tpl_at_both_times(d0, d1, c: float | None, *, k: float = 0.3, seed=0) -> dict:
    """The TPL fits of one layer at ``t = 0`` and ``t = 1``, and the ``t = 1`` range eq. (9) predicts.

    Parameters
    ----------
    d0, d1 : array_like of int
        Degrees at ``t = 0`` and ``t = 1``.
    c : float or None
        Eq. (8)'s growth factor (``1 + predicted_slope``).
    k : float, default 0.3
        The range-search fraction of :func:`netgraph.tpl.fit_tpl`.
    seed : int, default 0

    Returns
    -------
    dict
        ``t0`` and ``t1``: ``alpha``, ``xmin``, ``xmax``, ``ks``, ``note`` (why a fit
        failed); ``predicted_t1``: ``alpha`` (the same as at ``t = 0``), ``xmin`` and
        ``xmax`` (the ``t = 0`` range times ``c``); ``fits``: the two
        :class:`~netgraph.tpl.TruncatedPowerLaw` objects (None where a fit failed), not
        JSON-serialisable (:func:`attachment_analysis` keeps them apart).

    Examples
    --------
    >>> import numpy as np
    >>> d = np.random.default_rng(0).zipf(2.0, 500).clip(1, 200)
    >>> r = tpl_at_both_times(d, 2 * d, 2.0)
    >>> r["predicted_t1"]["xmin"] == 2 * r["t0"]["xmin"]
    True
    """
    (t0, f0), (t1, f1) = _fit(d0, k, seed), _fit(d1, k, seed)
    pred = {"alpha": t0["alpha"], "xmin": None, "xmax": None}
    if c is not None and t0["alpha"] is not None:
        pred.update(xmin=t0["xmin"] * c, xmax=t0["xmax"] * c)
    return {"t0": t0, "t1": t1, "predicted_t1": pred, "fits": (f0, f1)}
