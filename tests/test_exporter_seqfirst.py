"""A batch of one merged with other axes (issue 11, sequence-first layouts of attention).

torch exports ``nn.MultiheadAttention`` with a Transpose to (sequence, batch, features),
Reshapes that merge the batch with the heads, (T, B*H, d), and with the sequence,
(T*B, E), before the output projection, and Reshapes that split it off again. With a
batch of one the labels of the single sample reshape as the tensor does: the map is
*absorbed* and the batch gets its axis back at a later axis of size 1. A batch of 2, or
an unknown batch, is never merged. Every expected count is computed by hand from the
weights: one connection per nonzero weight and token (a token-wise layer).
"""

import numpy as np
import pytest
from onnx import TensorProto, helper

from exporters import read_onnx
from exporters._nodemap import NodeMap
from exporters.ops.reshape import batch_place, moved_batch_axis
from exporters.ops.transpose import permute
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, make_model, sparse_weights, vi

T, E, H = 5, 8, 2
D = E // H


_w = sparse_weights


W_IN, W_OUT, W_FC = _w((E, 3 * E), 1), _w((E, E), 2), _w((E, 3), 3)  # W_OUT is (out, in): Gemm transB=1


def _ints(name, values):
    return init(name, np.asarray(values, dtype=np.int64))


def _mha(batch=1, x_shape=None):
    """torch's nn.MultiheadAttention export (batch_first, need_weights=False) written out with onnx.helper."""
    b = batch
    n = helper.make_node
    nodes = [n("Transpose", ["x"], ["xs"], perm=[1, 0, 2], name="to_seq_first"),              # (T, B, E)
             n("MatMul", ["xs", "W_in"], ["p"], name="in_proj"),                              # (T, B, 3E)
             n("Add", ["b_in", "p"], ["pb"]),
             # the dynamic target (T, B, 3, E): Concat(Shape(pb)[:-1], [3, E]), folded
             n("Shape", ["pb"], ["sh"]), n("Slice", ["sh", "zero", "minus1"], ["head"]),
             n("Concat", ["head", "three_e"], ["target"], axis=0),
             n("Reshape", ["pb", "target"], ["packed"]),                                      # (T, B, 3, E)
             n("Unsqueeze", ["packed", "zero"], ["u"]),                                       # (1, T, B, 3, E)
             n("Transpose", ["u"], ["ut"], perm=[3, 1, 2, 0, 4]),                             # (3, T, B, 1, E)
             n("Squeeze", ["ut", "three"], ["qkv"])]                                          # (3, T, B, E)
    for i, p in enumerate("qkv"):
        nodes += [n("Gather", ["qkv", f"i{i}"], [p], axis=0),                                 # (T, B, E)
                  n("Reshape", [p, "heads"], [f"{p}h"], name=f"{p}_heads"),                   # (T, B*H, D)
                  n("Transpose", [f"{p}h"], [f"{p}t"], perm=[1, 0, 2]),                       # (B*H, T, D)
                  n("Reshape", [f"{p}t", "split"], [f"{p}4"])]                                # (B, H, T, D)
    nodes += [n("Transpose", ["k4"], ["kT"], perm=[0, 1, 3, 2]),
              n("MatMul", ["q4", "kT"], ["s"], name="scores"), n("Mul", ["s", "scale"], ["ss"]),
              n("Softmax", ["ss"], ["a"], axis=-1), n("MatMul", ["a", "v4"], ["o"], name="mix"),  # (B, H, T, D)
              n("Transpose", ["o"], ["ot"], perm=[2, 0, 1, 3]),                               # (T, B, H, D)
              n("Reshape", ["ot", "rows"], ["o2"], name="rows"),                              # (T*B, E)
              n("Gemm", ["o2", "W_out", "b_out"], ["g"], name="out_proj", transB=1),
              n("Reshape", ["g", "seq"], ["g3"], name="unrows"),                              # (T, B, E)
              n("Transpose", ["g3"], ["gb"], perm=[1, 0, 2]),                                 # (B, T, E)
              n("MatMul", ["gb", "W_fc"], ["y"], name="fc")]
    inits = [init("W_in", W_IN), init("b_in", np.zeros(3 * E, np.float32)), init("W_out", W_OUT),
             init("b_out", np.zeros(E, np.float32)), init("W_fc", W_FC), init("scale", np.float32(D ** -0.5)),
             _ints("zero", [0]), _ints("minus1", [-1]), _ints("three_e", [3, E]), _ints("three", [3]),
             _ints("heads", [T, b * H, D]), _ints("split", [b, H, T, D]), _ints("rows", [T * b, E]),
             _ints("seq", [T, b, E])] + [_ints(f"i{i}", i) for i in range(3)]
    return make_model(nodes, [vi("x", x_shape or [b, T, E])], [vi("y", None)], inits)


