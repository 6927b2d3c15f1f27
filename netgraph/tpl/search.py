"""The range search: every candidate (xmin, xmax) with its exponent, and the KS-best pair.

The candidates are those of Hou & Kwok: with ``n`` the number of nodes (isolated ones
included) and ``m = floor(n k)``, xmin among the distinct positive values of the ``m``
smallest degrees, xmax among those of the ``m`` largest, every pair whose range holds at
least 3 distinct observed degrees (:func:`_candidate_pairs`; a given xmin or xmax replaces
the search on its side). :class:`_Search` solves the exponents of all of them at once
(:mod:`netgraph.tpl.mle`: the direct solver where its tables fit a budget, the general one
for the rest), then finds the pair of smallest Kolmogorov-Smirnov distance
(:mod:`netgraph.tpl.ks`) without computing every exact distance: rounds of ever finer lower
bounds rule out the pairs that cannot win, and the others get their exact distance in
increasing order of bound. Distances within :data:`KS_TIE` of the smallest are ties, broken
by :func:`_pick` (more degrees in range, then the smaller xmin, then the larger xmax).

Searches with more than ``netgraph.tpl._blocks._WIDE_PAIRS`` candidate pairs (wide layers,
whose degrees are mostly distinct: the pairs grow with the square of the distinct values)
first rule out whole blocks of pairs (:class:`netgraph.tpl._blocks._WideSearch`): lower
bounds of the distances of every pair of a rectangle of the grid of candidates, from the
CCDFs at its corners (both are monotone in xmin, xmax and the exponent, and the exponents
of the block are bracketed by two solves at its corners), coarse to fine against the
smallest exact distance found; only the pairs left get the treatment above, so the pick is
the same (``wide=False`` keeps the exhaustive search). The untruncated law (``xmax = inf``)
searches xmin only and keeps its own search.
"""

from __future__ import annotations

import math

import numpy as np

from netgraph.exceptions import FitError
from netgraph.tpl._sums import CHUNK
from netgraph.tpl.ks import _ks_ends, _ks_exact_dense, _ks_exact_pairs, _ks_lower, _Sample, _ends_bound
from netgraph.tpl.mle import _direct_cells, _normalizer, _solve_alpha, _solve_alpha_direct

__all__ = ["KS_TIE", "READINGS"]

#: Two Kolmogorov-Smirnov distances closer than this are a tie (rounding noise).
KS_TIE = 1e-12
#: Candidate ranges whose lower bound of the distance is within this of the best exact
#: distance are always evaluated exactly (covers the rounding of the bound).
_KS_MARGIN = 1e-10
#: Searches whose candidate ranges hold at most this many distinct observed values in
#: all get exact KS distances for every pair, without lower bounds first.
_EXACT_ALL = 3_000
#: Rounds of bounds of the KS distance at the ends of the ranges, each on the ranges the
#: previous ones did not rule out: (integers compared, 0 = bottom end / 1 = top end).
_END_ROUNDS = ((16, 0), (16, 1), (48, 0), (48, 1))
#: Ranges of at most this many integers get their exact KS distance from both CCDFs at
#: every integer (a padded block); longer ones from the observed values and the gaps.
_DENSE_KS = 512
#: ... and the pairs left after the bounds get theirs in one block of up to this many entries.
_DENSE_BLOCK = 1 << 16
#: The budget of table cells of the direct solver (:func:`netgraph.tpl.mle._solve_alpha_direct`)
#: in one search: _DIRECT_CELLS, plus _DIRECT_PER_PAIR per candidate pair.
_DIRECT_CELLS = 1 << 17
_DIRECT_PER_PAIR = 64


def _n_extreme(n: int, k: float) -> int:
    """floor(n k), with an allowance of 1e-9 for the binary rounding of k (0.3 * 10 = 3)."""
    return int(math.floor(n * k + 1e-9))


