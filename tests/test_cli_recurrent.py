"""The recurrent options of the command line: --recurrent-gates on every model reader, --no-recurrent on degrees."""

import json

import numpy as np
import onnx
import pytest

from tests.cli_helpers import run
from tests.test_exporter_recurrent import GATES, _brute_fold, _model


@pytest.fixture
def lstm_file(tmp_path):
    m, w, r, _ = _model("LSTM", seed=3)
    path = tmp_path / "lstm.onnx"
    onnx.save(m, str(path))
    return str(path), w[0], r[0]


def test_degrees_with_and_without_the_recurrent_self_loop(capsys, lstm_file):
    path, w, r = lstm_file
    code, out, _ = run(capsys, "degrees", path, "--json")
    assert code == 0
    with_r = {layer["name"]: np.array(layer["degrees"]) for layer in json.loads(out)["layers"]}
    code, out, _ = run(capsys, "degrees", path, "--json", "--no-recurrent")
    doc = json.loads(out)
    assert code == 0 and doc["options"]["include_recurrent"] is False
    without = {layer["name"]: np.array(layer["degrees"]) for layer in doc["layers"]}
    w_count, r_count = _brute_fold(w, GATES["LSTM"], 4)[0], _brute_fold(r, GATES["LSTM"], 4)[0]
    # the hidden units (the last pruned layer: lower connections only, the output junction left out)
    np.testing.assert_array_equal(without["rnn"], w_count.sum(axis=1))
    # the self-loop adds each unit's in- and out-connections, as networkx counts a self-loop
    np.testing.assert_array_equal(with_r["rnn"], w_count.sum(axis=1) + r_count.sum(axis=1) + r_count.sum(axis=0))
    code, out, _ = run(capsys, "degrees", path, "--no-recurrent")
    assert code == 0 and "junctions left out: output, skip, recurrent" in out


def test_recurrent_gates_separate_reaches_the_reader(capsys, lstm_file):
    path, _, _ = lstm_file
    code, out, _ = run(capsys, "info", path, "--json", "--recurrent-gates", "separate")
    assert code == 0
    names = [layer["name"] for layer in json.loads(out)["layers"]]
    assert [n for n in names if n.startswith("rnn.")] == ["rnn.i", "rnn.o", "rnn.f", "rnn.c"]
    code, _, err = run(capsys, "info", path, "--recurrent-gates", "apart")
    assert code == 2 and "invalid choice: 'apart'" in err
