"""The sweep behind every path count: sparse products of junction matrices, layer by layer.

A *state* is, for one layer, the matrix whose column ``k`` counts the paths from the
``k``-th start (a node of the source layer, or "any input node") to each node of that
layer. :func:`sweep` visits the layers in topological order (or in reverse, along the
transposed junctions) and sets each layer's state to the sum over its junctions of
``A @ state`` of the junction's other end. Three number types do the arithmetic:

* :class:`Exact` (int64): before each product, a bound (the largest row sum of ``A``
  times the largest entry of the state) says whether a count could reach 2**63; only
  then is the product also made in float64, and a count whose float value (with a
  margin for its rounding) reaches 2**63 is a :class:`~netgraph.PathOverflowError`.
  Counts are non-negative, so partial sums never exceed the final one: an int64 result
  under 2**63 is exact.
* :class:`Float` (float64): an infinite count is a :class:`~netgraph.PathOverflowError`.
* :class:`Log`: each column is stored divided by ``exp(s_k)``, its scale, chosen after
  every product so that the column's largest entry is 1; the logarithm of a count is
  ``log(stored) + s_k``. Counts never overflow; a count smaller than 1e-308 times the
  largest count of its column (in the same layer) underflows to "no path".

:class:`Reach` (1 where a path leads, never a count) serves the reachability sweeps of
effective sparsity.

A recurrent junction (kind ``"recurrent"``, the self-loop ``R`` of an LSTM, GRU or RNN
layer) is never followed: a path goes from the inputs to the outputs through the layers
in order, once through each, so path counts, path norms and effective sparsity are
those of the network unrolled over one time step.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from netgraph.exceptions import InvalidParameterError, PathOverflowError

__all__ = ["WEIGHTS", "MODES", "LIMIT", "check_int64", "junction_matrix", "arithmetic", "check_weight_mode",
           "sweep", "log_vectors", "Exact", "Float", "Log", "Reach"]

#: Accepted values of ``weight``: which matrix stands for a junction.
WEIGHTS = ("binary", "count", "abs")
#: Accepted values of ``mode``: the number type of the counts.
MODES = ("exact", "float", "log")

#: Exact counts stay below this (int64).
LIMIT = 2**63
_EPS = np.finfo(np.float64).eps


def junction_matrix(junction, weight: str, dtype) -> sp.csr_array:
    """The junction's matrix, shape (target size, source size): ``count > 0``, ``count`` or ``|weight|``."""
    if weight == "count":
        return junction.count.astype(dtype)  # a copy
    source = junction.count if weight == "binary" else junction.weight
    data = np.ones(source.nnz, dtype=dtype) if weight == "binary" else np.abs(source.data)
    # copies of the index arrays: the junction's own must never change (eliminate_zeros works in place)
    m = sp.csr_array((data, source.indices.copy(), source.indptr.copy()), shape=junction.shape)
    if weight == "abs":
        m.eliminate_zeros()  # a connection of weight 0 carries no path norm
    return m


def check_int64(top: float, terms: int, what: str) -> None:
    """Refuse an exact sum whose float64 value ``top`` (a sum of ``terms`` products) may reach 2**63.

    The margin covers the rounding of the float sum (relative error at most ``terms`` ulps).
    ``what`` says what reaches the limit, for the message.
    """
    if top * (1 + 4 * (terms + 2) * _EPS) >= LIMIT:
        raise PathOverflowError(f"{what} reaches about {top:.3g}, past the int64 limit 2**63 of mode='exact'; "
                                f"use mode='float' or mode='log'")


class Exact:
    """int64 counts, refused when one would reach 2**63."""

    dtype = np.int64

    def identity(self, n: int):
        return sp.csr_array(sp.identity(n, dtype=np.int64, format="csr"))

    def ones(self, n: int):
        return sp.csr_array(np.ones((n, 1), dtype=np.int64))

    def combine(self, terms, where: str):
        """Sum of ``A @ P`` over ``terms``, a list of (matrix, state) pairs."""
        bound = sum((1 if a is None else _max_row_sum(a)) * (int(p.data.max()) if p.nnz else 0) for a, p in terms)
        result = _sum_products(terms)
        if bound >= LIMIT:
            approx = _sum_products([(None if a is None else a.astype(np.float64), p.astype(np.float64))
                                    for a, p in terms])
            check_int64(float(approx.data.max()) if approx.nnz else 0.0, sum(a.shape[1] for a, _ in terms),
                        f"a path count at layer {where!r}")
        return result

    def finish(self, state):
        return state


class Float:
    """float64 counts, refused when one is infinite."""

    dtype = np.float64

    def identity(self, n: int):
        return sp.csr_array(sp.identity(n, dtype=np.float64, format="csr"))

    def ones(self, n: int):
        return sp.csr_array(np.ones((n, 1)))

    def combine(self, terms, where: str):
        result = _sum_products(terms)
        if result.nnz and not np.isfinite(result.data).all():
            raise PathOverflowError(f"path counts at layer {where!r} pass the float64 range of mode='float'; "
                                    f"use mode='log'")
        return result

    def finish(self, state):
        return state


