"""``netgraph fit MODEL``: a truncated power law for every layer's degrees.

::

    netgraph fit MODEL [--k 0.3] [--bootstrap N] [--seed S] [--jobs J] [--sequential]
                       [--rule {ks,deluca-corral}] [--json] [-o FILE] [--plot DIR] [--lenient] [--include-output] [--allow-pickle]

For every input and hidden layer of ``MODEL`` (and the output layers with
``--include-output``, which also counts the junctions into them, as ``netgraph degrees
--include-output`` does), the degrees of :func:`netgraph.layer_degrees` are fitted with
:class:`netgraph.tpl.TruncatedPowerLaw` (``--k``, ``--rule``), given a bootstrap p-value
when ``--bootstrap N`` asks for one (``N`` replicates, seeded by ``--seed``: each layer
gets its own stream, spawned from that seed; the replicates of every layer run on one pool
of ``--jobs`` processes, every core by default, and ``--sequential`` stops a layer's
bootstrap once its decision at p = 0.1 is settled, see
:func:`netgraph.tpl.bootstrap.clauset_pvalues`), and compared with the alternatives of
:func:`netgraph.compare.compare_tpl`. A layer that cannot be fitted (too few nodes or
distinct degrees) is reported with ``"status": "not fitted"`` and the reason; the
others are still fitted.

Output: a table, or with ``--json`` the document

.. code-block:: text

    {"model": ..., "netgraph_version": ..., "options": {...},
     "layers": [{"name", "kind", "n", "isolated", "status": "ok", "xmin", "xmax",
                 "alpha", "ks", "n_tail", "n_above_xmax", "loglik", "p_value", "p_value_mc_error",
                 "bootstrap_replicates", "ks_choice",
                 "deluca_corral_choice", "compare": {alternative: {...}}},
                {"name", "kind", "n", "isolated", "status": "not fitted", "reason"}, ...]}

where a number that is not finite is written ``null``; ``p_value_mc_error`` is the Monte
Carlo standard error of ``p_value``, ``sqrt(p (1 - p) / m)`` over the ``m`` fitted replicates
(``bootstrap_replicates`` were drawn; fewer than ``N`` when ``--sequential`` stopped early). ``--plot DIR`` writes
``DIR/ccdf.png``, one log-log CCDF panel per layer (:func:`netgraph.plots.plot_layers`);
``DIR`` is checked before the model is read but created only when the figure is written,
and removed again if writing it fails, so a failed run leaves no ``DIR`` behind. Files
are written atomically. ``--bootstrap`` is at most :data:`MAX_BOOTSTRAP`; the bootstrap
shows a progress bar on standard error when it is a terminal, and stops at once on
Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import logging
import math
import os

import numpy as np

from netgraph import __version__
from netgraph.cli._common import output_path, add_json_option, add_lenient_option, add_model_argument, add_output_option, emit, \
    model_options, read_model, write_ccdf_figure
from netgraph.degrees import layer_degrees
from netgraph.exceptions import FitError, InvalidParameterError, NetgraphError
from netgraph.utils.check import check_int, check_real
from netgraph.utils.files import check_output_dir, check_writable, created_folder
from netgraph.tpl.bootstrap import supported
from netgraph.utils.progress import show_progress
from netgraph.utils.seeds import spawn_seeds
from netgraph.utils.tables import format_table, json_text, one_line

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "RULES", "MAX_BOOTSTRAP", "SEQUENTIAL_THRESHOLD",
           "SEQUENTIAL_H", "PLOT_FILE", "add_arguments", "run",
           "fit_document", "fit_table"]

logger = logging.getLogger(__name__)

NAME = "fit"
HELP = "truncated power-law fits of every layer's degrees"
DESCRIPTION = ("Fit the discrete truncated power law of Hou & Kwok to the degrees of every input and hidden layer "
               "(xmin and xmax searched among the k*n smallest and largest degrees, alpha by maximum likelihood), "
               "with an optional bootstrap p-value, and compare it with the power law, the power law with "
               "exponential cutoff, the lognormal and the exponential (log-likelihood ratios, Vuong's test).")
ORDER = 40

#: ``--rule`` choices (the rule names of :class:`netgraph.tpl.TruncatedPowerLaw`).
RULES = ("ks", "deluca-corral")

#: The largest ``--bootstrap``: 100,000 replicates give a p-value to within about 0.003
#: (its standard error is at most 0.5 / sqrt(N)); more would only take hours.
MAX_BOOTSTRAP = 100_000

#: ``--sequential``: the decision threshold of the p-value and the number of replicates at
#: least as far from their fit as the data (Besag & Clifford's h) after which a layer stops.
SEQUENTIAL_THRESHOLD = 0.1
SEQUENTIAL_H = 10

#: The figure ``--plot DIR`` writes into ``DIR``.
PLOT_FILE = "ccdf.png"


def add_arguments(parser) -> None:
    """Add ``MODEL``, ``--allow-pickle`` and the options of the fits to ``parser``."""
    add_model_argument(parser)
    parser.add_argument("--k", type=float, default=0.3,
                        help="fraction of the degrees (of the distinct degrees with --k-reading distinct) searched "
                             "for xmin (smallest) and xmax (largest), in (0, 1]; 1 searches every distinct degree "
                             "(default: %(default)s)")
    parser.add_argument("--k-reading", choices=("order", "distinct"), default="order",
                        help="read k over the order statistics (the paper's reading) or over the distinct degrees "
                             "(default: %(default)s)")
    parser.add_argument("--xmax", default=None, metavar="X",
                        help="fix xmax instead of searching it; 'inf' fits the untruncated power law (xmin searched "
                             "only, normalised by the Hurwitz zeta function)")
    parser.add_argument("--min-ratio", type=float, default=1.0, metavar="R",
                        help="search only ranges with xmax / xmin >= R (default: %(default)s)")
    parser.add_argument("--min-distinct", type=int, default=3, metavar="D",
                        help="search only ranges holding at least D distinct degrees, D >= 3 (default: %(default)s)")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help=f"replicates of the bootstrap p-value, at most {MAX_BOOTSTRAP:,} "
                             "(default: 0, no p-value)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the bootstrap (default: unseeded)")
    parser.add_argument("--jobs", type=int, default=None, metavar="J",
                        help="worker processes of the bootstrap; the p-values do not depend on it "
                             "(default: every core, os.cpu_count())")
    parser.add_argument("--sequential", action="store_true",
                        help="sequential Monte Carlo p-values (Besag & Clifford): stop a layer's bootstrap after "
                             f"{SEQUENTIAL_H} replicates reach the observed distance, or once p > "
                             f"{SEQUENTIAL_THRESHOLD} or not is settled (--rule ks only)")
    parser.add_argument("--rule", choices=RULES, default="ks",
                        help="choice of (xmin, xmax): smallest KS distance (the paper's), or Deluca & Corral's "
                             "widest range whose p-value passes (default: %(default)s)")
    add_json_option(parser)
    add_output_option(parser)
    parser.add_argument("--plot", metavar="DIR", type=output_path,
                        help="write DIR/ccdf.png: the log-log CCDF of every layer with its fit")
    add_lenient_option(parser)
    parser.add_argument("--include-output", action="store_true",
                        help="count the junctions into the output layers and fit the output layers too")


# ---------------------------------------------------------------------- checks
def _check_options(args) -> tuple:
    """Check ``--k``, ``--bootstrap``, ``--seed``, ``--jobs`` and ``--sequential`` before the model is read;
    return the first four."""
    k = check_real(args.k, "--k", minimum=0, maximum=1, open_minimum=True)
    bootstrap = check_int(args.bootstrap, "--bootstrap", minimum=0, maximum=MAX_BOOTSTRAP)
    seed = None if args.seed is None else check_int(args.seed, "--seed", minimum=0)
    jobs = (os.cpu_count() or 1) if args.jobs is None else check_int(args.jobs, "--jobs", minimum=1)
    if args.sequential and args.rule != "ks":
        raise InvalidParameterError(f"--sequential works with --rule ks only; got --rule {args.rule}: "
                                    "drop --sequential or use --rule ks")
    return k, bootstrap, seed, jobs


def _search_options(args) -> dict:
    """The search keywords of :class:`~netgraph.tpl.TruncatedPowerLaw` from ``--k-reading``,
    ``--xmax``, ``--min-ratio`` and ``--min-distinct``, checked before the model is read."""
    xmax = None
    if args.xmax is not None:
        text = str(args.xmax).strip().lower()
        if text in ("inf", "infinity"):
            xmax = math.inf
        else:
            try:
                xmax = int(text)
            except ValueError:
                raise InvalidParameterError(f"--xmax must be an integer >= 1 or 'inf'; got {args.xmax!r}") from None
            xmax = check_int(xmax, "--xmax", minimum=1)
    if xmax is not None and args.rule != "ks":
        raise InvalidParameterError(f"--xmax works with --rule ks only; got --rule {args.rule}: drop --xmax or use "
                                    "--rule ks")
    return {"k_reading": args.k_reading, "xmax": xmax,
            "min_ratio": check_real(args.min_ratio, "--min-ratio", minimum=1),
            "min_distinct": check_int(args.min_distinct, "--min-distinct", minimum=3)}


def _check_plot_dir(directory) -> str:
    """Check ``--plot DIR`` (and ``DIR/ccdf.png`` when ``DIR`` exists) before any work; create nothing."""
    return check_output_dir(directory, "--plot", files=(PLOT_FILE,))


# ---------------------------------------------------------------------- the work
def _fit_layer(degrees, *, k, rule, bootstrap, seed, name, jobs=1, search=None):
    """Fit one layer's TPL without bootstrap; with ``bootstrap`` > 0 and a fit that
    :func:`netgraph.tpl.bootstrap.supported` leaves out (rule ``"deluca-corral"``), also
    its p-value from the estimator's own bootstrap, on ``jobs`` processes.

    The estimator's own warnings (no range passing Deluca & Corral's test, say) become
    one-line log messages naming the layer. The bootstrap's progress bar shows when
    :func:`netgraph.utils.progress.show_progress` says so.
    """
    import warnings

    from netgraph.tpl import TruncatedPowerLaw

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        options = dict(k=k, rule=rule, seed=seed, n_jobs=jobs, progress=show_progress(), **(search or {}))
        est = TruncatedPowerLaw(bootstrap=0 if rule == "ks" else bootstrap, **options).fit(degrees)
        if bootstrap and rule == "ks" and not supported(est):  # the estimator's own bootstrap
            est = TruncatedPowerLaw(bootstrap=bootstrap, **options).fit(degrees)
    for w in caught:
        logger.warning("layer %s: %s", name, one_line(w.message))
    return est


def _p_values(fits: dict, *, rule, bootstrap, jobs, sequential) -> dict:
    """``layer name -> (p_value, mc_error, replicates)`` of the fitted layers ``fits``
    (name -> estimator): rule ``"ks"`` on one pool for every layer
    (:func:`netgraph.tpl.bootstrap.clauset_pvalues`), the other from each fit's own bootstrap."""
    if not bootstrap or not fits:
        return {name: (None, None, 0) for name in fits}
    from netgraph.tpl.bootstrap import clauset_pvalues, supported

    out = {}
    for name, est in list(fits.items()):
        if not supported(est):
            m = int(np.count_nonzero(~np.isnan(est.bootstrap_ks_)))
            p = est.p_value_
            out[name] = (p, math.sqrt(p * (1.0 - p) / m), int(est.bootstrap_ks_.size))
    fits = {name: est for name, est in fits.items() if name not in out}
    if not fits:
        return out
    logger.info("bootstrap: %d replicates of %d layers on %d process%s%s", bootstrap, len(fits), jobs,
                "es" if jobs > 1 else "", ", sequential" if sequential else "")
    results = clauset_pvalues(list(fits.values()), bootstrap, n_jobs=jobs, sequential=sequential,
                              threshold=SEQUENTIAL_THRESHOLD, h=SEQUENTIAL_H, progress=show_progress())
    for (name, est), r in zip(fits.items(), results):
        est.p_value_ = r["p_value"]  # as the estimator's own bootstrap sets them
        est.ks_choice_ = est._search.choice(est._search.best, r["p_value"])
        out[name] = (r["p_value"], r["mc_error"], r["replicates"])
    return out


