"""Tests of ``netgraph scatter``: in-process through ``netgraph.cli.main``, on graph files and on an ONNX
model built here with onnx.helper."""

import json
import os

import numpy as np
import onnx
import pytest
from onnx import helper

from netgraph import Junction, Layer, LayeredGraph, write_graph
from onnx_builders import init, make_model, vi
from cli_helpers import assert_one_line_error, run


def dey_matrices():
    """Dey's (8, 4, 4) network with fo = (1, 2): S_1f = 0.75, vector [0.75, 1, 1, 1, 0.75, 1]."""
    a1 = np.zeros((4, 8))
    for h, ins in enumerate([(0, 1), (4, 5), (2, 6), (3, 7)]):
        a1[h, list(ins)] = 1
    a2 = np.zeros((4, 4))
    for o, hs in enumerate([(0, 2), (1, 3), (0, 3), (1, 2)]):
        a2[o, list(hs)] = 1
    return a1, a2


@pytest.fixture
def graph_file(tmp_path):
    a1, a2 = dey_matrices()
    g = LayeredGraph([Layer("x", 8, "input"), Layer("h", 4, "dense"), Layer("y", 4, "dense")],
                     [Junction("x", "h", a1, a1, op="Gemm"), Junction("h", "y", a2, a2, op="Gemm")], outputs=["y"])
    path = tmp_path / "dey.npz"
    write_graph(g, path)
    return str(path)


@pytest.fixture
def onnx_file(tmp_path):
    """The same network as an ONNX model: two Gemm nodes whose weights are the 0/1 patterns (times 0.5)."""
    a1, a2 = dey_matrices()
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu1"),
             helper.make_node("Gemm", ["r", "W2"], ["y"], name="fc2", transB=1)]
    model = make_model(nodes, [vi("x", [1, 8])], [vi("y", [1, 4])],
                       [init("W1", (0.5 * a1).astype(np.float32)), init("W2", (0.5 * a2).astype(np.float32))])
    path = tmp_path / "dey.onnx"
    onnx.save(model, path)
    return str(path)


