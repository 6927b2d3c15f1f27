"""``netgraph info MODEL [--lenient] [--allow-pickle]``: the layers, junctions and cuts of a model.

Prints the model's path, :meth:`netgraph.LayeredGraph.summary` (the layer table and the
junction table: edges, scalar connections and density of each) and one line per
operator a lenient read cut.
"""

from __future__ import annotations

from netgraph.cli._common import add_lenient_option, add_model_argument, model_options, read_model

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run", "cuts_text"]

NAME = "info"
HELP = "layers, junctions and cuts of a model"
DESCRIPTION = "Print the layers, junctions and cuts of a model."
ORDER = 10


def add_arguments(parser) -> None:
    """Add ``MODEL``, ``--allow-pickle`` and ``--lenient`` to ``parser``."""
    add_model_argument(parser)
    add_lenient_option(parser)


def _names(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "-"
    return str(value) if value else "-"


def cuts_text(graph) -> str:
    """One line per cut: the operator, the layers it cut off and the input layers it started.

    Parameters
    ----------
    graph : LayeredGraph
        A graph, read leniently or not.

    Returns
    -------
    str
        ``"cuts: none"``, or a heading and one line per cut.

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 1, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1]], [[1.0]], op="Gemm")],
    ...                  cuts=[{"op": "Weird", "node": "w0", "layers": ["x"], "reason": "no handler for Weird"}])
    >>> print(cuts_text(g))
    cut operators (lenient read): 1
      Weird node 'w0': new input layers x (no handler for Weird)
    """
    if not graph.cuts:
        return "cuts: none"
    lines = [f"cut operators (lenient read): {len(graph.cuts)}"]
    for c in graph.cuts:
        new = c.get("new_layers", c.get("layers"))
        line = f"  {c.get('op', '?')} node {c.get('node', '')!r}:"
        if "from_layers" in c:
            line += f" cut after {_names(c['from_layers'])};"
        line += f" new input layers {_names(new)}"
        if c.get("reason"):
            line += f" ({c['reason']})"
        lines.append(line)
    return "\n".join(lines)


def run(args) -> int:
    """Print the model's summary and its cuts."""
    graph = read_model(args.model, **model_options(args))
    print(f"model: {args.model}")
    print(graph.summary())
    print(cuts_text(graph))
    return 0