def _finite(value):
    """A float, or None when it is not finite (JSON has no NaN or infinity)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _clean(obj):
    """``obj`` with numpy scalars as Python numbers and non-finite floats as None."""
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
                 include_output: bool = False, keep=None, n_jobs: int = 1, sequential: bool = False,
                 search=None) -> dict:
    """The JSON document of ``netgraph fit --json`` (and the fits themselves, for the figure).

    Parameters
    ----------
    graph : LayeredGraph
        The network.
    model : str
        The model's path, recorded in the document.
    k, rule, bootstrap, seed, include_output, sequential
        As the command-line options (``rule`` in the spelling of the command line).
    n_jobs : int, default 1
        Worker processes of the bootstrap (``--jobs``); the p-values do not depend on it.
    search : dict, optional
        Keywords of :class:`~netgraph.tpl.TruncatedPowerLaw`'s search: ``k_reading``,
        ``xmax`` (``math.inf`` for the untruncated power law), ``min_ratio``,
        ``min_distinct`` (``--k-reading``, ``--xmax``, ``--min-ratio``, ``--min-distinct``).
    keep : dict, optional
        If given, filled with ``layer name -> (degrees, fitted TruncatedPowerLaw or None,
        reason or None)`` for every layer of the document.

    Returns
    -------
    dict
        ``{"model", "netgraph_version", "options", "layers"}``; see :mod:`netgraph.cli.fit`.
        Each layer gets its own seed, spawned from ``seed``
        (:func:`netgraph.utils.seeds.spawn_seeds`). The layers are fitted first; then,
        with rule ``"ks"``, the bootstrap replicates of all of them run on one pool
        (:func:`netgraph.tpl.bootstrap.clauset_pvalues`), with the p-values of each
        estimator's own ``goodness_of_fit`` (``bootstrap`` replicates, its seed).

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> rng = np.random.default_rng(0)
    >>> c1, c2 = (rng.random((40, 60)) < 0.3).astype(int), np.ones((2, 40), int)
    >>> g = LayeredGraph([Layer("x", 60, "input"), Layer("h", 40, "dense"), Layer("y", 2, "dense")],
    ...                  [Junction("x", "h", c1, 1.0 * c1, op="Gemm"), Junction("h", "y", c2, 1.0 * c2, op="Gemm")],
    ...                  outputs=["y"])
    >>> doc = fit_document(g, "g.npz")
    >>> [(layer["name"], layer["status"], layer["xmin"], layer["xmax"]) for layer in doc["layers"]]
    [('x', 'ok', 8, 17), ('h', 'ok', 17, 19)]
    >>> from netgraph.compare import ALTERNATIVES
    >>> sorted(doc["layers"][0]["compare"]) == sorted(ALTERNATIVES)
    True
    """
    degrees = layer_degrees(graph, include_output=include_output)
    outputs = set(graph.outputs)
    layers = [layer for layer in graph.layers if include_output or layer.name not in outputs]
    seeds = spawn_seeds(seed, len(layers))
    entries, fits = [], {}
    for layer, layer_seed in zip(layers, seeds):  # the fits first, then every layer's bootstrap at once
        d = degrees[layer.name]
        entries.append({"name": layer.name, "kind": layer.kind, "n": int(d.size), "isolated": int((d == 0).sum())})
        logger.info("fitting layer %s (%d nodes)", layer.name, d.size)
        try:
            fits[layer.name] = _fit_layer(d, k=k, rule=rule, bootstrap=bootstrap, seed=layer_seed, name=layer.name,
                                          jobs=n_jobs, search=search)
        except FitError as exc:
            entries[-1].update(status="not fitted", reason=str(exc))
            logger.info("layer %s not fitted: %s", layer.name, exc)
    pvalues = _p_values(fits, rule=rule, bootstrap=bootstrap, jobs=n_jobs, sequential=sequential)
    for entry in entries:
        name = entry["name"]
        d = degrees[name]
        est = fits.get(name)
        p, p_err, used = pvalues.get(name, (None, None, 0))
        if est is not None and bootstrap and p is None:
            est = None
            entry.update(status="not fitted", reason="no synthetic data set of the bootstrap could be fitted")
        if est is None:
            if keep is not None:
                keep[name] = (d, None, entry["reason"])
            continue
        entry.update(
            status="ok", xmin=int(est.xmin_), xmax=None if math.isinf(est.xmax_) else int(est.xmax_),
            alpha=float(est.alpha_), ks=float(est.ks_), narrow_range=getattr(est, "narrow_range_", None),
            n_tail=int(est.n_tail_), n_above_xmax=int((d > est.xmax_).sum()), loglik=float(est.loglik_),
            p_value=_finite(p), p_value_mc_error=_finite(p_err), bootstrap_replicates=used,
            ks_choice=_choice(est, "ks_choice_"), deluca_corral_choice=_choice(est, "deluca_corral_choice_"),
            compare=_compare(d, est),
        )
        if keep is not None:
            keep[name] = (d, est, None)
    return _clean({
        "model": model,
        "netgraph_version": __version__,
        "options": {"k": k, "rule": rule, "bootstrap": bootstrap, "seed": seed, "sequential": sequential,
                    "include_output": include_output, **_search_document(search)},
        "layers": entries,
    })


def _search_document(search) -> dict:
    """The search options as the document records them (``xmax``: None searched, ``"inf"``, or an integer)."""
    search = {"k_reading": "order", "xmax": None, "min_ratio": 1.0, "min_distinct": 3, **(search or {})}
    xmax = search["xmax"]
    return {**search, "xmax": "inf" if xmax is not None and math.isinf(xmax) else xmax}


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


def fit_table(document: dict) -> str:
    """A readable table of a :func:`fit_document`: the fits, then the model comparisons.

    Parameters
    ----------
    document : dict
        From :func:`fit_document`.

    Returns
    -------
    str
        The heading, one row per layer (``-`` where a layer was not fitted, and the
        reason below the table), then one row per fitted layer with the log-likelihood
        ratio, Vuong's p-value and the preferred model against each alternative.

    Examples
    --------
    >>> doc = {"model": "m.onnx", "options": {"k": 0.3, "rule": "ks", "bootstrap": 0, "seed": None},
    ...        "layers": [{"name": "x", "n": 3, "isolated": 0, "status": "not fitted", "reason": "too few degrees"}]}
    >>> print(fit_table(doc))
    model: m.onnx
    TPL fits (k = 0.3, rule ks, no bootstrap); degrees in scalar connections
    layer  n  isolated  xmin  xmax  alpha  KS  n_tail  p
    x      3         0     -     -      -   -       -  -
    <BLANKLINE>
      x: not fitted: too few degrees
    """
    opts = document["options"]
    head = (f"TPL fits (k = {opts['k']:g}, rule {opts['rule']}, "
            + (f"bootstrap {opts['bootstrap']}{' sequential' if opts.get('sequential') else ''}, seed {opts['seed']}"
               if opts["bootstrap"] else "no bootstrap")
            + "); degrees in scalar connections")
    boot = bool(opts["bootstrap"])  # then p's Monte Carlo error and the replicates drawn beside it
    rows = [("layer", "n", "isolated", "xmin", "xmax", "alpha", "KS", "n_tail", "p") + (("+-", "reps") if boot else ())]
    notes = []
    for layer in document["layers"]:
        if layer["status"] != "ok":
            rows.append((layer["name"], str(layer["n"]), str(layer["isolated"]), "-", "-", "-", "-", "-", "-")
                        + (("-", "-") if boot else ()))
            notes.append(f"  {layer['name']}: not fitted: {layer['reason']}")
            continue
        if layer.get("narrow_range"):
            notes.append(f"  {layer['name']}: {layer['narrow_range']}")
        rows.append((layer["name"], str(layer["n"]), str(layer["isolated"]), str(layer["xmin"]),
                     "inf" if layer["xmax"] is None else str(layer["xmax"]),
                     f"{layer['alpha']:.3f}", f"{layer['ks']:.4f}", str(layer["n_tail"]),
                     _number(layer["p_value"], "{:.3f}"))
                    + ((_number(layer.get("p_value_mc_error"), "{:.3f}"), str(layer.get("bootstrap_replicates", "-")))
                       if boot else ()))
    lines = [f"model: {document['model']}", head, *format_table(rows)]
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
                  *format_table(rows)]
    return "\n".join(lines)


# ---------------------------------------------------------------------- the command
def run(args) -> int:
    """Check the options and the output paths, read the model, fit, write the table or JSON and the figure.

    ``--plot DIR`` is created only when the figure is written (and removed if that fails).
    """
    k, bootstrap, seed, jobs = _check_options(args)
    search = _search_options(args)
    if args.output:
        check_writable(args.output)
    plot_dir = _check_plot_dir(args.plot) if args.plot else None
    graph = read_model(args.model, **model_options(args))
    keep = {} if plot_dir else None
    doc = fit_document(graph, args.model, k=k, rule=args.rule, bootstrap=bootstrap, seed=seed,
                       include_output=args.include_output, keep=keep, n_jobs=jobs, sequential=args.sequential,
                       search=search)
    emit(json_text(doc) if args.json else fit_table(doc), args.output)
    if plot_dir:
        with created_folder(plot_dir):  # made now, removed again if the figure fails
            write_ccdf_figure(os.path.join(plot_dir, PLOT_FILE), {name: d for name, (d, _, _) in keep.items()},
                              {name: est for name, (_, est, _) in keep.items() if est is not None},
                              {name: "not fitted" for name, (_, est, _) in keep.items() if est is None})
    return 0
