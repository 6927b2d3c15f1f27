"""netgraph.attachment on tiny pairs of checkpoints, every value computed by hand (issue 13)."""

import json
import math

import numpy as np
import pytest

from cli_helpers import assert_one_line_error, run
from netgraph import Junction, Layer, LayeredGraph
from netgraph.attachment import GraphMismatchError, attachment_analysis, attachment_exponent, \
    attachment_kernel, degree_classes, delta_hat, fit_line, match_graphs, null_slopes, omega_hat, \
    poisson_interval
from netgraph.exceptions import InvalidParameterError, NetgraphError


def two_layer():
    """x(3) -> h(2) -> y(1), y the output. t0: h0-x0, h0-x1, h1-x1; t1 adds h0-x2 and h1-x0.

    t0 degrees (paper convention): x = [1, 2, 0] (upper only), h = [2, 1] (lower only).
    """
    layers = [Layer("x", 3, "input"), Layer("h", 2, "dense"), Layer("y", 1, "dense")]
    out = Junction("h", "y", [[1, 1]], [[1.0, 1.0]], op="Gemm")
    c0 = np.array([[1, 1, 0], [0, 1, 0]])
    c1 = np.array([[1, 1, 1], [1, 1, 0]])
    g0 = LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm"), out], outputs=["y"])
    g1 = LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm"), out], outputs=["y"])
    return g0, g1


def three_layer():
    """x(2) -> h1(2) -> h2(2) -> y(1).

    t0: x->h1 [[1,0],[0,1]], h1->h2 [[1,1],[0,1]]; t1 adds h1_0-x1 and h2_1-h1_0.
    t0 degrees: x = [1, 1]; h1 = in [1, 1] + out [1, 2] = [2, 3]; h2 = [2, 1].
    """
    layers = [Layer("x", 2, "input"), Layer("h1", 2, "dense"), Layer("h2", 2, "dense"), Layer("y", 1, "dense")]
    out = Junction("h2", "y", [[1, 1]], [[1.0, 1.0]], op="Gemm")

    def g(a, b):
        a, b = np.array(a), np.array(b)
        return LayeredGraph(layers, [Junction("x", "h1", a, a, op="Gemm"), Junction("h1", "h2", b, b, op="Gemm"), out],
                            outputs=["y"])

    return g([[1, 0], [0, 1]], [[1, 1], [0, 1]]), g([[1, 1], [0, 1]], [[1, 1], [1, 1]])


def test_match_new_removed_and_t0_degrees():
    g0, g1 = two_layer()
    m = match_graphs(g0, g1)
    assert [(c.source, c.target) for c in m.changes] == [("x", "h")]  # the output junction is left out
    assert m.changes[0].new.toarray().tolist() == [[0, 0, 1], [1, 0, 0]]
    assert m.changes[0].new_connections == 2 and m.changes[0].removed_connections == 0
    assert m.degrees0["x"].tolist() == [1, 2, 0] and m.degrees0["h"].tolist() == [2, 1]
    assert m.degrees1["x"].tolist() == [2, 2, 1]
    back = match_graphs(g1, g0)  # the other way round: the two are removed, reported
    assert back.changes[0].removed_connections == 2 and back.changes[0].new_connections == 0
    assert back.changes[0].to_dict()["removed_pairs"] == 2


def test_conv_counts_split_into_new_and_removed():
    layers = [Layer("x", 2, "input"), Layer("c", 1, "conv")]
    g0 = LayeredGraph(layers, [Junction("x", "c", [[4, 9]], [[1.0, 1.0]], op="Conv")])
    g1 = LayeredGraph(layers, [Junction("x", "c", [[6, 3]], [[1.0, 1.0]], op="Conv")])
    ch = match_graphs(g0, g1).changes[0]
    assert ch.new.toarray().tolist() == [[2, 0]] and ch.removed.toarray().tolist() == [[0, 6]]
    assert ch.new_pairs == 0  # the pair was connected already


