"""read_onnx with dynamic input shapes, input values and If branches, and signals (issue 11).

Every expected count is computed by hand from the weights: a convolution's tap counts
as nnz(kernel) x output positions (no padding), a token-wise MatMul as nnz(W) x tokens.
"""

import numpy as np
import pytest
from onnx import TensorProto, helper

from exporters import read_onnx
from netgraph.exceptions import ControlFlowError, InvalidModelError, InvalidParameterError
from onnx_builders import init, make_model, vi

RNG = np.random.default_rng(11)


def _sparse(shape, density=0.5):
    w = RNG.standard_normal(shape).astype(np.float32)
    w[RNG.random(shape) >= density] = 0.0
    return w


def _conv_model(x_shape):
    w = _sparse((4, 3, 3, 3))
    conv = helper.make_node("Conv", ["x", "W"], ["y"], name="conv")
    return make_model([conv], [vi("x", x_shape)], [vi("y", None)], [init("W", w)]), w


def test_symbolic_spatial_size_is_an_error_naming_the_input_its_shape_and_the_flag():
    model, _ = _conv_model(["N", 3, "H", "W"])
    with pytest.raises(InvalidModelError) as exc:
        read_onnx(model)
    text = str(exc.value)
    assert "'x'" in text and "('N', 3, 'H', 'W')" in text
    assert "--input-shape x=1,3,224,224" in text and "input_shapes={'x': (1, 3, 224, 224)}" in text


def test_input_shape_fixes_the_spatial_size_and_the_counts():
    model, w = _conv_model(["N", 3, "H", "W"])
    g = read_onnx(model, input_shapes={"x": (1, 3, 10, 12)})
    positions = 8 * 10  # (10 - 2) x (12 - 2) output positions
    expected = (w != 0).sum(axis=(2, 3)) * positions
    assert g.junctions[0].count.toarray().tolist() == expected.tolist()
    assert g.layers[0].spatial_shape == (10, 12)
    assert g.metadata["input_shape:x"] == "1,3,10,12"
    # the caller's model is not changed
    assert model.graph.input[0].type.tensor_type.shape.dim[2].dim_param == "H"


def test_minus_one_dims_as_paddle_writes_them():
    model, w = _conv_model([-1, 3, -1, -1])
    g = read_onnx(model, input_shapes={"x": (1, 3, 5, 5)})
    assert g.junctions[0].count.toarray().tolist() == ((w != 0).sum(axis=(2, 3)) * 9).tolist()
    with pytest.raises(InvalidModelError, match=r"'x' has declared shape \(\?, 3, \?, \?\)"):
        read_onnx(model)


def test_batch_alone_unknown_defaults_to_one_and_says_so():
    model, w = _conv_model(["batch", 3, 4, 4])
    g = read_onnx(model)
    assert g.metadata["batch_default"] == "x: batch size unknown, taken as 1"
    assert g.junctions[0].count.toarray().tolist() == ((w != 0).sum(axis=(2, 3)) * 4).tolist()


def _two_inputs():
    """x (N, T, 4) and z (N, T, 2), each through a MatMul to 3 features, then added: T is one symbol."""
    w = _sparse((4, 3))
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="fc"),
             helper.make_node("MatMul", ["z", "Wz"], ["hz"], name="fcz"),
             helper.make_node("Add", ["h", "hz"], ["y"], name="add")]
    return make_model(nodes, [vi("x", ["N", "T", 4]), vi("z", ["N", "T", 2])], [vi("y", None)],
                      [init("W", w), init("Wz", _sparse((2, 3)))]), w


def test_a_symbolic_dim_shared_by_two_inputs_takes_one_value():
    model, w = _two_inputs()
    g = read_onnx(model, input_shapes={"x": (1, 7, 4)})
    fc = next(j for j in g.junctions if j.target == "fc")
    assert fc.count.toarray().tolist() == ((w.T != 0) * 7).tolist()  # 7 tokens share each weight
    assert g.metadata["input_shape:z"] == "(1, 7, 2)"
    assert g.metadata["coverage"] == "2 of 2 learnable operators are junctions"


@pytest.mark.parametrize("shapes, match", [
    ({"q": (1, 2)}, r"has no graph input 'q'; its inputs are 'x', 'z'"),
    ({"x": (1, 7)}, r"\(1, 7\) has 2 dims, but .* declares input 'x' with 3: \('N', 'T', 4\)"),
    ({"x": (1, 0, 4)}, r"every dimension must be >= 1"),
    ({"x": (1, 7, 5)}, r"axis 2 is 5, but .* declares it 4"),
    ({"x": (1, 7, 4), "z": (1, 8, 2)}, r"'T' is 7 for input 'x' but 8 for input 'z'"),
    ({"x": (1, 2.5, 4)}, r"must be a sequence of integers"),
    ([("x", (1, 2, 4))], r"input_shapes must be a dict"),
])
def test_bad_input_shapes_name_the_value(shapes, match):
    model, _ = _two_inputs()
    with pytest.raises(InvalidParameterError, match=match):
        read_onnx(model, input_shapes=shapes)


