"""Flatten across the batch axis (issue 11): a batch of one merged with other axes, axis=0, sequence-first.

``Flatten(axis=a)`` of a tensor of shape ``s`` is the reshape to ``(prod(s[:a]), prod(s[a:]))``.
When it merges a batch of one with the axes after it (torch's ``nn.Flatten(0, 1)`` of a
(1, T, E) sequence), the labels of the one sample are reshaped as the tensor is and the
output has no batch axis of its own; a batch of two or of unknown size is never merged.
Every expected count is computed by hand from the weights: a token-wise layer has one
connection per nonzero weight and token, and a dense layer on the flattened (T x E)
features joins unit ``j`` to feature node ``k`` once per position ``t`` with a nonzero
``W[j, t*E + k]``.
"""

import numpy as np
import pytest
from onnx import helper

from exporters import read_onnx
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, make_model, sparse_weights, vi

T, E, U = 5, 4, 3


_w = sparse_weights


W0, W1, WF = _w((E, E), 1), _w((E, U), 2), _w((U, T * E), 3)  # WF is (out, in): Gemm transB=1


def _ints(name, values):
    return init(name, np.asarray(values, dtype=np.int64))


def _model(middle, head, batch=1, x_shape=None, extra=()):
    """x (batch, T, E) -> MatMul W0 ("fc0") -> ``middle`` nodes (from "h" to "f") -> ``head`` ("fc")."""
    nodes = [helper.make_node("MatMul", ["x", "W0"], ["h"], name="fc0")] + middle
    if head == "token":
        nodes.append(helper.make_node("MatMul", ["f", "W1"], ["y"], name="fc"))
    else:
        nodes.append(helper.make_node("Gemm", ["f", "WF"], ["y"], name="fc", transB=1))
    shape = list(x_shape) if x_shape is not None else [batch, T, E]
    return make_model(nodes, [vi("x", shape)], [vi("y", None)],
                      [init("W0", W0), init("W1", W1), init("WF", WF), *extra])


def _token_wise(w):
    """The junction of a token-wise layer of weight ``w`` (in, out): each nonzero weight once per token."""
    return (w.T != 0).astype(np.int64) * T


def _dense_on_the_flattened_sequence():
    """Unit j to feature node k: the positions t with a nonzero WF[j, t*E + k], by a loop."""
    out = np.zeros((U, E), dtype=np.int64)
    for j in range(U):
        for t in range(T):
            for k in range(E):
                out[j, k] += WF[j, t * E + k] != 0
    return out


def _junction(g, node):
    (j,) = [j for j in g.junctions if j.node == node]
    return j


def test_flatten_of_the_batch_and_the_sequence_is_a_token_wise_input():
    # nn.Flatten(0, 1) of (1, T, E): Flatten(axis=2) gives (T, E), the rows of one sample
    g = read_onnx(_model([helper.make_node("Flatten", ["h"], ["f"], axis=2)], "token"))
    assert not g.cuts and _junction(g, "fc").source == "fc0"
    np.testing.assert_array_equal(_junction(g, "fc0").count.toarray(), _token_wise(W0))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _token_wise(W1))


def test_flatten_with_a_negative_axis_is_the_same():
    g = read_onnx(_model([helper.make_node("Flatten", ["h"], ["f"], axis=-1)], "token"))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _token_wise(W1))


def test_flatten_at_axis_0_of_a_batch_of_one_keeps_the_sample():
    # (1, T, E) -> (1, T*E): the features of the one sample, read by a dense layer
    g = read_onnx(_model([helper.make_node("Flatten", ["h"], ["f"], axis=0)], "dense"))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _dense_on_the_flattened_sequence())


def test_flatten_of_a_tensor_without_a_batch_axis_gives_the_batch_its_axis_back():
    # (1, T, E) -> Reshape (T, E) (absorbed) -> Flatten(axis=0) -> (1, T*E) -> Gemm
    middle = [helper.make_node("Reshape", ["h", "rows"], ["r"]), helper.make_node("Flatten", ["r"], ["f"], axis=0)]
    g = read_onnx(_model(middle, "dense", extra=[_ints("rows", [T, E])]))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _dense_on_the_flattened_sequence())


