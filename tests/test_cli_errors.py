"""The command line's last line of defence and its hostile inputs (issue 9): a bug is one line with
exit status 3 (``-v`` or NETGRAPH_TRACEBACK shows the traceback), MemoryError one line saying what to
do, Ctrl-C and SIGTERM one line with 130 and 143 and no file left; a MODEL that is a FIFO or a device
is refused without being opened; ``--allow-pickle`` reaches the graph reader; ``--bootstrap`` is
bounded.

In-process through ``netgraph.cli.main``; a subcommand is monkeypatched to raise."""

import inspect
import os
import signal
import threading
import time

import numpy as np
import onnx
import pytest
from onnx import helper

import netgraph.cli._common
import netgraph.cli.info
import netgraph.utils.files
from netgraph import Junction, Layer, LayeredGraph
from netgraph.cli import main
from netgraph.cli._main import EXIT_BUG, TRACEBACK_ENV, Terminated
from cli_helpers import assert_one_line_error, run
from onnx_builders import init, make_model, vi


@pytest.fixture
def model(tmp_path):
    """x(3) -> Gemm -> y(2)."""
    w = np.array([[1, 0, 2], [0, 3, 0]], dtype=np.float32)
    node = helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)
    path = tmp_path / "model.onnx"
    onnx.save(make_model([node], [vi("x", [1, 3])], [vi("y", [1, 2])], [init("W", w)]), str(path))
    return str(path)


def raising(exc):
    def run(args):
        raise exc
    return run


def error_lines(err):
    return [line for line in err.splitlines() if line.startswith("netgraph: error: ")]


# ---------------------------------------------------------------------- the last line of defence
@pytest.mark.parametrize("exc", [ValueError("unexpected 42"), IndexError("unexpected 42"),
                                 RecursionError("unexpected 42"), ZeroDivisionError("unexpected 42")])
def test_a_bug_is_one_line_with_its_own_status(capsys, monkeypatch, model, exc):
    monkeypatch.delenv(TRACEBACK_ENV, raising=False)
    monkeypatch.setattr(netgraph.cli.info, "run", raising(exc))
    code, out, err = run(capsys, "info", model)
    assert code == EXIT_BUG == 3 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("netgraph: error: this is a bug in netgraph")
    for fragment in (type(exc).__name__, "unexpected 42", "'netgraph info'", "-v", f"{TRACEBACK_ENV}=1", "report"):
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("how", ["-v", "env"])
def test_a_bugs_traceback_on_request(capsys, monkeypatch, model, how):
    monkeypatch.delenv(TRACEBACK_ENV, raising=False)
    if how == "env":
        monkeypatch.setenv(TRACEBACK_ENV, "1")
    monkeypatch.setattr(netgraph.cli.info, "run", raising(KeyError("missing key")))
    code, _, err = run(capsys, *(["-v"] if how == "-v" else []), "info", model)
    assert code == 3
    assert "Traceback (most recent call last)" in err and "KeyError: 'missing key'" in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("netgraph: error: this is a bug in netgraph (KeyError") and "traceback is above" in last
    assert len(error_lines(err)) == 1


def test_memory_error_says_what_to_do(capsys, monkeypatch, model):
    monkeypatch.setattr(netgraph.cli.info, "run", raising(MemoryError()))
    code, out, err = run(capsys, "info", model)
    assert_one_line_error(code, err, "out of memory in 'netgraph info'", "try a smaller model")
    assert out == ""


def test_ctrl_c_is_one_line_and_leaves_no_file(capsys, monkeypatch, model, tmp_path):
    def interrupted(fd):  # Ctrl-C while the output is being written
        raise KeyboardInterrupt

    monkeypatch.setattr(netgraph.utils.files.os, "fsync", interrupted)
    code, out, err = run(capsys, "degrees", model, "--json", "-o", str(tmp_path / "degrees.json"))
    assert code == 130 and out == ""
    assert err.strip().splitlines() == ["netgraph: error: interrupted"]
    assert os.listdir(tmp_path) == ["model.onnx"]  # neither the file nor its temporary file


