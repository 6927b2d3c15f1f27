r"""The untruncated discrete power law (``xmax = inf``): its sums, exponents, distances and search.

On :math:`\{x_{\min}, x_{\min} + 1, \dots\}` the discrete power law of Clauset, Shalizi &
Newman [1]_ puts the probability :math:`x^{-\alpha} / \zeta(\alpha, x_{\min})`, with the
Hurwitz zeta function :math:`\zeta(\alpha, a) = \sum_{k \ge a} k^{-\alpha}` (``alpha > 1``).

* :func:`_zeta_sums`: :math:`T_j = \sum_{k \ge a} (k/a)^{-\alpha} \log(k/a)^j`, j = 0..3,
  for many (alpha, a) at once: the sum over :math:`[a, Y]` with
  :math:`Y = \lceil (a + 1) e^{36/\alpha} \rceil` by the Euler-Maclaurin sums of
  :mod:`netgraph.tpl._sums` (exact to rounding, untrimmed there), the rest by its
  integral, a closed form (an incomplete gamma function of integer order), and the first
  end-point corrections, which beyond Y are below :math:`e^{-36}` of the first term;
* :func:`_solve_alpha_inf`: the maximum-likelihood exponents, roots of
  :math:`\overline{\log(x/a)} = T_1 / T_0`, by a bracketed Newton iteration in
  :math:`(1, \infty)` from Clauset et al.'s approximation
  :math:`1 + 1 / \overline{\log(x / (a - 1/2))}`;
* :func:`_ks_inf`: the exact Kolmogorov-Smirnov distance over every integer
  :math:`x \ge x_{\min}` (the model CCDF :math:`\zeta(\alpha, x) / \zeta(\alpha, x_{\min})`
  by :func:`scipy.special.zeta`, at each observed value ``v`` and ``v + 1``, and beyond the
  largest one);
* :class:`_UntruncatedSearch`: the search over xmin (the candidates of the k reading
  chosen, :func:`netgraph.tpl.search._candidate_pairs`) with the interface of
  :class:`netgraph.tpl.search._Search`, which hands it every search with ``xmax = inf``
  (so the Clauset bootstrap runs it unchanged).

References
----------
.. [1] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions in
   Empirical Data." SIAM Review 51(4), 661-703 (2009), eq. (2.4) and (3.7).
"""

from __future__ import annotations

import math

import numpy as np

from netgraph.exceptions import FitError
from netgraph.tpl._sums import partial_sums

__all__: list[str] = []

#: The split point Y of :func:`_zeta_sums` is (a + 1) e^(_SPLIT / alpha): its terms are e^-_SPLIT
#: of the second (the first of the log-weighted sums), and while alpha log(1 + 1/a) < 13.5
#: above the trimming of :mod:`netgraph.tpl._sums` (e^-49.5 of the first).
_SPLIT = 36.0
#: Relative tolerance of alpha.
_ALPHA_TOL = 1e-13
#: Observed values per block of the exact distances.
_KS_BLOCK = 1 << 21


def _zeta_sums(alpha, a, order=2):
    """T_j = sum_{k >= a} (k/a)^-alpha log(k/a)^j for j = 0..order, float arrays, alpha > 1."""
    alpha = np.asarray(alpha, dtype=float)
    a = np.asarray(a, dtype=float)
    y = np.ceil((a + 1.0) * np.exp(_SPLIT / alpha))
    head = partial_sums(alpha, a, y, a, order=order)
    ell = np.log(y / a)
    c = alpha - 1.0
    e = np.exp(-c * ell)  # (y/a)^(1 - alpha)
    fy = e * a / y  # (y/a)^-alpha
    out = []
    for j in range(order + 1):
        # int_y^inf (t/a)^-alpha log(t/a)^j dt = a e^(-c L) sum_i j!/(j-i)! L^(j-i) / c^(i+1)
        integral = sum(math.perm(j, i) * ell ** (j - i) / c ** (i + 1) for i in range(j + 1)) * e * a
        fj = fy * ell**j
        dfj = fy * ((j * ell ** (j - 1) if j else 0.0) - alpha * ell**j) / y
        # sum_{k >= y} = integral + f(y)/2 - f'(y)/12 (+ terms below e^-36 of the first term);
        # the head already holds f(y)
        out.append(head[j] + integral - 0.5 * fj - dfj / 12.0)
    return tuple(out)


