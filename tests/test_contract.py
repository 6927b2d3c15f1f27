"""The contract every analysis keeps, checked on the same toy graphs.

In the manner of scikit-network's ``sknetwork/ranking/tests/test_API.py``: every public
analysis in :data:`ANALYSES` runs over every toy graph of :data:`GRAPHS` (a dense
MLP-like network, a convolutional one whose counts exceed 1, one with a residual merge
joined by skip junctions, one with isolated nodes; all seeded), and each must

* give one result per layer, of the type and shape it documents, in the documented
  ranges (degrees >= 0; a fit's alpha finite, ``xmin < xmax`` inside the observed
  positive degrees, KS distance and p-values in [0, 1]), or fail on a layer with a
  :class:`~netgraph.FitError` and nothing else;
* give the same results for a :class:`~netgraph.LayeredGraph` and for its
  :attr:`~netgraph.LayeredGraph.igraph`;
* not depend on the order of the nodes within a layer: permuting the units of a layer
  (the rows of the junctions into it and the columns of the junctions out of it, the
  same permutation) permutes per-node results the same way and leaves every other
  result identical.

Adding an analysis
------------------
Append an :class:`Analysis` to :data:`ANALYSES`: a name, a function ``run(graph)``
returning ``{layer name: result}`` (a :class:`~netgraph.LayeredGraph` or its igraph
graph in, plain numbers, arrays and dicts out), whether a result is indexed by the
layer's nodes (``per_node``), and ``check(graph, layer, result)`` asserting its type,
shape and ranges. Every test below then runs it over every toy graph. An analysis of
two graphs (preferential attachment between two checkpoints) can take the second
graph from :func:`reweighted`, the same network with other weights.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any, Callable

import numpy as np
import pytest
import scipy.sparse as sp

import netgraph
from netgraph import FitError, Junction, Layer, LayeredGraph, TruncatedPowerLaw, compare_tpl, fit_tpl
from netgraph.degrees import DIRECTIONS

SEED = 20260
SPATIAL = (6, 6)  # the feature-map shape of the convolutional toy graph
POSITIONS = SPATIAL[0] * SPATIAL[1]


# ---------------------------------------------------------------------------------
# The toy graphs
# ---------------------------------------------------------------------------------


def _random_junction(rng, source, target, *, density, scale=1, op="Gemm", kind="learnable"):
    """A junction between two layers with ``Bernoulli(density)`` edges, seeded.

    An edge's count is ``scale`` times a uniform integer in 1..4 when ``scale > 1`` (a
    convolution's nonzero taps times its output positions), 1 otherwise.
    """
    shape = (target.size, source.size)
    mask = rng.random(shape) < density
    taps = rng.integers(1, 5, size=shape) if scale > 1 else np.ones(shape, dtype=np.int64)
    count = np.where(mask, taps * scale, 0)
    weight = np.where(mask, rng.normal(size=shape), 0.0)
    return Junction(source.name, target.name, sp.csr_array(count), sp.csr_array(weight),
                    op=op, node=f"{op.lower()}_{target.name}", kind=kind)


def dense_mlp(seed=SEED):
    """30-40-40-10, dense Gemm junctions of density 0.3; the last layer is the output."""
    rng = np.random.default_rng(seed)
    layers = [Layer("x", 30, "input"), Layer("h1", 40, "dense"), Layer("h2", 40, "dense"),
              Layer("y", 10, "dense")]
    junctions = [_random_junction(rng, a, b, density=0.3) for a, b in zip(layers, layers[1:])]
    return LayeredGraph(layers, junctions, outputs=["y"])


def conv_net(seed=SEED):
    """3-16-24 channels of 6 x 6 maps (counts: taps x 36 positions), then 10 dense units."""
    rng = np.random.default_rng(seed)
    x = Layer("x", 3, "input", spatial_shape=SPATIAL)
    c1 = Layer("c1", 16, "conv", spatial_shape=SPATIAL)
    c2 = Layer("c2", 24, "conv", spatial_shape=SPATIAL)
    y = Layer("y", 10, "dense")
    junctions = [
        _random_junction(rng, x, c1, density=0.9, scale=POSITIONS, op="Conv"),
        _random_junction(rng, c1, c2, density=0.5, scale=POSITIONS, op="Conv"),
        # after Flatten: a unit reads up to all 36 positions of a channel's map
        Junction("c2", "y", rng.integers(0, POSITIONS + 1, size=(10, 24)), rng.normal(size=(10, 24)),
                 op="Gemm", node="gemm_y"),
    ]
    return LayeredGraph([x, c1, c2, y], junctions, outputs=["y"])


def skip_net(seed=SEED):
    """20-32-32, a residual Add of both 32-unit layers (skip edges), then 10 outputs."""
    rng = np.random.default_rng(seed)
    x, a, b = Layer("x", 20, "input"), Layer("a", 32, "dense"), Layer("b", 32, "dense")
    merge, y = Layer("add", 32, "merge"), Layer("y", 10, "dense")
    identity = sp.identity(32, dtype=np.int64, format="csr")
    junctions = [
        _random_junction(rng, x, a, density=0.4),
        _random_junction(rng, a, b, density=0.4),
        Junction("a", "add", identity, identity.astype(float), op="Add", node="add", kind="skip"),
        Junction("b", "add", identity, identity.astype(float), op="Add", node="add", kind="skip"),
        _random_junction(rng, merge, y, density=0.5),
    ]
    return LayeredGraph([x, a, b, merge, y], junctions, outputs=["y"])


def isolated_nodes(seed=SEED):
    """A 30-40-40-10 MLP whose layers have isolated nodes (every edge of them pruned)."""
    g = dense_mlp(seed)
    rng = np.random.default_rng(seed + 1)
    dead = {name: rng.choice(g.layer(name).size, size=4, replace=False) for name in ("x", "h1", "h2")}
    junctions = []
    for j in g.junctions:
        keep = np.ones(j.shape, dtype=np.int64)
        keep[dead.get(j.target, []), :] = 0
        keep[:, dead.get(j.source, [])] = 0
        junctions.append(Junction(j.source, j.target, j.count.toarray() * keep, j.weight.toarray() * keep,
                                  op=j.op, node=j.node, kind=j.kind))
    return LayeredGraph(g.layers, junctions, outputs=g.outputs)


GRAPHS = {"dense_mlp": dense_mlp, "conv_net": conv_net, "skip_net": skip_net,
          "isolated_nodes": isolated_nodes}
"""dict: name -> a seeded builder of a toy :class:`~netgraph.LayeredGraph`."""


def permute_layer(graph, layer, perm):
    """The same network with the units of ``layer`` reordered: new unit i is old ``perm[i]``.

    The rows of the junctions into ``layer`` and the columns of the junctions out of it
    are permuted alike; every other junction is kept.
    """
    junctions = []
    for j in graph.junctions:
        count, weight = j.count, j.weight
        if j.target == layer:
            count, weight = count[perm, :], weight[perm, :]
        if j.source == layer:
            count, weight = count[:, perm], weight[:, perm]
        junctions.append(Junction(j.source, j.target, count, weight, op=j.op, node=j.node, kind=j.kind))
    return LayeredGraph(graph.layers, junctions, outputs=graph.outputs, metadata=graph.metadata,
                        cuts=graph.cuts)


def reweighted(graph, seed=SEED):
    """The same network (same edges and counts) with new, seeded weights."""
    rng = np.random.default_rng(seed)
    junctions = [Junction(j.source, j.target, j.count,
                          sp.csr_array((rng.normal(size=j.count.nnz), j.count.indices, j.count.indptr),
                                       shape=j.shape),
                          op=j.op, node=j.node, kind=j.kind) for j in graph.junctions]
    return LayeredGraph(graph.layers, junctions, outputs=graph.outputs, metadata=graph.metadata)


# ---------------------------------------------------------------------------------
# The analyses
# ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Analysis:
    """One public analysis, as the contract tests run it.

    Attributes
    ----------
    name : str
        The test id.
    run : callable
        ``run(graph) -> {layer name: result}`` for a LayeredGraph or its igraph graph.
    check : callable
        ``check(graph, layer, result)``: asserts the type, shape and ranges of one result.
    per_node : bool
        Whether a result is an array indexed by the layer's nodes (it is then permuted
        with them); otherwise it must not change at all when the nodes are permuted.
    rel : float, default 0
        Relative tolerance of the float results when the same network is given in
        another form or node order (0: bit for bit).
    """

    name: str
    run: Callable[[Any], dict]
    check: Callable[[LayeredGraph, str, Any], None]
    per_node: bool
    rel: float = 0.0


def _layered(graph):
    """``graph`` as a LayeredGraph (read back from its igraph graph if need be)."""
    return graph if isinstance(graph, LayeredGraph) else LayeredGraph.from_igraph(graph)


def _check_degrees(graph, layer, d):
    assert isinstance(d, np.ndarray) and d.dtype == np.int64
    assert d.shape == (graph.layer(layer).size,)
    assert (d >= 0).all()


def _degrees_analysis(direction, include_output, include_skip, *, per_layer):
    options = dict(direction=direction, include_output=include_output, include_skip=include_skip)
    flags = "".join(f"-{k}" for k in ("include_output", "include_skip") if options[k])
    if per_layer:
        def run(graph):
            names = _layered(graph).layer_names
            return {name: netgraph.degrees(graph, name, **options) for name in names}
        name = f"degrees-{direction}{flags}"
    else:
        def run(graph):
            return netgraph.layer_degrees(graph, **options)
        name = f"layer_degrees-{direction}{flags}"
    return Analysis(name, run, _check_degrees, per_node=True)


DEGREE_OPTIONS = [(direction, include_output, include_skip) for direction in DIRECTIONS
                  for include_output in (False, True) for include_skip in (False, True)]


def _positive_range(graph, layer):
    d = netgraph.layer_degrees(graph)[layer]
    d = d[d > 0]
    return (int(d.min()), int(d.max())) if d.size else None


def _fit_summary(fit):
    """The results of a fitted :class:`~netgraph.TruncatedPowerLaw`, as plain values."""
    summary = {name: getattr(fit, name) for name in (
        "alpha_", "xmin_", "xmax_", "ks_", "n_tail_", "loglik_", "n_", "n_isolated_", "candidates_",
        "p_value_", "ks_choice_", "deluca_corral_choice_", "rule")}
    summary["bootstrap_ks_"] = None if fit.bootstrap_ks_ is None else np.asarray(fit.bootstrap_ks_)
    return summary


def _fits(make_fit):
    """``run`` of a TPL analysis: the fit of each layer's degrees, or its FitError.

    A fit's summary records the messages of the warnings it gave (``"warnings"``).
    """
    def run(graph):
        results = {}
        for name, d in netgraph.layer_degrees(graph).items():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    results[name] = _fit_summary(make_fit(d))
                except FitError as error:
                    results[name] = FitError(str(error))
                    continue
            results[name]["warnings"] = [str(w.message) for w in caught]
        return results
    return run


def _in_unit_interval(p):
    return p is None or (isinstance(p, float) and 0.0 <= p <= 1.0)


def _check_fit(graph, layer, fit):
    if isinstance(fit, FitError):
        return  # a layer that cannot be fitted (too few distinct degrees) says so
    d = netgraph.layer_degrees(graph)[layer]
    low, high = _positive_range(graph, layer)
    assert math.isfinite(fit["alpha_"])
    assert low <= fit["xmin_"] < fit["xmax_"] <= high
    assert 0.0 <= fit["ks_"] <= 1.0
    assert fit["n_"] == d.size and fit["n_isolated_"] == int((d == 0).sum())
    in_range = int(((d >= fit["xmin_"]) & (d <= fit["xmax_"])).sum())
    assert fit["n_tail_"] == in_range and in_range <= fit["n_"] - fit["n_isolated_"]
    assert math.isfinite(fit["loglik_"]) and fit["loglik_"] <= 0.0
    assert fit["candidates_"] >= 1
    assert _in_unit_interval(fit["p_value_"])
    for choice in (fit["ks_choice_"], fit["deluca_corral_choice_"]):
        if choice is not None:
            assert low <= choice["xmin"] < choice["xmax"] <= high
            assert 0.0 <= choice["ks"] <= 1.0 and _in_unit_interval(choice["p_value"])
    if fit["bootstrap_ks_"] is not None:
        ks = fit["bootstrap_ks_"][~np.isnan(fit["bootstrap_ks_"])]
        assert ((0.0 <= ks) & (ks <= 1.0)).all()
    # the two documented warnings: Deluca & Corral's rule found no range it accepts (the
    # KS choice is then kept and deluca_corral_choice_ is None); some synthetic data sets
    # of the bootstrap could not be fitted (NaN in bootstrap_ks_, left out of p_value_)
    no_range = [m for m in fit["warnings"] if m.startswith("no candidate range has a fixed-range p-value")]
    unfitted = [m for m in fit["warnings"] if "synthetic data sets could not be fitted" in m]
    assert len(no_range) <= 1 and len(unfitted) <= 1
    assert len(no_range) + len(unfitted) == len(fit["warnings"]), fit["warnings"]
    n_nan = 0 if fit["bootstrap_ks_"] is None else int(np.isnan(fit["bootstrap_ks_"]).sum())
    assert unfitted == ([f"{n_nan} of {fit['bootstrap_ks_'].size} synthetic data sets could not be fitted "
                         "and are left out of the p-value"] if n_nan else [])
    if fit["rule"] == "deluca-corral":
        assert (fit["deluca_corral_choice_"] is None) == bool(no_range)
        if no_range:
            assert (fit["xmin_"], fit["xmax_"]) == (fit["ks_choice_"]["xmin"], fit["ks_choice_"]["xmax"])
    else:
        assert fit["deluca_corral_choice_"] is None and not no_range


def _comparisons(graph):
    """``run`` of the model comparison: compare_tpl on each fittable layer's degrees."""
    results = {}
    for name, d in netgraph.layer_degrees(graph).items():
        try:
            fit = fit_tpl(d)
        except FitError:
            continue
        results[name] = (compare_tpl(d, fit), fit.n_tail_)
    return results


