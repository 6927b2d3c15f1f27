"""Kolmogorov-Smirnov distances of fitted TPLs and their cheap lower bounds (private).

The distance of a fit on [a, b] is taken over *every* integer of the range, as in Hou &
Kwok's formula, and obtained exactly in two ways: :func:`_ks_exact_dense`, for a short
range, from both CCDFs at every integer; :func:`_ks_exact_pairs` (through
:func:`_ks_padded`), for a long one, from the model CCDF at each observed value ``v`` and
at ``v + 1`` (between two observed values the empirical CCDF is constant and the model's
decreasing, so the largest gap sits at one of those points), the sums over the gaps by
:func:`netgraph.tpl._sums.partial_sums`.

The range search (:mod:`netgraph.tpl.search`) prunes with lower bounds first:
:func:`_ks_ends` (the CCDFs at the integers next to one end of each range),
:func:`_ends_bound` (the same at the bottom ends, from the solver's last evaluation) and
:func:`_ks_lower` (the gaps at quantiles of each range). :class:`_Sample` is the layout of
the degrees all of them read: sorted, distinct positive values, prefix counts and sums of
logarithms, and (for supports of up to 2**20 integers) a table of the number of degrees
below each integer.
"""

from __future__ import annotations

import numpy as np

from netgraph.tpl._sums import CHUNK, matmul, partial_sums

__all__: list[str] = []

#: Samples whose positive degrees span at most this many integers get a table of the
#: number of degrees below each integer (the KS bounds at the ends of the ranges).
_BELOW_TABLE = 1 << 20


def _ks_padded(alpha, a, b, v, cge, valid, n_tail):
    """KS distance over every integer of [a, b] for P fitted ranges (exact).

    ``v`` (P, L): the distinct observed values of each range in increasing order, padded
    on the right by repeating the last one; ``cge`` (P, L): the number of observations
    >= v; ``valid`` (P, L): which entries are real. Between two observed values the
    empirical CCDF is constant and the model's decreasing, so the largest gap over every
    integer sits at an observed value v or at v + 1 (below the smallest observed value
    both CCDFs are 1 at ``a``; above the largest the empirical one is 0).
    """
    p = alpha.size
    r = np.where(alpha >= 0.0, a, b)
    wv = np.exp(-alpha[:, None] * np.log1p((v - r[:, None]) / r[:, None]))
    wv[~valid] = 0.0
    gap_lo = v[:, :-1] + 1.0
    gap_hi = v[:, 1:] - 1.0
    gaps = np.zeros_like(gap_lo)
    rows, cols = np.nonzero(valid[:, 1:] & (gap_hi >= gap_lo))
    # the parts of [a, b] below the smallest and above the largest observed value
    last = valid.sum(axis=1) - 1
    top_lo = v[np.arange(p), last] + 1.0
    head_hi = v[:, 0] - 1.0
    has_top = np.flatnonzero(top_lo <= b)
    has_head = np.flatnonzero(head_hi >= a)
    lo = np.concatenate([gap_lo[rows, cols], top_lo[has_top], a[has_head]])
    hi = np.concatenate([gap_hi[rows, cols], b[has_top], head_hi[has_head]])
    owner = np.concatenate([rows, has_top, has_head])
    sums = partial_sums(alpha[owner], lo, hi, r[owner], order=0)[0] if owner.size else owner
    gaps[rows, cols] = sums[:rows.size]
    top = np.zeros(p)
    top[has_top] = sums[rows.size:rows.size + has_top.size]
    head = np.zeros(p)
    head[has_head] = sums[rows.size + has_top.size:]
    block = wv.copy()
    block[:, :-1] += gaps
    block[np.arange(p), last] += top
    tail = np.cumsum(block[:, ::-1], axis=1)[:, ::-1]  # sum_{k >= v_j}, from the small terms up
    z = (tail[:, 0] + head)[:, None]
    semp = cge / n_tail[:, None]
    d = np.where(valid, np.abs(semp - tail / z), 0.0).max(axis=1)
    d = np.maximum(d, top / z[:, 0])  # x = largest value + 1: empirical CCDF 0
    if v.shape[1] > 1:
        # x = v_j + 1: model tail = tail_{j+1} + gap_j, empirical = S_emp(v_{j+1})
        d1 = np.abs(semp[:, 1:] - (tail[:, 1:] + gaps) / z)
        d = np.maximum(d, np.where(valid[:, 1:], d1, 0.0).max(axis=1))
    return d