def _log_zeta(alpha, a):
    """log zeta(alpha, a) (Hurwitz) for float arrays, from :func:`_zeta_sums`."""
    return np.log(_zeta_sums(alpha, a, order=0)[0]) - np.asarray(alpha) * np.log(np.asarray(a, dtype=float))


def _solve_alpha_inf(mrel, a, tol=_ALPHA_TOL, maxiter=200):
    """ML exponents of the untruncated law: T_1 / T_0 = mrel (the mean of log(x / a)), alpha > 1.

    E_alpha[log(X / a)] decreases from +inf (alpha -> 1) to 0, so each root is unique.
    Newton steps (the derivative is minus the variance of log X) inside a bracket
    [lo, hi], bisection (or doubling while hi is open) when a step leaves it.
    """
    mrel = np.asarray(mrel, dtype=float)
    a = np.asarray(a, dtype=float)
    alpha = 1.0 + 1.0 / (mrel + np.log(a / (a - 0.5)))
    lo = np.ones_like(alpha)
    hi = np.full_like(alpha, np.inf)
    act = np.arange(alpha.size)
    for _ in range(maxiter):
        if not act.size:
            break
        al = alpha[act]
        t0, t1, t2 = _zeta_sums(al, a[act], order=2)
        m1 = t1 / t0
        var = t2 / t0 - m1 * m1
        g = m1 - mrel[act]  # decreasing in alpha
        up = g > 0.0
        lo[act] = np.where(up, al, lo[act])
        hi[act] = np.where(up, hi[act], al)
        with np.errstate(divide="ignore", invalid="ignore"):
            nxt = al + g / var
        lo_a, hi_a = lo[act], hi[act]
        # a step below the tolerance is taken as it is (at the root it may touch the bracket)
        small = np.abs(nxt - al) <= tol * (1.0 + al)
        bad = ~((nxt > lo_a) & (nxt < hi_a) | small)
        if bad.any():
            half = np.where(np.isfinite(hi_a), 0.5 * (lo_a + hi_a), 2.0 * lo_a)
            nxt = np.where(bad, half, nxt)
        step = np.abs(nxt - al)
        alpha[act] = nxt
        done = (~bad & (step <= tol * (1.0 + nxt))) | (hi_a - lo_a <= tol * (1.0 + lo_a)) | (g == 0.0)
        act = act[~done]
    return alpha


def _ks_inf(sample, ia, alpha):
    """Exact KS distances of untruncated fits on [u[ia], inf), over every integer x >= u[ia]."""
    from scipy.special import zeta

    u = sample.uf
    dist = u.size
    total = sample.cum[-1]
    out = np.empty(ia.size)
    for i, (start, al) in enumerate(zip(ia, alpha)):
        v = u[start:]
        z = zeta(al, v[0])
        s = zeta(al, v) / z  # P(X >= v)
        s1 = s - np.exp(-al * np.log(v)) / z  # P(X >= v + 1)
        n_tail = float(total - sample.cum[start])
        semp = (total - sample.cum[start:dist]) / n_tail  # empirical P(X >= v)
        d = np.abs(semp - s).max()
        if v.size > 1:
            d = max(d, float(np.abs(semp[1:] - s1[:-1]).max()))
        out[i] = max(d, float(s1[-1]))  # x = largest value + 1: empirical CCDF 0
    return out


def _ks_inf_lower(sample, ia, alpha, nq=16):
    """Lower bounds of :func:`_ks_inf`: the gaps at ``nq`` quantiles of each tail."""
    from scipy.special import zeta

    lo = sample.cum[ia]
    hi = sample.cum[-1]
    nt = hi - lo
    q = (np.arange(nq) + 0.5) / nq
    pos = lo[:, None] + (q[None, :] * nt[:, None]).astype(np.int64)
    ui = sample.pos_u[pos]
    v = sample.uf[ui]
    z = zeta(alpha, sample.uf[ia])[:, None]
    s = zeta(alpha[:, None], v) / z
    semp = (hi - sample.cum[ui]) / nt[:, None].astype(float)
    return np.abs(semp - s).max(axis=1)


