"""Path counts between two layers, equivalent fans, and the number of input-to-output paths.

The path matrix from layer X to layer Y has one row per node of Y and one column per
node of X; entry ``(j, k)`` is the number of directed paths from node ``k`` of X to
node ``j`` of Y: the sum, over every route of junctions from X to Y in the graph of
layers (through merge layers, and along skip junctions unless ``include_skip=False``),
of the product of the junction matrices on the way. With one chain of junctions
``A_1`` (X to the next layer), ..., ``A_m`` (into Y) it is ``A_m ... A_1``: Dey et
al.'s ``A_{X:Y-1}`` in their junction indexing [1]_ (their ``A_{i:j}`` goes from layer
``i`` to layer ``j + 1``). See :doc:`/paths`.

References
----------
.. [1] Dey, S., Huang, K.-W., Beerel, P. A. and Chugg, K. M. "Characterizing Sparse
   Connectivity Patterns in Neural Networks." ITA workshop (2018), arXiv:1711.02131.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from netgraph.convert import as_layered_graph
from netgraph.paths._engine import LIMIT, MODES, WEIGHTS, arithmetic, check_int64, check_weight_mode, sweep
from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_bool, check_choice

__all__ = ["path_counts", "equivalent_fans", "number_of_paths", "input_layers", "output_layers"]


def _prepare(graph, weight, mode, include_skip):
    check_choice(weight, "weight", WEIGHTS)
    check_choice(mode, "mode", MODES)
    check_bool(include_skip, "include_skip")
    check_weight_mode(weight, mode)
    return as_layered_graph(graph), arithmetic(mode)


def path_counts(graph, source: str, target: str, *, weight: str = "binary", mode: str = "exact",
                include_skip: bool = True) -> sp.csr_array:
    """The number of paths from each node of layer ``source`` to each node of layer ``target``.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network (an :class:`igraph.Graph` made by :attr:`LayeredGraph.igraph`).
    source, target : str
        Layer names, as ``netgraph info`` prints them.
    weight : {"binary", "count", "abs"}, default "binary"
        The matrix of each junction: ``"binary"`` 1 where two nodes are connected (Dey's
        adjacency), ``"count"`` the number of scalar connections, ``"abs"`` the absolute
        value of the junction's weight (then the entry is a sum of products of
        ``|weight|``, and ``mode`` must be ``"float"`` or ``"log"``).
    mode : {"exact", "float", "log"}, default "exact"
        ``"exact"``: int64 counts; ``"float"``: float64; ``"log"``: the natural logarithms
        of the counts, computed without overflow (each column rescaled after every
        junction). In log mode the stored entries are the pairs joined by a path (a
        stored 0.0 is one path); an absent entry is no path.
    include_skip : bool, default True
        Follow the skip junctions (the weightless edges into a residual merge layer).

    Returns
    -------
    scipy.sparse.csr_array, shape (target size, source size)
        int64 in exact mode, float64 otherwise. The identity when ``source == target``;
        all zeros (no stored entry) when no path leads from ``source`` to ``target``
        (``target`` before ``source`` in topological order, say).

    Raises
    ------
    LayerNotFoundError
        If the graph has no layer ``source`` or ``target``.
    InvalidParameterError
        If ``weight``, ``mode`` or ``include_skip`` is bad, or ``weight="abs"`` with
        ``mode="exact"``, or ``graph`` has the wrong type.
    PathOverflowError
        If a count reaches 2**63 in exact mode, or is infinite in float mode.

    See Also
    --------
    equivalent_fans : The row and column sums of this matrix.
    number_of_paths : The paths from the input layers to the output layers, in total.

    Examples
    --------
    A 3-2-2 chain: node 0 of ``x`` reaches ``h0``, which reaches both outputs.

    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph(
    ...     [Layer("x", 3, "input"), Layer("h", 2, "dense"), Layer("y", 2, "dense")],
    ...     [Junction("x", "h", [[1, 0, 1], [0, 2, 1]], [[1.0, 0, -2], [0, 1, 1]], op="Gemm"),
    ...      Junction("h", "y", [[1, 1], [1, 0]], [[0.5, 1], [1, 0]], op="Gemm")],
    ...     outputs=["y"])
    >>> path_counts(g, "x", "y").toarray()
    array([[1, 1, 2],
           [1, 0, 1]])
    >>> path_counts(g, "x", "y", weight="count").toarray()
    array([[1, 2, 2],
           [1, 0, 1]])
    >>> path_counts(g, "x", "y", weight="abs", mode="float").toarray()
    array([[0.5, 1. , 2. ],
           [1. , 0. , 2. ]])
    >>> path_counts(g, "y", "x").nnz
    0
    """
    graph, arith = _prepare(graph, weight, mode, include_skip)
    i, k = graph.layer_index(source), graph.layer_index(target)
    shape = (graph.layer(target).size, graph.layer(source).size)
    if k >= i:
        start = {source: arith.identity(shape[1])}
        states = sweep(graph, graph.layer_names[i:k + 1], start, arith, weight=weight, include_skip=include_skip,
                       keep={target})
        if target in states:
            return arith.finish(states[target])
    return sp.csr_array(shape, dtype=arith.dtype)


def equivalent_fans(graph, source: str, target: str, *, weight: str = "binary", mode: str = "exact",
                    include_skip: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The equivalent fan-in and fan-out of the chain from ``source`` to ``target``.

    The row sums (one per node of ``target``: how many paths reach it from ``source``)
    and the column sums (one per node of ``source``) of :func:`path_counts`. For junctions
    of fixed fans they are the products ``fi_1 fi_2 ...`` and ``fo_1 fo_2 ...`` (Dey et
    al., section 2.3).

    Parameters
    ----------
    graph, source, target, weight, mode, include_skip
        As in :func:`path_counts`.

    Returns
    -------
    fan_in : ndarray, shape (target size,)
    fan_out : ndarray, shape (source size,)
        int64 in exact mode, float64 otherwise; in log mode the logarithms of the sums
        (``-inf`` for a node on no path).

    Raises
    ------
    LayerNotFoundError, InvalidParameterError, PathOverflowError
        As in :func:`path_counts`; also :class:`PathOverflowError` when a sum reaches 2**63
        in exact mode.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph(
    ...     [Layer("x", 3, "input"), Layer("h", 2, "dense"), Layer("y", 2, "dense")],
    ...     [Junction("x", "h", [[1, 0, 1], [0, 2, 1]], [[1.0, 0, -2], [0, 1, 1]], op="Gemm"),
    ...      Junction("h", "y", [[1, 1], [1, 0]], [[0.5, 1], [1, 0]], op="Gemm")])
    >>> fan_in, fan_out = equivalent_fans(g, "x", "y")
    >>> fan_in, fan_out
    (array([4, 2]), array([2, 1, 3]))
    >>> [round(float(v), 6) for v in equivalent_fans(g, "x", "y", mode="log")[0]]
    [1.386294, 0.693147]
    """
    matrix = path_counts(graph, source, target, weight=weight, mode=mode, include_skip=include_skip)
    return _sums(matrix, 1, mode, target), _sums(matrix, 0, mode, source)


