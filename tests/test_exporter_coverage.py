"""Coverage of the learnable operators, and sequence-first layouts (issue 11).

Coverage: ``graph.metadata`` says how many of the model's learnable operators became
junctions and lists each other one with its reason; in lenient mode every cut and every
skipped learnable operator is listed. Sequence-first: a Transpose that moves the batch
axis is followed, and the features still map to nodes; the counts of a token-wise
MatMul are nnz(W) x tokens whichever axis holds the batch (computed by hand).
"""

import json

import numpy as np
import pytest
from onnx import TensorProto, helper

from exporters import read_onnx
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, make_model, vi

RNG = np.random.default_rng(7)


def _sparse(shape, density=0.5):
    w = RNG.standard_normal(shape).astype(np.float32)
    w[RNG.random(shape) >= density] = 0.0
    w.reshape(-1)[0] = 1.0
    return w


def _missed(g):
    return json.loads(g.metadata["not_junctions"])


def test_a_fully_read_model_covers_every_learnable_operator():
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "W2"], ["y"], name="fc2", transB=1)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 4])], [vi("y", None)],
                             [init("W1", _sparse((3, 4))), init("W2", _sparse((2, 3)))]))
    assert g.metadata["coverage"] == "2 of 2 learnable operators are junctions"
    assert (g.metadata["learnable_operators"], g.metadata["learnable_junctions"]) == ("2", "2")
    assert _missed(g) == []


def _lenient_model():
    """fc1, then an unknown operator (a cut), fc2 after it, and a MatMul whose 3-D weight no handler reads."""
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Frobnicate", ["h"], ["f"], name="weird", domain="custom.x"),
             helper.make_node("Gemm", ["f", "W2"], ["y"], name="fc2", transB=1),
             helper.make_node("MatMul", ["h", "W3"], ["z"], name="odd")]
    outputs = [vi("y", [1, 2]), vi("z", None)]
    model = make_model(nodes, [vi("x", [1, 4])], outputs,
                       [init("W1", _sparse((3, 4))), init("W2", _sparse((2, 3))), init("W3", _sparse((2, 3, 5)))],
                       value_info=[vi("f", [1, 3])])
    model.opset_import.append(helper.make_opsetid("custom.x", 1))
    return model


def test_lenient_mode_lists_every_cut_and_every_skipped_learnable_operator():
    model = _lenient_model()
    with pytest.raises(UnsupportedOperatorError, match="Frobnicate node 'weird'"):
        read_onnx(model)
    g = read_onnx(model, lenient=True)
    assert sorted(c["node"] for c in g.cuts) == ["odd", "weird"]
    assert g.metadata["coverage"] == "2 of 3 learnable operators are junctions"
    (missed,) = _missed(g)
    assert missed["op"] == "MatMul" and missed["node"] == "odd"
    assert missed["reason"].startswith("cut: ") and "must be 2-D" in missed["reason"]


def test_a_learnable_operator_inside_control_flow_is_listed():
    then = helper.make_graph([helper.make_node("Gemm", ["c1", "Wb"], ["t"], name="inner")], "then", [],
                             [vi("t", None)], [init("Wb", _sparse((2, 2))), init("c1", np.ones((1, 2), np.float32))])
    other = helper.make_graph([helper.make_node("Identity", ["c2"], ["t2"], name="plain")], "else", [],
                              [vi("t2", None)], [init("c2", np.ones((1, 2), np.float32))])
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["y"], name="fc1", transB=1),
             helper.make_node("If", ["flag"], ["side"], name="maybe", then_branch=then, else_branch=other)]
    model = make_model(nodes, [vi("x", [1, 4]), vi("flag", [], TensorProto.BOOL)], [vi("y", None), vi("side", None)],
                       [init("W1", _sparse((3, 4)))])
    g = read_onnx(model)
    assert g.metadata["coverage"] == "1 of 2 learnable operators are junctions"
    assert _missed(g) == [{"op": "Gemm", "node": "inner", "reason": "inside control flow (If node 'maybe')"}]


def _sequence_first(perm_back=(1, 0, 2), seq=5):
    """x (1, seq, 4) -> Transpose to (seq, 1, 4) -> MatMul W1 + b -> Relu -> Transpose back -> MatMul W2."""
    w1, w2 = _sparse((4, 3)), _sparse((3, 2))
    nodes = [helper.make_node("Transpose", ["x"], ["xs"], name="to_seq", perm=[1, 0, 2]),
             helper.make_node("MatMul", ["xs", "W1"], ["h"], name="fc1"),
             helper.make_node("Add", ["h", "b1"], ["hb"], name="bias"),
             helper.make_node("Relu", ["hb"], ["r"], name="relu"),
             helper.make_node("Transpose", ["r"], ["rb"], name="to_batch", perm=list(perm_back)),
             helper.make_node("MatMul", ["rb", "W2"], ["y"], name="fc2")]
    model = make_model(nodes, [vi("x", [1, seq, 4])], [vi("y", None)],
                       [init("W1", w1), init("b1", np.ones(3, np.float32)), init("W2", w2)])
    return model, w1, w2


@pytest.mark.parametrize("seq", [5, 9])
def test_a_sequence_first_transpose_and_back_is_followed(seq):
    model, w1, w2 = _sequence_first(seq=seq)
    g = read_onnx(model)
    assert [(lay.name, lay.size) for lay in g.layers] == [("x", 4), ("fc1", 3), ("fc2", 2)]
    fc1, fc2 = g.junctions
    assert fc1.count.toarray().tolist() == ((w1.T != 0) * seq).tolist()  # seq tokens share each weight
    assert fc2.count.toarray().tolist() == ((w2.T != 0) * seq).tolist()
    np.testing.assert_allclose(fc1.weight.toarray(), w1.T * seq, rtol=1e-6)
    assert g.metadata["coverage"] == "2 of 2 learnable operators are junctions"


