"""LSTM, GRU and RNN read as a recurrent layer: a W junction and an R self-loop, gates folded.

Expected junctions are computed here from the weight matrices by brute force (a loop over
hidden units, gates and inputs), not with the handler's reshape.
"""

import numpy as np
import pytest
from onnx import helper

import netgraph
from exporters import read_onnx
from netgraph import layer_degrees
from netgraph.paths import effective_sparsity, number_of_paths
from tests.onnx_builders import init, make_model, vi

GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def _pruned(rng, shape, zero=0.5):
    w = rng.normal(size=shape).astype(np.float32)
    w[rng.random(shape) < zero] = 0.0
    return w


def _brute_fold(w, gates, hidden):
    """count[h, i] and weight[h, i] by loops over the gates."""
    n = w.shape[1]
    count, weight = np.zeros((hidden, n), np.int64), np.zeros((hidden, n))
    for h in range(hidden):
        for i in range(n):
            for g in range(gates):
                v = float(w[g * hidden + h, i])
                if v != 0.0:
                    count[h, i] += 1
                    weight[h, i] += v
    return count, weight


def _model(op, *, features=3, hidden=4, seq=5, dirs=1, layout=1, peephole=False, out_units=2, seed=0):
    """data (batch=1, seq, features) [layout 1] -> op -> Y_h -> Flatten -> Gemm."""
    rng = np.random.default_rng(seed)
    g = GATES[op]
    w, r = _pruned(rng, (dirs, g * hidden, features)), _pruned(rng, (dirs, g * hidden, hidden))
    b = rng.normal(size=(dirs, 2 * g * hidden)).astype(np.float32)
    inputs = ["x", "W", "R", "B"]
    inits = [init("W", w), init("R", r), init("B", b)]
    p = None
    if peephole:
        p = _pruned(rng, (dirs, 3 * hidden))
        inputs += ["", "", "", "P"]
        inits.append(init("P", p))
    direction = "bidirectional" if dirs == 2 else "forward"
    node = helper.make_node(op, inputs, ["Y", "Y_h"], name="rnn", hidden_size=hidden, layout=layout,
                            direction=direction)
    fc_w = rng.normal(size=(dirs * hidden, out_units)).astype(np.float32)
    nodes = [node, helper.make_node("Flatten", ["Y_h"], ["flat"]),
             helper.make_node("MatMul", ["flat", "Wfc"], ["y"], name="fc")]
    x_shape = [1, seq, features] if layout else [seq, 1, features]
    m = make_model(nodes, [vi("x", x_shape)], [vi("y", None)], inits + [init("Wfc", fc_w)])
    return m, w, r, p


@pytest.mark.parametrize("op", ["LSTM", "GRU", "RNN"])
def test_recurrent_junctions_are_the_folded_weight_matrices(op):
    m, w, r, _ = _model(op)
    g = read_onnx(m)
    hidden = g.layer("rnn")
    assert hidden.kind == "recurrent" and hidden.size == 4
    (jw,) = [j for j in g.junctions_into("rnn") if j.kind == "learnable"]
    (jr,) = [j for j in g.junctions_into("rnn") if j.kind == "recurrent"]
    assert jw.source == "x" and jr.source == "rnn" and jr.target == "rnn" and jr.op == op
    for j, mat in ((jw, w[0]), (jr, r[0])):
        count, weight = _brute_fold(mat, GATES[op], 4)
        np.testing.assert_array_equal(j.count.toarray(), count)
        np.testing.assert_allclose(j.weight.toarray(), weight, rtol=1e-6, atol=1e-6)
        assert j.edges == int((count > 0).sum())  # a pair with all its gate weights zero is no edge
    assert [j.source for j in g.junctions_into("fc")] == ["rnn"]


