r"""Fast model CCDFs for the block bounds of wide layers (private; issue 12).

The block bounds (:mod:`netgraph.tpl._blocks`) need the model CCDFs
``S(x) = sum_{k=x}^{b} k^-alpha / sum_{k=a}^{b} k^-alpha`` of many ranges at a few dozen test
points each. Where every test point is far from zero against the exponent, a short
Euler-Maclaurin formula is accurate enough, and all the sums of a range come from one
function of the point: with ``f(t) = (t / r)^-alpha`` (``r = a`` for ``alpha >= 0``, else
``r = b``, so that ``f <= 1`` on the range) and

.. math::

    P(x) = \int_r^x f(t)\,dt - \frac{f(x)}{2} + \sum_{i=1}^{4} \frac{B_{2i}}{(2i)!} f^{(2i-1)}(x),

``sum_{k=x}^{y} f(k) = P(y) - P(x) + f(y)`` up to the remainder of the formula, at most
``2 zeta(8) ((|alpha| + 8) / (2 pi x))^8`` times the sum (``f^{(m)}(t) = (-1)^m (alpha)_m
t^-m f(t)`` and ``|(alpha)_8| <= (|alpha| + 8)^8``). :func:`fast_rows` says which ranges
qualify: ``a >= 10 (|alpha| + 8)`` (the remainder is then below 1e-14 of the sum) and
``b / a <= e^6`` and ``|alpha| <= 64`` (the cancellation in ``P(b) - P(x)`` is then a few
units of 1e-16 times ``(b - a) / Z``, well inside the bounds' margin); the others keep the
general sums (:func:`netgraph.tpl._sums.partial_sums`).
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

#: B_{2i} / (2i)! for i = 1..4.
_C = (1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0, -1.0 / 1209600.0)
#: The qualifying ranges: a >= _X0_C (|alpha| + _X0_K), log(b / a) <= _MAX_LAM, |alpha| <= _MAX_ALPHA.
_X0_C = 10.0
_X0_K = 8.0
_MAX_LAM = 6.0
_MAX_ALPHA = 64.0


def fast_rows(alpha, a, b):
    """Which ranges [a, b] with exponents ``alpha`` (finite) :func:`ccdf_fast` serves."""
    absa = np.abs(alpha)
    return (a >= _X0_C * (absa + _X0_K)) & (b <= a * np.exp(_MAX_LAM)) & (absa <= _MAX_ALPHA)


def _p(alpha, r, x, rising):
    """P(x) of the module docstring (rows: ranges; ``alpha``, ``r`` columns) and f(x)."""
    lx = np.log(x / r)
    f = np.exp(-alpha * lx)
    z = (1.0 - alpha) * lx
    small = np.abs(z) < 1e-5
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(small, 1.0 + z * (0.5 + z / 6.0), np.expm1(z) / np.where(small, 1.0, z))
    integral = r * lx * q
    inv = 1.0 / x
    inv2 = inv * inv
    r1, r3, r5, r7 = rising
    poly = _C[0] * r1 + inv2 * (_C[1] * r3 + inv2 * (_C[2] * r5 + inv2 * (_C[3] * r7)))
    # sum_i c_i f^{(2i-1)}(x) = -f(x) / x * sum_i c_i (alpha)_{2i-1} x^{2-2i}
    return integral - f * (0.5 + inv * poly), f


#: Ranges per pass of :func:`ccdf_fast` (the temporaries then stay in the processor's cache).
_ROWS = 1024


def ccdf_fast(alpha, a, b, x):
    """Model CCDFs of the ranges [a, b] (rows, all served by :func:`fast_rows`) at the test
    points ``x`` (a < x <= b) and the terms x^-alpha over the same normaliser: ``(S, w)``,
    as :func:`netgraph.tpl._blocks._ccdf`."""
    if alpha.size > _ROWS:
        s = np.empty(x.shape)
        w = np.empty(x.shape)
        for i in range(0, alpha.size, _ROWS):
            sl = slice(i, i + _ROWS)
            s[sl], w[sl] = _ccdf_rows(alpha[sl], a[sl], b[sl], x[sl])
        return s, w
    return _ccdf_rows(alpha, a, b, x)


def _ccdf_rows(alpha, a, b, x):
    """:func:`ccdf_fast` on one pass of rows."""
    al = alpha[:, None]
    r = np.where(alpha >= 0.0, a, b)[:, None]
    r1 = al
    r3 = r1 * (al + 1.0) * (al + 2.0)
    r5 = r3 * (al + 3.0) * (al + 4.0)
    r7 = r5 * (al + 5.0) * (al + 6.0)
    rising = (r1, r3, r5, r7)
    ends = np.concatenate([a[:, None], b[:, None]], axis=1)
    pe, fe = _p(al, r, ends, rising)
    px, fx = _p(al, r, x, rising)
    top = pe[:, 1:] + fe[:, 1:]  # P(b) + f(b)
    z = top - pe[:, :1]  # the sum from a to b
    return (top - px) / z, fx / z
