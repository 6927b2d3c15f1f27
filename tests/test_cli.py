"""Tests of the ``netgraph`` command line: in-process through ``main(argv)``, plus one run of
the installed console script. The ONNX reader is replaced by a stub returning a hand-made
graph, so these tests check the plumbing; the end-to-end tests at the bottom run the real
reader."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import exporters
import netgraph.plots
import netgraph.tpl
import netgraph.utils.files
from netgraph import FitError, InvalidModelError, Junction, Layer, LayeredGraph, UnsupportedOperatorError, read_graph
from netgraph.cli import main
from cli_helpers import assert_one_line_error, run

NETGRAPH_SCRIPT = os.path.join(os.path.dirname(sys.executable), "netgraph")


def hand_graph():
    """x(2, input) -> c(3, conv 4x4) -> f(2, dense) -> y(2, dense, output); one cut.

    count x->c = [[1, 2], [0, 3], [6, 0]]  edges 4, connections 12, density 4/6
    count c->f = [[1, 1, 0], [0, 2, 0]]    edges 3, connections 4,  density 3/6
    count f->y = [[1, 1], [0, 1]]          edges 3, connections 3,  density 3/4
    degrees (both, output left out): x [7, 5], c [4, 6, 6], f [2, 2], y [0, 0]
    with --include-output:           x [7, 5], c [4, 6, 6], f [3, 4], y [2, 1]
    """
    layers = [
        Layer("x", 2, "input", tensor="input"),
        Layer("c", 3, "conv", (4, 4), op="Conv", node="conv1"),
        Layer("f", 2, "dense", op="Gemm", node="fc1"),
        Layer("y", 2, "dense", op="Gemm", node="fc2"),
    ]
    junctions = [
        Junction("x", "c", [[1, 2], [0, 3], [6, 0]], np.ones((3, 2)), op="Conv", node="conv1"),
        Junction("c", "f", [[1, 1, 0], [0, 2, 0]], np.full((2, 3), 0.5), op="Gemm", node="fc1"),
        Junction("f", "y", [[1, 1], [0, 1]], np.full((2, 2), -1.0), op="Gemm", node="fc2"),
    ]
    cuts = [{"op": "CustomOp", "node": "weird0", "layers": ["x"], "reason": "no handler for CustomOp"}]
    return LayeredGraph(layers, junctions, outputs=["y"], cuts=cuts)


@pytest.fixture
def fake_reader(monkeypatch):
    """Replace exporters.read_onnx by a stub; records (path, lenient) of each call, and the budget."""
    calls = []

    def read_onnx(model, *, lenient=False, max_bytes=None):
        calls.append((model, lenient))
        budgets.append(max_bytes)
        return hand_graph()

    budgets = []
    read_onnx.budgets = budgets

    monkeypatch.setattr(exporters, "read_onnx", read_onnx, raising=False)
    return calls


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"not really onnx; the stub reader does not look")
    return str(path)


# ---------------------------------------------------------------------- info
def test_info(capsys, fake_reader, model):
    code, out, err = run(capsys, "info", model)
    assert code == 0 and err == ""
    assert fake_reader == [(model, False)]
    lines = out.splitlines()
    assert lines[0] == f"model: {model}"
    assert lines[1] == "LayeredGraph: 4 layers, 9 nodes, 3 junctions, 10 edges, 19 connections"
    rows = [line.split() for line in lines]
    assert ["c", "conv", "3", "4x4"] in rows
    assert ["x", "c", "Conv", "conv1", "learnable", "4", "12", "0.6667"] in rows
    assert ["c", "f", "Gemm", "fc1", "learnable", "3", "4", "0.5000"] in rows
    assert ["f", "y", "Gemm", "fc2", "learnable", "3", "3", "0.7500"] in rows
    assert "cut operators (lenient read): 1" in lines
    assert "  CustomOp node 'weird0': new input layers x (no handler for CustomOp)" in lines


def test_info_passes_lenient(capsys, fake_reader, model):
    assert run(capsys, "info", model, "--lenient")[0] == 0
    assert fake_reader == [(model, True)]


def test_info_without_cuts(capsys, tmp_path):
    g = LayeredGraph([Layer("x", 1, "input"), Layer("y", 1, "dense")],
                     [Junction("x", "y", [[1]], [[1.0]], op="Gemm")])
    g.save(tmp_path / "g.npz")
    code, out, _ = run(capsys, "info", str(tmp_path / "g.npz"))
    assert code == 0 and out.splitlines()[-1] == "cuts: none"


# ---------------------------------------------------------------------- degrees
def test_degrees_json(capsys, fake_reader, model):
    code, out, err = run(capsys, "degrees", model, "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["model"] == model
    assert [(d["name"], d["kind"], d["size"], d["degrees"]) for d in doc["layers"]] == [
        ("x", "input", 2, [7, 5]),
        ("c", "conv", 3, [4, 6, 6]),
        ("f", "dense", 2, [2, 2]),
        ("y", "dense", 2, [0, 0]),
    ]
    assert [d["output"] for d in doc["layers"]] == [False, False, False, True]
    assert [(j["source"], j["target"], j["op"], j["node"], j["edges"], j["connections"]) for j in doc["junctions"]] == [
        ("x", "c", "Conv", "conv1", 4, 12),
        ("c", "f", "Gemm", "fc1", 3, 4),
        ("f", "y", "Gemm", "fc2", 3, 3),
    ]
    assert [j["density"] for j in doc["junctions"]] == pytest.approx([4 / 6, 3 / 6, 3 / 4])
    assert doc["cuts"] == [{"op": "CustomOp", "node": "weird0", "layers": ["x"], "reason": "no handler for CustomOp"}]
    assert doc["options"] == {"direction": "both", "include_output": False, "include_skip": False,
                              "include_recurrent": True}


def test_degrees_json_include_output(capsys, fake_reader, model):
    code, out, _ = run(capsys, "degrees", model, "--json", "--include-output")
    assert code == 0
    assert [d["degrees"] for d in json.loads(out)["layers"]] == [[7, 5], [4, 6, 6], [3, 4], [2, 1]]


def test_degrees_json_direction_in(capsys, fake_reader, model):
    code, out, _ = run(capsys, "degrees", model, "--json", "--direction", "in")
    assert code == 0
    # row sums: c [3, 3, 6], f [2, 2]; the junction into y is left out
    assert [d["degrees"] for d in json.loads(out)["layers"]] == [[0, 0], [3, 3, 6], [2, 2], [0, 0]]


def test_degrees_table(capsys, fake_reader, model):
    code, out, _ = run(capsys, "degrees", model)
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert ["layer", "kind", "size", "min", "mean", "max"] in rows
    assert ["x", "input", "2", "5", "6.0", "7"] in rows
    assert ["c", "conv", "3", "4", "5.3", "6"] in rows  # mean of 4, 6, 6
    assert ["f", "dense", "2", "2", "2.0", "2"] in rows
    assert ["y", "(output)", "dense", "2", "0", "0.0", "0"] in rows


def test_degrees_output_file(capsys, fake_reader, model, tmp_path):
    target = tmp_path / "out" / "degrees.json"
    target.parent.mkdir()
    code, out, _ = run(capsys, "degrees", model, "--json", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["layers"][0]["degrees"] == [7, 5]
    assert os.listdir(target.parent) == ["degrees.json"]


def test_degrees_output_file_kept_when_reading_fails(capsys, monkeypatch, model, tmp_path):
    def broken(path, *, lenient=False, max_bytes=None):
        raise UnsupportedOperatorError("operator 'Foo' (node 'foo0') has no handler; use --lenient")

    monkeypatch.setattr(exporters, "read_onnx", broken, raising=False)
    target = tmp_path / "degrees.json"
    target.write_text("previous")
    code, _, err = run(capsys, "degrees", model, "--json", "-o", str(target))
    assert_one_line_error(code, err, "operator 'Foo'", "--lenient")
    assert target.read_text() == "previous"
    assert sorted(os.listdir(tmp_path)) == ["degrees.json", "model.onnx"]


def test_degrees_output_not_half_written(capsys, fake_reader, model, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(netgraph.utils.files.os, "fsync", fail)
    target = tmp_path / "degrees.json"
    code, _, err = run(capsys, "degrees", model, "--json", "-o", str(target))
    assert_one_line_error(code, err, "No space left on device")
    assert not target.exists()
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_degrees_of_a_graph_file(capsys, tmp_path):
    # a graph file is read without the ONNX reader
    hand_graph().save(tmp_path / "g.graphml")
    code, out, _ = run(capsys, "degrees", str(tmp_path / "g.graphml"), "--json")
    assert code == 0
    assert [d["degrees"] for d in json.loads(out)["layers"]] == [[7, 5], [4, 6, 6], [2, 2], [0, 0]]


# ---------------------------------------------------------------------- memory budget
def test_max_bytes_reaches_the_onnx_reader(capsys, fake_reader, model):
    assert run(capsys, "info", model)[0] == 0
    assert run(capsys, "degrees", model, "--max-bytes", "1.5K")[0] == 0
    assert exporters.read_onnx.budgets == [4 * 2**30, 1536]


def test_max_bytes_bounds_a_graph_file(capsys, tmp_path):
    path = tmp_path / "g.npz"
    hand_graph().save(path)
    assert run(capsys, "degrees", str(path), "--max-bytes", "1M")[0] == 0
    code, _, err = run(capsys, "degrees", str(path), "--max-bytes", "100")
    assert_one_line_error(code, err, "memory budget max_bytes=100")


@pytest.mark.parametrize("size", ["0", "-1", "abc", "4Q", "1e30"])
def test_max_bytes_must_be_a_positive_size(capsys, model, size):
    code, _, err = run(capsys, "info", model, "--max-bytes", size)
    assert code == 2
    assert err.strip().splitlines()[-1] == (f"netgraph: error: argument --max-bytes: --max-bytes must be a positive "
                                            f"size such as 4G or 500M; got {size!r}")


# ---------------------------------------------------------------------- export
@pytest.mark.parametrize("suffix", [".graphml", ".pickle", ".pkl", ".npz"])
def test_export(capsys, fake_reader, model, tmp_path, suffix):
    out_path = tmp_path / f"graph{suffix}"
    code, out, err = run(capsys, "export", model, "-o", str(out_path))
    assert code == 0 and err == ""
    assert out.startswith(f"wrote {out_path}")
    g, h = hand_graph(), read_graph(out_path, allow_pickle=True)  # a pickle written here: trusted
    assert h.layers == g.layers and h.outputs == g.outputs and h.cuts == g.cuts
    for ja, jb in zip(g.junctions, h.junctions):
        assert np.array_equal(ja.count.toarray(), jb.count.toarray())
        assert np.array_equal(ja.weight.toarray(), jb.weight.toarray())


def test_export_format_override(capsys, fake_reader, model, tmp_path):
    code, _, _ = run(capsys, "export", model, "-o", str(tmp_path / "g.dat"), "--format", "npz")
    assert code == 0
    assert read_graph(tmp_path / "g.dat", format="npz").layer_names == ["x", "c", "f", "y"]


def test_export_bad_suffix_fails_before_reading(capsys, fake_reader, model, tmp_path):
    code, _, err = run(capsys, "export", model, "-o", str(tmp_path / "graph.gexf"))
    assert_one_line_error(code, err, "'.gexf'", ".graphml", ".npz")
    assert fake_reader == []
    assert not (tmp_path / "graph.gexf").exists()


def test_export_into_missing_directory(capsys, fake_reader, model, tmp_path):
    code, _, err = run(capsys, "export", model, "-o", str(tmp_path / "nope" / "g.npz"))
    assert_one_line_error(code, err, "directory does not exist", "nope")
    assert fake_reader == []


def test_export_not_half_written(capsys, fake_reader, model, tmp_path, monkeypatch):
    import netgraph.io

    def fail(f, **arrays):
        f.write(b"PK partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(netgraph.io.np, "savez", fail)
    code, _, err = run(capsys, "export", model, "-o", str(tmp_path / "g.npz"))
    assert_one_line_error(code, err, "No space left on device")
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_export_requires_output(capsys, fake_reader, model):
    code, _, err = run(capsys, "export", model)
    assert code == 2 and "-o/--output" in err


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("command", [["info"], ["degrees", "--json"], ["export", "-o", "g.npz"]])
def test_missing_model(capsys, fake_reader, tmp_path, command):
    missing = str(tmp_path / "missing.onnx")
    argv = [command[0], missing, *command[1:]]
    if command[0] == "export":
        argv[-1] = str(tmp_path / "g.npz")
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, err, "not found", missing)
    assert out == "" and fake_reader == []


def test_directory_as_model(capsys, fake_reader, tmp_path):
    code, _, err = run(capsys, "info", str(tmp_path))
    assert_one_line_error(code, err, "is a directory")


def test_reader_errors_are_one_line(capsys, monkeypatch, model):
    def broken(path, *, lenient=False, max_bytes=None):
        raise InvalidModelError(f"{path!r} is not an ONNX model:\n  protobuf parse error")

    monkeypatch.setattr(exporters, "read_onnx", broken, raising=False)
    code, out, err = run(capsys, "info", model)
    assert_one_line_error(code, err, "is not an ONNX model: protobuf parse error")
    assert out == ""


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["degrees"], ["degrees", "m.onnx", "--direction", "up"], ["demo", "--seed", "x"]],
)
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.splitlines()[-1].startswith("netgraph: error: ")


def test_help_and_version_exit_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "degrees" in out and "export" in out and "demo" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("netgraph ")


def _subcommand_names():
    """The NAME of every non-underscore module in netgraph/cli/, found from the files (not the registry)."""
    import importlib
    from pathlib import Path

    import netgraph.cli

    folder = Path(netgraph.cli.__file__).parent
    stems = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    stems += sorted(p.name for p in folder.iterdir() if (p / "__init__.py").exists() and not p.name.startswith("_"))
    return [importlib.import_module(f"netgraph.cli.{stem}").NAME for stem in stems]


def test_help_lists_every_subcommand_without_heavy_imports():
    code = ("import json, sys\nfrom netgraph.cli import main\n"
            "codes = [main(['--help']), main(['train', '--help'])]\n"
            "heavy = ('torch', 'matplotlib', 'onnxruntime', 'onnx', 'sklearn', 'exporters', 'trainers')\n"
            "print(json.dumps({'codes': codes, 'loaded': [m for m in heavy if m in sys.modules]}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    *help_lines, last = proc.stdout.strip().splitlines()
    assert json.loads(last) == {"codes": [0, 0], "loaded": []}
    listed = {line.split()[0] for line in help_lines if line.startswith("    ") and line.split()}
    names = _subcommand_names()
    assert {"info", "degrees", "export", "fit", "train", "demo"} <= set(names)
    assert set(names) <= listed
    assert "prune" in listed  # netgraph train --help lists the trainers


def test_verbose_and_quiet(capsys, tmp_path):
    hand_graph().save(tmp_path / "g.npz")
    code, _, err = run(capsys, "-v", "info", str(tmp_path / "g.npz"))
    assert code == 0 and "netgraph: reading npz graph from" in err
    code, _, err = run(capsys, "info", str(tmp_path / "g.npz"), "-v")
    assert code == 0 and "reading npz graph" in err
    code, _, err = run(capsys, "-q", "info", str(tmp_path / "g.npz"))
    assert code == 0 and err == ""
    # main leaves no handler behind on the package logger
    import logging

    assert logging.getLogger("netgraph").handlers == []


def test_demo_bad_sparsity(capsys, tmp_path):
    code, _, err = run(capsys, "demo", "-o", str(tmp_path / "d"), "--sparsity", "1.5")
    assert_one_line_error(code, err, "--sparsity", "1.5")
    assert not (tmp_path / "d").exists()


def test_demo_output_is_a_file(capsys, tmp_path, fake_reader):
    (tmp_path / "d").write_text("")
    code, _, err = run(capsys, "demo", "-o", str(tmp_path / "d"))
    assert_one_line_error(code, err, "not a directory")


def test_console_script_missing_file(tmp_path):
    assert os.path.exists(NETGRAPH_SCRIPT), "install the package: make install"
    missing = str(tmp_path / "missing.onnx")
    proc = subprocess.run([NETGRAPH_SCRIPT, "degrees", missing, "--json"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [f"netgraph: error: model file not found: {missing!r}"]


# ---------------------------------------------------------------------- end to end with the real reader

def _gemm_model(path):
    """x(3) -> Gemm(W1, transB=1) -> h(4) -> Relu -> Gemm(W2, transB=1) -> y(2), with pruned weights."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w1 = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, -1.0], [3.0, 4.0, 0.0], [0.0, 0.5, 0.0]], dtype=np.float32)
    w2 = np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 2.0, 2.0, 0.0]], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1", transB=1),
            helper.make_node("Relu", ["h"], ["hr"], name="relu"),
            helper.make_node("Gemm", ["hr", "W2", "b2"], ["y"], name="fc2", transB=1),
        ],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        initializer=[
            numpy_helper.from_array(w1, "W1"),
            numpy_helper.from_array(np.zeros(4, np.float32), "b1"),
            numpy_helper.from_array(w2, "W2"),
            numpy_helper.from_array(np.zeros(2, np.float32), "b2"),
        ],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return w1, w2


