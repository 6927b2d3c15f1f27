"""``netgraph paths MODEL --from X --to Y``: path counts between two layers.

::

    netgraph paths MODEL --from X --to Y [--weight {binary,count,abs}] [--mode {exact,float,log}]
                   [--no-skip] [--json] [-o FILE] [--matrix FILE] [--lenient] [--allow-pickle]

The counts are those of :func:`netgraph.paths.path_counts` (layer names as ``netgraph
info`` prints them). The summary gives the matrix's shape and stored entries, the
number of paths from X to Y, and the smallest and largest equivalent fan-in (per node of Y) and fan-out (per node of X); ``--json`` writes
the document of :func:`paths_document`, with every node's fans. The matrix itself is
written only with ``--matrix FILE``: a scipy ``.npz`` file (:func:`scipy.sparse.load_npz`
reads it) when FILE ends in ``.npz``, otherwise a CSV list of ``row,column,value``
triplets (row: node of Y, column: node of X).
"""

from __future__ import annotations

import math

import numpy as np

from netgraph import __version__
from netgraph.cli._common import add_json_option, add_lenient_option, add_model_argument, add_output_option, emit, \
    model_options, read_model
from netgraph.paths import equivalent_fans, number_of_paths, path_counts
from netgraph.paths._engine import MODES, WEIGHTS, check_weight_mode
from netgraph.utils.files import atomic_write, check_writable
from netgraph.utils.tables import format_table, json_text

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run", "paths_document", "paths_table",
           "write_matrix"]

NAME = "paths"
HELP = "path counts between two layers"
DESCRIPTION = ("Path counts from each node of layer X to each node of layer Y (products of the junction "
               "matrices), their total and their equivalent fans (row and column sums).")
ORDER = 50


def add_arguments(parser) -> None:
    """Add ``MODEL``, ``--from``, ``--to``, the path options and the output options to ``parser``."""
    add_model_argument(parser)
    parser.add_argument("--from", dest="source", required=True, metavar="X", help="the layer where paths start")
    parser.add_argument("--to", dest="target", required=True, metavar="Y", help="the layer where paths end")
    parser.add_argument("--weight", choices=WEIGHTS, default="binary",
                        help="binary: 1 per connected pair (default, as Dey et al.); count: scalar connections; "
                             "abs: |weight| (needs --mode float or log)")
    parser.add_argument("--mode", choices=MODES, default="exact",
                        help="exact: int64 counts, an error past 2**63 (default); float: float64; "
                             "log: natural logarithms of the counts, never overflowing")
    parser.add_argument("--no-skip", action="store_true", help="do not follow the skip (residual) junctions")
    add_json_option(parser)
    add_output_option(parser)
    parser.add_argument("--matrix", metavar="FILE",
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


def run(args) -> int:
    """Write the summary (or the JSON document) to standard output or ``-o FILE``, and ``--matrix FILE``."""
    for path in (args.output, args.matrix):
        if path:
            check_writable(path)
    check_weight_mode(args.weight, args.mode, ("--weight", "--mode"))
    graph = read_model(args.model, **model_options(args))
    options = {"weight": args.weight, "mode": args.mode, "include_skip": not args.no_skip}
    matrix = path_counts(graph, args.source, args.target, **options)
    doc = paths_document(graph, args.model, args.source, args.target, matrix=matrix, **options)
    if args.matrix:
        write_matrix(matrix, args.matrix)
    emit(json_text(doc) if args.json else paths_table(doc), args.output)
    return 0