#: The readings of ``k`` (see :class:`netgraph.tpl.TruncatedPowerLaw`): ``"order"``, the
#: floor(n k) smallest and largest degrees (order statistics, Hou & Kwok's words); ``"distinct"``,
#: the floor(D k) smallest and largest of the D distinct positive degrees.
READINGS = ("order", "distinct")


class _Space(float):
    """``k`` with the rest of the search space: the k reading, the smallest ratio xmax / xmin
    and the fewest distinct observed degrees in a range. A float, so that every caller that
    passes ``k`` on (the bootstrap replicates, their worker processes) keeps the space."""

    def __new__(cls, k, reading="order", min_ratio=1.0, min_distinct=3):
        obj = super().__new__(cls, k)
        obj.reading = reading
        obj.min_ratio = float(min_ratio)
        obj.min_distinct = int(min_distinct)
        return obj

    def __reduce__(self):
        return (_Space, (float(self), self.reading, self.min_ratio, self.min_distinct))

    def __repr__(self):
        return repr(float(self))


def _space(k):
    """(reading, min_ratio, min_distinct) of ``k`` (a plain float: the defaults)."""
    return getattr(k, "reading", "order"), getattr(k, "min_ratio", 1.0), getattr(k, "min_distinct", 3)


def _low_candidates(sample: _Sample, k, reading):
    """The candidate xmin (distinct positive values) of the k reading."""
    u = sample.u
    if reading == "distinct":
        return u[:_n_extreme(u.size, k)]
    m = _n_extreme(sample.n, k)
    if m < 1:
        raise FitError(f"too few nodes to search xmin and xmax: floor(n*k) = floor({sample.n}*{float(k)}) = 0")
    # the distinct positive values among the m smallest: those up to the m-th smallest
    low = u[:int(np.searchsorted(u, sample.sorted[m - 1], side="right"))]
    if not low.size:
        raise FitError(
            f"no candidate range: the floor(n*k) = {m} smallest degrees (k = {float(k)}, n = {sample.n}) are all "
            f"zero ({sample.n_isolated} isolated nodes), and zero is never a candidate xmin"
        )
    return low


def _high_start(sample: _Sample, k, reading) -> int:
    """Index in sample.u of the smallest candidate xmax of the k reading."""
    u = sample.u
    if reading == "distinct":
        return u.size - _n_extreme(u.size, k)
    return int(np.searchsorted(u, sample.sorted[sample.n - _n_extreme(sample.n, k)], side="left"))


def _candidate_grid(sample: _Sample, k: float, xmin=None, xmax=None):
    """The grid of candidate ends, without the pairs: ``(ia, low, ib, high, first)``.

    ``ia``, ``low``: the index in sample.u of each candidate xmin's smallest observed value
    in range, and the xmin itself (increasing); ``ib``, ``high``: the same for xmax (the
    index of its largest observed value in range); ``first[r]``: the first column paired
    with row ``r`` (the pairs of a row are a suffix of the columns, and ``first`` does not
    decrease). Raises FitError as :func:`_candidate_pairs` does.
    """
    reading, min_ratio, min_distinct = _space(k)
    n = sample.n
    distinct = sample.u.size
    if distinct < 3:
        raise FitError(
            f"too few distinct positive degrees to fit a truncated power law: {distinct} "
            f"(n = {n} nodes, {sample.n_isolated} isolated); at least 3 are needed"
        )
    m = _n_extreme(n if reading == "order" else distinct, k)
    if m < 1 and (xmin is None or xmax is None):
        if reading == "order":
            raise FitError(f"too few nodes to search xmin and xmax: floor(n*k) = floor({n}*{float(k)}) = 0")
        raise FitError(f"too few distinct degrees to search xmin and xmax: floor(D*k) = floor({distinct}*{float(k)})"
                       " = 0 (distinct reading of k)")
    u = sample.u
    if xmin is None:
        low = _low_candidates(sample, k, reading)
        ia = np.arange(low.size)
    else:
        low = np.array([xmin], dtype=np.int64)
        ia = np.searchsorted(u, low, side="left")
    if xmax is None:
        start = _high_start(sample, k, reading)
        high = u[start:]
        ib = np.arange(start, distinct)
    else:
        high = np.array([xmax], dtype=np.int64)
        ib = np.searchsorted(u, high, side="right") - 1
    # At least min_distinct (>= 3) distinct observed degrees in range (ib >= ia + 2, which
    # implies xmin < xmax), and xmax >= min_ratio * xmin: for each xmin, a suffix of the
    # xmax candidates (ib and high are increasing).
    first = np.searchsorted(ib, ia + (min_distinct - 1), side="left")
    if min_ratio > 1.0:
        first = np.maximum(first, np.searchsorted(high.astype(float), low * min_ratio, side="left"))
    if not (high.size - first).sum():
        need = f"{min_distinct} distinct positive degrees" + (f" over a ratio xmax/xmin >= {min_ratio:g}"
                                                            if min_ratio > 1.0 else "")
        if xmin is not None and xmax is not None:
            raise FitError(f"the range [{xmin}, {xmax}] holds fewer than {need}".replace("fewer than 3 distinct "
                           "positive degrees", "fewer than 3 distinct degrees"))
        where = "the" if reading == "order" else "the distinct"
        raise FitError(
            f"no candidate range: no xmin {'= ' + str(xmin) if xmin is not None else f'among {where} {m} smallest degrees'}"
            f" and xmax {'= ' + str(xmax) if xmax is not None else f'among the {m} largest'} (k = {float(k)}, n = {n}) "
            f"enclose {need}"
        )
    return ia, low, ib, high, first


