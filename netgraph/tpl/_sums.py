"""Partial sums of k^-alpha (log k)^j by Euler-Maclaurin summation (private to :mod:`netgraph.tpl`).

:func:`partial_sums` evaluates T_j = sum_{k=x}^{y} (k/r)^-alpha log(k/r)^j, j = 0..order,
for many (alpha, x, y, r) at once, in O(1) per sum whatever the length of the range: the
first terms one by one, the rest by Euler-Maclaurin summation with ten Bernoulli terms,
differentiated exactly in alpha. :class:`Sums` prepares everything that does not depend on
alpha, so that the iterations of the maximum-likelihood solver (:mod:`netgraph.tpl.mle`)
pay only for the exponentials and the polynomials in alpha; :func:`sum_scalar` is the same
for one range in Python floats. :func:`powers` and :func:`matmul` are the small array
helpers the other modules of the package share.

A search over a few hundred ranges spends its time on the number of NumPy calls rather
than on arithmetic, so each step is one call on a 2-D array:

* the directly summed head is a padded (terms x ranges) block when that wastes little, a
  flat ragged array otherwise;
* the integral of the Euler-Maclaurin formula is written from its larger end as
  ``base lam int_0^1 exp(-z x) (lb + sign lam x)^j dx`` and integrated by Gauss-Legendre
  quadrature (one matrix product), or from the closed forms of the moments of exp(-z x)
  for large z;
* the correction sum_i c_i (alpha)_{2i-1} t^{1-2i} and its alpha-derivatives are one
  matrix product of the powers of alpha with the (constant) coefficients of the rising
  factorials, then one row-wise product with the powers of 1/t. Evaluating (alpha)_m in
  the power basis costs at most m ulps of the rising factorial of |alpha| (the unsigned
  Stirling numbers are its coefficients), and the Euler-Maclaurin start
  X0 = ceil(1.175 (|alpha| + 9)) keeps every term c_i (|alpha|)_{2i-1} X0^{1-2i} below 0.1,
  so the correction stays accurate to a few units of 1e-16 of the end-point weight;
* the binomial sums that turn the derivatives at both ends and the moments of the
  integral into the log-weighted sums are one contraction with a prepared table.

The relative error of every sum is a few units of 1e-16 (the tests compare with direct
sums in extended precision).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["EM_COEF", "EM_C", "EM_K", "TRIM", "CHUNK", "matmul", "powers", "expint_moments", "partial_sums",
           "sum_scalar", "Sums"]

#: B_{2i} / (2i)! for i = 1..10 (Bernoulli numbers B2 = 1/6, B4 = -1/30, ..., B20).
EM_COEF = np.array([
    1.0 / 6.0 / 2.0,
    -1.0 / 30.0 / 24.0,
    1.0 / 42.0 / 720.0,
    -1.0 / 30.0 / 40320.0,
    5.0 / 66.0 / 3628800.0,
    -691.0 / 2730.0 / 479001600.0,
    7.0 / 6.0 / 87178291200.0,
    -3617.0 / 510.0 / 20922789888000.0,
    43867.0 / 798.0 / 6402373705728000.0,
    -174611.0 / 330.0 / 2432902008176640000.0,
])
#: Euler-Maclaurin is used from X0 = ceil(EM_C * (|alpha| + EM_K)) on; terms below are
#: summed directly. With 10 correction terms the remainder is at most
#: 2 |(alpha)_19| / ((2 pi)^20 X0^19) of the sum, and |(alpha)_19| <= (|alpha| + 9)^19, so
#: these constants keep it below 1e-17 (EM_C = (2e17 / (2 pi)^20)^(1/19)).
EM_C = 1.175
EM_K = 9.0
#: Terms smaller than exp(-TRIM) times the largest term of a sum are dropped (only when
#: |alpha| > 1, where the dropped tail is then below exp(-TRIM (1 - 1/|alpha|)) of it).
TRIM = 50.0
#: Long arrays are processed in chunks of this many elements (the temporaries then stay in
#: the processor's cache: about three times faster than one pass over millions).
CHUNK = 8192
_NB = EM_COEF.size  # Bernoulli terms
_NP = 2 * _NB  # powers of alpha: (alpha)_{19} has degree 19


def _rising_coefficients():
    """c[i, j]: coefficient of alpha^j in the rising factorial (alpha)_{2i+1}, i = 0..9."""
    out = np.zeros((_NB, _NP))
    poly = [0, 1]  # (alpha)_1 = alpha, coefficients by increasing power (exact integers)
    m = 1
    for i in range(_NB):
        while m < 2 * i + 1:
            nxt = [0] * (len(poly) + 1)
            for j, c in enumerate(poly):  # times (alpha + m)
                nxt[j] += c * m
                nxt[j + 1] += c
            poly = nxt
            m += 1
        out[i, :len(poly)] = [float(c) for c in poly]
    return out


def _correction_matrix(max_order=3):
    """K[j, o * 10 + i] = c_i * (d/dalpha)^o of the coefficient of alpha^j in (alpha)_{2i+1}:
    ``K.T @ powers(alpha, 20)`` gives c_i (d/dalpha)^o (alpha)_{2i+1} for every o and i."""
    rising = _rising_coefficients()  # (10, 20)
    blocks = []
    for o in range(max_order + 1):
        d = np.zeros((_NB, _NP))
        for j in range(_NP - o):
            d[:, j] = rising[:, j + o] * math.perm(j + o, o)  # d^o/da^o a^(j+o) = (j+o)!/j! a^j
        blocks.append((d * EM_COEF[:, None]).T)
    return np.concatenate(blocks, axis=1)


_KMAT = _correction_matrix()
_KMATS = [np.ascontiguousarray(_KMAT[:, :_NB * (o + 1)].T) for o in range(4)]
#: the same with the rows of derivative order o times (-1)^o (the sign of (-d/dalpha)^o)
_KMATS_SIGNED = [k * np.repeat((-1.0) ** np.arange(o + 1), _NB)[:, None] for o, k in enumerate(_KMATS)]
#: 8-point Gauss-Legendre rule on [0, 1] (nodes and weights to full precision), and the
#: matrices of weights times node^i that turn exp(-z node) into int_0^1 s^i exp(-z s) ds.
_GL_NODES = np.array([0.019855071751231884, 0.10166676129318664, 0.2372337950418355, 0.4082826787521751,
                      0.591717321247825, 0.7627662049581645, 0.8983332387068134, 0.9801449282487681])
_GL_WEIGHTS = np.array([0.05061426814518813, 0.11119051722668724, 0.15685332293894363, 0.181341891689181,
                        0.181341891689181, 0.15685332293894363, 0.11119051722668724, 0.05061426814518813])
_GL_NODES_NEG = -_GL_NODES
_GL_MOMENTS = [_GL_WEIGHTS * _GL_NODES ** np.arange(o + 1)[:, None] for o in range(4)]


#: Matrix products are split into blocks of at most this many multiply-adds: OpenBLAS
#: hands larger ones to its threads, whose wake-up can cost milliseconds on a busy machine.
_GEMM_BLOCK = 1 << 19


def matmul(b, a):
    """b @ a for a small constant b (n, k) and a (k, m), in column blocks kept single-threaded."""
    cols = max(1, _GEMM_BLOCK // (b.shape[0] * b.shape[1]))
    if a.shape[1] <= cols:
        return b @ a
    out = np.empty((b.shape[0], a.shape[1]))
    for i in range(0, a.shape[1], cols):
        np.matmul(b, a[:, i:i + cols], out=out[:, i:i + cols])
    return out


def _power_plan(count):
    """The doubling steps of :func:`powers`: (rows copied, first row written, square after)."""
    plan = []
    have = 1
    while have < count:
        step = min(have, count - have)
        plan.append((step, have, have + step < count))
        have += step
    return tuple(plan)


_POWER_PLANS = {count: _power_plan(count) for count in range(1, 26)}


def powers(v, count, first=1.0):
    """(count, m) array of first * v**0 .. first * v**(count - 1): out[h:2h] = out[:h] v^h,
    h = 1, 2, 4, ... (``first`` a scalar or an array like ``v``)."""
    out = np.empty((count, v.shape[0]))
    out[0] = first
    p = v
    for step, have, square in _POWER_PLANS[count]:
        np.multiply(out[:step], p, out=out[have:have + step])
        if square:
            p = p * p
    return out


def expint_moments(z, order):
    """E_i(z) = int_0^1 s^i exp(-z s) ds for i = 0..order (order <= 3) and z > -1.5: an
    array (order + 1, m). For z < 1, 8-point Gauss-Legendre quadrature (the integrand is
    entire and |z| < 1.5: the rule's error, about 1e-23 (z/1.5)^16 of the value, is below
    rounding); above, E_0 = (1 - e^-z) / z and E_i = (i E_(i-1) - e^-z) / z, the closed
    forms (the subtraction loses at most a factor of 4 per order at z = 1)."""
    m = z.size
    small = z < 1.0
    n_small = int(np.count_nonzero(small))
    out = None
    if n_small:
        zs = np.minimum(z, 1.0) if n_small < m else z
        out = matmul(_GL_MOMENTS[order], np.exp(np.multiply.outer(_GL_NODES_NEG, zs)))
    if n_small < m:
        zb = np.maximum(z, 1.0) if n_small else z
        em1 = np.expm1(-zb)
        inv = 1.0 / zb
        ez = em1 + 1.0
        big = np.empty((order + 1, m))
        np.multiply(em1, -inv, out=big[0])
        for i in range(1, order + 1):
            np.multiply(i * big[i - 1] - ez, inv, out=big[i])
        out = big if out is None else np.where(small, out, big)
    return out


def partial_sums(alpha, x, y, r, order=2):
    """Sums T_j = sum_{k=x}^{y} (k/r)^-alpha * log(k/r)^j for j = 0..order (order <= 3).

    Vectorised over 1-D float arrays of equal length: ``alpha`` real, ``x <= y`` integers,
    ``r > 0`` the scale (``r = x`` for alpha >= 0 and ``r = y`` below keeps every term at
    most 1). Relative error a few units of 1e-16. Returns a tuple of ``order + 1`` arrays.
    """
    alpha = np.asarray(alpha, dtype=float)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    r = np.asarray(r, dtype=float)
    n = alpha.shape[0]
    if n == 1 and order == 0:
        return (np.array([sum_scalar(float(alpha[0]), float(x[0]), float(y[0]), float(r[0]))]),)
    if n <= CHUNK:
        return tuple(Sums(alpha, x, y, r, order, reuse=False)(alpha, check=False))
    out = [np.empty(n) for _ in range(order + 1)]
    for i in range(0, n, CHUNK):
        sl = slice(i, i + CHUNK)
        for o, q in zip(out, Sums(alpha[sl], x[sl], y[sl], r[sl], order, reuse=False)(alpha[sl], check=False)):
            o[sl] = q
    return tuple(out)


def sum_scalar(alpha, x, y, r):
    """sum_{k=x}^{y} (k/r)^-alpha for one range, in Python floats: the computation of
    :class:`Sums` (same split, same formulas), without NumPy's per-call overhead."""
    absa = abs(alpha)
    if absa > 1.0 and absa * math.log(y / x) > 0.99 * TRIM:
        m = TRIM / absa
        if alpha < -1.0:
            x = max(x, math.ceil(y * math.exp(-m)))
        if alpha > 1.0:
            y = min(y, math.floor(x * math.exp(m)))
    x0 = math.ceil(EM_C * (absa + EM_K))
    total = 0.0
    head_end = min(y, x0 - 1.0)
    if head_end - x + 1.0 > 512.0:  # a long head (huge exponents): NumPy
        k = np.arange(x, head_end + 1.0)
        total = float(np.exp(-alpha * np.log1p((k - r) / r)).sum())
    else:
        k = x
        while k <= head_end:
            total += math.exp(-alpha * math.log1p((k - r) / r))
            k += 1.0
    s = max(x, x0)
    if s > y:
        return total
    ls = math.log1p((s - r) / r)
    ly = math.log1p((y - r) / r)
    ws = math.exp(-alpha * ls)
    wy = math.exp(-alpha * ly)
    lam = math.log1p((y - s) / s)
    z = (1.0 - alpha) * lam
    base = y * wy if alpha < 1.0 else s * ws
    if alpha >= 1.0:
        z = -z
    g0 = (-math.expm1(-z) / z if z != 0.0 else 1.0) * lam
    # Bernoulli correction sum_i c_i (alpha)_{2i-1} t^{1-2i} at both ends
    qs = qy = 0.0
    p = alpha
    ts = 1.0 / s
    ty = 1.0 / y
    is2 = ts * ts
    iy2 = ty * ty
    for i, c in enumerate(_EM_COEF_LIST):
        if i:
            p *= (alpha + (2 * i - 1)) * (alpha + 2 * i)
            ts *= is2
            ty *= iy2
        term = c * p * ts  # the lower end's terms are the larger ones (s <= y)
        qs += term
        qy += c * p * ty
        if abs(term) < 1e-18:  # the rest is smaller still (X0 makes the terms decrease)
            break
    return total + base * g0 + ws * (0.5 + qs) + wy * (0.5 - qy)


