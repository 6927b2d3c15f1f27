"""Add(Gemm, Gemm) as one layer with two junctions, and the progressive network of appendix D (issue 13)."""

import numpy as np
import pytest
from onnx import helper

from exporters import read_onnx
from netgraph.degrees import degrees
from onnx_builders import init, make_model, vi

WA = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]], dtype=np.float32)  # (2 out, 3 in), transB=1
WB = np.array([[0.0, 4.0], [5.0, 6.0]], dtype=np.float32)  # (2 out, 2 in)
WH = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], dtype=np.float32)  # x (3) -> h (2)


def lateral_model(*, extra_reader=False, same_source=False):
    """x -> h = Gemm(x, WH); y = Gemm(h, WB) + Gemm(x, WA) (or Gemm(h, WB) + Gemm(h, WB2)); out = Gemm(y, WO)."""
    nodes = [helper.make_node("Gemm", ["x", "WH"], ["h"], name="h", transB=1),
             helper.make_node("Gemm", ["h", "WB"], ["p"], name="inc", transB=1),
             helper.make_node("Gemm", ["h" if same_source else "x", "WB" if same_source else "WA"], ["q"],
                              name="lat", transB=1),
             helper.make_node("Add", ["p", "q"], ["s"], name="add"),
             helper.make_node("Relu", ["s"], ["r"]),
             helper.make_node("Gemm", ["r", "WO"], ["y"], name="out", transB=1)]
    outputs = [vi("y", None)]
    if extra_reader:
        nodes.append(helper.make_node("Gemm", ["q", "WO"], ["z"], name="other", transB=1))
        outputs.append(vi("z", None))
    inits = [init("WH", WH), init("WB", WB), init("WA", WA), init("WO", np.ones((1, 2), np.float32))]
    return make_model(nodes, [vi("x", [1, 3])], outputs, inits)


def test_add_of_two_gemms_is_one_layer_with_two_junctions():
    g = read_onnx(lateral_model())
    assert g.layer_names == ["x", "h", "inc", "out"]
    into = {j.source: j.count.toarray().tolist() for j in g.junctions_into("inc")}
    assert into == {"h": [[0, 1], [1, 1]], "x": [[1, 0, 1], [0, 0, 1]]}
    assert all(j.kind == "learnable" for j in g.junctions)
    # in-degree of inc's nodes: row sums of WB plus row sums of WA, by hand
    assert degrees(g, "inc", direction="in").tolist() == [1 + 2, 2 + 1]
    assert degrees(g, "x", direction="out").tolist() == [1 + 1, 2, 1 + 2]  # WH's and WA's columns
    # the lateral Gemm made no layer of its own but its junction: it is covered (4 Gemms, 4 junctions)
    assert g.metadata["coverage"] == "4 of 4 learnable operators are junctions"


@pytest.mark.parametrize("kw", [{"extra_reader": True}, {"same_source": True}])
def test_other_adds_of_gemms_stay_merge_layers(kw):
    g = read_onnx(lateral_model(**kw))
    merge = [layer for layer in g.layers if layer.kind == "merge"]
    assert [layer.name for layer in merge] == ["add"]
    assert sorted(j.source for j in g.junctions_into("add")) == ["inc", "lat"]


@pytest.fixture(scope="module")
def progressive():
    torch = pytest.importorskip("torch")
    from trainers.data import load_dataset
    from trainers.export import export_onnx
    from trainers.progressive import train_progressive

    data = load_dataset("digits")
    r = train_progressive(data, p=3, hidden=(6, 5), epochs=1, seed=3, progress=False)
    onnx_bytes = export_onnx(r.network, data.test.images[:16])
    weights = {name: m.weight.detach().numpy() for name, m in r.network.named_children()
               if isinstance(m, torch.nn.Linear)}
    return r, read_onnx(onnx_bytes, lenient=False), weights


def test_progressive_graph_has_both_columns_and_lateral_junctions(progressive):
    r, g, w = progressive
    assert g.layer_names == ["input", "/a1/Gemm", "/a2/Gemm", "/b1/Gemm", "/b2/Gemm", "/b3/Gemm"]
    pairs = {(j.source, j.target) for j in g.junctions}
    assert pairs == {("input", "/a1/Gemm"), ("/a1/Gemm", "/a2/Gemm"), ("input", "/b1/Gemm"),
                     ("/b1/Gemm", "/b2/Gemm"), ("/a1/Gemm", "/b2/Gemm"), ("/b2/Gemm", "/b3/Gemm"),
                     ("/a2/Gemm", "/b3/Gemm")}
    assert list(g.outputs) == ["/b3/Gemm"]
    edges = {(j.source, j.target): j.edges for j in g.junctions}
    assert edges[("/a1/Gemm", "/b2/Gemm")] == np.count_nonzero(w["l2"])
    assert edges[("/a2/Gemm", "/b3/Gemm")] == w["l3"].size  # into the output: never pruned


def test_column_two_degrees_count_in_column_and_lateral_connections(progressive):
    r, g, w = progressive
    nz = {k: (v != 0).astype(int) for k, v in w.items()}
    # column 2's second hidden layer: in from b1 (in-column) and a1 (lateral), out to the output
    expected = nz["b2"].sum(axis=1) + nz["l2"].sum(axis=1)
    assert degrees(g, "/b2/Gemm", direction="in").tolist() == expected.tolist()
    both = expected + nz["b3"].sum(axis=0)
    assert degrees(g, "/b2/Gemm", include_output=True).tolist() == both.tolist()
    # column 1's first hidden layer feeds a2 and, laterally, b2
    out = nz["a2"].sum(axis=0) + nz["l2"].sum(axis=0)
    assert degrees(g, "/a1/Gemm", direction="out").tolist() == out.tolist()


def test_column_one_is_the_fixed_task_a_network(progressive):
    r, g, w = progressive
    for name in ("a1", "a2"):
        fc = r.column1.get_submodule("fc" + name[1]).weight.detach().numpy()
        assert fc.tobytes() == w[name].tobytes()
    assert round(r.densities["b1"], 2) == round(r.densities["l2"], 2) == 0.2


def test_progressive_is_deterministic_for_a_seed(progressive):
    pytest.importorskip("torch")
    from trainers.data import load_dataset
    from trainers.progressive import train_progressive

    r, _, w = progressive
    again = train_progressive(load_dataset("digits"), p=3, hidden=(6, 5), epochs=1, seed=3, progress=False)
    for name, m in again.network.named_children():
        if name in w:
            assert m.weight.detach().numpy().tobytes() == w[name].tobytes()
