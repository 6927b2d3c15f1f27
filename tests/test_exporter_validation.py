"""The validation before the walk (exporters._validate): broken wiring is an error naming the node or tensor.

Each model here is one that the reader used to read without a word and get wrong (a
phantom layer, a lost tail, a silently replaced weight), or one it stopped on with a
message blaming a handler; and, last, the legitimate models that look like them
(optional inputs, subgraph captures, Constant nodes, initializers listed as inputs,
nodes listed out of order), which must still be read.
"""

import numpy as np
import pytest
from onnx import TensorProto, helper

import netgraph
from exporters import read_onnx
from onnx_builders import init, make_model, vi

W = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 3.0]], dtype=np.float32)
W2 = np.ones((1, 2), np.float32)


def _fc(x, w, y, name):
    return helper.make_node("Gemm", [x, w], [y], name=name, transB=1)


def _two_layers(nodes=None, inits=None, inputs=None, outputs=None):
    """x -> fc1 -> h -> fc2 -> y, or the nodes given."""
    nodes = nodes if nodes is not None else [_fc("x", "W", "h", "fc1"), _fc("h", "W2", "y", "fc2")]
    return make_model(nodes, inputs or [vi("x", [1, 3])], outputs or [vi("y", None)],
                      inits if inits is not None else [init("W", W), init("W2", W2)])


def _error(model, cls=netgraph.InvalidModelError):
    with pytest.raises(cls) as err:
        read_onnx(model)
    msg = str(err.value)
    assert "\n" not in msg
    return msg


# ---------------------------------------------------------------------------- names
def test_a_tensor_produced_twice_is_an_error_not_a_phantom_layer():
    nodes = [_fc("x", "W", "h", "fc1"), _fc("x", "W", "h", "fc1b"), _fc("h", "W2", "y", "fc2")]
    msg = _error(_two_layers(nodes))
    assert "'h'" in msg and "'fc1'" in msg and "'fc1b'" in msg and "produced twice" in msg


def test_an_initializer_defined_twice_is_an_error_not_a_silent_choice():
    msg = _error(_two_layers(inits=[init("W", W), init("W", 2 * W), init("W2", W2)]))
    assert "initializer 'W' is defined twice" in msg and "re-export" in msg


def test_a_graph_input_declared_twice():
    assert "graph input 'x' is defined twice" in _error(_two_layers(inputs=[vi("x", [1, 3]), vi("x", [1, 3])]))


def test_a_node_output_that_is_also_an_initializer():
    nodes = [_fc("x", "W", "h", "fc1"), _fc("h", "W2", "W2", "fc2")]
    msg = _error(_two_layers(nodes, outputs=[vi("W2", None)]))
    assert "Gemm node 'fc2' produces tensor 'W2', which is also a graph initializer" in msg


# ---------------------------------------------------------------------------- references
def test_an_input_that_nothing_produces_is_an_error_not_a_lost_tail():
    # fc2 reads "hh": before, the walk dropped fc2 and everything after it without a word
    nodes = [_fc("x", "W", "h", "fc1"), _fc("hh", "W2", "y", "fc2")]
    msg = _error(_two_layers(nodes))
    assert "Gemm node 'fc2' reads tensor 'hh', which no node produces" in msg


def test_a_graph_output_that_nothing_produces():
    msg = _error(_two_layers(outputs=[vi("y", None), vi("ghost", None)]))
    assert "graph output 'ghost' is produced by no node" in msg


def test_a_subgraph_capture_of_a_name_that_does_not_exist():
    then_g = helper.make_graph([helper.make_node("Identity", ["nowhere"], ["t"])], "then", [], [vi("t", [1, 2])])
    nodes = [helper.make_node("If", ["cond"], ["side"], name="branch", then_branch=then_g, else_branch=then_g),
             _fc("x", "W", "y", "fc")]
    m = make_model(nodes, [vi("x", [1, 3]), vi("cond", [], TensorProto.BOOL)], [vi("y", None), vi("side", None)],
                   [init("W", W)])
    assert "If node 'branch' reads tensor 'nowhere'" in _error(m)


# ---------------------------------------------------------------------------- cycles
def test_a_node_reading_its_own_output_is_an_error():
    nodes = [_fc("x", "W", "h", "fc1"), helper.make_node("Add", ["h", "h2"], ["h2"], name="loop"),
             _fc("h2", "W2", "y", "fc2")]
    msg = _error(_two_layers(nodes))
    assert "cycle" in msg and "Add node 'loop' reads its own output 'h2'" in msg


def test_a_cycle_of_two_nodes_names_both():
    nodes = [_fc("x", "W", "h", "fc1"), helper.make_node("Add", ["h", "b"], ["a"], name="first"),
             helper.make_node("Relu", ["a"], ["b"], name="second"), _fc("a", "W2", "y", "fc2")]
    msg = _error(_two_layers(nodes))
    assert "cycle" in msg and "'first'" in msg and "'second'" in msg and "'a'" in msg and "'b'" in msg


# ---------------------------------------------------------------------------- types and schemas
def test_an_unknown_element_type_of_an_input():
    assert "graph input 'x' has an unknown element type (99)" in _error(_two_layers(inputs=[vi("x", [1, 3], 99)]))


def test_an_unknown_element_type_of_an_initializer():
    w = init("W", W)
    w.data_type = 99
    assert "tensor 'W' has an unknown element type (99)" in _error(_two_layers(inits=[w, init("W2", W2)]))


