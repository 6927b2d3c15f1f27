"""Path counts through a layered graph, from one sparse engine.

* :mod:`netgraph.paths.counts`: the path matrix between two layers
  (:func:`path_counts`), its row and column sums (:func:`equivalent_fans`), and the
  number of input-to-output paths (:func:`number_of_paths`);
* :mod:`netgraph.paths.effective`: the connections and nodes on no input-to-output path
  (:func:`effective_sparsity`);
* :mod:`netgraph.paths.norm`: SynFlow's path norm and each connection's share
  (:func:`path_norm`);
* :mod:`netgraph.paths._engine`: the sweep of sparse products behind them all, in exact
  (int64), float and log-scale arithmetic.

See :doc:`/paths` for what is counted and how it maps to Dey et al.'s ``A_{X:Y}``.
"""

from netgraph.paths.counts import equivalent_fans, input_layers, number_of_paths, output_layers, path_counts
from netgraph.paths.effective import EffectiveSparsity, effective_sparsity
from netgraph.paths.norm import PathNorm, path_norm

__all__ = ["path_counts", "equivalent_fans", "number_of_paths", "input_layers", "output_layers",
           "effective_sparsity", "EffectiveSparsity", "path_norm", "PathNorm"]
