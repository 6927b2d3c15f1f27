"""Attention masks given as graph inputs make no layer (issue 11): exporters/_masks.py.

torch's ``key_padding_mask`` (and ``attn_mask``) exported as a graph input is read only to
shift the attention scores before their softmax. The model reads whole in strict mode,
with the junctions of the same model without a mask: each expected count is computed from
the torch weights (one connection per nonzero weight and token, the output projection
joined to V's nodes only). Helper-built models check which inputs are masks and which
stay data.
"""

import io
import warnings

import numpy as np
import pytest
from onnx import TensorProto, helper

from exporters import read_onnx
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, make_model, sparse_weights, vi

T, E, H = 5, 8, 2


_w = sparse_weights


def _export(model, args, names):
    torch = pytest.importorskip("torch")
    model.eval()
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, f, dynamo=False, opset_version=17, input_names=names)
    return f.getvalue()


def _torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch, torch.nn


def _mha_net(nn, kind):
    import torch

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            if kind == "encoder_layer":
                self.layer = nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True)
            else:
                self.att = nn.MultiheadAttention(E, H, batch_first=True)
            self.fc = nn.Linear(E, 3)
            with torch.no_grad():
                for p in self.parameters():
                    if p.dim() >= 2:
                        p[p.abs() < 0.05] = 0.0  # some exact zeros

        def forward(self, x, mask):
            if kind == "encoder_layer":
                return self.fc(self.layer(x, src_key_padding_mask=mask))
            if kind == "attn_mask":
                return self.fc(self.att(x, x, x, attn_mask=mask, need_weights=False)[0])
            return self.fc(self.att(x, x, x, key_padding_mask=mask, need_weights=False)[0])

    return Net()


def _check_mha(net, g, att):
    assert not g.cuts and "mask" not in g.layer_names and g.layer_names[0] == "x"
    learnable = int(g.metadata["learnable_operators"])
    assert g.metadata["coverage"] == f"{learnable} of {learnable} learnable operators are junctions"
    in_proj = att.in_proj_weight.detach().numpy()
    (j_in,) = [j for j in g.junctions if j.count.shape == (3 * E, E)]
    np.testing.assert_array_equal(j_in.count.toarray(), (in_proj != 0) * T)
    (j_out,) = [j for j in g.junctions if j.source == j_in.target]
    wo = att.out_proj.weight.detach().numpy()
    np.testing.assert_array_equal(j_out.count.toarray()[:, 2 * E:], (wo != 0) * T)  # from V's nodes only
    assert j_out.count.toarray()[:, :2 * E].sum() == 0
    np.testing.assert_array_equal(g.junctions[-1].count.toarray(), (net.fc.weight.detach().numpy() != 0) * T)


@pytest.mark.parametrize("dtype", ["bool", "float"])
def test_a_key_padding_mask_input_makes_no_layer(dtype):
    torch, nn = _torch()
    net = _mha_net(nn, "key_padding")
    mask = torch.zeros(1, T, dtype=torch.bool) if dtype == "bool" else torch.zeros(1, T)
    g = read_onnx(_export(net, (torch.randn(1, T, E), mask), ["x", "mask"]))
    _check_mha(net, g, net.att)
    assert "Softmax" in g.metadata["mask_input:mask"]


def test_the_key_padding_mask_reading_is_that_of_the_mask_given_as_a_value():
    torch, nn = _torch()
    net = _mha_net(nn, "key_padding")
    data = _export(net, (torch.randn(1, T, E), torch.zeros(1, T, dtype=torch.bool)), ["x", "mask"])
    g, fixed = read_onnx(data), read_onnx(data, input_values={"mask": [[False, False, True, True, False]]})
    assert [j.node for j in g.junctions] == [j.node for j in fixed.junctions]
    for a, b in zip(g.junctions, fixed.junctions):
        np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())


def test_an_encoder_layer_with_a_source_key_padding_mask():
    torch, nn = _torch()
    net = _mha_net(nn, "encoder_layer")
    g = read_onnx(_export(net, (torch.randn(1, T, E), torch.zeros(1, T, dtype=torch.bool)), ["x", "mask"]))
    _check_mha(net, g, net.layer.self_attn)
    lin1 = net.layer.linear1.weight.detach().numpy()
    (j1,) = [j for j in g.junctions if j.node == "/layer/linear1/MatMul"]
    np.testing.assert_array_equal(j1.count.toarray(), (lin1 != 0) * T)


def test_a_float_attention_mask_input():
    torch, nn = _torch()
    net = _mha_net(nn, "attn_mask")
    g = read_onnx(_export(net, (torch.randn(1, T, E), torch.zeros(T, T)), ["x", "mask"]))
    _check_mha(net, g, net.att)


# ---------------------------------------------------------------- which inputs are masks (helper-built)
WQ, WK, WV, WO = (_w((E, E), s) for s in (1, 2, 3, 4))


