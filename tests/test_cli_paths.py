"""``netgraph paths``: the summary, the JSON document, the matrix file and the one-line errors.

Expected counts come from the ONNX weights by dense NumPy products of the patterns
(``W != 0``; Gemm with transB=1 stores W as (out, in), the junction's orientation)."""

import json
import math
import os

import numpy as np
import onnx
import pytest
import scipy.sparse as sp
from onnx import helper

from netgraph import Junction, Layer, LayeredGraph, write_graph
from cli_helpers import assert_one_line_error, run
from onnx_builders import init, make_model, vi

W1 = np.array([[1, 0, 2], [0, 0, -1], [3, 4, 0], [0, 0.5, 0]], dtype=np.float32)
W2 = np.array([[1, 1, 0, 1], [0, 2, 2, 0], [1, 0, 0, 0], [0, 0, 0, 3]], dtype=np.float32)
W3 = np.array([[1, 0, 1, 0], [0, 1, 0, -2]], dtype=np.float32)


@pytest.fixture
def model(tmp_path):
    """x(3) -> fc1(4) -> relu -> fc2(4) -> add(fc2, relu) -> fc3(2): a residual block."""
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "W2"], ["h2"], name="fc2", transB=1),
             helper.make_node("Add", ["h2", "r"], ["s"], name="add"),
             helper.make_node("Gemm", ["s", "W3"], ["y"], name="fc3", transB=1)]
    path = tmp_path / "model.onnx"
    onnx.save(make_model(nodes, [vi("x", [1, 3])], [vi("y", [1, 2])],
                         [init("W1", W1), init("W2", W2), init("W3", W3)]), str(path))
    return str(path)


def expected(include_skip=True):
    """Binary path counts from x to fc3; both routes into the merge layer are skip junctions."""
    a1, a2, a3 = ((w != 0).astype(np.int64) for w in (W1, W2, W3))
    return a3 @ (a2 @ a1 + a1) if include_skip else np.zeros((2, 3), dtype=np.int64)


def test_summary(capsys, model):
    code, out, err = run(capsys, "paths", model, "--from", "x", "--to", "fc3")
    assert code == 0, err
    m = expected()
    lines = out.splitlines()
    assert lines[1] == "paths from 'x' to 'fc3': weight binary, mode exact, skip junctions followed"
    assert lines[2] == f"matrix: 2 x 3 (target x source), {np.count_nonzero(m)} stored entries"
    assert lines[3] == f"paths from 'x' to 'fc3': {m.sum()}"
    fan_in, fan_out = m.sum(axis=1), m.sum(axis=0)
    assert lines[5].split() == ["in", "(fc3)", "2", str(fan_in.min()), str(fan_in.max())]
    assert lines[6].split() == ["out", "(x)", "3", str(fan_out.min()), str(fan_out.max())]


@pytest.mark.parametrize("include_skip", [True, False])
def test_json_document(capsys, model, include_skip):
    flags = [] if include_skip else ["--no-skip"]
    code, out, err = run(capsys, "paths", model, "--from", "x", "--to", "fc3", "--json", *flags)
    assert code == 0, err
    doc = json.loads(out)
    m = expected(include_skip)
    assert doc["options"] == {"from": "x", "to": "fc3", "weight": "binary", "mode": "exact",
                              "include_skip": include_skip}
    assert doc["shape"] == [2, 3] and doc["nnz"] == np.count_nonzero(m)
    assert doc["paths"] == m.sum()
    assert doc["fan_in"] == m.sum(axis=1).tolist() and doc["fan_out"] == m.sum(axis=0).tolist()
    assert "matrix" not in doc
    code, out, err = run(capsys, "paths", model, "--from", "x", "--to", "fc2", "--json", *flags)
    a1, a2 = ((w != 0).astype(np.int64) for w in (W1, W2))
    assert json.loads(out)["fan_in"] == (a2 @ a1).sum(axis=1).tolist()  # no skip junction on the way