class _Sample:
    """Degrees prepared for the range search.

    ``sorted`` (all degrees, sorted), ``n``, ``n_isolated`` (zeros), ``u`` and ``uf`` (the
    distinct positive values, as integers and floats), ``cum`` (``cum[i]``: positive
    degrees below ``u[i]``; ``cum[-1]`` all of them) and ``cumlog`` (``cumlog[i]``: the
    sum of ``log(d / u[0])`` over the positive degrees below ``u[i]``).
    """

    def __init__(self, deg: np.ndarray):
        s = np.sort(deg)
        self.sorted = s
        self.n = int(s.size)
        self.n_isolated = int(np.searchsorted(s, 0, side="right"))
        pos = s[self.n_isolated:]
        if pos.size:
            new = np.empty(pos.size, dtype=bool)  # first of its value (pos is sorted)
            new[0] = True
            np.not_equal(pos[1:], pos[:-1], out=new[1:])
            first = np.flatnonzero(new)
            u = pos[first]
            self.cum = np.append(first, pos.size)  # positive degrees below u[i]
        else:
            u = pos
            self.cum = np.zeros(1, dtype=np.int64)
        self.u = u
        self.uf = u.astype(float)
        lg = np.log1p((self.uf - self.uf[0]) / self.uf[0]) if u.size else self.uf  # log(u / u[0])
        self.cumlog = np.zeros(u.size + 1)
        np.cumsum((self.cum[1:] - self.cum[:-1]) * lg, out=self.cumlog[1:])
        self._below = None
        self._pos_u = None

    @property
    def pos_u(self):
        """For each positive degree in sorted order, the index of its value in ``u``."""
        if self._pos_u is None:
            self._pos_u = np.repeat(np.arange(self.u.size), np.diff(self.cum))
        return self._pos_u

    def below_table(self) -> bool:
        """Whether the positive degrees span few enough integers for a table of ``below``."""
        if self._below is None:
            u = self.u
            span = int(u[-1] - u[0]) + 1
            if span <= _BELOW_TABLE:
                # table[i] = number of degrees below u[0] + i, for i = 0..span (u[-1] + 1)
                reps = np.empty(u.size + 1, dtype=np.int64)
                reps[0] = 1
                np.subtract(u[1:], u[:-1], out=reps[1:-1])
                reps[-1] = 1
                self._below = (np.repeat(self.cum.astype(float), reps), float(u[0]), float(span))
            else:
                self._below = (None, None, None)
        return self._below[0] is not None

    def below(self, x):
        """Number of positive degrees below each x (float array of integers), as floats."""
        if not self.below_table():
            return self.cum[np.searchsorted(self.uf, x, side="left")].astype(float)
        table, u0, span = self._below
        return table[np.clip(x - u0, 0.0, span).astype(np.int64)]


def _ks_exact_pairs(sample: _Sample, ia, ib, alpha, a, b):
    """Exact KS distances of the ranges [a, b], whose observed values are u[ia]..u[ib]."""
    span = ib - ia
    width = int(span.max()) + 1
    j = np.arange(width)
    valid = j[None, :] <= span[:, None]
    idx = np.minimum(ia[:, None] + j[None, :], ib[:, None])
    hi = sample.cum[ib + 1]
    cge = (hi[:, None] - sample.cum[idx]).astype(float)
    n_tail = (hi - sample.cum[ia]).astype(float)
    return _ks_padded(alpha, a, b, sample.uf[idx], cge, valid, n_tail)


