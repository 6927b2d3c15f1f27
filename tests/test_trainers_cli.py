"""``netgraph train prune``: the three files, bad input as one-line errors before any training,
nothing half-written, progress bars only on a terminal, and no torch for ``--help``."""

import json
import os
import subprocess
import sys

import pytest

from netgraph.cli import main
from cli_helpers import assert_one_line_error, run

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if data are loaded or a network is trained."""
    import trainers.data
    import trainers.prune

    def forbidden(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(trainers.data, "load_dataset", forbidden)
    monkeypatch.setattr(trainers.prune, "prune_and_retrain", forbidden)


def test_train_prune_writes_the_three_files(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run(capsys, "train", "prune", "--model", "mlp", "--dataset", "digits", "--sparsity", "0.9",
                         "--epochs", "1", "--seed", "2", "-o", str(out_dir))
    assert code == 0, err
    assert err == ""  # quiet when standard error is not a terminal
    assert sorted(os.listdir(out_dir)) == ["dense.onnx", "sparse.onnx", "train.json"]
    doc = json.loads((out_dir / "train.json").read_text())
    assert doc["model"] == "mlp" and doc["dataset"]["name"] == "digits" and doc["seed"] == 2
    assert doc["epochs"] == doc["retrain_epochs"] == 1 and doc["sparsity"] == 0.9
    assert set(doc["accuracy_percent"]) == {"dense", "pruned", "sparse"}
    assert set(doc["accuracy_percent"]["sparse"]) == {"validation", "test"}
    assert list(doc["sparsity_per_layer"]) == ["fc1", "fc2", "fc3"] and doc["sparsity_per_layer"]["fc3"] == 0.0
    assert {"dense", "retrain", "export", "total"} <= set(doc["seconds"])
    import hashlib

    for name in ("dense.onnx", "sparse.onnx"):
        assert doc["files"][name]["sha256"] == hashlib.sha256((out_dir / name).read_bytes()).hexdigest()
    props = {p.key: p.value for p in onnx.load(str(out_dir / "sparse.onnx")).metadata_props}
    assert props["netgraph.stage"] == "sparse" and props["netgraph.dataset"] == "digits"
    assert json.loads(props["netgraph.sparsity_per_layer"]) == doc["sparsity_per_layer"]
    assert json.loads(props["netgraph.accuracy_percent"]) == doc["accuracy_percent"]["sparse"]
    assert props["netgraph.trainer"].startswith("three-step magnitude pruning")
    dense_props = {p.key: p.value for p in onnx.load(str(out_dir / "dense.onnx")).metadata_props}
    assert dense_props["netgraph.stage"] == "dense" and dense_props["netgraph.target_sparsity"] == "0.9"
    lines = out.splitlines()
    assert lines[1].startswith("test accuracy: dense ") and lines[-1].startswith("wrote ")
    # the exporter reads both in strict mode
    from exporters import read_onnx

    for name in ("dense.onnx", "sparse.onnx"):
        assert not read_onnx(str(out_dir / name)).cuts


def test_train_prune_cnn_on_digits_says_it_pads(capsys, tmp_path):
    code, out, err = run(capsys, "train", "prune", "--model", "cnn", "--epochs", "1", "--sparsity", "0.5",
                         "-o", str(tmp_path / "cnn"))
    assert code == 0, err
    assert "'same' padding" in err and "1x8x8" in err  # one warning line, and in the record
    doc = json.loads((tmp_path / "cnn" / "train.json").read_text())
    assert doc["padding"] == "same" and "'same' padding" in doc["architecture"]


def test_verbose_shows_the_trainers_log(capsys, tmp_path):
    code, _, err = run(capsys, "-v", "train", "prune", "--model", "cnn", "--padding", "same", "--epochs", "1",
                       "-o", str(tmp_path / "v"))
    assert code == 0
    assert "netgraph: dense epoch 1/1: loss" in err and "netgraph: retrain epoch 1/1" in err
    import logging

    assert logging.getLogger("trainers").handlers == []


def test_progress_bars_on_a_terminal(capsys, tmp_path):
    from trainers.pipeline import run_prune

    run_prune(model="mlp", dataset="digits", output=tmp_path / "p", sparsity=0.5, epochs=1, progress=True,
              model_options={"hidden": (16,)})
    err = capsys.readouterr().err
    assert "dense epoch 1/1" in err and "retrain epoch 1/1" in err and "batch" in err


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--model", "resnet"], ["--model must be one of 'mlp', 'cnn', 'cifar-cnn'; got 'resnet'"]),
        (["--dataset", "imagenet"], ["--dataset must be one of 'digits', 'mnist', 'cifar10'; got 'imagenet'"]),
        (["--sparsity", "1.0"], ["--sparsity must be a number in [0, 1)", "1.0"]),
        (["--sparsity", "-0.1"], ["--sparsity must be a number in [0, 1)", "-0.1"]),
        (["--epochs", "0"], ["--epochs must be an integer >= 1", "0"]),
        (["--retrain-epochs", "0"], ["--retrain-epochs"]),
        (["--seed", "-3"], ["--seed must be an integer >= 0"]),
        (["--threads", "0"], ["--threads"]),
        (["--lr", "0"], ["--lr must be a number > 0"]),
        (["--dataset", "mnist"], ["needs --data-dir", "train-images-idx3-ubyte", "never downloads"]),
        (["--dataset", "cifar10"], ["needs --data-dir", "data_batch_1", "cs.toronto.edu"]),
        (["--padding", "same"], ["--padding applies to the convolutional models"]),
        (["--model", "cnn", "--padding", "full"], ["--padding must be one of 'auto', 'valid', 'same'; got 'full'"]),
    ],
)
def test_bad_arguments_fail_before_training(capsys, tmp_path, no_training, args, fragments):
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "train", "prune", *args, "-o", str(out_dir))
    assert_one_line_error(code, err, *fragments)
    assert out == "" and not out_dir.exists()


def test_missing_data_folder(capsys, tmp_path):
    code, _, err = run(capsys, "train", "prune", "--dataset", "mnist", "--data-dir", str(tmp_path / "nope"),
                       "-o", str(tmp_path / "out"))
    assert_one_line_error(code, err, "nope", "does not exist")
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "train", "prune", "--dataset", "mnist", "--data-dir", str(tmp_path / "empty"),
                       "-o", str(tmp_path / "out"))
    assert_one_line_error(code, err, "t10k-images-idx3-ubyte", "not found", "http")
    assert not (tmp_path / "out").exists()


def test_model_input_that_does_not_fit_the_data(capsys, tmp_path):
    code, _, err = run(capsys, "train", "prune", "--model", "cnn", "--padding", "valid", "-o", str(tmp_path / "o"))
    assert_one_line_error(code, err, "input 1x8x8 is too small for 'cnn' without padding")
    assert not (tmp_path / "o").exists()


def test_unwritable_output_folder(capsys, tmp_path, no_training, monkeypatch):
    (tmp_path / "file").write_text("")
    code, _, err = run(capsys, "train", "prune", "-o", str(tmp_path / "file"))
    assert_one_line_error(code, err, "exists and is not a directory")
    code, _, err = run(capsys, "train", "prune", "-o", str(tmp_path / "file" / "sub"))
    assert_one_line_error(code, err, "is not a directory")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if "locked" in str(path) else real_access(path, mode))
    (tmp_path / "locked").mkdir()
    code, _, err = run(capsys, "train", "prune", "-o", str(tmp_path / "locked"))
    assert_one_line_error(code, err, "is not writable")
    code, _, err = run(capsys, "train", "prune", "-o", str(tmp_path / "locked" / "new"))
    assert_one_line_error(code, err, "cannot create output folder", "is not writable")


def test_files_in_the_output_folder_are_checked_before_training(capsys, tmp_path, no_training):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "train.json").mkdir()  # would fail only after the training, when written
    code, out, err = run(capsys, "train", "prune", "-o", str(tmp_path / "run"))
    assert_one_line_error(code, err, "cannot write", "train.json", "output path is a directory")
    assert out == "" and os.listdir(tmp_path / "run") == ["train.json"]


def test_empty_data_set_is_a_one_line_error(capsys, tmp_path):
    from test_trainers_data import make_mnist

    make_mnist(tmp_path / "mnist", n_train=0, n_test=5)
    code, out, err = run(capsys, "train", "prune", "--dataset", "mnist", "--data-dir", str(tmp_path / "mnist"),
                         "-o", str(tmp_path / "out"))
    assert_one_line_error(code, err, "has no train and no validation images", "(train 0, validation 0, test 5)")
    assert out == "" and not (tmp_path / "out").exists()


def test_output_is_required(capsys):
    code, _, err = run(capsys, "train", "prune")
    assert code == 2 and "-o/--output" in err


def test_nothing_half_written(capsys, tmp_path, monkeypatch):
    import netgraph.utils.files

    real_fsync = netgraph.utils.files.os.fsync
    synced = []

    def fsync(fd):
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}")) if os.path.exists("/proc/self/fd") else ""
        synced.append(name)
        if "train.json" in name:  # the last of the three files
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(netgraph.utils.files.os, "fsync", fsync)
    args = ["train", "prune", "--model", "cnn", "--padding", "same", "--epochs", "1"]
    code, out, err = run(capsys, *args, "-o", str(tmp_path / "new" / "run"))
    assert_one_line_error(code, err, "No space left on device")
    if synced and synced[0]:
        assert any("dense.onnx" in n for n in synced) and any("sparse.onnx" in n for n in synced)
    assert os.listdir(tmp_path) == []  # the two models written are removed, and the folders made
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "notes.txt").write_text("mine")
    code, _, err = run(capsys, *args, "-o", str(tmp_path / "kept"))
    assert code == 2
    assert os.listdir(tmp_path / "kept") == ["notes.txt"]


def test_help_does_not_import_torch():
    code = ("import sys\nfrom netgraph.cli import main\n"
            "for argv in (['--help'], ['train', '--help'], ['train', 'prune', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print([m for m in ('torch', 'onnxruntime', 'sklearn', 'matplotlib') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    assert "train" in proc.stdout and "--sparsity S" in proc.stdout


def test_import_trainers_does_not_import_torch():
    code = ("import sys, trainers, trainers.pipeline, trainers.data\n"
            "print([m for m in ('torch', 'onnxruntime', 'sklearn') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip() == "[]"


# ---------------------------------------------------------------------- netgraph train predefined
PREDEFINED = ["train", "predefined", "--layers", "64,32,10", "--fanout", "4,5", "--epochs", "1"]


def test_train_predefined_writes_the_model_and_its_record(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run(capsys, *PREDEFINED, "--seed", "4", "-o", str(out_dir))
    assert code == 0, err
    assert err == ""
    assert sorted(os.listdir(out_dir)) == ["predefined.onnx", "train.json"]
    doc = json.loads((out_dir / "train.json").read_text())
    assert doc["layers"] == [64, 32, 10] and doc["fanouts"] == [4, 5] and doc["fanins"] == [8, 16]
    assert doc["densities"]["junction"] == [0.125, 0.5] and doc["densities"]["overall"] == (256 + 160) / (2048 + 320)
    assert doc["pattern"] == "random" and doc["seed"] == 4 and doc["config"]["optimizer"] == "adam"
    assert {"train", "export", "total"} <= set(doc["seconds"])
    import hashlib

    model = (out_dir / "predefined.onnx").read_bytes()
    assert doc["files"]["predefined.onnx"]["sha256"] == hashlib.sha256(model).hexdigest()
    props = {p.key: p.value for p in onnx.load_from_string(model).metadata_props}
    assert props["netgraph.trainer"].startswith("pre-defined sparsity") and props["netgraph.stage"] == "predefined"
    assert json.loads(props["netgraph.fanouts"]) == [4, 5]
    assert json.loads(props["netgraph.accuracy_percent"]) == doc["accuracy_percent"]
    assert out.splitlines()[1] == "pattern random, fan-outs 4,5, fan-ins 8,16"
    from exporters import read_onnx

    graph = read_onnx(str(out_dir / "predefined.onnx"))
    assert not graph.cuts
    fans = [(set(j.count.sum(axis=0).tolist()), set(j.count.sum(axis=1).tolist())) for j in graph.junctions]
    assert fans == [({4}, {8}), ({5}, {16})]


def test_train_predefined_is_deterministic_for_a_seed(capsys, tmp_path):
    for name in ("a", "b"):
        code, _, err = run(capsys, *PREDEFINED, "--pattern", "windowed", "--seed", "2", "-o", str(tmp_path / name))
        assert code == 0, err
    assert (tmp_path / "a" / "predefined.onnx").read_bytes() == (tmp_path / "b" / "predefined.onnx").read_bytes()


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--layers", "64,128,10", "--fanout", "8,3"], ["--fanout[1] must make the fan-in of junction 2",
                                                        "128 * 3 / 10", "38.4"]),
        (["--layers", "64,128,10", "--fanout", "200,10"], ["--fanout[0] must be an integer in [1, 128]; got 200"]),
        (["--layers", "64,128,10", "--fanout", "8"], ["--fanout must be 2 fan-outs, one per junction"]),
        (["--layers", "64,128,10", "--fanout", "8,x"], ["--fanout must be comma-separated integers", "'8,x'"]),
        (["--layers", "64,a,10", "--fanout", "8,10"], ["--layers must be comma-separated integers"]),
        (["--layers", "784,128,10", "--fanout", "8,10"], ["--layers[0] must be the data's 64 input features"]),
        (["--layers", "64,128,8", "--fanout", "8,8"], ["--layers[-1] must be at least the data's 10 classes"]),
        (["--layers", "64,128,10", "--fanout", "24,10", "--pattern", "windowed"],
         ["windows that divide", "64 / 12", "128 / 24"]),
        (["--layers", "64,128,10", "--fanout", "8,10", "--pattern", "grid"],
         ["--pattern must be one of 'random', 'windowed'; got 'grid'"]),
        (["--layers", "64,128,10", "--fanout", "8,10", "--epochs", "0"], ["--epochs must be an integer >= 1"]),
        (["--layers", "64,128,10", "--fanout", "8,10", "--lr", "-1"], ["--lr must be a number > 0"]),
        (["--layers", "64,128,10", "--fanout", "8,10", "--batch-size", "0"], ["--batch-size"]),
        (["--layers", "784,128,10", "--fanout", "8,10", "--dataset", "mnist"], ["needs --data-dir"]),
    ],
)
def test_predefined_bad_arguments_fail_before_training(capsys, tmp_path, no_training, args, fragments):
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "train", "predefined", *args, "-o", str(out_dir))
    assert_one_line_error(code, err, *fragments)
    assert out == "" and not out_dir.exists()


def test_predefined_leaves_nothing_half_written(capsys, tmp_path, monkeypatch):
    import netgraph.utils.files

    real_fsync = netgraph.utils.files.os.fsync

    def fsync(fd):
        if "train.json" in os.path.basename(os.readlink(f"/proc/self/fd/{fd}")):
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(netgraph.utils.files.os, "fsync", fsync)
    code, _, err = run(capsys, *PREDEFINED, "-o", str(tmp_path / "new"))
    assert_one_line_error(code, err, "No space left on device")
    assert os.listdir(tmp_path) == []


def test_predefined_help_does_not_import_torch():
    code = ("import sys\nfrom netgraph.cli import main\n"
            "try:\n    main(['train', 'predefined', '--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('torch', 'onnxruntime', 'sklearn', 'matplotlib') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    assert "--fanout F1,F2,..." in proc.stdout


def test_import_predefined_does_not_import_torch():
    code = ("import sys, trainers.predefined\n"
            "print([m for m in ('torch', 'onnxruntime', 'sklearn') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip() == "[]"


def test_predefined_progress_bar_on_a_terminal_and_log_with_verbose(capsys, tmp_path):
    from trainers.pipeline import run_predefined

    run_predefined(dataset="digits", layers="64,16,10", fanouts="2,5", output=tmp_path / "p", epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "train epoch 1/1" in err and "batch" in err
    code, _, err = run(capsys, "-v", *PREDEFINED, "-o", str(tmp_path / "v"))
    assert code == 0
    assert "netgraph: train epoch 1/1: loss" in err and "netgraph: pre-defined sparse 64-32-10" in err
