"""Deciding Clauset's bootstrap replicates without searching them (private; issue 12).

A p-value only needs to know, for each replicate, whether its KS distance (that of the
search's pick) reaches the observed one. :func:`_clauset_decisions` draws the replicates
exactly as :func:`netgraph.tpl.bootstrap._clauset_replicates` does and decides each one:

* :func:`netgraph.tpl._witnesses.witnesses_below`: a few candidate ranges next to the fitted
  one, solved and measured exactly for a whole chunk of replicates at once; one below the
  observed distance (by a margin) decides "below";
* :func:`_decide_unsolved`: every range's exponent bracketed in closed form
  (:func:`_mean_log_bounds`), closed-form lower bounds of the distances over the whole
  bracket (:func:`_ks_lower_fast`, :func:`_sum_bounds`) set aside the ranges that cannot go
  below the observed distance, and only the others are solved;
* otherwise :func:`_decide`: the search's own exponents and rounds of bounds, pruned against
  the observed distance; a distance too close to call gets the search's own pick.

Every bound is rigorous (with an allowance for rounding far above it), so each decision is
the one the full search would give; ``tests/test_bootstrap.py`` checks them one by one.
"""

from __future__ import annotations

import math

import numpy as np

from netgraph.exceptions import FitError
from netgraph.tpl._decide_exact import _ks_exact
from netgraph.tpl._witnesses import WITNESS_MARGIN, remember, witnesses_below
from netgraph.tpl.distribution import _Sampler
from netgraph.tpl.ks import _Sample
from netgraph.tpl.mle import _alpha_guess, _solve_alpha
from netgraph.tpl.search import _END_ROUNDS, _EXACT_ALL, _KS_MARGIN, _Search, _smallest

__all__: list[str] = []

#: Samplers of the fitted TPLs, kept between the chunks a process computes (the replicates of
#: a layer share the sampler's table of its support instead of building it again per chunk).
_SAMPLERS: dict = {}
#: Ranges (a, b) of recent witnesses per fit (the hints of :func:`netgraph.tpl._witnesses.witnesses_below`).
_HINT_CACHE: dict = {}


def _sampler(alpha: float, a: int, b: int) -> _Sampler:
    """The :class:`~netgraph.tpl.distribution._Sampler` of (alpha, a, b), from this process's cache."""
    key = (float(alpha), int(a), int(b))
    sampler = _SAMPLERS.get(key)
    if sampler is None:
        if len(_SAMPLERS) >= 32:
            _SAMPLERS.clear()
        sampler = _SAMPLERS[key] = _Sampler(alpha, a, b)
    return sampler


def _clauset_decisions(payload, seeds):
    """Clauset's replicates as decisions: 1.0 where the replicate's KS distance is at least the
    observed one, 0.0 where it is smaller, NaN where it could not be fitted.

    The synthetic data sets are drawn exactly as by :func:`_clauset_replicates` (the same
    draws from the same seeds), so the decisions are those of its distances. A replicate is
    first compared on a few candidate ranges next to the fitted one
    (:func:`netgraph.tpl._witnesses.witnesses_below`, every replicate of the chunk at
    once): most replicates of a fit that the data reject have
    one there, and need no search; the others get the whole search (rule ``"ks"``).
    """
    sorted_deg, alpha, a, b, n_tail, k, xmin, xmax, ks_obs = payload
    n = sorted_deg.size
    outside = sorted_deg[(sorted_deg < a) | (sorted_deg > b)]
    sampler = _sampler(alpha, a, b)
    key = (float(alpha), int(a), int(b), float(ks_obs))
    if key not in _HINT_CACHE and len(_HINT_CACHE) >= 32:
        _HINT_CACHE.clear()
    hints = _HINT_CACHE.setdefault(key, [])
    samples = []
    for ss in seeds:
        rng = np.random.default_rng(ss)
        n_in = int(rng.binomial(n, n_tail / n))
        syn = sampler(n_in, rng)
        if n_in < n:
            syn = np.concatenate([syn, outside[rng.integers(0, outside.size, n - n_in)]])
        samples.append(_Sample(syn))
    below, pairs = witnesses_below(samples, k, xmin, xmax, float(a), float(b), ks_obs, hints)
    out = np.empty(len(seeds))
    for t, sample in enumerate(samples):
        if below[t] is None:  # no candidate range: the search raises FitError
            out[t] = np.nan
        elif below[t]:
            out[t] = 0.0
        else:
            try:
                code = _decide_unsolved(sample, pairs[t], ks_obs, hints)
                out[t] = _decide(_Prepared(sample, k, xmin, xmax), ks_obs) if code is None else code
            except FitError:
                out[t] = np.nan
    return out


