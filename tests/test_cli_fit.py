"""Tests of ``netgraph fit``: in-process through ``netgraph.cli.main`` on tiny ONNX models built here."""

import io
import json
import sys

import numpy as np
import onnx
import pytest
from onnx import helper

import netgraph.cli.fit as cli_fit
from netgraph.cli import main
from netgraph.compare import ALTERNATIVES
from onnx_builders import init, make_model, vi
from cli_helpers import assert_one_line_error, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def tpl_module():
    import netgraph.tpl

    return netgraph.tpl


# ---------------------------------------------------------------------- models
@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    """x(3, input) -> fc1(200) -> fc2(300) -> fc3(10, output); fc1->fc2 pruned to ~10%.

    x has 3 nodes (too few to fit); fc1 and fc2 have varied degrees; fc3 is the output.
    """
    rng = np.random.default_rng(0)
    w1 = rng.normal(size=(200, 3)).astype(np.float32)
    w2 = rng.normal(size=(300, 200)).astype(np.float32)
    w2[rng.random(w2.shape) > 0.1] = 0
    w3 = rng.normal(size=(10, 300)).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h1"], name="fc1", transB=1),
             helper.make_node("Relu", ["h1"], ["r1"], name="relu1"),
             helper.make_node("Gemm", ["r1", "W2"], ["h2"], name="fc2", transB=1),
             helper.make_node("Relu", ["h2"], ["r2"], name="relu2"),
             helper.make_node("Gemm", ["r2", "W3"], ["y"], name="fc3", transB=1)]
    model = make_model(nodes, [vi("x", [1, 3])], [vi("y", [1, 10])], [init("W1", w1), init("W2", w2), init("W3", w3)])
    path = tmp_path_factory.mktemp("fit") / "mlp.onnx"
    onnx.save(model, str(path))
    return str(path)


# ---------------------------------------------------------------------- output
def test_json_document(capsys, mlp):
    code, out, err = run(capsys, "fit", mlp, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["model"] == mlp
    assert doc["options"] == {"k": 0.3, "rule": "ks", "bootstrap": 0, "seed": None, "sequential": False,
                              "include_output": False, "k_reading": "order", "xmax": None, "min_ratio": 1.0,
                              "min_distinct": 3}
    assert [layer["name"] for layer in doc["layers"]] == ["x", "fc1", "fc2"]  # the output layer is left out
    x, fc1, fc2 = doc["layers"]
    assert x["status"] == "not fitted" and x["n"] == 3 and "reason" in x and "alpha" not in x
    for layer in (fc1, fc2):
        assert layer["status"] == "ok"
        assert {"name", "n", "isolated", "xmin", "xmax", "alpha", "ks", "n_tail", "p_value", "compare"} <= set(layer)
        assert layer["p_value"] is None and layer["p_value_mc_error"] is None  # no bootstrap asked for
        assert layer["bootstrap_replicates"] == 0
        assert layer["xmin"] < layer["xmax"] and 0 < layer["n_tail"] <= layer["n"]
        assert list(layer["compare"]) == list(ALTERNATIVES)
        for c in layer["compare"].values():
            assert {"R", "normalized_R", "p", "preferred", "alt_params"} <= set(c)
            assert c["preferred"] in (None, "tpl", *ALTERNATIVES)
    assert fc1["n"] == 200 and fc2["n"] == 300


def test_json_numbers_match_the_library(capsys, mlp, tpl_module):
    from exporters import read_onnx

    from netgraph import layer_degrees
    from netgraph.compare import compare_tpl

    code, out, _ = run(capsys, "fit", mlp, "--json", "--k", "0.25")
    doc = json.loads(out)
    degrees = layer_degrees(read_onnx(mlp))["fc2"]
    fit = tpl_module.TruncatedPowerLaw(k=0.25).fit(degrees)
    layer = doc["layers"][2]
    assert (layer["xmin"], layer["xmax"], layer["n_tail"]) == (fit.xmin_, fit.xmax_, fit.n_tail_)
    assert layer["alpha"] == pytest.approx(fit.alpha_, rel=1e-12)
    assert layer["isolated"] == int((degrees == 0).sum())
    assert layer["n_above_xmax"] == int((degrees > fit.xmax_).sum())
    assert layer["loglik"] == pytest.approx(fit.loglik_, rel=1e-12)
    expected = compare_tpl(degrees, fit)
    for name, c in layer["compare"].items():
        assert c["R"] == pytest.approx(expected[name]["R"], rel=1e-9)


def test_table(capsys, mlp):
    code, out, err = run(capsys, "fit", mlp)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"model: {mlp}"
    assert "k = 0.3, rule ks, no bootstrap" in lines[1]
    assert lines[2].split() == ["layer", "n", "isolated", "xmin", "xmax", "alpha", "KS", "n_tail", "p"]
    assert lines[3].split()[:2] == ["x", "3"] and lines[3].split()[3:] == ["-"] * 6
    assert lines[4].split()[0] == "fc1" and lines[5].split()[0] == "fc2"
    assert any(line.strip().startswith("x: not fitted:") for line in lines)
    assert any(line.startswith("model comparison") for line in lines)
    assert lines[-1].split()[0] == "fc2" and "p" in lines[-1]


def test_include_output(capsys, mlp):
    code, out, _ = run(capsys, "fit", mlp, "--json", "--include-output")
    doc = json.loads(out)
    assert [layer["name"] for layer in doc["layers"]] == ["x", "fc1", "fc2", "fc3"]
    assert doc["options"]["include_output"] is True
    assert doc["layers"][3]["n"] == 10


def test_output_file(capsys, mlp, tmp_path):
    target = tmp_path / "fits.json"
    code, out, err = run(capsys, "fit", mlp, "--json", "-o", str(target))
    assert code == 0 and out == "", err
    assert json.loads(target.read_text())["layers"][1]["name"] == "fc1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fits.json"]