class Log:
    """Counts stored per column as (scaled matrix, log scale); see the module's docstring."""

    dtype = np.float64

    def identity(self, n: int):
        return sp.csr_array(sp.identity(n, dtype=np.float64, format="csr")), np.zeros(n)

    def ones(self, n: int):
        return sp.csr_array(np.ones((n, 1))), np.zeros(1)

    def combine(self, terms, where: str):
        products = [(m if a is None else a @ m, s) for a, (m, s) in terms]
        with np.errstate(divide="ignore"):
            logs = [s + np.log(_col_max(q)) for q, s in products]
        scale = np.max(logs, axis=0)
        scale[~np.isfinite(scale)] = 0.0
        result = None
        for q, s in products:
            part = q @ sp.diags_array(np.exp(s - scale), format="csr")
            result = part if result is None else result + part
        result = sp.csr_array(result)
        result.eliminate_zeros()
        return result, scale

    def finish(self, state):
        """The logarithms of the counts, as a CSR array whose stored entries are the pairs with a path."""
        m, s = state
        m = sp.csr_array(m)
        m.eliminate_zeros()
        m.sort_indices()
        return sp.csr_array((np.log(m.data) + s[m.indices], m.indices.copy(), m.indptr.copy()), shape=m.shape)


class Reach(Float):
    """Reachability: 1 where at least one path leads, never a count (so never an overflow)."""

    def combine(self, terms, where: str):
        result = _sum_products(terms)
        result.eliminate_zeros()
        result.data[:] = 1.0
        return result


def arithmetic(mode: str):
    """The number type of ``mode`` (one of :data:`MODES`)."""
    return {"exact": Exact, "float": Float, "log": Log}[mode]()


def check_weight_mode(weight: str, mode: str, names=("weight", "mode")) -> None:
    """``|weight|`` is not an integer: ``mode="exact"`` refuses it (``names``: how the caller calls the two)."""
    if weight == "abs" and mode == "exact":
        raise InvalidParameterError(f"{names[1]} must be 'float' or 'log' when {names[0]} is 'abs' (|weights| are "
                                    f"not integers); got 'exact'")


def _max_row_sum(a) -> int:
    return int(a.sum(axis=1).max()) if a.nnz else 0


def _col_max(q) -> np.ndarray:
    if not q.nnz:
        return np.zeros(q.shape[1])
    m = q.max(axis=0)
    return m.toarray().ravel() if sp.issparse(m) else np.asarray(m, dtype=np.float64).ravel()


def _sum_products(terms):
    """The sum of ``a @ p`` over ``terms``; an ``a`` of None stands for the identity (``p`` itself)."""
    result = None
    for a, p in terms:
        part = p.copy() if a is None else a @ p
        result = part if result is None else result + part
    return sp.csr_array(result)


def sweep(graph, order, starts: dict, arith, *, weight: str, include_skip: bool, reverse: bool = False,
          keep=None) -> dict:
    """The state of every layer of ``order`` reached from ``starts``.

    Parameters
    ----------
    graph : LayeredGraph
    order : sequence of str
        The layers to visit, in topological order (reversed when ``reverse``); only
        junctions between two of them are followed.
    starts : dict of str to state
        The initial state of some layers (added to what reaches them).
    arith : Exact, Float, Log or Reach
    weight : str
        One of :data:`WEIGHTS`.
    include_skip : bool
        Follow the skip junctions. Recurrent (self-loop) junctions are never followed.
    reverse : bool, default False
        Follow the junctions backwards (their transposes), from targets to sources.
    keep : set of str, optional
        The layers whose states are returned (all when None); the others are dropped
        once no junction needs them.

    Returns
    -------
    dict of str to state
        The layers with a state (those reached), in the arithmetic's representation.
    """
    visit = set(order)
    incoming: dict[str, list] = {name: [] for name in order}
    last_use: dict[str, int] = {}
    position = {name: i for i, name in enumerate(order)}
    for j in graph.junctions:
        if (j.kind == "skip" and not include_skip) or j.recurrent or j.source not in visit or j.target not in visit:
            continue
        here, there = (j.source, j.target) if reverse else (j.target, j.source)
        incoming[here].append((there, j))
        last_use[there] = max(last_use.get(there, -1), position[here])
    states: dict = {}
    for i, name in enumerate(order):
        terms = []
        for there, j in incoming[name]:
            if there in states:
                a = junction_matrix(j, weight, arith.dtype)
                terms.append((a.T.tocsr() if reverse else a, states[there]))
        if name in starts:
            terms.append((None, starts[name]))  # the start itself: no identity product
        if terms:
            states[name] = arith.combine(terms, name)
        if keep is not None:
            for there, _ in incoming[name]:
                if there not in keep and last_use.get(there) == i:
                    states.pop(there, None)
    return states if keep is None else {k: v for k, v in states.items() if k in keep}


def log_vectors(graph, order, starts, arith, *, weight: str, include_skip: bool, reverse: bool = False) -> dict:
    """The natural logarithm of the one-column state of every layer of ``order`` (``-inf`` where none).

    ``starts`` maps layer names to their sizes: each starts with a vector of ones. Every
    layer of ``order`` is in the result (``-inf`` throughout for a layer not reached).
    ``arith`` is :class:`Float`, :class:`Log` or :class:`Reach`.
    """
    states = sweep(graph, order, {name: arith.ones(n) for name, n in starts.items()}, arith, weight=weight,
                   include_skip=include_skip, reverse=reverse)
    out = {}
    for name in order:
        v = np.full(graph.layer(name).size, -np.inf)
        if name in states:
            m = sp.csr_array(arith.finish(states[name]))
            if not isinstance(arith, Log):
                m.eliminate_zeros()  # a stored 0.0 is a path only in log mode
            rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
            with np.errstate(divide="ignore"):
                v[rows] = m.data if isinstance(arith, Log) else np.log(m.data)
        out[name] = v
    return out