class _Prepared(_Search):
    """A :class:`~netgraph.tpl.search._Search` with its candidates, exponents and bounds
    prepared but no best pair looked for (``best`` is -1): :func:`_decide` asks less."""

    def _best(self) -> int:
        return -1


def _decide(search: _Prepared, ks_obs: float) -> float:
    """1.0 if the search's KS distance (that of its pick) is at least ``ks_obs``, else 0.0.

    The search's rounds of lower bounds, pruned against ``ks_obs`` rather than against the
    smallest distance found: a pair whose bound reaches ``ks_obs`` (with the search's
    rounding allowance) cannot take the distance below it, and any pair whose exact
    distance is below ``ks_obs - WITNESS_MARGIN`` decides 0.0 at once. When every pair
    left has its exact distance at least ``ks_obs`` plus that margin, the answer is 1.0;
    a distance within the margin of ``ks_obs`` leaves it to the search's own pick.
    """
    hi = ks_obs + _KS_MARGIN
    lo = ks_obs - WITNESS_MARGIN
    n = search.candidates
    if n <= 16 or int((search.ib - search.ia + 1).sum()) <= _EXACT_ALL:
        keep = np.arange(n)
        lb = np.zeros(n)
    else:
        lb = np.zeros(n) if search._lb is None else np.maximum(search._lb, 0.0)
        keep = np.arange(n)
        rounds = [("quantiles", nq) for nq in (4, 16, 64)]
        if search._dense_ends():
            rounds = [(side, depth) for depth, side in _END_ROUNDS] + rounds
        if search._lb is not None:
            if float(search.exact(_smallest(lb, 4)).min()) < lo:
                return 0.0
            keep = keep[lb < hi]
        for kind, depth in [("fast", 4), ("fast", 16), ("fast", 64)] + rounds:
            if keep.size <= 64:
                break
            if kind == "fast":  # closed-form bounds first (no partial sums)
                bound = _ks_lower_fast(search.sample, search.ia[keep], search.ib[keep], search.alpha[keep],
                                       search.a[keep], search.b[keep], depth)
            else:
                bound = search._bound(kind, depth, keep)
            lb[keep] = np.maximum(lb[keep], bound)
            keep = keep[lb[keep] < hi]
            todo = keep[np.isnan(search.ks[keep])]
            if todo.size and float(search.exact(todo[_smallest(lb[todo], 16)]).min()) < lo:
                return 0.0
    order = keep[np.argsort(lb[keep], kind="stable")]
    pos, chunk = 0, 8
    while pos < order.size:
        if float(search.exact(order[pos:pos + chunk]).min()) < lo:
            return 0.0
        pos += chunk
        chunk *= 2
    if order.size and float(search.ks[order].min()) < hi + WITNESS_MARGIN:
        best = _Search._best(search)  # too close to call: the search's own pick
        return float(search.exact([best])[0] >= ks_obs)
    return 1.0


def _sum_bounds(alpha, x, y, r, lx, ly):
    """Bounds of sum_{k=x}^{y} (k/r)^-alpha (x <= y integers as floats; ``lx``, ``ly`` the
    logarithms log(x/r), log(y/r)): the integral from x to y of the monotone summand, plus
    the smaller (lower bound) or the larger (upper bound) of its values at x and y; and the
    trapezoid rule with its error bound, whichever is tighter."""
    c = 1.0 - alpha
    d = ly - lx
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        g = np.where(c == 0.0, d, np.expm1(c * d) / np.where(c == 0.0, 1.0, c))
    fx = np.exp(-alpha * lx)
    fy = np.exp(-alpha * ly)
    integral = x * fx * g  # r (x/r)^(1 - alpha) g
    lo, up = integral + np.minimum(fx, fy), integral + np.maximum(fx, fy)
    # and the trapezoid rule: error at most (y - x) max|f''| / 12, |f''| <= |alpha (alpha + 1)| f / x^2
    trap = integral + 0.5 * (fx + fy)
    err = (y - x) * np.abs(alpha * (alpha + 1.0)) * np.maximum(fx, fy) / (12.0 * x * x)
    return np.maximum(lo, trap - err), np.minimum(up, trap + err), fx


