r"""The discrete truncated power law of Hou & Kwok's eq. (4), and its exact sampler.

:class:`DiscreteTPL` puts on each integer of :math:`\{x_{\min}, \dots, x_{\max}\}` the
probability :math:`x^{-\alpha} / \zeta(\alpha, x_{\min}, x_{\max})`. Every sum over the
support is computed in O(1) whatever its length (:mod:`netgraph.tpl._sums`). :class:`_Sampler`
draws from it by inverting the CCDF exactly, from a table of it for supports up to 2**21
integers and by bisection on it beyond; the bootstraps (:mod:`netgraph.tpl.bootstrap`)
draw their synthetic data sets with it. ``xmax = inf`` gives the untruncated discrete power
law of Clauset et al., normalised by the Hurwitz zeta function (``alpha > 1``), sampled by
:class:`_TailSampler` (a table of the CCDF for the first 2**16 integers, then doubling and
bisection on :func:`scipy.special.zeta`).
"""

from __future__ import annotations

import math

import numpy as np

from netgraph.exceptions import InvalidParameterError
from netgraph.tpl._sums import partial_sums, sum_scalar
from netgraph.utils.check import check_int, check_real
from netgraph.utils.seeds import seed_sequence

__all__ = ["DiscreteTPL"]

#: Supports up to this many integers are sampled from a table of the CCDF; longer ones
#: by bisection on the CCDF computed in O(1).
_TABLE_MAX = 1 << 21
#: The untruncated sampler tabulates the CCDF on this many integers from xmin.
_TAIL_TABLE = 1 << 16
#: ... and draws at most this value (2**62: int64; P(X > 2**62) is below 1e-9 for alpha >= 1.5).
_TAIL_MAX = float(1 << 62)


class _TailSampler:
    """Exact inverse-CCDF sampling of the untruncated law on [a, inf), alpha > 1: values
    below a + 2**16 from a table of the CCDF, larger ones by doubling then bisection on
    S(x) = zeta(alpha, x) / zeta(alpha, a) (clipped at 2**62)."""

    def __init__(self, alpha: float, a: int):
        from scipy.special import zeta

        self.alpha = float(alpha)
        self.a = int(a)
        self.z = float(zeta(self.alpha, float(a)))
        k = np.arange(self.a, self.a + _TAIL_TABLE, dtype=float)
        # S(a + i) for i = 0..size: the table is decreasing, S(a) = 1
        self.table = np.append(zeta(self.alpha, k) / self.z, zeta(self.alpha, k[-1] + 1.0) / self.z)
        self.table[0] = 1.0

    def ccdf(self, x):
        """S(x) = P(X >= x) for float arrays x >= a."""
        from scipy.special import zeta

        return zeta(self.alpha, x) / self.z

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        u = 1.0 - rng.random(size)  # X = the largest x with S(x) >= u
        # in the table: the last i with table[i] >= u (table decreasing)
        i = np.searchsorted(-self.table, -u, side="right") - 1
        out = (self.a + i).astype(np.int64)
        far = np.flatnonzero(i >= _TAIL_TABLE)
        if far.size:
            lo = np.full(far.size, float(self.a + _TAIL_TABLE))  # S(lo) >= u
            hi = 2.0 * lo
            act = np.arange(far.size)
            while act.size:  # doubling until S(hi) < u
                grow = self.ccdf(hi[act]) >= u[far[act]]
                lo[act[grow]] = hi[act[grow]]
                hi[act[grow]] *= 2.0
                act = act[grow & (hi[act] < _TAIL_MAX)]
            hi = np.minimum(hi, _TAIL_MAX)
            act = np.arange(far.size)
            while act.size:
                mid = np.floor(0.5 * (lo[act] + hi[act]))
                go = self.ccdf(mid) >= u[far[act]]
                lo[act] = np.where(go, mid, lo[act])
                hi[act] = np.where(go, hi[act], mid)
                act = act[hi[act] - lo[act] > 1.0]
            out[far] = lo.astype(np.int64)
        return out