def test_end_to_end_degrees_of_an_onnx_model(capsys, tmp_path):
    path = str(tmp_path / "mlp.onnx")
    w1, w2 = _gemm_model(path)
    code, out, err = run(capsys, "degrees", path, "--json")
    assert code == 0, err
    doc = json.loads(out)
    sizes = [d["size"] for d in doc["layers"]]
    assert sizes == [3, 4, 2]
    # input: nonzeros per column of W1; hidden: nonzeros per row of W1 (fc2 goes into the output)
    assert doc["layers"][0]["degrees"] == (w1 != 0).sum(axis=0).tolist() == [2, 2, 2]
    assert doc["layers"][1]["degrees"] == (w1 != 0).sum(axis=1).tolist() == [2, 1, 2, 1]
    assert doc["layers"][2]["degrees"] == [0, 0]
    assert [j["edges"] for j in doc["junctions"]] == [6, 5]
    code, out, _ = run(capsys, "degrees", path, "--json", "--include-output")
    doc = json.loads(out)
    assert doc["layers"][1]["degrees"] == ((w1 != 0).sum(axis=1) + (w2 != 0).sum(axis=0)).tolist()
    assert doc["layers"][2]["degrees"] == (w2 != 0).sum(axis=1).tolist() == [3, 2]


def test_end_to_end_export_and_info(capsys, tmp_path):
    path = str(tmp_path / "mlp.onnx")
    _gemm_model(path)
    code, _, err = run(capsys, "export", path, "-o", str(tmp_path / "g.npz"))
    assert code == 0, err
    g = read_graph(tmp_path / "g.npz")
    assert [layer.size for layer in g.layers] == [3, 4, 2]
    code, out, _ = run(capsys, "info", path)
    assert code == 0 and "3 layers, 9 nodes, 2 junctions, 11 edges, 11 connections" in out


