r"""Maximum-likelihood exponents of the discrete TPL on given ranges.

On a range :math:`[a, b]` the log-likelihood of the exponent is concave; its maximum is the
root of the score equation :math:`\overline{\log x} = E_\alpha[\log X]`, unique because the
right-hand side decreases strictly in :math:`\alpha` (its derivative is minus the variance
of :math:`\log X`). Two solvers find it, for many ranges at once:

* :func:`_solve_alpha`, the general one: a safeguarded (bracketed) Halley iteration from
  the exponent of the continuous approximation (:func:`_alpha_guess`), on the sums of
  :math:`k^{-\alpha} (\log k)^j`, :math:`j \le 3`, of :mod:`netgraph.tpl._sums` (O(1) per
  sum whatever the length of the range), prepared once and evaluated again at each
  iterate; two evaluations usually suffice. :func:`tpl_alpha_mle` uses it.
* :func:`_solve_alpha_direct`, for grids of candidate ranges that span few integers (most
  dense layers): per candidate :math:`x_{\min}`, tables of cumulative direct sums at one
  centre exponent, and the sums at any nearby exponent from their Taylor series in the
  change of alpha, on which the same Halley steps run. The range search
  (:meth:`netgraph.tpl.search._Search._solve`) gives it what it can serve and the rest to
  the general solver.
"""

from __future__ import annotations

import math

import numpy as np

from netgraph.exceptions import FitError, InvalidParameterError
from netgraph.tpl._sums import CHUNK, Sums, powers
from netgraph.tpl.ks import _ends_bound
from netgraph.utils.check import check_int, check_integers, check_real

__all__ = ["tpl_alpha_mle"]

#: Relative tolerance of alpha.
_ALPHA_TOL = 1e-13
#: The direct solver (:func:`_solve_alpha_direct`): Taylor terms in the change of alpha
#: (powers 0.._DIRECT_TERMS - 1), the largest |alpha - centre| log(b / a) it serves, and
#: the one its centres aim at.
_DIRECT_TERMS = 17
_DIRECT_RADIUS = 0.75
_DIRECT_AIM = 0.5
#: 1 / m! for the Taylor terms of :func:`_solve_alpha_direct` (a column).
_INV_FACT = np.array([1.0 / math.factorial(m) for m in range(_DIRECT_TERMS)])[:, None]


def _guess_table(size=2048):
    """The inverse of h(c) = E[S] for the density proportional to exp(c s) on [0, 1]
    (h(c) = 1 / (1 - exp(-c)) - 1 / c), as the correction d(t) = c(t) - (1 / (1 - t) - 1 / t)
    to an approximation exact at both ends, tabulated at t = i / size (Newton's method)."""
    t = np.arange(1, size) / size
    c = 1.0 / (1.0 - t) - 1.0 / t
    with np.errstate(all="ignore"):
        for _ in range(60):
            small = np.abs(c) < 1e-4
            h = np.where(small, 0.5 + c / 12.0, 1.0 / -np.expm1(-c) - 1.0 / c)
            dh = np.where(small, 1.0 / 12.0, 1.0 / c**2 - 0.25 / np.sinh(0.5 * c) ** 2)
            c = c - (h - t) / dh
    d = c - (1.0 / (1.0 - t) - 1.0 / t)
    return np.concatenate([[0.0], t, [1.0]]), np.concatenate([[-1.0], d, [1.0]])


_GUESS_T, _GUESS_D = _guess_table()


def _alpha_guess(mrel, a, b):
    """Starting exponents: the ML exponent of the continuous power law on
    [a - 1/2, b + 1/2] (log X is then a truncated exponential), from a table of the
    inverse of its mean (error about 1e-6 in alpha log(b / a)); 1 where that fails."""
    a2 = a - 0.5
    lam = np.log((b + 0.5) / a2)
    t = (mrel + np.log(a / a2)) / lam  # in (0, 1)
    with np.errstate(all="ignore"):
        c = 1.0 / (1.0 - t) - 1.0 / t + np.interp(t, _GUESS_T, _GUESS_D)
        alpha = 1.0 - c / lam
    return np.where(np.isfinite(alpha), alpha, 1.0)


