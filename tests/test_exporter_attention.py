"""Attention: the projections are junctions, softmax(Q K^T) V keeps V's feature nodes.

torch's own ``nn.MultiheadAttention`` and ``nn.TransformerEncoderLayer`` are read in strict
mode: their sequence-first Reshapes merge the batch of one with the heads and the rows
(see tests/test_exporter_seqfirst.py for the rule, on helper-built models).

Each junction is checked against the weight that made it (one connection per nonzero
weight and token, as a token-wise MatMul); the attention weights are computed and make
no junction.
"""


import numpy as np
import onnx
import pytest
from onnx import helper

from exporters import read_onnx
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, sparse_weights, torch_export, vi

T, E, H = 5, 8, 2


_w = sparse_weights


def _model(nodes, inits, opset=17, outputs=("y",), domains=()):
    graph = helper.make_graph(nodes, "att", [vi("x", [1, T, E])], [vi(o, None) for o in outputs], inits)
    imports = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(graph, opset_imports=imports)
    m.ir_version = 8
    return m


def _shape(name, value):
    return init(name, np.asarray(value, dtype=np.int64))


WEIGHTS = {"Wq": _w((E, E), 1), "Wk": _w((E, E), 2), "Wv": _w((E, E), 3), "Wo": _w((E, 3), 4)}


def _proj_nodes():
    return [helper.make_node("MatMul", ["x", f"W{p}"], [p], name=f"{p}_proj") for p in "qkv"]


def _check(g, out_node="o_proj", weights=WEIGHTS):
    assert not g.cuts
    by_node = {j.node: j for j in g.junctions}
    assert set(by_node) == {"q_proj", "k_proj", "v_proj", out_node}
    for p in "qkv":
        j = by_node[f"{p}_proj"]
        assert j.source == "x"
        np.testing.assert_array_equal(j.count.toarray(), (weights[f"W{p}"].T != 0) * T)
        np.testing.assert_allclose(j.weight.toarray(), weights[f"W{p}"].T * T, rtol=1e-6)
    out = by_node[out_node]
    assert out.source == by_node["v_proj"].target  # V's feature nodes carry on
    np.testing.assert_array_equal(out.count.toarray(), (weights["Wo"].T != 0) * T)
    q, k = by_node["q_proj"].target, by_node["k_proj"].target
    assert not any(j.source in (q, k) for j in g.junctions)  # Q and K only compute the attention weights


def test_single_head_attention():
    nodes = _proj_nodes() + [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="scores"),
        helper.make_node("Mul", ["s", "scale"], ["ss"]),
        helper.make_node("Softmax", ["ss"], ["a"], axis=-1),
        helper.make_node("MatMul", ["a", "v"], ["o"], name="mix"),
        helper.make_node("MatMul", ["o", "Wo"], ["y"], name="o_proj")]
    inits = [init(k, v) for k, v in WEIGHTS.items()] + [init("scale", np.float32(E ** -0.5))]
    _check(read_onnx(_model(nodes, inits)))


def _heads(src, dst, perm):
    return [helper.make_node("Reshape", [src, "hshape"], [f"{dst}_r"]),
            helper.make_node("Transpose", [f"{dst}_r"], [dst], perm=perm)]