def _candidate_pairs(sample: _Sample, k: float, xmin=None, xmax=None, grid=None):
    """The candidate (xmin, xmax) pairs, ordered by xmin then xmax (of ``grid``, the
    :func:`_candidate_grid` of the same arguments, when the caller has it).

    Returns ``ia, ib`` (indices into sample.u of the smallest and largest observed value
    in range), ``a, b`` (the range, as floats) and ``row, col`` (the pair's place in the
    grid of xmin and xmax candidates, :func:`_candidate_grid`). A given ``xmin`` or ``xmax``
    replaces the search on that side. ``k`` may carry the search space (:class:`_Space`):
    the reading of k, and the smallest ratio and number of distinct degrees of a range.
    """
    ia, low, ib, high, first = _candidate_grid(sample, k, xmin, xmax) if grid is None else grid
    count = high.size - first
    row = np.repeat(np.arange(low.size), count)
    col = np.arange(row.size) - np.repeat(np.cumsum(count) - count - first, count)
    return ia[row], ib[col], low[row].astype(float), high[col].astype(float), row, col


def _smallest(values, count):
    """Indices of the ``count`` smallest values (all if fewer), in increasing order of value."""
    if values.size > count:
        idx = np.argpartition(values, count - 1)[:count]
        return idx[np.argsort(values[idx], kind="stable")]
    return np.argsort(values, kind="stable")


def _pick(ks, n_tail, a, b) -> int:
    """Index of the smallest distance in ``ks`` (NaN: not computed). Distances within
    KS_TIE of it are ties, broken by larger n_tail, then smaller xmin ``a``, then larger
    xmax ``b``."""
    best = np.fmin.reduce(ks)  # NaN (not computed) left out
    tie = np.flatnonzero(ks <= best + KS_TIE)
    if tie.size == 1:
        return int(tie[0])
    first = np.lexsort((-b[tie], a[tie], -n_tail[tie]))[0]
    return int(tie[first])