def test_sigterm_is_one_line_and_leaves_no_file(capsys, monkeypatch, model, tmp_path):
    def guard(signum, frame):  # without the command's own handler, the test fails instead of dying
        raise AssertionError("SIGTERM reached the test: the command set no handler")

    def terminated(fd):  # SIGTERM while the output is being written
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler's exception ends the sleep
        raise AssertionError("SIGTERM did not stop the command")

    previous = signal.signal(signal.SIGTERM, guard)
    try:
        monkeypatch.setattr(netgraph.utils.files.os, "fsync", terminated)
        start = time.monotonic()
        code, out, err = run(capsys, "degrees", model, "--json", "-o", str(tmp_path / "degrees.json"))
        assert time.monotonic() - start < 4
        assert signal.getsignal(signal.SIGTERM) is guard  # restored after the command
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == 143 and out == ""
    assert err.strip().splitlines() == ["netgraph: error: terminated (SIGTERM)"]
    assert os.listdir(tmp_path) == ["model.onnx"]
    assert issubclass(Terminated, KeyboardInterrupt)


# ---------------------------------------------------------------------- MODEL: not a regular file
def test_a_fifo_as_model_is_refused_without_being_opened(capsys, tmp_path):
    for name in ("model.onnx", "graph.npz"):
        fifo = tmp_path / name
        os.mkfifo(fifo)
        result = {}
        thread = threading.Thread(target=lambda: result.update(code=main(["info", str(fifo)])), daemon=True)
        thread.start()
        thread.join(timeout=20)
        if thread.is_alive():  # blocked opening the FIFO: let it go, then fail
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
            thread.join(timeout=20)
            pytest.fail(f"netgraph info {name} opened the FIFO and waited for a writer")
        _, err = capsys.readouterr()
        assert_one_line_error(result["code"], err, f"{str(fifo)!r} is a FIFO, not a model file",
                              "give a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_as_model_is_refused(capsys, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    code, out, err = run(capsys, "degrees", device)
    assert_one_line_error(code, err, f"{device!r} is a character device, not a model file")
    assert out == ""


# ---------------------------------------------------------------------- --allow-pickle
def small_graph():
    return LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
                        [Junction("x", "y", [[1, 3]], [[1.0, 2.0]], op="Gemm")], outputs=["y"])


@pytest.mark.parametrize("command", ["info", "degrees", "export", "fit", "paths", "scatter"])
def test_allow_pickle_reaches_the_graph_reader(capsys, monkeypatch, tmp_path, command):
    calls = []

    def read_graph(path, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return small_graph()

    monkeypatch.setattr(netgraph.cli._common, "read_graph", read_graph)
    (tmp_path / "g.pickle").write_bytes(b"a pickle the stub reader does not open")
    extra = ["-o", str(tmp_path / "out.npz")] if command == "export" else []
    for flag in ([], ["--allow-pickle"]):
        code, _, err = run(capsys, command, str(tmp_path / "g.pickle"), *flag, *extra)
        assert code == 0, err
    assert calls == [False, True]
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "--allow-pickle" in out and "runs whatever code" in " ".join(out.split())


@pytest.mark.skipif("allow_pickle" not in inspect.signature(netgraph.io.read_graph).parameters,
                    reason="netgraph.io.read_graph does not take allow_pickle yet")
def test_a_pickle_is_read_only_with_allow_pickle(capsys, model, tmp_path):
    pickled = str(tmp_path / "g.pickle")
    assert main(["export", model, "-o", pickled]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "info", pickled)
    assert_one_line_error(code, err, "--allow-pickle")
    assert out == ""
    code, out, err = run(capsys, "info", pickled, "--allow-pickle")
    assert code == 0, err
    assert "fc" in out


# ---------------------------------------------------------------------- --bootstrap
def test_bootstrap_has_an_upper_bound(capsys, tmp_path, monkeypatch):
    import netgraph.cli.fit as cli_fit

    code, out, err = run(capsys, "fit", str(tmp_path / "missing.onnx"), "--bootstrap", "100001")  # before the model
    assert_one_line_error(code, err, "--bootstrap must be an integer in [0, 100000]; got 100001")
    assert cli_fit.MAX_BOOTSTRAP == 100_000

    def stop(*args, **kwargs):
        raise netgraph.InvalidModelError("the checks passed")

    monkeypatch.setattr(cli_fit, "read_model", stop)
    code, _, err = run(capsys, "fit", "m.onnx", "--bootstrap", "100000")
    assert_one_line_error(code, err, "the checks passed")
    code, out, _ = run(capsys, "fit", "--help")
    assert "at most 100,000" in out