def _tail_candidates(sample, k, xmin, reading, min_distinct):
    """Candidate xmin of the untruncated search: indices into sample.u, and the values."""
    from netgraph.tpl.search import _low_candidates

    u = sample.u
    if xmin is None:
        ia = np.arange(_low_candidates(sample, k, reading).size)
    else:
        ia = np.searchsorted(u, np.array([xmin], dtype=np.int64), side="left")
    ia = ia[u.size - ia >= min_distinct]
    if not ia.size:
        where = f"xmin = {xmin}" if xmin is not None else f"the candidate xmin (k = {float(k)}, {reading} reading)"
        raise FitError(f"no candidate range: no tail [xmin, inf) from {where} holds {min_distinct} distinct "
                       "positive degrees")
    a = u[ia].astype(float) if xmin is None else np.full(ia.size, float(xmin))
    return ia, a


class _UntruncatedSearch:
    """Every candidate xmin of the untruncated law with its exponent; the KS-best one.

    The attributes of :class:`netgraph.tpl.search._Search` (``ia``, ``ib`` = the last
    distinct value, ``a``, ``b`` = inf, ``n_tail``, ``alpha``, ``ks``, ``best``), so
    that the estimator and the bootstraps read either. Lower bounds at quantiles of each
    tail prune the candidates before their exact distances; ties within KS_TIE are
    broken as in the truncated search (more data in range, then the smaller xmin).
    """

    untruncated = True

    def __init__(self, sample, k, xmin=None, reading="order", min_distinct=3):
        self.sample = sample
        self.ia, self.a = _tail_candidates(sample, k, xmin, reading, min_distinct)
        last = sample.u.size - 1
        self.ib = np.full(self.ia.size, last)
        self.b = np.full(self.ia.size, np.inf)
        self.n_tail = sample.cum[-1] - sample.cum[self.ia]
        mrel = (sample.cumlog[-1] - sample.cumlog[self.ia]) / self.n_tail - np.log(self.a / sample.uf[0])
        if np.any(mrel <= 0.0):
            raise FitError(f"every degree from xmin = {int(self.a[0])} on equals it: no exponent fits")
        self.alpha = _solve_alpha_inf(mrel, self.a)
        self.ks = np.full(self.ia.size, np.nan)
        self.best = self._best()

    @property
    def candidates(self) -> int:
        """The number of candidate xmin."""
        return int(self.ia.size)

    def exact(self, sel):
        """Exact KS distances of the candidates ``sel`` (computed once, then cached)."""
        sel = np.asarray(sel, dtype=np.int64)
        todo = sel[np.isnan(self.ks[sel])]
        if todo.size:
            self.ks[todo] = _ks_inf(self.sample, self.ia[todo], self.alpha[todo])
        return self.ks[sel]

    def _best(self) -> int:
        from netgraph.tpl.search import _KS_MARGIN, KS_TIE, _pick

        n = self.candidates
        if n <= 32:
            self.exact(np.arange(n))
            return _pick(self.ks, self.n_tail, self.a, self.b)
        lb = np.concatenate([_ks_inf_lower(self.sample, self.ia[i:i + 4096], self.alpha[i:i + 4096])
                             for i in range(0, n, 4096)])
        order = np.argsort(lb, kind="stable")
        best = math.inf
        pos, chunk = 0, 8
        while pos < n:
            sel = order[pos:pos + chunk]
            sel = sel[lb[sel] <= best + KS_TIE + _KS_MARGIN]
            if not sel.size:
                break
            best = min(best, float(self.exact(sel).min()))
            pos += chunk
            chunk *= 2
        return _pick(self.ks, self.n_tail, self.a, self.b)

    def choice(self, i, p_value=None) -> dict:
        """Candidate ``i`` as a result: ``xmin``, ``xmax`` (inf), ``alpha``, ``ks``, ``n_tail``, ``p_value``."""
        return {"xmin": int(self.a[i]), "xmax": math.inf, "alpha": float(self.alpha[i]),
                "ks": float(self.exact([i])[0]), "n_tail": int(self.n_tail[i]), "p_value": p_value}