def test_plot(capsys, mlp, tmp_path, monkeypatch):
    import netgraph.plots

    seen = {}
    real = netgraph.plots.plot_layers

    def spy(degrees, fits, **kw):
        seen.update(layers=list(degrees), fits=sorted(fits), notes=kw.get("notes"))
        return real(degrees, fits, **kw)

    monkeypatch.setattr(netgraph.plots, "plot_layers", spy)
    directory = tmp_path / "figures" / "run1"  # created
    code, out, err = run(capsys, "fit", mlp, "--plot", str(directory))
    assert code == 0, err
    assert (directory / "ccdf.png").read_bytes().startswith(PNG_MAGIC)
    assert sorted(p.name for p in directory.iterdir()) == ["ccdf.png"]
    assert seen == {"layers": ["x", "fc1", "fc2"], "fits": ["fc1", "fc2"], "notes": {"x": "not fitted"}}


def test_graph_file_model(capsys, mlp, tmp_path):
    graph = tmp_path / "mlp.npz"
    assert main(["export", mlp, "-o", str(graph)]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "fit", str(graph), "--json")
    code_onnx, out_onnx, _ = run(capsys, "fit", mlp, "--json")
    assert code == code_onnx == 0
    strip = lambda doc: [{k: v for k, v in layer.items()} for layer in json.loads(doc)["layers"]]  # noqa: E731
    assert strip(out) == strip(out_onnx)


# ---------------------------------------------------------------------- bootstrap, seeds, rule
def test_bootstrap_is_seeded_and_per_layer(capsys, mlp):
    args = ("fit", mlp, "--json", "--bootstrap", "20", "--seed", "7")
    first = json.loads(run(capsys, *args)[1])
    second = json.loads(run(capsys, *args)[1])
    assert first == second
    p = [layer["p_value"] for layer in first["layers"] if layer["status"] == "ok"]
    assert all(v is not None and 0 <= v <= 1 for v in p)
    assert first["options"]["bootstrap"] == 20 and first["options"]["seed"] == 7


