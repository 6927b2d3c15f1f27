r"""A null model of no preferential attachment: the new connections placed uniformly among the free pairs.

For every attachment junction, :func:`null_slopes` places the same number of newly
connected pairs as the checkpoints show, uniformly among the pairs unconnected at
:math:`t = 0`, and recomputes the :math:`\hat\Omega` line of every layer; repeated
``draws`` times, this gives the spread of the slope when nothing but the number of free
pairs of each node decides where a connection lands, and a one-sided p-value
:math:`(1 + \#\{\text{null slope} \ge \text{slope}\}) / (1 + \text{draws})`.

Only a node's share matters for its layer's line, so the placement is drawn through its
marginals: the new pairs a node receives from one junction follow the multivariate
hypergeometric law over the nodes' free pairs (``numpy.random.Generator.
multivariate_hypergeometric``), independently for the junction below and the one above
the layer. Each placed pair carries the junction's new scalar connections divided by its
newly connected pairs (1 for a dense junction). The null slope is slightly negative: a
node of high degree has fewer free pairs. For a convolution, whose new scalar connections
mostly land on channel pairs connected already, this is a rough null: a junction with no
newly connected pair adds nothing to it.
"""

from __future__ import annotations

import numpy as np

from netgraph.attachment.bins import degree_classes
from netgraph.attachment.match import Matching
from netgraph.utils.check import check_int
from netgraph.utils.seeds import child_seed, seed_sequence

__all__ = ["null_slopes"]


def _slope(index, x, nodes, new_rows) -> np.ndarray:
    """Least-squares slope of ``(x, new per node of each class)`` for every row of ``new_rows``."""
    if x.size < 2 or np.ptp(x) == 0:
        return np.full(new_rows.shape[0], np.nan)
    import scipy.sparse as sp

    onehot = sp.csr_array((np.ones(index.size), (index, np.arange(index.size))), shape=(x.size, index.size))
    omega = np.asarray(onehot @ new_rows.T).T / nodes
    xc = x - x.mean()
    return (omega - omega.mean(axis=1, keepdims=True)) @ xc / np.dot(xc, xc)


def _free(ch, side: str) -> np.ndarray:
    """Free pairs of every node of the junction's source (``side="source"``) or target layer."""
    pattern = ch.connected0.astype(bool)
    n_target, n_source = pattern.shape
    if side == "source":
        return n_target - np.asarray(pattern.sum(axis=0)).ravel().astype(np.int64)
    return n_source - np.asarray(pattern.sum(axis=1)).ravel().astype(np.int64)


def null_slopes(matching: Matching, observed: dict, *, draws: int = 200, seed=0, bins=None,
                degree: str = "total") -> dict:
    r"""The null spread of each layer's :math:`\hat\Omega` slope and its p-value.

    Parameters
    ----------
    matching : Matching
    observed : dict of str to float
        Each layer's observed slope (:func:`omega_hat`).
    draws : int, default 200
        Placements drawn.
    seed : int, SeedSequence or Generator, default 0
        Every junction side gets its own stream from it (the result does not depend on
        the order in which layers are done).
    bins, degree
        As in :func:`omega_hat` (``degree="in"`` counts the junctions into a layer only,
        ``"out"`` those out of it).

    Returns
    -------
    dict of str to dict
        Per layer: ``mean``, ``sd``, ``q025``, ``q975`` of the null slopes, ``p_value``
        (None when the observed slope is not defined), ``draws``.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> from netgraph.attachment import match_graphs
    >>> layers = [Layer("x", 3, "input"), Layer("h", 3, "dense")]
    >>> c0 = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0]])
    >>> c1 = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]])
    >>> m = match_graphs(LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm")]),
    ...                  LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm")]))
    >>> r = null_slopes(m, {"x": 1.0, "h": 1.0}, draws=50, seed=1)
    >>> sorted(r), r["x"]["draws"]
    (['h', 'x'], 50)
    """
    draws = check_int(draws, "draws", minimum=1)
    ss = seed_sequence(seed)
    d0 = matching.degrees(degree, 0)
    added = {name: np.zeros((draws, d0[name].size)) for name in matching.layers}
    for ch in matching.changes:
        pairs = ch.new_pairs
        if pairs == 0:
            continue
        weight = ch.new_connections / pairs
        sides = [("source", ch.source, 0)] if degree != "in" else []
        sides += [("target", ch.target, 1)] if degree != "out" else []
        for side, layer, key in sides:
            rng = np.random.default_rng(child_seed(ss, ch.index, key))
            free = _free(ch, side)
            added[layer] += weight * rng.multivariate_hypergeometric(free, pairs, size=draws, method="marginals")
    out = {}
    for name in matching.layers:
        pos = d0[name] > 0
        index, _, _ = degree_classes(d0[name][pos], bins)
        nodes = np.bincount(index, minlength=index.max() + 1 if index.size else 0).astype(float)
        x = np.bincount(index, weights=d0[name][pos].astype(float), minlength=nodes.size)
        keep = nodes > 0
        remap = np.cumsum(keep) - 1
        slopes = _slope(remap[index], x[keep] / nodes[keep], nodes[keep], added[name][:, pos])
        obs = observed.get(name)
        ok = slopes[np.isfinite(slopes)]
        p = None
        if obs is not None and np.isfinite(obs) and ok.size:
            p = float((1 + np.sum(ok >= obs)) / (1 + ok.size))
        stats = [float(v) for v in (ok.mean(), ok.std(ddof=1) if ok.size > 1 else np.nan,
                                    *np.quantile(ok, [0.025, 0.975]))] if ok.size else [None] * 4
        out[name] = dict(zip(("mean", "sd", "q025", "q975"), stats), p_value=p, draws=draws)
    return out
