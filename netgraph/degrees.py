"""Node degrees of a layered graph, counted in scalar connections.

The degree of a node is the sum of ``count`` over the junctions it touches, the
convention of Hou & Kwok [1]_ (appendix B): a node of a convolutional layer counts
every scalar connection its feature map takes part in, weight sharing included.
``"in"`` degrees are row sums of the junctions into a layer (its lower connections),
``"out"`` degrees are column sums of the junctions out of it (its upper connections),
``"both"`` adds the two.

By default two kinds of junction are left out:

* junctions into an output layer (``graph.outputs``), which the papers never prune:
  the last hidden layer then counts only its lower connections, and the output layer's
  degrees are zero; ``include_output=True`` keeps them;
* ``"skip"`` junctions (the weightless edges of a residual Add): ``include_skip=True``
  keeps them.

The recurrent junction of an LSTM, GRU or RNN layer (kind ``"recurrent"``, its weights
``R`` from the hidden units to themselves) is counted by default
(``include_recurrent=True``): its weights are learned and pruned like the input
weights ``W``. Being a self-loop, it adds to both the in- and the out-degree of a
hidden unit (so ``"both"`` counts a unit's connection to itself twice, as networkx
does). ``include_recurrent=False`` gives the degrees of the network unrolled over one
time step.

So the nodes of an input layer count only their upper connections.

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018).
"""

from __future__ import annotations

import numpy as np

from netgraph.convert import as_layered_graph
from netgraph.graph import Junction, LayeredGraph
from netgraph.utils.check import check_bool, check_choice

__all__ = ["degrees", "layer_degrees", "DIRECTIONS"]

#: Accepted values of ``direction``.
DIRECTIONS = ("in", "out", "both")


def _counted(graph: LayeredGraph, junction: Junction, include_output: bool, include_skip: bool,
             include_recurrent: bool) -> bool:
    if junction.kind == "skip" and not include_skip:
        return False
    if junction.recurrent and not include_recurrent:
        return False
    if junction.target in graph.outputs and not include_output:
        return False
    return True


def _row_sums(j: Junction) -> np.ndarray:
    """Sum of ``count`` over each target node (exact: int64 arithmetic)."""
    return np.asarray(j.count.sum(axis=1), dtype=np.int64).ravel()


def _col_sums(j: Junction) -> np.ndarray:
    """Sum of ``count`` over each source node (exact: int64 arithmetic)."""
    return np.asarray(j.count.sum(axis=0), dtype=np.int64).ravel()


def degrees(graph, layer: str, *, direction: str = "both", include_output: bool = False,
            include_skip: bool = False, include_recurrent: bool = True) -> np.ndarray:
    """Degrees of the nodes of one layer, in scalar connections.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network; an :class:`igraph.Graph` must be one made by :attr:`LayeredGraph.igraph`
        (it is converted with :func:`netgraph.convert.as_layered_graph` on every call: convert
        it once yourself, or use :func:`layer_degrees`, when you need many layers).
    layer : str
        Name of the layer.
    direction : {"both", "in", "out"}, default "both"
        ``"in"``: connections from lower layers (row sums of the junctions into ``layer``);
        ``"out"``: connections to upper layers (column sums of the junctions out of it);
        ``"both"``: their sum.
    include_output : bool, default False
        Count the junctions into the output layers (``graph.outputs``).
    include_skip : bool, default False
        Count the skip junctions (residual Add edges).
    include_recurrent : bool, default True
        Count the recurrent self-loop junctions (the ``R`` weights of a recurrent layer),
        in both directions of the hidden units.

    Returns
    -------
    ndarray of int64, shape (layer size,)
        The degree of each node of ``layer``, in unit order.

    Raises
    ------
    InvalidParameterError
        If ``direction`` is not one of the choices, or ``graph`` has the wrong type.
    GraphFormatError
        If ``graph`` is an igraph.Graph without the attributes :attr:`LayeredGraph.igraph` writes.
    LayerNotFoundError
        If ``graph`` has no layer called ``layer``.

    See Also
    --------
    layer_degrees : The degrees of every layer at once.

    Examples
    --------
    A 2-3-1 network whose last layer is the output:

    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> g = LayeredGraph(
    ...     [Layer("x", 2, "input"), Layer("h", 3, "dense"), Layer("y", 1, "dense")],
    ...     [Junction("x", "h", [[1, 0], [1, 1], [0, 4]], np.ones((3, 2)), op="Conv"),
    ...      Junction("h", "y", [[1, 1, 0]], np.ones((1, 3)), op="Gemm")],
    ...     outputs=["y"],
    ... )
    >>> degrees(g, "x")                 # upper connections only
    array([2, 5])
    >>> degrees(g, "h")                 # the junction into the output is left out
    array([1, 2, 4])
    >>> degrees(g, "h", include_output=True)
    array([2, 3, 4])
    >>> degrees(g, "h", direction="out", include_output=True)
    array([1, 1, 0])

    A recurrent layer's self-loop (kind ``"recurrent"``) counts in both directions:

    >>> r = LayeredGraph([Layer("x", 1, "input"), Layer("h", 2, "recurrent")],
    ...                  [Junction("x", "h", [[1], [1]], np.ones((2, 1)), op="RNN"),
    ...                   Junction("h", "h", [[0, 1], [0, 0]], np.ones((2, 2)), op="RNN", kind="recurrent")])
    >>> degrees(r, "h"), degrees(r, "h", include_recurrent=False)
    (array([2, 2]), array([1, 1]))
    """
    check_choice(direction, "direction", DIRECTIONS)
    check_bool(include_recurrent, "include_recurrent")
    graph = as_layered_graph(graph)
    result = {layer: np.zeros(graph.layer(layer).size, dtype=np.int64)}
    return _accumulate(graph, result, direction, include_output, include_skip, include_recurrent)[layer]


