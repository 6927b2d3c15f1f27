"""--input-shape and --input-value on the subcommands that read a model; coverage in netgraph info (issue 11)."""

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from netgraph.io import read_graph
from cli_helpers import assert_one_line_error, run
from onnx_builders import init, make_model, vi

RNG = np.random.default_rng(3)


def _weights(shape):
    w = RNG.standard_normal(shape).astype(np.float32)
    w[RNG.random(shape) < 0.5] = 0.0
    w.reshape(-1)[0] = 1.0
    return w


@pytest.fixture
def conv_model(tmp_path):
    """Conv 3x3 from 2 to 3 channels on an input of symbolic batch, height and width."""
    w = _weights((3, 2, 3, 3))
    conv = helper.make_node("Conv", ["img", "W"], ["y"], name="conv")
    path = tmp_path / "dyn.onnx"
    onnx.save(make_model([conv], [vi("img", ["N", 2, "H", "W"])], [vi("y", None)], [init("W", w)]), path)
    return str(path), w


@pytest.fixture
def rate_model(tmp_path):
    """An If on a sample-rate input choosing between a 3-unit and a 2-unit Gemm."""
    def branch(name, w):
        gemm = helper.make_node("Gemm", ["x", f"W{name}"], [f"y{name}"], name=f"fc{name}", transB=1)
        return helper.make_graph([gemm], f"b{name}", [], [vi(f"y{name}", None)], [init(f"W{name}", w)])

    nodes = [helper.make_node("Equal", ["sr", "k"], ["c"], name="eq"),
             helper.make_node("If", ["c"], ["y"], name="by_rate", then_branch=branch("16", _weights((3, 4))),
                              else_branch=branch("8", _weights((2, 4))))]
    model = make_model(nodes, [vi("x", ["N", 4]), vi("sr", [], TensorProto.INT64)], [vi("y", None)],
                       [init("k", np.array(16000, np.int64))])
    path = tmp_path / "rate.onnx"
    onnx.save(model, path)
    return str(path)


def test_info_without_the_size_names_the_input_and_the_flag(capsys, conv_model):
    code, _, err = run(capsys, "info", conv_model[0])
    assert_one_line_error(code, err, "'img'", "('N', 2, 'H', 'W')", "--input-shape img=1,2,224,224")


def test_info_with_input_shape_counts_the_given_size(capsys, conv_model):
    path, w = conv_model
    code, out, err = run(capsys, "info", path, "--input-shape", "img=1,2,6,7")
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    connections = int((w != 0).sum()) * 4 * 5  # (6 - 2) x (7 - 2) output positions
    assert ["img", "conv", "Conv", "conv", "learnable", str(int((w != 0).any(axis=(2, 3)).sum())),
            str(connections)] == next(r for r in rows if r[:2] == ["img", "conv"])[:7]
    code, out, err = run(capsys, "info", path, "--input-shape", "img=1,2,6,7", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["metadata"]["input_shape:img"] == "1,2,6,7"
    assert doc["coverage"] == {"learnable": 1, "junctions": 1, "fraction": 1.0, "missed": []}


def test_degrees_takes_the_flags_too(capsys, conv_model):
    path, w = conv_model
    code, out, err = run(capsys, "degrees", path, "--input-shape", "img=1,2,5,5", "--json")
    assert code == 0, err
    assert "conv" in out


def test_info_text_shows_what_was_fixed_and_the_coverage(capsys, rate_model):
    code, out, err = run(capsys, "info", rate_model, "--input-value", "sr=8000")
    assert code == 0, err
    lines = out.splitlines()
    assert "  input_value:sr: 8000" in lines
    assert "  if:by_rate: else_branch" in lines
    assert "  batch_default: x: batch size unknown, taken as 1" in lines
    assert "coverage: 1 of 1 learnable operators are junctions (100%)" in lines
    assert lines[-1] == "cuts: none"


def test_an_undecided_if_names_the_input_and_the_flag(capsys, rate_model):
    code, _, err = run(capsys, "info", rate_model)
    assert_one_line_error(code, err, "If node 'by_rate'", "graph input 'sr'", "--input-value sr=VALUE")


@pytest.mark.parametrize("argv, fragments", [
    (["--input-shape", "img"], ["--input-shape takes NAME=D1,D2,..."]),
    (["--input-shape", "img=1,x,4,4"], ["every size must be an integer >= 1"]),
    (["--input-shape", "img=1,2,0,4"], ["every size must be an integer >= 1"]),
    (["--input-value", "sr=fast"], ["'fast' is not a number"]),
    (["--input-shape", "other=1,2"], ["has no graph input 'other'"]),
    (["--input-shape", "img=1,2,4"], ["has 3 dims", "declares input 'img' with 4"]),
    (["--input-shape", "img=1,2,4,4", "--input-shape", "img=1,2,5,5"], ["img=... is given twice"]),
])
def test_bad_flags_are_errors_naming_the_value(capsys, conv_model, argv, fragments):
    code, _, err = run(capsys, "info", conv_model[0], *argv)
    last = err.strip().splitlines()[-1]  # a usage error shows the usage first, as argparse does
    assert code == 2 and last.startswith("netgraph: error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in last, last


def test_a_graph_file_refuses_the_flags(capsys, tmp_path):
    from netgraph import Junction, Layer, LayeredGraph

    g = LayeredGraph([Layer("x", 1, "input"), Layer("y", 1, "dense")], [Junction("x", "y", [[1]], [[1.0]], op="Gemm")])
    g.save(tmp_path / "g.npz")
    code, _, err = run(capsys, "info", str(tmp_path / "g.npz"), "--input-shape", "x=1,1")
    assert_one_line_error(code, err, "--input-shape applies to ONNX models", "graph file")
    code, out, _ = run(capsys, "info", str(tmp_path / "g.npz"))
    assert code == 0 and "coverage: not recorded" in out


def test_batch_axis_reads_a_sequence_first_input(capsys, tmp_path):
    # x is (T, 1, E) = (5, 1, 4): with --batch-axis x=1 each of the 5 tokens passes through
    # the MatMul, so every nonzero weight is 5 connections; a bad axis is one line, exit 2
    w = _weights((4, 3))
    mm = helper.make_node("MatMul", ["x", "W"], ["y"], name="fc")
    path = tmp_path / "seqfirst.onnx"
    onnx.save(make_model([mm], [vi("x", [5, 1, 4])], [vi("y", None)], [init("W", w)]), path)
    code, out, err = run(capsys, "info", str(path), "--batch-axis", "x=1", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["metadata"]["batch_axis:x"] == "1"
    assert [layer["spatial_shape"] for layer in doc["layers"]] == [[5], [5]]
    code, _, err = run(capsys, "export", str(path), "--batch-axis", "x=1", "-o", str(tmp_path / "g.npz"))
    assert code == 0, err
    (junction,) = read_graph(tmp_path / "g.npz").junctions
    np.testing.assert_array_equal(junction.count.toarray(), (w.T != 0) * 5)
    code, _, err = run(capsys, "info", str(path), "--batch-axis", "x=3")
    assert_one_line_error(code, err, "x")
    code, _, err = run(capsys, "info", str(path), "--batch-axis", "x=one")
    last = err.strip().splitlines()[-1]  # a usage error shows the usage first, as argparse does
    assert code == 2 and "--batch-axis x=one: AXIS must be one integer, as in x=1" in last
