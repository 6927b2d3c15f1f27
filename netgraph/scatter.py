"""Dey et al.'s scatter: how evenly a sparse connection pattern spreads over windows of neurons.

The layers of a chain ``X_1 -> X_2 -> ... -> X_{J+1}`` are joined by junctions
``1 .. J``; junction ``i`` has ``N_i`` left and ``N_{i+1}`` right neurons and the binary
adjacency matrix ``A_i`` (``count > 0``, shape ``(N_{i+1}, N_i)``). Its left neurons are
cut into ``fi_i`` windows of ``N_i / fi_i`` consecutive neurons, its right neurons into
``fo_i`` windows of ``N_{i+1} / fo_i``; summing ``A_i`` over each window gives the window
adjacency matrices ``A^{w_l}`` (``N_{i+1} x fi_i``) and ``A^{w_r}`` (``fo_i x N_i``), and
eq. (1) of Dey et al. [1]_ averages their entries that are at least 1::

    S_if = (1 / (fi_i N_{i+1})) sum_jk I([A^{w_l}]_jk >= 1),
    S_ib = (1 / (N_i fo_i)) sum_jk I([A^{w_r}]_jk >= 1).

For the whole chain ``1:J`` (section 3 and appendix 5.2), ``A_{1:J}`` counts the paths
(:func:`netgraph.paths.path_counts`) and the fans are the chain's equivalent fans (its row
and column sums, as :func:`netgraph.paths.equivalent_fans` gives them):
``k = min(N_1, fi_{1:J})`` left windows, of one neuron each when the fan exceeds the layer,
whose ideal entry is ``max(1, fi_{1:J} / k)`` (Dey's ``max(1, fi_{1:J} / N_1)``), the right
side likewise; each window-matrix entry is divided by the ideal and clipped at 1 (the
authors' code; the indicator of eq. (1) when the ideal is 1). The scatter vector is
``[S_1f, S_1b, ..., S_Jf, S_Jb, S_f, S_b]``: every single junction, then the whole chain
``1:J`` only (Dey's vector for ``J = 2``; for ``J > 2`` the partial chains such as ``1:2``
or ``2:3`` are left out, and for ``J = 1`` the chain is junction 1 and is not repeated).
The scatter ``S`` is the vector's minimum; fully connected layers give all ones.

Fans that are not fixed (a pruned network, any ONNX model: the row or column sums differ),
or a fixed fan that does not divide the layer, give windows by one rule: the number of
windows is the divisor of the layer size nearest to the mean fan (ties go to the smaller
divisor), at most the layer size. Each entry says which rule made its windows
(:attr:`ScatterEntry.rule`), and a count given in ``windows`` overrides the rule.

The recurrent self-loop junction of an LSTM, GRU or RNN layer (kind ``"recurrent"``)
joins a layer to itself, not two layers of a chain: scatter leaves it out.

Windows are 1-D by default: blocks of consecutive nodes in the layer's order. ``shapes``
gives a layer's nodes a shape, read row-major as ONNX and torch flatten: ``(H, W)`` cuts an
image input into 2-D tiles, ``(C, H, W)`` a flattened map into 3-D cuboids (channel-major,
where Dey's Keras code assumes channels last); the counts are then those that tile the
shape (the rule takes the nearest), laid out as the grid of :func:`netgraph._windows.grid`.
A node of a convolutional layer read from ONNX is a whole channel, so such a layer's windows
are blocks of channels: the shapes apply to layers whose nodes are single neurons. Read with
``exporters.read_onnx(model, flatten="neurons")``, a convolutional map flattened into a dense
layer becomes a layer of C x H x W neurons whose shape the reader records
(:func:`model_shapes`), so the dense junction's left windows are 3-D cuboids with no
argument; the default chain then starts at that layer (:func:`neuron_layers`).

References
----------
.. [1] Dey, S., Huang, K.-W., Beerel, P. A. and Chugg, K. M. "Characterizing Sparse
   Connectivity Patterns in Neural Networks." Information Theory and Applications
   Workshop (2018); arXiv:1711.02131.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from netgraph._chain import _binary_adjacency, _check_layers, model_shapes, neuron_layers
from netgraph._windows import check_count, check_shape, grid, nearest_count, window_indicator
from netgraph.convert import as_layered_graph
from netgraph.exceptions import InvalidParameterError, PathOverflowError
from netgraph.graph import LayeredGraph
from netgraph.utils.check import check_int

__all__ = ["scatter", "ScatterEntry", "ScatterResult", "window_matrices", "nearest_divisor", "model_shapes",
           "neuron_layers", "RULES"]

#: How an entry's windows were chosen: the fixed fan (Dey's rule), the mean fan rounded to
#: the nearest divisor of the layer size (the nearest count that tiles its shape), or a
#: count given in ``windows``.
RULES = ("fixed fan", "mean fan", "given")

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ScatterEntry:
    """One entry of the scatter vector.

    Attributes
    ----------
    label : str
        ``"S_1f"``, ``"S_1b"``, ..., and ``"S_f"``, ``"S_b"`` for the whole chain.
    junction : str
        ``"1"``, ``"2"``, ... or ``"1:J"`` for the chain.
    source, target : str
        The layers the junction (or chain) joins.
    direction : str
        ``"f"`` (left windows to right neurons) or ``"b"`` (right windows to left neurons).
    layer : str
        The layer cut into windows (``source`` for ``"f"``, ``target`` for ``"b"``).
    windows : int
        Number of windows.
    window_size : int
        Neurons in each window.
    grid : tuple of int
        How the windows tile the layer's shape: ``(windows,)`` for 1-D windows, ``(4, 4)``
        for 16 tiles of an image, ...
    fan : float
        The mean fan the windows come from (fan-in for ``"f"``, fan-out for ``"b"``):
        the fixed fan when every neuron has it.
    ideal : float
        The ideal window-matrix entry (1 for a single junction, eq. (1)).
    rule : str
        One of :data:`RULES`.
    value : float
        The scatter entry, in [0, 1].
    """

    label: str
    junction: str
    source: str
    target: str
    direction: str
    layer: str
    windows: int
    window_size: int
    grid: tuple
    fan: float
    ideal: float
    rule: str
    value: float

    def to_dict(self) -> dict:
        """The entry as a JSON-serialisable dict (its fields, the grid as a list).

        Examples
        --------
        >>> e = ScatterEntry("S_1f", "1", "x", "h", "f", "x", 2, 4, (2,), 2.0, 1.0, "fixed fan", 0.75)
        >>> e.to_dict()["grid"], e.to_dict()["value"]
        ([2], 0.75)
        """
        d = dataclasses.asdict(self)
        d["grid"] = list(self.grid)
        return d


@dataclasses.dataclass(frozen=True)
class ScatterResult:
    """The scatter vector of a chain of layers, entry by entry, and its minimum.

    Attributes
    ----------
    layers : tuple of str
        The chain ``X_1, ..., X_{J+1}``.
    entries : tuple of ScatterEntry
        ``S_1f, S_1b, ..., S_Jf, S_Jb`` then, when ``J > 1``, ``S_f, S_b``.
    """

    layers: tuple
    entries: tuple

    @property
    def labels(self) -> list[str]:
        """The label of each entry."""
        return [e.label for e in self.entries]

    @property
    def vector(self) -> np.ndarray:
        """The scatter vector (float64)."""
        return np.array([e.value for e in self.entries], dtype=np.float64)

    @property
    def value(self) -> float:
        """The scatter ``S``: the minimum of the vector."""
        return float(self.vector.min())

    def to_dict(self) -> dict:
        """The result as a JSON-serialisable dict: ``layers``, ``entries``, ``labels``, ``vector`` and ``S``.

        Examples
        --------
        >>> e = ScatterEntry("S_1f", "1", "x", "h", "f", "x", 2, 4, (2,), 2.0, 1.0, "fixed fan", 0.75)
        >>> d = ScatterResult(("x", "h"), (e,)).to_dict()
        >>> d["labels"], d["vector"], d["S"]
        (['S_1f'], [0.75], 0.75)
        """
        return {"layers": list(self.layers), "entries": [e.to_dict() for e in self.entries],
                "labels": self.labels, "vector": self.vector.tolist(), "S": self.value}


def nearest_divisor(n: int, x: float) -> int:
    """The divisor of ``n`` nearest to ``x`` (ties go to the smaller divisor).

    Parameters
    ----------
    n : int
        A positive integer (a layer size).
    x : float
        The target (a mean fan); values below 1 give 1, above ``n`` give ``n``.

    Returns
    -------
    int

    Raises
    ------
    InvalidParameterError
        If ``n`` is not a positive integer.

    Examples
    --------
    >>> nearest_divisor(8, 2), nearest_divisor(8, 3), nearest_divisor(8, 3.1), nearest_divisor(64, 1024)
    (2, 2, 4, 64)
    """
    return nearest_count((check_int(n, "n", minimum=1),), x)


def window_matrices(adjacency, left_windows: int, right_windows: int, *, left_shape=None,
                    right_shape=None) -> tuple[sp.csr_array, sp.csr_array]:
    """The left and right window adjacency matrices of a junction (Dey et al., Fig. 5(c)).

    Parameters
    ----------
    adjacency : array_like or sparse array, shape (N_out, N_in)
        Connection (or path) counts from left neuron ``k`` to right neuron ``j``.
    left_windows : int
        Number of windows of the left neurons; must tile ``left_shape`` (divide ``N_in``
        for 1-D windows).
    right_windows : int
        Number of windows of the right neurons; must tile ``right_shape``.
    left_shape, right_shape : sequence of int, optional
        The shape of each side's neurons, row-major (``(H, W)`` for 2-D tiles,
        ``(C, H, W)`` for 3-D cuboids); default ``(N,)``: blocks of consecutive neurons.
        The grid of windows is the one of :mod:`netgraph._windows` (the most equal sides).

    Returns
    -------
    left : scipy.sparse.csr_array, shape (N_out, left_windows)
        ``A^{w_l}``: the sum of ``adjacency`` over each left window.
    right : scipy.sparse.csr_array, shape (right_windows, N_in)
        ``A^{w_r}``: the sum of ``adjacency`` over each right window.

    Raises
    ------
    InvalidParameterError
        If a shape's product is not its side's size, or a window count does not tile it.

    Examples
    --------
    >>> left, right = window_matrices([[1, 1, 0, 0], [0, 0, 1, 1]], 2, 1)
    >>> left.toarray().tolist(), right.toarray().tolist()
    ([[2, 0], [0, 2]], [[1, 1, 1, 1]])
    >>> window_matrices([[1, 0, 1, 0], [0, 1, 0, 1]], 2, 1, left_shape=(2, 2))[0].toarray().tolist()
    [[1, 1], [1, 1]]
    >>> window_matrices([[1, 1, 0, 0]], 3, 1)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: left_windows must be a divisor of the 4 left neurons; got 3
    """
    a = sp.csr_array(adjacency)
    n_out, n_in = a.shape
    ls = (n_in,) if left_shape is None else check_shape(left_shape, "left_shape", n_in, "left neurons")
    rs = (n_out,) if right_shape is None else check_shape(right_shape, "right_shape", n_out, "right neurons")
    kl = check_count(left_windows, "left_windows", ls, "left neurons")
    kr = check_count(right_windows, "right_windows", rs, "right neurons")
    return _left_matrix(a, ls, grid(ls, kl)), _right_matrix(a, rs, grid(rs, kr))


def _left_matrix(a: sp.csr_array, shape, g) -> sp.csr_array:
    """``A^{w_l}``: ``a`` summed over the left windows of the grid ``g``."""
    return sp.csr_array(a @ window_indicator(shape, g))


def _right_matrix(a: sp.csr_array, shape, g) -> sp.csr_array:
    """``A^{w_r}``: ``a`` summed over the right windows of the grid ``g``."""
    return sp.csr_array(window_indicator(shape, g).T @ a)


def _score(window_matrix: sp.csr_array, ideal: float) -> float:
    """The mean of ``min(1, entry / ideal)`` over every entry (zeros included) of a window matrix."""
    data = window_matrix.data
    total = np.minimum(1.0, data[data > 0] / ideal).sum()
    return float(total / (window_matrix.shape[0] * window_matrix.shape[1]))


#: Above this many window-matrix entries, the score goes through the sparse window matrix
#: instead of a dense tally (8 bytes an entry).
_DENSE_TALLY = 1 << 22


def _window_score(a: sp.csr_array, shape, g, direction: str, active: int, ideal: float) -> float:
    """:func:`_score` of ``A^{w_l}`` (``"f"``, first ``active`` rows) or ``A^{w_r}`` (``"b"``, first ``active`` columns).

    The window matrix is tallied straight from ``a``'s stored entries (each entry's row
    and window) when it has at most :data:`_DENSE_TALLY` entries, which skips two sparse
    products; otherwise it is built as :func:`window_matrices` builds it.
    """
    k = math.prod(g)
    if active * k > _DENSE_TALLY:
        if direction == "f":
            return _score(sp.csr_array(_left_matrix(a, shape, g)[:active, :]), ideal)
        return _score(sp.csr_array(_right_matrix(a, shape, g)[:, :active]), ideal)
    cells = window_indicator(shape, g).indices
    rows = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
    if direction == "f":
        node, cell = rows, cells[a.indices]
    else:
        node, cell = a.indices, cells[rows]
    keep = node < active
    tally = np.bincount(node[keep] * k + cell[keep], weights=a.data[keep].astype(np.float64), minlength=active * k)
    return float(np.minimum(1.0, tally / ideal).sum() / (active * k))


@dataclasses.dataclass(frozen=True)
class _Options:
    """The checked options of :func:`scatter` that every entry reads."""

    windows: dict
    shapes: dict
    active: dict


def _choose_windows(sums: np.ndarray, shape, given, label: str, layer: str) -> tuple[int, float, str]:
    """The window count of one entry, the mean fan it comes from, and the rule (one of :data:`RULES`)."""
    fan = float(sums.mean()) if sums.size else 0.0
    if given is not None:
        return check_count(given, f"windows[{label!r}]", shape, f"nodes of layer {layer!r}"), fan, "given"
    fixed = sums.size > 0 and bool((sums == sums[0]).all())
    k = nearest_count(shape, fan)
    return k, fan, "fixed fan" if fixed and k == min(fan, math.prod(shape)) else "mean fan"


def _entry(label, junction, source, target, direction, a, sums, chain, opts):
    """One :class:`ScatterEntry`: choose the windows, build the window matrix, score it.

    ``"f"`` cuts ``source`` into windows and averages over the (active) nodes of
    ``target``; ``"b"`` cuts ``target`` and averages over the (active) nodes of ``source``.
    """
    layer, other = (source, target) if direction == "f" else (target, source)
    shape = opts.shapes.get(layer, (a.shape[1] if direction == "f" else a.shape[0],))
    k, fan, rule = _choose_windows(sums, shape, opts.windows.get(label), label, layer)
    g = grid(shape, k)
    ideal = max(1.0, fan / k) if chain else 1.0
    active = opts.active.get(other, a.shape[0] if direction == "f" else a.shape[1])
    return ScatterEntry(label, junction, source, target, direction, layer, k, math.prod(shape) // k, g, fan, ideal,
                        rule, _window_score(a, shape, g, direction, active, ideal))


def _pair(label: str, junction: str, source: str, target: str, a, fans, chain, opts):
    """The ``f`` and ``b`` entries of one junction (or chain) with adjacency ``a`` (target x source)."""
    fan_in, fan_out = fans
    return [_entry(f"S_{label}f", junction, source, target, "f", a, fan_in, chain, opts),
            _entry(f"S_{label}b", junction, source, target, "b", a, fan_out, chain, opts)]


def _by_layer(mapping, what: str, names: list[str]) -> dict:
    """``mapping`` as a dict whose keys must be layers of the chain ``names``."""
    mapping = dict(mapping or {})
    for name in mapping:
        if name not in names:
            raise InvalidParameterError(f"{what} must be keyed by the chain's layers {', '.join(map(repr, names))}; "
                                        f"got {name!r}")
    return mapping


def _check_options(graph: LayeredGraph, names: list[str], windows, shapes, active) -> _Options:
    """The options of :func:`scatter`, checked against the chain ``names`` and its labels."""
    n_junctions = len(names) - 1
    labels = [f"S_{i}{d}" for i in range(1, n_junctions + 1) for d in "fb"]
    labels += ["S_f", "S_b"] if n_junctions > 1 else []
    windows = dict(windows or {})
    unknown = [label for label in windows if label not in labels]
    if unknown:
        raise InvalidParameterError(f"windows must be keyed by the labels {', '.join(labels)}; got {unknown[0]!r}")
    sizes = {name: graph.layer(name).size for name in names}
    shapes = {name: check_shape(shape, f"shapes[{name!r}]", sizes[name], f"nodes of layer {name!r}")
              for name, shape in _by_layer(shapes, "shapes", names).items()}
    shapes = {**model_shapes(graph, names), **shapes}
    active = {name: check_int(n, f"active[{name!r}]", minimum=1, maximum=sizes[name])
              for name, n in _by_layer(active, "active", names).items()}
    return _Options(windows, shapes, active)


def scatter(graph, *, layers: Sequence[str] | None = None, windows: Mapping[str, int] | None = None,
            shapes: Mapping[str, Sequence[int]] | None = None, active: Mapping[str, int] | None = None,
            include_skip: bool = True) -> ScatterResult:
    """Dey et al.'s scatter vector and scatter ``S`` of a chain of layers.

    Parameters
    ----------
    graph : LayeredGraph or igraph.Graph
        The network (an :class:`igraph.Graph` made by :attr:`LayeredGraph.igraph`).
    layers : sequence of str, optional
        The chain ``X_1, ..., X_{J+1}``: junction ``i`` is the learnable junctions from
        ``X_i`` to ``X_{i+1}``, or their skip junctions when no learnable one joins them (a
        residual merge layer). Default: the layers the junctions touch, in topological
        order, when every learnable junction joins two consecutive ones (an error otherwise);
        from the last layer of neurons of a flattened map on, if the graph has one
        (:func:`neuron_layers`: a model read with ``flatten="neurons"``).
    windows : mapping of str to int, optional
        Window counts that override the rule, by entry label (``{"S_1f": 4, "S_b": 2}``);
        each must tile the layer it cuts (divide its size, for 1-D windows).
    shapes : mapping of str to sequence of int, optional
        The shape of a layer's nodes, by layer name, read row-major as ONNX and torch
        flatten: ``(28, 28)`` for an image input cut into 2-D tiles, ``(C, H, W)`` for a
        convolutional map flattened into a dense layer, cut into 3-D cuboids. A layer not
        named takes the shape the ONNX reader recorded for it (:func:`model_shapes`: an
        image input that the model flattens into a dense layer, ``(H, W)`` or ``(C, H,
        W)``, or the neurons of a flattened map read with ``flatten="neurons"``), else 1-D
        windows (blocks of consecutive nodes); ``(N,)`` asks for 1-D
        windows. With a shape, the rule picks the window count that tiles it nearest to the
        fan; see :mod:`netgraph._windows` for the grid.
    active : mapping of str to int, optional
        The number of leading nodes of a layer that matter, by layer name: the others are
        padding (Dey pads 784 MNIST inputs to 1024 and 10 outputs to 16). The windows still
        cut the whole layer and the fans count every node, but the averages of eq. (1) run
        over the active nodes only (the rows of ``A^{w_l}``, the columns of ``A^{w_r}``).
    include_skip : bool, default True
        Count the paths through skip (residual) junctions in the chain's path counts, and
        let skip junctions join two layers of the chain that no learnable junction joins.

    Returns
    -------
    ScatterResult
        The entries (label, windows, rule, value...), the vector and ``S``
        (:attr:`ScatterResult.value`).

    Raises
    ------
    InvalidParameterError
        If ``layers`` is not a chain of junctions, a layer has no nodes, a label of
        ``windows`` is not one of the vector's, a window count does not tile its layer, or a
        shape or an active count names a layer not in the chain, a shape does not multiply to
        its layer's size, or an active count is not in [1, size] (the message names the
        numbers).
    LayerNotFoundError
        If a name of ``layers`` is not a layer of ``graph``.

    References
    ----------
    Dey et al., "Characterizing Sparse Connectivity Patterns in Neural Networks", eq. (1),
    section 3 and appendix 5.2.

    Examples
    --------
    Dey's (8, 4, 4) network with fan-outs (1, 2), so fan-ins (2, 2):

    >>> import numpy as np
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> a1 = np.zeros((4, 8)); a2 = np.zeros((4, 4))
    >>> for h, ins in enumerate([(0, 1), (4, 5), (2, 6), (3, 7)]): a1[h, list(ins)] = 1
    >>> for o, hs in enumerate([(0, 2), (1, 3), (0, 3), (1, 2)]): a2[o, list(hs)] = 1
    >>> g = LayeredGraph([Layer("x", 8, "input"), Layer("h", 4, "dense"), Layer("y", 4, "dense")],
    ...                  [Junction("x", "h", a1, a1, op="Gemm"), Junction("h", "y", a2, a2, op="Gemm")])
    >>> result = scatter(g)
    >>> result.labels
    ['S_1f', 'S_1b', 'S_2f', 'S_2b', 'S_f', 'S_b']
    >>> result.vector.tolist(), result.value
    ([0.75, 1.0, 1.0, 1.0, 0.75, 1.0], 0.75)
    >>> [(e.windows, e.window_size, e.rule) for e in result.entries][:2]
    [(2, 4, 'fixed fan'), (1, 4, 'fixed fan')]

    The inputs seen as a 2 x 4 image: junction 1's two left windows become the 2 x 2 tiles
    {0, 1, 4, 5} and {2, 3, 6, 7}, and each hidden neuron reaches only one of them:

    >>> tiled = scatter(g, shapes={"x": (2, 4)})
    >>> tiled.entries[0].grid, tiled.vector.tolist()
    ((1, 2), [0.5, 1.0, 1.0, 1.0, 0.75, 1.0])
    """
    graph = as_layered_graph(graph)
    names = _check_layers(graph, layers)
    opts = _check_options(graph, names, windows, shapes, active)
    entries = []
    for i, (source, target) in enumerate(zip(names[:-1], names[1:]), start=1):
        a = _binary_adjacency(graph, source, target, include_skip)
        fans = (np.diff(a.indptr), np.bincount(a.indices, minlength=a.shape[1]))
        entries += _pair(str(i), str(i), source, target, a, fans, False, opts)
    if len(names) > 2:
        entries += _chain_pair(graph, names[0], names[-1], len(names) - 1, include_skip, opts)
    return ScatterResult(tuple(names), tuple(entries))


def _chain_pair(graph, source, target, n_junctions, include_skip, opts):
    """The ``S_f`` and ``S_b`` entries of the chain ``1:J``, from :func:`netgraph.paths.path_counts`.

    The path matrix is computed once, in exact (int64) arithmetic, or in float64 when a
    count would overflow int64 (the entries are divided by the ideal and clipped at 1, so
    float64 loses nothing that matters); the equivalent fans are its row and column sums,
    what :func:`netgraph.paths.equivalent_fans` returns, without a second sweep.
    """
    from netgraph.paths import path_counts

    try:
        a = path_counts(graph, source, target, weight="binary", include_skip=include_skip)
    except PathOverflowError:
        logger.info("path counts from %r to %r overflow int64: scatter uses float64", source, target)
        a = path_counts(graph, source, target, weight="binary", mode="float", include_skip=include_skip)
    a = sp.csr_array(a)
    fans = (np.asarray(a.sum(axis=1), dtype=np.float64).ravel(), np.asarray(a.sum(axis=0), dtype=np.float64).ravel())
    return _pair("", f"1:{n_junctions}", source, target, a, fans, True, opts)
