"""Bad input gets a NetgraphError subclass whose message names the problem; lenient cuts."""

import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import netgraph
from exporters import read_onnx, supported_ops
from exporters.ops import Unsupported, handler_for, register
from onnx_builders import init, make_model, single_op_model, vi

W = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 3.0]], dtype=np.float32)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.onnx"
    with pytest.raises(netgraph.ModelNotFoundError, match="nope.onnx"):
        read_onnx(path)


def test_not_a_model(tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"\x08\x07garbage that is not a protobuf \xff\xff\xff")
    with pytest.raises(netgraph.InvalidModelError, match="junk.onnx"):
        read_onnx(path)


def test_text_file_is_not_a_model(tmp_path):
    path = tmp_path / "readme.onnx"
    path.write_text("hello")
    with pytest.raises(netgraph.InvalidModelError):
        read_onnx(path)


def test_wrong_type():
    with pytest.raises(netgraph.InvalidModelError, match="int"):
        read_onnx(42)


def test_missing_external_data(tmp_path):
    m = single_op_model("Gemm", [1, 3], W, transB=1)
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path), save_as_external_data=True, location="w.bin", size_threshold=0)
    (tmp_path / "w.bin").unlink()
    with pytest.raises(netgraph.ExternalDataError, match="external data"):
        read_onnx(path)


def test_external_data_not_loaded_in_a_model_proto(tmp_path):
    m = single_op_model("Gemm", [1, 3], W, transB=1)
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path), save_as_external_data=True, location="w.bin", size_threshold=0)
    proto = onnx.load(str(path), load_external_data=False)
    with pytest.raises(netgraph.ExternalDataError, match="'W'"):
        read_onnx(proto)


def test_no_learnable_junction():
    m = make_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 3])], [vi("y", None)])
    with pytest.raises(netgraph.NoLearnableJunctionError, match="no learnable junction"):
        read_onnx(m)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_weights(bad):
    w = W.copy()
    w[0, 1] = bad
    with pytest.raises(netgraph.InvalidWeightError, match="NaN or infinite.*'W'|'W'.*NaN or infinite"):
        read_onnx(single_op_model("Gemm", [1, 3], w, transB=1))


def test_weight_that_is_a_graph_input():
    node = helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)
    m = make_model([node], [vi("x", [1, 3]), vi("W", [2, 3])], [vi("y", None)])
    # W is data here (a graph input): it has nodes of its own, so the Gemm has no fixed wiring
    with pytest.raises(netgraph.UnsupportedOperatorError, match="weight B is on the path"):
        read_onnx(m)


def test_weight_computed_from_data_is_not_a_constant():
    nodes = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Cast", ["s"], ["sf"], to=TensorProto.FLOAT),
             helper.make_node("Reshape", ["sf", "two"], ["W"]), helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    m = make_model(nodes, [vi("x", ["N", 2])], [vi("y", None)], [init("two", np.array([2, 1], np.int64))])
    with pytest.raises(netgraph.InvalidWeightError, match="'mm'.*batch size"):
        read_onnx(m)


def _model_with(op_node, out="u"):
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="fc1", transB=1), op_node,
             helper.make_node("Gemm", [out, "W2"], ["y"], name="fc2", transB=1)]
    return make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], [init("W", W), init("W2", np.ones((1, 2), np.float32))])


def test_unsupported_op_strict_names_op_and_node():
    m = _model_with(helper.make_node("Det_", ["h"], ["u"], name="weird", domain="custom.domain"))
    with pytest.raises(netgraph.UnsupportedOperatorError) as err:
        read_onnx(m)
    msg = str(err.value)
    assert "Det_" in msg and "'weird'" in msg and "lenient" in msg and "\n" not in msg


def test_unsupported_op_lenient_is_a_cut():
    # TopK-like custom op: in lenient mode its output starts a new input layer of kind "cut"
    m = _model_with(helper.make_node("Det_", ["h"], ["u"], name="weird", domain="custom.domain"))
    m.graph.value_info.append(vi("u", [1, 2]))
    g = read_onnx(m, lenient=True)
    assert len(g.cuts) == 1
    cut = g.cuts[0]
    assert cut["op"] == "Det_" and cut["node"] == "weird" and cut["from_layers"] == ["fc1"]
    (new,) = cut["new_layers"]
    assert g.layer(new).kind == "cut" and g.layer(new).size == 2
    assert g.junctions_into("fc2")[0].source == new


def _if_model():
    then_g = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["t"], name="inner_fc", transB=1)], "then", [], [vi("t", [1, 2])])
    else_g = helper.make_graph([helper.make_node("Identity", ["z"], ["e"])], "else", [], [vi("e", [1, 2])])
    nodes = [helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_g, else_branch=else_g)]
    return make_model(nodes, [vi("x", [1, 3]), vi("cond", [], TensorProto.BOOL)], [vi("y", None)],
                      [init("W", W), init("z", np.zeros((1, 2), np.float32))])