def _check_comparison(graph, layer, result):
    comparison, n_tail = result
    assert list(comparison) == list(netgraph.ALTERNATIVES)
    for alternative, c in comparison.items():
        assert c["n"] == n_tail
        assert c["preferred"] in (None, "tpl", alternative)
        assert math.isfinite(c["R"]) and not math.isnan(c["normalized_R"])
        assert 0.0 <= c["p"] <= 1.0
        assert math.isfinite(c["loglik_tpl"]) and math.isfinite(c["loglik_alt"])
        assert c["loglik_tpl"] - c["loglik_alt"] == pytest.approx(c["R"], rel=1e-9, abs=1e-9)
        assert c["n_above_xmax"] >= 0 and 0.0 <= c["alt_mass_above_xmax"] <= 1.0


def _fans_from_the_input(graph):
    """Each layer's equivalent fan-in from the first layer: paths from the input into each node."""
    first = _layered(graph).layer_names[0]
    return {name: netgraph.equivalent_fans(graph, first, name)[0] for name in _layered(graph).layer_names}


def _check_fans(graph, layer, fan_in):
    assert isinstance(fan_in, np.ndarray) and fan_in.dtype.kind in "iu"
    assert fan_in.shape == (graph.layer(layer).size,)
    assert (fan_in >= 0).all()
    if layer == graph.layer_names[0]:
        assert (fan_in == 1).all()  # from a layer to itself: the identity