# ---------------------------------------------------------------------------------------
# The general solver: Halley steps on the Euler-Maclaurin sums
# ---------------------------------------------------------------------------------------
def _solve_alpha(mrel, a, b, lam, alpha0=None, tol=_ALPHA_TOL, maxiter=200, normalizer=False, ends=None):
    """Maximum-likelihood exponents of many ranges at once.

    Solves ``E_alpha[log(X / a)] = mrel`` on each range ``[a, b]`` (arrays of floats),
    ``lam = log(b / a)``, ``0 < mrel < lam``: E is strictly decreasing in alpha (its
    derivative is minus the variance of log X), so the root is unique. Safeguarded Halley
    iteration (:func:`_halley_step`; cubic convergence: the sums of k^-alpha (log k)^j,
    j <= 3, give the first three cumulants of log X) from ``alpha0``, by default the
    continuous-approximation exponents of :func:`_alpha_guess`. A bracket [lo, hi] of the
    root is kept for each range, and a step that leaves it is replaced by bisection (or,
    while the bracket is open on one side, by doubling). A range is done once the
    predicted error after its step, ``lam^2 |step|^3`` (the third and fourth cumulants of
    a variable spread over an interval of length ``lam`` are at most ``lam`` and
    ``1.75 lam^2`` times its variance), is below ``tol / 10`` of ``1 + |alpha|`` (and the
    step below 1 % of it), or once its bracket is narrower than ``tol (1 + |alpha|)``.

    The sums are prepared once (:class:`_PreparedSums`) and evaluated again at each
    iterate while they serve it; from the continuous-approximation start two evaluations
    usually suffice. More than CHUNK ranges are solved CHUNK at a time.

    With ``normalizer=True`` also returns ``(neg, z, lb)``: which ranges were summed on the
    scale r = b (else r = a), ``z = sum_{k=a}^{b} (k/r)^-alpha`` at the returned alpha (from
    the cumulants at the last iterate when its step was small, else NaN; a tuple of the
    arguments of :func:`_normalizer` while not needed yet), and ``lb``, lower bounds of the KS
    distances of the fits from the CDFs at the first integers of each range, given
    ``ends = (femp, valid, ell)`` (see :func:`netgraph.tpl.ks._ends_bound`; None when not all
    ranges converged together, or when they were solved in chunks). They use the
    normalisers of the last evaluation, exact at its exponents: the distance at the
    returned exponent differs by at most |change of alpha| lam / 4 (the derivative of a
    CCDF with respect to alpha is a covariance with log X, at most lam / 4), which the
    bound subtracts.
    """
    alpha = _alpha_guess(mrel, a, b) if alpha0 is None else np.array(alpha0, dtype=float)
    if mrel.size > CHUNK:
        return _solve_alpha_chunks(mrel, a, b, lam, alpha, tol, maxiter, normalizer)
    r_out = z_out = lb = None
    lo = hi = None  # the brackets (the first iteration opens them)
    act = None  # the ranges still iterating (None: all)
    al, aa, bb, la, mr = alpha, a, b, lam, mrel
    evaluate = _PreparedSums()
    for _ in range(maxiter):
        t, r_neg = evaluate(alpha, act, al, aa, bb)
        if act is None:
            lo_p, hi_p = (-np.inf, np.inf) if lo is None else (lo, hi)
        else:
            lo_p, hi_p = lo[act], hi[act]
        nxt, lo_a, hi_a, done, m1, var, k3 = _halley_step(t, al, mr, la, r_neg, lo_p, hi_p, tol)
        if act is None:
            alpha, lo, hi = nxt, lo_a, hi_a
            if done.all():
                if normalizer:
                    r_out, z_out = r_neg, (t[0], m1, var, k3, nxt - al, la, done)  # z when asked
                    if ends is not None:
                        lb = _ends_bound(al, t[0], r_neg, la, ends, np.abs(nxt - al) * la)
                break
            if not done.any():
                al = alpha
                continue
            if normalizer:
                r_out, z_out = r_neg.copy(), _normalizer(t[0], m1, var, k3, nxt - al, la, done)
            act = np.flatnonzero(~done)
        else:
            alpha[act] = nxt
            lo[act] = lo_a
            hi[act] = hi_a
            if normalizer:
                r_out[act] = r_neg
                z_out[act] = _normalizer(t[0], m1, var, k3, nxt - al, la, done)
            act = act[~done]
            if not act.size:
                break
        al, aa, bb, la, mr = alpha[act], a[act], b[act], lam[act], mrel[act]
    return (alpha, (r_out, z_out, lb)) if normalizer else alpha


