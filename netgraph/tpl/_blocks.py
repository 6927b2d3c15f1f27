r"""Block pruning of the range search on wide layers (private; issue 12).

The exhaustive search (:class:`netgraph.tpl.search._Search`) solves the exponent of every
candidate pair before pruning; with mostly distinct degrees the pairs grow with the square
of the distinct values (23 million at n = 16,384). :class:`_WideSearch` rules out whole
blocks of pairs first, with lower bounds of their KS distances that need no exponent of
any pair of the block, and hands the pairs of the blocks left to the exhaustive search.

A block is a rectangle of the grid of candidates: xmin ``a`` in ``[a1, a2]``, xmax ``b`` in
``[b1, b2]`` (consecutive candidates). For an integer ``x`` in ``(a2, b1]`` (inside every
range of the block) write ``E_ab(x)`` for the empirical CCDF (the share of the degrees in
``[a, b]`` that are at least ``x``) and ``S_ab,alpha(x)`` for the model's. Then, for every
pair of the block:

* ``E_ab(x)`` lies in ``[E_{a1,b1}(x), E_{a2,b2}(x)]``: it grows with ``a`` (fewer degrees
  below ``x`` in range) and with ``b`` (more above);
* ``S_ab,alpha(x)`` grows with ``a`` and ``b`` in the same way, and decreases as ``alpha``
  grows (the family has a monotone likelihood ratio in ``k``);
* the exponent ``alpha_hat(a, b)`` is the root of
  ``E_{alpha,a,b}[log X] = m(a, b)`` (the mean of the log-degrees in range); the left side
  decreases in ``alpha`` and grows with ``a`` and ``b``, the right side grows with ``a``
  and ``b``. So ``alpha_hat`` is at least the root ``alpha_lo`` of
  ``E_{alpha,a1,b1}[log X] = m(a2, b2)`` and at most the root ``alpha_hi`` of
  ``E_{alpha,a2,b2}[log X] = m(a1, b1)`` (two solves per block, :func:`_corner_alpha`;
  minus or plus infinity when there is no root). Where the ranges are far from zero
  against the exponent, a short Euler-Maclaurin formula gives proven brackets of these
  roots instead (:func:`netgraph.tpl._wide_sums.corner_roots`: a few secant steps, then
  the sign of ``E - m`` checked at both ends of the bracket), and the model CCDFs below
  (:func:`netgraph.tpl._wide_sums.ccdf_fast`); elsewhere the general solver and sums.

Hence the model CCDF at ``x`` lies in ``[S_{a1,b1,alpha_hi}(x), S_{a2,b2,alpha_lo}(x)]``, and
the distance of every pair of the block (taken over every integer of its range, as in
:mod:`netgraph.tpl.ks`) is at least the gap between the two intervals, at any ``x``
(:func:`_block_bounds`; at observed values ``v`` and at ``v + 1``, a few dozen quantiles of
the block's common range, and the places of the largest gaps of the best pairs met so far,
which the distances of nearby pairs share). The model CCDFs are partial sums over the
segments between those points (:func:`netgraph.tpl._sums.partial_sums`).

The search runs coarse to fine (:func:`_prune`): blocks of the grid are bounded, the
centres of the lowest bounded ones get their exact distance (the smallest one is an upper
bound ``U`` of the best distance), every block whose bound exceeds
``U + KS_TIE + _KS_MARGIN`` is dropped, the others are split in four, down to blocks of
single pairs (or until few pairs are left, :data:`_FEW_PAIRS`). The pairs of the blocks left get the exhaustive
search (exponents, rounds of bounds, exact distances, :func:`netgraph.tpl.search._pick`).
Every pair within KS_TIE of the best has a bound below ``U + KS_TIE``, so it is among
them: the pick is the exhaustive search's. The bounds are lowered by :data:`_BOUND_MARGIN`
for rounding (the corner exponents are widened by a relative 1e-9 first).
"""

