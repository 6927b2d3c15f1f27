"""``netgraph attachment T0 T1``: internal preferential attachment between two checkpoints.

::

    netgraph attachment T0 T1 [--json] [-o DIR] [--bins {exact,log}] [--seed S] [--degree {total,in,out}]
                        [--exclude-connected] [--null-draws N] [--no-fit] [--no-delta] [--lenient]
                        [--allow-pickle] [--max-bytes SIZE]

The analysis is :func:`netgraph.attachment.attachment_analysis` (Hou & Kwok, section 4):
per layer, the least-squares line of Omega-hat against the degree at ``t = 0``, eq. (10)'s
``predicted_slope``, the attachment exponent beta with its 95% interval, the null model's
p-value and eq. (8)'s growth factor. The table goes to standard output, or ``--json`` the
document of :meth:`AttachmentResult.to_dict`. ``-o DIR`` writes ``attachment.json`` and
the figures like the paper's 7, 8 and 9 (``delta_hat.png``, ``omega_hat.png``,
``ccdf_t1.png``) into DIR, all of them or none.
"""

from __future__ import annotations

from netgraph.cli._common import ALLOW_PICKLE_HELP, MODEL_HELP, add_json_option, add_lenient_option, byte_size, emit, \
    model_options, output_path, read_model
from netgraph.utils.check import DEFAULT_MAX_BYTES, check_int
from netgraph.utils.tables import format_table, json_text

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run", "attachment_table", "JSON_FILE"]

NAME = "attachment"
HELP = "internal preferential attachment between two checkpoints (Hou & Kwok, section 4)"
DESCRIPTION = ("Match two checkpoints T0 and T1 of one network and estimate whether the new connections "
               "attach preferentially to high-degree nodes: Delta-hat (eq. 6) per junction, Omega-hat (eq. 10) "
               "per layer with its line and predicted slope, eq. (8)'s growth factor, the TPL at both times, "
               "the attachment exponent beta and a null model of uniform placement among the free pairs.")
ORDER = 45

#: The JSON file ``-o DIR`` writes next to the figures.
JSON_FILE = "attachment.json"


def add_arguments(parser) -> None:
    """Add ``T0``, ``T1`` and the options of the analysis and of its output to ``parser``."""
    parser.add_argument("t0", metavar="T0", help=f"the network at t = 0: {MODEL_HELP}")
    parser.add_argument("t1", metavar="T1", help="the network at t = 1 (same layers and junctions)")
    parser.add_argument("--allow-pickle", action="store_true", help=ALLOW_PICKLE_HELP)
    parser.add_argument("--max-bytes", type=byte_size, default=DEFAULT_MAX_BYTES, metavar="SIZE",
                        help="memory budget of each model, in bytes or with a suffix K, M, G, T (default 4G)")
    add_json_option(parser)
    parser.add_argument("-o", "--output", metavar="DIR", type=output_path,
                        help=f"write {JSON_FILE} and the figures (delta_hat.png, omega_hat.png, ccdf_t1.png) into DIR")
    parser.add_argument("--bins", choices=("exact", "log"), default="exact",
                        help="degree classes of Delta-hat and Omega-hat: exact degrees (default) or base-2 log bins")
    parser.add_argument("--degree", choices=("total", "in", "out"), default="total",
                        help="total (the paper's), in (lower connections) or out (upper connections)")
    parser.add_argument("--exclude-connected", action="store_true",
                        help="Delta-hat over the pairs unconnected at t0 only (the paper counts all pairs)")
    parser.add_argument("--null-draws", type=int, default=200, metavar="N",
                        help="placements of the null model (default 200; 0: none)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the null model (default 0)")
    parser.add_argument("--no-fit", action="store_true", help="skip the TPL fits at t0 and t1")
    parser.add_argument("--no-delta", action="store_true", help="leave the Delta-hat cells out of the JSON")
    add_lenient_option(parser)


def _num(value, fmt=".3g") -> str:
    return "-" if value is None else format(value, fmt)


def attachment_table(doc: dict) -> str:
    """The per-layer summary of an attachment document.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> from netgraph.attachment import attachment_analysis
    >>> layers = [Layer("x", 2, "input"), Layer("h", 2, "dense")]
    >>> g0 = LayeredGraph(layers, [Junction("x", "h", [[1, 0], [0, 1]], np.ones((2, 2)), op="Gemm")])
    >>> g1 = LayeredGraph(layers, [Junction("x", "h", [[1, 1], [0, 1]], np.ones((2, 2)), op="Gemm")])
    >>> print(attachment_table(attachment_analysis(g0, g1, fit=False, null_draws=0).to_dict()))
    degree: total; bins: exact; new connections per junction: x->h 1 (removed 0)
    layer  size  new  removed  slope  r2  predicted  beta [95%]  null p  c median  1+predicted
    x         2    1        0      -   -        0.5  -                -       1.5          1.5
    h         2    1        0      -   -        0.5  -                -       1.5          1.5
    """
    opts = doc["options"]
    junctions = ", ".join(f"{j['source']}->{j['target']} {j['new_connections']} (removed {j['removed_connections']})"
                          for j in doc["junctions"])
    rows = [("layer", "size", "new", "removed", "slope", "r2", "predicted", "beta [95%]", "null p", "c median",
             "1+predicted")]
    for layer in doc["layers"]:
        beta = layer["beta"]
        b = "-" if beta["beta"] is None else f"{beta['beta']:.2f} [{_num(beta['low'], '.2f')}, {_num(beta['high'], '.2f')}]"
        null = layer["null"] or {}
        rows.append((layer["layer"], str(layer["size"]), str(layer["new_connections"]),
                     str(layer["removed_connections"]), _num(layer["slope"]), _num(layer["r2"], ".2f"),
                     _num(layer["predicted_slope"]), b, _num(null.get("p_value"), ".3f"),
                     _num(layer["growth"]["median"]), _num(layer["growth"]["predicted"])))
    head = f"degree: {opts['degree']}; bins: {opts['bins']}; new connections per junction: {junctions}"
    return "\n".join([head, *format_table(rows, "lrrrrrrlrrr")])


def run(args) -> int:
    """Read T0 and T1, run the analysis, print the table (or JSON) and write ``-o DIR``."""
    from netgraph.attachment import attachment_analysis
    from netgraph.attachment.figures import FIGURE_FILES, figure_files
    from netgraph.utils.files import check_output_dir, write_files

    draws = check_int(args.null_draws, "--null-draws", minimum=0)
    seed = check_int(args.seed, "--seed", minimum=0)
    if args.output:
        check_output_dir(args.output, "-o", files=(JSON_FILE, *FIGURE_FILES))
    g0 = read_model(args.t0, **model_options(args))
    g1 = read_model(args.t1, **model_options(args))
    result = attachment_analysis(g0, g1, bins=None if args.bins == "exact" else args.bins,
                                 exclude_connected=args.exclude_connected, degree=args.degree, null_draws=draws,
                                 seed=seed, fit=not args.no_fit)
    doc = {"t0": args.t0, "t1": args.t1, **result.to_dict(delta=not args.no_delta)}
    text = json_text(doc)
    if args.output:
        write_files(args.output, {JSON_FILE: (text + "\n").encode(), **figure_files(result)})
    emit(text if args.json else attachment_table(doc))
    return 0