def test_multi_head_attention_with_the_batch_merged_into_the_heads_and_the_rows():
    g = read_onnx(_mha())
    assert not g.cuts and g.metadata["coverage"] == "3 of 3 learnable operators are junctions"
    j_in, j_out, j_fc = g.junctions
    assert (j_in.node, j_out.node, j_fc.node) == ("in_proj", "out_proj", "fc")
    assert j_in.source == "x" and j_out.source == j_in.target and j_fc.source == j_out.target
    np.testing.assert_array_equal(j_in.count.toarray(), (W_IN.T != 0) * T)
    np.testing.assert_allclose(j_in.weight.toarray(), W_IN.T * T, rtol=1e-6)
    # the output projection reads V's nodes only (the last E of the packed projection), one per head feature
    out = j_out.count.toarray()
    assert out.shape == (E, 3 * E) and out[:, :2 * E].sum() == 0
    np.testing.assert_array_equal(out[:, 2 * E:], (W_OUT != 0) * T)
    np.testing.assert_allclose(j_out.weight.toarray()[:, 2 * E:], W_OUT * T, rtol=1e-6)
    np.testing.assert_array_equal(j_fc.count.toarray(), (W_FC.T != 0) * T)
    assert g.layer("out_proj").spatial_shape == (T,)  # the rows are the tokens


def test_a_batch_of_two_is_never_merged_with_the_heads():
    with pytest.raises(UnsupportedOperatorError, match=r"Reshape node 'q_heads'.*mixes the batch axis \(axis 1, "
                                                       r"size 2\).*only when the batch size is 1"):
        read_onnx(_mha(batch=2))


def test_an_unknown_batch_is_never_merged_with_the_heads():
    with pytest.raises(UnsupportedOperatorError, match=r"Reshape node 'q_heads'.*size unknown"):
        read_onnx(_mha(x_shape=["N", T, E]))
    g = read_onnx(_mha(x_shape=["N", T, E]), input_shapes={"x": (1, T, E)})  # the remedy the message gives
    assert [j.node for j in g.junctions] == ["in_proj", "out_proj", "fc"]
    np.testing.assert_array_equal(g.junctions[1].count.toarray()[:, 2 * E:], (W_OUT != 0) * T)


def test_the_lenient_reading_of_a_batch_of_two_cuts_at_the_heads():
    g = read_onnx(_mha(batch=2), lenient=True)
    assert [c["node"] for c in g.cuts][:1] == ["q_heads"]


W0 = _w((E, E), 10)


def _rows_model(nodes, inits, x_shape=(1, T, E), first=True):
    """``nodes`` after a token-wise MatMul ``fc0`` of ``x`` (its output is ``x0``), unless not ``first``."""
    if first:
        nodes = [helper.make_node("MatMul", ["x", "W0"], ["x0"], name="fc0")] + nodes
        inits = [init("W0", W0)] + inits
    return make_model(nodes, [vi("x", list(x_shape))], [vi("y", None)], inits)