from __future__ import annotations

import logging
import math

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from netgraph.tpl._sums import partial_sums
from netgraph.tpl._wide_sums import ccdf_fast, corner_roots, fast_rows
from netgraph.tpl.ks import _ks_exact_pairs, _Sample
from netgraph.tpl.mle import _alpha_guess, _solve_alpha

__all__: list[str] = []

logger = logging.getLogger(__name__)

#: Searches with more candidate pairs than this prune blocks of pairs first.
_WIDE_PAIRS = 1 << 18
#: The blocks left hand their pairs to the exhaustive search once they hold at most this
#: many pairs in all (or once they are single pairs).
_FEW_PAIRS = 64
#: Rounds of descent (the neighbours of the best pair, exactly) per level of blocks.
_DESCENT = 4
#: Block centres per level whose distances are bounded with their own exponents (the
#: most promising get their exact distance).
_PROBES = 256
#: Test points per block: quantiles of the degrees in the common range.
_QUANTILES = 16
#: Places of the largest gaps of the pairs measured exactly, kept as test points.
_WITNESSES = 16
#: Allowance for rounding subtracted from every bound (the sums are exact to a few units of
#: 1e-16 of themselves, the corner exponents widened by 1e-9 (1 + |alpha|)).
_BOUND_MARGIN = 1e-9
#: Relative widening of the corner exponents (covers the solver's tolerance, 1e-13).
_ALPHA_WIDEN = 1e-9


class _Grid:
    """The grid of candidate ends (:func:`netgraph.tpl.search._candidate_grid`) and the
    global numbering of its pairs (by row, then column, as :func:`_candidate_pairs`)."""

    def __init__(self, grid):
        self.ia, low, self.ib, high, self.first = grid
        self.low = low.astype(float)
        self.high = high.astype(float)
        self.rows = int(self.ia.size)
        self.cols = int(self.ib.size)
        count = self.cols - self.first
        self.offset = np.cumsum(count) - count  # global index of (r, first[r])
        self.total = int(count.sum())

    def index(self, r, c):
        """Global indices of the pairs (row r, column c)."""
        return self.offset[r] + (c - self.first[r])

    def place(self, g):
        """(row, column) of the global indices g."""
        g = np.asarray(g, dtype=np.int64)
        r = np.searchsorted(self.offset, g, side="right") - 1
        return r, self.first[r] + (g - self.offset[r])


def _mean_log(sample: _Sample, ia, ib):
    """The mean of log(x / u[0]) over the positive degrees u[ia] .. u[ib]."""
    return (sample.cumlog[ib + 1] - sample.cumlog[ia]) / (sample.cum[ib + 1] - sample.cum[ia])


def _corner_alpha(sample: _Sample, a, b, da, db, side=0):
    """Roots alpha of E_{alpha,a,b}[log X] = the mean log-degree of u[da] .. u[db] on the
    ranges [a, b] (+inf where that mean is at most log a, -inf where at least log b).

    ``side`` -1 or +1: a proven lower or upper bound of the root instead, from the short
    formula of :mod:`netgraph.tpl._wide_sums` where it serves (:func:`corner_roots`), else
    the solver's root (widened by the caller)."""
    u0 = sample.uf[0]
    mrel = _mean_log(sample, da, db) - np.log1p((a - u0) / u0)
    lam = np.log1p((b - a) / a)
    out = np.where(mrel <= 0.0, np.inf, -np.inf)
    ok = np.flatnonzero((mrel > 0.0) & (mrel < lam))
    if ok.size and side:
        lo, hi, good = corner_roots(mrel[ok], a[ok], b[ok], _alpha_guess(mrel[ok], a[ok], b[ok]))
        out[ok[good]] = (lo if side < 0 else hi)[good]
        ok = ok[~good]
    if ok.size:
        out[ok] = _solve_alpha(mrel[ok], a[ok], b[ok], lam[ok])
    return out


