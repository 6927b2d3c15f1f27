"""``netgraph scatter MODEL``: Dey et al.'s scatter vector and scatter ``S``, as a table or as JSON.

::

    netgraph scatter MODEL [--json] [-o FILE] [--lenient] [--layers X1,X2,...]
                           [--windows LABEL=COUNT,...] [--shapes LAYER=AxB[xC],...]
                           [--active LAYER=COUNT,...]
                           [--flatten {channels,neurons}] [--allow-pickle] [--max-bytes SIZE]

The entries are those of :func:`netgraph.scatter.scatter`: ``S_1f, S_1b, ...`` for each
junction of the chain, then ``S_f, S_b`` for the whole chain when it has more than one
junction. Each line of the table says how its windows were chosen (the fixed fan, the
mean fan rounded to the nearest count that tiles the layer, or ``--windows``); ``--shapes``
cuts a flat layer into 2-D tiles or 3-D cuboids instead of blocks of consecutive nodes;
``--active`` leaves padding nodes out of the averages. ``--flatten neurons`` reads a
convolutional map flattened into a dense layer as a layer of C x H x W neurons, which the
dense junction's windows cut into 3-D cuboids with no ``--shapes``, and the default chain
starts at that layer (Dey et al.'s conv + CLs networks).
``--json`` writes the document of :func:`scatter_document`.
"""

from __future__ import annotations

from netgraph import __version__
from netgraph.cli._common import add_json_option, add_lenient_option, add_model_argument, add_output_option, emit, \
    model_options, read_model
from netgraph._windows import shape_text
from netgraph.exceptions import InvalidParameterError
from netgraph.scatter import scatter
from netgraph.utils.files import check_writable
from netgraph.utils.tables import format_table, json_text

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "add_arguments", "run", "parse_layers", "parse_windows",
           "parse_active", "parse_shapes", "scatter_document", "scatter_table"]

NAME = "scatter"
HELP = "Dey et al.'s scatter of the connection pattern"
DESCRIPTION = ("Dey et al.'s scatter: the scatter vector (every junction of a chain of layers, then the whole "
               "chain) and its minimum S.")
ORDER = 55


def add_arguments(parser) -> None:
    """Add ``MODEL``, ``--allow-pickle``, ``--max-bytes``, ``--json``, ``-o``, ``--lenient``, ``--layers``,
    ``--windows``, ``--active`` and ``--shapes`` to ``parser``."""
    add_model_argument(parser)
    add_json_option(parser)
    add_output_option(parser)
    add_lenient_option(parser)
    parser.add_argument("--layers", metavar="X1,X2,...",
                        help="the chain's layers in order, separated by commas (default: the layers the "
                             "junctions touch, when the learnable ones form one chain)")
    parser.add_argument("--windows", metavar="LABEL=COUNT,...",
                        help="window counts that override the rule, by entry label, e.g. S_1f=4,S_b=2")
    parser.add_argument("--active", metavar="LAYER=COUNT,...",
                        help="average over the first COUNT nodes of a layer only, the others being padding "
                             "(e.g. x=784 for MNIST inputs padded to 1024)")
    parser.add_argument("--shapes", metavar="LAYER=AxB[xC],...",
                        help="the shape of a layer's nodes, row-major as ONNX flattens (e.g. x=28x28 for 2-D "
                             "tiles of an image input, fc=16x4x4 for 3-D cuboids of a flattened map); other "
                             "layers have 1-D windows")


def parse_layers(text):
    """The layer names of ``--layers`` (None when it is not given).

    Examples
    --------
    >>> parse_layers("x, h,y"), parse_layers(None)
    (['x', 'h', 'y'], None)
    """
    return None if text is None else [name.strip() for name in text.split(",")]


def parse_windows(text) -> dict:
    """The window counts of ``--windows LABEL=COUNT,...`` (empty when it is not given).

    Raises
    ------
    InvalidParameterError
        If an item is not ``LABEL=COUNT`` with an integer count.

    Examples
    --------
    >>> parse_windows("S_1f=4, S_b=2")
    {'S_1f': 4, 'S_b': 2}
    >>> parse_windows("S_1f:4")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --windows must be LABEL=COUNT items separated by commas, such as S_1f=4; got 'S_1f:4'
    """
    return _parse_counts(text, "--windows", "LABEL", "S_1f=4")


def parse_active(text) -> dict:
    """The active node counts of ``--active LAYER=COUNT,...`` (empty when it is not given).

    Raises
    ------
    InvalidParameterError
        If an item is not ``LAYER=COUNT`` with an integer count.

    Examples
    --------
    >>> parse_active("x=784,y=10")
    {'x': 784, 'y': 10}
    """
    return _parse_counts(text, "--active", "LAYER", "x=784")


def _check_once(seen: dict, name: str, option: str) -> None:
    """An error if ``name`` was given before in the same option (the first value would be lost)."""
    if name and name in seen:
        raise InvalidParameterError(f"{option} must name each key once; got {name!r} twice")


def _parse_counts(text, option: str, key: str, example: str) -> dict:
    """``KEY=COUNT,...`` as a dict of integers (the last ``=`` splits, so a layer name may hold one)."""
    counts = {}
    for item in text.split(",") if text else []:
        name, sep, count = item.strip().rpartition("=")
        _check_once(counts, name.strip(), option)
        try:
            counts[name.strip()] = int(count)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise InvalidParameterError(f"{option} must be {key}=COUNT items separated by commas, such as "
                                        f"{example}; got {item.strip()!r}")
    return counts