def test_a_token_wise_gemm_on_the_rows_of_one_sample_and_the_batch_back_by_unsqueeze():
    # x.view(-1, E) -> Linear as Gemm -> Relu -> unsqueeze(0) -> Linear as MatMul
    w1, w2 = _w((4, E), 4), _w((4, 3), 5)
    nodes = [helper.make_node("Reshape", ["x0", "flat"], ["r"]),                     # (T, E): the batch absorbed
             helper.make_node("Gemm", ["r", "W1"], ["h"], name="fc1", transB=1),     # (T, 4)
             helper.make_node("Relu", ["h"], ["hr"]),
             helper.make_node("Unsqueeze", ["hr", "zero"], ["hb"]),                 # (1, T, 4): the batch again
             helper.make_node("MatMul", ["hb", "W2"], ["y"], name="fc2")]
    g = read_onnx(_rows_model(nodes, [_ints("flat", [-1, E]), init("W1", w1), init("W2", w2), _ints("zero", [0])]))
    j0, j1, j2 = g.junctions
    assert j1.source == j0.target
    np.testing.assert_array_equal(j1.count.toarray(), (w1 != 0) * T)
    np.testing.assert_allclose(j1.weight.toarray(), w1 * T, rtol=1e-6)
    np.testing.assert_array_equal(j2.count.toarray(), (w2.T != 0) * T)
    assert j2.source == j1.target and g.layer("fc1").spatial_shape == (T,)


def test_layout_free_operators_and_matmul_read_a_tensor_without_a_batch_axis():
    w, bias = _w((E, 3), 6), np.arange(E, dtype=np.float32)
    nodes = [helper.make_node("Reshape", ["x0", "flat"], ["r"]),                     # (T, E)
             helper.make_node("Add", ["r", "bias"], ["rb"]),
             helper.make_node("Mul", ["rb", "half"], ["rh"]),
             helper.make_node("Tanh", ["rh"], ["rt"]),
             helper.make_node("MatMul", ["rt", "W"], ["m"], name="fc"),              # (T, 3)
             helper.make_node("Softmax", ["m"], ["sm"], axis=-1),
             helper.make_node("Reshape", ["sm", "back"], ["y"])]                     # (1, T, 3)
    inits = [_ints("flat", [T, E]), init("bias", bias), init("half", np.float32(0.5)), init("W", w),
             _ints("back", [1, T, 3])]
    g = read_onnx(_rows_model(nodes, inits))
    j0, j = g.junctions
    assert j.source == j0.target
    np.testing.assert_array_equal(j.count.toarray(), (w.T != 0) * T)
    assert tuple(g.outputs) == ("fc",)


def test_a_gemm_whose_rows_hold_different_nodes_is_refused():
    # (1, 2, 3) read element by element, reshaped to (2, 3): the rows are not positions of the same nodes
    nodes = [helper.make_node("Reshape", ["x", "flat"], ["r"]),
             helper.make_node("Gemm", ["r", "W"], ["y"], name="fc", transB=1)]
    model = _rows_model(nodes, [_ints("flat", [2, 3]), init("W", _w((4, 3), 7))], x_shape=(1, 2, 3), first=False)
    with pytest.raises(UnsupportedOperatorError, match=r"Gemm node 'fc'.*different nodes on different rows"):
        read_onnx(model)


def test_an_operator_on_an_axis_of_a_tensor_without_a_batch_axis_is_refused_with_the_reason():
    nodes = [helper.make_node("Reshape", ["x0", "flat"], ["r"]),
             helper.make_node("Softmax", ["r"], ["s"], axis=0, name="sm0"),
             helper.make_node("MatMul", ["s", "W"], ["y"], name="fc")]
    model = _rows_model(nodes, [_ints("flat", [T, E]), init("W", _w((E, 3), 8))])
    with pytest.raises(UnsupportedOperatorError, match=r"Softmax node 'sm0': its input 'r' \(shape \(5, 8\)\) has no "
                                                       r"batch axis of its own.*axis=0"):
        read_onnx(model)
    g = read_onnx(model, lenient=True)  # cut there: the cut layer's nodes are the features, every row shares them
    (cut,) = g.cuts
    assert cut["node"] == "sm0" and g.layer("sm0").size == E
    j0, j = g.junctions
    assert j.source == "sm0"
    np.testing.assert_array_equal(j.count.toarray(), (_w((E, 3), 8).T != 0) * T)