def _ccdf(alpha, a, b, x):
    """Model CCDFs S(x) = sum_{k=x}^{b} k^-alpha / sum_{k=a}^{b} k^-alpha of the ranges [a, b]
    (finite ``alpha``) at test points ``x`` (rows sorted, a < x <= b; repeated entries
    allowed), and the terms x^-alpha over the same normaliser: (S, w), arrays like ``x``.
    The ranges far enough from zero against their exponent take the short Euler-Maclaurin
    formula of :mod:`netgraph.tpl._wide_sums`, the others the general partial sums."""
    fast = fast_rows(alpha, a, b)
    if fast.all():
        return ccdf_fast(alpha, a, b, x)
    if fast.any():
        s = np.empty(x.shape)
        w = np.empty(x.shape)
        s[fast], w[fast] = ccdf_fast(alpha[fast], a[fast], b[fast], x[fast])
        rest = ~fast
        s[rest], w[rest] = _ccdf_general(alpha[rest], a[rest], b[rest], x[rest])
        return s, w
    return _ccdf_general(alpha, a, b, x)


def _ccdf_general(alpha, a, b, x):
    """:func:`_ccdf` from the general partial sums (:func:`netgraph.tpl._sums.partial_sums`)."""
    p, t = x.shape
    r = np.where(alpha >= 0.0, a, b)
    lo = np.concatenate([a[:, None], x], axis=1)
    hi = np.concatenate([x - 1.0, b[:, None]], axis=1)
    ok = hi >= lo
    lo = np.where(ok, lo, a[:, None])
    hi = np.where(ok, hi, a[:, None])
    sums = partial_sums(np.repeat(alpha, t + 1), lo.ravel(), hi.ravel(), np.repeat(r, t + 1), order=0)[0]
    sums = sums.reshape(p, t + 1)
    sums *= ok
    tail = np.cumsum(sums[:, ::-1], axis=1)[:, ::-1]  # the sums from each test point to b
    z = tail[:, :1]
    w = np.exp(-alpha[:, None] * np.log1p((x - r[:, None]) / r[:, None]))
    return tail[:, 1:] / z, w / z


def _test_points(sample: _Sample, ja2, jb1, witness):
    """Indices into sample.u of the test points of blocks whose common range holds the
    observed values u[ja2 + 1] .. u[jb1]: quantiles of its degrees and the ``witness``
    indices inside it; rows sorted (repeats where the common range has few values)."""
    lo = sample.cum[ja2 + 1]
    hi = sample.cum[jb1 + 1]
    q = (np.arange(_QUANTILES) + 0.5) / _QUANTILES
    j = sample.pos_u[lo[:, None] + (q[None, :] * (hi - lo)[:, None]).astype(np.int64)]
    if witness.size:
        w = np.broadcast_to(witness, (ja2.size, witness.size))
        inside = (w > ja2[:, None]) & (w <= jb1[:, None])
        j = np.concatenate([j, np.where(inside, w, j[:, :1])], axis=1)
    j.sort(axis=1)
    return j


