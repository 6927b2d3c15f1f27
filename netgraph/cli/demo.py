"""``netgraph demo``: train, prune and study the paper's network, offline, in one command.

::

    netgraph demo [-o DIR] [--seed N] [--sparsity S] [--epochs N]

Runs ``netgraph train prune`` with the demo's network and data (:data:`DEMO_MODEL` on
:data:`DEMO_DATASET`: the MLP of Hou & Kwok on scikit-learn's bundled digits, nothing
downloaded), reads the pruned network back, computes every node's degree, fits a
truncated power law (:func:`netgraph.tpl.fit_tpl`) to each layer but the output one,
prints the accuracies and one row per layer, and writes ``degrees.json``,
``summary.json``, ``graph.npz`` and ``ccdf.png`` next to the trainer's ``dense.onnx``,
``sparse.onnx`` and ``train.json``. The printed description of the run is formatted
from the settings it ran with (the training record), not written by hand.
"""

from __future__ import annotations

import logging
import os

import numpy as np

from netgraph import __version__
from netgraph.cli._common import output_path, emit, read_model, write_ccdf_figure
from netgraph.cli.degrees import degrees_document
from netgraph.io import write_graph
from netgraph.utils.files import check_output_dir
from netgraph.utils.progress import show_progress
from netgraph.utils.tables import format_table, json_text, one_line

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "DEMO_MODEL", "DEMO_DATASET", "DEMO_SPARSITY", "DEMO_EPOCHS",
           "DEMO_SEED", "DEMO_OUTPUT", "add_arguments", "run", "describe_run"]

logger = logging.getLogger(__name__)

#: The demo's network and data: the paper's MLP on scikit-learn's bundled digits.
DEMO_MODEL = "mlp"
DEMO_DATASET = "digits"
#: The defaults of ``--sparsity``, ``--epochs``, ``--seed`` and ``-o``.
DEMO_SPARSITY = 0.9
DEMO_EPOCHS = 20
DEMO_SEED = 0
DEMO_OUTPUT = "demo-output"

NAME = "demo"
HELP = f"train, prune and study the paper's {DEMO_MODEL.upper()} on {DEMO_DATASET} (needs torch)"
DESCRIPTION = (f"Train the {DEMO_MODEL.upper()} of Hou & Kwok on the {DEMO_DATASET} data set (netgraph train prune "
               f"--model {DEMO_MODEL} --dataset {DEMO_DATASET}), prune a fraction of each hidden layer's "
               "smallest-magnitude weights, retrain, export to ONNX, then print each layer's nodes, isolated nodes, "
               "density, degree range and truncated power-law fit, and write the CCDF figure and JSON into the "
               "output folder. Nothing is downloaded.")
ORDER = 90

#: The files the demo writes next to the trainer's (:data:`trainers.pipeline.PRUNE_FILES`).
_DEMO_FILES = ("degrees.json", "summary.json", "graph.npz", "ccdf.png")

#: What ``summary.json`` keeps of the training record.
_TRAINING_KEYS = ("trainer", "model", "architecture", "dataset", "sparsity", "sparsity_per_layer",
                  "accuracy_percent", "epochs", "retrain_epochs", "seed", "seconds")


def add_arguments(parser) -> None:
    """Add ``-o``, ``--seed``, ``--sparsity`` and ``--epochs`` to ``parser``."""
    parser.add_argument("-o", "--output", metavar="DIR", default=DEMO_OUTPUT, type=output_path,
                        help="output directory (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (default: %(default)s)")
    parser.add_argument("--sparsity", type=float, default=DEMO_SPARSITY,
                        help="fraction of each hidden layer's weights pruned, in [0, 1) (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=DEMO_EPOCHS,
                        help="epochs of dense training, and of retraining (default: %(default)s)")


def describe_run(training: dict) -> str:
    """The first line the demo prints: what was trained, on what, how long, how sparse.

    Parameters
    ----------
    training : dict
        The training record of :func:`trainers.pipeline.run_prune` (``train.json``).

    Returns
    -------
    str

    Examples
    --------
    >>> print(describe_run({"architecture": "64-1024FC-1024FC-10", "model": "mlp", "dataset": {"name": "digits"},
    ...                     "epochs": 20, "retrain_epochs": 20, "sparsity": 0.9}))
    64-1024FC-1024FC-10 MLP trained on digits (20 epochs), 90% of each hidden layer's weights pruned,
    retrained (20 epochs)
    """
    return (f"{training['architecture']} {training['model'].upper()} trained on {training['dataset']['name']} "
            f"({training['epochs']} epochs), {training['sparsity']:.0%} of each hidden layer's weights pruned, "
            f"retrained ({training['retrain_epochs']} epochs)")