def test_weights_and_modes(capsys, model):
    a1, a2, a3 = (np.abs(w).astype(np.float64) for w in (W1, W2, W3))
    m = a3 @ (a2 @ a1 + a1)
    code, out, err = run(capsys, "paths", model, "--from", "x", "--to", "fc3", "--json", "--weight", "abs",
                         "--mode", "float")
    assert code == 0, err
    doc = json.loads(out)
    assert math.isclose(doc["paths"], m.sum()) and np.allclose(doc["fan_in"], m.sum(axis=1))
    code, out, err = run(capsys, "paths", model, "--from", "x", "--to", "fc3", "--json", "--weight", "abs",
                         "--mode", "log")
    doc = json.loads(out)
    assert math.isclose(doc["paths"], math.log(m.sum())) and np.allclose(doc["fan_out"], np.log(m.sum(axis=0)))
    code, out, _ = run(capsys, "paths", model, "--from", "x", "--to", "x", "--json", "--mode", "log")
    assert json.loads(out)["fan_in"] == [0.0, 0.0, 0.0]
    code, out, _ = run(capsys, "paths", model, "--from", "fc3", "--to", "x", "--mode", "log")
    assert code == 0 and "paths from 'fc3' to 'x': -inf" in out


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_matrix_file(capsys, model, tmp_path, suffix):
    target = tmp_path / f"paths{suffix}"
    code, out, err = run(capsys, "paths", model, "--from", "x", "--to", "fc3", "--matrix", str(target),
                         "--weight", "count")
    assert code == 0, err
    m = expected()
    if suffix == ".npz":
        np.testing.assert_array_equal(sp.load_npz(target).toarray(), m)
    else:
        lines = target.read_text().splitlines()
        assert lines[0] == "row,column,value"
        triplets = [tuple(map(int, line.split(","))) for line in lines[1:]]
        assert triplets == [(r, c, m[r, c]) for r in range(2) for c in range(3) if m[r, c]]


def test_graph_file_and_output_file(capsys, tmp_path):
    ones = np.ones((2, 2))
    g = LayeredGraph([Layer(f"l{i}", 2, "input" if i == 0 else "dense") for i in range(65)],
                     [Junction(f"l{i}", f"l{i + 1}", ones, ones, op="Gemm") for i in range(64)])
    path = str(tmp_path / "chain.npz")
    write_graph(g, path)
    code, out, err = run(capsys, "paths", path, "--from", "l0", "--to", "l10", "--json", "-o",
                         str(tmp_path / "out.json"))
    assert code == 0 and out == "", err
    assert json.loads((tmp_path / "out.json").read_text())["fan_in"] == [2**10, 2**10]
    code, out, err = run(capsys, "paths", path, "--from", "l0", "--to", "l64", "--mode", "float", "--json")
    assert code == 0 and json.loads(out)["paths"] == 2.0**65


def test_errors_are_one_line_and_leave_no_file(capsys, model, tmp_path):
    out_file, matrix_file = tmp_path / "out.json", tmp_path / "m.npz"
    files = ["-o", str(out_file), "--matrix", str(matrix_file)]
    code, _, err = run(capsys, "paths", model, "--from", "x", "--to", "y", *files)
    assert_one_line_error(code, err, "no layer named 'y'", "'fc3'")
    code, _, err = run(capsys, "paths", model, "--from", "x", "--to", "fc3", "--weight", "abs", *files)
    assert_one_line_error(code, err, "--mode must be 'float' or 'log' when --weight is 'abs'")
    code, _, err = run(capsys, "paths", model, "--to", "fc3")
    assert code == 2 and "--from" in err
    ones = np.ones((2, 2))
    chain = LayeredGraph([Layer(f"l{i}", 2, "input" if i == 0 else "dense") for i in range(65)],
                         [Junction(f"l{i}", f"l{i + 1}", ones, ones, op="Gemm") for i in range(64)])
    write_graph(chain, str(tmp_path / "chain.npz"))
    code, _, err = run(capsys, "paths", str(tmp_path / "chain.npz"), "--from", "l0", "--to", "l64", *files)
    assert_one_line_error(code, err, "2**63", "mode='float' or mode='log'")
    assert sorted(os.listdir(tmp_path)) == ["chain.npz", "model.onnx"]


