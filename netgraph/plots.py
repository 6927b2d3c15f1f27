r"""Figures of degree distributions: log-log CCDFs with the fitted truncated power law.

The figures of Hou & Kwok [1]_ (Figures 1-5) show, for each layer of a pruned network,
the empirical complementary cumulative distribution function (CCDF) of the node
degrees on log-log axes, with the fitted truncated power law (TPL) drawn in red over
its range ``[xmin, xmax]``. :func:`plot_ccdf` draws one such panel and
:func:`plot_layers` one panel per layer, optionally saved as a PNG file.

What is drawn:

* Points: the empirical CCDF :math:`\hat S(x) = \#\{d_i \ge x\} / \#\{d_i > 0\}` at
  every distinct positive degree (zero-degree nodes cannot be placed on a log axis;
  they are counted in the fit's ``n_isolated_``).
* Red line: the fitted TPL on the scale of the points. The TPL's CCDF
  :math:`S(x) = \zeta(\alpha, x, x_{\max}) / \zeta(\alpha, x_{\min}, x_{\max})` is the
  probability of a degree at least ``x`` *among the degrees in its range*; among all
  positive degrees that probability is

  .. math:: \tilde S(x) = \frac{n_{\mathrm{tail}}\, S(x) + n_{>}}{n_{+}},
     \qquad x_{\min} \le x \le x_{\max},

  with :math:`n_{\mathrm{tail}}` the degrees in ``[xmin, xmax]``, :math:`n_{>}` those
  above ``xmax`` and :math:`n_+` all positive ones. So the line meets the points at
  ``xmin`` (:math:`\tilde S(x_{\min}) = \hat S(x_{\min})`, the scaling of
  ``powerlaw``'s ``plot_ccdf``), the vertical gap between the two is
  :math:`n_{\mathrm{tail}}/n_+` times the gap the KS distance measures, and the line
  does not plunge at ``xmax`` when degrees lie beyond it (with no degree above ``xmax``
  it is :math:`\hat S(x_{\min})\, S(x)`). It is evaluated at every integer of the
  range, or at 1,000 log-spaced integers of it when the range is longer. Where it falls
  below the smallest point (the expected count there is below one), the axes stop.
* Dashed grey vertical lines at ``xmin`` and ``xmax``; the exponent ``alpha`` and the
  bootstrap p-value (when one was computed) in the panel title.

matplotlib is imported by these functions only (``import netgraph`` never imports it),
and never needs a display: a new figure is a bare :class:`matplotlib.figure.Figure`,
rendered by the Agg backend when saved, unless :mod:`matplotlib.pyplot` is already
imported, in which case it is a pyplot figure (so ``plt.show()`` shows it).

References
----------
.. [1] Hou, L. and Kwok, J. T. "Power Law in Sparsified Deep Neural Networks."
   arXiv:1805.01891 (2018).
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_int, check_integers
from netgraph.utils.files import atomic_write, check_writable

__all__ = ["empirical_ccdf", "tpl_ccdf_line", "plot_ccdf", "plot_layers"]

#: Colour of the fitted TPL, as in the paper's figures.
TPL_COLOR = "red"
#: At most this many points on the red line (log-spaced integers when the range is longer).
_LINE_POINTS = 1000


def _degrees_array(degrees) -> np.ndarray:
    """The degrees flattened to 1-D int64, checked by :func:`~netgraph.utils.check.check_integers` (empty allowed)."""
    try:
        degrees = np.ravel(degrees)
    except ValueError:  # ragged: let the check word it
        pass
    return check_integers(degrees, "degrees", allow_empty=True)


def empirical_ccdf(degrees) -> tuple[np.ndarray, np.ndarray]:
    """The empirical CCDF of the positive degrees.

    Parameters
    ----------
    degrees : array_like of int
        Node degrees (non-negative integers); zeros are left out.

    Returns
    -------
    x : ndarray of int64
        The distinct positive degrees, increasing.
    s : ndarray of float
        ``s[i]``: the fraction of positive degrees that are ``>= x[i]`` (so ``s[0] = 1``).

    Raises
    ------
    InvalidParameterError
        If a degree is negative, non-integer or not finite.

    Examples
    --------
    >>> x, s = empirical_ccdf([0, 1, 1, 2, 5])
    >>> x.tolist(), s.tolist()
    ([1, 2, 5], [1.0, 0.5, 0.25])
    """
    d = _degrees_array(degrees)
    d = np.sort(d[d > 0])
    x, first = np.unique(d, return_index=True)
    return x, (d.size - first) / d.size if d.size else np.empty(0)


def _fit_range(fit) -> tuple[int, int, float]:
    try:
        return int(fit.xmin_), int(fit.xmax_), float(fit.alpha_)
    except (AttributeError, TypeError) as exc:
        raise InvalidParameterError(
            f"fit must be a fitted TruncatedPowerLaw (with xmin_, xmax_, alpha_); got {type(fit).__name__} ({exc})"
        ) from None


def tpl_ccdf_line(degrees, fit) -> tuple[np.ndarray, np.ndarray]:
    """The red line of the figures: the fitted TPL's CCDF on the scale of all positive degrees.

    Parameters
    ----------
    degrees : array_like of int
        The degrees the TPL was fitted to.
    fit : TruncatedPowerLaw
        A fitted :class:`netgraph.tpl.TruncatedPowerLaw`.

    Returns
    -------
    x : ndarray of int64
        Every integer of ``[xmin, xmax]``, or 1,000 log-spaced integers of it (``xmin``
        and ``xmax`` included) when the range is longer.
    y : ndarray of float
        ``(n_tail * fit.distribution_.ccdf(x) + n_above) / n_positive``: the share of
        positive degrees at least ``x`` that the fit predicts, with ``n_tail`` the
        degrees in ``[xmin, xmax]`` and ``n_above`` those above ``xmax`` (see
        :mod:`netgraph.plots`).

    Raises
    ------
    InvalidParameterError
        On invalid degrees or fit, or degrees with no positive value.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph.tpl import DiscreteTPL, fit_tpl
    >>> degrees = DiscreteTPL(2.0, 3, 500).sample(1000, seed=0)
    >>> fit = fit_tpl(degrees)
    >>> x, y = tpl_ccdf_line(degrees, fit)
    >>> int(x[0]) == fit.xmin_, int(x[-1]) == fit.xmax_, bool(np.all(np.diff(y) < 0))
    (True, True, True)
    >>> bool(np.isclose(y[0], np.mean(degrees >= fit.xmin_)))  # the curves meet at xmin
    True
    """
    xmin, xmax, _ = _fit_range(fit)
    d = _degrees_array(degrees)
    positive = d[d > 0]
    if not positive.size:
        raise InvalidParameterError("degrees has no positive value to scale the fitted CCDF to")
    n_tail = np.count_nonzero((positive >= xmin) & (positive <= xmax))
    n_above = np.count_nonzero(positive > xmax)
    if xmax - xmin + 1 <= _LINE_POINTS:
        x = np.arange(xmin, xmax + 1, dtype=np.int64)
    else:
        x = np.unique(np.round(np.geomspace(xmin, xmax, _LINE_POINTS)).astype(np.int64))
    y = (n_tail * np.asarray(fit.distribution_.ccdf(x), dtype=float) + n_above) / positive.size
    return x, y


def _new_figure(figsize):
    """A pyplot figure if pyplot is in use, else a bare Figure (no backend, no display)."""
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, layout="constrained")
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _log_axes(ax, x, s) -> None:
    """Log-log axes framed on the data; readable ticks on ranges narrower than a decade."""
    from matplotlib import ticker

    ax.set_xscale("log")
    ax.set_yscale("log")
    lo, hi = float(x[0]), float(x[-1])
    pad = (hi / lo) ** 0.04 if hi > lo else 1.5
    ax.set_xlim(lo / pad, hi * pad)
    ax.set_ylim(float(s[-1]) / 2.0, 1.6)
    if hi / lo < 20.0:  # under about a decade: few or no labelled powers of ten
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=4))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.xaxis.set_major_formatter(ticker.EngFormatter(sep=""))


def _panel_title(title, fit, note) -> str:
    lines = [str(title)] if title else []
    if fit is not None:
        _, _, alpha = _fit_range(fit)
        p = getattr(fit, "p_value_", None)
        p_text = "n/a" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{p:.2f}"
        lines.append(f"\u03b1 = {alpha:.2f}, p = {p_text}")
    elif note:
        lines.append(note)
    return "\n".join(lines)


def plot_ccdf(degrees, fit=None, *, ax=None, title=None, note=None):
    """Draw the log-log CCDF of one layer's degrees, with the fitted TPL in red.

    Parameters
    ----------
    degrees : array_like of int
        The layer's degrees (zeros are counted in the fit but cannot be drawn).
    fit : TruncatedPowerLaw, optional
        A fitted :class:`netgraph.tpl.TruncatedPowerLaw` of ``degrees``: its CCDF is drawn
        in red over ``[xmin, xmax]`` (see :func:`tpl_ccdf_line`), ``xmin`` and ``xmax``
        are marked by dashed vertical lines, and ``alpha`` and the p-value (``n/a``
        without a bootstrap) go in the title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (see :mod:`netgraph.plots`) when omitted.
    title : str, optional
        First line of the panel title (the layer's name, say).
    note : str, optional
        Second line of the title when there is no ``fit`` (such as ``"not fitted"``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. The empirical points are the line with gid ``"data"``, the
        TPL the one with gid ``"tpl"``, the markers of the range ``"xmin"`` and ``"xmax"``.

    Raises
    ------
    InvalidParameterError
        On degrees that are not non-negative integers, or a ``fit`` that is not a fitted TPL.

    Examples
    --------
    >>> from netgraph.tpl import DiscreteTPL, fit_tpl
    >>> degrees = DiscreteTPL(1.8, 4, 800).sample(2000, seed=0)
    >>> ax = plot_ccdf(degrees, fit_tpl(degrees), title="conv1")
    >>> ax.get_xscale(), ax.get_yscale(), ax.get_title().splitlines()[0]
    ('log', 'log', 'conv1')
    >>> sorted(line.get_gid() for line in ax.get_lines())
    ['data', 'tpl', 'xmax', 'xmin']
    """
    x, s = empirical_ccdf(degrees)
    if ax is None:
        ax = _new_figure((4.5, 3.5)).add_subplot()
    if x.size:
        ax.plot(x, s, linestyle="none", marker="o", markersize=3, color="C0", alpha=0.8, gid="data",
                label="data")
    else:
        ax.text(0.5, 0.5, "no nonzero degrees", ha="center", va="center", transform=ax.transAxes)
    if fit is not None:
        lx, ly = tpl_ccdf_line(degrees, fit)
        xmin, xmax, _ = _fit_range(fit)
        ax.plot(lx, ly, color=TPL_COLOR, linewidth=1.6, gid="tpl", label="TPL fit")
        for value, gid in ((xmin, "xmin"), (xmax, "xmax")):
            ax.axvline(value, color="0.5", linestyle="--", linewidth=0.8, gid=gid)
    if x.size:
        _log_axes(ax, x, s)
    ax.set_xlabel("degree x")
    ax.set_ylabel("P(degree \u2265 x)")
    ax.set_title(_panel_title(title, fit, note), fontsize="medium")
    return ax


def plot_layers(degrees_by_layer, fits=None, *, path=None, ncols: int = 3, notes=None, dpi: int = 120):
    """One CCDF panel per layer, like Hou & Kwok's Figures 1-5; optionally saved as PNG.

    Parameters
    ----------
    degrees_by_layer : dict of str to array_like
        Layer name to its degrees (such as :func:`netgraph.layer_degrees` returns); one
        panel per entry, in order.
    fits : dict of str to TruncatedPowerLaw or None, optional
        Layer name to its fitted TPL; a layer missing from it, or mapped to None, is
        drawn without a fit.
    path : str or os.PathLike, optional
        Write the figure there as a PNG, atomically (the file appears whole or not at all).
    ncols : int, default 3
        Panels per row (fewer when there are fewer layers).
    notes : dict of str to str, optional
        Layer name to the second title line of a panel without a fit (the reason it was
        not fitted, say).
    dpi : int, default 120
        Resolution of the PNG file.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with exactly one axes per layer.

    Raises
    ------
    InvalidParameterError
        If there is no layer, ``ncols`` is not a positive integer, or a layer's degrees
        or fit are invalid.
    OSError
        If ``path`` cannot be written (nothing is left behind).

    Examples
    --------
    >>> import os, tempfile
    >>> from netgraph.tpl import DiscreteTPL, fit_tpl
    >>> layers = {f"fc{i}": DiscreteTPL(1.5 + i / 4, 2, 300).sample(800, seed=i) for i in range(4)}
    >>> fits = {name: fit_tpl(d) for name, d in layers.items()}
    >>> path = os.path.join(tempfile.mkdtemp(), "ccdf.png")
    >>> fig = plot_layers(layers, fits, path=path, ncols=3)
    >>> len(fig.axes), open(path, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
    (4, True)
    """
    layers = list(dict(degrees_by_layer).items())
    if not layers:
        raise InvalidParameterError("degrees_by_layer is empty: there is no layer to plot")
    ncols = check_int(ncols, "ncols", minimum=1)
    fits = dict(fits or {})
    notes = dict(notes or {})
    if path is not None:
        check_writable(path)
    n = len(layers)
    cols = min(ncols, n)
    rows = math.ceil(n / cols)
    fig = _new_figure((4.2 * cols, 3.4 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    for ax, (name, degrees) in zip(axes, layers):
        fit = fits.get(name)
        plot_ccdf(degrees, fit, ax=ax, title=name, note=notes.get(name, "not fitted" if fit is None else None))
    if path is not None:
        with atomic_write(os.fspath(path), "wb") as f:
            fig.savefig(f, format="png", dpi=dpi)
    return fig