def test_json(capsys, graph_file):
    code, out, err = run(capsys, "scatter", graph_file, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["labels"] == ["S_1f", "S_1b", "S_2f", "S_2b", "S_f", "S_b"]
    assert doc["vector"] == [0.75, 1.0, 1.0, 1.0, 0.75, 1.0]
    assert doc["S"] == 0.75
    assert doc["layers"] == ["x", "h", "y"]
    assert doc["model"] == graph_file
    assert [e["rule"] for e in doc["entries"]] == ["fixed fan"] * 6
    assert [(e["windows"], e["window_size"]) for e in doc["entries"]] == [(2, 4), (1, 4), (2, 2), (2, 2), (4, 2),
                                                                          (2, 2)]


def test_table(capsys, graph_file):
    code, out, err = run(capsys, "scatter", graph_file)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"model: {graph_file}"
    assert lines[1] == "chain: x -> h -> y"
    assert "mean fan rounded to the nearest divisor" in lines[2]
    labels = [line.split()[0] for line in lines[4:10]]
    assert labels == ["S_1f", "S_1b", "S_2f", "S_2b", "S_f", "S_b"]
    assert [line.split()[-1] for line in lines[4:10]] == ["0.7500", "1.0000", "1.0000", "1.0000", "0.7500", "1.0000"]
    assert lines[-1] == "S = 0.7500 (the minimum)"


def test_onnx_model(capsys, onnx_file):
    code, out, err = run(capsys, "scatter", onnx_file, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["vector"] == [0.75, 1.0, 1.0, 1.0, 0.75, 1.0]
    assert doc["S"] == 0.75
    assert len(doc["layers"]) == 3


def test_layers_and_windows(capsys, graph_file):
    code, out, err = run(capsys, "scatter", graph_file, "--json", "--layers", "x,h", "--windows", "S_1f=4")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["labels"] == ["S_1f", "S_1b"]
    assert doc["vector"] == [6 / 16, 1.0]
    assert doc["entries"][0]["rule"] == "given"
    assert doc["options"] == {"layers": ["x", "h"], "windows": {"S_1f": 4}, "shapes": {}, "active": {}}


def test_shapes(capsys, graph_file):
    code, out, err = run(capsys, "scatter", graph_file, "--json", "--shapes", "x=2x4")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["vector"] == [0.5, 1.0, 1.0, 1.0, 0.75, 1.0]  # the 2 x 2 tiles {0, 1, 4, 5}, {2, 3, 6, 7}
    assert doc["entries"][0]["grid"] == [1, 2]
    assert doc["options"]["shapes"] == {"x": [2, 4]}
    code, out, err = run(capsys, "scatter", graph_file, "--shapes", "x=2x4")
    assert code == 0, err
    assert out.splitlines()[4].split()[:5] == ["S_1f", "1", "x", "2", "1x2"]


def test_active(capsys, graph_file):
    code, out, err = run(capsys, "scatter", graph_file, "--json", "--active", "h=2")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["vector"] == [0.5, 1.0, 1.0, 1.0, 0.75, 1.0]
    assert doc["options"]["active"] == {"h": 2}


def test_output_file(capsys, graph_file, tmp_path):
    target = tmp_path / "out" / "scatter.json"
    target.parent.mkdir()
    code, out, _ = run(capsys, "scatter", graph_file, "--json", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["S"] == 0.75
    assert os.listdir(target.parent) == ["scatter.json"]


@pytest.mark.parametrize("argv, fragments", [
    (["--windows", "S_1f=3"], ["windows['S_1f'] must be a divisor of the 8 nodes of layer 'x'", "got 3"]),
    (["--windows", "S_1f"], ["--windows must be LABEL=COUNT items", "got 'S_1f'"]),
    (["--windows", "S_9f=2"], ["windows must be keyed by the labels", "got 'S_9f'"]),
    (["--layers", "x,y"], ["no learnable junction joins 'x' to 'y'"]),
    (["--layers", "x,z"], ["no layer named 'z'"]),
    (["--windows", "S_1f=2,S_1f=4"], ["--windows must name each key once; got 'S_1f' twice"]),
    (["--shapes", "x=2x4,x=8"], ["--shapes must name each key once; got 'x' twice"]),
    (["--active", "h=5"], ["active['h'] must be an integer in [1, 4]; got 5"]),
    (["--active", "h"], ["--active must be LAYER=COUNT items", "got 'h'"]),
    (["--shapes", "x=3x3"], ["shapes['x'] must be positive integers whose product is the 8 nodes of layer 'x'"]),
    (["--shapes", "x=2by4"], ["--shapes must be LAYER=AxB... items", "got 'x=2by4'"]),
    (["--shapes", "x=2x4", "--windows", "S_1f=8,S_f=3"], ["windows['S_f'] must be a number of windows tiling the 2x4 "
                                                         "nodes of layer 'x'", "got 3"]),
])
def test_bad_options_are_one_line_errors_and_leave_no_file(capsys, graph_file, tmp_path, argv, fragments):
    target = tmp_path / "scatter.json"
    code, out, err = run(capsys, "scatter", graph_file, "--json", "-o", str(target), *argv)
    assert_one_line_error(code, err, *fragments)
    assert out == ""
    assert not target.exists()
    assert os.listdir(tmp_path) == ["dey.npz"]


def test_missing_model(capsys, tmp_path):
    code, _, err = run(capsys, "scatter", str(tmp_path / "none.onnx"))
    assert_one_line_error(code, err, "model file not found")


def test_a_convolution_flattened_into_a_dense_layer(capsys, tmp_path):
    """x (2 channels, 4x4) -> Conv (3 channels) -> Flatten -> Gemm (4 units): windows of whole channels.

    conv channel 0 reads input 0, channel 1 input 1, channel 2 both; unit u reads the 16
    positions of channel u % 3. Chain x -> units: u0 <- x0, u1 <- x1, u2 <- x0 and x1,
    u3 <- x0; with 2 windows (one input channel each) the chain's S_f is 5 / 8.
    """
    w = np.zeros((3, 2, 3, 3), dtype=np.float32)
    w[0, 0] = w[1, 1] = w[2] = 1.0
    g = np.zeros((4, 48), dtype=np.float32)
    for u in range(4):
        g[u, (u % 3) * 16:(u % 3 + 1) * 16] = 0.5
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Flatten", ["c"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "G"], ["y"], name="fc", transB=1)]
    model = make_model(nodes, [vi("x", [1, 2, 4, 4])], [vi("y", [1, 4])], [init("W", w), init("G", g)])
    path = tmp_path / "conv.onnx"
    onnx.save(model, path)
    code, out, err = run(capsys, "scatter", str(path), "--json", "--windows", "S_f=2")
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["layers"]) == 3
    assert doc["labels"] == ["S_1f", "S_1b", "S_2f", "S_2b", "S_f", "S_b"]
    assert doc["entries"][4]["value"] == 5 / 8
    assert doc["S"] == 5 / 8
    # S_b: chain fan-outs (3, 2), mean 2.5 -> 2 windows {u0, u1}, {u2, u3}, ideal 1.25:
    # x0 -> (1, 2) paths, x1 -> (1, 1): (0.8 + 1 + 0.8 + 0.8) / 4
    assert doc["vector"] == pytest.approx([1.0, 1.0, 1.0, 1.0, 0.625, 0.85], abs=1e-12)
    assert [e["rule"] for e in doc["entries"]] == ["mean fan", "mean fan", "fixed fan", "mean fan", "given",
                                                   "mean fan"]
    assert (doc["entries"][5]["windows"], doc["entries"][5]["ideal"]) == (2, 1.25)


@pytest.fixture
def cuboid_file(tmp_path):
    """The hand model of tests/test_flatten_neurons.py: a (2, 4, 4) map of 32 neurons into a Gemm of 16 units."""
    from tests.test_flatten_neurons import hand_model

    path = tmp_path / "cuboids.onnx"
    onnx.save(hand_model()[0], path)
    return str(path)


def test_flatten_neurons_gives_cuboids(capsys, cuboid_file):
    code, out, err = run(capsys, "scatter", cuboid_file, "--json", "--flatten", "neurons")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["layers"] == ["flatten", "fc"] and doc["labels"] == ["S_1f", "S_1b"]
    assert [e["grid"] for e in doc["entries"]] == [[1, 2, 2], [2]]
    assert doc["vector"] == [40 / 64, 0.75]  # by hand in tests/test_flatten_neurons.py
    code, out, err = run(capsys, "scatter", cuboid_file, "--json")  # the channel reading: 2 channel nodes
    assert code == 0, err
    assert json.loads(out)["layers"] == ["x", "conv", "fc"]


def test_flatten_neurons_on_the_other_model_readers(capsys, cuboid_file):
    code, out, err = run(capsys, "info", cuboid_file, "--json", "--flatten", "neurons")
    assert code == 0, err
    doc = json.loads(out)
    assert [(layer["name"], layer["size"], layer["kind"]) for layer in doc["layers"]] == [
        ("x", 1, "input"), ("conv", 2, "conv"), ("flatten", 32, "merge"), ("fc", 16, "dense")]
    assert doc["metadata"]["node_shape:flatten"] == "2x4x4"
    counts = {}
    for flatten in ("channels", "neurons"):
        code, out, err = run(capsys, "paths", cuboid_file, "--json", "--from", "conv", "--to", "fc", "--weight",
                             "count", "--flatten", flatten)
        assert code == 0, err
        counts[flatten] = json.loads(out)
    # from the channels to the units: one path (a connection) per nonzero weight of the Gemm, 16 x 4 of them
    assert counts["neurons"]["paths"] == counts["channels"]["paths"] == 64
    code, out, err = run(capsys, "degrees", cuboid_file, "--json", "--flatten", "neurons", "--include-output")
    assert code == 0, err
    degrees = {layer["name"]: layer["degrees"] for layer in json.loads(out)["layers"]}
    assert degrees["flatten"] == [2] * 32 and degrees["fc"] == [4] * 16  # fan-out 2, fan-in 4; skip edges left out


def test_flatten_neurons_with_a_graph_file_is_refused(capsys, graph_file):
    code, _, err = run(capsys, "scatter", graph_file, "--flatten", "neurons")
    assert_one_line_error(code, err, "--flatten neurons applies to ONNX models", "is a graph file")
    code, _, err = run(capsys, "scatter", graph_file, "--flatten", "cuboids")
    assert code == 2 and "invalid choice: 'cuboids'" in err


def test_a_graph_file_exported_with_flatten_neurons_keeps_the_cuboids(capsys, cuboid_file, tmp_path):
    target = tmp_path / "neurons.npz"
    code, _, err = run(capsys, "export", cuboid_file, "--flatten", "neurons", "-o", str(target))
    assert code == 0, err
    code, out, err = run(capsys, "scatter", str(target), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["layers"] == ["flatten", "fc"] and [e["grid"] for e in doc["entries"]] == [[1, 2, 2], [2]]
    assert doc["vector"] == [40 / 64, 0.75]
