"""Internal preferential attachment between two checkpoints of one network (Hou & Kwok, section 4).

When a sparse network learns a second task, Hou & Kwok [1]_ ask whether the connections
it makes attach preferentially to nodes of high degree: no node is new, so the
attachment is *internal*, and their eq. (6) makes a new connection between layers
:math:`l` and :math:`l+1` depend on the degrees at both of its ends. The package answers
the question for any two checkpoints with the same layers, one concern a module:

* :mod:`netgraph.attachment.match`: :func:`match_graphs`, the layer-by-layer, node-by-node
  match, the new and the removed connections, the degrees at both times;
* :mod:`netgraph.attachment.delta`: :func:`delta_hat`, eq. (6)'s estimate per junction;
* :mod:`netgraph.attachment.omega`: :func:`omega_hat`, eq. (10)'s estimate per layer, its
  line and ``predicted_slope``;
* :mod:`netgraph.attachment.growth`: eq. (8)'s growth factors and eq. (9)'s TPL fits;
* :mod:`netgraph.attachment.kernel`: the attachment kernel :math:`A(d)` with confidence
  intervals and the exponent :math:`\\beta` by maximum likelihood;
* :mod:`netgraph.attachment.null`: the null model of uniform placement among free pairs;
* :mod:`netgraph.attachment.result`: :func:`attachment_analysis`, all of it in one call;
* :mod:`netgraph.attachment.figures`: figures like the paper's 7, 8 and 9.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018), section 4.

Examples
--------
>>> import numpy as np
>>> from netgraph import Layer, Junction, LayeredGraph
>>> from netgraph.attachment import attachment_analysis
>>> layers = [Layer("x", 2, "input"), Layer("h", 2, "dense")]
>>> g0 = LayeredGraph(layers, [Junction("x", "h", [[1, 0], [0, 1]], np.ones((2, 2)), op="Gemm")])
>>> g1 = LayeredGraph(layers, [Junction("x", "h", [[1, 1], [0, 1]], np.ones((2, 2)), op="Gemm")])
>>> doc = attachment_analysis(g0, g1, fit=False, null_draws=0).to_dict()
>>> doc["junctions"][0]["new_connections"], [layer["predicted_slope"] for layer in doc["layers"]]
(1, [0.5, 0.5])
"""

from netgraph.attachment.bins import BINS, degree_classes
from netgraph.attachment.delta import DeltaTable, delta_hat
from netgraph.attachment.figures import FIGURE_FILES, figure_files, plot_ccdf_t1, plot_delta, plot_omega, \
    write_figures
from netgraph.attachment.growth import growth_factors, tpl_at_both_times
from netgraph.attachment.kernel import attachment_exponent, attachment_kernel, poisson_interval
from netgraph.attachment.match import DEGREE_VARIANTS, GraphMismatchError, JunctionChange, Matching, match_graphs
from netgraph.attachment.null import null_slopes
from netgraph.attachment.omega import OmegaLine, fit_line, omega_hat, omega_line
from netgraph.attachment.result import AttachmentResult, attachment_analysis

__all__ = [
    "attachment_analysis", "AttachmentResult",
    "match_graphs", "Matching", "JunctionChange", "GraphMismatchError", "DEGREE_VARIANTS",
    "delta_hat", "DeltaTable",
    "omega_hat", "omega_line", "OmegaLine", "fit_line",
    "growth_factors", "tpl_at_both_times",
    "attachment_kernel", "attachment_exponent", "poisson_interval",
    "null_slopes",
    "degree_classes", "BINS",
    "plot_delta", "plot_omega", "plot_ccdf_t1", "write_figures", "figure_files", "FIGURE_FILES",
]