def test_end_to_end_corrupt_model(capsys, tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"\x08\x07garbage that is not a protobuf ModelProto\xff\xff")
    code, _, err = run(capsys, "info", str(path))
    assert_one_line_error(code, err)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """``netgraph demo --epochs 1`` run once for the module: (exit code, stdout, stderr, folder)."""
    pytest.importorskip("torch")
    import contextlib
    import io as _io

    out_dir = tmp_path_factory.mktemp("demo") / "out"
    out, err = _io.StringIO(), _io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "-o", str(out_dir), "--epochs", "1"])
    return code, out.getvalue(), err.getvalue(), out_dir


DEMO_FILES = ["degrees.json", "dense.onnx", "graph.npz", "sparse.onnx", "summary.json", "train.json"]


def test_demo(demo_run):
    import onnx
    from onnx import numpy_helper

    code, out, err, out_dir = demo_run
    assert code == 0, err
    # the first line describes the run from the settings it ran with (the training record)
    from netgraph.cli.demo import DEMO_DATASET, DEMO_MODEL, describe_run

    training = json.loads((out_dir / "train.json").read_text())
    assert (training["model"], training["dataset"]["name"]) == (DEMO_MODEL, DEMO_DATASET)
    assert out.splitlines()[0] == describe_run(training)
    assert "MLP trained on digits (1 epochs), 90% of each hidden layer's weights pruned, retrained (1 epochs)" \
        in out.splitlines()[0]
    files = sorted(os.listdir(out_dir))
    assert [f for f in files if f != "ccdf.png"] == DEMO_FILES
    assert out.splitlines()[-1].startswith(f"demo output in {out_dir}: dense.onnx, sparse.onnx, train.json")

    # the sparse MLP: 90% of each hidden layer's weights are exact zeros, the output layer is dense
    proto = onnx.load(str(out_dir / "sparse.onnx"))
    weights = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    fc1, fc2, fc3 = weights["fc1.weight"], weights["fc2.weight"], weights["fc3.weight"]
    assert fc1.shape == (1024, 64) and fc2.shape == (1024, 1024) and fc3.shape == (10, 1024)
    for w in (fc1, fc2):
        assert (w == 0).sum() == round(0.9 * w.size)
    assert (fc3 == 0).sum() == 0
    props = {p.key: p.value for p in proto.metadata_props}
    assert props["netgraph.model"] == "mlp" and props["netgraph.dataset"] == "digits" and props["netgraph.seed"] == "0"

    # the degrees are the nonzero counts of the weights
    doc = json.loads((out_dir / "degrees.json").read_text())
    degrees = [layer["degrees"] for layer in doc["layers"]]
    assert degrees[0] == (fc1 != 0).sum(axis=0).tolist()                                # input: upper only
    assert degrees[1] == ((fc1 != 0).sum(axis=1) + (fc2 != 0).sum(axis=0)).tolist()    # fc1: lower + upper
    assert degrees[2] == (fc2 != 0).sum(axis=1).tolist()                                # fc2: output left out
    assert degrees[3] == [0] * 10
    assert [j.connections for j in read_graph(out_dir / "graph.npz").junctions] == [
        int((fc1 != 0).sum()), int((fc2 != 0).sum()), fc3.size]

    # the per-layer table, in JSON and on standard output
    summary = json.loads((out_dir / "summary.json").read_text())
    rows = summary["layers"]
    assert [r["nodes"] for r in rows] == [64, 1024, 1024, 10]
    assert [r["output"] for r in rows] == [False, False, False, True]
    for row, d in zip(rows[:3], degrees[:3]):
        assert row["isolated"] == sum(1 for x in d if x == 0)
        assert (row["degree_min"], row["degree_max"]) == (min(d), max(d))
    assert rows[0]["density"] is None
    assert rows[1]["density"] == pytest.approx(0.1, abs=1e-4) and rows[3]["density"] == 1.0
    acc = summary["training"]["accuracy_percent"]
    assert set(acc) == {"dense", "pruned", "sparse"}
    assert f"test accuracy: dense {acc['dense']['test']:.2f}%, sparse {acc['sparse']['test']:.2f}%" in out
    header = next(line for line in out.splitlines() if line.startswith("layer"))
    assert header.split() == ["layer", "nodes", "isolated", "density", "degrees", "alpha", "xmin", "xmax", "KS"]
    table = {line.split()[0]: line.split() for line in out.splitlines()[out.splitlines().index(header) + 1:]
             if line.split() and line.split()[0] in {r["name"] for r in rows}}
    assert table["input"][1:5] == ["64", str(rows[0]["isolated"]), "-",
                                   f"{rows[0]['degree_min']}..{rows[0]['degree_max']}"]

    # figure and fits
    assert (out_dir / "ccdf.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any(r["tpl"] is not None for r in rows[:3])


def _no_fit(degrees):
    raise FitError("not fitted in this test")


def test_demo_same_seed_same_model(capsys, demo_run, tmp_path, monkeypatch):
    monkeypatch.setattr(netgraph.tpl, "fit_tpl", _no_fit)  # the fits and the figure are not what this checks
    monkeypatch.setattr(netgraph.plots, "plot_layers", lambda *args, **kwargs: None)
    code, _, err = run(capsys, "demo", "-o", str(tmp_path / "again"), "--epochs", "1")
    assert code == 0, err
    first = json.loads((demo_run[3] / "train.json").read_text())["files"]
    again = json.loads((tmp_path / "again" / "train.json").read_text())["files"]
    assert again == first  # same SHA-256 of dense.onnx and sparse.onnx
    assert (tmp_path / "again" / "sparse.onnx").read_bytes() == (demo_run[3] / "sparse.onnx").read_bytes()


class _FakeFit:
    def __init__(self, d):
        d = np.asarray(d)
        self.alpha_, self.xmin_, self.xmax_, self.ks_ = 1.75, int(d[d > 0].min()), int(d.max()), 0.0421
        self.n_tail_, self.n_isolated_ = int((d > 0).sum()), int((d == 0).sum())


def test_demo_table_with_fits_and_figure(capsys, tmp_path, monkeypatch):
    class FakeFitError(FitError):
        pass

    def fit_tpl(degrees):
        if len(degrees) == 64:
            raise FakeFitError("too few distinct degrees (3) to fit")
        return _FakeFit(degrees)

    drawn = {}

    def plot_layers(degrees_by_layer, fits=None, *, path=None, notes=None, **kwargs):
        drawn.update(layers=list(degrees_by_layer), fits=sorted(fits), notes=notes)
        with open(path, "wb") as f:
            f.write(b"\x89PNG fake")
        return None

    monkeypatch.setattr(netgraph.tpl, "fit_tpl", fit_tpl)
    monkeypatch.setattr(netgraph.plots, "plot_layers", plot_layers)
    code, out, err = run(capsys, "demo", "-o", str(tmp_path / "d"), "--epochs", "1", "--sparsity", "0.5")
    assert code == 0, err
    assert "ccdf.png" in os.listdir(tmp_path / "d")
    assert drawn["layers"] == ["input", "/fc1/Gemm", "/fc2/Gemm"]  # the output layer is not drawn
    assert drawn["fits"] == ["/fc1/Gemm", "/fc2/Gemm"]
    assert drawn["notes"] == {"input": "too few distinct degrees (3) to fit"}
    lines = out.splitlines()
    fc1 = next(line.split() for line in lines if line.startswith("/fc1/Gemm"))
    assert fc1[5:] == ["1.750", fc1[4].split("..")[0], fc1[4].split("..")[1], "0.0421"]
    assert next(line.split() for line in lines if line.startswith("input"))[5:] == ["-", "-", "-", "-"]
    assert "  input: too few distinct degrees (3) to fit" in lines
    rows = json.loads((tmp_path / "d" / "summary.json").read_text())["layers"]
    assert rows[1]["tpl"] == {"alpha": 1.75, "xmin": rows[1]["degree_min"], "xmax": rows[1]["degree_max"],
                              "ks": 0.0421, "n_tail": 1024, "n_isolated": 0}
    assert rows[0]["tpl"] is None and rows[0]["tpl_note"] == "too few distinct degrees (3) to fit"


def test_demo_bad_epochs(capsys, tmp_path):
    code, _, err = run(capsys, "demo", "-o", str(tmp_path / "d"), "--epochs", "0")
    assert_one_line_error(code, err, "--epochs must be an integer >= 1")
    assert not (tmp_path / "d").exists()


def test_end_to_end_lenient_cut(capsys, tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
            helper.make_node("Weird", ["h"], ["hw"], name="weird0", domain="com.example"),
            helper.make_node("Gemm", ["hw", "W2"], ["y"], name="fc2", transB=1),
        ],
        "cut",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        initializer=[numpy_helper.from_array(np.ones((4, 3), np.float32), "W1"),
                     numpy_helper.from_array(np.ones((2, 4), np.float32), "W2")],
        value_info=[helper.make_tensor_value_info("hw", TensorProto.FLOAT, [1, 4])],
    )
    path = str(tmp_path / "cut.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                      helper.make_opsetid("com.example", 1)]), path)
    code, out, err = run(capsys, "info", path)
    assert_one_line_error(code, err, "Weird", "weird0")
    assert out == ""
    code, out, err = run(capsys, "info", path, "--lenient")
    assert code == 0, err
    assert "cut operators (lenient read): 1" in out.splitlines()
    assert any(line.startswith("  Weird node 'weird0':") for line in out.splitlines())
    code, out, _ = run(capsys, "degrees", path, "--lenient", "--json")
    doc = json.loads(out)
    assert [c["node"] for c in doc["cuts"]] == ["weird0"]
    # x -> fc1 is dense 4x3: each input node has 4 upper connections
    assert doc["layers"][0]["degrees"] == [4, 4, 4]
