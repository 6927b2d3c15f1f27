"""Normalisation statistics and gates: the walk goes on, counts computed by hand.

Decomposed LayerNorm, RMSNorm, GroupNorm and softmax statistics make no connection and
keep the data's nodes; a squeeze-excitation gate keeps its layers and the gated map keeps
its nodes (docs/concepts.rst). torch's EfficientNet-B0-like and MobileNetV3-like blocks
are read in strict mode with no cut and every learnable operator a junction.
"""

import io
import warnings

import numpy as np
import onnx
import pytest
from onnx import helper

from exporters import read_onnx
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, make_model, sparse_weights, vi


_w = sparse_weights


def _f(name, value):
    return init(name, np.asarray(value, dtype=np.float32))


def _i64(name, value):
    return init(name, np.asarray(value, dtype=np.int64))


def _layernorm_nodes(x, y, axes):
    """LayerNorm as converters decompose it: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div."""
    return [
        helper.make_node("ReduceMean", [x], [f"{y}_mu"], axes=axes),
        helper.make_node("Sub", [x, f"{y}_mu"], [f"{y}_d"]),
        helper.make_node("Pow", [f"{y}_d", "two"], [f"{y}_d2"]),
        helper.make_node("ReduceMean", [f"{y}_d2"], [f"{y}_var"], axes=axes),
        helper.make_node("Add", [f"{y}_var", "eps"], [f"{y}_ve"]),
        helper.make_node("Sqrt", [f"{y}_ve"], [f"{y}_sd"]),
        helper.make_node("Div", [f"{y}_d", f"{y}_sd"], [y]),
    ]


def _token_mlp(norm_nodes, extra_inits=(), tokens=4):
    """x (1, tokens, 8) -> MatMul W1 (8x6) -> norm -> MatMul W2 (6x3)."""
    w1, w2 = _w((8, 6), 1), _w((6, 3), 2)
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"], name="fc1"), *norm_nodes,
             helper.make_node("MatMul", ["n", "W2"], ["y"], name="fc2")]
    inits = [init("W1", w1), init("W2", w2), _f("two", 2.0), _f("eps", 1e-5), *extra_inits]
    return make_model(nodes, [vi("x", [1, tokens, 8])], [vi("y", None)], inits), w1, w2


def _check_token_mlp(model, w1, w2, tokens=4):
    g = read_onnx(model)
    assert not g.cuts and [j.node for j in g.junctions] == ["fc1", "fc2"]
    j1, j2 = g.junctions
    # by hand: one connection per nonzero weight and token (a token-wise MatMul)
    np.testing.assert_array_equal(j1.count.toarray(), (w1.T != 0) * tokens)
    np.testing.assert_array_equal(j2.count.toarray(), (w2.T != 0) * tokens)
    assert j2.source == j1.target  # the normalised tensor keeps fc1's nodes
    return g


def test_decomposed_layernorm_is_a_statistic_that_keeps_the_features():
    model, w1, w2 = _token_mlp(_layernorm_nodes("h", "n0", [-1]) + [
        helper.make_node("Mul", ["n0", "gamma"], ["n1"]), helper.make_node("Add", ["n1", "beta"], ["n"])],
        [_f("gamma", np.linspace(0.5, 1.5, 6)), _f("beta", np.zeros(6))])
    _check_token_mlp(model, w1, w2)


def test_rmsnorm_pattern_keeps_the_features():
    nodes = [helper.make_node("Pow", ["h", "two"], ["sq"]),
             helper.make_node("ReduceMean", ["sq"], ["ms"], axes=[-1]),
             helper.make_node("Add", ["ms", "eps"], ["mse"]),
             helper.make_node("Sqrt", ["mse"], ["rms"]),
             helper.make_node("Div", ["one", "rms"], ["inv"]),
             helper.make_node("Mul", ["h", "inv"], ["n"])]
    model, w1, w2 = _token_mlp(nodes, [_f("one", 1.0)])
    _check_token_mlp(model, w1, w2)


def test_decomposed_softmax_over_features_keeps_them():
    nodes = [helper.make_node("ReduceMax", ["h"], ["mx"], axes=[-1]),
             helper.make_node("Sub", ["h", "mx"], ["hs"]),
             helper.make_node("Exp", ["hs"], ["e"]),
             helper.make_node("ReduceSum", ["e", "ax"], ["s"]),
             helper.make_node("Div", ["e", "s"], ["n"])]
    model, w1, w2 = _token_mlp(nodes, [_i64("ax", [-1])])
    _check_token_mlp(model, w1, w2)


