"""The reader's fast paths agree with the slow, obvious computation.

* Constant folding with numpy (:func:`exporters._fold.numpy_fold`) gives what onnx's
  reference evaluator gives, value and dtype, on the shape arithmetic and casts that
  exporters write; what it does not cover it leaves to the evaluator (None).
* Dense junctions: the CSR pair built from the flat positions of the nonzeros, and the
  one of a weight whose columns are distinct units of a layer (attention's V read by the
  output projection), equal the dense counts and sums computed by hand.
"""

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from exporters._dense import columns_to_units as _columns_to_units, dense_pair_to_csr as _dense_pair_to_csr
from exporters._fold import numpy_fold

RNG = np.random.default_rng(0)
BIG = 9223372036854775807


def _i(*v):
    return np.array(v, dtype=np.int64)


CASES = [
    ("Identity", [RNG.normal(size=(2, 3)).astype(np.float32)], {}),
    ("Cast", [np.array([1.7, -2.7, 0.0], np.float32)], {"to": TensorProto.INT64}),
    ("Cast", [_i(3, 0, -1)], {"to": TensorProto.FLOAT}),
    ("Cast", [_i(3, 0, -1)], {"to": TensorProto.BOOL}),
    ("Cast", [np.array([1.5, 2.25], np.float64)], {"to": TensorProto.FLOAT16}),
    ("Add", [_i(1, 2), _i(3)], {}),
    ("Sub", [_i(1, 2), _i(3, 4)], {}),
    ("Mul", [np.float32([2]), np.float32([[1], [3]])], {}),
    ("Div", [np.float32([1, 2]), np.float32([4])], {}),
    ("Mod", [_i(7, -7, 5), _i(3, 3, -3)], {}),
    ("Mod", [_i(7, -7, 5), _i(3, 3, -3)], {"fmod": 1}),
    ("Mod", [np.float32([7.5, -7.5]), np.float32([2])], {"fmod": 1}),
    ("Sqrt", [np.float32([4, 2])], {}),
    ("Neg", [_i(1, -2)], {}),
    ("Concat", [_i(5), _i(2, 4), _i(1)], {"axis": 0}),
    ("Concat", [np.ones((2, 3)), np.zeros((2, 1))], {"axis": -1}),
    ("Transpose", [RNG.normal(size=(2, 3, 4))], {"perm": [2, 0, 1]}),
    ("Transpose", [RNG.normal(size=(2, 3))], {}),
    ("Shape", [np.zeros((2, 3, 4))], {}),
    ("Shape", [np.zeros((2, 3, 4))], {"start": 1}),
    ("Shape", [np.zeros((2, 3, 4))], {"start": -2, "end": -1}),
    ("Gather", [_i(5, 1, 24), np.array(1)], {"axis": 0}),
    ("Gather", [RNG.normal(size=(3, 4)), _i(-1, 0)], {"axis": 1}),
    ("Reshape", [np.arange(24.0).reshape(2, 3, 4), _i(0, -1)], {}),
    ("Reshape", [np.arange(24.0).reshape(2, 3, 4), _i(4, 0, 2)], {"allowzero": 0}),
    ("Slice", [_i(5, 1, 24), _i(0), _i(-1)], {}),
    ("Slice", [_i(5, 1, 24), _i(1), _i(BIG)], {}),
    ("Slice", [np.arange(20).reshape(4, 5), _i(-1, 4), _i(-BIG, 0), _i(0, 1), _i(-1, -2)], {}),
    ("Slice", [np.arange(20).reshape(4, 5), _i(1), _i(3), _i(-1)], {}),
    ("Slice", [np.arange(20).reshape(4, 5), _i(10), _i(30), _i(-1)], {}),
    ("Squeeze", [np.zeros((1, 3, 1))], {}),
    ("Squeeze", [np.zeros((1, 3, 1)), _i(-1)], {}),
    ("Unsqueeze", [np.zeros((3, 4)), _i(0, -1)], {}),
    ("Unsqueeze", [_i(5), _i(0)], {}),
]


@pytest.mark.parametrize("op, values, attributes", CASES, ids=[f"{c[0]}{k}" for k, c in enumerate(CASES)])
def test_numpy_folding_agrees_with_the_reference_evaluator(op, values, attributes):
    names = [f"i{k}" for k in range(len(values))]
    node = helper.make_node(op, names, ["y"], **attributes)
    expected = np.asarray(ReferenceEvaluator(node, opsets={"": 17}).run(None, dict(zip(names, values)))[0])
    (got,) = numpy_fold(node, values, 17)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("op, values, attributes", [
    ("Div", [_i(7, -7), _i(2)], {}),                          # integer division: the evaluator's semantics
    ("Add", [_i(1), np.float32([1])], {}),                    # mixed types
    ("Mod", [np.float32([1.0]), np.float32([2.0])], {}),      # fmod=0 on floats is not ONNX
    ("Cast", [_i(1)], {"to": TensorProto.STRING}),
    ("Div", [np.float32([1]), np.float32([0])], {}),          # a division by zero: left to the evaluator
    ("Range", [_i(0), _i(3), _i(1)], {}),                     # not covered
])
def test_numpy_folding_leaves_the_rest_to_the_reference_evaluator(op, values, attributes):
    names = [f"i{k}" for k in range(len(values))]
    assert numpy_fold(helper.make_node(op, names, ["y"], **attributes), values, 17) is None


def test_numpy_folding_never_returns_a_view_of_its_input():
    data = np.arange(6)
    (out,) = numpy_fold(helper.make_node("Reshape", ["d", "s"], ["y"]), [data, _i(2, 3)], 17)
    assert not np.may_share_memory(out, data)


@pytest.mark.parametrize("shape", [(7, 5), (0, 3), (3, 0), (1, 1), (40, 33)])
@pytest.mark.parametrize("with_count", [False, True])
@pytest.mark.parametrize("strided", [False, True])
def test_dense_pair_to_csr_is_the_dense_pair(shape, with_count, strided):
    w = RNG.normal(size=shape)
    w[RNG.random(shape) < 0.4] = 0
    count = RNG.integers(0, 3, size=shape) * (w != 0) if with_count else None
    weight = np.asfortranarray(w) if strided else w  # a non-C-ordered weight (a transposed view)
    c, s = _dense_pair_to_csr(count, weight, 3)
    expected = ((w != 0) if count is None else count) * 3
    np.testing.assert_array_equal(c.toarray(), expected)
    np.testing.assert_allclose(s.toarray(), np.where(expected != 0, w * 3, 0))
    for m in (c, s):
        m.check_format(full_check=True)
        assert m.has_sorted_indices
    np.testing.assert_array_equal(c.indices, s.indices)


@pytest.mark.parametrize("units", [[4, 5, 6], [6, 2, 4], [0], [7, 0, 3, 1]])
def test_columns_to_distinct_units(units):
    w = RNG.normal(size=(5, len(units)))
    w[RNG.random(w.shape) < 0.4] = 0
    c, s = _columns_to_units(w, np.array(units), 8, 2)
    dense = np.zeros((5, 8))
    dense[:, units] = w
    np.testing.assert_array_equal(c.toarray(), (dense != 0) * 2)
    np.testing.assert_allclose(s.toarray(), dense * 2)
    for m in (c, s):
        m.check_format(full_check=True)
        assert m.has_sorted_indices
    np.testing.assert_array_equal(c.indices, s.indices)