_EM_COEF_LIST = [float(c) for c in EM_COEF]


class Sums:
    """The sums of :func:`partial_sums` over fixed ranges, for exponents near ``alpha0``.

    What does not depend on the exponent (the split between the directly summed head and
    the Euler-Maclaurin part, which depends on it only through X0 = ceil(1.175 (|alpha| + 9)),
    the logarithms, the quadrature nodes of the integral, the powers of 1/t of the end-point
    corrections, the binomial mixing of the log-weighted sums) is computed once, so that an
    iteration on alpha pays only for the exponentials and the polynomials in alpha.

    The integral of the Euler-Maclaurin formula, int_s^y (t/r)^-alpha log(t/r)^j dt, is
    written from its larger end (where the integrand is largest) as
    ``base * lam * int_0^1 exp(-z x) (lb + sign lam x)^j dx`` with z = |1 - alpha| lam >= 0,
    and integrated by Gauss-Legendre quadrature (16 nodes up to z = 12, 24 up to z = 28:
    relative error below 5e-16 for every z up to there, the integrand being entire); larger
    z use the closed forms of the moments of exp(-z x) (:func:`expint_moments`).

    Each range gets the largest change of alpha its layout serves (X0 stays below the
    prepared start of the Euler-Maclaurin part, no change of sign that could let terms
    overflow, at most 2 % for a trimmed range, z within the quadrature's range);
    ``__call__`` with ``check=True`` returns None at an alpha beyond it. ``slack`` starts
    the Euler-Maclaurin part where it serves exponents up to ``|alpha0| + slack``.
    ``reuse=False`` prepares for one call at ``alpha0`` only (and takes the integral's
    closed form (1 - exp(-z)) / z for order 0).
    """

    def __init__(self, alpha0, x, y, r, order, slack=0.0, reuse=True):
        n = alpha0.shape[0]
        self.reuse = reuse
        self.n = n
        self.order = order
        o1 = order + 1
        absa = np.abs(alpha0)
        self.alpha0 = alpha0
        room = absa + 1.0 if reuse else None  # a change of sign only while |alpha| <= 1
        x_t, y_t = x, y
        if n and float(absa.max()) > 1.0 and float((absa * np.log(y / x)).max()) > 0.99 * TRIM:
            # drop the terms below exp(-TRIM) of the largest (bounds the directly summed terms)
            with np.errstate(over="ignore", divide="ignore"):
                m = TRIM / np.maximum(absa, 1.0)
                x_t = np.where(alpha0 < -1.0, np.maximum(x, np.ceil(y * np.exp(-m))), x)
                y_t = np.where(alpha0 > 1.0, np.minimum(y, np.floor(x * np.exp(m))), y)
            if reuse:
                room = np.where((x_t != x) | (y_t != y), np.minimum(room, 0.02 * absa), room)
        x0 = np.ceil(EM_C * (absa + EM_K + slack))  # X0 for |alpha| up to |alpha0| + slack
        nh = np.minimum(y_t, x0 - 1.0) - x_t + 1.0
        hmax = float(nh.max()) if n else 0.0
        # -- head: the terms x_t .. min(y_t, X0 - 1), one by one
        self.head = None
        if hmax >= 1.0:
            nh = np.maximum(nh, 0.0)
            h = int(hmax)
            if n * h <= 2.0 * float(nh.sum()) + 2048.0:
                # padded block: row j holds the term x_t + j (masked past nh)
                j = np.arange(h, dtype=float)[:, None]
                ell = np.log1p((x_t + j - r) / r)
                mask = j < nh
                ell *= mask
                ellpow = powers(ell.ravel(), o1).reshape(o1, h, n) if order else None
                self.head = ("pad", -ell, mask.astype(float), ellpow)
            else:
                cnt = nh.astype(np.int64)
                tot = int(cnt.sum())
                owner = np.repeat(np.arange(n), cnt)
                start = np.cumsum(cnt) - cnt
                k = x_t[owner] + (np.arange(tot) - start[owner])
                rr = r[owner]
                ell = np.log1p((k - rr) / rr)
                self.head = ("flat", owner, -ell, powers(ell, o1))
        # -- the Euler-Maclaurin part on s .. y_t, s = max(x_t, X0)
        s = np.maximum(x_t, x0)
        em = s <= y_t
        n_em = int(np.count_nonzero(em))
        self.em = None
        if n_em:
            idx = None
            if n_em < n:
                idx = np.flatnonzero(em)
                s, y_t, r, a0 = s[idx], y_t[idx], r[idx], alpha0[idx]
            else:
                a0 = alpha0
            self.em = self._prepare_em(idx, a0, s, y_t, r, order, reuse)
            if reuse and idx is None:
                room = np.minimum(room, self.em["room"])
            elif reuse:
                room[idx] = np.minimum(room[idx], self.em["room"])
        self.room = room

    @staticmethod
    def _prepare_em(idx, a0, s, y, r, order, reuse=True):
        m = a0.shape[0]
        o1 = order + 1
        ends = np.empty((2, m))
        ends[0] = s
        ends[1] = y
        lam = np.log1p((y - s) / s)
        up = a0 < 1.0  # the integrand increases with t: expand the integral from the top end
        zlam = np.where(up, lam, -lam)  # z = (1 - alpha) zlam, >= 0 at alpha0
        if reuse and order:
            # t^{1-2i}, i = 1..10, at both ends (relative errors up to 19 log(t) ulps for the
            # last, far below the terms' size relative to the end-point weight), negated at
            # the upper end (whose correction enters with a minus sign)
            tp = np.exp(np.multiply.outer(_ODD_NEG, np.log(ends)))
            tp[:, 1] *= -1.0
        else:
            inv = 1.0 / ends
            tp = powers((inv * inv).ravel(), _NB).reshape(_NB, 2, m)
            tp *= inv
        if not order:
            ell = np.log1p((ends - r) / r)
            return {"idx": idx, "nell": -ell, "up": up, "tp": tp, "zlam": zlam, "lam": lam,
                    "top": np.where(up, y, s), "room": s / EM_C - EM_K - np.abs(a0) if reuse else None}
        z0 = (1.0 - a0) * zlam
        zmax = float(z0.max())
        # three sources: the lower end, the upper end, the integral (expanded from its larger
        # end lb): T_j = sum over sources of weight * sum_i C(j, i) l^(j-i) coef_i
        src_l = np.empty((3, m))
        src_l[:2] = np.log1p((ends - r) / r)  # log(s / r), log(y / r)
        src_l[2] = np.where(up, src_l[1], src_l[0])
        lpow = np.zeros((o1 + 1, 3 * m))
        lpow[:o1] = powers(src_l.ravel(), o1)
        mix = lpow[_MIX_ROW[order]]
        mix *= _MIX_COEF[order]
        data = {
            "idx": idx, "nell": -src_l[:2], "up": up, "tp": tp, "zlam": zlam,
            "top": np.where(up, y, s),  # the end the integral is expanded from
            "mix": mix.reshape(o1, o1, 3, m),
            "ilam": powers(np.where(up, -lam, lam), o1) * lam,  # (sign lam)^i lam
        }
        # the change of alpha served: X0 <= s, and z within the range of the integral's rule
        with np.errstate(divide="ignore"):
            room = s / EM_C - EM_K - np.abs(a0) if reuse else None
            if zmax <= _GL_ZMAX[1] - 2.0:
                k = 0 if zmax <= _GL_ZMAX[0] - 1.0 else 1
                if reuse:
                    room = np.minimum(room, np.minimum(_GL_ZMAX[k] - z0, z0 + 1.0) / np.abs(zlam))
                data["gl"] = (np.multiply.outer(-_GL_RULES[k][0], zlam), _GL_RULE_MOMENTS[k][order])
            elif reuse:
                room = np.minimum(room, (z0 + 0.5) / np.abs(zlam))
        data["room"] = room
        return data

    def __call__(self, alpha, check=True):
        """The sums at ``alpha``: an array (order + 1, n), or None if the layout does not serve it."""
        if check and not (np.abs(alpha - self.alpha0) <= self.room).all():
            return None
        order = self.order
        o1 = order + 1
        head = self.head
        if head is None:
            out = np.zeros((o1, self.n))
        elif head[0] == "pad":
            _, nell, maskf, ellpow = head
            w = np.exp(alpha * nell)
            w *= maskf
            out = np.einsum("hn,jhn->jn", w, ellpow) if order else w.sum(axis=0)[None]
        else:
            _, owner, nell, ellpow = head
            w = np.exp(alpha[owner] * nell)
            out = np.empty((o1, self.n))
            for j in range(o1):
                out[j] = np.bincount(owner, w * ellpow[j], minlength=self.n)
        em = self.em
        if em is None:
            return out
        idx = em["idx"]
        a = alpha if idx is None else alpha[idx]
        m = a.shape[0]
        w = np.exp(a * em["nell"])  # (s/r)^-alpha, (y/r)^-alpha
        if not order:
            # T0 = integral + w(s) (1/2 + Q(s)) + w(y) (1/2 - Q(y))
            z = (1.0 - a) * em["zlam"]
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.where(z != 0.0, -np.expm1(-z) / z, 1.0) * em["lam"]
            t *= np.where(em["up"], w[1], w[0]) * em["top"]
            q = np.einsum("im,itm->tm", matmul(_KMATS[0], powers(a, _NP)), em["tp"])
            t += w[0] * (0.5 + q[0]) + w[1] * (0.5 - q[1])
            if idx is None:
                out[0] += t
            else:
                out[0, idx] += t
            return out
        coefs = np.empty((o1, 3, m))
        # the integral: base * (sign lam)^i lam E_i(z), E_i the moments of exp(-z x) on [0, 1]
        if "gl" in em:
            xz, mom = em["gl"]
            e = matmul(mom, np.exp(xz * (1.0 - a)))  # Gauss-Legendre quadrature
        else:
            e = expint_moments((1.0 - a) * em["zlam"], order)
        np.multiply(e, em["ilam"], out=coefs[:, 2])
        coefs[:, 2] *= np.where(em["up"], w[1], w[0]) * em["top"]
        # Bernoulli correction sum_i c_i (alpha)_{2i-1} t^{1-2i} and its alpha-derivatives, both ends:
        # (-d/dalpha)^j [w(t) (1/2 +- Q(t))] = w(t) sum_i C(j, i) log(t/r)^(j-i) (-1)^i (+-Q)^(i)(t)
        q = coefs[:, :2]
        if self.reuse:  # (its tp are negated at the upper end)
            coef = matmul(_KMATS_SIGNED[order], powers(a, _NP)).reshape(o1, _NB, m)
            np.einsum("oim,itm->otm", coef, em["tp"], out=q)  # signs folded into K and tp
        else:
            coef = matmul(_KMATS[order], powers(a, _NP)).reshape(o1, _NB, m)
            np.einsum("oim,itm->otm", coef, em["tp"], out=q)
            q *= _END_SIGN[:o1]
        q[0] += 0.5
        q *= w
        t = np.einsum("jism,ism->jm", em["mix"], coefs)
        if idx is None:
            out += t
        else:
            out[:, idx] += t
        return out