def run(args) -> int:
    """Train and prune, then read, measure, fit and draw the pruned network; print the table."""
    from trainers.pipeline import PRUNE_FILES, check_prune_options, run_prune

    # every check before torch is imported and before anything is written
    check_prune_options(model=DEMO_MODEL, dataset=DEMO_DATASET, sparsity=args.sparsity, epochs=args.epochs,
                        seed=args.seed)
    out = check_output_dir(args.output, files=(*PRUNE_FILES, *_DEMO_FILES))
    logger.info("demo: %s on %s, sparsity %.2f, %d epochs, seed %d", DEMO_MODEL, DEMO_DATASET, args.sparsity,
                args.epochs, args.seed)
    training = run_prune(model=DEMO_MODEL, dataset=DEMO_DATASET, output=out, sparsity=args.sparsity,
                         epochs=args.epochs, seed=args.seed, progress=show_progress())

    model_path = os.path.join(out, "sparse.onnx")
    graph = read_model(model_path)
    doc = degrees_document(graph, model_path)
    layers, fits, notes = _demo_layers(graph, doc)
    summary = {
        "model": model_path,
        "netgraph_version": __version__,
        "training": {k: training[k] for k in _TRAINING_KEYS},
        "degrees": "scalar connections, lower plus upper; the junction into the output layer is left out",
        "tpl": "fitted by netgraph.tpl.fit_tpl",
        "layers": layers,
    }
    degrees_json, summary_json, graph_file, figure = (os.path.join(out, name) for name in _DEMO_FILES)
    emit(json_text(doc), degrees_json)
    emit(json_text(summary), summary_json)
    write_graph(graph, graph_file)
    degrees = {row["name"]: np.asarray(layer["degrees"]) for row, layer in zip(layers, doc["layers"])
               if not row["output"]}
    write_ccdf_figure(figure, degrees, fits, notes)

    acc = training["accuracy_percent"]
    print(describe_run(training))
    print(f"test accuracy: dense {acc['dense']['test']:.2f}%, sparse {acc['sparse']['test']:.2f}%")
    print(_demo_table(layers))
    print(f"demo output in {out}: {', '.join((*PRUNE_FILES, *_DEMO_FILES))}")
    return 0


def _demo_layers(graph, doc: dict):
    """Per-layer rows of the demo table, the TPL fits and the reasons a layer was not fitted."""
    from netgraph.exceptions import FitError
    from netgraph.tpl import fit_tpl

    into = {j.target: j for j in graph.junctions if j.kind != "skip"}
    rows, fits, notes = [], {}, {}
    for layer in doc["layers"]:
        d = np.asarray(layer["degrees"], dtype=np.int64)
        j = into.get(layer["name"])
        output = layer["output"]
        row = {
            "name": layer["name"],
            "kind": layer["kind"],
            "output": output,
            "nodes": layer["size"],
            "density": None if j is None else j.count.nnz / (j.count.shape[0] * j.count.shape[1]),
            "isolated": None if output else int((d == 0).sum()),
            "degree_min": None if output else int(d.min()),
            "degree_max": None if output else int(d.max()),
            "degree_mean": None if output else float(d.mean()),
            "tpl": None,
            "tpl_note": None,
        }
        if output:
            row["tpl_note"] = "output layer: its junction is left out of the degrees"
        else:
            try:
                fit = fit_tpl(d)
            except FitError as exc:
                row["tpl_note"] = notes[layer["name"]] = one_line(exc)
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
    notes = [f"  {r['name']}: {r['tpl_note']}" for r in rows if not r["output"] and r["tpl_note"]]
    legend = ("degrees in scalar connections (lower + upper; the junction into the output layer is left out); "
              "density: kept fraction of the weights into the layer")
    return "\n".join([legend, *format_table(table), *(["not fitted:", *notes] if notes else [])])
