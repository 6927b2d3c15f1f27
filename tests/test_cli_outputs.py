"""Output targets of the command line that are not regular files (issue 9): ``-o`` on /dev/null,
a FIFO, a symbolic link or a socket, and ``fit --plot DIR`` that leaves no DIR behind when it fails.

Through ``netgraph.cli.main`` on a tiny ONNX model built here; the FIFO is read by a thread, as a
consumer of ``-o fifo`` would read it."""

import json
import os
import socket
import stat

import numpy as np
import onnx
import pytest
from onnx import helper

import netgraph.plots
from netgraph import read_graph
from cli_helpers import assert_one_line_error, run
from onnx_builders import init, make_model, vi
from test_cli_fit import mlp  # noqa: F401 (a fixture: the MLP of the fit tests)
from test_utils import FifoReader


@pytest.fixture
def model(tmp_path):
    """x(3) -> Gemm -> h(4) -> Relu -> Gemm -> y(2), some weights pruned."""
    w1 = np.array([[1, 0, 2], [0, 0, -1], [3, 4, 0], [0, 0.5, 0]], dtype=np.float32)
    w2 = np.array([[1, 1, 0, 1], [0, 2, 2, 0]], dtype=np.float32)
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "W2"], ["y"], name="fc2", transB=1)]
    path = tmp_path / "model.onnx"
    onnx.save(make_model(nodes, [vi("x", [1, 3])], [vi("y", [1, 2])], [init("W1", w1), init("W2", w2)]), str(path))
    return str(path)


def test_output_to_dev_null_keeps_the_device(capsys, model, tmp_path):
    before = os.stat(os.devnull)
    code, out, err = run(capsys, "degrees", model, "--json", "-o", os.devnull)
    assert code == 0, err
    after = os.lstat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert out == "" and os.listdir(tmp_path) == ["model.onnx"]


def test_output_to_a_fifo_is_written_through(capsys, model, tmp_path):
    code, expected, _ = run(capsys, "degrees", model, "--json")
    assert code == 0
    reader = FifoReader(tmp_path / "pipe")
    code, out, err = run(capsys, "degrees", model, "--json", "-o", str(tmp_path / "pipe"))
    assert code == 0, err
    assert reader.join().decode() == expected
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)
    assert sorted(os.listdir(tmp_path)) == ["model.onnx", "pipe"]


def test_output_to_a_symlink_writes_its_target(capsys, model, tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "graph.npz"
    link = tmp_path / "latest.npz"
    link.symlink_to(target)  # dangling until the first export
    code, out, err = run(capsys, "export", model, "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert [layer.name for layer in read_graph(str(target)).layers] == ["x", "fc1", "fc2"]
    code, _, err = run(capsys, "degrees", model, "--json", "-o", str(link))  # any suffix: the text goes there
    assert code == 0, err
    assert json.loads(target.read_text())["model"] == model and link.is_symlink()


def test_output_to_a_socket_is_refused_in_one_line(capsys, model, tmp_path):
    servers = []
    try:
        for command, name in (("degrees", "sock"), ("export", "sock.npz")):
            path = str(tmp_path / name)
            servers.append(socket.socket(socket.AF_UNIX))
            servers[-1].bind(path)
            code, out, err = run(capsys, command, model, "-o", path)
            assert_one_line_error(code, err, f"output {path!r} is a socket, not a regular file",
                                  "choose another output path")
            assert out == "" and stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        for server in servers:
            server.close()


# ---------------------------------------------------------------------- fit --plot DIR
def test_failing_fit_leaves_no_plot_dir(capsys, tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not a model")
    code, out, err = run(capsys, "fit", str(bad), "--plot", str(tmp_path / "figures" / "run1"))
    assert code == 2, err
    assert out == "" and sorted(os.listdir(tmp_path)) == ["bad.onnx"]  # neither figures/ nor figures/run1/


def test_failing_figure_leaves_no_plot_dir(capsys, mlp, tmp_path, monkeypatch):  # noqa: F811 (the fixture)
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(netgraph.plots, "plot_layers", no_space)
    code, out, err = run(capsys, "fit", mlp, "--plot", str(tmp_path / "figures" / "run1"))
    assert_one_line_error(code, err, "No space left on device")
    assert os.listdir(tmp_path) == []
    (tmp_path / "mine").mkdir()
    code, _, err = run(capsys, "fit", mlp, "--plot", str(tmp_path / "mine"))
    assert code == 2 and os.listdir(tmp_path / "mine") == []  # a folder that was there is kept


def test_plot_file_that_is_a_directory_fails_before_fitting(capsys, mlp, tmp_path, monkeypatch):  # noqa: F811
    import netgraph.cli.fit as cli_fit

    def forbidden(*args, **kwargs):
        raise AssertionError("fitted before the --plot folder was checked")

    monkeypatch.setattr(cli_fit, "fit_document", forbidden)
    (tmp_path / "figures" / "ccdf.png").mkdir(parents=True)
    code, _, err = run(capsys, "fit", mlp, "--plot", str(tmp_path / "figures"))
    assert_one_line_error(code, err, "cannot write", "ccdf.png", "--plot", "output path is a directory")
