"""The ``netgraph`` command line.

::

    netgraph info MODEL [--lenient]
    netgraph degrees MODEL [--json] [-o FILE] [--lenient] [--include-output] [--include-skip]
                           [--direction {both,in,out}]
    netgraph export MODEL -o OUT.{graphml,pickle,pkl,npz} [--lenient]
    netgraph demo [-o DIR] [--seed N] [--sparsity S] [--epochs N]

``MODEL`` is an ONNX file, read with :func:`exporters.read_onnx`, or a graph file written
by ``netgraph export`` (``.graphml``, ``.pickle``, ``.pkl``, ``.npz``). Results go to
standard output (or to ``-o FILE``, written atomically); progress messages go to
standard error through :mod:`logging` (``-v`` for more, ``-q`` for errors only).

Every error on bad input (a :class:`~netgraph.NetgraphError`, an unwritable output
path, a bad option) prints one line ``netgraph: error: <message>`` on standard error
and exits with status 2; no output file is left half-written.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import logging
import os
import re
import sys
import uuid

import numpy as np

from netgraph import __version__
from netgraph.utils.files import atomic_write, check_writable
from netgraph.degrees import DIRECTIONS, layer_degrees
from netgraph.exceptions import InvalidModelError, ModelNotFoundError, NetgraphError
from netgraph.graph import LayeredGraph
from netgraph.io import GRAPH_FORMATS, graph_format, read_graph, write_graph

__all__ = ["main", "build_parser"]

logger = logging.getLogger(__name__)

#: Exit status of every error on bad input (the argparse convention).
EXIT_ERROR = 2

#: Modules that add subcommands: ``add_parser(subparsers, common_parent)``.
_COMMAND_MODULES = ("netgraph.cli_fit", "trainers.cli")


# ---------------------------------------------------------------------- helpers
def _read_model(model: str, *, lenient: bool = False) -> LayeredGraph:
    """Read ``model``: a graph file by its suffix, otherwise an ONNX model."""
    path = os.fspath(model)
    if not os.path.exists(path):
        raise ModelNotFoundError(f"model file not found: {path!r}")
    if os.path.isdir(path):
        raise InvalidModelError(f"{path!r} is a directory, not a model file")
    if os.path.splitext(path)[1].lower() in GRAPH_FORMATS:
        return read_graph(path)
    read_onnx = _onnx_reader()
    logger.info("reading ONNX model %s%s", path, " (lenient)" if lenient else "")
    return read_onnx(path, lenient=lenient)


def _onnx_reader():
    try:
        from exporters import read_onnx
    except ImportError as exc:
        raise NetgraphError(
            f"the ONNX reader (exporters.read_onnx) is not available in this installation ({exc}); "
            f"graph files ({', '.join(GRAPH_FORMATS)}) can still be read"
        ) from None
    return read_onnx


def _degrees_document(graph: LayeredGraph, model: str, *, direction="both", include_output=False,
                      include_skip=False) -> dict:
    """The JSON document of ``netgraph degrees --json``."""
    degs = layer_degrees(graph, direction=direction, include_output=include_output, include_skip=include_skip)
    outputs = set(graph.outputs)
    return {
        "model": model,
        "netgraph_version": __version__,
        "options": {"direction": direction, "include_output": include_output, "include_skip": include_skip},
        "layers": [
            {
                "name": layer.name,
                "kind": layer.kind,
                "size": layer.size,
                "spatial_shape": list(layer.spatial_shape),
                "output": layer.name in outputs,
                "degrees": degs[layer.name].tolist(),
            }
            for layer in graph.layers
        ],
        "junctions": [j.to_dict() for j in graph.junctions],
        "cuts": list(graph.cuts),
    }


def _degrees_table(document: dict) -> str:
    """A readable per-layer table of a :func:`_degrees_document`."""
    rows = [("layer", "kind", "size", "min", "mean", "max")]
    for layer in document["layers"]:
        d = np.asarray(layer["degrees"], dtype=np.int64)
        name = layer["name"] + (" (output)" if layer["output"] else "")
        if d.size:
            rows.append((name, layer["kind"], str(layer["size"]), str(d.min()), f"{d.mean():.1f}", str(d.max())))
        else:
            rows.append((name, layer["kind"], str(layer["size"]), "-", "-", "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.rjust(w) if i >= 2 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
        for r in rows
    ]
    opts = document["options"]
    left_out = [name for name, flag in (("output", "include_output"), ("skip", "include_skip")) if not opts[flag]]
    note = f"degrees ({opts['direction']}) in scalar connections"
    if left_out:
        note += "; junctions left out: " + ", ".join(left_out)
    return "\n".join([f"model: {document['model']}", note, *lines])


def _cuts_text(graph: LayeredGraph) -> str:
    """One line per cut: the operator, the layers it cut off and the input layers it started."""
    if not graph.cuts:
        return "cuts: none"

    def names(value):
        if isinstance(value, (list, tuple)):
            return ", ".join(map(str, value)) or "-"
        return str(value) if value else "-"

    lines = [f"cut operators (lenient read): {len(graph.cuts)}"]
    for c in graph.cuts:
        new = c.get("new_layers", c.get("layers"))
        line = f"  {c.get('op', '?')} node {c.get('node', '')!r}:"
        if "from_layers" in c:
            line += f" cut after {names(c['from_layers'])};"
        line += f" new input layers {names(new)}"
        if c.get("reason"):
            line += f" ({c['reason']})"
        lines.append(line)
    return "\n".join(lines)


def _emit(text: str, output) -> None:
    """Write ``text`` to ``output`` (atomically) or to standard output."""
    if output:
        with atomic_write(output, "w") as f:
            f.write(text if text.endswith("\n") else text + "\n")
        logger.info("wrote %s", output)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# ---------------------------------------------------------------------- commands
def _cmd_info(args) -> int:
    graph = _read_model(args.model, lenient=args.lenient)
    print(f"model: {args.model}")
    print(graph.summary())
    print(_cuts_text(graph))
    return 0


def _cmd_degrees(args) -> int:
    if args.output:
        check_writable(args.output)
    graph = _read_model(args.model, lenient=args.lenient)
    doc = _degrees_document(graph, args.model, direction=args.direction, include_output=args.include_output,
                            include_skip=args.include_skip)
    text = _json_text(doc) if args.json else _degrees_table(doc)
    _emit(text, args.output)
    return 0


def _cmd_export(args) -> int:
    fmt = graph_format(args.output, args.format)  # a bad suffix fails before the model is read
    check_writable(args.output)
    graph = _read_model(args.model, lenient=args.lenient)
    write_graph(graph, args.output, format=fmt)
    print(f"wrote {args.output} ({fmt}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
    return 0


def _cmd_demo(args) -> int:
    from trainers.cli import check_output_dir, check_prune_options, run_prune

    # every check before torch is imported and before anything is written
    check_prune_options(model=DEMO_MODEL, dataset=DEMO_DATASET, sparsity=args.sparsity, epochs=args.epochs,
                        seed=args.seed)
    out = check_output_dir(args.output)
    read_onnx = _onnx_reader()
    fit_tpl, fit_error = _tpl_fitter()
    plot_layers = _ccdf_plotter()

    logger.info("demo: %s on %s, sparsity %.2f, %d epochs, seed %d", DEMO_MODEL, DEMO_DATASET, args.sparsity,
                args.epochs, args.seed)
    verbosity = args.verbose - args.quiet
    training = run_prune(model=DEMO_MODEL, dataset=DEMO_DATASET, output=out, sparsity=args.sparsity,
                         epochs=args.epochs, seed=args.seed, progress=sys.stderr.isatty() and verbosity >= 0)

    model_path = os.path.join(out, "sparse.onnx")
    graph = read_onnx(model_path)
    doc = _degrees_document(graph, model_path)
    layers, fits, notes = _demo_layers(graph, doc, fit_tpl, fit_error)
    summary = {
        "model": model_path,
        "netgraph_version": __version__,
        "training": {k: training[k] for k in ("trainer", "model", "architecture", "dataset", "sparsity",
                                              "sparsity_per_layer", "accuracy_percent", "epochs", "retrain_epochs",
                                              "seed", "seconds")},
        "degrees": "scalar connections, lower plus upper; the junction into the output layer is left out",
        "tpl": "fitted by netgraph.tpl.fit_tpl" if fit_tpl else "netgraph.tpl is not available in this installation",
        "layers": layers,
    }
    written = ["dense.onnx", "sparse.onnx", "train.json"]
    _emit(_json_text(doc), os.path.join(out, "degrees.json"))
    _emit(_json_text(summary), os.path.join(out, "summary.json"))
    write_graph(graph, os.path.join(out, "graph.npz"))
    written += ["degrees.json", "summary.json", "graph.npz"]
    if plot_layers is not None:
        degs = {row["name"]: np.asarray(layer["degrees"]) for row, layer in zip(layers, doc["layers"])
                if not row["output"]}
        figure = plot_layers(degs, fits, path=os.path.join(out, "ccdf.png"), notes=notes)
        _close_figure(figure)
        written.append("ccdf.png")

    acc = training["accuracy_percent"]
    print(f"{training['architecture']} MLP trained on digits ({training['epochs']} epochs), {args.sparsity:.0%} of "
          f"each hidden layer's weights pruned, retrained ({training['retrain_epochs']} epochs)")
    print(f"test accuracy: dense {acc['dense']['test']:.2f}%, sparse {acc['sparse']['test']:.2f}%")
    print(_demo_table(layers))
    if fit_tpl is None:
        print("TPL fits: netgraph.tpl is not available in this installation")
    if plot_layers is None:
        print("CCDF figure: netgraph.plots is not available in this installation")
    print(f"demo output in {out}: {', '.join(written)}")
    return 0


#: The demo's network and data: the paper's MLP on scikit-learn's bundled digits.
DEMO_MODEL = "mlp"
DEMO_DATASET = "digits"


def _tpl_fitter():
    """``(fit_tpl, FitError)`` when the TPL fits are installed, else ``(None, None)``."""
    try:
        from netgraph.exceptions import FitError
        from netgraph.tpl import fit_tpl
    except ImportError:
        return None, None
    return fit_tpl, FitError


def _ccdf_plotter():
    """:func:`netgraph.plots.plot_layers` when it and matplotlib are installed, else None."""
    try:
        from netgraph.plots import plot_layers
    except ImportError:
        return None
    return plot_layers


def _close_figure(figure) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(figure)


def _demo_layers(graph: LayeredGraph, doc: dict, fit_tpl, fit_error):
    """Per-layer rows of the demo table, the TPL fits and the reasons a layer was not fitted."""
    into = {j.target: j for j in graph.junctions if j.kind != "skip"}
    rows, fits, notes = [], {}, {}
    for layer in doc["layers"]:
        d = np.asarray(layer["degrees"], dtype=np.int64)
        j = into.get(layer["name"])
        row = {
            "name": layer["name"],
            "kind": layer["kind"],
            "output": layer["output"],
            "nodes": layer["size"],
            "density": None if j is None else j.count.nnz / (j.count.shape[0] * j.count.shape[1]),
            "isolated": None if layer["output"] else int((d == 0).sum()),
            "degree_min": None if layer["output"] else int(d.min()),
            "degree_max": None if layer["output"] else int(d.max()),
            "degree_mean": None if layer["output"] else float(d.mean()),
            "tpl": None,
            "tpl_note": None,
        }
        if layer["output"]:
            row["tpl_note"] = "output layer: its junction is left out of the degrees"
        elif fit_tpl is None:
            row["tpl_note"] = "netgraph.tpl is not available"
        else:
            try:
                fit = fit_tpl(d)
            except fit_error as exc:
                row["tpl_note"] = notes[layer["name"]] = _one_line(exc)
            else:
                fits[layer["name"]] = fit
                row["tpl"] = {"alpha": float(fit.alpha_), "xmin": int(fit.xmin_), "xmax": int(fit.xmax_),
                              "ks": float(fit.ks_), "n_tail": int(fit.n_tail_), "n_isolated": int(fit.n_isolated_)}
        rows.append(row)
    return rows, fits, notes


def _demo_table(rows) -> str:
    """The demo's per-layer table: nodes, isolated nodes, density, degree range, TPL fit."""
    table = [("layer", "nodes", "isolated", "density", "degrees", "alpha", "xmin", "xmax", "KS")]
    for r in rows:
        name = r["name"] + (" (output)" if r["output"] else "")
        density = "-" if r["density"] is None else f"{r['density']:.4f}"
        if r["output"]:
            table.append((name, str(r["nodes"]), "-", density, "not counted", "-", "-", "-", "-"))
            continue
        fit = r["tpl"]
        tpl = ("-", "-", "-", "-") if fit is None else (f"{fit['alpha']:.3f}", str(fit["xmin"]), str(fit["xmax"]),
                                                         f"{fit['ks']:.4f}")
        table.append((name, str(r["nodes"]), str(r["isolated"]), density, f"{r['degree_min']}..{r['degree_max']}",
                      *tpl))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in table]
    notes = [f"  {r['name']}: {r['tpl_note']}" for r in rows if not r["output"] and r["tpl_note"]
             and r["tpl_note"] != "netgraph.tpl is not available"]
    legend = ("degrees in scalar connections (lower + upper; the junction into the output layer is left out); "
              "density: kept fraction of the weights into the layer")
    return "\n".join([legend, *lines, *(["not fitted:", *notes] if notes else [])])


