r"""Figures like Hou & Kwok's 7, 8 and 9 from an :class:`AttachmentResult`.

* :func:`plot_delta`: figure 7, :math:`\hat\Delta_0^l(d_1, d_2)` of every junction as a
  heat map over the degree classes of its two layers (cells with no pair left blank);
* :func:`plot_omega`: figure 8, :math:`\hat\Omega_0^l(d)` of every layer against
  :math:`d`, with both lines: the least-squares fit and eq. (10)'s prediction
  (through the origin, of slope ``predicted_slope``);
* :func:`plot_ccdf_t1`: figure 9, the CCDF of every layer's degrees at :math:`t = 1`
  with its TPL fit (:func:`netgraph.plots.plot_layers`);
* :func:`write_figures`: the three PNGs into a folder, each written atomically.

matplotlib is imported inside the functions; a bare :class:`matplotlib.figure.Figure` is
used unless pyplot is already in use, so no display is needed.
"""

from __future__ import annotations

import io
import math
import os

import numpy as np

from netgraph.utils.files import atomic_write, write_files

__all__ = ["plot_delta", "plot_omega", "plot_ccdf_t1", "write_figures", "figure_files", "FIGURE_FILES"]

#: The files :func:`write_figures` writes.
FIGURE_FILES = ("delta_hat.png", "omega_hat.png", "ccdf_t1.png")


def _figure(n: int, width: float = 4.4, height: float = 3.6):
    from netgraph.plots import _new_figure

    cols = min(3, max(n, 1))
    rows = math.ceil(max(n, 1) / cols)
    fig = _new_figure((width * cols, height * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    return fig, axes[:n]


def _save(fig, path, dpi):
    if path is not None:
        with atomic_write(os.fspath(path), "wb") as f:
            fig.savefig(f, format="png", dpi=dpi)
    return fig


def _labels(low, high):
    return [str(a) if a == b else f"{a}-{b}" for a, b in zip(low.tolist(), high.tolist())]


def plot_delta(result, *, path=None, dpi: int = 110):
    r"""Figure 7: :math:`\hat\Delta` over the degree classes of each junction.

    Parameters
    ----------
    result : AttachmentResult
    path : str, optional
        Write the figure there (PNG, atomically).
    dpi : int, default 110

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> from netgraph.attachment import attachment_analysis
    >>> layers = [Layer("x", 3, "input"), Layer("h", 3, "dense")]
    >>> c0, c1 = np.eye(3, dtype=int), np.ones((3, 3), dtype=int)
    >>> r = attachment_analysis(LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm")]),
    ...                         LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm")]), fit=False)
    >>> len(plot_delta(r).axes)  # one panel and its colour bar
    2
    """
    fig, axes = _figure(len(result.delta))
    for ax, t in zip(axes, result.delta):
        values = np.ma.masked_invalid(t.values)
        image = ax.imshow(values.T, origin="lower", aspect="auto", cmap="viridis", interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.85)
        for axis, low, high, setter in ((0, t.d1_low, t.d1_high, ax.set_xticks), (1, t.d2_low, t.d2_high, ax.set_yticks)):
            labels = _labels(low, high)
            step = max(1, len(labels) // 8)
            setter(range(0, len(labels), step), labels[::step], fontsize=7)
        ax.set_xlabel(f"$d_1$ ({t.source}, t0)")
        ax.set_ylabel(f"$d_2$ ({t.target}, t0)")
        ax.set_title(f"$\\hat\\Delta$: {t.source} -> {t.target}", fontsize=9)
    return _save(fig, path, dpi)


def plot_omega(result, *, path=None, dpi: int = 110):
    r"""Figure 8: :math:`\hat\Omega(d)` of each layer with the least-squares and the predicted lines.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> from netgraph.attachment import attachment_analysis
    >>> layers = [Layer("x", 3, "input"), Layer("h", 3, "dense")]
    >>> c0, c1 = np.tril(np.ones((3, 3), dtype=int)), np.ones((3, 3), dtype=int)
    >>> r = attachment_analysis(LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm")]),
    ...                         LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm")]), fit=False)
    >>> len(plot_omega(r).axes)
    2
    """
    fig, axes = _figure(len(result.omega))
    for ax, o in zip(axes, result.omega):
        ax.plot(o.degree, o.omega, "o", ms=3, color="C0", label=r"$\hat\Omega(d)$")
        if o.degree.size:
            x = np.array([0.0, float(o.degree.max())])
            line = o.line
            if line["slope"] is not None and math.isfinite(line["slope"]):
                ax.plot(x, line["intercept"] + line["slope"] * x, "-", color="C1",
                        label=f"fit: slope {line['slope']:.3g}, $r^2$ {line['r2']:.2f}")
            if math.isfinite(o.predicted_slope):
                ax.plot(x, o.predicted_slope * x, "--", color="C2", label=f"eq. (10): slope {o.predicted_slope:.3g}")
        ax.set_xlabel("degree d at t0")
        ax.set_ylabel("new connections per node")
        zero = o.zero_degree
        ax.set_title(f"{o.layer} (degree 0: {zero['nodes']} nodes, {zero['new_connections']} new)", fontsize=9)
        ax.legend(fontsize=7)
    return _save(fig, path, dpi)


def plot_ccdf_t1(result, *, path=None, dpi: int = 110):
    """Figure 9: the CCDF of each layer's degrees at ``t = 1`` with its TPL fit (if fitted).

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> from netgraph.attachment import attachment_analysis
    >>> layers = [Layer("x", 3, "input"), Layer("h", 3, "dense")]
    >>> c0, c1 = np.eye(3, dtype=int), np.ones((3, 3), dtype=int)
    >>> r = attachment_analysis(LayeredGraph(layers, [Junction("x", "h", c0, c0, op="Gemm")]),
    ...                         LayeredGraph(layers, [Junction("x", "h", c1, c1, op="Gemm")]), fit=False)
    >>> len(plot_ccdf_t1(r).axes)
    2
    """
    from netgraph.plots import plot_layers

    degrees = result.matching.degrees(result.options["degree"], 1)
    fits = {name: pair[1] for name, pair in result.fits.items() if pair[1] is not None}
    return plot_layers(degrees, fits, path=path, dpi=dpi)


def figure_files(result, *, dpi: int = 110) -> dict:
    """The PNG bytes of :data:`FIGURE_FILES` (figures 7, 8, 9), by file name."""
    import sys

    files = {}
    for name, plot in zip(FIGURE_FILES, (plot_delta, plot_omega, plot_ccdf_t1)):
        fig = plot(result, dpi=dpi)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        files[name] = buffer.getvalue()
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close(fig)
    return files


def write_figures(result, folder, *, dpi: int = 110) -> list:
    """Write :data:`FIGURE_FILES` (figures 7, 8, 9) into ``folder``, each atomically, all of them or none.

    Returns
    -------
    list of str
        The paths written.
    """
    return write_files(folder, figure_files(result, dpi=dpi))