@pytest.mark.parametrize("op, kw", [("LayerNormalization", {"axis": -1}), ("RMSNormalization", {"axis": -1})])
def test_fused_normalisation_ops_pass_through(op, kw):
    nodes = [helper.make_node(op, ["h", "gamma"], ["n"], **kw)]
    model, w1, w2 = _token_mlp(nodes, [_f("gamma", np.ones(6))])
    if op == "RMSNormalization":
        model.opset_import[0].version = 23
    _check_token_mlp(model, w1, w2)


def test_statistic_read_as_data_is_refused_naming_the_reader():
    w1 = _w((8, 6), 1)
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"], name="fc1"),
             helper.make_node("ReduceMean", ["h"], ["mu"], axes=[-1], name="mean"),
             helper.make_node("Flatten", ["mu"], ["f"]),
             helper.make_node("Gemm", ["f", "W2"], ["y"], name="head")]
    model = make_model(nodes, [vi("x", [1, 4, 8])], [vi("y", None)], [init("W1", w1), init("W2", _w((4, 2), 3))])
    with pytest.raises(UnsupportedOperatorError, match=r"ReduceMean node 'mean'.*mixes nodes.*Gemm node 'head'"):
        read_onnx(model)
    with pytest.raises(UnsupportedOperatorError, match="reaches the graph output"):
        read_onnx(make_model(nodes[:2], [vi("x", [1, 4, 8])], [vi("mu", None)], [init("W1", w1)]))


def test_decomposed_groupnorm_in_a_conv_net():
    # conv1 (4 channels) -> Reshape (2 groups of 2 channels) -> statistics -> Reshape back -> affine -> conv2
    wc1, wc2 = _w((4, 2, 3, 3), 4), _w((3, 4, 1, 1), 5)
    nodes = [helper.make_node("Conv", ["x", "Wc1"], ["c"], name="conv1"),
             helper.make_node("Reshape", ["c", "gshape"], ["cg"]),
             *_layernorm_nodes("cg", "ng", [2, 3, 4]),
             helper.make_node("Reshape", ["ng", "cshape"], ["nc"]),
             helper.make_node("Mul", ["nc", "gamma"], ["na"]),
             helper.make_node("Add", ["na", "beta"], ["n"]),
             helper.make_node("Conv", ["n", "Wc2"], ["y"], name="conv2")]
    inits = [init("Wc1", wc1), init("Wc2", wc2), _f("two", 2.0), _f("eps", 1e-5), _i64("gshape", [1, 2, 2, 4, 4]),
             _i64("cshape", [1, 4, 4, 4]), _f("gamma", np.ones((4, 1, 1))), _f("beta", np.zeros((4, 1, 1)))]
    g = read_onnx(make_model(nodes, [vi("x", [1, 2, 6, 6])], [vi("y", None)], inits))
    assert not g.cuts and [j.node for j in g.junctions] == ["conv1", "conv2"]
    j2 = g.junctions[1]
    assert j2.source == g.junctions[0].target
    np.testing.assert_array_equal(j2.count.toarray(), (wc2[:, :, 0, 0] != 0) * 16)  # 1x1 conv on 4x4


# ------------------------------------------------------------------ gates (onnx.helper)
def _se_model(gate_op="Sigmoid"):
    """conv1 (4 ch, 4x4) * gate(GlobalAveragePool -> 1x1 conv (2) -> Relu -> 1x1 conv (4) -> gate_op) -> conv2."""
    w = {"W1": _w((4, 2, 3, 3), 6), "Ws1": _w((2, 4, 1, 1), 7, 0.0), "Ws2": _w((4, 2, 1, 1), 8, 0.0),
         "W2": _w((3, 4, 3, 3), 9)}
    nodes = [helper.make_node("Conv", ["x", "W1"], ["c"], name="conv1"),
             helper.make_node("GlobalAveragePool", ["c"], ["p"]),
             helper.make_node("Conv", ["p", "Ws1"], ["s1"], name="se_reduce"),
             helper.make_node("Relu", ["s1"], ["s1r"]),
             helper.make_node("Conv", ["s1r", "Ws2"], ["s2"], name="se_expand"),
             helper.make_node(gate_op, ["s2"], ["gate"]),
             helper.make_node("Mul", ["c", "gate"], ["gated"], name="scale"),
             helper.make_node("Conv", ["gated", "W2"], ["y"], name="conv2")]
    return make_model(nodes, [vi("x", [1, 2, 6, 6])], [vi("y", None)], [init(k, v) for k, v in w.items()]), w


