"""The handler registry's internals: discovery, reloads, declared properties, attr_or_input."""

import importlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import exporters.ops as ops
from exporters._context import Context
from exporters.ops import Unsupported
from exporters.ops._util import attr_or_input
from netgraph import HandlerError, InvalidParameterError


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the loaded registry, restored after the test, with discovery to run again."""
    ops.supported_ops()  # load the built-in handlers
    monkeypatch.setattr(ops, "_REGISTRY", dict(ops._REGISTRY))
    monkeypatch.setattr(ops, "_loaded", False)
    return ops._REGISTRY


def test_discovery_imports_every_non_underscore_module_of_the_package(scratch_registry, monkeypatch, tmp_path):
    (tmp_path / "zz_probe.py").write_text(textwrap.dedent('''
        from exporters.ops import register

        @register("Probe_", domain="test.netgraph.discovery")
        def probe(ctx, node):
            pass
    '''))
    (tmp_path / "_zz_private.py").write_text("raise RuntimeError('a helper module is not a handler module')\n")
    monkeypatch.setattr(ops, "__path__", [*ops.__path__, str(tmp_path)])
    try:
        handler = ops.handler_for("Probe_", "test.netgraph.discovery")
        assert handler is not None and handler.__module__ == "exporters.ops.zz_probe"
        assert "exporters.ops._zz_private" not in sys.modules
        assert ops.handler_for("Gemm").__module__ == "exporters.ops.gemm"  # the others are still there
    finally:
        sys.modules.pop("exporters.ops.zz_probe", None)
        if hasattr(ops, "zz_probe"):
            delattr(ops, "zz_probe")


def test_discovery_is_lazy():
    code = textwrap.dedent('''
        import sys
        import exporters
        assert not [m for m in sys.modules if m.startswith("exporters.ops.")], "handler modules at import"
        exporters.ops.handler_for("Gemm")
        assert "exporters.ops.gemm" in sys.modules and "exporters.ops.recurrent" in sys.modules
    ''')
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_module_imported_again_replaces_its_registrations(scratch_registry):
    module = importlib.import_module("exporters.ops.transpose")
    old = ops.handler_for("Transpose")
    importlib.reload(module)  # new function objects of the same module and name: not a duplicate
    assert ops.handler_for("Transpose") is module.transpose is not old
    assert ops.spec_for("Transpose").input_layout == "perm"


def test_registration_is_checked_before_anything_is_registered(scratch_registry):
    def handler(ctx, node):
        pass

    with pytest.raises(HandlerError, match="Gemm"):
        ops.register("New_", "Gemm")(handler)
    assert ops.spec_for("New_") is None
    with pytest.raises(InvalidParameterError, match="input_layout must be one of 'channels', .*; got 'rows'"):
        ops.register("New_", input_layout="rows")
    with pytest.raises(InvalidParameterError, match="op_types must be"):
        ops.register()
    with pytest.raises(InvalidParameterError, match="reads_batch_last must be True or False; got 1"):
        ops.register("New_", reads_batch_last=1)


def test_ai_onnx_is_the_default_domain(scratch_registry):
    @ops.register("New_", domain="ai.onnx")
    def handler(ctx, node):
        pass

    assert ops.handler_for("New_") is handler and ops.handler_for("New_", "ai.onnx") is handler


def _ops_with(**prop):
    (name, value), = prop.items()
    return {op for (dom, op), spec in ops._REGISTRY.items() if dom == "" and getattr(spec, name) == value}


def test_declared_properties_are_the_op_specific_rules_the_walk_had():
    ops.supported_ops()
    recurrent = {"LSTM", "GRU", "RNN"}
    assert _ops_with(reads_batch_last=True) == {"Gemm", "Transpose"} | recurrent
    assert _ops_with(supported=False) == {"If", "Loop", "Scan", "SequenceMap"}
    assert _ops_with(reads_captures=True) == {"If", "Loop", "Scan", "SequenceMap"}
    assert _ops_with(reads_shape_only=True) == {"Shape", "Size"}
    assert _ops_with(input_layout="channels") == {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "BatchNormalization",
                                                  "QLinearConv", "ConvInteger"}
    last_axis_norms = {"LayerNormalization", "RMSNormalization", "SimplifiedLayerNormalization"}
    assert _ops_with(input_layout="features_last") == (
        {"MatMul", "Einsum", "QLinearMatMul", "MatMulInteger"} | recurrent | last_axis_norms
    )
    assert _ops_with(input_layout="flat") == {"Flatten", "Reshape"}
    assert _ops_with(input_layout="unit_axes") == {"Squeeze", "Unsqueeze"}
    assert _ops_with(input_layout="perm") == {"Transpose"}


# ---------------------------------------------------------------------------- attr_or_input
def _ctx(initializers=()):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in initializers])
    return Context(helper.make_model(graph))


def test_attr_or_input_reads_the_attribute_or_the_constant_input():
    ctx = _ctx([("axes", np.array([1, -1], np.int64)), ("scalar", np.array(1, np.int64))])
    assert attr_or_input(ctx, helper.make_node("ReduceSum", ["x"], ["y"], axes=[2]), "axes", 1) == [2]
    assert attr_or_input(ctx, helper.make_node("ReduceSum", ["x", "axes"], ["y"]), "axes", 1) == [1, -1]
    assert attr_or_input(ctx, helper.make_node("ReduceSum", ["x", ""], ["y"]), "axes", 1) is None
    with pytest.raises(Unsupported, match="'x' is not a constant"):
        attr_or_input(ctx, helper.make_node("Pad", ["y", "x"], ["z"]), "pads", 1)
    assert attr_or_input(ctx, helper.make_node("Pad", ["y", "x"], ["z"]), "pads", 1, must_be_constant=False) is None
    with pytest.raises(Unsupported, match="1-D"):
        attr_or_input(ctx, helper.make_node("Split", ["x", "scalar"], ["y"]), "split", 1)
