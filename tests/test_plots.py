"""Tests of netgraph.plots: the CCDF panels and the per-layer figure, drawn without a display."""

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from netgraph.exceptions import InvalidParameterError
from netgraph.plots import empirical_ccdf, plot_ccdf, plot_layers, tpl_ccdf_line

from netgraph.tpl import DiscreteTPL

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_pyplot_figures():
    """Once pyplot is imported (powerlaw imports it), new figures are pyplot's: close them."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def fake_fit(alpha, xmin, xmax, p=None):
    """What the plots read from a fitted TPL."""
    return SimpleNamespace(alpha_=alpha, xmin_=xmin, xmax_=xmax, p_value_=p, distribution_=DiscreteTPL(alpha, xmin, xmax))


def line(ax, gid):
    (found,) = [ln for ln in ax.get_lines() if ln.get_gid() == gid]
    return found


@pytest.fixture
def degrees():
    d = DiscreteTPL(1.7, 1, 400).sample(1500, seed=3)
    return np.concatenate([np.zeros(25, dtype=np.int64), d])


# ---------------------------------------------------------------------- the data
def test_empirical_ccdf_by_hand():
    x, s = empirical_ccdf([0, 0, 3, 1, 1, 2, 5, 3])
    assert x.tolist() == [1, 2, 3, 5]
    np.testing.assert_allclose(s, [6 / 6, 4 / 6, 3 / 6, 1 / 6])
    x, s = empirical_ccdf([0, 0])
    assert x.size == 0 and s.size == 0


def test_tpl_line_is_the_model_ccdf_on_the_scale_of_all_degrees(degrees):
    fit = fake_fit(1.7, 5, 300)
    x, y = tpl_ccdf_line(degrees, fit)
    assert x.tolist() == list(range(5, 301))
    positive = degrees[degrees > 0]
    n_tail = np.count_nonzero((positive >= 5) & (positive <= 300))
    n_above = np.count_nonzero(positive > 300)
    assert n_above > 0  # the case where the scaling matters
    np.testing.assert_allclose(y, (n_tail * fit.distribution_.ccdf(x) + n_above) / positive.size, rtol=1e-14)
    assert y[0] == pytest.approx(np.mean(positive >= 5))  # the curves meet at xmin
    assert y[-1] > n_above / positive.size  # no plunge at xmax: the degrees beyond it are counted


def test_tpl_line_without_degrees_above_xmax_is_the_scaled_ccdf():
    d = np.array([0, 1, 2, 3, 3, 4, 5, 5, 6])
    fit = fake_fit(1.2, 2, 6)
    x, y = tpl_ccdf_line(d, fit)
    np.testing.assert_allclose(y, 7 / 8 * fit.distribution_.ccdf(x), rtol=1e-14)


def test_tpl_line_on_a_long_range_has_log_spaced_integer_points():
    fit = fake_fit(2.0, 3, 200_000)
    x, y = tpl_ccdf_line([3, 10, 100, 5000, 200_000], fit)
    assert x[0] == 3 and x[-1] == 200_000 and x.size <= 1000
    assert np.all(np.diff(x) > 0) and x.dtype == np.int64
    np.testing.assert_allclose(y, fit.distribution_.ccdf(x), rtol=1e-14)  # every degree in range


# ---------------------------------------------------------------------- one panel
def test_panel_draws_data_tpl_and_range(degrees):
    fit = fake_fit(1.7, 5, 300, p=0.4213)
    ax = plot_ccdf(degrees, fit, title="conv1")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    x, s = empirical_ccdf(degrees)
    np.testing.assert_array_equal(line(ax, "data").get_xdata(), x)
    np.testing.assert_allclose(line(ax, "data").get_ydata(), s)
    red = line(ax, "tpl")
    assert red.get_color() == "red"
    lx, ly = tpl_ccdf_line(degrees, fit)
    np.testing.assert_array_equal(red.get_xdata(), lx)
    positive = degrees[degrees > 0]
    n_tail, n_above = np.count_nonzero((positive >= 5) & (positive <= 300)), np.count_nonzero(positive > 300)
    np.testing.assert_allclose(red.get_ydata(), (n_tail * fit.distribution_.ccdf(lx) + n_above) / positive.size)
    assert list(line(ax, "xmin").get_xdata()) == [5, 5]
    assert list(line(ax, "xmax").get_xdata()) == [300, 300]
    assert ax.get_title() == "conv1\n\u03b1 = 1.70, p = 0.42"


def test_panel_without_bootstrap_or_fit(degrees):
    assert plot_ccdf(degrees, fake_fit(2.25, 5, 300)).get_title() == "\u03b1 = 2.25, p = n/a"
    ax = plot_ccdf(degrees, None, title="input", note="not fitted: 3 nodes")
    assert ax.get_title() == "input\nnot fitted: 3 nodes"
    assert sorted(ln.get_gid() for ln in ax.get_lines()) == ["data"]


def test_panel_with_only_zero_degrees():
    ax = plot_ccdf(np.zeros(10, dtype=int), title="output")
    assert not ax.get_lines()
    assert [t.get_text() for t in ax.texts] == ["no nonzero degrees"]


def test_panel_on_given_axes(degrees):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert plot_ccdf(degrees, fake_fit(1.7, 5, 300), ax=ax) is ax
    assert len(fig.axes) == 1


# ---------------------------------------------------------------------- the figure
def test_one_axes_per_layer_and_a_valid_png(tmp_path, degrees):
    layers = {f"l{i}": degrees[: 200 + 100 * i] for i in range(5)}
    fits = {"l0": fake_fit(1.7, 2, 300), "l2": fake_fit(1.8, 3, 200), "l4": None}
    path = tmp_path / "ccdf.png"
    fig = plot_layers(layers, fits, path=path, ncols=3, notes={"l3": "not fitted: too few distinct degrees"})
    assert len(fig.axes) == 5
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("l0\n\u03b1 = 1.70") and titles[1] == "l1\nnot fitted"
    assert titles[3] == "l3\nnot fitted: too few distinct degrees"
    assert [bool([ln for ln in ax.get_lines() if ln.get_gid() == "tpl"]) for ax in fig.axes] == \
        [True, False, True, False, False]
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    import matplotlib.image

    image = matplotlib.image.imread(str(path))
    assert image.ndim == 3 and image.shape[1] > image.shape[0]  # two rows of three columns
    assert [p.name for p in tmp_path.iterdir()] == ["ccdf.png"]  # no temporary file left


@pytest.mark.parametrize("n, ncols, shape", [(1, 3, (1, 1)), (3, 3, (1, 3)), (7, 3, (3, 3)), (4, 2, (2, 2))])
def test_grid_shape(n, ncols, shape, degrees):
    fig = plot_layers({f"l{i}": degrees for i in range(n)}, {}, ncols=ncols)
    assert len(fig.axes) == n
    spec = fig.axes[0].get_subplotspec().get_gridspec()
    assert (spec.nrows, spec.ncols) == shape


def test_failed_save_leaves_the_previous_file(tmp_path, degrees, monkeypatch):
    path = tmp_path / "ccdf.png"
    path.write_bytes(b"previous")
    from matplotlib.figure import Figure

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        plot_layers({"a": degrees}, {}, path=path)
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ccdf.png"]


def test_unwritable_path_fails_before_drawing(tmp_path, degrees):
    with pytest.raises(FileNotFoundError):
        plot_layers({"a": degrees}, {}, path=tmp_path / "missing" / "ccdf.png")


@pytest.mark.parametrize("call, match", [
    (lambda: plot_layers({}, {}), "empty"),
    (lambda: plot_layers({"a": [1, 2]}, {}, ncols=0), "ncols must be an integer >= 1; got 0"),
    (lambda: plot_ccdf([1, -2]), r"degrees must be >= 0; degrees\[1\] = -2$"),
    (lambda: plot_ccdf([1, 2.5]), r"degrees must be integers; degrees\[1\] = 2\.5$"),
    (lambda: plot_ccdf([1, 2], fit=object()), "fitted TruncatedPowerLaw"),
    (lambda: tpl_ccdf_line([0, 0], fake_fit(2.0, 1, 5)), "no positive value"),
])
def test_bad_input(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()


# ---------------------------------------------------------------------- matplotlib stays out of the way
def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLBACKEND": "", "DISPLAY": ""})


def test_importing_netgraph_plots_does_not_import_matplotlib():
    r = run_python("import sys, netgraph, netgraph.plots, netgraph.compare; "
                   "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_figures_need_no_display_and_no_pyplot(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "from types import SimpleNamespace\n"
        "from netgraph.plots import plot_layers\n"
        f"fig = plot_layers({{'a': np.arange(1, 50)}}, {{}}, path={str(tmp_path / 'x.png')!r})\n"
        "print(type(fig).__name__, 'matplotlib.pyplot' in sys.modules)\n"
    )
    r = run_python(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["Figure", "False"]
    assert (tmp_path / "x.png").read_bytes().startswith(PNG_MAGIC)


def test_with_pyplot_in_use_the_figure_is_managed_by_it(degrees):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    fig = plot_layers({"a": degrees}, {})
    try:
        assert fig.number in set(plt.get_fignums()) - before
    finally:
        plt.close(fig)