def _sums(matrix, axis: int, mode: str, where: str) -> np.ndarray:
    """Row (``axis=1``) or column (``axis=0``) sums of a path matrix in its mode's number type."""
    n = matrix.shape[1 - axis]
    if mode == "log":
        return _log_sums(matrix if axis == 1 else sp.csr_array(matrix.T), n)
    sums = np.asarray(matrix.sum(axis=axis)).ravel()
    if mode == "exact" and matrix.nnz and int(matrix.data.max()) * n >= LIMIT:  # else no sum can reach 2**63
        approx = np.asarray(matrix.astype(np.float64).sum(axis=axis)).ravel()
        check_int64(float(approx.max()), n, f"the sum of the path counts of a node of layer {where!r}")
    return sums.astype(matrix.dtype, copy=False)


def _log_sums(logs: sp.csr_array, n: int) -> np.ndarray:
    """``log(sum(exp(row)))`` over the stored entries of each row (``-inf`` for an empty row)."""
    logs = sp.csr_array(logs)
    out = np.full(logs.shape[0], -np.inf)
    filled = np.diff(logs.indptr) > 0
    if not filled.any():
        return out
    starts = logs.indptr[:-1][filled]
    top = np.maximum.reduceat(logs.data, starts)
    rows = np.repeat(np.arange(logs.shape[0]), np.diff(logs.indptr))
    shift = np.zeros(logs.shape[0])
    shift[filled] = top
    out[filled] = top + np.log(np.add.reduceat(np.exp(logs.data - shift[rows]), starts))
    return out