def _block_bounds(sample: _Sample, grid: _Grid, r1, r2, c1, c2, witness, threshold=None):
    """Lower bounds of the KS distances of every pair of the blocks rows r1..r2 x columns
    c1..c2 (see the module docstring); 0 where the common range holds no observed value.
    Given ``threshold``, the blocks whose bound from the data above the model exceeds it
    already skip the other side (their bound is then that one only)."""
    ia, ib = grid.ia, grid.ib
    ja1, ja2, jb1, jb2 = ia[r1], ia[r2], ib[c1], ib[c2]
    a1, a2, b1, b2 = grid.low[r1], grid.low[r2], grid.high[c1], grid.high[c2]
    out = np.zeros(r1.size)
    core = np.flatnonzero(ja2 < jb1)  # some observed value in (a2, b1]
    if not core.size:
        return out
    ja1, ja2, jb1, jb2 = ja1[core], ja2[core], jb1[core], jb2[core]
    a1, a2, b1, b2 = a1[core], a2[core], b1[core], b2[core]
    j = _test_points(sample, ja2, jb1, witness)
    x = sample.uf[j]
    cum = sample.cum
    g = np.zeros(core.size)
    # the data above the model: E_{a1,b1}(x) - S_{a2,b2,alpha_lo}(x)
    al_lo = _corner_alpha(sample, a1, b1, ja2, jb2, -1)
    al_lo -= _ALPHA_WIDEN * (1.0 + np.abs(al_lo))
    top1 = cum[jb1 + 1][:, None]
    e_lo = (top1 - cum[j]) / (top1 - cum[ja1][:, None])  # E_{a1,b1}(x), the smallest
    fin = np.flatnonzero(np.isfinite(al_lo))
    if fin.size:
        s_up, _ = _ccdf(al_lo[fin], a2[fin], b2[fin], x[fin])
        g[fin] = (e_lo[fin] - s_up).max(axis=1)
    pinf = np.flatnonzero(al_lo == np.inf)  # S = 0 above a2
    if pinf.size:
        g[pinf] = e_lo[pinf].max(axis=1)
    # the model above the data at x + 1 <= b1: S_{a1,b1,alpha_hi}(x + 1) - E_{a2,b2}(x + 1)
    sub = np.arange(core.size) if threshold is None else np.flatnonzero(g - _BOUND_MARGIN <= threshold)
    if sub.size:
        ja1, ja2, jb1, jb2 = ja1[sub], ja2[sub], jb1[sub], jb2[sub]
        a1, a2, b1, b2 = a1[sub], a2[sub], b1[sub], b2[sub]
        j, x = j[sub], x[sub]
        al_hi = _corner_alpha(sample, a2, b2, ja1, jb1, +1)
        al_hi += _ALPHA_WIDEN * (1.0 + np.abs(al_hi))
        top2 = cum[jb2 + 1][:, None]
        e_hi = (top2 - cum[j + 1]) / (top2 - cum[ja2][:, None])  # E_{a2,b2}(x + 1), the largest at x + 1
        below = x < b1[:, None]
        h = np.zeros(sub.size)
        fin = np.flatnonzero(np.isfinite(al_hi))
        if fin.size:
            s_dn, w = _ccdf(al_hi[fin], a1[fin], b1[fin], x[fin])
            h[fin] = np.where(below[fin], s_dn - w - e_hi[fin], 0.0).max(axis=1)
        minf = np.flatnonzero(al_hi == -np.inf)  # S = 1 up to b1
        if minf.size:
            h[minf] = np.where(below[minf], 1.0 - e_hi[minf], 0.0).max(axis=1)
        g[sub] = np.maximum(g[sub], h)
    out[core] = np.maximum(g - _BOUND_MARGIN, 0.0)
    return out


def _pair_fit(sample: _Sample, grid: _Grid, r, c):
    """Exponents and exact KS distances of the pairs (r, c) of the grid (the distances from
    the gaps at the observed values, :func:`_gaps`, where the short formula serves the range)."""
    ja, jb = grid.ia[r], grid.ib[c]
    a, b = grid.low[r], grid.high[c]
    u0 = sample.uf[0]
    mrel = _mean_log(sample, ja, jb) - np.log1p((a - u0) / u0)
    alpha = _solve_alpha(mrel, a, b, np.log1p((b - a) / a))
    ks = np.full(alpha.size, np.nan)
    for i in np.flatnonzero(fast_rows(alpha, a, b)):
        ks[i] = _gaps(sample, int(ja[i]), int(jb[i]), float(alpha[i]), float(a[i]), float(b[i]))[1].max()
    rest = np.flatnonzero(np.isnan(ks))
    if rest.size:
        ks[rest] = _ks_exact_pairs(sample, ja[rest], jb[rest], alpha[rest], a[rest], b[rest])
    return alpha, ks


