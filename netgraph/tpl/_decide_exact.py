"""Exact KS distances of many fitted ranges for the bootstrap decisions (private; issue 12).

:func:`netgraph.tpl._decisions._clauset_decisions` measures a few dozen candidate ranges
per replicate (witnesses and probes). :func:`_ks_exact` gives their KS distances from the
gaps at every observed value v and at v + 1 (between observed values the empirical CCDF is
constant and the model's decreasing, so the largest gap over every integer of the range sits
there), with the model CCDFs from the short Euler-Maclaurin formula of
:mod:`netgraph.tpl._wide_sums` (:func:`~netgraph.tpl._wide_sums.ccdf_fast`, as
:func:`netgraph.tpl._blocks._gaps` does for one range) where the ranges qualify
(:func:`~netgraph.tpl._wide_sums.fast_rows`: its error is then below 1e-14 of a CCDF, far
below the decisions' 1e-9 margin); the other ranges keep the general partial sums
(:func:`netgraph.tpl.ks._ks_exact_pairs`).
"""

from __future__ import annotations

import numpy as np

from netgraph.tpl._wide_sums import ccdf_fast, fast_rows
from netgraph.tpl.ks import _ks_exact_pairs, _Sample

__all__: list[str] = []

#: Entries (ranges x observed values) per pass of :func:`_ks_fast_padded`.
_CELLS = 1 << 16


def _ks_exact(sample: _Sample, ia, ib, alpha, a, b) -> np.ndarray:
    """KS distances of the ranges [a, b] (observed values u[ia]..u[ib]) with exponents
    ``alpha``: those of :func:`netgraph.tpl.ks._ks_exact_pairs` to about 1e-14."""
    return ks_exact_many([sample], [np.size(ia)], ia, ib, alpha, a, b)


class _Stacked:
    """The observed values ``uf`` and counts ``cum`` of several samples end to end, each
    sample's segment ``u.size + 1`` long (its ``uf`` padded by one value), so that the ranges
    of all of them can be measured in one pass: an index ``i`` of sample ``s`` is
    ``offset[s] + i`` in both arrays."""

    def __init__(self, samples):
        sizes = np.array([s.cum.size for s in samples])
        self.offset = np.cumsum(sizes) - sizes
        self.uf = np.concatenate([np.append(s.uf, 0.0) for s in samples])  # (the pad is never read)
        self.cum = np.concatenate([s.cum for s in samples])


def ks_exact_many(samples, sizes, ia, ib, alpha, a, b) -> np.ndarray:
    """:func:`_ks_exact` of ranges of several samples at once: the first ``sizes[0]`` ranges
    (``ia``, ``ib`` index each sample's own values) are of ``samples[0]``, the next
    ``sizes[1]`` of ``samples[1]``, and so on. The ranges the short formula serves are
    measured in one pass over the samples end to end (:class:`_Stacked`; one sample as it
    is); the others, per sample, by the general sums."""
    ia = np.asarray(ia, dtype=np.int64)
    ib = np.asarray(ib, dtype=np.int64)
    alpha = np.asarray(alpha, dtype=float)
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    fast = np.isfinite(alpha) & fast_rows(np.nan_to_num(alpha), a, b)
    out = np.empty(ia.size)
    if fast.any():
        if len(samples) == 1:
            stacked, fa, fb = samples[0], ia[fast], ib[fast]
        else:
            stacked = _Stacked(samples)
            shift = np.repeat(stacked.offset, sizes)[fast]
            fa, fb = ia[fast] + shift, ib[fast] + shift
        out[fast] = _ks_fast_padded(stacked, fa, fb, alpha[fast], a[fast], b[fast])
    if not fast.all():
        start = 0
        for sample, size in zip(samples, sizes):
            rest = np.flatnonzero(~fast[start:start + size]) + start
            if rest.size:
                out[rest] = _ks_exact_pairs(sample, ia[rest], ib[rest], alpha[rest], a[rest], b[rest])
            start += size
    return out


def _ks_fast_padded(sample: _Sample, ia, ib, alpha, a, b) -> np.ndarray:
    """:func:`_ks_exact` of ranges that :func:`~netgraph.tpl._wide_sums.fast_rows` serves,
    in passes of about :data:`_CELLS` entries (rows padded by repeating their last value,
    which repeats its gaps)."""
    width = int((ib - ia).max()) + 1
    step = max(1, _CELLS // width)
    if ia.size <= step:
        return _ks_fast_rows(sample, ia, ib, alpha, a, b, width)
    out = np.empty(ia.size)
    for k in range(0, ia.size, step):
        t = slice(k, k + step)
        out[t] = _ks_fast_rows(sample, ia[t], ib[t], alpha[t], a[t], b[t], int((ib[t] - ia[t]).max()) + 1)
    return out


def _ks_fast_rows(sample: _Sample, ia, ib, alpha, a, b, width: int) -> np.ndarray:
    """:func:`_ks_fast_padded` on one pass."""
    idx = np.minimum(ia[:, None] + np.arange(width)[None, :], ib[:, None])
    x = sample.uf[idx]
    s, w = ccdf_fast(alpha, a, b, x)
    at_a = x <= a[:, None]
    s = np.where(at_a, 1.0, s)  # S(a) = 1 (the formula gives it to rounding)
    top = sample.cum[ib + 1]
    n = (top - sample.cum[ia]).astype(float)[:, None]
    e0 = (top[:, None] - sample.cum[idx]) / n
    e1 = (top[:, None] - sample.cum[idx + 1]) / n
    d0 = np.abs(e0 - s)
    d1 = np.where(x < b[:, None], np.abs(e1 - (s - w)), 0.0)
    return np.maximum(d0, d1).max(axis=1)