def test_options_reach_the_estimator(capsys, mlp, monkeypatch, tpl_module):
    calls = []
    real = tpl_module.TruncatedPowerLaw

    class Spy(real):
        def __init__(self, **kw):
            calls.append(kw)
            super().__init__(**kw)

    monkeypatch.setattr(tpl_module, "TruncatedPowerLaw", Spy)
    assert main(["fit", mlp, "--k", "0.2", "--seed", "3", "--bootstrap", "4"]) == 0
    assert len(calls) == 3  # x, fc1, fc2
    assert {c["k"] for c in calls} == {0.2} and {c["rule"] for c in calls} == {"ks"}
    # rule ks: the fits without bootstrap, then every layer's replicates on one pool (clauset_pvalues)
    assert {c["bootstrap"] for c in calls} == {0} and {c["progress"] for c in calls} == {False}
    assert len({c["seed"] for c in calls}) == 3  # one seed per layer


def test_rule_deluca_corral(capsys, mlp):
    code, out, err = run(capsys, "fit", mlp, "--json", "--rule", "deluca-corral")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["options"]["rule"] == "deluca-corral"
    assert all(layer["status"] in ("ok", "not fitted") for layer in doc["layers"])


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(capsys, mlp, monkeypatch):
    code, _, err = run(capsys, "fit", mlp, "--bootstrap", "5", "--seed", "0")
    assert code == 0 and "replicate" not in err  # not a terminal: no bar
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["fit", mlp, "--bootstrap", "5", "--seed", "0"]) == 0
    assert "bootstrap" in terminal.getvalue() and "replicate" in terminal.getvalue()  # one bar over the layers
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["fit", mlp, "--bootstrap", "5", "--seed", "0", "-q"]) == 0
    assert terminal.getvalue() == ""  # -q silences it


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("k", ["0", "-0.1", "1.01", "nan", "inf"])
def test_bad_k(capsys, k, tmp_path):
    code, out, err = run(capsys, "fit", str(tmp_path / "missing.onnx"), "--k", k)  # checked before the model
    assert_one_line_error(code, err, "--k must be a number in (0, 1]")
    assert out == ""


@pytest.mark.parametrize("k", ["0.5", "1"])
def test_k_at_the_bounds_is_accepted(capsys, mlp, k):
    assert run(capsys, "fit", mlp, "--k", k)[0] == 0


@pytest.mark.parametrize("argv, fragment", [
    (["--xmax", "ten"], "--xmax must be an integer >= 1 or 'inf'; got 'ten'"),
    (["--xmax", "0"], "--xmax must be an integer >= 1; got 0"),
    (["--xmax", "inf", "--rule", "deluca-corral"], "--xmax works with --rule ks only"),
    (["--min-ratio", "0.5"], "--min-ratio must be a number >= 1; got 0.5"),
    (["--min-distinct", "2"], "--min-distinct must be an integer >= 3; got 2"),
])
def test_bad_search_options(capsys, tmp_path, argv, fragment):
    code, out, err = run(capsys, "fit", str(tmp_path / "missing.onnx"), *argv)  # checked before the model
    assert_one_line_error(code, err, fragment)
    assert out == ""


def test_untruncated_full_search_matches_the_library(capsys, mlp):
    """--k 1 --xmax inf is fit_tpl(k=1, xmax=inf) on each layer's degrees; the table says inf."""
    from exporters import read_onnx
    from netgraph import fit_tpl, layer_degrees

    code, out, err = run(capsys, "fit", mlp, "--json", "--k", "1", "--xmax", "inf")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["options"]["xmax"] == "inf" and doc["options"]["k"] == 1.0
    degrees = layer_degrees(read_onnx(mlp))
    assert [layer["status"] for layer in doc["layers"]] == ["not fitted", "ok", "ok"]
    for layer in doc["layers"][1:]:
        fit = fit_tpl(degrees[layer["name"]], k=1, xmax=np.inf)
        assert layer["xmax"] is None and layer["xmin"] == fit.xmin_
        assert layer["alpha"] == pytest.approx(fit.alpha_, rel=1e-12)
    code, out, _ = run(capsys, "fit", mlp, "--k", "1", "--xmax", "inf")
    assert code == 0 and " inf " in out


@pytest.mark.parametrize("argv, fragment", [
    (["--bootstrap", "-1"], "--bootstrap must be an integer in [0, 100000]; got -1"),  # bounded (issue 9)
    (["--bootstrap", "100001"], "--bootstrap must be an integer in [0, 100000]; got 100001"),
    (["--seed", "-3"], "--seed must be an integer >= 0; got -3"),
])
def test_bad_numbers(capsys, mlp, argv, fragment):
    code, _, err = run(capsys, "fit", mlp, *argv)
    assert_one_line_error(code, err, fragment)