def test_inputs_with_and_without_a_batch_axis_are_not_mixed():
    nodes = [helper.make_node("Reshape", ["x0", "flat"], ["r"]),                     # (T, E), no batch axis
             helper.make_node("Add", ["r", "x0"], ["s"], name="add"),                # with x0, (1, T, E)
             helper.make_node("MatMul", ["s", "W"], ["y"], name="fc")]
    model = _rows_model(nodes, [_ints("flat", [T, E]), init("W", _w((E, 3), 9))])
    with pytest.raises(UnsupportedOperatorError, match=r"Add node 'add'.*no batch axis of its own.*other inputs"):
        read_onnx(model)


# ---------------------------------------------------------------------------- the rules, on shapes and maps
def test_batch_place_and_moved_batch_axis_by_hand():
    assert batch_place((5, 1, 8), 1, (5, 2, 4)) == 1       # (T, B, E) -> (T, B*H, D): before the heads
    assert batch_place((5, 1, 2, 4), 1, (5, 8)) == 1       # (T, B, H, D) -> (T*B, E): between tokens and features
    assert batch_place((1, 5, 8), 0, (40,)) == 0
    assert batch_place((5, 1, 8), 1, (40,)) is None        # no boundary has 5 elements before it
    assert batch_place((1, 5, 8), 0, (5, 8)) == 0
    assert moved_batch_axis((1, 2, 5, 4), 0, (1, 2, 5, 4)) == 0
    assert moved_batch_axis((5, 1, 8), 1, (5, 2, 4)) is None


def test_permute_keeps_the_place_of_an_absorbed_batch_with_its_axis():
    m = NodeMap.layer_nodes(0, 4, (5, 2, 4), axis=2).absorbed_at(1)   # (T, [B]*H, D)
    t = permute(m, [1, 0, 2])                                         # ([B]*H, T, D)
    assert t.absorbed and t.batch_axis == 0 and t.explicit_shape() == (1, 2, 5, 4)
    end = permute(NodeMap.layer_nodes(0, 4, (5, 4), axis=1).absorbed_at(2), [1, 0])
    assert end.batch_axis == 1  # after the last axis (features) -> after that axis, now first
    np.testing.assert_array_equal(t.unit, np.transpose(m.unit, [1, 0, 2]))


def _torch_models():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    return torch, nn


def test_torch_transformer_encoder_layer_ffn_layernorm_and_residuals():
    from test_exporter_attention import _export

    torch, nn = _torch_models()
    model = nn.Sequential(nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True), nn.Linear(E, 3))
    with torch.no_grad():  # prune a third of every weight matrix, so that the counts see the zeros
        for p in model.parameters():
            if p.dim() == 2:
                p[torch.rand(p.shape, generator=torch.Generator().manual_seed(p.numel())) < 0.3] = 0.0
    g = read_onnx(_export(model, torch.randn(1, T, E)))
    assert not g.cuts
    layer = model[0]
    by_node = {j.node: j for j in g.junctions if j.learnable}
    j_in = by_node["/0/self_attn/MatMul"]
    in_proj = layer.self_attn.in_proj_weight.detach().numpy()
    np.testing.assert_array_equal(j_in.count.toarray(), (in_proj != 0) * T)
    np.testing.assert_allclose(j_in.weight.toarray(), in_proj * T, rtol=1e-5, atol=1e-6)
    j_out = by_node["/0/self_attn/Gemm"]
    wo = layer.self_attn.out_proj.weight.detach().numpy()
    np.testing.assert_allclose(j_out.weight.toarray()[:, 2 * E:], wo * T, rtol=1e-5, atol=1e-6)
    # x + attention: a merge layer joined by skip edges; LayerNorm passes through, so linear1 reads the merge
    skips = [j for j in g.junctions if j.kind == "skip"]
    assert {(j.source, j.target) for j in skips} >= {("onnx::Transpose_0", "/0/Add"), (j_out.target, "/0/Add")}
    j1, j2, j3 = by_node["/0/linear1/MatMul"], by_node["/0/linear2/MatMul"], by_node["/1/MatMul"]
    assert j1.source == "/0/Add" and j2.source == j1.target and j3.source == "/0/Add_1"
    for lin, j in ((layer.linear1, j1), (layer.linear2, j2), (model[1], j3)):
        w = lin.weight.detach().numpy()
        np.testing.assert_array_equal(j.count.toarray(), (w != 0) * T)
        np.testing.assert_allclose(j.weight.toarray(), w * T, rtol=1e-5, atol=1e-6)