def test_squeeze_and_unsqueeze_follow_a_moved_batch_axis():
    w = _sparse((4, 3))
    nodes = [helper.make_node("Transpose", ["x"], ["xs"], perm=[1, 0, 2], name="t"),
             helper.make_node("Unsqueeze", ["xs", "ax1"], ["u"], name="unsq"),   # (5, 1, 1, 4)
             helper.make_node("Squeeze", ["u", "ax2"], ["s"], name="sq"),        # (5, 1, 4)
             helper.make_node("MatMul", ["s", "W"], ["y"], name="fc")]
    model = make_model(nodes, [vi("x", [1, 5, 4])], [vi("y", None)],
                       [init("ax1", np.array([1], np.int64)), init("ax2", np.array([2], np.int64)), init("W", w)])
    (j,) = read_onnx(model).junctions
    assert j.count.toarray().tolist() == ((w.T != 0) * 5).tolist()


def test_split_concat_gather_and_slice_follow_a_moved_batch_axis():
    w = _sparse((4, 3))
    nodes = [helper.make_node("Transpose", ["x"], ["xs"], perm=[1, 0, 2], name="t"),           # (6, 1, 4)
             helper.make_node("Split", ["xs", "halves"], ["a", "b"], axis=2, name="split"),
             helper.make_node("Concat", ["b", "a"], ["ba"], axis=-1, name="swap"),              # features 2, 3, 0, 1
             helper.make_node("Gather", ["ba", "tokens"], ["g"], axis=0, name="pick"),          # tokens 0, 2, 4
             helper.make_node("Slice", ["g", "s0", "s1", "s2"], ["sl"], name="first_two"),     # tokens 0, 2
             helper.make_node("Transpose", ["sl"], ["back"], perm=[1, 0, 2], name="t2"),        # (1, 2, 4)
             helper.make_node("MatMul", ["back", "W"], ["y"], name="fc")]
    inits = [init("halves", np.array([2, 2], np.int64)), init("tokens", np.array([0, 2, 4], np.int64)),
             init("s0", np.array([0], np.int64)), init("s1", np.array([2], np.int64)),
             init("s2", np.array([0], np.int64)), init("W", w)]
    (j,) = read_onnx(make_model(nodes, [vi("x", [1, 6, 4])], [vi("y", None)], inits)).junctions
    expected = np.zeros((3, 4), np.int64)
    for row, feature in enumerate([2, 3, 0, 1]):  # MatMul row `row` reads input feature `feature`
        expected[:, feature] += (w[row] != 0) * 2  # two tokens left
    assert j.count.toarray().tolist() == expected.tolist()


def test_an_operator_that_reads_axes_of_a_sequence_first_layout_is_refused_with_the_reason():
    nodes = [helper.make_node("Transpose", ["x"], ["xs"], perm=[1, 0, 2], name="t"),
             helper.make_node("Softmax", ["xs"], ["c"], axis=0, name="flat"),
             helper.make_node("MatMul", ["c", "W"], ["y"], name="fc")]
    model = make_model(nodes, [vi("x", [1, 5, 2])], [vi("y", None)], [init("W", _sparse((2, 3)))])
    with pytest.raises(UnsupportedOperatorError, match=r"Softmax node 'flat': its input 'xs' has the batch axis at "
                                                       r"axis 1 \(a sequence-first layout, shape \(5, 1, 2\)\)"):
        read_onnx(model)


def test_torch_sequence_first_transposes_are_followed(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(0)

    class SeqFirst(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(6, 8)
            self.head = nn.Linear(8, 3)

        def forward(self, x):               # x: (batch, seq, 6)
            s = x.transpose(0, 1)           # (seq, batch, 6), as torch's recurrent and attention layers use
            s = torch.nn.functional.gelu(self.inner(s))
            return self.head(s.transpose(0, 1))

    net = SeqFirst().eval()
    with torch.no_grad():
        net.inner.weight[net.inner.weight.abs() < 0.2] = 0.0
    path = tmp_path / "seq.onnx"
    torch.onnx.export(net, (torch.randn(1, 7, 6),), str(path), dynamo=False, input_names=["x"])
    g = read_onnx(path)
    assert [lay.size for lay in g.layers] == [6, 8, 3]
    inner = next(j for j in g.junctions if j.source == g.layers[0].name)
    assert inner.count.toarray().tolist() == ((net.inner.weight.detach().numpy() != 0) * 7).astype(int).tolist()
    assert g.metadata["coverage"] == "2 of 2 learnable operators are junctions"


def test_torch_batch_first_lstm_is_read_through_its_sequence_first_transposes(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(1)

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 6, batch_first=True)
            self.head = nn.Linear(6, 3)

        def forward(self, x):
            return self.head(self.lstm(x)[0])

    net = Tagger().eval()
    path = tmp_path / "tagger.onnx"
    torch.onnx.export(net, (torch.randn(1, 5, 8),), str(path), dynamo=False, input_names=["x"])
    g = read_onnx(path)
    assert [lay.size for lay in g.layers] == [8, 6, 3]
    assert g.metadata["coverage"] == "2 of 2 learnable operators are junctions" and not g.cuts
    head = next(j for j in g.junctions if j.op == "MatMul")
    assert head.count.toarray().tolist() == ((net.head.weight.detach().numpy() != 0) * 5).astype(int).tolist()
