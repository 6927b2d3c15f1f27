"""``netgraph paths MODEL [--from X --to Y]``: path counts between two layers, or through the network.

::

    netgraph paths MODEL [--from X --to Y] [--weight {binary,count,abs}] [--mode {exact,float,log}]
                   [--no-skip] [--json] [-o FILE] [--matrix FILE] [--lenient] [--allow-pickle]
                   [--flatten {channels,neurons}]

The counts are those of :func:`netgraph.paths.path_counts` (layer names as ``netgraph
info`` prints them). The summary gives the matrix's shape and stored entries, the
number of paths from X to Y, and the smallest and largest equivalent fan-in (per node
of Y) and fan-out (per node of X); ``--json`` writes the document of
:func:`paths_document`, with every node's fans. The matrix itself is
written only with ``--matrix FILE``: a scipy ``.npz`` file (:func:`scipy.sparse.load_npz`
reads it) when FILE ends in ``.npz``, otherwise a CSV list of ``row,column,value``
triplets (row: node of Y, column: node of X).

With ``--flatten neurons`` a convolutional map flattened into a dense layer is a layer of
C x H x W neurons joined to their channels by skip edges (``--no-skip`` cuts the paths
there): ``--weight count`` gives the same counts as the channel reading, ``--weight
binary`` counts one path per neuron where the channel reading has one edge per channel.

Without ``--from`` and ``--to`` the summary is the whole network's
(:func:`network_document`): the input-to-output paths, SynFlow's path norm, and the
connections and nodes on no input-to-output path (effective sparsity).
"""

from __future__ import annotations

import math

import numpy as np

from netgraph import __version__
from netgraph.cli._common import output_path, add_json_option, add_lenient_option, add_model_argument, add_output_option, emit, \
    model_options, read_model
from netgraph.exceptions import InvalidParameterError
from netgraph.paths import effective_sparsity, equivalent_fans, input_layers, number_of_paths, output_layers, \
    path_counts, path_norm
from netgraph.paths._engine import MODES, WEIGHTS, check_weight_mode
from netgraph.utils.files import atomic_write, check_writable
from netgraph.utils.tables import format_table, json_text

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run", "paths_document", "paths_table",
           "network_document", "network_table", "write_matrix"]

NAME = "paths"
HELP = "path counts between two layers, path norm and effective sparsity"
DESCRIPTION = ("Path counts from each node of layer X to each node of layer Y (products of the junction "
               "matrices), their total and their equivalent fans (row and column sums); without --from and "
               "--to, the input-to-output paths, the path norm and the effective sparsity of the network.")
ORDER = 50


def add_arguments(parser) -> None:
    """Add ``MODEL``, ``--from``, ``--to``, the path options and the output options to ``parser``."""
    add_model_argument(parser)
    parser.add_argument("--from", dest="source", metavar="X",
                        help="the layer where paths start (with --to; without both, the whole network)")
    parser.add_argument("--to", dest="target", metavar="Y", help="the layer where paths end (with --from)")
    parser.add_argument("--weight", choices=WEIGHTS, default="binary",
                        help="binary: 1 per connected pair (default, as Dey et al.); count: scalar connections; "
                             "abs: |weight| (needs --mode float or log)")
    parser.add_argument("--mode", choices=MODES, default="exact",
                        help="exact: int64 counts, an error past 2**63 (default); float: float64; "
                             "log: natural logarithms of the counts, never overflowing")
    parser.add_argument("--no-skip", action="store_true", help="do not follow the skip (residual) junctions")
    add_json_option(parser)
    add_output_option(parser)
    parser.add_argument("--matrix", metavar="FILE", type=output_path,
                        help="also write the path matrix: scipy .npz if FILE ends in .npz, else CSV triplets "
                             "row,column,value")
    add_lenient_option(parser)


