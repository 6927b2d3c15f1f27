"""``netgraph degrees MODEL``: the node degrees of every layer, as a table or as JSON.

::

    netgraph degrees MODEL [--json] [-o FILE] [--lenient] [--include-output] [--include-skip]
                           [--direction {both,in,out}] [--flatten {channels,neurons}] [--allow-pickle]

The degrees are those of :func:`netgraph.layer_degrees` (scalar connections; by default
the junctions into the output layers and the skip junctions are left out). The table
gives each layer's minimum, mean and maximum; ``--json`` writes the document of
:func:`degrees_document`, every node's degree in unit order.

With ``--flatten neurons`` the dense layer after a flattened map keeps its degrees, but the
convolutional layer's upper connections go to the layer of neurons through skip edges
(left out unless ``--include-skip``, and then one per neuron, not the dense connections):
for Hou & Kwok's degrees, read the channels (the default).
"""

from __future__ import annotations

import numpy as np

from netgraph import __version__
from netgraph.cli._common import add_json_option, add_lenient_option, add_model_argument, add_output_option, emit, \
    model_options, read_model
from netgraph.degrees import DIRECTIONS, layer_degrees
from netgraph.utils.files import check_writable
from netgraph.utils.tables import format_table, json_text

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run", "degrees_document", "degrees_table"]

NAME = "degrees"
HELP = "node degrees of every layer"
DESCRIPTION = "Node degrees (sums of scalar connections) of every layer."
ORDER = 20


def add_arguments(parser) -> None:
    """Add ``MODEL``, ``--allow-pickle``, ``--json``, ``-o``, ``--lenient`` and the degree options to ``parser``."""
    add_model_argument(parser)
    add_json_option(parser)
    add_output_option(parser)
    add_lenient_option(parser)
    parser.add_argument("--include-output", action="store_true", help="count the junctions into the output layers")
    parser.add_argument("--include-skip", action="store_true", help="count the skip (residual) junctions")
    parser.add_argument("--no-recurrent", dest="include_recurrent", action="store_false",
                        help="leave out the recurrent self-loops of LSTM, GRU and RNN layers (counted by default)")
    parser.add_argument("--direction", choices=DIRECTIONS, default="both",
                        help="in: lower connections, out: upper connections, both: their sum (default)")


def degrees_document(graph, model: str, *, direction: str = "both", include_output: bool = False,
                     include_skip: bool = False, include_recurrent: bool = True) -> dict:
    """The JSON document of ``netgraph degrees --json``.

    Parameters
    ----------
    graph : LayeredGraph
        The network.
    model : str
        The model's path, recorded in the document.
    direction, include_output, include_skip, include_recurrent
        As in :func:`netgraph.layer_degrees`.

    Returns
    -------
    dict
        ``{"model", "netgraph_version", "options", "layers", "junctions", "cuts"}``;
        each layer has its ``name``, ``kind``, ``size``, ``spatial_shape``, whether it
        is an ``output``, and its ``degrees``.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1, 3]], [[1.0, 2.0]], op="Gemm")])
    >>> [(layer["name"], layer["degrees"]) for layer in degrees_document(g, "g.npz")["layers"]]
    [('x', [1, 3]), ('y', [4])]
    """
    degs = layer_degrees(graph, direction=direction, include_output=include_output, include_skip=include_skip,
                         include_recurrent=include_recurrent)
    outputs = set(graph.outputs)
    return {
        "model": model,
        "netgraph_version": __version__,
        "options": {"direction": direction, "include_output": include_output, "include_skip": include_skip,
                    "include_recurrent": include_recurrent},
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


def degrees_table(document: dict) -> str:
    """A readable per-layer table of a :func:`degrees_document`: size, minimum, mean and maximum degree.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1, 3]], [[1.0, 2.0]], op="Gemm")])
    >>> print(degrees_table(degrees_document(g, "g.npz")))
    model: g.npz
    degrees (both) in scalar connections; junctions left out: output, skip
    layer  kind   size  min  mean  max
    x      input     2    1   2.0    3
    y      dense     1    4   4.0    4
    """
    rows = [("layer", "kind", "size", "min", "mean", "max")]
    for layer in document["layers"]:
        d = np.asarray(layer["degrees"], dtype=np.int64)
        name = layer["name"] + (" (output)" if layer["output"] else "")
        if d.size:
            rows.append((name, layer["kind"], str(layer["size"]), str(d.min()), f"{d.mean():.1f}", str(d.max())))
        else:
            rows.append((name, layer["kind"], str(layer["size"]), "-", "-", "-"))
    opts = document["options"]
    left_out = [name for name, flag in (("output", "include_output"), ("skip", "include_skip"),
                                        ("recurrent", "include_recurrent")) if not opts.get(flag, True)]
    note = f"degrees ({opts['direction']}) in scalar connections"
    if left_out:
        note += "; junctions left out: " + ", ".join(left_out)
    return "\n".join([f"model: {document['model']}", note, *format_table(rows, "llrrrr")])


def run(args) -> int:
    """Write the degrees table (or the JSON document) to standard output or ``-o FILE``."""
    if args.output:
        check_writable(args.output)
    graph = read_model(args.model, **model_options(args))
    doc = degrees_document(graph, args.model, direction=args.direction, include_output=args.include_output,
                           include_skip=args.include_skip, include_recurrent=args.include_recurrent)
    emit(json_text(doc) if args.json else degrees_table(doc), args.output)
    return 0