def _ks_lower(sample: _Sample, ia, ib, alpha, a, b, nq=16):
    """Lower bounds of the KS distances: the gaps at ``nq`` quantiles of each range and at v + 1."""
    step = max(1, CHUNK // nq)
    if ia.size > step:
        return np.concatenate([
            _ks_lower(sample, ia[i:i + step], ib[i:i + step], alpha[i:i + step], a[i:i + step], b[i:i + step], nq)
            for i in range(0, ia.size, step)
        ])
    lo = sample.cum[ia]
    hi = sample.cum[ib + 1]
    nt = hi - lo
    q = (np.arange(nq) + 0.5) / nq
    pos = lo[:, None] + (q[None, :] * nt[:, None]).astype(np.int64)
    ui = sample.pos_u[pos]
    v = sample.uf[ui]
    r = np.where(alpha >= 0.0, a, b)
    p = ia.size
    tails = partial_sums(np.repeat(alpha, nq), v.ravel(), np.repeat(b, nq), np.repeat(r, nq), order=0)[0]
    tails = tails.reshape(p, nq)
    z = partial_sums(alpha, a, b, r, order=0)[0][:, None]
    wv = np.exp(-alpha[:, None] * np.log1p((v - r[:, None]) / r[:, None]))
    ntf = nt[:, None].astype(float)
    d = np.abs((hi[:, None] - sample.cum[ui]) / ntf - tails / z).max(axis=1)
    d1 = np.abs((hi[:, None] - sample.cum[ui + 1]) / ntf - (tails - wv) / z)
    d1 = np.where(v < b[:, None], d1, 0.0).max(axis=1)
    return np.maximum(d, d1)


def _tri(size, _cache={}):
    """The lower-triangular matrix of ones (cumulative sums as a matrix product)."""
    if size not in _cache:
        _cache[size] = np.tri(size)
    return _cache[size]


def _ks_ends(sample: _Sample, low, high, row, col, ia, ib, alpha, lam, neg, z, width, depth, side):
    """Lower bounds of the KS distances from the ``depth`` integers at one end of the ranges.

    The ranges are [low[row], high[col]], ``width`` = high[col] - low[row];
    ``neg`` says which were summed on the scale r = b
    (else r = a), ``z`` is their normaliser on that scale (NaN: unknown, bound NaN). At the
    bottom (``side`` 0), x = a + 1 .. a + depth, the model CCDF is
    1 - sum_{k=a}^{x-1} (k/r)^-alpha / z; at the top (``side`` 1), x = b - depth + 1 .. b,
    it is sum_{k=x}^{b} (k/r)^-alpha / z: a few terms summed directly. The logarithms and
    the empirical counts at those points depend only on one end of the range: they are
    tabulated per candidate xmin or xmax.
    """
    j = np.arange(depth, dtype=float)[:, None]
    hi = sample.cum[ib + 1]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if side == 0:
            ell = np.log1p(j / low).take(row, axis=1)  # log(k / a), k = a + j
            cnt = sample.below(low + j + 1.0).take(row, axis=1)
            if neg.any():
                ell -= np.where(neg, lam, 0.0)  # log(a / r)
        else:
            ell = np.log1p(-j / high).take(col, axis=1)  # log(k / b), k = b - j
            cnt = sample.below(high - j).take(col, axis=1)
            ell += np.where(neg, 0.0, lam)  # log(b / r)
        ell *= -alpha
        model = matmul(_tri(depth), np.exp(ell))  # cumulative sums along the terms
        model /= z
        lo = sample.cum[ia]
        if side == 0:  # CDFs at x - 1 = a + j: 1 - CCDF at x
            cnt -= lo
            cnt /= (hi - lo).astype(float)
        else:  # CCDFs at x = b - j
            cnt -= hi
            cnt /= (lo - hi).astype(float)
        cnt -= model
        np.abs(cnt, out=cnt)
        cnt *= j < width  # a < x <= b
        return cnt.max(axis=0) + z * 0.0  # NaN where z is


def _ks_exact_dense(sample: _Sample, ia, ib, alpha, a, b):
    """Exact KS distances of short ranges [a, b], from both CCDFs at every integer (a
    padded block of b - a + 1 rows)."""
    width = b - a
    j = np.arange(int(width.max()) + 1, dtype=float)[:, None]
    k = a + j
    r = np.where(alpha >= 0.0, a, b)
    inside = j <= width
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp(-alpha * np.log1p((k - r) / r))
    w *= inside
    tail = np.cumsum(w[::-1], axis=0)[::-1]  # sum_{k' >= k}, the small terms first
    hi = sample.cum[ib + 1]
    emp = (hi - sample.below(k)) / (hi - sample.cum[ia]).astype(float)
    d = np.abs(emp - tail / tail[0])
    d *= inside
    return d.max(axis=0)


def _ends_bound(alpha, z, neg, lam, ends, shift):
    """Lower bounds of the KS distances from the CDFs at the first integers of the ranges
    [a, b]: the model's from the first terms (k/r)^-alpha (r = b where ``neg``, else a) and
    their sum ``z`` over the range, at the exponents ``alpha`` of the last evaluation;
    ``ends`` = (femp, valid, ell) the empirical CDFs at a + j, which j count (a + j < b)
    and log((a + j) / a); ``shift`` = |change of alpha since| lam (see :func:`_solve_alpha`)."""
    femp, valid, ell = ends
    e = ell * -alpha
    if neg.any():
        e += np.where(neg, alpha * lam, 0.0)  # log((a + j) / b) = log((a + j) / a) - lam
    with np.errstate(over="ignore"):
        w = np.exp(e)
    model = matmul(_tri(ell.shape[0]), w)  # the sums of the first j + 1 terms
    model /= z
    model -= femp
    np.abs(model, out=model)
    model *= valid
    return model.max(axis=0) - (0.25 * shift + 1e-15)
