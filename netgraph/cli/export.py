"""``netgraph export MODEL -o OUT``: write a model's graph as GraphML, an igraph pickle or ``.npz``.

The format is the one the suffix of ``OUT`` names (``--format`` overrides it;
:mod:`netgraph.io` describes the three). A bad suffix and an unwritable ``OUT`` fail
before the model is read; the file is written atomically.
"""

from __future__ import annotations

from netgraph.cli._common import output_path, add_lenient_option, add_model_argument, model_options, read_model
from netgraph.io import GRAPH_FORMATS, graph_format, write_graph
from netgraph.utils.files import check_writable

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run"]

NAME = "export"
HELP = "write the graph as GraphML, igraph pickle or .npz"
DESCRIPTION = "Write a model's graph to a file, in the format its suffix names."
ORDER = 30


def add_arguments(parser) -> None:
    """Add ``MODEL``, ``--allow-pickle``, ``-o OUT``, ``--format`` and ``--lenient`` to ``parser``."""
    add_model_argument(parser)
    parser.add_argument("-o", "--output", metavar="OUT", required=True, type=output_path,
                        help=f"output file ({', '.join(GRAPH_FORMATS)})")
    parser.add_argument("--format", choices=sorted(set(GRAPH_FORMATS.values())), help="override the suffix")
    add_lenient_option(parser)


def run(args) -> int:
    """Read the model and write its graph; print one line naming the file."""
    fmt = graph_format(args.output, args.format)  # a bad suffix fails before the model is read
    check_writable(args.output)
    graph = read_model(args.model, **model_options(args))
    write_graph(graph, args.output, format=fmt)
    print(f"wrote {args.output} ({fmt}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
    return 0