def test_an_embedding_of_token_ids_without_a_batch_axis():
    # ids.view(-1) -> Embedding -> Linear -> view(1, L, 3): every position reads the table
    table, w = _w((10, 4), 11), _w((4, 3), 12)
    nodes = [helper.make_node("Reshape", ["ids", "flat"], ["f"]),         # (1, 6) -> (6,)
             helper.make_node("Gather", ["table", "f"], ["e"], name="emb"),
             helper.make_node("MatMul", ["e", "W"], ["m"], name="fc"),
             helper.make_node("Reshape", ["m", "back"], ["y"])]           # (1, 6, 3)
    model = make_model(nodes, [vi("ids", [1, 6], TensorProto.INT64)], [vi("y", None)],
                       [init("table", table), init("W", w), _ints("flat", [6]), _ints("back", [1, 6, 3])])
    g = read_onnx(model)
    j_emb, j_fc = g.junctions
    assert g.layer("ids").kind == "vocabulary" and g.layer("ids").size == 10
    np.testing.assert_array_equal(j_emb.count.toarray(), (table.T != 0) * 6)
    np.testing.assert_array_equal(j_fc.count.toarray(), (w.T != 0) * 6)


def test_a_computed_reshape_target_is_evaluated_on_the_static_batch():
    # x.view(x.size(0), -1) with the batch of 2 baked in: Concat(Shape(h)[:1], [12]) is folded to (2, 12)
    w0, w1 = _w((4, 4), 13), _w((5, 12), 14)
    nodes = [helper.make_node("MatMul", ["x", "W0"], ["h"], name="fc0"),           # (2, 3, 4)
             helper.make_node("Shape", ["h"], ["sh"]),
             helper.make_node("Slice", ["sh", "zero", "one"], ["b"]),
             helper.make_node("Concat", ["b", "twelve"], ["target"], axis=0),
             helper.make_node("Reshape", ["h", "target"], ["f"]),                 # (2, 12)
             helper.make_node("Gemm", ["f", "W1"], ["y"], name="fc1", transB=1)]
    model = make_model(nodes, [vi("x", [2, 3, 4])], [vi("y", None)],
                       [init("W0", w0), init("W1", w1), _ints("zero", [0]), _ints("one", [1]), _ints("twelve", [12])])
    j0, j1 = read_onnx(model).junctions
    np.testing.assert_array_equal(j0.count.toarray(), (w0.T != 0) * 3)
    expected = np.stack([np.count_nonzero(w1.reshape(5, 3, 4)[:, :, k], axis=1) for k in range(4)], axis=1)
    np.testing.assert_array_equal(j1.count.toarray(), expected)  # feature t*4+k of the flattened map is node k


