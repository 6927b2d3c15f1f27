"""Expand: the labels broadcast as the tensor does, no junction (exporters/ops/expand.py).

Expected counts by hand: a MatMul reading a (1, 1, E) vector expanded to (1, T, E) has
one connection per nonzero weight and position, T of them; the expanded values equal
numpy's broadcast (checked through onnxruntime's output shape).
"""

import numpy as np
import pytest
from onnx import helper

from exporters import read_onnx
from netgraph.exceptions import UnsupportedOperatorError
from onnx_builders import init, make_model, sparse_weights, vi

T, E = 4, 3


_w = sparse_weights


W0, W = _w((E, E), 1), _w((E, 2), 2)


def _model(x_shape, target):
    nodes = [helper.make_node("MatMul", ["x", "W0"], ["h"], name="fc0")]
    extra = [init("target", np.asarray(target, np.int64))]
    nodes += [helper.make_node("Expand", ["h", "target"], ["e"], name="expand"),
              helper.make_node("MatMul", ["e", "W"], ["y"], name="fc")]
    return make_model(nodes, [vi("x", list(x_shape))], [vi("y", None)], [init("W0", W0), init("W", W), *extra])


@pytest.mark.parametrize("target", [[1, T, E], [1, T, 1], [T, 1]])
def test_a_vector_expanded_over_positions(target):
    g = read_onnx(_model((1, 1, E), target))
    assert [lay.name for lay in g.layers] == ["x", "fc0", "fc"] and not g.cuts
    j0, j = g.junctions
    np.testing.assert_array_equal(j0.count.toarray(), (W0.T != 0) * 1)
    np.testing.assert_array_equal(j.count.toarray(), (W.T != 0) * T)  # each weight read at T positions
    assert j.source == "fc0"


def test_the_output_shape_is_numpys_broadcast():
    ort = pytest.importorskip("onnxruntime")
    model = _model((1, 1, E), [1, T, 1])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = sess.run(None, {"x": np.ones((1, 1, E), np.float32)})
    assert y.shape == np.broadcast_shapes((1, 1, E), (1, T, 1))[:-1] + (2,)


def test_an_expand_of_the_batch_is_refused():
    with pytest.raises(UnsupportedOperatorError, match="copies the sample along the batch axis"):
        read_onnx(_model((1, 1, E), [2, T, E]))


def test_an_expand_to_a_higher_rank_is_refused():
    with pytest.raises(UnsupportedOperatorError, match="puts new axes before the batch axis"):
        read_onnx(_model((1, 1, E), [2, 1, T, E]))


def test_an_expand_that_keeps_the_shape_keeps_the_labels():
    g = read_onnx(_model((1, T, E), [1, 1, 1]))
    np.testing.assert_array_equal(g.junctions[1].count.toarray(), (W.T != 0) * T)