class _Search:
    """Every candidate range of one data set with its ML exponent; the KS-best one.

    Per candidate pair (arrays in the order of :func:`_candidate_pairs`): ``ia``, ``ib``
    (the indices in ``sample.u`` of its smallest and largest observed value), ``a``, ``b``
    (the range), ``n_tail``, ``mrel`` (the mean of log(x / a) over the degrees in range),
    ``lam`` (log(b / a)), ``alpha`` and ``ks`` (the exact KS distances computed so far,
    NaN for the others; :meth:`exact` fills them). ``best`` is the index of the pair
    chosen by the KS rule.
    """

    untruncated = False

    def __new__(cls, sample=None, k=0.3, xmin=None, xmax=None, wide=None):
        if xmax is not None and math.isinf(xmax):  # the untruncated law: its own search
            from netgraph.tpl.untruncated import _UntruncatedSearch

            reading, _, min_distinct = _space(k)
            return _UntruncatedSearch(sample, k, xmin, reading, min_distinct)
        if cls is _Search and wide is not False:
            # many candidate pairs: blocks of pairs pruned first (netgraph.tpl._blocks)
            from netgraph.tpl._blocks import _WIDE_PAIRS, _WideSearch

            grid = _candidate_grid(sample, k, xmin, xmax)
            if wide or int((grid[3].size - grid[4]).sum()) > _WIDE_PAIRS:
                return _WideSearch(sample, grid, k, xmin, xmax)
        return super().__new__(cls)

    def __init__(self, sample: _Sample, k: float = 0.3, xmin=None, xmax=None, wide=None):
        self._setup(sample, *_candidate_pairs(sample, k, xmin, xmax))

    @classmethod
    def _of_pairs(cls, sample: _Sample, ia, ib, a, b, row, col, find_best=True):
        """The search over the given candidate pairs only (in the order of
        :func:`_candidate_pairs`; ``row`` and ``col`` numbered from 0 without gaps);
        ``find_best=False`` leaves ``best`` at -1."""
        obj = object.__new__(cls)
        obj._setup(sample, ia, ib, a, b, row, col, find_best)
        return obj

    def _setup(self, sample: _Sample, ia, ib, a, b, row, col, find_best=True):
        self.sample = sample
        self._row, self._col = row, col
        self.ia = ia
        self.ib = ib
        self.a = a
        self.b = b
        self.n_tail = sample.cum[ib + 1] - sample.cum[ia]
        u0 = sample.uf[0]
        self.mrel = (sample.cumlog[ib + 1] - sample.cumlog[ia]) / self.n_tail - np.log1p((a - u0) / u0)
        self.lam = np.log1p((self.b - self.a) / self.a)
        self._low = np.zeros(int(self._row[-1]) + 1)  # the candidate ends, by grid row and column
        self._low[self._row] = a
        self._high = np.zeros(int(self._col.max()) + 1)
        self._high[self._col] = b
        self._dense = None
        ends = None
        if 16 < ia.size <= CHUNK and self._dense_ends():  # (the solver chunks longer arrays)
            # the empirical CDFs at a + j, for the bounds of the KS distances at the bottom ends
            j = np.arange(_END_ROUNDS[0][0], dtype=float)[:, None]
            lo = sample.cum[ia]
            femp = sample.below(self._low + j + 1.0).take(self._row, axis=1)
            femp -= lo
            femp /= self.n_tail
            ends = (femp, j < b - a, np.log1p(j / self._low).take(self._row, axis=1))
        self.alpha, self._neg, self._zinfo, self._lb = self._solve(ends)
        self.ks = np.full(ia.size, np.nan)
        self.best = self._best() if find_best else -1

    def _solve(self, ends):
        """The exponents of every candidate, the scales and normalisers of their sums, and
        (given ``ends``) lower bounds of their KS distances at the bottom ends.

        Grids of at most CHUNK pairs whose ranges span few enough integers go to the
        direct solver (tables of cumulative sums), the rest, and any range it does not
        serve, to the general one.
        """
        n = self.ia.size
        budget = _DIRECT_CELLS + _DIRECT_PER_PAIR * n
        direct = None
        if n <= CHUNK and _direct_cells(self._low, self.b) <= budget:
            direct = _solve_alpha_direct(self._low, self._row, self._high, self._col, self.b, self.mrel, self.lam,
                                         budget)
        if direct is None:
            alpha, (neg, z, lb) = _solve_alpha(self.mrel, self.a, self.b, self.lam, normalizer=True, ends=ends)
            return alpha, neg, z, lb
        alpha, z, served = direct
        if not served.all():
            # ranges whose iterates left their centre's reach (a poor continuous guess, as
            # for xmin = 1): once more, centred on where they went
            rest = np.flatnonzero(~served)
            again = _solve_alpha_direct(self._low, self._row[rest], self._high, self._col[rest], self.b[rest],
                                        self.mrel[rest], self.lam[rest], budget, guess=alpha[rest])
            if again is not None:
                alpha[rest], z[rest], served[rest] = again
            z[~served] = np.nan  # (solved below)
        neg = np.zeros(n, dtype=bool)  # the direct sums are on the scale r = a
        lb = None
        if ends is not None:
            lb = _ends_bound(alpha, z, neg, self.lam, ends, 0.0)
        if not served.all():
            rest = np.flatnonzero(~served)
            sub_ends = None if ends is None else tuple(e[:, rest] for e in ends)
            a_r, (neg_r, z_r, lb_r) = _solve_alpha(self.mrel[rest], self.a[rest], self.b[rest], self.lam[rest],
                                                   normalizer=True, ends=sub_ends)
            alpha[rest] = a_r
            neg[rest] = neg_r
            z[rest] = _normalizer(*z_r) if isinstance(z_r, tuple) else z_r
            if lb is not None:
                lb[rest] = np.zeros(rest.size) if lb_r is None else lb_r
        return alpha, neg, z, lb

    @property
    def candidates(self) -> int:
        """The number of candidate pairs."""
        return int(self.ia.size)

    @property
    def _z(self):
        """The normalisers sum_{k=a}^{b} (k/r)^-alpha (r = b where ``_neg``, else a); NaN where unknown."""
        if isinstance(self._zinfo, tuple):
            self._zinfo = _normalizer(*self._zinfo)
        return self._zinfo

    def exact(self, sel):
        """Exact KS distances of the candidates ``sel`` (computed once, then cached)."""
        if len(sel) == 1:  # one pair: slices rather than gathers
            i = int(sel[0])
            d = self.ks[i]
            if d == d:
                return self.ks[i:i + 1]
            sl = slice(i, i + 1)
            if self.b[i] - self.a[i] < _DENSE_KS and self.sample.below_table():
                self.ks[sl] = _ks_exact_dense(self.sample, self.ia[sl], self.ib[sl], self.alpha[sl], self.a[sl],
                                              self.b[sl])
            else:
                self.ks[sl] = _ks_exact_pairs(self.sample, self.ia[sl], self.ib[sl], self.alpha[sl], self.a[sl],
                                              self.b[sl])
            return self.ks[sl]
        sel = np.asarray(sel)
        todo = sel[np.isnan(self.ks[sel])]
        if todo.size:
            short = self.b[todo] - self.a[todo] < _DENSE_KS
            if short.any() and self.sample.below_table():
                t = todo[short]
                step = max(1, _DENSE_BLOCK // (int((self.b[t] - self.a[t]).max()) + 1))
                for s in range(0, t.size, step):
                    u = t[s:s + step]
                    self.ks[u] = _ks_exact_dense(self.sample, self.ia[u], self.ib[u], self.alpha[u], self.a[u],
                                                 self.b[u])
                todo = todo[~short]
        if todo.size:
            width = int((self.ib[todo] - self.ia[todo]).max()) + 1
            step = max(1, 2_000_000 // width)
            for s in range(0, todo.size, step):
                t = todo[s:s + step]
                self.ks[t] = _ks_exact_pairs(self.sample, self.ia[t], self.ib[t], self.alpha[t], self.a[t], self.b[t])
        return self.ks[sel]

    def _dense_ends(self) -> bool:
        """Whether the bounds at the ends of the ranges are worth computing: the degrees span
        few enough integers for a table of counts, and at least a quarter of the 16
        integers next to the middle candidate xmin, or xmax, are observed degrees (sparse
        supports, such as convolutions' degrees in the millions, make those bounds useless)."""
        if self._dense is None:
            sample = self.sample
            dense = False
            if sample.below_table():
                depth = float(_END_ROUNDS[0][0])
                lo = float(self.a[self.a.size // 2])
                hi = float(self.b[self.b.size // 2])
                i = np.searchsorted(sample.uf, [lo, lo + depth, hi - depth, hi], side="right")
                dense = max(i[1] - i[0], i[3] - i[2]) >= 0.25 * depth
            self._dense = dense
        return self._dense

    def _bound(self, kind, depth, sel):
        """Lower bounds of the KS distances of the candidates ``sel``."""
        if kind != "quantiles":
            z = self._z
            step = max(1, (CHUNK * 8) // depth)  # blocks of depth x step entries
            lb = np.concatenate([
                _ks_ends(self.sample, self._low, self._high, self._row[t], self._col[t], self.ia[t], self.ib[t],
                         self.alpha[t], self.lam[t], self._neg[t], z[t], self.b[t] - self.a[t], depth, kind)
                for t in (sel[i:i + step] for i in range(0, sel.size, step))
            ])
            lb[np.isnan(lb)] = 0.0
            return lb
        return _ks_lower(self.sample, self.ia[sel], self.ib[sel], self.alpha[sel], self.a[sel], self.b[sel], depth)

    def _best(self) -> int:
        # Rounds of ever finer lower bounds of the distances (the CCDFs at the integers next
        # to both ends of each range, then at quantiles of the range), each on the pairs the
        # previous ones could not rule out against the smallest exact distance found so far
        # (the pairs of smallest bound get theirs after each round); then exact distances
        # in increasing order of bound. Every pair within KS_TIE of the smallest distance
        # gets its exact distance, so the tie rule sees all of them.
        if self.candidates <= 16 or int((self.ib - self.ia + 1).sum()) <= _EXACT_ALL:
            self.exact(np.arange(self.candidates))  # cheaper than bounding them first
            return _pick(self.ks, self.n_tail, self.a, self.b)
        rounds = [("quantiles", nq) for nq in (4, 16, 64)]
        if self._dense_ends():
            rounds = [(side, depth) for depth, side in _END_ROUNDS] + rounds
        best = math.inf
        if self._lb is not None:  # the first round came with the exponents
            lb = np.maximum(self._lb, 0.0)
            first = int(np.argmin(lb))
            best = float(self.exact([first])[0])
            keep = np.flatnonzero(lb <= best + KS_TIE + _KS_MARGIN)
        else:
            lb = np.zeros(self.candidates)
            keep = np.arange(self.candidates)
        for kind, depth in rounds:
            if keep.size <= 64 or int((self.ib[keep] - self.ia[keep] + 1).sum()) <= 10 * _EXACT_ALL:
                break
            lb[keep] = np.maximum(lb[keep], self._bound(kind, depth, keep))
            todo = keep[np.isnan(self.ks[keep])]
            if todo.size:
                first = todo[_smallest(lb[todo], 16 if kind == "quantiles" else 4)]
                best = min(best, float(self.exact(first).min()))
            keep = keep[lb[keep] <= best + KS_TIE + _KS_MARGIN]
        if keep.size > 1 and self.sample.below_table():
            width = self.b[keep] - self.a[keep]
            if float(width.max()) < _DENSE_KS and (float(width.max()) + 1.0) * keep.size <= _DENSE_BLOCK:
                self.exact(keep)  # all short: one padded block is cheaper than rounds of pruning
                return _pick(self.ks, self.n_tail, self.a, self.b)
        order = keep[np.argsort(lb[keep], kind="stable")] if keep.size > 1 else keep
        pos = 0
        chunk = 8
        while pos < order.size:
            sel = order[pos:pos + chunk]
            sel = sel[lb[sel] <= best + KS_TIE + _KS_MARGIN]
            if not sel.size:
                break
            best = min(best, float(self.exact(sel).min()))
            pos += chunk
            chunk *= 2
        return _pick(self.ks, self.n_tail, self.a, self.b)

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