def test_multi_head_attention_with_mask_and_heads():
    nodes = _proj_nodes() + _heads("q", "qh", [0, 2, 1, 3]) + _heads("k", "kh", [0, 2, 3, 1]) \
        + _heads("v", "vh", [0, 2, 1, 3]) + [
        helper.make_node("MatMul", ["qh", "kh"], ["s"], name="scores"),
        helper.make_node("Add", ["s", "mask"], ["sm"]),
        helper.make_node("Softmax", ["sm"], ["a"], axis=-1),
        helper.make_node("MatMul", ["a", "vh"], ["oh"], name="mix"),
        helper.make_node("Transpose", ["oh"], ["ot"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ot", "eshape"], ["o"]),
        helper.make_node("MatMul", ["o", "Wo"], ["y"], name="o_proj")]
    mask = np.triu(np.full((T, T), -1e9, dtype=np.float32), 1)
    inits = [init(k, v) for k, v in WEIGHTS.items()] + [
        _shape("hshape", [1, T, H, E // H]), _shape("eshape", [1, T, E]), init("mask", mask)]
    _check(read_onnx(_model(nodes, inits)))


def test_einsum_attention_and_projections():
    nodes = [helper.make_node("Einsum", ["x", f"W{p}"], [p], name=f"{p}_proj", equation="btc,co->bto") for p in "qk"]
    nodes += [helper.make_node("Einsum", ["Wv3", "x"], ["v"], name="v_proj", equation="ohd,btd->btoh"),
              helper.make_node("Reshape", ["v", "eshape"], ["v2"]),
              helper.make_node("Einsum", ["q", "k"], ["s"], equation="bqd,bkd->bqk"),
              helper.make_node("Softmax", ["s"], ["a"], axis=-1),
              helper.make_node("Einsum", ["a", "v2"], ["o"], equation="bqk,bkd->bqd"),
              helper.make_node("Einsum", ["o", "Wo"], ["y"], name="o_proj", equation="btd,de->bte")]
    wv3 = WEIGHTS["Wv"].T.reshape(H, E // H, E)  # (o = h * 4 + d', input feature)
    inits = [init(k, v) for k, v in WEIGHTS.items() if k != "Wv"] + [init("Wv3", wv3), _shape("eshape", [1, T, E])]
    _check(read_onnx(_model(nodes, inits)))


def test_matmul_with_the_weight_on_the_left():
    # Y = W X on (batch, features, positions): a 1x1 convolution written as a product
    w = _w((3, E), 5)
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["W", "xt"], ["y"], name="left")]
    g = read_onnx(_model(nodes, [init("W", w)]))
    (j,) = g.junctions
    np.testing.assert_array_equal(j.count.toarray(), (w != 0) * T)
    assert g.layer(j.target).size == 3


def test_attention_weights_read_as_data_are_refused():
    nodes = _proj_nodes()[:2] + [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
                                 helper.make_node("MatMul", ["q", "kt"], ["y"], name="scores")]
    with pytest.raises(UnsupportedOperatorError, match="MatMul node 'scores'.*reaches the graph output"):
        read_onnx(_model(nodes, [init(k, v) for k, v in WEIGHTS.items()]))


def test_com_microsoft_attention_makes_three_projections():
    packed = np.concatenate([WEIGHTS["Wq"], WEIGHTS["Wk"], WEIGHTS["Wv"]], axis=1)
    nodes = [helper.make_node("Attention", ["x", "Wqkv", "bqkv"], ["o"], name="att", domain="com.microsoft",
                              num_heads=H),
             helper.make_node("MatMul", ["o", "Wo"], ["y"], name="o_proj")]
    inits = [init("Wqkv", packed), init("bqkv", np.zeros(3 * E, np.float32)), init("Wo", WEIGHTS["Wo"])]
    g = read_onnx(_model(nodes, inits, domains=("com.microsoft",)))
    assert not g.cuts
    att = [j for j in g.junctions if j.node == "att"]
    assert [j.target for j in att] == ["att/query", "att/key", "att/value"]
    for j, p in zip(att, "qkv"):
        np.testing.assert_array_equal(j.count.toarray(), (WEIGHTS[f"W{p}"].T != 0) * T)
    assert g.junctions[-1].source == "att/value"


def test_com_microsoft_multi_head_attention_keeps_the_value_nodes():
    nodes = _proj_nodes() + [
        helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["o"], name="mha", domain="com.microsoft",
                         num_heads=H),
        helper.make_node("MatMul", ["o", "Wo"], ["y"], name="o_proj")]
    _check(read_onnx(_model(nodes, [init(k, v) for k, v in WEIGHTS.items()], domains=("com.microsoft",))))


def _export(model, x):
    pytest.importorskip("torch")
    return torch_export(model, x, opset_version=17)


def _learnable_nodes(data):
    m = onnx.load_from_string(data)
    consts = {t.name for t in m.graph.initializer} | {o for n in m.graph.node if n.op_type == "Constant" for o in n.output}
    return {n.name for n in m.graph.node
            if n.op_type == "Gemm" or (n.op_type == "MatMul" and any(i in consts for i in n.input))}


@pytest.mark.parametrize("sdpa", [False, True])
def test_torch_scaled_dot_product_attention_block(sdpa):
    # the projections as Linear layers, attention by hand or by F.scaled_dot_product_attention
    # (batch first, no sequence-first Transpose)
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(E, E) for _ in range(4))

        def forward(self, x):
            b, t, _ = x.shape
            q, k, v = (f(x).reshape(b, t, H, E // H).transpose(1, 2) for f in (self.q, self.k, self.v))
            if sdpa:
                mixed = torch.nn.functional.scaled_dot_product_attention(q, k, v)
            else:
                mixed = torch.softmax(q @ k.transpose(-2, -1) / (E // H) ** 0.5, dim=-1) @ v
            return self.o(mixed.transpose(1, 2).reshape(b, t, E))

    block = Block()
    data = _export(block, torch.randn(1, T, E))
    g = read_onnx(data)
    assert not g.cuts and {j.node for j in g.junctions} == _learnable_nodes(data)
    assert len(g.junctions) == 4
    jq, jk, jv, jo = g.junctions
    assert jq.source == jk.source == jv.source == g.layer_names[0]
    assert jo.source == jv.target  # V's feature nodes carry on through softmax(Q K^T) V
    for lin, j in zip((block.q, block.k, block.v, block.o), g.junctions):
        np.testing.assert_array_equal(j.count.toarray(), (lin.weight.detach().numpy() != 0) * T)
        np.testing.assert_allclose(j.weight.toarray(), lin.weight.detach().numpy() * T, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["mha", "encoder_layer"])
def test_torch_multihead_attention_and_encoder_layer(kind):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)

    class MHA(nn.Module):
        def __init__(self):
            super().__init__()
            self.att, self.fc = nn.MultiheadAttention(E, H, batch_first=True), nn.Linear(E, 3)

        def forward(self, x):
            return self.fc(self.att(x, x, x, need_weights=False)[0])

    model = MHA() if kind == "mha" else nn.Sequential(
        nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True), nn.Linear(E, 3))
    data = _export(model, torch.randn(1, T, E))
    g = read_onnx(data)
    assert not g.cuts and {j.node for j in g.junctions if j.learnable} == _learnable_nodes(data)
    att = model.att if kind == "mha" else model[0].self_attn
    in_proj = att.in_proj_weight.detach().numpy()  # (3E, E): query, key, value rows
    (j_in,) = [j for j in g.junctions if j.count.shape == (3 * E, E)]
    np.testing.assert_array_equal(j_in.count.toarray(), (in_proj != 0) * T)
    np.testing.assert_allclose(j_in.weight.toarray(), in_proj * T, rtol=1e-5, atol=1e-6)
    (j_out,) = [j for j in g.junctions if j.source == j_in.target]
    wo = att.out_proj.weight.detach().numpy()
    np.testing.assert_array_equal(j_out.count.toarray()[:, 2 * E:], (wo != 0) * T)  # from V's nodes only
    assert j_out.count.toarray()[:, :2 * E].sum() == 0
    np.testing.assert_allclose(j_out.weight.toarray()[:, 2 * E:], wo * T, rtol=1e-5, atol=1e-6)
    fc = model.fc if kind == "mha" else model[1]  # the Linear after the block reads the output projection's nodes
    j_fc = next(j for j in g.junctions if j.learnable and j.source != j_in.source and j.count.shape == (3, E))
    np.testing.assert_array_equal(j_fc.count.toarray(), (fc.weight.detach().numpy() != 0) * T)
    assert g.metadata["coverage"].split(" of ")[0] == g.metadata["learnable_operators"]


def test_einsum_projection_from_heads_contracts_two_letters():
    # "bthd,hde->bte": the output projection reading the heads; its junction is Wo's
    wo3 = WEIGHTS["Wo"].reshape(H, E // H, 3)
    nodes = [helper.make_node("MatMul", ["x", "Wv"], ["v"], name="v_proj"),
             helper.make_node("Reshape", ["v", "hshape"], ["vh"]),
             helper.make_node("Einsum", ["vh", "Wo3"], ["y"], name="o_proj", equation="bthd,hde->bte")]
    g = read_onnx(_model(nodes, [init("Wv", WEIGHTS["Wv"]), init("Wo3", wo3), _shape("hshape", [1, T, H, E // H])]))
    jv, jo = g.junctions
    assert jo.source == jv.target
    np.testing.assert_array_equal(jo.count.toarray(), (WEIGHTS["Wo"].T != 0) * T)
    np.testing.assert_allclose(jo.weight.toarray(), WEIGHTS["Wo"].T * T, rtol=1e-6)