class _Sampler:
    """Exact inverse-CCDF sampling of DiscreteTPL(alpha, a, b) (b = inf: :class:`_TailSampler`)."""

    def __new__(cls, alpha=1.0, a=1, b=1):
        if math.isinf(b):
            return _TailSampler(alpha, a)
        return super().__new__(cls)

    def __init__(self, alpha: float, a: int, b: int):
        self.alpha = float(alpha)
        self.a = int(a)
        self.b = int(b)
        self.r = float(a if alpha >= 0 else b)
        size = self.b - self.a + 1
        self.table = None
        if size <= _TABLE_MAX:
            k = np.arange(self.a, self.b + 1, dtype=float)
            w = np.exp(-self.alpha * np.log1p((k - self.r) / self.r))
            tail = np.cumsum(w[::-1])  # tail[i] = sum_{k >= b - i}
            self.pmf = w / tail[-1]
            self.table = tail / tail[-1]  # table[i] = S(b - i), increasing to 1
            self.table[-1] = 1.0
        else:
            self.z = float(partial_sums(np.array([self.alpha]), np.array([float(a)]), np.array([float(b)]),
                                        np.array([self.r]), order=0)[0][0])

    def ccdf(self, x):
        """S(x) = P(X >= x) for float arrays of integers x in [a, b]."""
        n = x.size
        return partial_sums(np.full(n, self.alpha), x, np.full(n, float(self.b)), np.full(n, self.r),
                            order=0)[0] / self.z

    def __call__(self, size: int, rng: np.random.Generator) -> np.ndarray:
        u = 1.0 - rng.random(size)  # in (0, 1]; X = the largest x with S(x) >= u
        if self.table is not None:
            return self.b - np.searchsorted(self.table, u, side="left")
        lo = np.full(size, float(self.a))  # S(lo) >= u
        hi = np.full(size, float(self.b) + 1.0)  # S(hi) < u
        act = np.arange(size)
        while act.size:
            mid = np.floor(0.5 * (lo[act] + hi[act]))
            go = self.ccdf(mid) >= u[act]
            lo[act] = np.where(go, mid, lo[act])
            hi[act] = np.where(go, hi[act], mid)
            act = act[hi[act] - lo[act] > 1.0]
        return lo.astype(np.int64)


