"""read_onnx(batch_axes={name: axis}): graph inputs whose batch axis is not axis 0 (issue 11).

torch's ``nn.MultiheadAttention`` and ``nn.TransformerEncoderLayer`` with
``batch_first=False`` are exported with a (T, 1, E) input: netgraph takes axis 0 for the
batch unless told otherwise, and ``batch_axes={"x": 1}`` says so. Expected counts come
from the torch weights (one connection per nonzero weight and token), and the reading
equals that of the same weights in a batch-first model read without the option.
"""

import logging

import numpy as np
import pytest
from onnx import helper

from exporters import read_onnx
from netgraph.exceptions import InvalidParameterError, UnsupportedOperatorError
from onnx_builders import init, make_model, sparse_weights, torch_export, vi

T, E, H = 5, 8, 2


_w = sparse_weights


W, W2 = _w((E, 3), 1), _w((3, 4), 2)


def _token_wise(shape):
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="fc"), helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "W2"], ["y"], name="fc2")]
    return make_model(nodes, [vi("x", list(shape))], [vi("y", None)], [init("W", W), init("W2", W2)])


@pytest.mark.parametrize("axis", [1, -2])
def test_a_sequence_first_input_has_one_node_per_feature(axis):
    g = read_onnx(_token_wise((T, 1, E)), batch_axes={"x": axis})
    assert g.layer("x").size == E and g.layer("x").spatial_shape == (T,)
    assert g.metadata["batch_axis:x"] == "1"
    fc, fc2 = g.junctions
    np.testing.assert_array_equal(fc.count.toarray(), (W.T != 0) * T)
    np.testing.assert_array_equal(fc2.count.toarray(), (W2.T != 0) * T)


def test_without_the_option_axis_0_is_the_batch():
    # the same model read batch-first: T is the batch, each weight counted once per sample position (1 here)
    g = read_onnx(_token_wise((T, 1, E)))
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), (W.T != 0) * 1)
    assert "batch_axis:x" not in g.metadata


def test_batch_axis_0_given_is_the_default():
    g = read_onnx(_token_wise((1, T, E)), batch_axes={"x": 0})
    np.testing.assert_array_equal(g.junctions[0].count.toarray(), (W.T != 0) * T)
    assert g.metadata["batch_axis:x"] == "0"


@pytest.mark.parametrize("bad, match", [({"z": 1}, "no graph input 'z'"), ({"x": 3}, "out of range"),
                                        ({"x": -4}, "out of range"), ({"x": "1"}, "integer"),
                                        ({"x": True}, "integer"), ([("x", 1)], "dict")])
def test_bad_batch_axes_are_refused(bad, match):
    with pytest.raises(InvalidParameterError, match=match):
        read_onnx(_token_wise((T, 1, E)), batch_axes=bad)


def _export(model, x):
    pytest.importorskip("torch")
    return torch_export(model, x, opset_version=17, input_names=["x"])


def _nets(kind, batch_first):
    import torch
    from torch import nn

    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            if kind == "mha":
                self.att = nn.MultiheadAttention(E, H, batch_first=batch_first)
            else:
                self.att = nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=batch_first)
            self.fc = nn.Linear(E, 3)
            with torch.no_grad():
                for p in self.parameters():
                    if p.dim() >= 2:
                        p[p.abs() < 0.05] = 0.0

        def forward(self, x):
            return self.fc(self.att(x, x, x, need_weights=False)[0] if kind == "mha" else self.att(x))

    return Net()


@pytest.mark.parametrize("kind", ["mha", "encoder_layer"])
def test_torch_sequence_first_attention(kind):
    torch = pytest.importorskip("torch")
    net = _nets(kind, batch_first=False)
    data = _export(net, torch.randn(T, 1, E))
    with pytest.raises(UnsupportedOperatorError, match="batch_axes"):
        read_onnx(data)
    g = read_onnx(data, batch_axes={"x": 1})
    learnable = int(g.metadata["learnable_operators"])
    assert not g.cuts and g.metadata["coverage"] == f"{learnable} of {learnable} learnable operators are junctions"
    att = net.att if kind == "mha" else net.att.self_attn
    in_proj = att.in_proj_weight.detach().numpy()
    (j_in,) = [j for j in g.junctions if j.count.shape == (3 * E, E)]
    assert j_in.source == "x"
    np.testing.assert_array_equal(j_in.count.toarray(), (in_proj != 0) * T)
    (j_out,) = [j for j in g.junctions if j.source == j_in.target]
    np.testing.assert_array_equal(j_out.count.toarray()[:, 2 * E:], (att.out_proj.weight.detach().numpy() != 0) * T)
    np.testing.assert_array_equal(g.junctions[-1].count.toarray(), (net.fc.weight.detach().numpy() != 0) * T)
    # the same weights batch-first, read without the option: the same junctions
    twin = _nets(kind, batch_first=True)
    twin.load_state_dict(net.state_dict())
    g2 = read_onnx(_export(twin, torch.randn(1, T, E)))
    assert [j.count.shape for j in g.junctions] == [j.count.shape for j in g2.junctions]
    for a, b in zip(g.junctions, g2.junctions):
        np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())


def test_torch_sequence_first_lstm_counts_every_token(caplog):
    # nn.LSTM(batch_first=False) is exported without a Transpose: ONNX's LSTM reads (seq, batch, features).
    # With batch_axes the head counts each of the T tokens, as for the batch-first twin.
    torch = pytest.importorskip("torch")
    from torch import nn

    def net(batch_first):
        torch.manual_seed(0)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm, self.fc = nn.LSTM(E, 6, batch_first=batch_first), nn.Linear(6, 3)

            def forward(self, x):
                return self.fc(self.lstm(x)[0])

        return Net()

    seq, twin = net(False), net(True)
    twin.load_state_dict(seq.state_dict())
    data = _export(seq, torch.randn(T, 1, E))
    g = read_onnx(data, batch_axes={"x": 1})
    g2 = read_onnx(_export(twin, torch.randn(1, T, E)))
    # read without the option, the sequence is taken for the batch: said in a warning and the metadata
    with caplog.at_level(logging.WARNING, logger="exporters.ops.recurrent"):
        g0 = read_onnx(data)
    (key,) = [k for k in g0.metadata if k.startswith("sequence_as_batch:")]
    assert f"its sequence of {T}" in g0.metadata[key] and "batch_axes={NAME: 1}" in g0.metadata[key]
    assert [r.getMessage() for r in caplog.records] == [g0.metadata[key]]
    np.testing.assert_array_equal(g0.junctions[-1].count.toarray(), seq.fc.weight.detach().numpy() != 0)
    assert not [k for k in g.metadata if k.startswith("sequence_as_batch:")]
    assert g.layer("x").spatial_shape == (T,) and g.layer("x").size == E
    assert [j.count.shape for j in g.junctions] == [j.count.shape for j in g2.junctions]
    for a, b in zip(g.junctions, g2.junctions):
        np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())
    np.testing.assert_array_equal(g.junctions[-1].count.toarray(), (seq.fc.weight.detach().numpy() != 0) * T)