def parse_shapes(text) -> dict:
    """The layer shapes of ``--shapes LAYER=AxB,...`` (empty when it is not given).

    Raises
    ------
    InvalidParameterError
        If an item is not ``LAYER=AxB...`` with integer sides.

    Examples
    --------
    >>> parse_shapes("x=28x28, fc=16x4x4")
    {'x': (28, 28), 'fc': (16, 4, 4)}
    >>> parse_shapes("x:28x28")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --shapes must be LAYER=AxB... items separated by commas, such as x=28x28; got 'x:28x28'
    """
    shapes = {}
    for item in text.split(",") if text else []:
        layer, sep, sides = item.strip().rpartition("=")
        _check_once(shapes, layer.strip(), "--shapes")
        try:
            shapes[layer.strip()] = tuple(int(side) for side in sides.lower().split("x"))
        except ValueError:
            sep = ""
        if not sep or not layer.strip():
            raise InvalidParameterError(f"--shapes must be LAYER=AxB... items separated by commas, such as "
                                        f"x=28x28; got {item.strip()!r}")
    return shapes


def scatter_document(graph, model: str, *, layers=None, windows=None, shapes=None, active=None) -> dict:
    """The JSON document of ``netgraph scatter --json``.

    Parameters
    ----------
    graph : LayeredGraph
        The network.
    model : str
        The model's path, recorded in the document.
    layers, windows, shapes, active
        As in :func:`netgraph.scatter.scatter`.

    Returns
    -------
    dict
        ``{"model", "netgraph_version", "options", "layers", "entries", "labels", "vector",
        "S", "cuts"}``; each entry has its ``label``, ``junction``, ``source``, ``target``,
        ``direction``, the ``layer`` cut into windows, ``windows``, ``window_size``, the
        ``grid`` of the windows, ``fan``, ``ideal``, the ``rule`` that chose the windows, and its ``value``.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 4, "input"), Layer("y", 2, "dense")],
    ...                  [Junction("x", "y", [[1, 1, 0, 0], [0, 0, 1, 1]], np.ones((2, 4)), op="Gemm")])
    >>> doc = scatter_document(g, "g.npz")
    >>> doc["labels"], doc["vector"], doc["S"]
    (['S_1f', 'S_1b'], [0.5, 1.0], 0.5)
    """
    result = scatter(graph, layers=layers, windows=windows, shapes=shapes, active=active)
    return {
        "model": model,
        "netgraph_version": __version__,
        "options": {"layers": None if layers is None else list(layers), "windows": dict(windows or {}),
                    "shapes": {name: list(shape) for name, shape in (shapes or {}).items()},
                    "active": dict(active or {})},
        **result.to_dict(),
        "cuts": list(graph.cuts),
    }


def scatter_table(document: dict) -> str:
    """A readable table of a :func:`scatter_document`: one line per entry, then ``S``.

    Examples
    --------
    >>> import numpy as np
    >>> from netgraph import Junction, Layer, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 4, "input"), Layer("y", 2, "dense")],
    ...                  [Junction("x", "y", [[1, 1, 0, 0], [0, 0, 1, 1]], np.ones((2, 4)), op="Gemm")])
    >>> print(scatter_table(scatter_document(g, "g.npz")))
    model: g.npz
    chain: x -> y
    windows: consecutive nodes or --shapes tiles; mean fan: the mean fan rounded to the nearest divisor of the layer (tiling it)
    entry  junction  windowed layer  windows  grid  size   fan  ideal  windows from  value
    S_1f   1         x                     2     2     2  2.00   1.00  fixed fan     0.5000
    S_1b   1         y                     1     1     2  1.00   1.00  fixed fan     1.0000
    S = 0.5000 (the minimum)
    """
    rows = [("entry", "junction", "windowed layer", "windows", "grid", "size", "fan", "ideal", "windows from",
             "value")]
    for e in document["entries"]:
        rows.append((e["label"], e["junction"], e["layer"], str(e["windows"]), shape_text(e["grid"]),
                     str(e["window_size"]),
                     f"{e['fan']:.2f}", f"{e['ideal']:.2f}", e["rule"], f"{e['value']:.4f}"))
    return "\n".join([
        f"model: {document['model']}",
        "chain: " + " -> ".join(document["layers"]),
        "windows: consecutive nodes or --shapes tiles; mean fan: the mean fan rounded to the nearest divisor of the layer (tiling it)",
        *format_table(rows, "lllrrrrrlr"),
        f"S = {document['S']:.4f} (the minimum)",
    ])


def run(args) -> int:
    """Write the scatter table (or the JSON document) to standard output or ``-o FILE``."""
    if args.output:
        check_writable(args.output)
    options = {"layers": parse_layers(args.layers), "windows": parse_windows(args.windows),
               "shapes": parse_shapes(args.shapes), "active": parse_active(args.active)}
    graph = read_model(args.model, **model_options(args))
    doc = scatter_document(graph, args.model, **options)
    emit(json_text(doc) if args.json else scatter_table(doc), args.output)
    return 0