def _solve_alpha_chunks(mrel, a, b, lam, alpha, tol, maxiter, normalizer):
    """:func:`_solve_alpha` on more than CHUNK ranges, CHUNK at a time, from the exponents
    ``alpha`` (overwritten); the normalisers computed, no KS bounds."""
    n = mrel.size
    rz = (np.empty(n, dtype=bool), np.empty(n))
    for i in range(0, n, CHUNK):
        sl = slice(i, i + CHUNK)
        res = _solve_alpha(mrel[sl], a[sl], b[sl], lam[sl], alpha[sl], tol, maxiter, normalizer)
        if normalizer:
            alpha[sl], (rz[0][sl], z, _) = res
            rz[1][sl] = _normalizer(*z) if isinstance(z, tuple) else z
        else:
            alpha[sl] = res
    return (alpha, rz + (None,)) if normalizer else alpha


class _PreparedSums:
    """The sums T_j = sum_{k=a}^{b} (k/r)^-alpha log(k/r)^j, j = 0..3, at the iterates of
    :func:`_solve_alpha`.

    The sums are prepared (:class:`netgraph.tpl._sums.Sums`, with room for nearby
    exponents) over the ranges still iterating, on the scale r = b for negative exponents
    and r = a otherwise, and evaluated again at the later iterates while they serve them
    and while those ranges are at least half of the prepared ones (the ranges done
    meanwhile are evaluated at their final exponent); else they are prepared again over
    the ranges left.
    """

    def __init__(self):
        self.sums = None
        self.rows = None  # the ranges prepared (None: all)
        self.neg = None  # which of them are on the scale r = b

    def __call__(self, alpha, act, al, aa, bb):
        """``(T, neg)`` at ``al = alpha[act]`` (``act`` None: every range) on the ranges [aa, bb]."""
        sums = self.sums
        if sums is not None and 2 * al.size >= sums.n:
            # the prepared sums serve all their ranges (the done ones at their final alpha)
            t = sums(alpha if self.rows is None else alpha[self.rows])
            if t is not None:
                if al.size < sums.n:
                    pos = act if self.rows is None else np.searchsorted(self.rows, act)
                    return t[:, pos], self.neg[pos]
                return t, self.neg
        neg = al < 0.0
        self.sums = Sums(al, aa, bb, np.where(neg, bb, aa), 3, slack=0.5)
        self.rows, self.neg = act, neg
        return self.sums(al, check=False), neg


def _halley_step(t, al, mr, la, neg, lo, hi, tol):
    """One safeguarded Halley step of :func:`_solve_alpha` from the sums ``t`` at ``al``.

    ``mr`` and ``la`` are the ranges' ``mrel`` and ``lam``, ``neg`` which sums are on the
    scale r = b, ``[lo, hi]`` the brackets so far (infinite before the first step).
    Returns the next iterates, the new brackets, which ranges are done, and the mean,
    variance and third cumulant of log(X / r) at ``al``.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m1, m2, m3 = t[1:] / t[0]
        var = m2 - m1 * m1
        k3 = m3 - m1 * (3.0 * m2 - 2.0 * m1 * m1)
        g = m1 - mr  # E[log X/a] - mean, decreasing in alpha
        if neg.any():
            g += np.where(neg, la, 0.0)
        den = 2.0 * var * var - g * k3
        step = 2.0 * g * var / den  # Halley
        if not (den > 0.0).all():
            step = np.where(den > 0.0, step, g / var)  # Newton
        nxt = al + step
        up = g > 0.0
        lo_a = np.where(up, al, lo)
        hi_a = np.where(up, hi, al)
        s1 = 1.0 + np.abs(al)
        astep = np.abs(step)
        dl = la * astep
        done = (dl * dl * astep <= (0.1 * tol) * s1) & (astep <= 0.01 * s1)  # converged
        ok = (nxt > lo_a) & (nxt < hi_a) & (var > 0.0)
        if not ok.all():
            done &= var > 0.0
            fin_lo = np.isfinite(lo_a)
            fin_hi = np.isfinite(hi_a)
            fallback = np.where(
                fin_lo & fin_hi, 0.5 * (lo_a + hi_a),
                np.where(fin_lo, lo_a + np.maximum(1.0, np.abs(lo_a)), hi_a - np.maximum(1.0, np.abs(hi_a))),
            )
            nxt = np.where(ok | done, nxt, fallback)
            zero = g == 0.0
            nxt = np.where(zero, al, nxt)
            done |= zero
        if not done.all():
            done |= hi_a - lo_a <= tol * s1
    return nxt, lo_a, hi_a, done, m1, var, k3


def _normalizer(t0, m1, var, k3, d, lam, done):
    """z = sum_{k=a}^{b} (k/r)^-alpha at alpha + d from the sum and the cumulants of log(X/r)
    at alpha: log z(alpha + d) = log z(alpha) + K(-d), K the cumulant generating function,
    exact to d^4 kappa_4 / 24 <= 0.08 (d lam)^4 of it; NaN where |d| lam > 1e-4 or not done."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = t0 * np.exp(d * (-m1 + d * (0.5 * var - d * k3 * (1.0 / 6.0))))
    return np.where(done & (np.abs(d) * lam <= 1e-4), z, np.nan)