def test_bidirectional_is_two_layers_and_y_h_flattened_in_direction_order():
    m, w, r, _ = _model("GRU", dirs=2)
    g = read_onnx(m)
    assert [L.name for L in g.layers if L.kind == "recurrent"] == ["rnn.forward", "rnn.reverse"]
    for d, name in enumerate(("rnn.forward", "rnn.reverse")):
        (jw,) = [j for j in g.junctions_into(name) if j.kind == "learnable"]
        (jr,) = [j for j in g.junctions_into(name) if j.kind == "recurrent"]
        np.testing.assert_array_equal(jw.count.toarray(), _brute_fold(w[d], 3, 4)[0])
        np.testing.assert_array_equal(jr.count.toarray(), _brute_fold(r[d], 3, 4)[0])
        assert g.layer(name).node == "rnn"
    fc = {j.source: j for j in g.junctions_into("fc")}
    assert set(fc) == {"rnn.forward", "rnn.reverse"}  # Y_h (batch, 2, H) flattened: 4 units of each direction


def test_lstm_peepholes_add_to_the_self_loop_diagonal():
    m, w, r, p = _model("LSTM", peephole=True, seed=3)
    g = read_onnx(m)
    (jr,) = [j for j in g.junctions if j.kind == "recurrent"]
    count, weight = _brute_fold(r[0], 4, 4)
    for h in range(4):
        for k in range(3):
            if p[0, k * 4 + h] != 0:
                count[h, h] += 1
                weight[h, h] += float(p[0, k * 4 + h])
    np.testing.assert_array_equal(jr.count.toarray(), count)
    np.testing.assert_allclose(jr.weight.toarray(), weight, rtol=1e-6, atol=1e-6)


def test_sequence_first_layout_and_the_hidden_sequence_y():
    # layout 0: x is (seq, batch, features); Y (seq, 1, batch, H) feeds a token-wise MatMul
    rng = np.random.default_rng(5)
    w, r = _pruned(rng, (1, 4, 3)), _pruned(rng, (1, 4, 4))
    nodes = [helper.make_node("RNN", ["x", "W", "R"], ["Y"], name="rnn", hidden_size=4),
             helper.make_node("Squeeze", ["Y", "one"], ["ys"]),
             helper.make_node("MatMul", ["ys", "Wfc"], ["y"], name="fc")]
    inits = [init("W", w), init("R", r), init("one", np.array([1], np.int64)),
             init("Wfc", rng.normal(size=(4, 2)).astype(np.float32))]
    g = read_onnx(make_model(nodes, [vi("x", [5, 1, 3])], [vi("y", None)], inits))
    assert g.layer("x").size == 3  # the features, not the sequence
    np.testing.assert_array_equal(g.junctions_into("rnn")[0].count.toarray(), (w[0] != 0).astype(int))
    assert [j.source for j in g.junctions_into("fc")] == ["rnn"]


def test_degrees_with_and_without_the_recurrent_junction():
    m, w, r, _ = _model("LSTM", seed=7)
    g = read_onnx(m)
    cw, _ = _brute_fold(w[0], 4, 4)
    cr, _ = _brute_fold(r[0], 4, 4)
    with_r = layer_degrees(g)
    without = layer_degrees(g, include_recurrent=False)
    np.testing.assert_array_equal(without["rnn"], cw.sum(axis=1))  # the junction into the output is left out
    np.testing.assert_array_equal(with_r["rnn"], cw.sum(axis=1) + cr.sum(axis=1) + cr.sum(axis=0))
    np.testing.assert_array_equal(with_r["x"], cw.sum(axis=0))
    with pytest.raises(netgraph.InvalidParameterError, match="include_recurrent"):
        layer_degrees(g, include_recurrent="yes")


def test_paths_and_effective_sparsity_skip_the_self_loop():
    m, w, r, _ = _model("RNN", seed=2)
    g = read_onnx(m)
    # x -> rnn -> fc: paths = sum over (j, i) of fc_nnz[k, j] * w_nnz[j, i]
    fc = g.junctions_into("fc")[0].count.toarray() > 0
    expected = int((fc.astype(np.int64) @ (w[0] != 0).astype(np.int64)).sum())
    assert number_of_paths(g) == expected
    eff = effective_sparsity(g)
    assert eff.edges == int((w[0] != 0).sum() + fc.sum())  # the recurrent junction is not a learnable one