def _names(graph, layers, what: str) -> list[str]:
    if isinstance(layers, str):
        layers = [layers]
    try:
        names = list(layers)
    except TypeError:
        raise InvalidParameterError(f"{what} must be a layer name or a sequence of layer names; got {layers!r}") \
            from None
    for name in names:
        graph.layer(name)
    return names


def input_layers(graph) -> list[str]:
    """The layers whose kind is ``"input"`` (a lenient read's ``"cut"`` layers are not among them).

    Examples
    --------
    >>> from netgraph import Layer, LayeredGraph
    >>> input_layers(LayeredGraph([Layer("x", 2, "input"), Layer("c", 1, "cut")], []))
    ['x']
    """
    graph = as_layered_graph(graph)
    return [layer.name for layer in graph.layers if layer.kind == "input"]


def output_layers(graph) -> list[str]:
    """``graph.outputs``, or, when it is empty, the layers no junction leaves (inputs excepted).

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1, 1]], [[1.0, 1.0]], op="Gemm")])
    >>> output_layers(g)
    ['y']
    """
    graph = as_layered_graph(graph)
    if graph.outputs:
        return list(graph.outputs)
    left = {j.source for j in graph.junctions}
    return [layer.name for layer in graph.layers if layer.name not in left and layer.kind != "input"]


def _ends(graph, sources, targets) -> tuple[list[str], list[str]]:
    """The start and end layers of input-to-output paths (the defaults, or the names given)."""
    sources = input_layers(graph) if sources is None else _names(graph, sources, "sources")
    targets = output_layers(graph) if targets is None else _names(graph, targets, "targets")
    return sources, targets


def number_of_paths(graph, *, sources=None, targets=None, weight: str = "binary", mode: str = "exact",
                    include_skip: bool = True):
    """The number of paths from the input layers to the output layers.

    ``1^T P 1`` summed over every (source layer, target layer) pair, where ``P`` is the
    :func:`path_counts` matrix; computed with one vector per layer, never the matrices.
    For a chain of junctions with fixed fan-outs it is ``N_1 fo_1 fo_2 ...``.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network.
    sources, targets : str or sequence of str, optional
        The layers where the paths start and end; by default :func:`input_layers` and
        :func:`output_layers`.
    weight, mode, include_skip
        As in :func:`path_counts`.

    Returns
    -------
    int or float
        An exact Python int in exact mode (the per-node counts stay under 2**63, their
        total may pass it), a float in float mode, the natural logarithm of the total in
        log mode (``-inf`` when there is no path).

    Raises
    ------
    LayerNotFoundError
        If a name in ``sources`` or ``targets`` is not a layer.
    InvalidParameterError, PathOverflowError
        As in :func:`path_counts`.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph(
    ...     [Layer("x", 3, "input"), Layer("h", 2, "dense"), Layer("y", 2, "dense")],
    ...     [Junction("x", "h", [[1, 0, 1], [0, 2, 1]], [[1.0, 0, -2], [0, 1, 1]], op="Gemm"),
    ...      Junction("h", "y", [[1, 1], [1, 0]], [[0.5, 1], [1, 0]], op="Gemm")],
    ...     outputs=["y"])
    >>> number_of_paths(g), number_of_paths(g, weight="count"), number_of_paths(g, targets="h")
    (6, 7, 4)
    """
    graph, arith = _prepare(graph, weight, mode, include_skip)
    sources, targets = _ends(graph, sources, targets)
    states = sweep(graph, graph.layer_names, {s: arith.ones(graph.layer(s).size) for s in sources}, arith,
                   weight=weight, include_skip=include_skip, keep=set(targets))
    values = [arith.finish(states[t]).data for t in dict.fromkeys(targets) if t in states]
    data = np.concatenate(values) if values else np.zeros(0)
    if mode == "exact":
        return int(np.sum(data.astype(object))) if data.size else 0
    if mode == "float":
        return float(data.sum())
    return float(_log_sums(sp.csr_array(data.reshape(1, -1)), data.size)[0]) if data.size else -np.inf