#: Gauss-Legendre rules on [0, 1] (nodes and weights to full precision) for the integral of
#: the Euler-Maclaurin formula, and the largest z = |1 - alpha| log(y/s) each serves.
_GL_RULES = (
    (np.array((0.005299532504175033, 0.02771248846338371, 0.06718439880608412, 0.12229779582249849,
               0.19106187779867811, 0.2709916111713863, 0.35919822461037054, 0.4524937450811813,
               0.5475062549188188, 0.6408017753896295, 0.7290083888286137, 0.8089381222013219,
               0.8777022041775016, 0.9328156011939158, 0.9722875115366163, 0.994700467495825)),
     np.array((0.013576229705877048, 0.031126761969323947, 0.04757925584124639, 0.06231448562776694,
               0.07479799440828837, 0.08457825969750127, 0.09130170752246179, 0.09472530522753425,
               0.09472530522753425, 0.09130170752246179, 0.08457825969750127, 0.07479799440828837,
               0.06231448562776694, 0.04757925584124639, 0.031126761969323947, 0.013576229705877048))),
    (np.array((0.00240639000148932, 0.012635722014345251, 0.030862723998633622, 0.056792236497799485,
               0.08999900701304854, 0.12993790421072282, 0.17595317403151223, 0.22728926430558022,
               0.2831032461869774, 0.3424786601519183, 0.40444056626319186, 0.4679715535686972,
               0.5320284464313028, 0.5955594337368082, 0.6575213398480817, 0.7168967538130225,
               0.7727107356944197, 0.8240468259684878, 0.8700620957892772, 0.9100009929869515,
               0.9432077635022005, 0.9691372760013663, 0.9873642779856547, 0.9975936099985107)),
     np.array((0.0061706148999936, 0.014265694314466832, 0.022138719408709904, 0.02964929245771839,
               0.03667324070554015, 0.04309508076597664, 0.04880932605205694, 0.05372213505798282,
               0.0577528340268628, 0.060835236463901696, 0.06291872817341415, 0.06396909767337608,
               0.06396909767337608, 0.06291872817341415, 0.060835236463901696, 0.0577528340268628,
               0.05372213505798282, 0.04880932605205694, 0.04309508076597664, 0.03667324070554015,
               0.02964929245771839, 0.022138719408709904, 0.014265694314466832, 0.0061706148999936))),
)
_GL_ZMAX = (12.0, 28.0)
#: weight_k node_k^i (i = 0..order): the moments int_0^1 x^i exp(-z x) dx from exp(-z node_k).
_GL_RULE_MOMENTS = [[np.ascontiguousarray(w * x ** np.arange(o + 1)[:, None]) for o in range(4)]
                    for x, w in _GL_RULES]


def _mix_tables():
    """Row indices into the powers 0..order of a log (row order + 1: zeros) and binomial
    coefficients such that row (j, i) is C(j, i) l^(j - i) (0 for i > j)."""
    rows, coefs = [], []
    for order in range(4):
        o1 = order + 1
        rows.append(np.array([j - i if i <= j else o1 for j in range(o1) for i in range(o1)]))
        coefs.append(np.array([float(math.comb(j, i)) if i <= j else 0.0 for j in range(o1) for i in range(o1)])[:, None])
    return rows, coefs


_MIX_ROW, _MIX_COEF = _mix_tables()
_ODD_NEG = -(2.0 * np.arange(_NB) + 1.0)
#: (-1)^i for the end terms (-d/dalpha)^j, times +1 at the lower end and -1 at the upper.
_END_SIGN = np.array([[[1.0], [-1.0]], [[-1.0], [1.0]], [[1.0], [-1.0]], [[-1.0], [1.0]]])