def _number(value):
    """A count for JSON: an int, a float, or None for the logarithm of 0 (``-inf``)."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def paths_document(graph, model: str, source: str, target: str, *, weight: str = "binary", mode: str = "exact",
                   include_skip: bool = True, matrix=None) -> dict:
    """The JSON document of ``netgraph paths --json``.

    Parameters
    ----------
    graph : LayeredGraph
        The network.
    model : str
        The model's path, recorded in the document.
    source, target, weight, mode, include_skip
        As in :func:`netgraph.paths.path_counts`.
    matrix : scipy.sparse.csr_array, optional
        The path matrix, if already computed.

    Returns
    -------
    dict
        ``{"model", "netgraph_version", "options", "shape", "nnz", "paths", "fan_in",
        "fan_out"}``: ``paths`` is the sum of the matrix (the paths from X to Y), the fans
        its row and column sums; in log mode the counts are natural logarithms, ``null``
        for no path.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1, 3]], [[1.0, 2.0]], op="Gemm")])
    >>> doc = paths_document(g, "g.npz", "x", "y")
    >>> doc["shape"], doc["paths"], doc["fan_in"], doc["fan_out"]
    ([1, 2], 2, [2], [1, 1])
    """
    options = {"weight": weight, "mode": mode, "include_skip": include_skip}
    if matrix is None:
        matrix = path_counts(graph, source, target, **options)
    fan_in, fan_out = equivalent_fans(graph, source, target, **options)
    if mode == "log":
        total = number_of_paths(graph, sources=source, targets=target, **options)
    else:
        total = int(np.sum(matrix.data.astype(object))) if mode == "exact" else float(matrix.sum())
    return {
        "model": model,
        "netgraph_version": __version__,
        "options": {"from": source, "to": target, **options},
        "shape": list(matrix.shape),
        "nnz": int(matrix.nnz),
        "paths": _number(total),
        "fan_in": [_number(v) for v in fan_in],
        "fan_out": [_number(v) for v in fan_out],
    }


def paths_table(document: dict) -> str:
    """A readable summary of a :func:`paths_document`.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1, 3]], [[1.0, 2.0]], op="Gemm")])
    >>> print(paths_table(paths_document(g, "g.npz", "x", "y")))
    model: g.npz
    paths from 'x' to 'y': weight binary, mode exact, skip junctions followed
    matrix: 1 x 2 (target x source), 2 stored entries
    paths from 'x' to 'y': 2
    fan     nodes  min  max
    in (y)      1    2    2
    out (x)     2    1    1
    """
    opts = document["options"]
    log = opts["mode"] == "log"
    what = "log of the paths" if log else "paths"

    def show(value):
        return "-inf" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))

    rows = [("fan", "nodes", "min", "max")]
    for label, layer, fans in (("in", opts["to"], document["fan_in"]), ("out", opts["from"], document["fan_out"])):
        finite = [v for v in fans if v is not None]  # None: the log of 0, a node on no path
        low = "-" if not fans else show(None if len(finite) < len(fans) else min(finite))
        rows.append((f"{label} ({layer})", str(len(fans)), low, show(max(finite)) if finite else "-"))
    skip = "skip junctions followed" if opts["include_skip"] else "skip junctions left out"
    return "\n".join([
        f"model: {document['model']}",
        f"paths from {opts['from']!r} to {opts['to']!r}: weight {opts['weight']}, mode {opts['mode']}, {skip}",
        f"matrix: {document['shape'][0]} x {document['shape'][1]} (target x source), {document['nnz']} stored entries",
        f"{what} from {opts['from']!r} to {opts['to']!r}: {show(document['paths'])}",
        *format_table(rows, "lrrr"),
    ])


def write_matrix(matrix, path) -> None:
    """Write a path matrix atomically: scipy ``.npz`` if ``path`` ends in ``.npz``, else CSV triplets.

    Parameters
    ----------
    matrix : scipy.sparse array
        The matrix, shape (target size, source size).
    path : str or os.PathLike
        The file.

    Examples
    --------
    >>> import os, tempfile, scipy.sparse as sp
    >>> path = os.path.join(tempfile.mkdtemp(), "m.csv")
    >>> write_matrix(sp.csr_array([[0, 2], [1, 0]]), path)
    >>> print(open(path).read(), end="")
    row,column,value
    0,1,2
    1,0,1
    """
    import scipy.sparse as sp

    if str(path).lower().endswith(".npz"):
        with atomic_write(path, "wb") as f:
            sp.save_npz(f, sp.csr_array(matrix))
        return
    coo = sp.coo_array(matrix)
    order = np.lexsort((coo.col, coo.row))
    values = coo.data[order]
    text = [f"{r},{c},{v!r}" if values.dtype.kind == "f" else f"{r},{c},{v}"
            for r, c, v in zip(coo.row[order].tolist(), coo.col[order].tolist(), values.tolist())]
    with atomic_write(path, "w") as f:
        f.write("\n".join(["row,column,value", *text]) + "\n")


def network_document(graph, model: str, *, weight: str = "binary", mode: str = "exact",
                     include_skip: bool = True) -> dict:
    """The JSON document of ``netgraph paths MODEL --json`` without ``--from`` and ``--to``: the whole network.

    Parameters
    ----------
    graph : LayeredGraph
        The network.
    model : str
        The model's path, recorded in the document.
    weight, mode, include_skip
        As in :func:`netgraph.paths.number_of_paths`, for the input-to-output paths.

    Returns
    -------
    dict
        ``{"model", "netgraph_version", "options", "sources", "targets",
        "input_to_output_paths", "path_norm", "effective"}``: the paths from the input
        layers to the output layers; SynFlow's path norm (``|weight|``, ``R`` in float64,
        or ``log R`` when ``mode`` is ``"log"``); the edges and connections of the
        learnable junctions, those on an input-to-output path, the two sparsities and,
        per layer, the number of nodes on no such path
        (:func:`netgraph.paths.effective_sparsity`).

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 2, "dense")],
    ...                  [Junction("x", "y", [[1, 3], [0, 0]], [[1.0, -2.0], [0, 0]], op="Gemm")])
    >>> doc = network_document(g, "g.npz")
    >>> doc["input_to_output_paths"], doc["path_norm"], doc["effective"]["inactive_nodes"]
    (2, {'mode': 'float', 'value': 3.0}, {'x': 0, 'y': 1})
    """
    options = {"weight": weight, "mode": mode, "include_skip": include_skip}
    norm_mode = "log" if mode == "log" else "float"
    norm = path_norm(graph, weight="abs", mode=norm_mode, include_skip=include_skip)
    eff = effective_sparsity(graph, include_skip=include_skip)
    return {
        "model": model,
        "netgraph_version": __version__,
        "options": options,
        "sources": input_layers(graph),
        "targets": output_layers(graph),
        "input_to_output_paths": _number(number_of_paths(graph, **options)),
        "path_norm": {"mode": norm_mode, "value": _number(norm.norm)},
        "effective": {
            "edges": eff.edges, "effective_edges": eff.effective_edges,
            "connections": eff.connections, "effective_connections": eff.effective_connections,
            "pairs": eff.pairs, "sparsity": eff.sparsity, "effective_sparsity": eff.effective_sparsity,
            "inactive_nodes": {name: int(nodes.size) for name, nodes in eff.inactive_nodes.items()},
        },
    }


def network_table(document: dict) -> str:
    """A readable summary of a :func:`network_document`.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 2, "dense")],
    ...                  [Junction("x", "y", [[1, 3], [0, 0]], [[1.0, -2.0], [0, 0]], op="Gemm")])
    >>> print(network_table(network_document(g, "g.npz")))
    model: g.npz
    input-to-output paths from 'x' to 'y' (weight binary, mode exact, skip junctions followed): 2
    path norm R (|weight|): 3
    learnable junctions: 2 edges, 2 on an input-to-output path; 4 connections, 4 on a path
    sparsity 0.5000, effective sparsity 0.5000 (over 4 node pairs)
    layer  nodes on no path
    x                     0
    y                     1
    """
    opts, eff, norm = document["options"], document["effective"], document["path_norm"]
    log = opts["mode"] == "log"

    def show(value):
        return "-inf" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))

    ends = f"from {', '.join(map(repr, document['sources']))} to {', '.join(map(repr, document['targets']))}"
    skip = "skip junctions followed" if opts["include_skip"] else "skip junctions left out"
    rows = [("layer", "nodes on no path")] + [(name, str(n)) for name, n in eff["inactive_nodes"].items()]
    return "\n".join([
        f"model: {document['model']}",
        f"input-to-output {'log of the ' if log else ''}paths {ends} (weight {opts['weight']}, mode {opts['mode']}, "
        f"{skip}): {show(document['input_to_output_paths'])}",
        f"path norm {'log R' if norm['mode'] == 'log' else 'R'} (|weight|): {show(norm['value'])}",
        f"learnable junctions: {eff['edges']} edges, {eff['effective_edges']} on an input-to-output path; "
        f"{eff['connections']} connections, {eff['effective_connections']} on a path",
        f"sparsity {eff['sparsity']:.4f}, effective sparsity {eff['effective_sparsity']:.4f} "
        f"(over {eff['pairs']} node pairs)",
        *format_table(rows, "lr"),
    ])


def run(args) -> int:
    """Write the summary (or the JSON document) to standard output or ``-o FILE``, and ``--matrix FILE``.

    With ``--from`` and ``--to``: the paths between the two layers (:func:`paths_document`);
    without both: the whole network (:func:`network_document`).
    """
    pair = (args.source is not None, args.target is not None)
    if pair[0] != pair[1]:
        raise InvalidParameterError(f"--from and --to go together; got only {'--from' if pair[0] else '--to'}")
    if args.matrix and not pair[0]:
        raise InvalidParameterError(f"--matrix needs --from and --to; got --matrix {args.matrix!r} alone")
    for path in (args.output, args.matrix):
        if path:
            check_writable(path)
    check_weight_mode(args.weight, args.mode, ("--weight", "--mode"))
    graph = read_model(args.model, **model_options(args))
    options = {"weight": args.weight, "mode": args.mode, "include_skip": not args.no_skip}
    if not pair[0]:
        doc = network_document(graph, args.model, **options)
        emit(json_text(doc) if args.json else network_table(doc), args.output)
        return 0
    matrix = path_counts(graph, args.source, args.target, **options)
    doc = paths_document(graph, args.model, args.source, args.target, matrix=matrix, **options)
    if args.matrix:
        write_matrix(matrix, args.matrix)
    emit(json_text(doc) if args.json else paths_table(doc), args.output)
    return 0