# ---------------------------------------------------------------------------------------
# The direct solver: tables of direct sums, Taylor series in the change of alpha
# ---------------------------------------------------------------------------------------
def _direct_cells(low, b) -> int:
    """Table cells :func:`_solve_alpha_direct` needs for tables starting at ``low`` and ends ``b``."""
    return (_DIRECT_TERMS + 3) * low.size * int(float(b.max()) - float(low.min()) + 1.0)


def _solve_alpha_direct(low, row, high, col, b, mrel, lam, budget, guess=None, tol=_ALPHA_TOL, maxiter=8):
    """Maximum-likelihood exponents of a grid of ranges by direct sums, expanded in alpha.

    The ranges are ``[low[row], b]``, ``b = high[col]``: few distinct lower ends (the rows
    of the grid of candidate pairs, ``low`` increasing), each with many upper ends (the
    columns, ``high`` increasing from the smallest column in ``col`` on). For each row the
    sums R_i(b) = sum_{k=a}^{b} (k/a)^-c log(k/a)^i, i = 0..19, at one exponent c
    (the row's centre, or one per group of the row's ranges when their starting guesses
    are too far apart for one: :func:`_direct_centres`) are tabulated for every b at once
    (:func:`_direct_tables`: cumulative sums over the integers, exact direct sums, no
    approximation). At any exponent alpha = c + d,

        T_j = sum_{k=a}^{b} (k/a)^-alpha log(k/a)^j = sum_m (-d)^m / m! R_{m+j},

    the Taylor series of exp(-d log(k/a)) summed term by term. With |d| log(b/a) <= 0.75
    the 17 terms kept leave a remainder below 1e-17 of T_j, and the alternating terms
    (d > 0) lose at most a factor exp(1.5) ~ 4.5 to rounding. Each evaluation is then one
    small contraction, whatever the length of the ranges, and Halley steps with the
    convergence test of :func:`_solve_alpha` run on it (:func:`_direct_iterate`).

    Returns None when the tables would take more than ``budget`` cells (see
    :func:`_direct_cells`), else ``(alpha, z, served)``: ``z = sum_{k=a}^{b} (k/a)^-alpha`` at the returned
    alpha (scale r = a for every range, negative exponents included), and which ranges
    were solved (those whose iterates stayed within 0.75 / log(b/a) of their row's
    centre, whose centre keeps the table finite, and that converged in ``maxiter``
    steps). Starting exponents ``guess`` default to :func:`_alpha_guess`; a range that
    left its centre's reach keeps its last iterate in ``alpha``, a better start for
    another call (see :meth:`netgraph.tpl.search._Search._solve`).
    """
    if guess is None:
        guess = _alpha_guess(mrel, low[row], b)
    low, row, centre = _direct_centres(low, row, high, lam, guess)
    if _direct_cells(low, high) > budget:
        return None
    s, row_ok = _direct_tables(low, row, col, high, centre)
    return _direct_iterate(s, centre[row], row_ok[row].copy(), guess, mrel, lam, tol, maxiter)


