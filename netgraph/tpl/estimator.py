"""The estimator: Hou & Kwok's range search with its goodness-of-fit tests.

:class:`TruncatedPowerLaw` fits the discrete TPL to the degrees of a layer as the paper
does (the range search of :mod:`netgraph.tpl.search`, the exponents of
:mod:`netgraph.tpl.mle`), with the bootstrap p-values and Deluca & Corral's range rule of
:mod:`netgraph.tpl.bootstrap`; :func:`fit_tpl` is the same in one call.
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np

from netgraph.exceptions import FitError, InvalidParameterError, NotFittedError
from netgraph.tpl.bootstrap import _clauset_replicates, _fit_search, _fixed_range_pvalue, _map_replicates
from netgraph.tpl.distribution import DiscreteTPL
from netgraph.tpl.ks import _Sample
from netgraph.tpl.search import READINGS, _Space
from netgraph.utils.check import check_choice, check_int, check_integers, check_n_jobs, check_real, check_seed
from netgraph.utils.progress import progress_bar
from netgraph.utils.seeds import child_seed, seed_sequence

__all__ = ["TruncatedPowerLaw", "fit_tpl", "RULES", "METHODS", "READINGS", "NARROW_RATIO", "FEW_DISTINCT"]

logger = logging.getLogger(__name__)

#: Accepted values of ``rule``: how the range (xmin, xmax) is chosen.
RULES = ("ks", "deluca-corral")
#: Accepted values of ``method``: which bootstrap gives the p-value.
METHODS = ("clauset", "deluca-corral")
#: The attributes a fit sets; reading one before :meth:`TruncatedPowerLaw.fit` raises NotFittedError.
_RESULTS = (
    "alpha_", "xmin_", "xmax_", "ks_", "n_tail_", "loglik_", "n_isolated_", "n_", "distribution_",
    "candidates_", "p_value_", "bootstrap_ks_", "ks_choice_", "deluca_corral_choice_", "narrow_range_",
)
#: A chosen range narrower than this ratio xmax / xmin (one decade), or holding fewer than
#: FEW_DISTINCT distinct observed degrees, is reported as narrow (``narrow_range_``, a log
#: warning): a power law over so short a stretch says little (Stumpf & Porter, Science 335,
#: 665 (2012), ask for two decades; on tied data the smallest KS distance often falls on a
#: range of three values holding most of the data, and no tail).
NARROW_RATIO = 10.0
FEW_DISTINCT = 5


class TruncatedPowerLaw:
    r"""Fit Hou & Kwok's discrete truncated power law to the degrees of a layer.

    The search of the paper [1]_: with ``n`` the number of nodes of the layer (isolated
    ones included) and ``m = floor(n k)``, ``xmin`` runs over the distinct values of the
    ``m`` smallest degrees and ``xmax`` over those of the ``m`` largest, every pair with
    ``xmin < xmax`` whose range holds at least 3 distinct observed degrees (a range with
    two would fit any data exactly). For each pair, alpha is the exact maximum-likelihood
    exponent of the degrees inside the range; the pair kept is the one with the smallest
    Kolmogorov-Smirnov distance

    .. math::

       D = \max_{x_{\min} \le x \le x_{\max}} |S_{\rm emp}(x) - S(x)|

    over every integer of the range (not only the observed values), where
    :math:`S_{\rm emp}` is the empirical CCDF of the degrees in the range. Distances within
    1e-12 of each other are ties, broken deterministically by more degrees in range
    (``n_tail``), then the smaller ``xmin``, then the larger ``xmax``. Zero degrees
    (isolated nodes) are never candidates and are left out of the fit; they are counted
    in ``n_isolated_`` and in ``n``.

    Parameters
    ----------
    k : float, default 0.3
        Fraction of the nodes (or of the distinct degrees, see ``k_reading``) that supply
        the candidates, in (0, 1]. ``k=1`` searches every distinct observed degree for
        xmin and for xmax: the full search of Clauset et al. [2]_ and of ``powerlaw``.
        Above 0.5 the two sets of candidates overlap, which only adds pairs.
    k_reading : {"order", "distinct"}, default "order"
        How "the floor(n k) smallest degree values" of the paper are read. ``"order"``:
        order statistics, xmin among the distinct values of the floor(n k) smallest
        degrees (n counting isolated nodes) and xmax among those of the floor(n k)
        largest. ``"distinct"``: xmin among the floor(D k) smallest of the D distinct
        positive degrees, xmax among the floor(D k) largest. The default is the paper's
        reading, so that the fits reproduce Hou & Kwok's (and earlier netgraph results);
        on data with many ties (word counts: 18,855 values, 272 distinct) it leaves few
        candidates (xmin in {1, 2} at k = 0.3), and ``"distinct"`` or ``k=1`` search
        the tail as well.
    min_ratio : float, default 1
        Only ranges with ``xmax / xmin >= min_ratio`` are candidates (10: at least one
        decade). Ignored when ``xmax`` is infinite.
    min_distinct : int, default 3
        Only ranges holding at least this many distinct observed degrees are candidates
        (at least 3: a range with two fits any data exactly).
    rule : {"ks", "deluca-corral"}, default "ks"
        ``"ks"``: the paper's rule, the smallest KS distance. ``"deluca-corral"``: the rule
        of Deluca & Corral [3]_, the widest range (largest ``xmax / xmin``) whose
        fixed-range p-value (``range_bootstrap`` replicates, see :meth:`goodness_of_fit`)
        exceeds ``p_threshold``; ties by more data, then smaller ``xmin``. If no range
        passes, the KS choice is kept, ``deluca_corral_choice_`` is None and a
        :class:`RuntimeWarning` says so. KS minimisation tends to pick narrow ranges;
        this rule prefers the widest range the data do not reject.
    bootstrap : int, default 0
        If positive, :meth:`fit` also computes ``p_value_`` with this many replicates of
        ``method``.
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        The random source of the bootstraps; an integer makes every p-value
        reproducible, whatever ``n_jobs``.
    p_threshold : float, default 0.1
        A range passes Deluca & Corral's rule when its p-value is larger than this.
    method : {"clauset", "deluca-corral"}, default "clauset"
        Which bootstrap gives ``p_value_``; see :meth:`goodness_of_fit`.
    n_jobs : int, default 1
        Worker processes for the Clauset bootstrap (-1 or None: one per CPU).
    range_bootstrap : int, default 100
        Replicates per range tested by the ``"deluca-corral"`` rule.
    progress : bool or None, default None
        Progress bar (tqdm, on standard error) for the bootstrap of :meth:`fit`;
        None shows it only when standard error is a terminal and the ``netgraph``
        logger is not silenced (:func:`netgraph.utils.progress.show_progress`).
    xmin, xmax : int or None, default None
        Fix that end of the range instead of searching it (it need not be an observed
        degree). With both fixed only alpha is fitted, and the Deluca-Corral p-value is
        then a calibrated test of the TPL on that range. ``xmax=np.inf`` fits the
        *untruncated* discrete power law :math:`x^{-\alpha} / \zeta(\alpha, x_{\min})`
        (Hurwitz zeta, ``alpha > 1``) of Clauset et al. [2]_ on every degree from
        ``xmin`` on, searching xmin only; the Clauset bootstrap works as for the
        truncated law (Deluca & Corral's rule and fixed-range test do not, yet).

    Attributes
    ----------
    alpha_ : float
        The exponent.
    xmin_, xmax_ : int
        The range.
    ks_ : float
        The KS distance of the fit, over every integer of the range.
    n_tail_ : int
        Number of degrees inside the range (the data of the fit).
    loglik_ : float
        Log-likelihood of those degrees under the fitted TPL.
    n_ : int
        Number of nodes, isolated ones included.
    n_isolated_ : int
        Number of zero degrees.
    candidates_ : int
        Number of (xmin, xmax) pairs tried.
    distribution_ : DiscreteTPL
        The fitted distribution.
    p_value_ : float or None
        The bootstrap p-value of ``method`` (None unless ``bootstrap > 0``).
    bootstrap_ks_ : ndarray or None
        The KS distances of the bootstrap replicates (NaN for a synthetic data set that
        could not be fitted; such replicates are left out of the p-value).
    ks_choice_ : dict
        The pair of smallest KS distance: ``xmin``, ``xmax``, ``alpha``, ``ks``,
        ``n_tail``, ``p_value``. Under ``rule="ks"`` its p-value is ``p_value_``; under
        ``rule="deluca-corral"`` the fixed-range p-value of its range.
    deluca_corral_choice_ : dict or None
        The same for Deluca & Corral's choice, with its fixed-range p-value; None under
        ``rule="ks"`` or when no range passes.
    narrow_range_ : str or None
        Why the chosen range says little, when its ratio ``xmax_ / xmin_`` is below
        :data:`NARROW_RATIO` (10) or it holds fewer than :data:`FEW_DISTINCT` (5)
        distinct observed degrees (also logged at INFO level, shown by ``netgraph -v``, and said by
        :meth:`summary`); None otherwise. ``min_ratio`` and ``min_distinct`` keep such
        ranges out of the search.

    Reading an attribute before :meth:`fit` raises :class:`~netgraph.exceptions.NotFittedError`.

    See Also
    --------
    fit_tpl : The same in one call.
    DiscreteTPL : The distribution.
    tpl_alpha_mle : The exponent for a given range.

    Notes
    -----
    All candidate pairs are solved at once (:mod:`netgraph.tpl.mle`). When their ranges
    span few integers, a direct solver tabulates, for each candidate ``xmin``, cumulative
    direct sums at one centre exponent, takes the sums at nearby exponents from their
    Taylor series in the change of alpha, and runs Halley steps on those. The other
    ranges, and those out of the direct solver's reach, go to a bracketed (safeguarded)
    Halley iteration on exact Euler-Maclaurin sums of :math:`k^{-\alpha} (\log k)^j`,
    :math:`j \le 3`, vectorised over the pairs. Lower bounds of the distances (the CCDFs
    at the integers next to the ends of each range, then at quantiles of the range)
    discard the pairs that cannot win before the exact distances are computed. The
    result is the same as that of the plain loop over every pair (the tests keep such a
    reference and compare).

    References
    ----------
    .. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
       arXiv:1805.01891 (2018).
    .. [2] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions in
       Empirical Data." SIAM Review 51(4), 661-703 (2009).
    .. [3] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of non-truncated
       and truncated power-law distributions." Acta Geophysica 61(6), 1351-1394 (2013).

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw
    >>> x = DiscreteTPL(2.0, 5, 2000).sample(4096, seed=42)
    >>> fit = TruncatedPowerLaw(k=0.3).fit(x)
    >>> fit.xmin_, fit.xmax_, round(fit.alpha_, 3), round(fit.ks_, 4)
    (5, 18, 2.058, 0.0046)
    >>> fit.n_tail_, fit.candidates_
    (3096, 452)

    A bootstrap p-value (Clauset et al.: the whole search is run again on each synthetic
    data set):

    >>> fit.goodness_of_fit(50, seed=0)
    0.7

    The smallest KS distance went to a narrow range, as it often does. Deluca & Corral's
    rule takes the widest range that its test does not reject, and reports both:

    >>> wide = TruncatedPowerLaw(rule="deluca-corral", seed=0).fit(x)
    >>> wide.xmin_, wide.xmax_, round(wide.alpha_, 3)
    (5, 1813, 1.998)
    >>> wide.deluca_corral_choice_["p_value"], wide.ks_choice_["xmax"], wide.ks_choice_["p_value"]
    (0.7, 18, 0.98)
    """

    def __init__(self, *, k=0.3, rule="ks", bootstrap=0, seed=None, p_threshold=0.1, method="clauset",
                 n_jobs=1, range_bootstrap=100, progress=None, xmin=None, xmax=None, k_reading="order",
                 min_ratio=1.0, min_distinct=3):
        self.k = check_real(k, "k", minimum=0, maximum=1, open_minimum=True)
        self.k_reading = check_choice(k_reading, "k_reading", READINGS)
        self.min_ratio = check_real(min_ratio, "min_ratio", minimum=1)
        self.min_distinct = check_int(min_distinct, "min_distinct", minimum=3)
        self.rule = check_choice(rule, "rule", RULES)
        self.bootstrap = check_int(bootstrap, "bootstrap", minimum=0)
        self.seed = check_seed(seed)
        self.p_threshold = check_real(p_threshold, "p_threshold", minimum=0, maximum=1, open_maximum=True)
        self.method = check_choice(method, "method", METHODS)
        self.n_jobs = check_n_jobs(n_jobs)
        self.range_bootstrap = check_int(range_bootstrap, "range_bootstrap", minimum=1)
        self.progress = progress
        self.xmin = None if xmin is None else check_int(xmin, "xmin", minimum=1)
        if xmax is not None and not isinstance(xmax, bool) and isinstance(xmax, (int, float, np.number)) \
                and float(xmax) == math.inf:
            self.xmax = math.inf
            if self.rule != "ks" or (self.bootstrap and self.method != "clauset"):
                raise InvalidParameterError(
                    f"the untruncated law (xmax = inf) is fitted with rule='ks' and bootstrapped with "
                    f"method='clauset' only; got rule={self.rule!r}, method={self.method!r}")
        else:
            self.xmax = None if xmax is None else check_int(xmax, "xmax", minimum=1)
        if self.xmin is not None and self.xmax is not None and self.xmax <= self.xmin:
            raise InvalidParameterError(f"xmax must be larger than xmin = {self.xmin}; got {xmax!r}")

    def __repr__(self):
        fixed = "".join(f", {name}={getattr(self, name)!r}" for name in ("xmin", "xmax")
                        if getattr(self, name) is not None)
        fixed += "".join(f", {name}={getattr(self, name)!r}" for name, default in
                         (("k_reading", "order"), ("min_ratio", 1.0), ("min_distinct", 3))
                         if getattr(self, name) != default)
        return (f"TruncatedPowerLaw(k={self.k!r}, rule={self.rule!r}, bootstrap={self.bootstrap!r}, "
                f"method={self.method!r}{fixed})")

    def __getattr__(self, name):
        # Only called when normal lookup fails: a result read before fit.
        if name in _RESULTS:
            raise NotFittedError(
                f"this TruncatedPowerLaw is not fitted yet: call fit(degrees) before reading {name}"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def fit(self, degrees):
        """Search (xmin, xmax), fit alpha, and (if ``bootstrap > 0``) compute the p-value.

        Parameters
        ----------
        degrees : array_like of int
            The degrees of the nodes of one layer, zeros (isolated nodes) included.

        Returns
        -------
        self : TruncatedPowerLaw

        Raises
        ------
        InvalidParameterError
            If a degree is negative, non-integer, NaN, or ``degrees`` is empty.
        FitError
            If there are too few nodes or distinct degrees to fit (the message says
            which), so that no candidate range exists.
        """
        deg = check_integers(degrees, "degrees")
        sample = _Sample(deg)
        # the seed of the range tests (a Generator is drawn from whatever the rule, as it always was)
        ss = seed_sequence(self.seed) if self.rule != "ks" or isinstance(self.seed, np.random.Generator) else None
        search, chosen, dc, dc_p = _fit_search(sample, self._space(), self.rule, self.range_bootstrap,
                                               self.p_threshold, ss, self.xmin, self.xmax)
        for name in _RESULTS:
            self.__dict__.pop(name, None)
        self._sample = sample
        self._search = search
        self.n_ = sample.n
        self.n_isolated_ = sample.n_isolated
        self.candidates_ = search.candidates
        self.xmin_ = int(search.a[chosen])
        self.xmax_ = math.inf if search.untruncated else int(search.b[chosen])
        self.alpha_ = float(search.alpha[chosen])
        self.ks_ = float(search.exact([chosen])[0])
        self.n_tail_ = int(search.n_tail[chosen])
        self.distribution_ = DiscreteTPL(self.alpha_, self.xmin_, self.xmax_)
        lo, hi = sample.cum[search.ia[chosen]], sample.cum[search.ib[chosen] + 1]
        sumlog = float(np.log(sample.sorted[sample.n_isolated + lo:sample.n_isolated + hi].astype(float)).sum())
        self.loglik_ = -self.alpha_ * sumlog - self.n_tail_ * self.distribution_.log_normalizer
        self.p_value_ = None
        self.bootstrap_ks_ = None
        if self.rule == "ks":
            self.deluca_corral_choice_ = None
        else:
            best = search.best
            if dc is None:
                warnings.warn(
                    f"no candidate range has a fixed-range p-value above p_threshold = {self.p_threshold} "
                    f"({search.candidates} ranges, {self.range_bootstrap} replicates each): "
                    "keeping the range of smallest KS distance",
                    RuntimeWarning, stacklevel=2,
                )
                self.deluca_corral_choice_ = None
            else:
                self.deluca_corral_choice_ = search.choice(dc, dc_p)
            if dc == best:
                ks_p = dc_p
            else:
                a, b = int(search.a[best]), int(search.b[best])
                ks_p, _ = _fixed_range_pvalue(search.alpha[best], a, b, int(search.n_tail[best]),
                                              search.exact([best])[0], self.range_bootstrap,
                                              child_seed(ss, 1, a, b))
            self.ks_choice_ = search.choice(best, ks_p)
        self.narrow_range_ = self._narrow(sample, search, chosen)
        if self.narrow_range_:
            logger.info("%s", self.narrow_range_)  # also in narrow_range_, to_dict() and summary()
        if self.bootstrap > 0:
            self.p_value_, self.bootstrap_ks_ = self._goodness(self.bootstrap, self.seed, self.method,
                                                               self.progress)
        if self.rule == "ks":
            self.ks_choice_ = search.choice(search.best, self.p_value_)
        return self

    def _space(self):
        """``k`` with the search space (k reading, minimum ratio and distinct values)."""
        return _Space(self.k, self.k_reading, self.min_ratio, self.min_distinct)

    def _narrow(self, sample, search, chosen):
        """The message of ``narrow_range_`` (None for a range that is not narrow)."""
        n_distinct = int(search.ib[chosen] - search.ia[chosen] + 1)
        ratio = self.xmax_ / self.xmin_
        if ratio >= NARROW_RATIO and n_distinct >= FEW_DISTINCT:
            return None
        share = self.n_tail_ / max(sample.n - sample.n_isolated, 1)
        return (f"narrow range: [{self.xmin_}, {self.xmax_}] spans a ratio of {ratio:.3g} (less than "
                f"{NARROW_RATIO:g}) " if ratio < NARROW_RATIO else f"narrow range: [{self.xmin_}, {self.xmax_}] ") + (
                f"with {n_distinct} distinct degrees" + (f" (fewer than {FEW_DISTINCT})" if n_distinct < FEW_DISTINCT
                                                          else "")
                + f" and {share:.0%} of the positive degrees: a power law over so short a stretch says little; "
                "min_ratio= or min_distinct= (--min-ratio, --min-distinct) keep such ranges out of the search")

    def summary(self) -> str:
        """The fit in plain words: the law, its range and exponent, the p-value if any, and
        whether the range is too narrow to mean much.

        Returns
        -------
        str

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.

        Examples
        --------
        >>> from netgraph.tpl import TruncatedPowerLaw
        >>> s = TruncatedPowerLaw().fit([1] * 50 + [2] * 20 + [3] * 10 + [40]).summary()
        >>> s.split(". ")[0]
        'truncated power law, alpha = 1.41 on [1, 3] (80 of 81 degrees, KS 0.0084)'
        >>> s.split(". ")[1][:70]
        'Narrow range: [1, 3] spans a ratio of 3 (less than 10) with 3 distinct'
        """
        if "_search" not in self.__dict__:
            raise NotFittedError("this TruncatedPowerLaw is not fitted yet: call fit(degrees) before summary")
        law = "power law" if self.xmax_ == math.inf else "truncated power law"
        top = "inf)" if self.xmax_ == math.inf else f"{self.xmax_}]"
        out = (f"{law}, alpha = {self.alpha_:.3g} on [{self.xmin_}, {top} ({self.n_tail_} of {self.n_} degrees, "
               f"KS {self.ks_:.2g}).")
        if self.p_value_ is not None:
            out += (f" Bootstrap p = {self.p_value_:.3g}: " + ("rejected (p <= 0.1)." if self.p_value_ <= 0.1
                                                               else "not rejected (p > 0.1)."))
        if self.narrow_range_:
            out += " N" + self.narrow_range_[1:] + "."
        return out

    def goodness_of_fit(self, n_bootstrap, *, seed=None, method="clauset", progress=None) -> float:
        """Bootstrap p-value of the fit.

        ``p`` is the fraction of synthetic data sets, drawn from the fitted model, whose
        KS distance (after being fitted the same way) is at least the observed one. A
        small ``p`` (Clauset et al. rule out the power law when p <= 0.1) means that
        data following the fitted TPL would rarely look as far from it as the layer's
        degrees do: the TPL is rejected. A large ``p`` does not prove the TPL: it says
        the data are compatible with it, and compares nothing against other models.

        Parameters
        ----------
        n_bootstrap : int
            Number of synthetic data sets. The resolution of ``p`` is ``1/n_bootstrap``;
            Clauset et al. take 2,500 for two-decimal accuracy.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
            The random source (default: the estimator's ``seed``). Each replicate has
            its own child seed, so the p-value does not depend on ``n_jobs``.
        method : {"clauset", "deluca-corral"}, default "clauset"
            ``"clauset"``: the semi-parametric bootstrap of Clauset, Shalizi & Newman
            [2]_. Each synthetic data set has ``n_`` values: with probability
            ``n_tail_ / n_`` a value is drawn from the fitted TPL, otherwise from the
            observed degrees outside ``[xmin_, xmax_]`` (zeros included); then the
            *whole search* (with this estimator's ``k`` and ``rule``) is run again and its
            KS distance kept. It tests the procedure, range choice included.
            ``"deluca-corral"``: the test of Deluca & Corral [3]_ for a fixed range.
            Each synthetic data set has ``n_tail_`` values drawn from the fitted TPL on
            ``[xmin_, xmax_]``; only alpha is fitted again, and the KS distance is taken
            on that range. It tests the TPL on the chosen range, which is taken as given.
        progress : bool or None
            Progress bar (tqdm on standard error); None shows it only on a terminal (as
            for the estimator's ``progress``).

        Returns
        -------
        float
            The p-value.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        InvalidParameterError
            On a bad ``n_bootstrap``, ``seed`` or ``method``.

        Notes
        -----
        Use ``"clauset"`` for a range found by the search. ``"deluca-corral"`` is
        calibrated for a range fixed in advance (``xmin=`` and ``xmax=``); on a range
        chosen for its small KS distance it is optimistic (p-values too large).

        References
        ----------
        .. [2] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions
           in Empirical Data." SIAM Review 51(4), 661-703 (2009), section 4.1.
        .. [3] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of
           non-truncated and truncated power-law distributions." Acta Geophysica 61(6),
           1351-1394 (2013).
        """
        if "_search" not in self.__dict__:
            raise NotFittedError("this TruncatedPowerLaw is not fitted yet: call fit(degrees) before goodness_of_fit")
        n_bootstrap = check_int(n_bootstrap, "n_bootstrap", minimum=1)
        check_choice(method, "method", METHODS)
        if method != "clauset" and self.xmax_ == math.inf:
            raise InvalidParameterError("the untruncated law (xmax = inf) is bootstrapped with method='clauset' only; "
                                        f"got method={method!r}")
        p, _ = self._goodness(n_bootstrap, self.seed if seed is None else seed, method, progress)
        return p

    def _goodness(self, n_bootstrap, seed, method, progress):
        ss = seed_sequence(seed)
        bar = progress_bar(n_bootstrap, desc=f"TPL bootstrap ({method})", unit="replicate", progress=progress)
        try:
            if method == "deluca-corral":
                p, ks = _fixed_range_pvalue(self.alpha_, self.xmin_, self.xmax_, self.n_tail_, self.ks_,
                                            n_bootstrap, child_seed(ss, 2), bar=bar)
                return p, ks
            payload = (self._sample.sorted, self.alpha_, self.xmin_, self.xmax_, self.n_tail_, self._space(),
                       self.rule, self.range_bootstrap, self.p_threshold, self.xmin, self.xmax)
            seeds = [child_seed(ss, 0, i) for i in range(n_bootstrap)]
            ks = _map_replicates(_clauset_replicates, payload, seeds, self.n_jobs, bar)
        finally:
            bar.close()
        ok = ~np.isnan(ks)
        if not ok.any():
            raise FitError("no synthetic data set of the bootstrap could be fitted")
        if not ok.all():
            warnings.warn(f"{int((~ok).sum())} of {ks.size} synthetic data sets could not be fitted "
                          "and are left out of the p-value", RuntimeWarning, stacklevel=3)
        return float(np.count_nonzero(ks[ok] >= self.ks_) / ok.sum()), ks

    def to_dict(self) -> dict:
        """The results as a JSON-ready dict.

        Keys: ``n``, ``isolated``, ``xmin``, ``xmax`` (None for the untruncated law: JSON
        has no infinity), ``alpha``, ``ks``, ``n_tail``, ``loglik``, ``candidates``,
        ``p_value``, ``rule``, ``k``, ``k_reading``, ``min_ratio``, ``min_distinct``,
        ``ks_choice``, ``deluca_corral_choice``, ``narrow_range`` (the message of
        ``narrow_range_``, or None).

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        ks_choice = self.ks_choice_
        if ks_choice is not None and ks_choice["xmax"] == math.inf:
            ks_choice = dict(ks_choice, xmax=None)
        return {
            "n": self.n_, "isolated": self.n_isolated_, "xmin": self.xmin_,
            "xmax": None if self.xmax_ == math.inf else self.xmax_,
            "alpha": self.alpha_, "ks": self.ks_, "n_tail": self.n_tail_, "loglik": self.loglik_,
            "candidates": self.candidates_, "p_value": self.p_value_, "rule": self.rule, "k": self.k,
            "k_reading": self.k_reading, "min_ratio": self.min_ratio, "min_distinct": self.min_distinct,
            "ks_choice": ks_choice, "deluca_corral_choice": self.deluca_corral_choice_,
            "narrow_range": self.narrow_range_,
        }


def fit_tpl(degrees, *, k=0.3, rule="ks", bootstrap=0, seed=None, **kw) -> TruncatedPowerLaw:
    """Fit the truncated power law to the degrees of a layer, in one call.

    ``fit_tpl(d, ...)`` is ``TruncatedPowerLaw(...).fit(d)``; see :class:`TruncatedPowerLaw`
    for the parameters (``p_threshold``, ``method``, ``n_jobs``, ``range_bootstrap`` and
    ``progress`` pass through ``kw``) and the results.

    Parameters
    ----------
    degrees : array_like of int
        The degrees of one layer, zeros included.
    k : float, default 0.3
    rule : {"ks", "deluca-corral"}, default "ks"
    bootstrap : int, default 0
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
    **kw
        Other parameters of :class:`TruncatedPowerLaw`.

    Returns
    -------
    TruncatedPowerLaw
        Fitted.

    Raises
    ------
    InvalidParameterError, FitError
        As :meth:`TruncatedPowerLaw.fit`.

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL, fit_tpl
    >>> x = DiscreteTPL(1.5, 2, 500).sample(2000, seed=7)
    >>> f = fit_tpl(x)
    >>> f.xmin_, f.xmax_, round(f.alpha_, 2)
    (2, 370, 1.5)
    """
    return TruncatedPowerLaw(k=k, rule=rule, bootstrap=bootstrap, seed=seed, **kw).fit(degrees)
