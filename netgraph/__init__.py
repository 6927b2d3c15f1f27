"""netgraph: neural networks as graphs, studied with the tools of network science.

A model is read from ONNX by :func:`exporters.read_onnx` into a
:class:`~netgraph.LayeredGraph`: layers of nodes (one per unit of a dense layer, one per
feature map of a convolution) joined by junctions whose sparse matrices count the scalar
connections between two nodes. The analyses (:func:`~netgraph.degrees`, ...) are graph
algorithms on those matrices, and :attr:`LayeredGraph.igraph` gives the same network as
a weighted multilayer :class:`igraph.Graph`.

``import netgraph`` stays light: torch, matplotlib and onnxruntime are imported only by
the functions that need them.
"""

__version__ = "0.1.0"

from netgraph.exceptions import *  # noqa: F401,F403
from netgraph.exceptions import __all__ as _exceptions_all
from netgraph.graph import Junction, Layer, LayeredGraph
from netgraph.io import read_graph, write_graph
from netgraph.degrees import degrees, layer_degrees
from netgraph.tpl import DiscreteTPL, TruncatedPowerLaw, fit_tpl, tpl_alpha_mle
from netgraph.compare import ALTERNATIVES, compare_tpl, fit_alternative, vuong_test
from netgraph.paths import effective_sparsity, equivalent_fans, number_of_paths, path_counts, path_norm
from netgraph.plots import plot_ccdf, plot_layers
from netgraph.attachment import AttachmentResult, attachment_analysis, delta_hat, match_graphs, omega_hat

__all__ = [
    "__version__",
    *_exceptions_all,
    "Layer",
    "Junction",
    "LayeredGraph",
    "read_graph",
    "write_graph",
    "degrees",
    "layer_degrees",
    "DiscreteTPL",
    "TruncatedPowerLaw",
    "fit_tpl",
    "tpl_alpha_mle",
    "ALTERNATIVES",
    "compare_tpl",
    "fit_alternative",
    "vuong_test",
    "path_counts",
    "equivalent_fans",
    "number_of_paths",
    "effective_sparsity",
    "path_norm",
    "plot_ccdf",
    "plot_layers",
    "attachment_analysis",
    "AttachmentResult",
    "match_graphs",
    "delta_hat",
    "omega_hat",
]