def _gaps(sample: _Sample, ja, jb, alpha, a, b):
    """``(j, d)``: the indices j into sample.u of the observed values of the fitted range
    [a, b] (one pair, values u[ja..jb]) and the gaps d = max |E(x) - S(x)| at x = u[j] and
    x = u[j] + 1 (<= b). Between observed values E is constant and S monotone, so the
    largest gap is the KS distance over every integer of the range."""
    j = np.arange(ja, jb + 1)
    x = sample.uf[j]
    s, w = _ccdf(np.array([alpha]), np.array([a]), np.array([b]), x[None, x > a])
    if x[0] <= a:  # x = a: both CCDFs are 1
        s = np.concatenate([np.ones((1, 1)), s], axis=1)
        w = np.concatenate([np.ones((1, 1)) * np.nan, w], axis=1)
    s, w = s[0], w[0]
    top = sample.cum[jb + 1]
    n = float(top - sample.cum[ja])
    d0 = np.abs((top - sample.cum[j]) / n - s)
    d1 = np.abs((top - sample.cum[j + 1]) / n - (s - np.nan_to_num(w)))
    return j, np.maximum(d0, np.where(x < b, d1, 0.0))


def _largest_gaps(sample: _Sample, ja, jb, alpha, a, b, count):
    """Indices j into sample.u of the ``count`` largest gaps |E(x) - S(x)| at x = u[j] or
    u[j] + 1 of the fitted range [a, b] (one pair), whose observed values are u[ja..jb]."""
    j, d = _gaps(sample, ja, jb, alpha, a, b)
    return j[np.argsort(-d, kind="stable")[:count]]


def _promising(sample: _Sample, grid: _Grid, r, c, lb, witness):
    """The pairs (r, c) most likely to have a small distance, by their own bounds (single
    pairs as blocks: their exponents; at most _PROBES of the blocks of smallest bound ``lb``
    are looked at); a few of them."""
    ok = c >= grid.first[r]
    r, c, lb = r[ok], c[ok], lb[ok]
    if r.size > _PROBES:
        sel = np.argpartition(lb, _PROBES - 1)[:_PROBES]
        r, c = r[sel], c[sel]
    d = _block_bounds(sample, grid, r, r, c, c, witness)
    top = np.argsort(d, kind="stable")[:4]
    return r[top], c[top]


def _neighbours(grid: _Grid, r, c, h):
    """The pairs h rows and/or columns away from (r, c) that are candidate pairs."""
    dr = np.array([-h, h, 0, 0, -h, -h, h, h])
    dc = np.array([0, 0, -h, h, -h, h, -h, h])
    rr, cc = r + dr, c + dc
    ok = (rr >= 0) & (rr < grid.rows) & (cc >= 0) & (cc < grid.cols)
    rr, cc = rr[ok], cc[ok]
    ok = cc >= grid.first[rr]
    return rr[ok], cc[ok]