def _attachment(graph):
    """Omega-hat per layer between the graph and the same graph with one more connection on every pair."""
    from netgraph.attachment import match_graphs, omega_hat

    g0 = _layered(graph)
    g1 = LayeredGraph(g0.layers, [Junction(j.source, j.target, j.count.toarray() + 1, j.weight.toarray() + 1,
                                           op=j.op, node=j.node, kind=j.kind) for j in g0.junctions],
                      outputs=g0.outputs)
    return {o.layer: {"slope": o.line["slope"], "predicted_slope": o.predicted_slope,
                      "zero_degree": o.zero_degree} for o in omega_hat(match_graphs(g0, g1))}


def _check_attachment(graph, layer, result):
    assert math.isnan(result["predicted_slope"]) or result["predicted_slope"] >= 0
    assert 0 <= result["zero_degree"]["nodes"] <= graph.layer(layer).size


ANALYSES = [
    *(_degrees_analysis(*options, per_layer=False) for options in DEGREE_OPTIONS),
    *(_degrees_analysis(*options, per_layer=True) for options in DEGREE_OPTIONS),
    Analysis("fit_tpl", _fits(fit_tpl), _check_fit, per_node=False),
    Analysis("TruncatedPowerLaw-bootstrap",
             _fits(lambda d: TruncatedPowerLaw(bootstrap=20, seed=0).fit(d)), _check_fit, per_node=False),
    Analysis("TruncatedPowerLaw-deluca-corral",
             _fits(lambda d: TruncatedPowerLaw(rule="deluca-corral", range_bootstrap=20, seed=0).fit(d)),
             _check_fit, per_node=False),
    # the alternatives' maximum-likelihood fits stop at a tolerance and their sums run in
    # data order: the same network in another node order agrees to about 1e-7
    Analysis("compare_tpl", _comparisons, _check_comparison, per_node=False, rel=1e-6),
    Analysis("equivalent_fans", _fans_from_the_input, _check_fans, per_node=True),
    Analysis("attachment", _attachment, _check_attachment, per_node=False),
]
"""list of Analysis: every public analysis; the tests below run each on every toy graph."""