class DiscreteTPL:
    r"""The discrete truncated power law of Hou & Kwok's eq. (4).

    .. math::

       f(x) = \frac{x^{-\alpha}}{\zeta(\alpha, x_{\min}, x_{\max})}, \qquad
       x \in \{x_{\min}, \dots, x_{\max}\}, \qquad
       \zeta(\alpha, a, b) = \sum_{k=a}^{b} k^{-\alpha}.

    Parameters
    ----------
    alpha : float
        The exponent, any finite real number: on a bounded support every exponent gives
        a distribution (Hanel et al. [3]_), increasing when ``alpha < 0``.
    xmin : int
        The smallest value, at least 1.
    xmax : int or inf
        The largest value, at least ``xmin``; ``np.inf`` gives the untruncated discrete
        power law of Clauset et al. [4]_, :math:`x^{-\alpha} / \zeta(\alpha, x_{\min})`
        with the Hurwitz zeta function, which needs ``alpha > 1``.

    Attributes
    ----------
    alpha : float
    xmin, xmax : int
    support : ndarray of int64
        ``xmin, xmin + 1, ..., xmax`` (built when read).
    normalizer : float
        :math:`\zeta(\alpha, x_{\min}, x_{\max})`; it can overflow to ``inf`` or
        underflow to 0 for extreme exponents, ``log_normalizer`` cannot.
    log_normalizer : float
        Its natural logarithm.

    Raises
    ------
    InvalidParameterError
        If ``alpha`` is not a finite number, or ``xmin``, ``xmax`` are not integers with
        ``1 <= xmin <= xmax``.

    Notes
    -----
    Every sum over the support is computed in O(1), whatever its length (direct
    summation of the first terms, Euler-Maclaurin summation of the rest, relative error
    about 1e-16), so ``xmax = 10**9`` is as cheap as ``xmax = 10``. Sampling inverts the
    CCDF exactly: from a table of it for supports up to 2**21 values, by bisection on it
    beyond.

    References
    ----------
    .. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
       arXiv:1805.01891 (2018), eq. (4).
    .. [2] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of non-truncated
       and truncated power-law distributions." Acta Geophysica 61(6), 1351-1394 (2013).
    .. [3] Hanel, R., Corominas-Murtra, B., Liu, B. and Thurner, S. "Fitting power-laws
       in empirical data with estimators that work for all exponents." PLoS ONE 12(2),
       e0170920 (2017).
    .. [4] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions in
       Empirical Data." SIAM Review 51(4), 661-703 (2009), eq. (2.4).

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL
    >>> d = DiscreteTPL(2.0, 1, 3)               # f(x) proportional to 1, 1/4, 1/9
    >>> d.normalizer                             # 1 + 1/4 + 1/9
    1.3611111111111112
    >>> d.pmf([1, 2, 3, 4]).round(4)
    array([0.7347, 0.1837, 0.0816, 0.    ])
    >>> round(d.ccdf(2), 12), 13 / 49            # P(X >= 2) = (1/4 + 1/9) / (49/36)
    (0.265306122449, 0.2653061224489796)
    >>> round(d.cdf(2), 12)                      # P(X <= 2)
    0.918367346939
    >>> d.ccdf(1), d.cdf(3)
    (1.0, 1.0)
    >>> d.sample(5, seed=1)
    array([1, 3, 1, 3, 1])

    Long supports and exponents below 1 are fine:

    >>> big = DiscreteTPL(0.5, 10, 10**6)
    >>> float(big.pmf(big.support).sum().round(12))
    1.0
    >>> big.sample(3, seed=0)
    array([407147,  74005,   1930])

    The untruncated law: the normaliser is the Hurwitz zeta function, zeta(2, 1) = pi^2 / 6:

    >>> import numpy as np
    >>> pl = DiscreteTPL(2.0, 1, np.inf)
    >>> round(pl.normalizer, 12), round(np.pi**2 / 6, 12)
    (1.644934066848, 1.644934066848)
    >>> round(pl.ccdf(2), 12), round(1 - 6 / np.pi**2, 12)
    (0.392072898146, 0.392072898146)
    >>> pl.sample(5, seed=1)
    array([ 1, 12,  1, 12,  1])
    """

    def __init__(self, alpha, xmin, xmax):
        alpha = check_real(alpha, "alpha")
        xmin = check_int(xmin, "xmin", minimum=1)
        self._sampler = None
        if not isinstance(xmax, bool) and isinstance(xmax, (int, float, np.number)) and float(xmax) == math.inf:
            if alpha <= 1.0:
                raise InvalidParameterError(f"the untruncated law (xmax = inf) needs alpha > 1; got alpha = {alpha!r}")
            from netgraph.tpl.untruncated import _zeta_sums

            self.alpha, self.xmin, self.xmax, self._r = float(alpha), xmin, math.inf, float(xmin)
            self._z = float(_zeta_sums(np.array([self.alpha]), np.array([self._r]), order=0)[0][0])
            self.log_normalizer = float(math.log(self._z) - self.alpha * math.log(self._r))
            self.normalizer = math.exp(self.log_normalizer)
            return
        xmax = check_int(xmax, "xmax")
        if xmax < xmin:
            raise InvalidParameterError(f"xmax must be at least xmin = {xmin}; got {xmax!r}")
        if xmax > 2**53:
            raise InvalidParameterError(f"xmax must be at most 2**53; got {xmax!r}")
        self.alpha = float(alpha)
        self.xmin = xmin
        self.xmax = xmax
        self._r = float(xmin if self.alpha >= 0 else xmax)
        self._z = sum_scalar(self.alpha, float(xmin), float(xmax), self._r)
        self.log_normalizer = float(math.log(self._z) - self.alpha * math.log(self._r))
        try:
            self.normalizer = math.exp(self.log_normalizer)
        except OverflowError:
            self.normalizer = math.inf

    def __repr__(self):
        return f"DiscreteTPL(alpha={self.alpha!r}, xmin={self.xmin}, xmax={self.xmax})"

    @property
    def support(self) -> np.ndarray:
        """The integers ``xmin, xmin + 1, ..., xmax`` (not for the untruncated law)."""
        if self.xmax == math.inf:
            raise InvalidParameterError("the untruncated law (xmax = inf) has an infinite support")
        return np.arange(self.xmin, self.xmax + 1, dtype=np.int64)

    def _sum(self, lo, hi):
        """sum_{k=lo}^{hi} (k / r)^-alpha for float arrays lo <= hi inside the support."""
        n = lo.size
        return partial_sums(np.full(n, self.alpha), lo, hi, np.full(n, self._r), order=0)[0]

    @staticmethod
    def _out(values, x):
        return float(values[()]) if np.ndim(x) == 0 else values

    def logpmf(self, x):
        """Natural logarithm of the pmf at ``x`` (``-inf`` off the support, non-integers included).

        Parameters
        ----------
        x : array_like

        Returns
        -------
        float or ndarray
        """
        xf = np.asarray(x, dtype=float)
        inside = (xf >= self.xmin) & (xf <= self.xmax) & (xf == np.floor(xf))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(inside, -self.alpha * np.log(np.where(inside, xf, 1.0)) - self.log_normalizer, -np.inf)
        return self._out(np.asarray(out, dtype=float), x)

    def pmf(self, x):
        """Probability of the value ``x`` (0 off the support).

        Parameters
        ----------
        x : array_like

        Returns
        -------
        float or ndarray
        """
        xf = np.asarray(x, dtype=float)
        inside = (xf >= self.xmin) & (xf <= self.xmax) & (xf == np.floor(xf))
        k = np.where(inside, xf, self._r)
        out = np.where(inside, np.exp(-self.alpha * np.log1p((k - self._r) / self._r)) / self._z, 0.0)
        return self._out(np.asarray(out, dtype=float), x)

    def ccdf(self, x):
        """The survival function S(x) = P(X >= x), so ``ccdf(xmin) == 1``.

        Hou & Kwok's :math:`S(x) = \\zeta(\\alpha, x, x_{\\max}) / \\zeta(\\alpha, x_{\\min}, x_{\\max})`;
        note the ``>=`` (not scipy's ``sf``, which is ``P(X > x)``).

        Parameters
        ----------
        x : array_like
            Any real values.

        Returns
        -------
        float or ndarray
        """
        xf = np.ceil(np.asarray(x, dtype=float))
        flat = np.atleast_1d(xf).ravel()
        out = np.where(flat <= self.xmin, 1.0, 0.0)
        mid = np.flatnonzero((flat > self.xmin) & (flat <= self.xmax))
        if mid.size and self.xmax == math.inf:
            from netgraph.tpl.untruncated import _zeta_sums

            v = flat[mid]
            out[mid] = (_zeta_sums(np.full(v.size, self.alpha), v, order=0)[0]
                        * np.exp(-self.alpha * np.log(v / self._r))) / self._z
        elif mid.size:
            out[mid] = self._sum(flat[mid], np.full(mid.size, float(self.xmax))) / self._z
        return self._out(out.reshape(np.shape(xf)), x)

    def cdf(self, x):
        """The distribution function P(X <= x).

        Parameters
        ----------
        x : array_like
            Any real values.

        Returns
        -------
        float or ndarray
        """
        xf = np.floor(np.asarray(x, dtype=float))
        flat = np.atleast_1d(xf).ravel()
        out = np.where(flat >= self.xmax, 1.0, 0.0)
        mid = np.flatnonzero((flat >= self.xmin) & (flat < self.xmax))
        if mid.size:
            out[mid] = self._sum(np.full(mid.size, float(self.xmin)), flat[mid]) / self._z
        return self._out(out.reshape(np.shape(xf)), x)

    def loglik(self, data) -> float:
        """Log-likelihood of ``data``: the sum of :meth:`logpmf`, ``-inf`` if a value is off the support.

        Parameters
        ----------
        data : array_like of int

        Returns
        -------
        float
        """
        xf = np.asarray(data, dtype=float).ravel()
        if not np.all((xf >= self.xmin) & (xf <= self.xmax) & (xf == np.floor(xf))):
            return -math.inf
        return float(-self.alpha * np.log(xf).sum() - xf.size * self.log_normalizer)

    def sample(self, n, *, seed=None) -> np.ndarray:
        """Exact random sample of size ``n`` (inverse CCDF on the support).

        Parameters
        ----------
        n : int
            Sample size.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
            The random source; the same integer gives the same sample.

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        n = check_int(n, "n", minimum=0)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed_sequence(seed))
        if self._sampler is None:
            self._sampler = _Sampler(self.alpha, self.xmin, self.xmax)
        return np.asarray(self._sampler(n, rng), dtype=np.int64)