@pytest.mark.parametrize("gate_op", ["Sigmoid", "HardSigmoid"])
def test_squeeze_excitation_keeps_the_gate_layers_and_the_gated_nodes(gate_op):
    model, w = _se_model(gate_op)
    g = read_onnx(model)
    assert not g.cuts
    by_node = {j.node: j for j in g.junctions}
    assert set(by_node) == {"conv1", "se_reduce", "se_expand", "conv2"}
    conv1 = by_node["conv1"].target
    assert by_node["se_reduce"].source == conv1 and by_node["conv2"].source == conv1
    assert by_node["se_expand"].source == by_node["se_reduce"].target
    assert not any(j.source == by_node["se_expand"].target for j in g.junctions)  # the gate ends there
    # by hand: 1x1 convs on a 1x1 map, one connection per weight; conv2 3x3 on 4x4 -> 2x2 outputs
    np.testing.assert_array_equal(by_node["se_reduce"].count.toarray(), (w["Ws1"][:, :, 0, 0] != 0).astype(int))
    np.testing.assert_array_equal(by_node["conv2"].count.toarray(), (w["W2"] != 0).sum(axis=(2, 3)) * 4)


def test_hard_swish_written_out_keeps_the_nodes():
    w1, w2 = _w((8, 6), 1), _w((6, 3), 2)
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"], name="fc1"),
             helper.make_node("Add", ["h", "three"], ["h3"]),
             helper.make_node("Clip", ["h3", "zero", "six"], ["r6"]),
             helper.make_node("Div", ["r6", "six"], ["hs"]),
             helper.make_node("Mul", ["h", "hs"], ["n"]),
             helper.make_node("MatMul", ["n", "W2"], ["y"], name="fc2")]
    inits = [init("W1", w1), init("W2", w2), _f("three", 3.0), _f("zero", 0.0), _f("six", 6.0)]
    g = read_onnx(make_model(nodes, [vi("x", [1, 4, 8])], [vi("y", None)], inits))
    assert [j.node for j in g.junctions] == ["fc1", "fc2"] and g.junctions[1].source == g.junctions[0].target


def test_gated_linear_unit_keeps_the_value_half():
    # GLU: a * sigmoid(b), a and b two dense layers of the same input
    wa, wb, w2 = _w((8, 5), 1), _w((8, 5), 2), _w((5, 3), 3)
    nodes = [helper.make_node("MatMul", ["x", "Wa"], ["a"], name="fa"),
             helper.make_node("MatMul", ["x", "Wb"], ["b"], name="fb"),
             helper.make_node("Sigmoid", ["b"], ["sb"]),
             helper.make_node("Mul", ["sb", "a"], ["n"]),
             helper.make_node("MatMul", ["n", "W2"], ["y"], name="fc2")]
    g = read_onnx(make_model(nodes, [vi("x", [1, 4, 8])], [vi("y", None)],
                             [init("Wa", wa), init("Wb", wb), init("W2", w2)]))
    by_node = {j.node: j for j in g.junctions}
    assert by_node["fc2"].source == by_node["fa"].target


def test_product_of_two_layers_without_a_gate_is_refused():
    nodes = [helper.make_node("MatMul", ["x", "Wa"], ["a"], name="fa"),
             helper.make_node("MatMul", ["x", "Wb"], ["b"], name="fb"),
             helper.make_node("Mul", ["a", "b"], ["y"], name="prod")]
    model = make_model(nodes, [vi("x", [1, 4, 8])], [vi("y", None)], [init("Wa", _w((8, 5), 1)), init("Wb", _w((8, 5), 2))])
    with pytest.raises(UnsupportedOperatorError, match="Mul node 'prod'.*neither input is a gate"):
        read_onnx(model)


# ------------------------------------------------------------------ torch blocks
def _export(model, x, opset=17):
    torch = pytest.importorskip("torch")
    model.eval()
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), f, dynamo=False, opset_version=opset)
    return f.getvalue()