def _prune(sample: _Sample, grid: _Grid):
    """Global indices (increasing) of the candidate pairs that survive the block bounds."""
    R, C = grid.rows, grid.cols
    h = 1 << max(0, int(math.ceil(math.log2(max(R, C) / 16.0))))
    r1, c1 = np.meshgrid(np.arange(0, R, h), np.arange(0, C, h), indexing="ij")
    r1, c1 = r1.ravel(), c1.ravel()
    best = math.inf
    witness = np.zeros(0, dtype=np.int64)
    measured = set()
    best_rc = None
    from netgraph.tpl.search import _KS_MARGIN, KS_TIE

    while True:
        r2 = np.minimum(r1 + (h - 1), R - 1)
        c2 = np.minimum(c1 + (h - 1), C - 1)
        keep = c2 >= grid.first[r1]  # the block holds a pair
        r1, r2, c1, c2 = r1[keep], r2[keep], c1[keep], c2[keep]
        c1 = np.maximum(c1, grid.first[r1])  # its pairs' columns start there ...
        r2 = np.minimum(r2, np.searchsorted(grid.first, c2, side="right") - 1)  # ... its rows end there
        pairs = int(np.sum((c2 - c1 + 1) * (r2 - r1 + 1)))
        if pairs <= _FEW_PAIRS:
            break
        lb = _block_bounds(sample, grid, r1, r2, c1, c2, witness, best + KS_TIE + _KS_MARGIN)
        # exact distances of the centres of the lowest bounded blocks, and of the pairs h
        # rows or columns away from the best one so far (a descent at the blocks' scale)
        rc, cc = _promising(sample, grid, (r1 + r2) // 2, (c1 + c2) // 2, lb, witness)
        if best_rc is not None:
            nr, nc = _neighbours(grid, *best_rc, h)
            rc, cc = np.concatenate([rc, nr]), np.concatenate([cc, nc])
        ok = cc >= grid.first[rc]
        rc, cc = rc[ok], cc[ok]
        for _ in range(_DESCENT):
            new = [i for i in range(rc.size) if (int(rc[i]), int(cc[i])) not in measured]
            if not new:
                break
            rc, cc = rc[new], cc[new]
            measured.update(zip(rc.tolist(), cc.tolist()))
            alpha, ks = _pair_fit(sample, grid, rc, cc)
            i = int(np.argmin(ks))
            if ks[i] >= best:
                break
            best = float(ks[i])
            best_rc = br, bc = int(rc[i]), int(cc[i])
            gaps = _largest_gaps(sample, int(grid.ia[br]), int(grid.ib[bc]), float(alpha[i]), float(grid.low[br]),
                                 float(grid.high[bc]), 4)
            witness = np.unique(np.concatenate([gaps, witness]))[:_WITNESSES]
            rc, cc = _neighbours(grid, br, bc, h)
        keep = lb <= best + KS_TIE + _KS_MARGIN
        logger.debug("blocks of %d: %d bounded, %d kept (%d pairs), best %.6g", h, lb.size, int(keep.sum()),
                     int(np.sum(((c2 - c1 + 1) * (r2 - r1 + 1))[keep])), best)
        r1, c1 = r1[keep], c1[keep]
        if h == 1:
            r2, c2 = r2[keep], c2[keep]
            break
        h //= 2
        r1 = np.concatenate([r1, r1 + h, r1, r1 + h])
        c1 = np.concatenate([c1, c1, c1 + h, c1 + h])
        inside = (r1 < R) & (c1 < C)
        r1, c1 = r1[inside], c1[inside]
    # every pair of the blocks left
    nr = r2 - r1 + 1
    blk = np.repeat(np.arange(r1.size), nr)
    rows = r1[blk] + (np.arange(blk.size) - np.repeat(np.cumsum(nr) - nr, nr))
    start = np.maximum(c1[blk], grid.first[rows])
    nc = np.maximum(c2[blk] - start + 1, 0)
    line = np.repeat(np.arange(rows.size), nc)
    cols = start[line] + (np.arange(line.size) - np.repeat(np.cumsum(nc) - nc, nc))
    return np.sort(grid.index(rows[line], cols))


class _Column(NDArrayOperatorsMixin):
    """One per-pair attribute of a :class:`_WideSearch` (``a``, ``alpha``, ``ks``, ...), over
    every candidate pair. An integer index reads the pairs the pruned search examined (or
    one pair's value, computed); anything else (a slice, an array of indices, NumPy
    arithmetic) goes to the exhaustive search, built then (:meth:`_WideSearch._full`)."""

    def __init__(self, owner, name):
        self._owner = owner
        self._name = name

    def __getitem__(self, i):
        if isinstance(i, (int, np.integer)):
            return self._owner._value(self._name, int(i))
        return getattr(self._owner._full(), self._name)[i]

    def __setitem__(self, i, value):
        getattr(self._owner._full(), self._name)[i] = value

    def __array__(self, dtype=None, copy=None):
        arr = getattr(self._owner._full(), self._name)
        return arr if dtype is None else arr.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(np.asarray(x) if isinstance(x, _Column) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __len__(self):
        return self._owner.candidates

    @property
    def size(self):
        return self._owner.candidates

    @property
    def shape(self):
        return (self._owner.candidates,)


class _WideSearch:
    """The range search of :class:`netgraph.tpl.search._Search` with blocks of pairs pruned
    first (see the module docstring): the same interface and the same pick.

    ``best`` and the per-pair attributes (``ia``, ``ib``, ``a``, ``b``, ``n_tail``,
    ``alpha``, ``ks``, ``mrel``, ``lam``, :class:`_Column`) use the global numbering of
    :func:`netgraph.tpl.search._candidate_pairs`; only the pairs the blocks left are
    solved, unless something asks for every pair (the Deluca & Corral rule does), which
    builds the exhaustive search once.
    """

    untruncated = False
    _NAMES = ("ia", "ib", "a", "b", "n_tail", "alpha", "ks", "mrel", "lam")

    def __init__(self, sample: _Sample, grid, k=0.3, xmin=None, xmax=None):
        from netgraph.tpl.search import _Search

        self.sample = sample
        self._args = (k, xmin, xmax)
        self._grid = g = _Grid(grid)
        self._all = None
        self._pairs = _prune(sample, g)  # global indices of the pairs examined
        r, c = g.place(self._pairs)
        ur, row = np.unique(r, return_inverse=True)
        uc, col = np.unique(c, return_inverse=True)
        self._inner = _Search._of_pairs(sample, g.ia[r], g.ib[c], g.low[r], g.high[c], row, col)
        self.best = int(self._pairs[self._inner.best])
        for name in self._NAMES:
            setattr(self, name, _Column(self, name))

    @property
    def candidates(self) -> int:
        """The number of candidate pairs."""
        return self._grid.total

    def _local(self, i):
        """Position of global pair ``i`` among the pairs examined, or -1."""
        p = int(np.searchsorted(self._pairs, i))
        return p if p < self._pairs.size and self._pairs[p] == i else -1

    def _value(self, name, i):
        if self._all is not None:
            return getattr(self._all, name)[i]
        p = self._local(i)
        if p >= 0:
            return getattr(self._inner, name)[p]
        return getattr(self._full(), name)[i]

    def _full(self):
        """The exhaustive search over every pair (built once, without its own pick), with
        the exact distances known so far."""
        if self._all is None:
            from netgraph.tpl.search import _candidate_pairs, _Search

            k, xmin, xmax = self._args
            full = _Search._of_pairs(self.sample, *_candidate_pairs(self.sample, k, xmin, xmax), find_best=False)
            known = ~np.isnan(self._inner.ks)
            full.ks[self._pairs[known]] = self._inner.ks[known]
            full.alpha[self._pairs] = self._inner.alpha
            full.best = self.best
            self._all = full
        return self._all

    def exact(self, sel):
        """Exact KS distances of the candidates ``sel`` (global indices; cached)."""
        sel = np.asarray(sel, dtype=np.int64)
        if self._all is None:
            pos = np.searchsorted(self._pairs, sel)
            pos = np.minimum(pos, self._pairs.size - 1)
            if np.array_equal(self._pairs[pos], sel):
                return self._inner.exact(pos)
        return self._full().exact(sel)

    def choice(self, i, p_value=None) -> dict:
        """Pair ``i`` as a result: ``xmin``, ``xmax``, ``alpha``, ``ks``, ``n_tail``, ``p_value``."""
        return {
            "xmin": int(self.a[i]),
            "xmax": int(self.b[i]),
            "alpha": float(self.alpha[i]),
            "ks": float(self.exact([i])[0]),
            "n_tail": int(self.n_tail[i]),
            "p_value": p_value,
        }