def test_a_negative_dimension_of_an_initializer():
    w = init("W", W)
    w.dims[0] = -2
    assert "tensor 'W' has a negative dimension in its shape (-2, 3)" in _error(_two_layers(inits=[w, init("W2", W2)]))


def test_a_string_typed_input_is_refused():
    msg = _error(_two_layers(inputs=[vi("x", [1, 3], TensorProto.STRING)]))
    assert "graph input 'x' holds strings" in msg


def test_an_operator_with_too_few_inputs_is_an_invalid_model_not_a_handler_bug():
    nodes = [helper.make_node("Gemm", ["x"], ["h"], name="fc1"), _fc("h", "W2", "y", "fc2")]
    msg = _error(_two_layers(nodes))
    assert "Gemm node 'fc1' has 1 input; Gemm" in msg and "takes 2 to 3" in msg


def test_an_attribute_of_the_wrong_type_is_an_invalid_model_not_a_handler_bug():
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], name="fc1", transB=1, alpha="two"), _fc("h", "W2", "y", "fc2")]
    msg = _error(_two_layers(nodes))
    assert "attribute 'alpha' of Gemm node 'fc1' has type STRING; Gemm needs FLOAT" in msg


@pytest.mark.parametrize("field", ["graph", "node"])
def test_a_name_that_is_not_utf8_is_a_corrupt_file_not_a_decode_error(field):
    m = _two_layers()
    if field == "graph":
        m.graph.name = "abcQ"
    else:
        m.graph.node[0].name = "abcQ"
    data = bytearray(m.SerializeToString())
    data[data.index(b"abcQ") + 3] = 0xCA  # a UTF-8 lead byte without its continuation
    msg = _error(bytes(data))
    assert msg.startswith("<bytes>: ") and "not UTF-8" in msg and "corrupt" in msg


# ---------------------------------------------------------------------------- what must still be read
def test_nodes_listed_out_of_order_are_read_in_topological_order():
    g = read_onnx(_two_layers([_fc("h", "W2", "y", "fc2"), _fc("x", "W", "h", "fc1")]))
    assert g.layer_names == ["x", "fc1", "fc2"]


def test_an_omitted_optional_input_is_not_a_missing_tensor():
    nodes = [_fc("x", "W", "h", "fc1"), helper.make_node("Clip", ["h", "", "hi"], ["c"], name="clip"),
             _fc("c", "W2", "y", "fc2")]
    g = read_onnx(_two_layers(nodes, inits=[init("W", W), init("W2", W2), init("hi", np.array(6.0, np.float32))]))
    assert g.layer_names == ["x", "fc1", "fc2"]


def test_initializers_listed_as_graph_inputs_as_old_ir_versions_do():
    m = _two_layers(inputs=[vi("x", [1, 3]), vi("W", [2, 3]), vi("W2", [1, 2])])
    m.ir_version = 3
    assert read_onnx(m).layer_names == ["x", "fc1", "fc2"]


def test_constant_nodes_are_producers():
    nodes = [helper.make_node("Constant", [], ["W"], value=helper.make_tensor("v", TensorProto.FLOAT, [2, 3],
                                                                             W.ravel().tolist())),
             _fc("x", "W", "h", "fc1"), _fc("h", "W2", "y", "fc2")]
    g = read_onnx(_two_layers(nodes, inits=[init("W2", W2)]))
    assert g.junctions[0].count.toarray().tolist() == [[1, 0, 1], [0, 0, 1]]


def test_a_nested_subgraph_reads_names_of_the_subgraph_around_it():
    # the inner If reads "a", which the outer If's branch defines: a local name, not a missing one
    inner = helper.make_graph([helper.make_node("Identity", ["a"], ["t"])], "inner", [], [vi("t", [1, 2])])
    outer = helper.make_graph([helper.make_node("Identity", ["z"], ["a"]),
                               helper.make_node("If", ["cond"], ["u"], then_branch=inner, else_branch=inner)],
                              "outer", [], [vi("u", [1, 2])])
    nodes = [helper.make_node("If", ["cond"], ["side"], name="branch", then_branch=outer, else_branch=outer),
             _fc("x", "W", "y", "fc")]
    m = make_model(nodes, [vi("x", [1, 3]), vi("cond", [], TensorProto.BOOL)], [vi("y", None), vi("side", None)],
                   [init("W", W), init("z", np.zeros((1, 2), np.float32))])
    assert read_onnx(m).layer_names == ["x", "fc"]


def test_a_branch_that_outputs_a_tensor_of_the_path_is_control_flow_on_the_path():
    # the branch returns "h", a tensor of the path, without any node: the If reads the path
    then_g = helper.make_graph([], "then", [], [vi("h", [1, 2])])
    nodes = [_fc("x", "W", "h", "fc1"), helper.make_node("If", ["cond"], ["u"], name="branch", then_branch=then_g,
                                                         else_branch=then_g), _fc("u", "W2", "y", "fc2")]
    m = make_model(nodes, [vi("x", [1, 3]), vi("cond", [], TensorProto.BOOL)], [vi("y", None)],
                   [init("W", W), init("W2", W2)])
    with pytest.raises(netgraph.ControlFlowError, match="If node 'branch'"):
        read_onnx(m, lenient=True)
