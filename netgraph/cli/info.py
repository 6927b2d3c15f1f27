"""``netgraph info MODEL [--lenient] [--json]``: the layers, junctions, coverage and cuts of a model.

Prints the model's path, :meth:`netgraph.LayeredGraph.summary` (the layer table and the
junction table: edges, scalar connections and density of each), what the reader fixed
(input shapes, an unknown batch size taken as 1, input values, the branch an ``If``
took), the *coverage* (how many of the model's learnable operators became junctions, and
each one that did not with its reason) and one line per operator a lenient read cut.
With ``--json``, the same as one JSON document: the graph's tables
(:meth:`~netgraph.LayeredGraph.to_dict`) with ``model`` and ``coverage``.
``--flatten neurons`` shows the layer of neurons a flattened convolutional map becomes
(kind ``merge``, made by the ``Flatten``) and its ``node_shape`` in the metadata.
"""

from __future__ import annotations

import json

from netgraph.cli._common import add_json_option, add_lenient_option, add_model_argument, add_output_option, \
    emit, model_options, read_model

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run", "cuts_text", "coverage_of",
           "coverage_text"]

NAME = "info"
HELP = "layers, junctions, coverage and cuts of a model"
DESCRIPTION = ("Print the layers, junctions and cuts of a model, and how many of its learnable operators became "
               "junctions (each one that did not, with the reason).")
ORDER = 10

#: Metadata keys the reader sets for what it fixed, and their heading in the text.
_NOTES = ("input_shape:", "input_value:", "batch_default", "if:")


def add_arguments(parser) -> None:
    """Add ``MODEL``, the model options, ``--lenient``, ``--json`` and ``-o`` to ``parser``."""
    add_model_argument(parser)
    add_lenient_option(parser)
    add_json_option(parser)
    add_output_option(parser)


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


def coverage_of(graph) -> dict | None:
    """The coverage the reader recorded in ``graph.metadata``, or None (a graph file from elsewhere).

    Parameters
    ----------
    graph : LayeredGraph

    Returns
    -------
    dict or None
        ``learnable`` (learnable operators of the model), ``junctions`` (how many became
        junctions), ``fraction`` and ``missed`` (``op``, ``node`` and ``reason`` of each other one).

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 1, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1]], [[1.0]], op="Gemm")],
    ...                  metadata={"learnable_operators": "2", "learnable_junctions": "1", "not_junctions":
    ...                            '[{"op": "Conv", "node": "c", "reason": "inside control flow"}]'})
    >>> coverage_of(g)["fraction"], coverage_of(g)["missed"][0]["node"]
    (0.5, 'c')
    """
    meta = graph.metadata
    if "learnable_operators" not in meta:
        return None
    total, made = int(meta["learnable_operators"]), int(meta.get("learnable_junctions", 0))
    try:
        missed = json.loads(meta.get("not_junctions", "[]"))
    except ValueError:
        missed = []
    return {"learnable": total, "junctions": made, "fraction": made / total if total else 1.0, "missed": missed}


def coverage_text(graph) -> str:
    """The coverage in words, each learnable operator that is not a junction on its own line.

    Parameters
    ----------
    graph : LayeredGraph

    Returns
    -------
    str

    Examples
    --------
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 1, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[1]], [[1.0]], op="Gemm")],
    ...                  metadata={"learnable_operators": "2", "learnable_junctions": "1", "not_junctions":
    ...                            '[{"op": "Conv", "node": "c", "reason": "inside control flow"}]'})
    >>> print(coverage_text(g))
    coverage: 1 of 2 learnable operators are junctions (50%)
      not a junction: Conv node 'c' (inside control flow)
    """
    cov = coverage_of(graph)
    if cov is None:
        return "coverage: not recorded (a graph file not read from an ONNX model by this version)"
    lines = [f"coverage: {cov['junctions']} of {cov['learnable']} learnable operators are junctions "
             f"({cov['fraction']:.0%})"]
    lines += [f"  not a junction: {m.get('op')} node {m.get('node')!r} ({m.get('reason')})" for m in cov["missed"]]
    return "\n".join(lines)


def _notes_text(graph) -> str:
    notes = [(k, v) for k, v in graph.metadata.items() if k.startswith(_NOTES)]
    if not notes:
        return ""
    return "read with:\n" + "\n".join(f"  {k}: {v}" for k, v in notes)


def run(args) -> int:
    """Print the model's summary, what the reader fixed, its coverage and its cuts."""
    graph = read_model(args.model, **model_options(args))
    if getattr(args, "json", False):
        from netgraph.utils.tables import json_text

        doc = {"model": str(args.model), **graph.to_dict(), "coverage": coverage_of(graph)}
        emit(json_text(doc), getattr(args, "output", None))
        return 0
    parts = [f"model: {args.model}", graph.summary(), _notes_text(graph), coverage_text(graph), cuts_text(graph)]
    emit("\n".join(p for p in parts if p), getattr(args, "output", None))
    return 0