# ---------------------------------------------------------------------- parser and entry point
class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors read ``netgraph: error: ...`` on one line."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"netgraph: error: {_one_line(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``netgraph`` command.

    Returns
    -------
    argparse.ArgumentParser
        The parser; each subcommand sets ``func``, the function that runs it.

    Examples
    --------
    >>> args = build_parser().parse_args(["degrees", "model.onnx", "--json"])
    >>> args.command, args.model, args.json, args.include_output
    ('degrees', 'model.onnx', True, False)
    """
    def add_verbosity(p, default):
        p.add_argument("-v", "--verbose", action="count", default=default,
                       help="more progress messages on standard error (repeat for debug)")
        p.add_argument("-q", "--quiet", action="count", default=default, help="errors only on standard error")

    # -v and -q work before and after the command; the subcommands' copies must not reset
    # the top level's count, hence SUPPRESS and separate action objects
    common = argparse.ArgumentParser(add_help=False)
    add_verbosity(common, argparse.SUPPRESS)
    parser = _Parser(prog="netgraph", description="Neural networks (ONNX models) as layered graphs.")
    add_verbosity(parser, 0)
    parser.add_argument("--version", action="version", version=f"netgraph {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    model_help = f"ONNX model, or a graph file ({', '.join(GRAPH_FORMATS)})"
    lenient_help = "cut unsupported operators (they start new input layers) instead of failing"

    p = sub.add_parser("info", parents=[common], help="layers, junctions and cuts of a model",
                       description="Print the layers, junctions and cuts of a model.")
    p.add_argument("model", metavar="MODEL", help=model_help)
    p.add_argument("--lenient", action="store_true", help=lenient_help)
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("degrees", parents=[common], help="node degrees of every layer",
                       description="Node degrees (sums of scalar connections) of every layer.")
    p.add_argument("model", metavar="MODEL", help=model_help)
    p.add_argument("--json", action="store_true", help="machine-readable JSON instead of a table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    p.add_argument("--lenient", action="store_true", help=lenient_help)
    p.add_argument("--include-output", action="store_true", help="count the junctions into the output layers")
    p.add_argument("--include-skip", action="store_true", help="count the skip (residual) junctions")
    p.add_argument("--direction", choices=DIRECTIONS, default="both",
                   help="in: lower connections, out: upper connections, both: their sum (default)")
    p.set_defaults(func=_cmd_degrees)

    p = sub.add_parser("export", parents=[common], help="write the graph as GraphML, igraph pickle or .npz",
                       description="Write a model's graph to a file, in the format its suffix names.")
    p.add_argument("model", metavar="MODEL", help=model_help)
    p.add_argument("-o", "--output", metavar="OUT", required=True, help=f"output file ({', '.join(GRAPH_FORMATS)})")
    p.add_argument("--format", choices=sorted(set(GRAPH_FORMATS.values())), help="override the suffix")
    p.add_argument("--lenient", action="store_true", help=lenient_help)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("demo", parents=[common], help="train, prune and study the paper's MLP on digits (needs torch)",
                       description="Train the MLP of Hou & Kwok (input-1024FC-1024FC-10) on scikit-learn's bundled "
                                   "digits, prune a fraction of each hidden layer's smallest-magnitude weights, "
                                   "retrain, export to ONNX, then print each layer's nodes, isolated nodes, density, "
                                   "degree range and truncated power-law fit, and write the CCDF figure and JSON "
                                   "into the output folder. Nothing is downloaded.")
    p.add_argument("-o", "--output", metavar="DIR", default="demo-output", help="output directory (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--sparsity", type=float, default=0.9,
                   help="fraction of each hidden layer's weights pruned, in [0, 1) (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=20,
                   help="epochs of dense training, and of retraining (default: %(default)s)")
    p.set_defaults(func=_cmd_demo)

    # Subcommands that live beside the analysis or trainer they drive; each module's
    # add_parser(sub, common) adds its parsers and imports nothing heavy.
    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub, common)
    return parser


def _configure_logging(verbosity: int) -> list[tuple[logging.Logger, logging.Handler, int, bool]]:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else \
        logging.DEBUG if verbosity > 1 else logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("netgraph: %(message)s"))
    saved = []
    for name in ("netgraph", "exporters", "trainers"):
        log = logging.getLogger(name)
        saved.append((log, handler, log.level, log.propagate))
        log.addHandler(handler)
        log.setLevel(level)
        log.propagate = False
    return saved


def _restore_logging(saved) -> None:
    for log, handler, level, propagate in saved:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate


def _json_text(document) -> str:
    """``document`` as indented JSON, with each list of numbers on one line."""
    token = f"@@netgraph-list-{uuid.uuid4().hex}-"
    lists: list[str] = []

    def compact(x):
        if isinstance(x, dict):
            return {k: compact(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            if x and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x):
                lists.append(json.dumps(list(x)))
                return f"{token}{len(lists) - 1}"
            return [compact(v) for v in x]
        return x

    text = json.dumps(compact(document), indent=2, default=str)
    return re.sub('"' + re.escape(token) + r'(\d+)"', lambda m: lists[int(m.group(1))], text)


def _one_line(message) -> str:
    return " ".join(str(message).split())


def _error(message) -> int:
    sys.stderr.write(f"netgraph: error: {_one_line(message)}\n")
    return EXIT_ERROR


def _os_error_message(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc)


def main(argv=None) -> int:
    """Run the ``netgraph`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (without the program name); ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit status: 0 on success, 2 on any error on bad input (the message is one
        line on standard error), 130 when interrupted.

    Examples
    --------
    >>> main(["info", "no/such/model.onnx"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    saved = _configure_logging(args.verbose - args.quiet)
    try:
        return int(args.func(args) or 0)
    except NetgraphError as exc:
        return _error(exc)
    except BrokenPipeError:  # `netgraph degrees m --json | head`
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return 1
    except OSError as exc:  # an output path that cannot be written, a full disk, ...
        return _error(_os_error_message(exc))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    finally:
        _restore_logging(saved)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