def _direct_centres(low, row, high, lam, guess):
    """The centre exponents of :func:`_solve_alpha_direct`: ``(low, row, centre)`` of the
    groups of pairs that share one table (the lower end of each group, each pair's group).

    A row's centre lies inside [g - aim / lam, g + aim / lam] for every pair's guess g when
    those intervals meet; else the row's pairs are split by their guess into bins of width
    2 aim / log(top / a) (no narrower than their intervals), one centre per bin.
    """
    n = row.size
    change = np.flatnonzero(row[1:] != row[:-1]) + 1  # pairs are ordered by row
    starts = np.empty(change.size + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = change
    top = float(high.max())
    reach = _DIRECT_AIM / lam
    lo_c = np.maximum.reduceat(guess - reach, starts)
    hi_c = np.minimum.reduceat(guess + reach, starts)
    single = lo_c <= hi_c
    rid = np.zeros(n, dtype=np.int64)  # the pair's row among those present
    rid[change] = 1
    np.cumsum(rid, out=rid)
    p_row = row[starts]
    if single.all():
        return low[p_row], rid, 0.5 * (lo_c + hi_c)
    binw = 2.0 * _DIRECT_AIM / np.log1p((top - low[p_row]) / low[p_row])
    gmin = np.minimum.reduceat(guess, starts)
    bins = np.where(single[rid], 0.0, np.floor((guess - gmin[rid]) / binw[rid])).astype(np.int64)
    nbin = int(bins.max()) + 1
    keys, grp = np.unique(rid * nbin + bins, return_inverse=True)
    g_rid, g_bin = np.divmod(keys, nbin)
    centre = np.where(single[g_rid], 0.5 * (lo_c + hi_c)[g_rid], gmin[g_rid] + (g_bin + 0.5) * binw[g_rid])
    return low[p_row[g_rid]], grp, centre


def _direct_tables(low, row, col, high, centre):
    """The sums R_i(b), i = 0.._DIRECT_TERMS + 2, of :func:`_solve_alpha_direct` for each pair
    (an array (_DIRECT_TERMS + 3, pairs)), and which groups' centres keep the table finite.

    The terms (k/a)^-c log(k/a)^i for k >= a of each group are summed between consecutive
    ends and then cumulated: R[i, group, e] is the sum over k <= ends[e].
    """
    nterm = _DIRECT_TERMS
    nrow = low.size
    a0 = float(low[0])
    c0 = int(col.min())  # the columns from c0 on all hold pairs (row 0 pairs with each)
    ends = high[c0:]
    col = col - c0
    top = float(ends[-1])
    width = int(top - a0) + 1
    lam_row = np.log1p((top - low) / low)
    row_ok = np.abs(centre) * lam_row <= 300.0  # (k/a)^-c stays far from overflow
    k = a0 + np.arange(width, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ell = np.log1p((k[None, :] - low[:, None]) / low[:, None])
        inside = k[None, :] >= low[:, None]
        ell = np.where(inside, ell, 0.0)
        w = np.exp(-np.where(row_ok, centre, 0.0)[:, None] * ell)
    w *= inside
    table = powers(ell.ravel(), nterm + 3, w.ravel())  # (k/a)^-c log(k/a)^i
    cut = np.empty(ends.size, dtype=np.int64)
    cut[0] = 0
    cut[1:] = (ends[:-1] - a0).astype(np.int64) + 1
    table = np.add.reduceat(table.reshape((nterm + 3) * nrow, width), cut, axis=1)
    np.cumsum(table, axis=1, out=table)
    return table.reshape(nterm + 3, nrow, ends.size)[:, row, col], row_ok


def _direct_iterate(s, c, served, guess, mrel, lam, tol, maxiter):
    """The Halley iteration of :func:`_solve_alpha_direct` on the tabulated sums ``s`` about
    the centres ``c``, from ``guess`` (``served``: which pairs' tables are finite); its
    ``(alpha, z, served)``."""
    nterm = _DIRECT_TERMS
    n = s.shape[1]
    # h[j, m] = R_{m+j}: a view of s with overlapping rows (nothing copied)
    h = np.lib.stride_tricks.as_strided(s, shape=(4, nterm, n), strides=(s.strides[0],) + s.strides,
                                        writeable=False)
    alpha = np.where(served, guess, c)
    done = ~served
    lim = _DIRECT_RADIUS / lam
    t = None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(maxiter):
            served &= np.abs(alpha - c) <= lim
            done |= ~served
            if done.all():
                break
            at = alpha
            dpow = powers(c - alpha, nterm)
            dpow *= _INV_FACT  # (-d)^m / m!
            t = np.einsum("mp,jmp->jp", dpow, h)
            m1, m2, m3 = t[1:] / t[0]
            var = m2 - m1 * m1
            k3 = m3 - m1 * (3.0 * m2 - 2.0 * m1 * m1)
            g = m1 - mrel
            den = 2.0 * var * var - g * k3
            step = np.where(den > 0.0, 2.0 * g * var / den, g / var)
            astep = np.abs(step)
            s1 = 1.0 + np.abs(alpha)
            dl = lam * astep
            conv = (dl * dl * astep <= (0.1 * tol) * s1) & (astep <= 0.01 * s1)
            bad = ~(var > 0.0) | ~np.isfinite(step)
            served &= ~bad
            alpha = np.where(done | bad, alpha, alpha + step)
            done |= conv | bad
        served &= done & (np.abs(alpha - c) <= lim)
        if t is None:  # no range within reach
            return alpha, np.full(n, np.nan), served
        # z at the returned alpha from the last evaluation, at ``at`` (alpha itself for the
        # ranges done before it): log z moves by the cumulant generating function of
        # log(X/a), exact to 0.08 (d lam)^4 (see _normalizer); directly where d is larger
        d = alpha - at
        z = t[0] * np.exp(d * (-m1 + d * (0.5 * var - d * k3 * (1.0 / 6.0))))
        far = np.flatnonzero(np.abs(d) * lam > 1e-4)
        if far.size:
            z[far] = np.einsum("mp,mp->p", powers(c[far] - alpha[far], nterm) * _INV_FACT, s[:nterm, far])
    return alpha, z, served


# ---------------------------------------------------------------------------------------
# The public function
# ---------------------------------------------------------------------------------------
def tpl_alpha_mle(data, xmin, xmax, *, tol=_ALPHA_TOL) -> float:
    r"""Maximum-likelihood exponent of the discrete TPL on ``[xmin, xmax]``.

    The values of ``data`` inside ``[xmin, xmax]`` are used (the others are left out, as
    in the range search). The log-likelihood is concave in :math:`\alpha`; its maximum is
    the root of the score equation

    .. math::

       \frac{1}{n} \sum_i \log x_i = E_\alpha[\log X]
       = \frac{\sum_{k} k^{-\alpha} \log k}{\sum_{k} k^{-\alpha}},

    solved by a safeguarded Halley iteration (a bracket of the root is kept; a step that
    leaves it is replaced by bisection) from the exponent of the continuous approximation,
    on exact sums of :math:`k^{-\alpha} (\log k)^j`, :math:`j \le 3` (Euler-Maclaurin
    summation: no continuous or rounding approximation of the normaliser), in O(1)
    whatever the length of the support.

    Parameters
    ----------
    data : array_like of int
        Non-negative integers (degrees).
    xmin, xmax : int
        The range, ``1 <= xmin < xmax``.
    tol : float, default 1e-13
        Relative tolerance on alpha.

    Returns
    -------
    float
        The exponent; any real number (negative when the data rise towards ``xmax``).

    Raises
    ------
    InvalidParameterError
        On bad data (negative, non-integer, NaN, empty) or a bad range.
    FitError
        If the range holds no data, or only values equal to ``xmin`` (the likelihood
        grows without bound as alpha goes to +infinity) or only values equal to ``xmax``
        (alpha to -infinity).

    See Also
    --------
    TruncatedPowerLaw : Searches the range as well.

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL, tpl_alpha_mle
    >>> x = DiscreteTPL(2.5, 1, 1000).sample(100_000, seed=0)
    >>> round(tpl_alpha_mle(x, 1, 1000), 2)
    2.5
    >>> round(tpl_alpha_mle([1, 2, 2, 3, 3, 3], 1, 3), 9)  # frequencies proportional to x
    -1.0
    """
    deg = check_integers(data, "data")
    xmin = check_int(xmin, "xmin", minimum=1)
    xmax = check_int(xmax, "xmax")
    if xmax <= xmin:
        raise InvalidParameterError(f"xmax must be larger than xmin = {xmin}; got {xmax!r}")
    tol = check_real(tol, "tol", minimum=0, open_minimum=True, finite=False)
    x = deg[(deg >= xmin) & (deg <= xmax)]
    if x.size == 0:
        raise FitError(f"no data in [{xmin}, {xmax}]")
    if np.all(x == xmin):
        raise FitError(f"every value in [{xmin}, {xmax}] equals xmin: the likelihood grows without bound as alpha -> +inf")
    if np.all(x == xmax):
        raise FitError(f"every value in [{xmin}, {xmax}] equals xmax: the likelihood grows without bound as alpha -> -inf")
    a = float(xmin)
    b = float(xmax)
    mrel = np.log1p((x - a) / a).mean()
    alpha = _solve_alpha(np.array([mrel]), np.array([a]), np.array([b]), np.array([math.log1p((b - a) / a)]),
                         tol=tol)
    return float(alpha[0])