def _z_bounds(alpha, alpha_hi, a, b):
    """What :func:`_ks_lower_fast` needs of the normalisations of the ranges with an exponent
    in [alpha, alpha_hi]: the scale r, log(b / r), the lower bound of the sum over [a, b] at
    alpha and an upper bound at alpha_hi: that at alpha times the largest (k/r)^-(alpha_hi -
    alpha) over [a, b], (a/r)^-(alpha_hi - alpha) (each term shrinks by at most that factor)."""
    r = np.where(alpha >= 0.0, a, b)
    la = np.log1p((a - r) / r)
    lb = np.log1p((b - r) / r)
    z_lo, z_hi, _ = _sum_both(alpha, a, b, la, lb)
    return r, lb, z_lo, z_hi * np.exp(-(alpha_hi - alpha) * la)


def _z_from_sums(alpha, alpha_hi, a, b, lam, z_lo, z_hi):
    """:func:`_z_bounds` from the normaliser's bounds at alpha that :func:`_mean_log_bounds`
    gives (``sums``; ``lam`` = log(b / a)): r = a and log(b / r) = lam for alpha >= 0, else b
    and 0; the factor (a/r)^-(alpha_hi - alpha) is 1 or e^{(alpha_hi - alpha) lam}."""
    neg = alpha < 0.0
    r = np.where(neg, b, a)
    lb = np.where(neg, 0.0, lam)
    return r, lb, z_lo, np.where(neg, z_hi * np.exp((alpha_hi - alpha) * lam), z_hi)


def _sum_both(alpha, x, y, lx, ly, ecb=None, r=None):
    """Both bounds of :func:`_sum_bounds` (``alpha`` a column, one exponent per row; the
    arithmetic of :func:`_sum_bounds`) and the summand at x: one exp and one expm1 per entry.

    ``ecb``, exp((1 - alpha) ly) per row (where :func:`_exp_ok`), and the scale ``r``: the
    integral of the summand from x to y is then ``(r ecb - x fx) / (1 - alpha)``
    ((x/r)^(1 - alpha) = (x/r) fx), one exp per entry and no expm1. That loses digits to
    cancellation where (1 - alpha)(ly - lx) is small, but measured against the whole range's
    normaliser the error is at most a few units of 1e-16 times e^u / |e^u - 1|,
    u = (1 - alpha) log(b / a), which :func:`_exp_ok` keeps below 1e-12."""
    c = 1.0 - alpha
    fx = np.exp(-alpha * lx)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if ecb is not None:  # the integral r ((y/r)^(1 - alpha) - (x/r)^(1 - alpha)) / (1 - alpha)
            integral = (r * ecb - x * fx) / c
        else:
            zero = c == 0.0
            g = np.expm1(c * (ly - lx)) / np.where(zero, 1.0, c)
            if zero.any():
                g = np.where(zero, ly - lx, g)
            integral = x * fx * g
    fy = np.exp(-alpha * ly)
    fmax = np.maximum(fx, fy)
    err = (y - x) * (np.abs(alpha * (alpha + 1.0)) / 12.0) * fmax / (x * x)
    trap = integral + 0.5 * (fx + fy)
    return np.maximum(integral + np.minimum(fx, fy), trap - err), np.minimum(integral + fmax, trap + err), fx