def test_flatten_of_a_tensor_without_a_batch_axis_at_axis_1():
    # (1, T, E) -> Reshape (T, E) (absorbed) -> Flatten(axis=1) -> (T, E) -> a token-wise MatMul
    middle = [helper.make_node("Reshape", ["h", "rows"], ["r"]), helper.make_node("Flatten", ["r"], ["f"], axis=1)]
    g = read_onnx(_model(middle, "token", extra=[_ints("rows", [T, E])]))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _token_wise(W1))


def test_flatten_of_a_sequence_first_tensor():
    # (1, T, E) -> Transpose (T, 1, E) -> Flatten(axis=1) -> (T, E): the batch of one merged with the sequence
    middle = [helper.make_node("Transpose", ["h"], ["s"], perm=[1, 0, 2]),
              helper.make_node("Flatten", ["s"], ["f"], axis=1)]
    g = read_onnx(_model(middle, "token"))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _token_wise(W1))


def test_flatten_of_a_sequence_first_tensor_at_axis_2():
    # (T, 1, E) -> Flatten(axis=2) -> (T*1, E): the same tensor as axis=1, the same reading
    middle = [helper.make_node("Transpose", ["h"], ["s"], perm=[1, 0, 2]),
              helper.make_node("Flatten", ["s"], ["f"], axis=2)]
    g = read_onnx(_model(middle, "token"))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _token_wise(W1))


@pytest.mark.parametrize("axis", [0, 2])
def test_a_batch_of_two_is_never_merged(axis):
    model = _model([helper.make_node("Flatten", ["h"], ["f"], axis=axis)], "token" if axis == 2 else "dense", batch=2)
    with pytest.raises(UnsupportedOperatorError, match="batch size is 1"):
        read_onnx(model)


def test_an_unknown_batch_is_never_merged():
    model = _model([helper.make_node("Flatten", ["h"], ["f"], axis=2)], "token", x_shape=["N", T, E])
    with pytest.raises(UnsupportedOperatorError, match="batch"):
        read_onnx(model)


def test_a_batch_of_two_in_lenient_mode_is_a_cut():
    model = _model([helper.make_node("Flatten", ["h"], ["f"], axis=2)], "token", batch=2)
    g = read_onnx(model, lenient=True)
    assert [c["op"] for c in g.cuts] == ["Flatten"]


def test_the_batch_first_flatten_is_unchanged():
    # (1, T, E) -> Flatten(axis=1) -> (1, T*E): the common case, feature t*E + k is node k of fc0
    g = read_onnx(_model([helper.make_node("Flatten", ["h"], ["f"], axis=1)], "dense"))
    np.testing.assert_array_equal(_junction(g, "fc").count.toarray(), _dense_on_the_flattened_sequence())
    g2 = read_onnx(_model([helper.make_node("Flatten", ["h"], ["f"], axis=1)], "dense", batch=2))
    np.testing.assert_array_equal(_junction(g2, "fc").count.toarray(), _dense_on_the_flattened_sequence())


def test_an_axis_out_of_range_is_refused():
    model = _model([helper.make_node("Flatten", ["h"], ["f"], axis=4)], "dense")
    with pytest.raises(UnsupportedOperatorError, match="axis=4"):
        read_onnx(model)


def test_the_counts_are_those_of_the_same_model_with_a_reshape():
    # Flatten(axis=2) of (1, T, E) and Reshape to (T, E) are one tensor: the same junctions
    flat = read_onnx(_model([helper.make_node("Flatten", ["h"], ["f"], axis=2)], "token"))
    reshaped = read_onnx(_model([helper.make_node("Reshape", ["h", "rows"], ["f"])], "token",
                                extra=[_ints("rows", [T, E])]))
    for a, b in zip(flat.junctions, reshaped.junctions):
        np.testing.assert_array_equal(a.count.toarray(), b.count.toarray())
