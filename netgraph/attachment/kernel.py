r"""The one-sided attachment kernel :math:`A(d)` and the attachment exponent :math:`\beta`.

Beyond Hou & Kwok's eq. (10), which assumes that a node gains connections in proportion
to its degree, these let the data say how the gain grows with the degree:

* :func:`attachment_kernel`: :math:`A(d)`, the new connections per node of the nodes
  of degree :math:`d` at :math:`t = 0`, in base-2 logarithmic bins (PAFit's binning,
  Pham et al. [1]_), with an exact (Garwood) Poisson confidence interval per bin;
* :func:`attachment_exponent`: :math:`\beta` in :math:`A(d) \propto d^\beta` by maximum
  likelihood, with a profile-likelihood interval. The model: the :math:`K` new
  connections of a layer fall on its nodes of positive degree independently, node
  :math:`i` with probability :math:`d_i^\beta / \sum_s d_s^\beta` (a multinomial; the
  same likelihood as independent Poisson counts of means :math:`\lambda d_i^\beta`).
  :math:`\beta = 1` is the linear attachment of eq. (10), :math:`\beta = 0` uniform
  attachment. The interval is exact in that model; connections that are not
  independent (a pair never connected twice, whole units rewired together) make it
  too narrow, which the null model of :mod:`netgraph.attachment.null` does not assume.

References
----------
.. [1] Pham, T., Sheridan, P. and Shimodaira, H. "PAFit: A Statistical Method for
   Measuring Preferential Attachment in Temporal Complex Networks." PLoS ONE 10(9)
   (2015): e0137796.
"""

from __future__ import annotations

import numpy as np

from netgraph.attachment.bins import degree_classes
from netgraph.utils.check import check_real

__all__ = ["attachment_kernel", "attachment_exponent", "poisson_interval"]

_BETA_LIMIT = 50.0


def poisson_interval(k, level: float = 0.95):
    """Exact (Garwood) interval of a Poisson mean from the counts ``k``.

    Examples
    --------
    >>> lo, hi = poisson_interval([0, 10])
    >>> [round(float(v), 3) for v in lo], [round(float(v), 3) for v in hi]
    ([0.0, 4.795], [3.689, 18.39])
    """
    from scipy.special import gammaincinv

    k = np.asarray(k, dtype=float)
    a = (1 - level) / 2
    lo = np.where(k > 0, gammaincinv(np.maximum(k, 1), a), 0.0)
    hi = gammaincinv(k + 1, 1 - a)
    return lo, hi


def attachment_kernel(d0, new, *, level: float = 0.95) -> dict:
    """:math:`A(d)` of one layer in base-2 logarithmic bins, with a confidence interval per bin.

    Parameters
    ----------
    d0 : array_like of int
        Degrees at ``t = 0``.
    new : array_like of int
        New connections of each node.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    dict
        Lists per bin of nodes of positive degree: ``low``, ``high`` (degree bounds),
        ``mean_degree``, ``nodes``, ``new``, ``A`` (new per node), ``A_low``, ``A_high``.

    Examples
    --------
    >>> k = attachment_kernel([1, 2, 3, 4], [1, 2, 2, 4])
    >>> k["low"], k["nodes"], k["A"]
    ([1, 2, 4], [1, 2, 1], [1.0, 2.0, 4.0])
    """
    check_real(level, "level", minimum=0, maximum=1, open_minimum=True, open_maximum=True)
    d0, new = np.asarray(d0, dtype=np.int64), np.asarray(new, dtype=np.int64)
    pos = d0 > 0
    index, low, high = degree_classes(d0[pos], "log")
    nodes = np.bincount(index, minlength=low.size)
    made = np.bincount(index, weights=new[pos].astype(float), minlength=low.size)
    dsum = np.bincount(index, weights=d0[pos].astype(float), minlength=low.size)
    lo, hi = poisson_interval(made, level)
    return {"low": low.tolist(), "high": high.tolist(), "mean_degree": (dsum / nodes).tolist(),
            "nodes": nodes.tolist(), "new": made.round().astype(np.int64).tolist(), "A": (made / nodes).tolist(),
            "A_low": (lo / nodes).tolist(), "A_high": (hi / nodes).tolist(), "level": level}


def _grouped(d0, new):
    d0, new = np.asarray(d0, dtype=np.int64), np.asarray(new, dtype=np.int64)
    pos = d0 > 0
    u, inv = np.unique(d0[pos], return_inverse=True)
    return np.log(u.astype(float)), np.bincount(inv).astype(float), np.bincount(inv, weights=new[pos].astype(float))


def _loglik(beta, logd, n, k):
    from scipy.special import logsumexp

    return float(beta * np.dot(k, logd) - k.sum() * logsumexp(beta * logd, b=n))


def _score(beta, logd, n, k):
    w = beta * logd + np.log(n)
    w = np.exp(w - w.max())
    return float(np.dot(k, logd) - k.sum() * np.dot(w, logd) / w.sum())


def _root(f, a, b):
    """A root of ``f`` between ``a`` and ``b`` (None if ``f`` keeps its sign)."""
    from scipy.optimize import brentq

    fa, fb = f(a), f(b)
    if fa == 0:
        return a
    if fa * fb > 0:
        return None
    return float(brentq(f, a, b, xtol=1e-10))


def attachment_exponent(d0, new, *, level: float = 0.95) -> dict:
    r"""Maximum-likelihood :math:`\beta` of :math:`A(d) \propto d^\beta`, with its profile-likelihood interval.

    Parameters
    ----------
    d0 : array_like of int
        Degrees at ``t = 0`` (nodes of degree 0 are left out: :math:`0^\beta` is not defined).
    new : array_like of int
        New connections of each node.
    level : float, default 0.95
        Confidence level of the interval (the likelihood drops by half the chi-square
        quantile of one degree of freedom at its ends).

    Returns
    -------
    dict
        ``beta``, ``low``, ``high``, ``new`` (connections used), ``nodes``, ``note``; a
        value out of [-50, 50] or not identifiable (no new connection, one distinct degree)
        is None, with the reason in ``note``.

    Examples
    --------
    New connections exactly proportional to the degree give beta = 1:

    >>> r = attachment_exponent([1, 2, 4, 8] * 5, [1, 2, 4, 8] * 5)
    >>> round(r["beta"], 6), r["low"] < 1 < r["high"]
    (1.0, True)
    """
    from scipy.special import chdtri

    check_real(level, "level", minimum=0, maximum=1, open_minimum=True, open_maximum=True)
    logd, n, k = _grouped(d0, new)
    out = {"beta": None, "low": None, "high": None, "new": int(k.sum()), "nodes": int(n.sum()), "note": ""}
    if k.sum() == 0:
        out["note"] = "no new connection on a node of positive degree"
        return out
    if logd.size < 2:
        out["note"] = "every node has the same degree: beta is not identifiable"
        return out
    beta = _root(lambda b: _score(b, logd, n, k), -_BETA_LIMIT, _BETA_LIMIT)
    if beta is None:
        out["note"] = f"the likelihood is largest beyond |beta| = {_BETA_LIMIT:g}"
        return out
    top = _loglik(beta, logd, n, k) - float(chdtri(1, 1 - level)) / 2
    drop = lambda b: _loglik(b, logd, n, k) - top  # noqa: E731
    out.update(beta=beta, low=_root(drop, -_BETA_LIMIT, beta), high=_root(drop, beta, _BETA_LIMIT))
    if out["low"] is None or out["high"] is None:
        out["note"] = f"an end of the interval is beyond |beta| = {_BETA_LIMIT:g}"
    return out

