"""The ``netgraph fit`` subcommand: a truncated power law for every layer's degrees.

::

    netgraph fit MODEL [--k 0.3] [--bootstrap N] [--seed S] [--rule {ks,deluca-corral}]
                       [--json] [-o FILE] [--plot DIR] [--lenient] [--include-output]

For every input and hidden layer of ``MODEL`` (and the output layers with
``--include-output``, which also counts the junctions into them, as ``netgraph degrees
--include-output`` does), the degrees of :func:`netgraph.layer_degrees` are fitted with
:class:`netgraph.tpl.TruncatedPowerLaw` (``--k``, ``--rule``), given a bootstrap p-value
when ``--bootstrap N`` asks for one (``N`` replicates, seeded by ``--seed``: each layer
gets its own stream, spawned from that seed), and compared with the alternatives of
:func:`netgraph.compare.compare_tpl`. A layer that cannot be fitted (too few nodes or
distinct degrees) is reported with ``"status": "not fitted"`` and the reason; the
others are still fitted.

Output: a table, or with ``--json`` the document

.. code-block:: text

    {"model": ..., "netgraph_version": ..., "options": {...},
     "layers": [{"name", "kind", "n", "isolated", "status": "ok", "xmin", "xmax",
                 "alpha", "ks", "n_tail", "n_above_xmax", "loglik", "p_value", "ks_choice",
                 "deluca_corral_choice", "compare": {alternative: {...}}},
                {"name", "kind", "n", "isolated", "status": "not fitted", "reason"}, ...]}

where a number that is not finite is written ``null``. ``--plot DIR`` writes
``DIR/ccdf.png``, one log-log CCDF panel per layer (:func:`netgraph.plots.plot_layers`).
Files are written atomically. The bootstrap shows a progress bar on standard error when
it is a terminal.
"""

from __future__ import annotations

import logging
import math
import os
import sys

__all__ = ["add_parser", "fit_document", "fit_table"]

logger = logging.getLogger(__name__)

#: ``--rule`` choices (the rule names of :class:`netgraph.tpl.TruncatedPowerLaw`).
RULES = ("ks", "deluca-corral")


def add_parser(sub, common) -> None:
    """Add the ``fit`` subcommand to ``sub`` (the subparsers of :func:`netgraph.cli.build_parser`).

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``netgraph`` parser.
    common : argparse.ArgumentParser
        The parent parser holding the options every subcommand shares (``-v``, ``-q``).
    """
    p = sub.add_parser(
        "fit", parents=[common], help="truncated power-law fits of every layer's degrees",
        description="Fit the discrete truncated power law of Hou & Kwok to the degrees of every input and "
                    "hidden layer (xmin and xmax searched among the k*n smallest and largest degrees, alpha "
                    "by maximum likelihood), with an optional bootstrap p-value, and compare it with the "
                    "power law, the power law with exponential cutoff, the lognormal and the exponential "
                    "(log-likelihood ratios, Vuong's test).")
    p.add_argument("model", metavar="MODEL", help="ONNX model, or a graph file (.graphml, .pickle, .pkl, .npz)")
    p.add_argument("--k", type=float, default=0.3,
                   help="fraction of the degrees searched for xmin (smallest) and xmax (largest), in (0, 0.5] "
                        "(default: %(default)s)")
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="replicates of the bootstrap p-value (default: 0, no p-value)")
    p.add_argument("--seed", type=int, default=None, help="random seed of the bootstrap (default: unseeded)")
    p.add_argument("--rule", choices=RULES, default="ks",
                   help="choice of (xmin, xmax): smallest KS distance (the paper's), or Deluca & Corral's widest "
                        "range whose p-value passes (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="machine-readable JSON instead of a table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    p.add_argument("--plot", metavar="DIR", help="write DIR/ccdf.png: the log-log CCDF of every layer with its fit")
    p.add_argument("--lenient", action="store_true",
                   help="cut unsupported operators (they start new input layers) instead of failing")
    p.add_argument("--include-output", action="store_true",
                   help="count the junctions into the output layers and fit the output layers too")
    p.set_defaults(func=_cmd_fit)


# ---------------------------------------------------------------------- checks
def _check_options(args) -> None:
    from netgraph.exceptions import NetgraphError

    if not (math.isfinite(args.k) and 0.0 < args.k <= 0.5):
        raise NetgraphError(f"--k must be in (0, 0.5]; got {args.k:g}")
    if args.bootstrap < 0:
        raise NetgraphError(f"--bootstrap must be a non-negative number of replicates; got {args.bootstrap}")
    if args.seed is not None and args.seed < 0:
        raise NetgraphError(f"--seed must be a non-negative integer; got {args.seed}")


def _plot_path(directory) -> str:
    """``directory/ccdf.png``, the directory created if needed; fails before any work is done."""
    from netgraph.utils.files import check_writable
    from netgraph.exceptions import NetgraphError

    if os.path.exists(directory) and not os.path.isdir(directory):
        raise NetgraphError(f"--plot {directory!r} exists and is not a directory")
    os.makedirs(directory, exist_ok=True)
    return check_writable(os.path.join(directory, "ccdf.png"))


# ---------------------------------------------------------------------- the work
def _layer_seeds(seed, n: int) -> list:
    """One independent seed per layer, spawned from ``seed`` (None: unseeded)."""
    if seed is None:
        return [None] * n
    import numpy as np

    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n)]