def _ks_lower_fast(sample: _Sample, ia, ib, alpha, a, b, nq: int, alpha_hi=None, z=None) -> np.ndarray:
    """Lower bounds of the KS distances from the gaps at ``nq`` quantiles of each range and at
    v + 1, as :func:`netgraph.tpl.ks._ks_lower` takes them, with the model CCDF only bounded:
    every sum of the summand over integers lies between its integral plus the smaller and plus
    the larger of its end values (it is monotone), so no partial sum is evaluated. The bounds
    are tight where ranges span many integers (large degrees), loose on short ranges, which
    the search's own rounds then bound. With ``alpha_hi``, the exponent is only known to lie
    in [alpha, alpha_hi]: the model CCDF decreases as alpha grows (at any point of the range),
    so it lies between its lower bound at alpha_hi and its upper bound at alpha; ``z``, the
    :func:`_z_bounds` of the ranges (they do not depend on ``nq``), saves computing them again."""
    step = max(1, _CHUNK // nq)
    fast = alpha_hi is not None and _exp_ok(alpha, a, b)  # decided once: chunks give the same values
    if ia.size <= step:
        return _ks_lower_chunk(sample, ia, ib, alpha, a, b, nq, alpha_hi, z, fast)
    out = np.empty(ia.size)
    for k in range(0, ia.size, step):  # in chunks: temporaries that stay in cache
        t = slice(k, k + step)
        out[t] = _ks_lower_chunk(sample, ia[t], ib[t], alpha[t], a[t], b[t], nq,
                                 None if alpha_hi is None else alpha_hi[t],
                                 None if z is None else tuple(w[t] for w in z), fast)
    return out


def _exp_ok(alpha, a, b) -> bool:
    """Whether every range has 1e-3 <= |(1 - alpha) log(b / a)| <= 600: then the shortcut of
    :func:`_sum_both` (``ecb``) rounds to less than 1e-12 of a CCDF and nothing overflows."""
    u = np.abs((1.0 - alpha) * np.log(b / a))
    return bool(u.size) and float(u.min()) >= 1e-3 and float(u.max()) <= 600.0


#: Elements (ranges x test points) per chunk of :func:`_ks_lower_fast`.
_CHUNK = 16384


def _ks_lower_chunk(sample: _Sample, ia, ib, alpha, a, b, nq: int, alpha_hi, z, fast=False) -> np.ndarray:
    """:func:`_ks_lower_fast` on one chunk of ranges (``fast``: :func:`_exp_ok` of all of them)."""
    lo = sample.cum[ia]
    hi = sample.cum[ib + 1]
    # test points along axis 0 and ranges along axis 1 (the long axis innermost: numpy's
    # loops over rows of nq would be short)
    nt = (hi - lo).astype(float)
    q = (np.arange(nq) + 0.5) / nq
    pos = lo + (q[:, None] * (hi - lo)).astype(np.int64)
    ui = sample.pos_u[pos]
    v = sample.uf[ui]

    def bounds(al):
        r = np.where(al >= 0.0, a, b)
        la = np.log1p((a - r) / r)
        lb = np.log1p((b - r) / r)
        lv = np.log1p((v - r) / r)
        z_lo, z_hi, _ = _sum_bounds(al, a, b, r, la, lb)
        t_lo, t_hi, fv = _sum_bounds(al, v, b, r, lv, lb)
        return z_lo, z_hi, t_lo, t_hi, fv

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if alpha_hi is None:
            z_lo, z_hi, t_lo, t_hi, fv = bounds(alpha)
            shrink = 1.0 / z_hi
        else:  # one scale r for both ends (any r > 0 gives valid bounds; r cancels in t / z)
            if z is None:
                z = _z_bounds(alpha, alpha_hi, a, b)
            r, lb, z_lo, z_hi = z
            lv = np.log(v / r)
            ecb = np.exp((1.0 - alpha) * lb) if fast else None
            t_lo, t_hi, fv = _sum_both(alpha, v, b, lv, lb, ecb=ecb, r=r)
            # at alpha_hi: every term (k/r)^-alpha of [v, b] shrinks by at most (b/r)^-(alpha_hi - alpha)
            shrink = np.exp(-(alpha_hi - alpha) * lb) / z_hi
        # the bounds of S(v) and S(v + 1): the upper ones at alpha, the lower ones at alpha_hi
        # (t over [v, b], t - fv over [v + 1, b]; per range, 1 / z_lo and the shrink over z_hi)
        inv = 1.0 / z_lo
        s_hi0, s_hi1 = np.minimum(t_hi * inv, 1.0), np.minimum((t_hi - fv) * inv, 1.0)
        s_lo0, s_lo1 = np.maximum(t_lo, 0.0) * shrink, np.maximum(t_lo - fv, 0.0) * shrink
        inv = 1.0 / nt
        e0 = (hi - sample.cum[ui]) * inv
        e1 = (hi - sample.cum[ui + 1]) * inv
        g0 = np.maximum(e0 - s_hi0, s_lo0 - e0)
        g1 = np.maximum(e1 - s_hi1, s_lo1 - e1)
    g1 = np.where(v < b, g1, 0.0)
    out = np.maximum(g0, g1).max(axis=0)
    out[~np.isfinite(out)] = 0.0
    return np.maximum(out, 0.0)


#: Relative allowance for rounding in the bounds of the mean of log(X / a).
_ROUND = 1e-9


def _mean_log_bounds(alpha, a, b, lam, sums: bool = False):
    """Bounds of E_alpha[log(X / a)] of the TPL on [a, b]: the sums of (k/r)^-alpha and of
    (k/r)^-alpha log(k/a) each between its integral (closed form) and that plus or minus
    the largest term (at most 1 and lam: r = a for alpha >= 0, else b, so that every
    (k/r)^-alpha is at most 1; the second summand is monotone or unimodal), or by the
    trapezoid rule with its error bound (max |second derivative| / 12 per unit step).
    With ``sums``, also the lower and upper bounds of the normaliser sum_{k=a}^{b} (k/r)^-alpha
    (those of :func:`_z_bounds` at alpha, by the same arithmetic)."""
    neg = alpha < 0.0
    c = 1.0 - alpha
    zero = c == 0.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # the only transcendentals: P = (b/a)^alpha and expm1((1 - alpha) lam); every
        # (k/r)^-alpha at the ends is 1, P (alpha < 0: (a/b)^-alpha) or 1 / P (alpha >= 0)
        p = np.exp(alpha * lam)
        em = np.expm1(c * lam)
        ip = 1.0 / p
        # the sum of (k/r)^-alpha over [a, b] (the arithmetic of _sum_bounds at x = a, y = b)
        anyneg = bool(neg.any())  # (the branches of negative exponents and of small |x| only where needed)
        fx = np.where(neg, p, 1.0) if anyneg else 1.0
        fy = np.where(neg, 1.0, ip) if anyneg else ip
        if zero.any():
            g = np.where(zero, lam, em / np.where(zero, 1.0, c))
        else:
            g = em / c
        zint = a * fx * g
        fmax = np.maximum(fx, fy)
        curv = np.abs(alpha * (alpha + 1.0))
        a12 = 12.0 * a * a
        zerr = (b - a) * curv * fmax / a12
        ztrap = zint + 0.5 * (fx + fy)
        z_lo = np.maximum(zint + np.minimum(fx, fy), ztrap - zerr)
        z_hi = np.minimum(zint + fmax, ztrap + zerr)
        x = c * lam
        small = np.abs(x) < 0.05
        if small.any():
            xs = np.where(small, x, 0.0)
            series = 1 / 2 + xs * (1 / 3 + xs * (1 / 8 + xs * (1 / 30 + xs * (1 / 144 + xs * (1 / 840 + xs / 5760)))))
            xd = np.where(small, 1.0, x)
            phi = np.where(small, series, ((em + 1.0) * (xd - 1.0) + 1.0) / (xd * xd))
        else:
            phi = ((em + 1.0) * (x - 1.0) + 1.0) / (x * x)
        integral = a * lam * lam * phi
        if anyneg:
            integral = np.where(neg, a * ((b / a) * (x - 1.0) + p) / (c * c), integral)
        # the trapezoid rule for h = f log(k/a): h(a) = 0, h(b) = f(b) lam, and
        # |h''| <= (|alpha (alpha + 1)| lam + 2 |alpha| + 1) max f / a^2
        fb = fy
        trap = integral + 0.5 * fb * lam
        err = (b - a) * (curv * lam + 2.0 * np.abs(alpha) + 1.0) * fmax / a12
        n_lo = np.maximum(np.maximum(integral - lam, trap - err), 0.0)
        n_hi = np.minimum(integral + 2.0 * lam, trap + err)
        e_lo = n_lo / z_hi * (1.0 - _ROUND)
        e_hi = n_hi / np.maximum(z_lo, 0.0) * (1.0 + _ROUND)
    if sums:
        return e_lo, e_hi, z_lo, z_hi
    return e_lo, e_hi


def _decide_unsolved(sample: _Sample, pairs, ks_obs: float, hints=None):
    """The decision of :func:`_decide` without the exponents of most ranges: each range's
    exponent is bracketed (around the continuous-approximation guess, the bracket checked
    with :func:`_mean_log_bounds`: the mean of log X decreases as alpha grows), the ranges
    whose bounds over the whole bracket reach ``ks_obs`` are set aside, and only the others
    are solved and get their exact distances. Returns 0.0, 1.0, or None (too many left, or
    too close to call: the caller prepares the whole search)."""
    ia, ib, a, b = pairs
    n_tail = sample.cum[ib + 1] - sample.cum[ia]
    u0 = sample.uf[0]
    # (np.log rather than log1p: numpy vectorises it)
    mrel = (sample.cumlog[ib + 1] - sample.cumlog[ia]) / n_tail - np.log(a / u0)
    lam = np.log(b / a)
    guess = _alpha_guess(mrel, a, b)
    lo_a, hi_a, ok = guess.copy(), guess.copy(), np.zeros(ia.size, dtype=bool)
    zs_lo, zs_hi = np.empty(ia.size), np.empty(ia.size)  # the normaliser's bounds at lo_a
    todo = np.arange(ia.size)
    for rel in (1e-5, 1e-2):  # a narrow bracket where it holds, else a wider one
        g = guess[todo]
        delta = rel * (1.0 + np.abs(g))
        lo_t, hi_t = g - delta, g + delta
        at, bt, lt, mt = a[todo], b[todo], lam[todo], mrel[todo]
        e_lo, _, zl_t, zh_t = _mean_log_bounds(lo_t, at, bt, lt, sums=True)
        ok_t = (e_lo > mt) & (_mean_log_bounds(hi_t, at, bt, lt)[1] < mt)
        done = todo[ok_t]
        lo_a[done], hi_a[done], ok[done] = lo_t[ok_t], hi_t[ok_t], True
        zs_lo[done], zs_hi[done] = zl_t[ok_t], zh_t[ok_t]
        todo = todo[~ok_t]
        if not todo.size:
            break
    hi = ks_obs + _KS_MARGIN
    lo = ks_obs - WITNESS_MARGIN
    lb = np.zeros(ia.size)
    keep = np.flatnonzero(ok)
    z = _z_from_sums(lo_a[keep], hi_a[keep], a[keep], b[keep], lam[keep], zs_lo[keep], zs_hi[keep])
    z_at = np.zeros(ia.size, dtype=np.int64)
    z_at[keep] = np.arange(keep.size)
    for rnd, nq in enumerate(_UNSOLVED_ROUNDS):
        if not keep.size:
            break
        zk = tuple(w[z_at[keep]] for w in z)
        lb[keep] = np.maximum(lb[keep], _ks_lower_fast(sample, ia[keep], ib[keep], lo_a[keep], a[keep], b[keep], nq,
                                                       alpha_hi=hi_a[keep], z=zk))
        keep = keep[lb[keep] < hi]
        # the ranges with the smallest bounds, measured: a witness ends it early
        if rnd in _PROBE_AT and keep.size > _PROBE:
            sel = keep[_smallest(lb[keep], _PROBE)]
            d = _ks_exact(sample, ia[sel], ib[sel], _solve_alpha(mrel[sel], a[sel], b[sel], lam[sel]),
                                a[sel], b[sel])
            if float(np.nanmin(d)) < lo:
                if hints is not None:
                    i = sel[int(np.nanargmin(d))]
                    remember(hints, float(a[i]), float(b[i]))
                return 0.0
    left = np.flatnonzero(lb < hi)  # (every range without a checked bracket among them)
    if left.size > _UNSOLVED_MAX:
        return None
    if not left.size:
        return 1.0
    left = left[np.argsort(lb[left], kind="stable")]
    alpha = _solve_alpha(mrel[left], a[left], b[left], lam[left])
    cap = max(1, 2_000_000 // (int((ib[left] - ia[left]).max()) + 1))
    dmin, i, step = math.inf, 0, 8
    while i < left.size:  # in increasing order of bound, in doubling blocks: a witness ends it early
        t = slice(i, i + min(step, cap))
        sel = left[t]
        dd = _ks_exact(sample, ia[sel], ib[sel], alpha[t], a[sel], b[sel])
        d = float(np.min(dd))
        if d < lo:
            if hints is not None:
                i = sel[int(np.nanargmin(dd))]
                remember(hints, float(a[i]), float(b[i]))
            return 0.0
        dmin = min(dmin, d)
        i, step = t.stop, step * 2
    return 1.0 if dmin >= hi + WITNESS_MARGIN else None


#: The rounds of :func:`_decide_unsolved`: test points per range.
_UNSOLVED_ROUNDS = (2, 4, 8, 16, 64)
#: After some rounds, :func:`_decide_unsolved` measures this many ranges of smallest bound.
_PROBE = 16
#: ... after these rounds (indices into _UNSOLVED_ROUNDS): after the round of 8 test points, whose
#: bounds rank the ranges well enough that a witness is among the smallest (earlier rounds
#: rank them poorly; later, most replicates left are at least the observed distance). 5 to 8 %
#: less time over the VGG-16's layers than probing after the first round.
_PROBE_AT = (2,)
#: :func:`_decide_unsolved` gives up when more ranges than this are left to solve.
_UNSOLVED_MAX = 2000