def _sample_rate_model():
    """sr == 16000 picks the Gemm of weights W16 (3 x 4), else that of W8 (2 x 4)."""
    w16, w8 = _sparse((3, 4)), _sparse((2, 4))
    w16[0, 0], w8[0, 0] = 1.0, 1.0

    def branch(name, w):
        out = vi(f"y_{name}", None)
        gemm = helper.make_node("Gemm", ["x", f"W{name}"], [f"y_{name}"], name=f"fc{name}", transB=1)
        return helper.make_graph([gemm], f"b{name}", [], [out], [init(f"W{name}", w)])

    nodes = [helper.make_node("Equal", ["sr", "k16000"], ["is16"], name="eq"),
             helper.make_node("If", ["is16"], ["y"], name="by_rate", then_branch=branch("16", w16),
                              else_branch=branch("8", w8))]
    inputs = [vi("x", ["N", 4]), vi("sr", [], TensorProto.INT64)]
    return make_model(nodes, inputs, [vi("y", None)], [init("k16000", np.array(16000, np.int64))]), w16, w8


@pytest.mark.parametrize("rate, which", [(16000, 0), (8000, 1)])
def test_input_value_folds_the_if_and_reads_the_branch_taken(rate, which):
    model, w16, w8 = _sample_rate_model()
    w = (w16, w8)[which]
    g = read_onnx(model, input_values={"sr": rate})
    assert len(g.junctions) == 1
    assert g.junctions[0].count.toarray().tolist() == (w != 0).astype(int).tolist()
    assert [lay.size for lay in g.layers] == [4, w.shape[0]]
    assert g.metadata["if:by_rate"] == ("then_branch", "else_branch")[which]
    assert g.metadata["input_value:sr"] == str(rate)
    assert g.metadata["coverage"] == "1 of 1 learnable operators are junctions"


def test_an_if_decided_by_an_input_names_it_and_the_flag():
    model, _, _ = _sample_rate_model()
    for lenient in (False, True):
        with pytest.raises(ControlFlowError, match=r"by graph input 'sr'.*input_values=\{'sr': VALUE\} "
                                                   r"\(CLI: --input-value sr=VALUE\)"):
            read_onnx(model, lenient=lenient)


@pytest.mark.parametrize("values, match", [
    ({"rate": 1}, r"has no graph input 'rate'"),
    ({"sr": "fast"}, r"input_values\['sr'\] = 'fast' cannot be read as int64"),
    ({"sr": [1, 2]}, r"input_values\['sr'\] has shape \(2,\), but the input is declared with shape \(\)"),
])
def test_bad_input_values_name_the_value(values, match):
    model, _, _ = _sample_rate_model()
    with pytest.raises(InvalidParameterError, match=match):
        read_onnx(model, input_values=values)


def test_a_constant_condition_is_folded_without_any_value():
    model, w16, _ = _sample_rate_model()
    model.graph.initializer.append(init("sr_fixed", np.array(16000, np.int64)))
    model.graph.node[0].input[0] = "sr_fixed"
    del model.graph.input[1]
    g = read_onnx(model)
    assert g.junctions[0].count.toarray().tolist() == (w16 != 0).astype(int).tolist()


@pytest.mark.parametrize("time", [16, 50])
def test_a_waveform_unsqueezed_for_conv1d_is_one_channel_of_length_time(time):
    w = _sparse((5, 1, 3))
    w[0, 0, 0] = 1.0
    axes = init("axes", np.array([1], np.int64))
    nodes = [helper.make_node("Unsqueeze", ["wave", "axes"], ["w3"], name="unsq"),
             helper.make_node("Conv", ["w3", "W"], ["y"], name="conv1d")]
    model = make_model(nodes, [vi("wave", ["N", "T"])], [vi("y", None)], [axes, init("W", w)])
    with pytest.raises(InvalidModelError, match=r"'wave' has declared shape \('N', 'T'\)"):
        read_onnx(model)
    g = read_onnx(model, input_shapes={"wave": (1, time)})
    assert [lay.size for lay in g.layers] == [1, 5]
    assert g.layers[0].spatial_shape == (time,)
    assert g.junctions[0].count.toarray().tolist() == ((w != 0).sum(axis=2) * (time - 2)).tolist()