def test_mismatch_names_the_first_difference():
    g0, _ = two_layer()
    other = LayeredGraph([Layer("x", 3, "input"), Layer("h", 3, "dense"), Layer("y", 1, "dense")],
                         [Junction("x", "h", np.ones((3, 3)), np.ones((3, 3)), op="Gemm"),
                          Junction("h", "y", np.ones((1, 3)), np.ones((1, 3)), op="Gemm")], outputs=["y"])
    with pytest.raises(GraphMismatchError, match="layer 1: size 2 at t0 but 3 at t1"):
        match_graphs(g0, other)
    renamed = LayeredGraph([Layer("x", 3, "input"), Layer("z", 2, "dense"), Layer("y", 1, "dense")], [],
                           outputs=["y"])
    with pytest.raises(GraphMismatchError, match="name 'h' at t0 but 'z'"):
        match_graphs(g0, renamed)
    fewer = LayeredGraph(list(g0.layers), list(g0.junctions[:1]), outputs=["y"])
    with pytest.raises(NetgraphError, match="junctions"):
        match_graphs(g0, fewer)


def test_delta_hat_by_hand():
    t = delta_hat(match_graphs(*two_layer()))[0]
    assert t.d1_low.tolist() == [0, 1, 2] and t.d2_low.tolist() == [1, 2]
    # h0-x2: (d1 0, d2 2); h1-x0: (d1 1, d2 1); one pair per cell
    assert t.new.tolist() == [[0, 1], [1, 0], [0, 0]] and t.pairs.tolist() == [[1, 1], [1, 1], [1, 1]]
    assert np.array_equal(t.values, [[0, 1], [1, 0], [0, 0]])
    e = delta_hat(match_graphs(*two_layer()), exclude_connected=True)[0]
    # connected at t0: h0-x0 (1, 2), h0-x1 (2, 2), h1-x1 (2, 1)
    assert e.pairs.tolist() == [[1, 1], [1, 0], [0, 0]]
    assert np.isnan(e.values[2, 0]) and e.values[0, 1] == 1
    cells = t.to_dict()["cells"]
    assert cells == [{"d1": 0, "d2": 1, "new": 1, "pairs": 1, "delta": 1.0},
                     {"d1": 1, "d2": 0, "new": 1, "pairs": 1, "delta": 1.0}]