@pytest.mark.parametrize("fmt", ["npz", "graphml"])
def test_graph_files_and_igraph_round_trip_the_self_loop(tmp_path, fmt):
    m, *_ = _model("LSTM", dirs=2, seed=4)
    g = read_onnx(m)
    path = tmp_path / f"g.{fmt}"
    netgraph.write_graph(g, path)
    for h in (netgraph.read_graph(path), netgraph.LayeredGraph.from_igraph(g.igraph)):
        assert [(j.source, j.target, j.kind) for j in h.junctions] == [(j.source, j.target, j.kind) for j in g.junctions]
        for a, b in zip(g.junctions, h.junctions):
            np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())
            np.testing.assert_allclose(a.weight.toarray(), b.weight.toarray())
    loops = sum(int(np.count_nonzero(j.count.diagonal())) for j in g.junctions if j.recurrent)
    assert sum(g.igraph.is_loop()) == loops > 0  # igraph keeps a unit's connection to itself as a loop


def test_a_learnable_self_loop_is_refused():
    layers = [netgraph.Layer("x", 2, "input"), netgraph.Layer("h", 2, "recurrent")]
    with pytest.raises(netgraph.InvalidParameterError, match="only a junction of kind 'recurrent'"):
        netgraph.LayeredGraph(layers, [netgraph.Junction("h", "h", np.eye(2), np.eye(2), op="LSTM")])
    with pytest.raises(netgraph.InvalidParameterError, match="joins a layer to itself"):
        netgraph.LayeredGraph(layers, [netgraph.Junction("x", "h", np.eye(2), np.eye(2), op="LSTM", kind="recurrent")])


def _torch_export(module, x, path):
    import torch

    torch.onnx.export(module, (x,), str(path), dynamo=False, opset_version=17)
    return str(path)


def _prune_(module, seed):
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "weight" in name:
                p.mul_((torch.rand(p.shape, generator=gen) > 0.5).float())


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_torch_export_batch_first(tmp_path, kind):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(3, 5, batch_first=True)
            self.fc = torch.nn.Linear(5, 2)

        def forward(self, x):
            y, _ = self.rnn(x)
            return self.fc(y[:, -1])

    net = Net().eval()
    _prune_(net, 1)
    path = _torch_export(net, torch.randn(1, 6, 3), tmp_path / "m.onnx")
    g = read_onnx(path)  # torch's Transposes to (seq, batch, features) and back are followed, in strict mode
    assert not g.cuts
    (rec,) = [L for L in g.layers if L.kind == "recurrent"]
    gates = GATES[kind]
    w_ih = net.rnn.weight_ih_l0.detach().numpy()
    w_hh = net.rnn.weight_hh_l0.detach().numpy()
    # torch's gate order differs from ONNX's; a fold over all gates does not depend on it
    jw = [j for j in g.junctions_into(rec.name) if j.kind == "learnable"][0]
    jr = [j for j in g.junctions_into(rec.name) if j.kind == "recurrent"][0]
    np.testing.assert_array_equal(jw.count.toarray(), _brute_fold(w_ih, gates, 5)[0])
    np.testing.assert_array_equal(jr.count.toarray(), _brute_fold(w_hh, gates, 5)[0])
    np.testing.assert_allclose(jr.weight.toarray(), _brute_fold(w_hh, gates, 5)[1], rtol=1e-5, atol=1e-6)
    assert any(j.source == rec.name and j.op in ("Gemm", "MatMul") for j in g.junctions)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_torch_export_sequence_first_read_strictly(tmp_path, kind):
    # (seq, batch=1, features) in, the hidden sequence through a token-wise Linear out: no Transpose
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(3, 5)
            self.fc = torch.nn.Linear(5, 2)

        def forward(self, x):
            return self.fc(self.rnn(x)[0])

    net = Net().eval()
    _prune_(net, 2)
    g = read_onnx(_torch_export(net, torch.randn(6, 1, 3), tmp_path / "m.onnx"))
    assert not g.cuts
    (rec,) = [L for L in g.layers if L.kind == "recurrent"]
    gates = GATES[kind]
    jw = [j for j in g.junctions_into(rec.name) if j.kind == "learnable"][0]
    jr = [j for j in g.junctions_into(rec.name) if j.kind == "recurrent"][0]
    np.testing.assert_array_equal(jw.count.toarray(), _brute_fold(net.rnn.weight_ih_l0.detach().numpy(), gates, 5)[0])
    np.testing.assert_array_equal(jr.count.toarray(), _brute_fold(net.rnn.weight_hh_l0.detach().numpy(), gates, 5)[0])
    (fc,) = [j for j in g.junctions if j.source == rec.name and j.kind == "learnable"]
    assert (fc.count.toarray() > 0).sum() == int((net.fc.weight.detach().numpy() != 0).sum())