def test_bad_rule_is_a_usage_error(capsys, mlp):
    code, _, err = run(capsys, "fit", mlp, "--rule", "widest")
    assert code == 2 and "invalid choice: 'widest'" in err


def test_missing_model(capsys, tmp_path):
    code, out, err = run(capsys, "fit", str(tmp_path / "nope.onnx"))
    assert_one_line_error(code, err, "model file not found")
    assert out == ""


def test_plot_dir_that_is_a_file(capsys, mlp, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = run(capsys, "fit", mlp, "--plot", str(f))
    assert_one_line_error(code, err, "exists and is not a directory")


def test_unwritable_output_fails_before_fitting(capsys, mlp, tmp_path, tpl_module, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("fitted before the output path was checked")

    monkeypatch.setattr(cli_fit, "fit_document", boom)
    code, _, err = run(capsys, "fit", mlp, "-o", str(tmp_path / "no" / "dir" / "out.json"))
    assert_one_line_error(code, err, "directory does not exist")


def test_help_lists_fit(capsys):
    code, out, _ = run(capsys, "fit", "--help")
    assert code == 0
    for option in ("--k", "--bootstrap", "--seed", "--jobs", "--sequential", "--rule", "--json", "--output", "--plot", "--lenient",
                   "--include-output"):
        assert option in out


# ---------------------------------------------------------------------- whole-model p-values (issue 12)
def test_jobs_do_not_change_the_p_values(capsys, mlp, tpl_module):
    from exporters import read_onnx

    from netgraph import layer_degrees
    from netgraph.utils.seeds import spawn_seeds

    docs = [json.loads(run(capsys, "fit", mlp, "--json", "--bootstrap", "30", "--seed", "4", "--jobs", j)[1])
            for j in ("1", "2")]
    assert docs[0] == docs[1]
    degrees = layer_degrees(read_onnx(mlp))
    seeds = spawn_seeds(4, 3)
    for layer, seed in zip(docs[0]["layers"][1:], seeds[1:]):  # today's path: the estimator's own bootstrap
        est = tpl_module.TruncatedPowerLaw(bootstrap=30, seed=seed, progress=False).fit(degrees[layer["name"]])
        assert layer["p_value"] == est.p_value_ and layer["bootstrap_replicates"] == 30
        p = est.p_value_
        assert layer["p_value_mc_error"] == pytest.approx((p * (1 - p) / 30) ** 0.5)
        assert layer["ks_choice"]["p_value"] == p


def test_sequential_option(capsys, mlp):
    code, out, err = run(capsys, "fit", mlp, "--json", "--bootstrap", "400", "--seed", "4", "--sequential")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["options"]["sequential"] is True
    full = json.loads(run(capsys, "fit", mlp, "--json", "--bootstrap", "400", "--seed", "4")[1])
    for s, f in zip(doc["layers"][1:], full["layers"][1:]):
        assert (s["p_value"] > cli_fit.SEQUENTIAL_THRESHOLD) == (f["p_value"] > cli_fit.SEQUENTIAL_THRESHOLD)
        assert s["bootstrap_replicates"] <= 400
    assert any(s["bootstrap_replicates"] < 400 for s in doc["layers"][1:])
    code, out, _ = run(capsys, "fit", mlp, "--bootstrap", "40", "--seed", "4", "--sequential")
    lines = out.splitlines()
    assert "bootstrap 40 sequential, seed 4" in lines[1] and lines[2].split()[-3:] == ["p", "+-", "reps"]


@pytest.mark.parametrize("argv, fragment", [
    (["--jobs", "0"], "--jobs must be an integer >= 1; got 0"),
    (["--sequential", "--rule", "deluca-corral"], "--sequential works with --rule ks only"),
])
def test_bad_jobs_and_sequential(capsys, tmp_path, argv, fragment):
    code, out, err = run(capsys, "fit", str(tmp_path / "missing.onnx"), *argv)  # checked before the model
    assert_one_line_error(code, err, fragment)
