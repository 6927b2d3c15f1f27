"""The two-task continual-learning trainer (issue 13): densities, frozen weights, determinism, ONNX, CLI."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from exporters import read_onnx  # noqa: E402
from netgraph.exceptions import InvalidParameterError  # noqa: E402
from trainers.continual import S2_READINGS, prune_free, run_continual, task_b, train_continual  # noqa: E402
from trainers.data import load_dataset  # noqa: E402
from trainers.export import read_metadata  # noqa: E402
from trainers.pipeline import check_continual_options  # noqa: E402

HIDDEN = (24, 16)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def runs(digits):
    return {reading: train_continual(digits, p=3, hidden=HIDDEN, epochs=1, s2_reading=reading, seed=5,
                                     progress=False) for reading in S2_READINGS}


def weights(net):
    return {name: m.weight.detach().numpy().copy() for name, m in net.learnable_layers()}


def expected_kept(n: int, s1: float, s2: float, reading: str) -> int:
    """Weights of an n-weight junction left at t = 1, by the issue's arithmetic."""
    frozen = n - round(s1 * n)
    free = n - frozen
    pruned = round(s2 * free) if reading == "remaining" else round(s2 * n)
    return frozen + free - pruned


@pytest.mark.parametrize("reading, density", [("remaining", 0.28), ("total", 0.20)])
def test_both_s2_readings_give_the_issues_densities(runs, reading, density):
    r = runs[reading]
    t0, t1 = weights(r.t0), weights(r.t1)
    for name in ("fc1", "fc2"):
        n = t1[name].size
        assert abs(np.count_nonzero(t0[name]) - 0.1 * n) <= 1
        assert abs(np.count_nonzero(t1[name]) - density * n) <= 1  # up to one weight per junction
        assert np.count_nonzero(t1[name]) == expected_kept(n, 0.9, 0.8, reading)
        assert r.densities["t1"][name] == np.count_nonzero(t1[name]) / n


def test_output_junction_is_dense_and_trained_on_b(runs):
    r = runs["remaining"]
    t0, t1 = weights(r.t0), weights(r.t1)
    assert np.count_nonzero(t0["fc3"]) == t0["fc3"].size and np.count_nonzero(t1["fc3"]) == t1["fc3"].size
    assert not np.array_equal(t0["fc3"], t1["fc3"])  # the shared head is retrained on task B
    assert r.densities["t0"]["fc3"] == r.densities["t1"]["fc3"] == 1.0


@pytest.mark.parametrize("reading", S2_READINGS)
def test_frozen_connections_unchanged_bit_for_bit(runs, reading):
    r = runs[reading]
    t0, t1 = weights(r.t0), weights(r.t1)
    for name in ("fc1", "fc2"):
        frozen = r.frozen[name].numpy()
        assert np.array_equal(frozen, t0[name] != 0)
        assert t0[name][frozen].tobytes() == t1[name][frozen].tobytes()
        new = (t1[name] != 0) & ~frozen
        assert new.sum() > 0 and np.array_equal(r.masks[name].numpy(), frozen | new)


def test_deterministic_for_a_seed(digits, runs):
    again = train_continual(digits, p=3, hidden=HIDDEN, epochs=1, seed=5, progress=False)
    for a, b in ((runs["remaining"].t0, again.t0), (runs["remaining"].t1, again.t1)):
        for name, w in weights(a).items():
            assert w.tobytes() == weights(b)[name].tobytes()
    other = train_continual(digits, p=3, hidden=HIDDEN, epochs=1, seed=6, progress=False)
    assert weights(other.t1)["fc1"].tobytes() != weights(again.t1)["fc1"].tobytes()


def test_task_b_permutes_only_the_central_square(digits):
    b = task_b(digits, p=3, seed=0)
    changed = (digits.train.images != b.train.images).reshape(len(digits.train), 8, 8).any(axis=0)
    assert changed.sum() > 0 and not changed[:2].any() and not changed[5:].any()  # rows 2..4 only (top = 2)
    assert not changed[:, :2].any() and not changed[:, 5:].any()
    assert np.array_equal(np.sort(digits.train.images, axis=None), np.sort(b.train.images, axis=None))


def test_prune_free_never_prunes_frozen_weights():
    w = torch.tensor([[0.0, 0.01, 5.0, -0.2], [0.3, 0.02, -0.001, 4.0]])
    frozen = torch.tensor([[True, False, False, False], [False, False, True, True]])
    keep = prune_free(w, frozen, 0.6)  # 5 free weights, round(3.0) pruned: 0.01, 0.02, -0.2
    assert keep.tolist() == [[True, False, True, False], [True, False, True, True]]
    keep = prune_free(w, frozen, 0.5, reading="total")  # round(4.0) of the 8, all from the free ones
    assert keep.tolist() == [[True, False, True, False], [False, False, True, True]]
    with pytest.raises(InvalidParameterError, match="only 5 non-frozen"):
        prune_free(w, frozen, 0.9, reading="total")


def test_bad_options_fail_before_training():
    with pytest.raises(InvalidParameterError, match="--P"):
        check_continual_options(dataset="digits", p=9)
    with pytest.raises(InvalidParameterError, match="--s2-reading"):
        check_continual_options(dataset="digits", p=3, s2_reading="half")
    with pytest.raises(InvalidParameterError, match="--s2 0.95 > --s1 0.9"):
        check_continual_options(dataset="digits", p=3, s2=0.95, s2_reading="total")
    with pytest.raises(InvalidParameterError, match="--hidden"):
        check_continual_options(dataset="digits", p=3, hidden="16,x")


def test_files_read_back_strict_with_provenance(tmp_path):
    doc = run_continual(dataset="digits", output=tmp_path, p=6, hidden="16,12", epochs=1, seed=2, progress=False)
    t0 = read_onnx(str(tmp_path / "t0.onnx"), lenient=False)
    t1 = read_onnx(str(tmp_path / "t1.onnx"), lenient=False)
    assert [layer.size for layer in t0.layers] == [64, 16, 12, 10] == [layer.size for layer in t1.layers]
    assert t0.layer_names == t1.layer_names
    for g, stage in ((t0, "t0"), (t1, "t1")):
        meta = read_metadata(str(tmp_path / f"{stage}.onnx"))
        assert meta["stage"] == stage and meta["settings"]["p"] == 6 and meta["settings"]["s2_reading"] == "remaining"
        assert list(meta["densities_per_junction"].values()) == [j.density for j in g.junctions]
    assert [j.edges for j in t0.junctions] == [round(0.1 * 64 * 16), round(0.1 * 16 * 12), 120]
    on_disk = json.loads((tmp_path / "train.json").read_text())
    assert on_disk["densities"] == doc["densities"] and set(on_disk["files"]) == {"t0.onnx", "t1.onnx"}


def test_cli_continual(tmp_path, capsys):
    from netgraph.cli import main

    code = main(["train", "continual", "--dataset", "digits", "--P", "3", "--s1", "0.9", "--s2", "0.8",
                 "--seed", "1", "--hidden", "12,12", "--epochs", "1", "-o", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "densities t1: fc1 0.280" in out and (tmp_path / "t1.onnx").exists()


@pytest.mark.slow
def test_full_size_defaults_on_digits(digits):
    r = train_continual(digits, p=3, epochs=2, progress=False)
    for name in ("fc1", "fc2"):
        n = r.t1.get_submodule(name).weight.numel()
        assert abs(r.densities["t1"][name] * n - 0.28 * n) <= 1
