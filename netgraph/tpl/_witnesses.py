"""Witnesses of Clauset's bootstrap replicates, a chunk of replicates at a time (private; issue 12).

A replicate whose search would pick a range with a KS distance below the observed one is
decided as soon as *any* candidate range of it has a distance below the observed one by a
margin (a *witness*): the search's pick is never worse than any candidate by more than its
tie tolerance. :func:`witnesses_below` tries, for every replicate of a chunk, the few
candidate ranges nearest to the fitted one and to the witnesses of earlier replicates of
the same fit (the *hints*), and solves and measures all of them at once: one call of the
exponent solver and one of the exact distances for the whole chunk instead of two small
calls per replicate, whose fixed costs were most of the work.

Which ranges are tried changes only the time: any witness decides its replicate, and a
replicate without one goes on to :func:`netgraph.tpl._decisions._decide_unsolved`.
"""

from __future__ import annotations

import numpy as np

from netgraph.exceptions import FitError
from netgraph.tpl._blocks import _Grid
from netgraph.tpl._decide_exact import ks_exact_many
from netgraph.tpl.mle import _solve_alpha
from netgraph.tpl.search import _candidate_grid, _candidate_pairs

__all__: list[str] = []

#: Witness pairs tried per replicate around the fitted range (see :func:`witnesses_below`).
WITNESSES = 8
#: Ranges (a, b) of recent witnesses kept per fit (the hints), at most this many.
HINTS = 8
#: A witness decides a replicate only when its distance is below the observed one by this
#: much: far more than the rounding of any two ways of computing one distance, and more
#: than the search's tie tolerance, so the search's own pick is below the observed one too.
WITNESS_MARGIN = 1e-9


def witnesses_below(samples, k, xmin, xmax, a: float, b: float, ks_obs: float, hints=None):
    """Which replicates of ``samples`` (a list of :class:`~netgraph.tpl.ks._Sample`) have a
    witness among their candidate ranges nearest to the fitted ``[a, b]`` (the nearest of the
    4 x 4 xmin and xmax candidates around it, :func:`near_pairs`) and to each range of
    ``hints`` (the nearest of the 2 x 2 around it).

    Returns ``(below, pairs)``: per replicate True (a witness), False (none, or no candidate in
    the windows), or None where the search has no candidate range (it would raise FitError);
    and its candidate ranges ``[ia, ib, a, b]`` (None where it has none). ``hints``, a list of
    ranges (a, b), gets the witnesses found, the latest first (:func:`remember`).
    """
    below, pairs = [None] * len(samples), [None] * len(samples)
    rows, segs = [], []
    ha = hb = None
    if hints:
        ha, hb = np.array(hints).T
    for t, sample in enumerate(samples):
        try:
            raw = _candidate_grid(sample, k, xmin, xmax)
        except FitError:
            continue
        ia, ib, ca, cb, _, _ = _candidate_pairs(sample, k, xmin, xmax, grid=raw)
        pairs[t] = [ia, ib, ca, cb]
        grid = _Grid(raw)
        picks = [near_pairs(grid, np.array([a]), np.array([b]), 2, WITNESSES)]
        if ha is not None:
            picks.append(near_pairs(grid, ha, hb, 1, 1))
        w = np.unique(np.concatenate(picks))
        if not w.size:  # no candidate in the windows (a sparse grid: min_distinct, min_ratio)
            below[t] = False
            continue
        ia, ib, ca, cb = ia[w], ib[w], ca[w], cb[w]
        n_tail = sample.cum[ib + 1] - sample.cum[ia]
        u0 = sample.uf[0]
        mrel = (sample.cumlog[ib + 1] - sample.cumlog[ia]) / n_tail - np.log1p((ca - u0) / u0)
        rows.append((ia, ib, ca, cb, mrel))
        segs.append(t)
    if not rows:
        return below, pairs
    ia, ib, ca, cb, mrel = (np.concatenate(x) for x in zip(*rows))
    alpha = _solve_alpha(mrel, ca, cb, np.log1p((cb - ca) / ca))
    sizes = [r[0].size for r in rows]
    d = ks_exact_many([samples[t] for t in segs], sizes, ia, ib, alpha, ca, cb)
    start = 0
    for t, size in zip(segs, sizes):
        dt = d[start:start + size]
        below[t] = bool(np.nanmin(dt) < ks_obs - WITNESS_MARGIN)
        if below[t] and hints is not None:
            i = start + int(np.nanargmin(dt))
            remember(hints, float(ca[i]), float(cb[i]))
        start += size
    return below, pairs


def near_pairs(grid: _Grid, a, b, half: int, count: int) -> np.ndarray:
    """Indices (in the order of :func:`~netgraph.tpl.search._candidate_pairs`) of the ``count``
    candidate pairs nearest to each range (``a``, ``b``: arrays) in ``|log xmin - log a| +
    |log xmax - log b|``, among the pairs of the ``half`` xmin and xmax candidates on either
    side of it (a few searches in the sorted ends, not a scan of every pair)."""
    w = 2 * half
    cell = np.arange(w * w)
    r = np.searchsorted(grid.low, a)[:, None] + (cell // w - half)  # (targets, w^2): every row with every column
    c = np.searchsorted(grid.high, b)[:, None] + (cell % w - half)
    ok = (r >= 0) & (r < grid.rows) & (c >= 0) & (c < grid.cols)
    r = np.minimum(np.maximum(r, 0), grid.rows - 1)
    c = np.minimum(np.maximum(c, 0), grid.cols - 1)
    ok &= c >= grid.first[r]
    dist = np.abs(np.log(grid.low[r] / a[:, None])) + np.abs(np.log(grid.high[c] / b[:, None]))
    dist[~ok] = np.inf
    near = (dist.argmin(axis=1)[:, None] if count == 1 else dist.argsort(axis=1, kind="stable")[:, :count])
    near = (near + w * w * np.arange(a.size)[:, None]).ravel()
    near = near[ok.ravel()[near]]
    return grid.index(r.ravel()[near], c.ravel()[near])


def remember(hints: list, a: float, b: float) -> None:
    """Put the witness range [a, b] first in ``hints`` (at most :data:`HINTS` kept)."""
    if (a, b) in hints:
        hints.remove((a, b))
    hints.insert(0, (a, b))
    del hints[HINTS:]
