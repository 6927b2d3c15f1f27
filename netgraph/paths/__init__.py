"""Path counts through a layered graph, from one sparse engine.

* :mod:`netgraph.paths.counts`: the path matrix between two layers
  (:func:`path_counts`), its row and column sums (:func:`equivalent_fans`), and the
  number of input-to-output paths (:func:`number_of_paths`);
* :mod:`netgraph.paths._engine`: the sweep of sparse products behind them, in exact
  (int64), float and log-scale arithmetic.

See :doc:`/paths` for what is counted and how it maps to Dey et al.'s ``A_{X:Y}``.
"""

from netgraph.paths.counts import equivalent_fans, input_layers, number_of_paths, output_layers, path_counts

__all__ = ["path_counts", "equivalent_fans", "number_of_paths", "input_layers", "output_layers"]