def _show_progress() -> bool:
    """Progress bars on standard error: only when it is a terminal and messages are not silenced (-q)."""
    if logging.getLogger("netgraph").getEffectiveLevel() > logging.WARNING:
        return False
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


def _fit_layer(degrees, *, k, rule, bootstrap, seed, name):
    """Fit one layer's TPL, with its bootstrap p-value when ``bootstrap`` > 0.

    The estimator's own warnings (no range passing Deluca & Corral's test, say) become
    one-line log messages naming the layer.
    """
    import warnings

    from netgraph.tpl import TruncatedPowerLaw

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = TruncatedPowerLaw(k=k, rule=rule, bootstrap=bootstrap, seed=seed,
                                progress=_show_progress()).fit(degrees)
    for w in caught:
        logger.warning("layer %s: %s", name, " ".join(str(w.message).split()))
    return est


def _finite(value):
    """A float, or None when it is not finite (JSON has no NaN or infinity)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _clean(obj):
    """``obj`` with numpy scalars as Python numbers and non-finite floats as None."""
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _finite(obj)
    return obj


def _compare(degrees, est) -> dict:
    """compare_tpl, one alternative at a time so that one failure does not hide the others."""
    from netgraph.compare import ALTERNATIVES, compare_tpl
    from netgraph.exceptions import NetgraphError

    out = {}
    for name in ALTERNATIVES:
        try:
            r = compare_tpl(degrees, est, alternatives=[name])[name]
        except NetgraphError as exc:
            out[name] = {"status": "not fitted", "reason": str(exc)}
            continue
        out[name] = {key: r[key] for key in ("R", "normalized_R", "p", "preferred", "alt_params",
                                             "alt_mass_above_xmax")}
    return out


def _choice(est, attribute):
    value = getattr(est, attribute, None)
    return dict(value) if value else None


def fit_document(graph, model: str, *, k: float = 0.3, rule: str = "ks", bootstrap: int = 0, seed=None,
                 include_output: bool = False, keep=None) -> dict:
    """The JSON document of ``netgraph fit --json`` (and the fits themselves, for the figure).

    Parameters
    ----------
    graph : LayeredGraph
        The network.
    model : str
        The model's path, recorded in the document.
    k, rule, bootstrap, seed, include_output
        As the command-line options (``rule`` in the spelling of the command line).
    keep : dict, optional
        If given, filled with ``layer name -> (degrees, fitted TruncatedPowerLaw or None,
        reason or None)`` for every layer of the document.

    Returns
    -------
    dict
        ``{"model", "netgraph_version", "options", "layers"}``; see :mod:`netgraph.cli_fit`.
    """
    from netgraph import __version__
    from netgraph.degrees import layer_degrees
    from netgraph.exceptions import FitError

    degrees = layer_degrees(graph, include_output=include_output)
    outputs = set(graph.outputs)
    layers = [layer for layer in graph.layers if include_output or layer.name not in outputs]
    seeds = _layer_seeds(seed, len(layers))
    entries = []
    for layer, layer_seed in zip(layers, seeds):
        d = degrees[layer.name]
        entry = {"name": layer.name, "kind": layer.kind, "n": int(d.size), "isolated": int((d == 0).sum())}
        logger.info("fitting layer %s (%d nodes)", layer.name, d.size)
        try:
            est = _fit_layer(d, k=k, rule=rule, bootstrap=bootstrap, seed=layer_seed, name=layer.name)
        except FitError as exc:
            entry.update(status="not fitted", reason=str(exc))
            logger.info("layer %s not fitted: %s", layer.name, exc)
            if keep is not None:
                keep[layer.name] = (d, None, str(exc))
            entries.append(entry)
            continue
        entry.update(
            status="ok",
            xmin=int(est.xmin_),
            xmax=int(est.xmax_),
            alpha=float(est.alpha_),
            ks=float(est.ks_),
            n_tail=int(est.n_tail_),
            n_above_xmax=int((d > est.xmax_).sum()),
            loglik=float(est.loglik_),
            p_value=_finite(est.p_value_),
            ks_choice=_choice(est, "ks_choice_"),
            deluca_corral_choice=_choice(est, "deluca_corral_choice_"),
            compare=_compare(d, est),
        )
        if keep is not None:
            keep[layer.name] = (d, est, None)
        entries.append(entry)
    return _clean({
        "model": model,
        "netgraph_version": __version__,
        "options": {"k": k, "rule": rule, "bootstrap": bootstrap, "seed": seed, "include_output": include_output},
        "layers": entries,
    })


# ---------------------------------------------------------------------- the table
def _number(value, fmt="{:.3g}") -> str:
    return "-" if value is None else fmt.format(value)


def _compare_cell(c) -> str:
    if "R" not in c:
        return "not fitted"
    p = c["p"]
    p_text = "p=-" if p is None else ("p<1e-4" if p < 1e-4 else f"p={p:.2g}")
    pref = c["preferred"]
    verdict = "tpl" if pref == "tpl" else ("alt" if pref else "-")
    return f"{_number(c['R'], '{:+.1f}')} {p_text} {verdict}"


def _align(rows, numeric_from: int) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i >= numeric_from else c.ljust(w)
                      for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]


def fit_table(document: dict) -> str:
    """A readable table of a :func:`fit_document`: the fits, then the model comparisons."""
    opts = document["options"]
    head = (f"TPL fits (k = {opts['k']:g}, rule {opts['rule']}, "
            + (f"bootstrap {opts['bootstrap']}, seed {opts['seed']}" if opts["bootstrap"] else "no bootstrap")
            + "); degrees in scalar connections")
    rows = [("layer", "n", "isolated", "xmin", "xmax", "alpha", "KS", "n_tail", "p")]
    notes = []
    for layer in document["layers"]:
        if layer["status"] != "ok":
            rows.append((layer["name"], str(layer["n"]), str(layer["isolated"]), "-", "-", "-", "-", "-", "-"))
            notes.append(f"  {layer['name']}: not fitted: {layer['reason']}")
            continue
        rows.append((layer["name"], str(layer["n"]), str(layer["isolated"]), str(layer["xmin"]), str(layer["xmax"]),
                     f"{layer['alpha']:.3f}", f"{layer['ks']:.4f}", str(layer["n_tail"]),
                     _number(layer["p_value"], "{:.3f}")))
    lines = [f"model: {document['model']}", head, *_align(rows, 1)]
    if notes:
        lines += ["", *notes]
    fitted = [layer for layer in document["layers"] if layer["status"] == "ok"]
    if fitted:
        names = list(fitted[0]["compare"])
        rows = [("layer", *names)]
        for layer in fitted:
            rows.append((layer["name"], *(_compare_cell(layer["compare"][n]) for n in names)))
        lines += ["", "model comparison: R = log-likelihood ratio TPL - alternative on the degrees in [xmin, xmax] "
                      "(> 0 favours the TPL); p = Vuong's two-sided p-value; "
                      "then the model preferred at p < 0.1 (tpl or alt), or -",
                  *_align(rows, 1)]
    return "\n".join(lines)


# ---------------------------------------------------------------------- the command
def _cmd_fit(args) -> int:
    from netgraph.utils.files import check_writable
    from netgraph.cli import _emit, _json_text, _read_model

    _check_options(args)
    if args.output:
        check_writable(args.output)
    plot_path = _plot_path(args.plot) if args.plot else None
    graph = _read_model(args.model, lenient=args.lenient)
    keep = {} if plot_path else None
    doc = fit_document(graph, args.model, k=args.k, rule=args.rule, bootstrap=args.bootstrap, seed=args.seed,
                       include_output=args.include_output, keep=keep)
    _emit(_json_text(doc) if args.json else fit_table(doc), args.output)
    if plot_path:
        _write_figure(keep, plot_path)
    return 0


def _write_figure(keep: dict, path: str) -> None:
    from netgraph.plots import plot_layers

    degrees = {name: d for name, (d, _, _) in keep.items()}
    fits = {name: est for name, (_, est, _) in keep.items() if est is not None}
    notes = {name: "not fitted" for name, (_, est, _) in keep.items() if est is None}
    fig = plot_layers(degrees, fits, path=path, notes=notes)
    if "matplotlib.pyplot" in sys.modules:  # a pyplot figure: let it go
        import matplotlib.pyplot as plt

        plt.close(fig)
    logger.info("wrote %s", path)