def test_torch_encoder_layer_then_flatten_of_the_batch_and_the_sequence():
    # benchmarks/bench_sequence.py's attention model, small: nn.Flatten(0, 1) is Flatten(axis=2) of (1, T, E)
    from test_exporter_attention import _export

    torch, nn = _torch_models()
    model = nn.Sequential(nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True), nn.Flatten(0, 1),
                          nn.Linear(E, 3))
    g = read_onnx(_export(model, torch.randn(1, T, E)))
    head = g.junctions[-1]
    assert head.source == "/0/Add_1"
    np.testing.assert_array_equal(head.count.toarray(), (model[2].weight.detach().numpy() != 0) * T)


def test_an_input_read_by_a_layer_norm_and_a_residual_add_has_one_node_per_feature():
    # pre-norm: y = x + MatMul(LayerNorm(x)); the input's nodes are its E features, not its T positions
    w = _w((E, E), 15)
    nodes = [helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["n"], axis=-1, name="ln"),
             helper.make_node("MatMul", ["n", "W"], ["h"], name="fc"),
             helper.make_node("Add", ["x", "h"], ["y"], name="residual")]
    model = make_model(nodes, [vi("x", [1, T, E])], [vi("y", None)],
                       [init("gamma", np.ones(E, np.float32)), init("beta", np.zeros(E, np.float32)), init("W", w)])
    g = read_onnx(model)
    assert g.layer("x").size == E and g.layer("x").spatial_shape == (T,)
    fc = next(j for j in g.junctions if j.node == "fc")
    assert fc.source == "x"
    np.testing.assert_array_equal(fc.count.toarray(), (w.T != 0) * T)


def test_torch_pre_norm_transformer_encoder():
    from test_exporter_attention import _export

    torch, nn = _torch_models()
    layer = nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True, norm_first=True)
    model = nn.Sequential(nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), nn.Linear(E, 3))
    g = read_onnx(_export(model, torch.randn(1, T, E)))
    assert not g.cuts and g.metadata["coverage"] == "9 of 9 learnable operators are junctions"
    assert g.layer(g.layer_names[0]).size == E
    for k in range(2):
        att = model[0].layers[k].self_attn
        (j_in,) = [j for j in g.junctions if j.node == f"/0/layers.{k}/self_attn/MatMul"]
        np.testing.assert_array_equal(j_in.count.toarray(), (att.in_proj_weight.detach().numpy() != 0) * T)


@pytest.mark.parametrize("kind", ["causal_mask", "cross_attention", "kdim_vdim", "transformer"])
def test_torch_attention_variants_read_whole(kind):
    from test_exporter_attention import _export

    torch, nn = _torch_models()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            if kind == "transformer":
                self.t = nn.Transformer(E, H, 1, 1, 16, dropout=0.0, batch_first=True)
            else:
                extra = {"kdim": 6, "vdim": 6} if kind == "kdim_vdim" else {}
                self.att = nn.MultiheadAttention(E, H, batch_first=True, **extra)
            self.fc = nn.Linear(E, 3)

        def forward(self, x, mem):
            if kind == "transformer":
                return self.fc(self.t(x, mem))
            mask = torch.triu(torch.full((T, T), float("-inf")), 1) if kind == "causal_mask" else None
            mem = x if kind == "causal_mask" else mem
            return self.fc(self.att(x, mem, mem, attn_mask=mask, need_weights=False)[0])

    net = Net()
    mem = torch.randn(1, 7, 6 if kind == "kdim_vdim" else E)
    g = read_onnx(_export_two(net, torch.randn(1, T, E), mem))
    learnable = int(g.metadata["learnable_operators"])
    assert not g.cuts and g.metadata["coverage"] == f"{learnable} of {learnable} learnable operators are junctions"
    fc = g.junctions[-1]
    tokens = 7 if kind == "transformer" else T  # nn.Transformer(src, tgt) answers at tgt's 7 positions
    np.testing.assert_array_equal(fc.count.toarray(), (net.fc.weight.detach().numpy() != 0) * tokens)


def _export_two(model, x, mem):
    import io
    import warnings

    import torch

    model.eval()
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x, mem), f, dynamo=False, opset_version=17)
    return f.getvalue()