def layer_degrees(graph, *, direction: str = "both", include_output: bool = False,
                  include_skip: bool = False, include_recurrent: bool = True) -> dict[str, np.ndarray]:
    """Degrees of the nodes of every layer, in scalar connections.

    Each junction's row and column sums are computed once. The options are those of
    :func:`degrees`, whose results this matches layer by layer.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network (an :class:`igraph.Graph` made by :attr:`LayeredGraph.igraph`).
    direction : {"both", "in", "out"}, default "both"
        Which connections to count; see :func:`degrees`.
    include_output : bool, default False
        Count the junctions into the output layers.
    include_skip : bool, default False
        Count the skip junctions.
    include_recurrent : bool, default True
        Count the recurrent self-loop junctions.

    Returns
    -------
    dict of str to ndarray of int64
        Layer name to the degrees of its nodes, in topological order (every layer,
        the output layers included: their degrees are zero unless ``include_output``).

    Raises
    ------
    InvalidParameterError
        If ``direction`` is not one of the choices, or ``graph`` has the wrong type.
    GraphFormatError
        If ``graph`` is an igraph.Graph without the attributes :attr:`LayeredGraph.igraph` writes.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> g = LayeredGraph(
    ...     [Layer("x", 2, "input"), Layer("h", 3, "dense"), Layer("y", 1, "dense")],
    ...     [Junction("x", "h", [[1, 0], [1, 1], [0, 4]], np.ones((3, 2)), op="Conv"),
    ...      Junction("h", "y", [[1, 1, 0]], np.ones((1, 3)), op="Gemm")],
    ...     outputs=["y"],
    ... )
    >>> {name: d.tolist() for name, d in layer_degrees(g).items()}
    {'x': [2, 5], 'h': [1, 2, 4], 'y': [0]}
    >>> {name: d.tolist() for name, d in layer_degrees(g.igraph, direction="in").items()}
    {'x': [0, 0], 'h': [1, 2, 4], 'y': [0]}
    """
    check_choice(direction, "direction", DIRECTIONS)
    check_bool(include_recurrent, "include_recurrent")
    graph = as_layered_graph(graph)
    result = {layer.name: np.zeros(layer.size, dtype=np.int64) for layer in graph.layers}
    return _accumulate(graph, result, direction, include_output, include_skip, include_recurrent)


def _accumulate(graph, result, direction, include_output, include_skip, include_recurrent):
    """Add each counted junction's row (column) sums to the degrees of the layers in ``result``."""
    for j in graph.junctions:
        if not _counted(graph, j, include_output, include_skip, include_recurrent):
            continue
        if direction in ("in", "both") and j.target in result:
            result[j.target] += _row_sums(j)
        if direction in ("out", "both") and j.source in result:
            result[j.source] += _col_sums(j)
    return result