# ---------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------


def assert_same(a, b, where="", rel=0.0):
    """``a`` and ``b`` are equal: dicts, sequences and exceptions (by message)
    recursively, arrays element by element (NaN equal to NaN), integers exactly, floats
    within the relative tolerance ``rel`` (0: exactly)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]", rel)
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype.kind == b.dtype.kind and a.shape == b.shape, where
        if rel and a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=rel, atol=0, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]", rel)
    elif isinstance(a, BaseException):
        assert type(a) is type(b) and str(a) == str(b), where
    elif isinstance(a, float):
        assert isinstance(b, float), f"{where}: {a!r} and {b!r}"
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), f"{where}: {a!r} != {b!r}"
        else:
            assert a == b or math.isclose(a, b, rel_tol=rel, abs_tol=0.0), f"{where}: {a!r} != {b!r}"
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture(scope="module", params=list(GRAPHS))
def graph(request):
    return GRAPHS[request.param]()


@pytest.fixture(params=ANALYSES, ids=[a.name for a in ANALYSES])
def analysis(request):
    return request.param


def test_toy_graphs_are_what_they_say():
    dense, conv, skip, isolated = (GRAPHS[name]() for name in GRAPHS)
    assert all(j.count.max() == 1 for j in dense.junctions)
    assert all(j.count.max() > 1 for j in conv.junctions)
    assert {j.kind for j in skip.junctions} == {"learnable", "skip"}
    assert any(layer.kind == "merge" for layer in skip.layers)
    assert any((d == 0).any() for name, d in netgraph.layer_degrees(isolated).items() if name != "y")
    for name, build in GRAPHS.items():  # seeded: the same graph every time
        a, b = build(), build()
        for ja, jb in zip(a.junctions, b.junctions):
            assert_same(ja.count.toarray(), jb.count.toarray(), name)
            assert_same(ja.weight.toarray(), jb.weight.toarray(), name)


def test_one_result_per_layer_in_range(graph, analysis):
    results = analysis.run(graph)
    assert set(results) <= set(graph.layer_names)
    if analysis.per_node:
        assert list(results) == graph.layer_names
    for layer, result in results.items():
        analysis.check(graph, layer, result)


def test_fits_are_made(graph):
    # not vacuous: some layer of every toy graph is fitted, and the all-zero degrees of
    # the output layer (its junctions left out) are a FitError
    fits = ANALYSES[[a.name for a in ANALYSES].index("fit_tpl")].run(graph)
    assert any(not isinstance(f, FitError) for f in fits.values())
    assert isinstance(fits["y"], FitError)


def test_igraph_gives_the_same_results(graph, analysis):
    assert_same(analysis.run(graph.igraph), analysis.run(graph), analysis.name, analysis.rel)


@pytest.mark.parametrize("layer_index", [0, 1, 2, -1])
def test_results_do_not_depend_on_node_order(graph, analysis, layer_index):
    layer = graph.layers[layer_index]
    perm = np.random.default_rng([SEED, layer.size]).permutation(layer.size)
    permuted = permute_layer(graph, layer.name, perm)
    before, after = analysis.run(graph), analysis.run(permuted)
    assert list(before) == list(after)
    for name in before:
        expected = before[name]
        if analysis.per_node and name == layer.name:
            expected = expected[perm]
        assert_same(after[name], expected, f"{analysis.name}, layer {name!r}", analysis.rel)


@pytest.mark.parametrize("options", DEGREE_OPTIONS[:4], ids=lambda o: "-".join(map(str, o[1:])))
def test_degree_totals_agree(graph, options):
    # every counted connection has one end in a target and one in a source layer
    _, include_output, include_skip = options
    kw = dict(include_output=include_output, include_skip=include_skip)
    total_in = sum(int(d.sum()) for d in netgraph.layer_degrees(graph, direction="in", **kw).values())
    total_out = sum(int(d.sum()) for d in netgraph.layer_degrees(graph, direction="out", **kw).values())
    both = netgraph.layer_degrees(graph, direction="both", **kw)
    assert total_in == total_out == sum(int(d.sum()) for d in both.values()) // 2
    counted = [j for j in graph.junctions if (include_skip or j.learnable)
               and (include_output or j.target not in graph.outputs)]
    assert total_in == sum(j.connections for j in counted)


def test_reweighted_keeps_the_edges(graph):
    other = reweighted(graph)
    for a, b in zip(graph.junctions, other.junctions):
        assert_same(a.count.toarray(), b.count.toarray())
    assert_same(netgraph.layer_degrees(graph), netgraph.layer_degrees(other))
