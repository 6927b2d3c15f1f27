"""The discrete truncated power law (TPL) of Hou & Kwok, fitted to the degrees of a layer.

Hou & Kwok [1]_ found that the degrees of the nodes of each layer of a pruned network
follow the discrete *truncated* power law of their eq. (4),

.. math::

   f(x) = \\frac{x^{-\\alpha}}{\\zeta(\\alpha, x_{\\min}, x_{\\max})}, \\qquad
   \\zeta(\\alpha, a, b) = \\sum_{k=a}^{b} k^{-\\alpha},

for integers :math:`x_{\\min} \\le x \\le x_{\\max}`: a power law cut sharply at both
ends. On a bounded support every real :math:`\\alpha` gives a distribution
(Hanel et al. [4]_), so :math:`\\alpha \\le 1` is allowed.

The public names, importable from here:

* :class:`DiscreteTPL`, the distribution: pmf, cdf, ccdf, log-likelihood and exact
  sampling, accurate for supports of any length;
* :func:`tpl_alpha_mle`, the exact maximum-likelihood exponent for a given range;
* :class:`TruncatedPowerLaw`, the estimator that searches the range as the paper does
  (:math:`x_{\\min}` among the :math:`\\lfloor nk \\rfloor` smallest degrees,
  :math:`x_{\\max}` among the :math:`\\lfloor nk \\rfloor` largest, the pair of smallest
  Kolmogorov-Smirnov distance), with bootstrap goodness-of-fit tests in the manner of
  Clauset, Shalizi & Newman [2]_ and of Deluca & Corral [3]_, and Deluca & Corral's
  widest-accepted-range rule;
* :func:`fit_tpl`, the same in one call;
* ``RULES``, ``METHODS`` and ``READINGS``, the accepted ``rule``, ``method`` and
  ``k_reading`` values, ``KS_TIE``, the tolerance within which two distances are a tie,
  and ``NARROW_RATIO`` and ``FEW_DISTINCT``, below which a chosen range is reported as
  narrow.

``xmax=np.inf`` gives, in the same family, the untruncated discrete power law of
Clauset et al. [2]_, :math:`x^{-\\alpha} / \\zeta(\\alpha, x_{\\min})` (Hurwitz zeta,
:math:`\\alpha > 1`), and ``k=1`` the full search over every distinct degree.

The modules, one part of the fit each:

* :mod:`netgraph.tpl.distribution`: :class:`DiscreteTPL` and its exact sampler;
* :mod:`netgraph.tpl.mle`: the maximum-likelihood solvers and :func:`tpl_alpha_mle`;
* :mod:`netgraph.tpl.ks`: the Kolmogorov-Smirnov distances, their lower bounds, and the
  layout of a sample that they read;
* :mod:`netgraph.tpl.search`: the candidate ranges and the search for the best one;
* :mod:`netgraph.tpl.bootstrap`: the fixed-range and Clauset bootstraps, Deluca &
  Corral's rule, the process pool;
* :mod:`netgraph.tpl.estimator`: :class:`TruncatedPowerLaw` and :func:`fit_tpl`;
* :mod:`netgraph.tpl.untruncated`: the sums, exponents, distances and xmin search of the
  untruncated law;
* ``netgraph.tpl._sums``: the partial sums of :math:`k^{-\\alpha} (\\log k)^j`.

How the numbers are computed
----------------------------
Every sum :math:`\\sum_{k=x}^{y} k^{-\\alpha} (\\log k)^j` is evaluated in O(1) whatever the
length of the range: terms below :math:`1.18(|\\alpha| + 9)` are added one by one and the
rest by Euler-Maclaurin summation with ten Bernoulli terms, differentiated exactly in
:math:`\\alpha`; the relative error is about 1e-16 (there is no continuous or rounding
approximation of the normaliser; the integral of the Euler-Maclaurin formula is taken by
Gauss-Legendre quadrature of an entire integrand, exact to rounding). The score equation
:math:`\\overline{\\log x} = E_\\alpha[\\log X]` is solved for all candidate ranges at once.
When the ranges span few integers, a direct solver tabulates, for each candidate
:math:`x_{\\min}`, cumulative direct sums at one centre exponent and takes the sums at any
nearby exponent from their Taylor series in the change of :math:`\\alpha` (17 terms);
Halley steps run on those. The other ranges, and those out of the direct solver's reach,
go to a bracketed (safeguarded) Halley iteration from the exponent of the continuous
approximation, the Euler-Maclaurin sums being prepared once and re-evaluated at each
iterate (two evaluations usually suffice). The Kolmogorov-Smirnov distance over *every*
integer of a range is obtained exactly, for a short range from both CCDFs at every
integer, for a long one from the model CCDF at each observed value ``v`` and at ``v + 1``
(between two observed values the empirical CCDF is constant and the model CCDF
decreasing, so the largest gap sits at one of those points). Cheap lower bounds of the
distance (the CCDFs at the integers next to either end of a range, then at quantiles of
the range) prune the ranges that cannot win before the exact distance is computed; every
range within the tie tolerance of the smallest distance gets its exact distance.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018), eq. (4) and Section 3.
.. [2] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-Law Distributions in
   Empirical Data." SIAM Review 51(4), 661-703 (2009), arXiv:0706.1062.
.. [3] Deluca, A. and Corral, A. "Fitting and goodness-of-fit test of non-truncated and
   truncated power-law distributions." Acta Geophysica 61(6), 1351-1394 (2013),
   arXiv:1211.1981.
.. [4] Hanel, R., Corominas-Murtra, B., Liu, B. and Thurner, S. "Fitting power-laws in
   empirical data with estimators that work for all exponents." PLoS ONE 12(2),
   e0170920 (2017).
"""

from netgraph.tpl.distribution import DiscreteTPL
from netgraph.tpl.estimator import FEW_DISTINCT, METHODS, NARROW_RATIO, RULES, TruncatedPowerLaw, fit_tpl
from netgraph.tpl.mle import tpl_alpha_mle
from netgraph.tpl.search import KS_TIE, READINGS

__all__ = ["DiscreteTPL", "tpl_alpha_mle", "TruncatedPowerLaw", "fit_tpl", "RULES", "METHODS", "READINGS", "KS_TIE",
           "NARROW_RATIO", "FEW_DISTINCT"]