@pytest.mark.parametrize("lenient", [False, True])
def test_control_flow_is_an_error_in_both_modes(lenient):
    with pytest.raises(netgraph.ControlFlowError, match="If node 'branch'"):
        read_onnx(_if_model(), lenient=lenient)


def test_errors_share_one_base():
    for cls in (netgraph.ModelNotFoundError, netgraph.InvalidModelError, netgraph.ExternalDataError,
                netgraph.UnsupportedOperatorError, netgraph.ControlFlowError, netgraph.InvalidWeightError,
                netgraph.NoLearnableJunctionError, netgraph.LayerNotFoundError):
        assert issubclass(cls, netgraph.NetgraphError)


def test_unknown_layer_name():
    g = read_onnx(single_op_model("Gemm", [1, 3], W, transB=1))
    with pytest.raises(netgraph.LayerNotFoundError, match="'nope'.*'x'"):
        g.layer("nope")


def test_input_without_static_shape():
    node = helper.make_node("Conv", ["x", "W"], ["y"], name="c")
    m = make_model([node], [vi("x", ["N", 1, "H", "W"])], [vi("y", None)], [init("W", np.ones((2, 1, 3, 3), np.float32))])
    with pytest.raises(netgraph.InvalidModelError, match="'x'.*fixed input size"):
        read_onnx(m)


def test_lenient_cut_with_unknown_output_shape_is_an_error_not_a_silent_loss():
    # no value_info for "u": the cut could not start a layer, and fc2 would vanish
    m = _model_with(helper.make_node("Det_", ["h"], ["u"], name="weird", domain="custom.domain"))
    with pytest.raises(netgraph.UnsupportedOperatorError, match="cannot cut at Det_ node 'weird'.*'u'"):
        read_onnx(m, lenient=True)


def test_input_without_batch_axis():
    m = make_model([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)], [vi("x", [3])], [vi("y", None)], [init("W", W)])
    with pytest.raises(netgraph.InvalidModelError, match="batch axis.*x: \\(3,\\)"):
        read_onnx(m)


# ---------------------------------------------------------------------------- handler bugs and the registry
# A handler registered for a custom-domain op: it raises the built-in exception that the
# node's "exc" attribute names, or Unsupported when that attribute is "Unsupported".
_TEST_DOMAIN = "test.netgraph.errors"


@register("Fail_", domain=_TEST_DOMAIN)
def _failing_handler(ctx, node):
    import builtins

    name = helper.get_attribute_value(node.attribute[0]).decode()
    if name == "Unsupported":
        raise Unsupported("the test handler refuses this node")
    raise getattr(builtins, name)("boom at unit 3")


def _failing_model(exc_name):
    m = _model_with(helper.make_node("Fail_", ["h"], ["u"], name="faulty", domain=_TEST_DOMAIN, exc=exc_name))
    m.graph.value_info.append(vi("u", [1, 2]))
    return m


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize("exc_name", ["ValueError", "IndexError", "KeyError", "TypeError", "ZeroDivisionError"])
def test_unexpected_exception_in_a_handler_is_an_error_naming_handler_node_and_exception(exc_name, lenient):
    with pytest.raises(netgraph.HandlerError) as err:
        read_onnx(_failing_model(exc_name), lenient=lenient)
    msg = str(err.value)
    assert f"{__name__}._failing_handler" in msg  # the handler: module and function
    assert "Fail_ node 'faulty'" in msg and _TEST_DOMAIN in msg  # the node
    assert exc_name in msg and "boom at unit 3" in msg  # the exception
    assert "bug" in msg and "report" in msg and "\n" not in msg
    assert type(err.value.__cause__).__name__ == exc_name
    assert not isinstance(err.value, netgraph.UnsupportedOperatorError)  # never a cut, not even leniently


def test_a_handler_that_states_its_reason_is_an_error_or_a_cut():
    with pytest.raises(netgraph.UnsupportedOperatorError, match="'faulty'.*the test handler refuses this node"):
        read_onnx(_failing_model("Unsupported"))
    g = read_onnx(_failing_model("Unsupported"), lenient=True)
    assert [(c["node"], c["reason"]) for c in g.cuts] == [("faulty", "the test handler refuses this node")]


def test_a_second_handler_for_one_operator_raises_naming_the_op_and_both_handlers():
    @register("Twice_", domain=_TEST_DOMAIN)
    def first(ctx, node):
        pass

    def second(ctx, node):
        pass

    with pytest.raises(netgraph.HandlerError) as err:
        register("Twice_", domain=_TEST_DOMAIN)(second)
    msg = str(err.value)
    assert "Twice_" in msg and first.__qualname__ in msg and second.__qualname__ in msg
    assert handler_for("Twice_", _TEST_DOMAIN) is first
    with pytest.raises(netgraph.HandlerError, match="Gemm.*exporters.ops.gemm.gemm"):
        register("Gemm")(second)
    assert handler_for("Gemm").__module__ == "exporters.ops.gemm"


