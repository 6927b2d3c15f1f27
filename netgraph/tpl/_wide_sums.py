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

The same formula differentiated in alpha gives the sums of ``f(k) log(k / r)``, hence the
mean ``E_alpha[log X]`` of the model (:func:`_moments`), from which :func:`corner_roots`
brackets the roots of the score equation of the block corners: secant steps from a guess,
then ``E(lo) - m`` and ``E(hi) - m`` checked to have the right signs with an allowance
for rounding and the remainder (E is decreasing in alpha, so the root is inside).
"""

from __future__ import annotations

import math

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


def _dq(z):
    """d/dz of expm1(z) / z: (expm1(z) (z - 1) + z) / z^2, by its series sum_j (j + 1) z^j / (j + 2)!
    where |z| < 0.1 (the closed form cancels there)."""
    small = np.flatnonzero(np.abs(z) < 0.1)
    zz = z.copy()
    zz[small] = 1.0
    em = np.expm1(zz)
    out = (em * (zz - 1.0) + zz) / (zz * zz)
    if small.size:
        zs = z[small]
        ser = np.full(small.size, 10.0 / _FACT[11])
        for j in range(8, -1, -1):
            ser = ser * zs + (j + 1) / _FACT[j + 2]
        out[small] = ser
    return out


_FACT = [float(math.factorial(i)) for i in range(12)]


def _moments(alpha, a, b):
    """(sum_{k=a}^{b} f(k), E[log(X / a)]) with f(k) = (k / r)^-alpha (the module's
    formula and its derivative in alpha: the sums of f log(k / r)) on ranges served by
    :func:`fast_rows`; 1-D arrays. The end at r has u = log(x / r) = 0."""
    neg = alpha < 0.0
    r = np.where(neg, b, a)
    far = np.where(neg, a, b)
    # the rising factorials (alpha)_m, m = 1, 3, 5, 7, and their derivatives in alpha
    p, dp = np.ones_like(alpha), np.zeros_like(alpha)
    rising, drising = [], []
    for j in range(7):
        dp = dp * (alpha + j) + p
        p = p * (alpha + j)
        if j % 2 == 0:
            rising.append(p)
            drising.append(dp)

    def corr(x):
        inv = 1.0 / x
        inv2 = inv * inv
        poly = _C[0] * rising[0] + inv2 * (_C[1] * rising[1] + inv2 * (_C[2] * rising[2] + inv2 * (_C[3] * rising[3])))
        dpoly = _C[0] * drising[0] + inv2 * (_C[1] * drising[1] + inv2 * (_C[2] * drising[2]
                                                                           + inv2 * (_C[3] * drising[3])))
        return inv * poly, inv * dpoly

    cn, dcn = corr(r)
    p_near, dp_near = -(0.5 + cn), -dcn  # u = 0, f = 1, no integral
    u = np.log(far / r)
    f = np.exp(-alpha * u)
    z = (1.0 - alpha) * u
    small = np.abs(z) < 1e-5
    q = np.expm1(z) / np.where(small, 1.0, z)
    q[small] = (1.0 + z * (0.5 + z / 6.0))[small]
    cf, dcf = corr(far)
    p_far = r * u * q - f * (0.5 + cf)
    dp_far = -r * u * u * _dq(z) + u * f * (0.5 + cf) - f * dcf  # d/dalpha of P
    sign = np.where(neg, -1.0, 1.0)
    s0 = sign * (p_far - p_near) + np.where(neg, 1.0, f)  # P(b) - P(a) + f(b)
    s1 = -sign * (dp_far - dp_near) + np.where(neg, 0.0, u * f)  # sum f log(k / r)
    return s0, s1 / s0 + np.where(neg, -u, 0.0)


#: Secant steps of :func:`corner_roots`, and the check's allowance (of E[log X], for the
#: rounding and the remainder of the formula, relative to 1 + log(b / a)).
_STEPS = 2
_CHECK = 1e-11


def corner_roots(mrel, a, b, guess):
    """:func:`_corner_roots` in passes of _ROWS * 4 ranges (temporaries in cache)."""
    n = mrel.size
    step = 4 * _ROWS
    if n <= step:
        return _corner_roots(mrel, a, b, guess)
    lo, hi, ok = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
    for i in range(0, n, step):
        sl = slice(i, i + step)
        lo[sl], hi[sl], ok[sl] = _corner_roots(mrel[sl], a[sl], b[sl], guess[sl])
    return lo, hi, ok


def _corner_roots(mrel, a, b, guess):
    """Brackets of the roots alpha of E_{alpha,a,b}[log(X / a)] = mrel (0 < mrel < log(b/a)):
    ``(lo, hi, ok)`` with lo <= root <= hi proven (E is decreasing in alpha) where ``ok``,
    from secant steps on the formula of the module docstring from ``guess``, then checked:
    E(lo) >= mrel + allowance and E(hi) <= mrel - allowance, both ends served by
    :func:`fast_rows` (``ok`` False elsewhere: the caller solves those)."""
    x0 = np.asarray(guess, dtype=float).copy()
    x1 = x0 + 1e-4 * (1.0 + np.abs(x0))
    ok = fast_rows(x0, a, b) & fast_rows(x1, a, b)
    f0 = _moments(x0, a, b)[1] - mrel
    f1 = _moments(x1, a, b)[1] - mrel
    for _ in range(_STEPS):
        den = f1 - f0
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(den != 0.0, -f1 * (x1 - x0) / den, 0.0)
        step = np.clip(np.nan_to_num(step), -1.0 - np.abs(x1), 1.0 + np.abs(x1))
        x0, f0 = x1, f1
        x1 = x1 + step
        ok &= fast_rows(x1, a, b)
        x1 = np.where(ok, x1, x0)
        f1 = _moments(x1, a, b)[1] - mrel
    width = 1e-9 * (1.0 + np.abs(x1)) + 4.0 * np.abs(x1 - x0)
    lo, hi = x1 - width, x1 + width
    ok &= fast_rows(lo, a, b) & fast_rows(hi, a, b)
    tol = _CHECK * (1.0 + np.log(b / a))
    ok &= (_moments(lo, a, b)[1] - mrel >= tol) & (_moments(hi, a, b)[1] - mrel <= -tol)
    return lo, hi, ok