def _learnable_nodes(data):
    """Names of the nodes with a constant weight: Conv, ConvTranspose, Gemm and MatMul with an initializer."""
    m = onnx.load_from_string(data)
    inits = {t.name for t in m.graph.initializer}
    consts = {o for n in m.graph.node if n.op_type == "Constant" for o in n.output}
    return {n.name for n in m.graph.node if n.op_type in ("Conv", "ConvTranspose", "Gemm")
            or (n.op_type == "MatMul" and any(i in inits | consts for i in n.input))}


def _read_whole(data):
    g = read_onnx(data)
    assert not g.cuts
    assert {j.node for j in g.junctions if j.learnable} == _learnable_nodes(data)
    return g


def _squeeze_excitation(torch):
    """torchvision.ops.SqueezeExcitation, written out (torchvision is not a dependency)."""
    nn = torch.nn

    class SqueezeExcitation(nn.Module):
        def __init__(self, channels, squeeze, activation=nn.ReLU, scale_activation=nn.Sigmoid):
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1, self.fc2 = nn.Conv2d(channels, squeeze, 1), nn.Conv2d(squeeze, channels, 1)
            self.activation, self.scale_activation = activation(), scale_activation()

        def forward(self, x):
            scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
            return scale * x

    return SqueezeExcitation


def test_torch_efficientnet_b0_like_block():
    torch = pytest.importorskip("torch")
    SqueezeExcitation = _squeeze_excitation(torch)
    nn = torch.nn
    torch.manual_seed(0)
    c, e = 8, 32
    block = nn.Sequential(
        nn.Conv2d(3, c, 3, padding=1), nn.BatchNorm2d(c), nn.SiLU(),
        nn.Conv2d(c, e, 1), nn.BatchNorm2d(e), nn.SiLU(),                       # expand
        nn.Conv2d(e, e, 3, padding=1, groups=e), nn.BatchNorm2d(e), nn.SiLU(),  # depthwise
        SqueezeExcitation(e, 2, activation=nn.SiLU),                             # squeeze-excitation
        nn.Conv2d(e, c, 1), nn.BatchNorm2d(c),                                   # project
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 5),
    )
    g = _read_whole(_export(block, torch.randn(1, 3, 8, 8)))
    convs = [j for j in g.junctions if j.op == "Conv"]
    assert len(convs) == 6
    dw, se1, se2, project = convs[2], convs[3], convs[4], convs[5]
    assert se1.source == dw.target and project.source == dw.target  # the gated map keeps the depthwise nodes
    assert se2.source == se1.target and not any(j.source == se2.target for j in g.junctions)
    w = block[10].weight.detach().numpy()
    np.testing.assert_array_equal(project.count.toarray(), (w[:, :, 0, 0] != 0) * 64)  # 1x1 conv on 8x8


def test_torch_mobilenet_v3_like_block():
    torch = pytest.importorskip("torch")
    SqueezeExcitation = _squeeze_excitation(torch)

    nn = torch.nn
    torch.manual_seed(1)
    block = nn.Sequential(
        nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.Hardswish(),
        nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.BatchNorm2d(16), nn.ReLU(),
        SqueezeExcitation(16, 8, scale_activation=nn.Hardsigmoid),
        nn.Conv2d(16, 24, 1), nn.BatchNorm2d(24), nn.Hardswish(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(24, 10),
    )
    data = _export(block, torch.randn(1, 3, 16, 16))
    g = _read_whole(data)
    convs = [j for j in g.junctions if j.op == "Conv"]
    assert convs[4].source == convs[1].target  # the 1x1 after SE reads the depthwise nodes
    # with the old opset, Hardswish and Hardsigmoid are written out
    g13 = _read_whole(_export(block, torch.randn(1, 3, 16, 16), opset=13))
    assert [j.count.nnz for j in g13.junctions] == [j.count.nnz for j in g.junctions]


@pytest.mark.parametrize("opset", [13, 17])
def test_torch_layernorm_groupnorm_instancenorm(opset):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(2)
    cnn = nn.Sequential(nn.Conv2d(2, 8, 3), nn.GroupNorm(2, 8), nn.ReLU(), nn.Conv2d(8, 4, 3),
                        nn.InstanceNorm2d(4, affine=True), nn.Flatten(), nn.Linear(4 * 4 * 4, 6), nn.LayerNorm(6),
                        nn.Linear(6, 3))
    g = _read_whole(_export(cnn, torch.randn(1, 2, 8, 8), opset=opset))
    assert len(g.junctions) == 4
    assert all(b.source == a.target for a, b in zip(g.junctions, g.junctions[1:]))