def test_delta_hat_log_bins():
    layers = [Layer("x", 4, "input"), Layer("h", 1, "dense")]
    c0 = np.array([[1, 1, 1, 0]])
    c1 = np.array([[1, 1, 1, 1]])
    d, = delta_hat(match_graphs(LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm")]),
                                LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm")])), bins="log")
    assert d.d1_low.tolist() == [0, 1] and d.d2_low.tolist() == [2] and d.d2_high.tolist() == [3]
    assert d.new.tolist() == [[1], [0]] and d.pairs.tolist() == [[1], [3]]


def test_degree_classes_log_bins_at_powers_of_two():
    d = np.array([1, 2, 3, 4, 7, 8, 15, 16, 1023, 1024, 2**40 - 1, 2**40])
    index, low, high = degree_classes(d, "log")
    assert all(low[i] <= v <= high[i] for i, v in zip(index, d))


def test_omega_hat_by_hand_two_layers():
    x, h = omega_hat(match_graphs(*two_layer()))
    # x: new [1, 0, 1], degrees [1, 2, 0]; a = 2 new / 3 nodes, sum d = 3
    assert x.predicted_slope == pytest.approx(2 / 3)
    assert x.degree.tolist() == [1, 2] and x.omega.tolist() == [1, 0]
    assert x.line["slope"] == pytest.approx(-1) and x.line["intercept"] == pytest.approx(2)
    assert x.line["slope_through_origin"] == pytest.approx(0.2)
    assert x.zero_degree == {"nodes": 1, "new_connections": 1}
    assert h.predicted_slope == pytest.approx(2 / 3) and h.line["slope"] == pytest.approx(0)


def test_predicted_slope_of_a_middle_layer_has_both_terms():
    m = match_graphs(*three_layer())
    x, h1, h2 = omega_hat(m)
    # h1: (N^1 a^1 + N^0 a^0) / sum d = (1 + 1) / (2 + 3)
    assert h1.predicted_slope == pytest.approx(0.4) and h1.new.tolist() == [2, 0]
    assert x.predicted_slope == pytest.approx(0.5) and h2.predicted_slope == pytest.approx(1 / 3)
    _, h1_in, _ = omega_hat(m, degree="in")  # in-degree [1, 1], one new lower connection
    assert h1_in.predicted_slope == pytest.approx(0.5)
    x_in, h1_out, _ = omega_hat(m, degree="out")  # out-degree [1, 2], one new upper connection
    assert h1_out.predicted_slope == pytest.approx(1 / 3)
    x_in = omega_hat(m, degree="in")[0]
    assert math.isnan(x_in.predicted_slope) and x_in.zero_degree["nodes"] == 2


def test_fit_line_against_numpy():
    rng = np.random.default_rng(0)
    x, y = rng.random(20), rng.random(20)
    slope, intercept = np.polyfit(x, y, 1)
    r = fit_line(x, y)
    assert r["slope"] == pytest.approx(slope) and r["intercept"] == pytest.approx(intercept)
    assert r["r2"] == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2)


def test_beta_against_brute_force_likelihood():
    rng = np.random.default_rng(2)
    d = rng.integers(1, 30, 60)
    k = rng.poisson(0.2 * d ** 0.7)
    grid = np.linspace(-1, 3, 40001)
    ll = [float(b * np.dot(k, np.log(d)) - k.sum() * np.log(np.sum(d ** b))) for b in grid]
    best = grid[int(np.argmax(ll))]
    r = attachment_exponent(d, k)
    assert r["beta"] == pytest.approx(best, abs=1e-3)
    inside = grid[np.array(ll) >= max(ll) - 1.920729]
    assert r["low"] == pytest.approx(inside.min(), abs=1e-3) and r["high"] == pytest.approx(inside.max(), abs=1e-3)
    assert attachment_exponent([3, 3], [1, 2])["beta"] is None
    assert attachment_exponent([1, 2], [0, 0])["note"].startswith("no new connection")


def test_kernel_and_poisson_interval():
    from scipy.stats import chi2

    lo, hi = poisson_interval([4])
    assert lo[0] == pytest.approx(chi2.ppf(0.025, 8) / 2) and hi[0] == pytest.approx(chi2.ppf(0.975, 10) / 2)
    k = attachment_kernel([0, 1, 2, 3, 5], [9, 1, 1, 3, 0])
    assert k["low"] == [1, 2, 4] and k["nodes"] == [1, 2, 1] and k["new"] == [1, 4, 0]
    assert k["A"] == [1.0, 2.0, 0.0] and k["A_high"][1] == pytest.approx(hi[0] / 2)


def test_null_model_matches_its_definition():
    """One junction 3 -> 1 with x0 connected: the 2 free pairs both get the one new pair, equally likely."""
    layers = [Layer("x", 3, "input"), Layer("h", 1, "dense")]
    c0, c1 = np.array([[1, 0, 0]]), np.array([[1, 1, 0]])
    m = match_graphs(LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm")]),
                     LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm")]))
    r = null_slopes(m, {"x": 0.0}, draws=400, seed=0)
    # x: one node of positive degree: no line, so no slope and no p-value
    assert r["x"]["p_value"] is None
    with pytest.raises(InvalidParameterError, match="draws"):
        null_slopes(m, {}, draws=0)
    a, b = null_slopes(m, {}, draws=10, seed=5), null_slopes(m, {}, draws=10, seed=5)
    assert a == b


def test_analysis_json_and_igraph_input():
    g0, g1 = two_layer()
    doc = attachment_analysis(g0, g1, null_draws=20, seed=1).to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["junctions"][0]["a"] == pytest.approx(2 / 3)
    layer = {entry["layer"]: entry for entry in doc["layers"]}
    assert layer["x"]["growth"]["predicted"] == pytest.approx(5 / 3)
    assert layer["x"]["growth"]["median"] == pytest.approx(1.5)  # c = [2, 1]
    assert set(layer["x"]["tpl"]) == {"t0", "t1", "predicted_t1"}
    again = attachment_analysis(g0.igraph, g1.igraph, null_draws=20, seed=1).to_dict()
    assert again == doc


def test_bad_options():
    g0, g1 = two_layer()
    with pytest.raises(InvalidParameterError, match="bins"):
        attachment_analysis(g0, g1, bins="linear")
    with pytest.raises(InvalidParameterError, match="degree"):
        attachment_analysis(g0, g1, degree="both")
    with pytest.raises(InvalidParameterError, match="null_draws"):
        attachment_analysis(g0, g1, null_draws=-1)


def test_cli_help_json_and_figures(capsys, tmp_path):
    code, out, _ = run(capsys, "attachment", "--help")
    assert code == 0 and "T0" in out and "--bins" in out and "--seed" in out
    g0, g1 = two_layer()
    g0.save(tmp_path / "t0.npz")
    g1.save(tmp_path / "t1.npz")
    code, out, _ = run(capsys, "attachment", str(tmp_path / "t0.npz"), str(tmp_path / "t1.npz"), "--json",
                       "--bins", "log", "--seed", "3", "--null-draws", "10")
    assert code == 0
    doc = json.loads(out)
    assert doc["options"]["bins"] == "log" and doc["options"]["seed"] == 3
    assert [entry["predicted_slope"] for entry in doc["layers"]] == pytest.approx([2 / 3, 2 / 3])
    code, out, _ = run(capsys, "attachment", str(tmp_path / "t0.npz"), str(tmp_path / "t1.npz"),
                       "-o", str(tmp_path / "out"), "--no-fit")
    assert code == 0 and out.startswith("degree: total")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["attachment.json", "ccdf_t1.png", "delta_hat.png", "omega_hat.png"]
    assert (tmp_path / "out" / "omega_hat.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_mismatch_is_a_one_line_error(capsys, tmp_path):
    g0, _ = two_layer()
    other = LayeredGraph([Layer("x", 4, "input")], [])
    g0.save(tmp_path / "t0.npz")
    other.save(tmp_path / "t1.npz")
    code, _, err = run(capsys, "attachment", str(tmp_path / "t0.npz"), str(tmp_path / "t1.npz"))
    assert_one_line_error(code, err, "layer 0: size 3 at t0 but 4 at t1")


def test_node_order_does_not_matter():
    """The same permutation of a hidden layer's nodes in both checkpoints leaves every layer's figures unchanged."""
    from test_attachment_sim import grow, sparse_network

    layers, counts = sparse_network(seed=4)
    g0, g1 = grow(layers, counts, "pa", seed=2)
    perm = np.random.default_rng(0).permutation(400)

    def permuted(g):
        a, b, c = (j.count.toarray() for j in g.junctions)
        a, b = a[perm, :], b[:, perm]
        return LayeredGraph(g.layers, [Junction(j.source, j.target, m, m.astype(float), op="Gemm")
                                       for j, m in zip(g.junctions, (a, b, c))], outputs=["y"])

    ref = attachment_analysis(g0, g1, fit=False, null_draws=0).to_dict(delta=False)
    got = attachment_analysis(permuted(g0), permuted(g1), fit=False, null_draws=0).to_dict(delta=False)
    for x, y in zip(ref["layers"], got["layers"]):
        assert x["points"] == y["points"] and x["beta"] == pytest.approx(y["beta"])
        assert x["slope"] == pytest.approx(y["slope"]) and x["predicted_slope"] == y["predicted_slope"]