def test_whole_network(capsys, model):
    code, out, err = run(capsys, "paths", model, "--json")
    assert code == 0, err
    doc = json.loads(out)
    a1, a2, a3 = (np.abs(w).astype(np.float64) for w in (W1, W2, W3))
    assert doc["sources"] == ["x"] and doc["targets"] == ["fc3"]
    assert doc["input_to_output_paths"] == expected().sum()
    assert doc["path_norm"]["mode"] == "float"
    assert math.isclose(doc["path_norm"]["value"], (a3 @ (a2 @ a1 + a1)).sum(), rel_tol=1e-12)
    edges = sum(np.count_nonzero(w) for w in (W1, W2, W3))
    assert doc["effective"]["edges"] == doc["effective"]["effective_edges"] == edges
    assert doc["effective"]["pairs"] == 12 + 16 + 8
    assert set(doc["effective"]["inactive_nodes"].values()) == {0}
    code, out, err = run(capsys, "paths", model, "--mode", "log", "--json")
    doc = json.loads(out)
    assert math.isclose(doc["input_to_output_paths"], math.log(expected().sum()))
    assert doc["path_norm"]["mode"] == "log"
    code, out, err = run(capsys, "paths", model)
    assert code == 0 and out.splitlines()[1] == (
        f"input-to-output paths from 'x' to 'fc3' (weight binary, mode exact, skip junctions followed): "
        f"{expected().sum()}")


def test_whole_network_finds_dead_nodes(capsys, tmp_path):
    a1 = np.array([[1, 1], [0, 0], [1, 0]])  # hidden node 1 gets no input
    a2 = np.array([[1, 1, 0]])               # hidden node 2 feeds no output
    g = LayeredGraph([Layer("x", 2, "input"), Layer("h", 3, "dense"), Layer("y", 1, "dense")],
                     [Junction("x", "h", a1, a1 * 1.0, op="Gemm"), Junction("h", "y", a2, a2 * 1.0, op="Gemm")],
                     outputs=["y"])
    path = str(tmp_path / "g.npz")
    write_graph(g, path)
    code, out, err = run(capsys, "paths", path, "--json")
    assert code == 0, err
    eff = json.loads(out)["effective"]
    assert eff["inactive_nodes"] == {"x": 0, "h": 2, "y": 0}
    assert (eff["edges"], eff["effective_edges"], eff["pairs"]) == (5, 3, 9)
    assert math.isclose(eff["effective_sparsity"], 1 - 3 / 9)


def test_whole_network_errors(capsys, model, tmp_path):
    code, _, err = run(capsys, "paths", model, "--from", "x")
    assert_one_line_error(code, err, "--from and --to go together", "--from")
    code, _, err = run(capsys, "paths", model, "--matrix", str(tmp_path / "m.npz"))
    assert_one_line_error(code, err, "--matrix needs --from and --to")
    ones = np.ones((2, 2))
    chain = LayeredGraph([Layer(f"l{i}", 2, "input" if i == 0 else "dense") for i in range(65)],
                         [Junction(f"l{i}", f"l{i + 1}", ones, ones, op="Gemm") for i in range(64)])
    write_graph(chain, str(tmp_path / "chain.npz"))
    code, _, err = run(capsys, "paths", str(tmp_path / "chain.npz"), "-o", str(tmp_path / "out.json"))
    assert_one_line_error(code, err, "2**63", "mode='float' or mode='log'")
    code, out, err = run(capsys, "paths", str(tmp_path / "chain.npz"), "--mode", "float", "--json")
    assert code == 0 and json.loads(out)["input_to_output_paths"] == 2.0**65
    assert sorted(os.listdir(tmp_path)) == ["chain.npz", "model.onnx"]
