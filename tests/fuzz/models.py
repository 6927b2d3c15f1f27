"""The seed models of the fuzzer: small ONNX networks built with onnx.helper, seeded weights.

Each builder returns a fresh :class:`onnx.ModelProto` that netgraph reads without a
warning; the mutations of :mod:`fuzz.onnx_mutations` start from one of them. Between
them they hold every part a mutation aims at: Gemm (alpha, transB, a bias), Conv
(strides, pads), a residual Add, Flatten, a Constant node holding a weight (dense and
sparse) and a MatMul with a weight.
"""

import numpy as np
from onnx import helper, numpy_helper

from onnx_builders import init, make_model, vi

__all__ = ["MODELS", "build", "LEARNABLE_OPS"]

#: Operators that make a layer when one of their inputs is a weight.
LEARNABLE_OPS = ("Gemm", "Conv", "ConvTranspose", "MatMul")


def _weight(rng, *shape, density=0.6):
    """Seeded float32 weights with exact zeros (a pruned layer), never all zero."""
    w = rng.standard_normal(shape).astype(np.float32)
    w *= rng.random(shape) < density
    w.flat[0] = 1.0
    return w


def mlp(rng):
    """x(1, 8) -> Gemm fc1 (6) -> Relu -> Gemm fc2 (4) -> y."""
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["y"], name="fc2", transB=1, alpha=1.0),
    ]
    inits = [init("W1", _weight(rng, 6, 8)), init("b1", np.zeros(6, np.float32)),
             init("W2", _weight(rng, 4, 6)), init("b2", np.zeros(4, np.float32))]
    return make_model(nodes, [vi("x", [1, 8])], [vi("y", [1, 4])], inits)


def conv_net(rng):
    """x(1, 2, 6, 6) -> Conv c1 (3, pads 1) -> Relu -> Conv c2 (2, strides 2) -> y."""
    nodes = [
        helper.make_node("Conv", ["x", "K1"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "K2", "kb2"], ["y"], name="conv2", kernel_shape=[3, 3], strides=[2, 2]),
    ]
    inits = [init("K1", _weight(rng, 3, 2, 3, 3)), init("K2", _weight(rng, 2, 3, 3, 3)),
             init("kb2", np.zeros(2, np.float32))]
    return make_model(nodes, [vi("x", [1, 2, 6, 6])], [vi("y", [1, 2, 2, 2])], inits)


def residual(rng):
    """x(1, 5) -> Gemm fc1 (5) -> Relu -> Add(., x) -> Gemm fc2 (3) -> y."""
    nodes = [
        helper.make_node("Gemm", ["x", "W1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Add", ["a1", "x"], ["s"], name="add1"),
        helper.make_node("Gemm", ["s", "W2"], ["y"], name="fc2", transB=1),
    ]
    inits = [init("W1", _weight(rng, 5, 5)), init("W2", _weight(rng, 3, 5))]
    return make_model(nodes, [vi("x", [1, 5])], [vi("y", [1, 3])], inits)


def flatten_net(rng):
    """x(1, 2, 4, 4) -> Conv c1 (2) -> Flatten -> Gemm fc (3) -> y."""
    nodes = [
        helper.make_node("Conv", ["x", "K1"], ["c1"], name="conv1", kernel_shape=[3, 3]),
        helper.make_node("Flatten", ["c1"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "W"], ["y"], name="fc", transB=1),
    ]
    inits = [init("K1", _weight(rng, 2, 2, 3, 3)), init("W", _weight(rng, 3, 8))]
    return make_model(nodes, [vi("x", [1, 2, 4, 4])], [vi("y", [1, 3])], inits)


def constant_weights(rng):
    """x(1, 4) -> MatMul mm (weight from a Constant node) -> Gemm fc (sparse Constant weight) -> y."""
    w = _weight(rng, 4, 3)
    s = _weight(rng, 2, 3)
    flat = np.flatnonzero(s)
    sparse = helper.make_sparse_tensor(
        numpy_helper.from_array(s.ravel()[flat], "Ws"), numpy_helper.from_array(flat.astype(np.int64), ""), [2, 3])
    nodes = [
        helper.make_node("Constant", [], ["Wc"], name="const_dense", value=numpy_helper.from_array(w, "Wc")),
        helper.make_node("Constant", [], ["Ws"], name="const_sparse", sparse_value=sparse),
        helper.make_node("MatMul", ["x", "Wc"], ["h"], name="mm"),
        helper.make_node("Gemm", ["h", "Ws"], ["y"], name="fc", transB=1),
    ]
    return make_model(nodes, [vi("x", [1, 4])], [vi("y", [1, 2])])


#: The builders by name; each takes a ``numpy.random.Generator`` (the weights).
MODELS = {"mlp": mlp, "conv": conv_net, "residual": residual, "flatten": flatten_net, "constants": constant_weights}


def build(name, seed=0):
    """The seed model ``name`` with weights drawn from ``seed``.

    Examples
    --------
    >>> [n.op_type for n in build("residual").graph.node]
    ['Gemm', 'Relu', 'Add', 'Gemm']
    """
    return MODELS[name](np.random.default_rng(seed))