def test_control_flow_ops_are_not_listed_as_supported():
    assert not {"If", "Loop", "Scan", "SequenceMap"} & set(supported_ops())
    assert {"LSTM", "GRU", "RNN"} <= set(supported_ops())  # read since issue 11


def test_control_flow_off_the_path_is_ignored():
    # an If that neither reads the path nor is read by it: the graph is read without it
    then_g = helper.make_graph([helper.make_node("Identity", ["z"], ["t"])], "then", [], [vi("t", [1, 2])])
    nodes = [helper.make_node("If", ["cond"], ["side"], name="branch", then_branch=then_g, else_branch=then_g),
             helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)]
    m = make_model(nodes, [vi("x", [1, 3]), vi("cond", [], TensorProto.BOOL)], [vi("y", None), vi("side", None)],
                   [init("W", W), init("z", np.zeros((1, 2), np.float32))])
    assert read_onnx(m).layer_names == ["x", "fc"]


def test_lenient_must_be_a_bool():
    with pytest.raises(netgraph.InvalidParameterError, match="lenient must be True or False; got 'yes'"):
        read_onnx(single_op_model("Gemm", [1, 3], W, transB=1), lenient="yes")


@pytest.mark.parametrize("lenient", [False, True])
def test_a_memory_error_in_a_handler_is_a_resource_limit_error_not_a_traceback(lenient):
    with pytest.raises(netgraph.ResourceLimitError, match="ran out of memory.*max_bytes") as err:
        read_onnx(_failing_model("MemoryError"), lenient=lenient)
    assert not isinstance(err.value, MemoryError) and "\n" not in str(err.value)


# ---------------------------------------------------------------------------- attributes no runtime accepts
@pytest.mark.parametrize("name", ["alpha", "beta"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_gemm_alpha_or_beta_not_finite_is_an_invalid_weight(name, value):
    m = single_op_model("Gemm", [1, 3], W, transB=1, **{name: float(value)})
    with pytest.raises(netgraph.InvalidWeightError, match=f"Gemm node 'gemm0': {name} is {value}"):
        read_onnx(m, lenient=True)


@pytest.mark.parametrize("op, w_shape", [("Conv", (2, 1, 3, 3)), ("ConvTranspose", (1, 2, 3, 3))])
@pytest.mark.parametrize("attrs, words", [
    ({"strides": [0, 1]}, "strides=[0, 1]; strides must be 2 integers >= 1"),
    ({"strides": [-1, -1]}, "strides=[-1, -1]"),
    ({"strides": [1]}, "strides=[1]; strides must be 2 integers >= 1, one per spatial axis"),
    ({"dilations": [1, 0]}, "dilations=[1, 0]; dilations must be 2 integers >= 1"),
    ({"group": 0}, "group=0; group must be an integer >= 1"),
    ({"kernel_shape": [2, 2]}, "kernel_shape=[2, 2] but its weight 'W' has shape"),
    ({"pads": [1, 1]}, "pads=[1, 1]; pads must be 4 integers"),
])
def test_convolution_geometry_that_no_runtime_accepts_is_an_invalid_model(op, w_shape, attrs, words):
    m = single_op_model(op, [1, 1, 5, 5], np.ones(w_shape), **attrs)
    with pytest.raises(netgraph.InvalidModelError, match=re.escape(f"{op} node '{op.lower()}0' has {words}")):
        read_onnx(m, lenient=True)  # an invalid model, never a cut


def test_conv_kernel_larger_than_the_padded_input_is_an_invalid_model():
    m = single_op_model("Conv", [1, 1, 2, 2], np.ones((2, 1, 3, 3)))
    with pytest.raises(netgraph.InvalidModelError, match=r"Conv node 'conv0' has an empty output \(size \[0, 0\]\) "
                                                         r"for input size \[2, 2\], kernel extent \[3, 3\]"):
        read_onnx(m, lenient=True)
    # with a padding of 1 the same kernel fits: a 2x2 output
    assert read_onnx(single_op_model("Conv", [1, 1, 2, 2], np.ones((2, 1, 3, 3)), pads=[1, 1, 1, 1])).layer("conv0") \
        .spatial_shape == (2, 2)


@pytest.mark.parametrize("op, w_shape, x_shape", [("Conv", (2, 1, 3, 3), [1, 3, 5, 5]),
                                                  ("ConvTranspose", (2, 1, 3, 3), [1, 3, 5, 5])])
def test_convolution_group_not_dividing_the_channels_is_an_invalid_model(op, w_shape, x_shape):
    m = single_op_model(op, x_shape, np.ones(w_shape), group=2)
    with pytest.raises(netgraph.InvalidModelError, match=f"{op} node '{op.lower()}0' has a weight 'W' of shape "
                                                         r"\(2, 1, 3, 3\) that with group=2 does not fit its 3 input"):
        read_onnx(m, lenient=True)