def _attention(mask_nodes, extra_inputs, extra_inits=()):
    """x -> Q, K, V projections; scores = Q K^T + (mask_nodes' "bias"); softmax; @ V; -> Wo."""
    n = helper.make_node
    nodes = [n("MatMul", ["x", "Wq"], ["q"], name="q_proj"), n("MatMul", ["x", "Wk"], ["k"], name="k_proj"),
             n("MatMul", ["x", "Wv"], ["v"], name="v_proj"), n("Transpose", ["k"], ["kT"], perm=[0, 2, 1]),
             n("MatMul", ["q", "kT"], ["s"], name="scores")] + mask_nodes + [
             n("Add", ["s", "bias"], ["sb"]), n("Softmax", ["sb"], ["a"], axis=-1),
             n("MatMul", ["a", "v"], ["o"], name="mix"), n("MatMul", ["o", "Wo"], ["y"], name="o_proj")]
    inits = [init("Wq", WQ), init("Wk", WK), init("Wv", WV), init("Wo", WO), *extra_inits]
    return make_model(nodes, [vi("x", [1, T, E]), *extra_inputs], [vi("y", None)], inits)


def _check_helper(g):
    assert not g.cuts and g.layer_names == ["x", "q_proj", "k_proj", "v_proj", "o_proj"]
    for name, w in (("q_proj", WQ), ("k_proj", WK), ("v_proj", WV)):
        j = next(j for j in g.junctions if j.node == name)
        np.testing.assert_array_equal(j.count.toarray(), (w.T != 0) * T)
    jo = next(j for j in g.junctions if j.node == "o_proj")
    assert jo.source == "v_proj"
    np.testing.assert_array_equal(jo.count.toarray(), (WO.T != 0) * T)


def test_a_boolean_mask_through_where_cast_and_expand():
    # torch's path: Where(Cast(mask), -inf, 0) -> Reshape (1, 1, T) -> Expand (1, T, T)
    n = helper.make_node
    mask_nodes = [n("Cast", ["mask"], ["mb"], to=TensorProto.BOOL),
                  n("Where", ["mb", "neg_inf", "zero"], ["mw"]),
                  n("Reshape", ["mw", "r"], ["mr"]), n("Expand", ["mr", "e"], ["bias"])]
    inits = [init("neg_inf", np.float32(-np.inf)), init("zero", np.float32(0.0)),
             init("r", np.asarray([1, 1, T], np.int64)), init("e", np.asarray([1, T, T], np.int64))]
    g = read_onnx(_attention(mask_nodes, [vi("mask", [1, T], TensorProto.BOOL)], inits))
    _check_helper(g)
    assert "mask_input:mask" in g.metadata


def test_an_additive_float_mask():
    g = read_onnx(_attention([helper.make_node("Identity", ["mask"], ["bias"])], [vi("mask", [1, T, T])]))
    _check_helper(g)


def test_an_input_used_as_the_values_is_data():
    # softmax(Q K^T + 0) @ z: z is the data V, an input layer of E features
    n = helper.make_node
    nodes = [n("MatMul", ["x", "Wq"], ["q"], name="q_proj"), n("Transpose", ["x"], ["xT"], perm=[0, 2, 1]),
             n("MatMul", ["q", "xT"], ["s"], name="scores"), n("Softmax", ["s"], ["a"], axis=-1),
             n("MatMul", ["a", "z"], ["o"], name="mix"), n("MatMul", ["o", "Wo"], ["y"], name="o_proj")]
    g = read_onnx(make_model(nodes, [vi("x", [1, T, E]), vi("z", [1, T, E])], [vi("y", None)],
                             [init("Wq", WQ), init("Wo", WO)]), lenient=True)
    assert "z" in g.layer_names and not any(k.startswith("mask_input") for k in g.metadata)
    jo = next(j for j in g.junctions if j.node == "o_proj")
    assert jo.source == "z"
    np.testing.assert_array_equal(jo.count.toarray(), (WO.T != 0) * T)


def test_an_input_added_to_the_output_is_data():
    # y = x Wq + z: z is not a mask (it never reaches a softmax), it is an input layer
    nodes = [helper.make_node("MatMul", ["x", "Wq"], ["h"], name="fc"), helper.make_node("Add", ["h", "z"], ["y"])]
    g = read_onnx(make_model(nodes, [vi("x", [1, E]), vi("z", [1, E])], [vi("y", None)], [init("Wq", WQ)]))
    assert "z" in g.layer_names and not any(k.startswith("mask_input") for k in g.metadata)


def test_a_mask_that_also_reaches_the_output_is_data():
    # the mask is returned too: it is read as data, and the attention is refused as before
    n = helper.make_node
    model = _attention([n("Identity", ["mask"], ["bias"])], [vi("mask", [1, T, T])])
    model.graph.node.append(n("Relu", ["mask"], ["mask_out"]))
    model.graph.output.append(vi("mask_out", None))
    with pytest.raises(UnsupportedOperatorError):
        read_onnx(model)


def test_a_mask_read_by_a_learnable_operator_is_data():
    # the "mask" is also projected by a weight: it is a feature input
    n = helper.make_node
    model = _attention([n("MatMul", ["mask", "Wm"], ["bias"], name="m_proj")], [vi("mask", [1, T, T])],
                       [init("Wm", _w((T, T), 9))])
    with pytest.raises(UnsupportedOperatorError):
        read_onnx(model)
