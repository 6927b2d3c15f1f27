"""Embeddings: Gather of a constant table by token ids is a vocabulary -> embedding junction.

The token-id input is turned into a layer of kind "vocabulary" with one node per row of
the table; the junction's counts are the nonzero entries of the table (transposed)
times the number of token positions, as for the equivalent one-hot MatMul.
"""

import numpy as np
import pytest
from onnx import TensorProto, helper

from exporters import read_onnx
from tests.onnx_builders import init, make_model, vi


def _table(rng, vocab, dim):
    t = rng.normal(size=(vocab, dim)).astype(np.float32)
    t[rng.random((vocab, dim)) < 0.5] = 0.0
    return t


def _model(seq=4, vocab=7, dim=3, out=2, seed=0):
    rng = np.random.default_rng(seed)
    table, w = _table(rng, vocab, dim), rng.normal(size=(dim, out)).astype(np.float32)
    nodes = [helper.make_node("Gather", ["emb", "ids"], ["e"], name="embed"),
             helper.make_node("MatMul", ["e", "w"], ["y"], name="fc")]
    m = make_model(nodes, [vi("ids", [1, seq], TensorProto.INT64)], [vi("y", None)], [init("emb", table), init("w", w)])
    return m, table, w


def test_embedding_junction_is_the_table_times_the_positions():
    m, table, _ = _model()
    g = read_onnx(m)
    vocab, emb = g.layer("ids"), g.layer("embed")
    assert (vocab.kind, vocab.size, vocab.spatial_shape) == ("vocabulary", 7, (4,))
    assert (emb.kind, emb.size, emb.spatial_shape) == ("embedding", 3, (4,))
    (j,) = g.junctions_into("embed")
    assert j.source == "ids" and j.op == "Gather" and j.learnable
    expected = np.zeros((3, 7), dtype=np.int64)
    for v in range(7):  # by hand: one connection per nonzero entry and token position
        for d in range(3):
            if table[v, d] != 0:
                expected[d, v] = 4
    np.testing.assert_array_equal(j.count.toarray(), expected)
    np.testing.assert_allclose(j.weight.toarray(), 4 * table.T.astype(np.float64), rtol=1e-6)
    assert [x.source for x in g.junctions_into("fc")] == ["embed"]


def test_embedding_counts_equal_the_one_hot_matmul():
    # Gather(table, ids) == onehot(ids) @ table: the same junction as a MatMul with V input features
    m, table, w = _model(seed=3)
    g = read_onnx(m)
    nodes = [helper.make_node("MatMul", ["onehot", "emb"], ["e"], name="embed"),
             helper.make_node("MatMul", ["e", "w"], ["y"], name="fc")]
    one_hot = read_onnx(make_model(nodes, [vi("onehot", [1, 4, 7])], [vi("y", None)],
                                   [init("emb", table), init("w", w)]))
    for name in ("embed", "fc"):
        (a,), (b,) = g.junctions_into(name), one_hot.junctions_into(name)
        np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())
        np.testing.assert_allclose(a.weight.toarray(), b.weight.toarray(), rtol=1e-6)


def test_gather_of_labels_still_indexes_the_tensor():
    nodes = [helper.make_node("Gemm", ["x", "w"], ["h"], name="fc1", transB=1),
             helper.make_node("Gather", ["h", "idx"], ["s"], axis=1),
             helper.make_node("Gemm", ["s", "w2"], ["y"], name="fc2", transB=1)]
    inits = [init("w", np.ones((4, 3), np.float32)), init("idx", np.array([3, 1], np.int64)),
             init("w2", np.ones((2, 2), np.float32))]
    g = read_onnx(make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], inits))
    (j,) = g.junctions_into("fc2")
    assert j.source == "fc1" and j.count.toarray().tolist() == [[0, 1, 0, 1], [0, 1, 0, 1]]


def test_torch_embedding_lstm_text_classifier(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)

    class TextClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(20, 6)
            self.rnn = torch.nn.LSTM(6, 5, batch_first=True, bidirectional=True)
            self.fc = torch.nn.Linear(10, 3)

        def forward(self, ids):
            y, _ = self.rnn(self.embed(ids))
            return self.fc(y[:, -1])

    net = TextClassifier().eval()
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_((torch.rand(p.shape, generator=gen) > 0.5).float())
    path = tmp_path / "text.onnx"
    torch.onnx.export(net, (torch.randint(0, 20, (1, 7)),), str(path), dynamo=False, opset_version=17)
    g = read_onnx(str(path))
    assert not g.cuts
    kinds = [L.kind for L in g.layers]
    assert kinds.count("vocabulary") == 1 and kinds.count("embedding") == 1 and kinds.count("recurrent") == 2
    (vocab,) = [L for L in g.layers if L.kind == "vocabulary"]
    (emb,) = [L for L in g.layers if L.kind == "embedding"]
    (j,) = g.junctions_into(emb.name)
    table = net.embed.weight.detach().numpy()
    assert vocab.size == 20 and j.source == vocab.name
    assert (vocab.spatial_shape, emb.spatial_shape) == ((7,), (7,))  # 7 token positions, batch left out
    np.testing.assert_array_equal(j.count.toarray(), 7 * (table.T != 0))
    for rec in (L for L in g.layers if L.kind == "recurrent"):
        assert {x.source for x in g.junctions_into(rec.name)} == {emb.name, rec.name}
    # the embedding, LSTM's W of each direction, the Linear from each direction
    assert sum(1 for x in g.junctions if x.learnable) == 5 and sum(1 for x in g.junctions if x.recurrent) == 2