def test_gates_kept_apart_with_recurrent_gates_separate():
    m, w, r, p = _model("LSTM", peephole=True, seed=9)
    g = read_onnx(m, recurrent_gates="separate")
    gates = ("i", "o", "f", "c")
    assert [L.name for L in g.layers if L.kind == "recurrent"] == [f"rnn.{k}" for k in gates]
    assert g.layer("rnn").kind == "merge"
    for k, gate in enumerate(gates):
        (jw,) = [j for j in g.junctions_into(f"rnn.{gate}") if j.kind == "learnable"]
        (jr,) = [j for j in g.junctions_into(f"rnn.{gate}") if j.kind == "recurrent"]
        block = w[0][k * 4:(k + 1) * 4]
        np.testing.assert_array_equal(jw.count.toarray(), (block != 0).astype(int))
        np.testing.assert_allclose(jw.weight.toarray(), block, rtol=1e-6)
        expected = (r[0][k * 4:(k + 1) * 4] != 0).astype(int)
        if gate in "iof":
            expected[np.arange(4), np.arange(4)] += p[0, "iof".index(gate) * 4:("iof".index(gate) + 1) * 4] != 0
        np.testing.assert_array_equal(jr.count.toarray(), expected)
    skips = [j for j in g.junctions_into("rnn") if j.kind == "skip"]
    assert len(skips) == 4 and all((j.count.toarray() == np.eye(4)).all() for j in skips)
    assert [j.source for j in g.junctions_into("fc")] == ["rnn"]
    # the separate gates hold every connection of the folded count
    folded = read_onnx(m)
    per_gate = sum(j.connections for j in g.junctions if j.target.startswith("rnn.") and j.kind != "skip")
    assert per_gate == sum(j.connections for j in folded.junctions if j.target == "rnn")
    with pytest.raises(netgraph.InvalidParameterError, match="recurrent_gates must be one of 'fold', 'separate'"
                                                             ".*got 'apart'"):
        read_onnx(m, recurrent_gates="apart")


def test_torch_bidirectional_lstm_directions_feed_their_own_columns(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(2)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.LSTM(3, 5, bidirectional=True)
            self.fc = torch.nn.Linear(10, 2)

        def forward(self, x):
            return self.fc(self.rnn(x)[0])

    net = Net().eval()
    _prune_(net, 3)
    g = read_onnx(_torch_export(net, torch.randn(6, 1, 3), tmp_path / "m.onnx"))
    assert not g.cuts
    fwd, rev = [L.name for L in g.layers if L.kind == "recurrent"]
    assert fwd.endswith(".forward") and rev.endswith(".reverse")
    for name, sfx in ((fwd, ""), (rev, "_reverse")):
        jw = [j for j in g.junctions_into(name) if j.kind == "learnable"][0]
        jr = [j for j in g.junctions_into(name) if j.kind == "recurrent"][0]
        np.testing.assert_array_equal(jw.count.toarray(), _brute_fold(getattr(net.rnn, f"weight_ih_l0{sfx}").detach()
                                                                        .numpy(), 4, 5)[0])
        np.testing.assert_array_equal(jr.count.toarray(), _brute_fold(getattr(net.rnn, f"weight_hh_l0{sfx}").detach()
                                                                        .numpy(), 4, 5)[0])
    fc_w = net.fc.weight.detach().numpy()
    by_source = {j.source: j for j in g.junctions if j.op == "MatMul"}
    np.testing.assert_array_equal(by_source[fwd].count.toarray(), (fc_w[:, :5] != 0).astype(int))
    np.testing.assert_array_equal(by_source[rev].count.toarray(), (fc_w[:, 5:] != 0).astype(int))
