r"""Model comparison: is the truncated power law better than the alternatives?

A good fit (a large bootstrap p-value) says the truncated power law (TPL) is a
plausible model of a layer's degrees; it does not say that another heavy-tailed
model would not do as well. Clauset, Shalizi & Newman [1]_ (section 5) answer that
with a likelihood-ratio test on the same data: fit each alternative by maximum
likelihood, compute the log-likelihood ratio

.. math:: \mathcal{R} = \sum_{i=1}^{n} \left[\ln p_{\mathrm{TPL}}(x_i) - \ln p_{\mathrm{alt}}(x_i)\right]

over the data :math:`x_1..x_n` that the TPL describes (the degrees in its fitted
``[xmin, xmax]``), and judge its sign with Vuong's test [2]_: with
:math:`\sigma^2` the (population) variance of the per-point differences
:math:`\ell_i`, the normalised ratio :math:`\mathcal{R}/(\sigma\sqrt{n})` is
asymptotically standard normal when both models are equally close to the truth, and
the two-sided p-value is

.. math:: p = \operatorname{erfc}\left(\frac{|\mathcal{R}|}{\sqrt{2n\sigma^2}}\right).

A small p (below ``significance``, 0.1 by default as in [1]_) means the sign of
:math:`\mathcal{R}` is reliable: positive favours the TPL, negative the alternative.
A large p means the data cannot tell the two apart.

The alternatives, all discrete, defined on the integers ``x >= xmin`` (no upper
bound) and fitted by maximum likelihood on the same points, one class each:

``"power_law"`` (:class:`~netgraph.compare.power_law.PowerLaw`)
    :math:`p(x) = x^{-\alpha} / \zeta(\alpha, x_{\min})`, :math:`\alpha > 1`, with the
    Hurwitz zeta function as normaliser; :math:`\alpha` by exact maximum likelihood
    (a root of the score equation, no continuous approximation).
``"cutoff_power_law"`` (:class:`~netgraph.compare.cutoff_power_law.CutoffPowerLaw`)
    The power law with an exponential cutoff,
    :math:`p(x) = x^{-\alpha} e^{-\lambda x} / Z`, :math:`\lambda \ge 0` (at
    :math:`\lambda = 0` it is the power law and needs :math:`\alpha > 1`). The
    normaliser :math:`Z = \sum_{k \ge x_{\min}} k^{-\alpha} e^{-\lambda k}` is summed
    exactly: directly while the terms change quickly, then by the Euler-Maclaurin
    formula, whose integral is computed by adaptive quadrature (a few hundred
    microseconds, against seconds for an arbitrary-precision Lerch transcendent).
``"lognormal"`` (:class:`~netgraph.compare.lognormal.Lognormal`)
    The discretised lognormal: the law of :math:`\mathrm{round}(X)` for a lognormal
    :math:`X` with parameters :math:`\mu, \sigma`, conditioned on
    :math:`X \ge x_{\min} - 1/2`, so
    :math:`p(x) = [\Phi(u(x + \tfrac12)) - \Phi(u(x - \tfrac12))] / [1 - \Phi(u(x_{\min} - \tfrac12))]`
    with :math:`u(y) = (\ln y - \mu)/\sigma` (the discrete lognormal of the ``powerlaw``
    package), computed in log space so that no term underflows.
``"exponential"`` (:class:`~netgraph.compare.exponential.Exponential`)
    The discrete exponential (shifted geometric),
    :math:`p(x) = (1 - e^{-\lambda}) e^{-\lambda (x - x_{\min})}`, whose maximum
    likelihood estimate is closed-form:
    :math:`\lambda = \ln(1 + 1/\bar m)` with :math:`\bar m` the mean of :math:`x - x_{\min}`.

**Names.** The ``powerlaw`` package [4]_ calls the power law with an exponential cutoff
(``"cutoff_power_law"`` here) ``"truncated_power_law"``. That is *not* the TPL of
Hou & Kwok [3]_ that netgraph fits (:mod:`netgraph.tpl`), which is a pure power law
:math:`x^{-\alpha}` cut off sharply at an upper bound ``xmax``. So
``powerlaw.Fit(...).distribution_compare("truncated_power_law", "power_law")``
compares an exponential cutoff with the power law; it is our
``compare_tpl(...)["cutoff_power_law"]`` that compares the TPL with that model.
``powerlaw`` also treats these two as nested and uses a chi-square p-value; here every
comparison uses Vuong's normalised test, because the TPL's ``xmax`` is a boundary
chosen from the data, which the nested-models theory does not cover.

**What the comparison can and cannot say.** The points compared are those in
``[xmin, xmax]``, the only points the TPL gives a probability to; degrees above
``xmax`` are left out on both sides. The alternatives keep their unbounded support,
so each of them spends some probability above ``xmax``, where the compared data have
no point: a TPL whose ``xmax`` lies well inside the data wins partly for that reason.
Each result reports that mass (``alt_mass_above_xmax``) and the number of degrees left
out above ``xmax`` (``n_above_xmax``), so the reader can see when it matters.

**The modules.** :mod:`~netgraph.compare.base` holds the interface every alternative
implements (:class:`Alternative`: ``name``, ``parameters``, ``fit``, ``logpmf``,
``logsf``, ``n_params``) and the registry; one module per alternative
(:mod:`~netgraph.compare.power_law`, :mod:`~netgraph.compare.cutoff_power_law`,
:mod:`~netgraph.compare.lognormal`, :mod:`~netgraph.compare.exponential`);
:mod:`~netgraph.compare.normalizers` the special-function normalisers;
:mod:`~netgraph.compare.newton` the damped Newton minimiser of the two-parameter fits;
:mod:`~netgraph.compare.vuong` Vuong's test; :mod:`~netgraph.compare.comparison` the
public functions. Every module of this package is imported with it, so a new
alternative is one module holding one class decorated with :func:`register` (and its
test): nothing else is edited.

References
----------
.. [1] Clauset, A., Shalizi, C. R. and Newman, M. E. J. "Power-law distributions in
   empirical data." SIAM Review 51(4), 661-703 (2009), section 5.
.. [2] Vuong, Q. H. "Likelihood ratio tests for model selection and non-nested
   hypotheses." Econometrica 57(2), 307-333 (1989).
.. [3] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018).
.. [4] Alstott, J., Bullmore, E. and Plenz, D. "powerlaw: a Python package for
   analysis of heavy-tailed distributions." PLoS ONE 9(1), e85777 (2014).
"""

from __future__ import annotations

from netgraph.compare.base import Alternative, get_alternative, register, registered_alternatives, unregister
from netgraph.compare.comparison import (
    AlternativeFit,
    alternative_logpmf,
    alternative_logsf,
    compare_tpl,
    fit_alternative,
)
from netgraph.compare.vuong import vuong_test
from netgraph.utils.modules import import_submodules

__all__ = [
    "ALTERNATIVES",
    "AlternativeFit",
    "fit_alternative",
    "alternative_logpmf",
    "alternative_logsf",
    "vuong_test",
    "compare_tpl",
    "Alternative",
    "register",
    "unregister",
    "registered_alternatives",
    "get_alternative",
]

# Import every module of the package: each alternative registers itself, so a new one
# needs no line here (the modules import only numpy; scipy loads inside the functions).
import_submodules(__name__)

#: The alternatives netgraph provides, in their default order (the registry's, at import):
#: those :func:`compare_tpl` compares the TPL with unless told otherwise.
ALTERNATIVES = registered_alternatives()
