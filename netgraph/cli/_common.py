"""What the subcommands share: reading a model, writing results, the options they have in common.

* :func:`read_model` reads ``MODEL``: a graph file by its suffix, otherwise an ONNX model
  (through :func:`exporters.read_onnx`, imported on first use);
* :func:`emit` writes a result to standard output or, atomically, to ``-o FILE``; the text
  comes from :func:`netgraph.utils.tables.json_text` or :func:`netgraph.utils.tables.format_table`;
* :func:`write_ccdf_figure` draws the CCDF figure of ``fit --plot`` and ``demo``;
* ``add_*`` add the arguments several subcommands share, with the same help everywhere:
  :func:`add_model_argument` adds ``MODEL``, ``--allow-pickle``, ``--max-bytes``,
  ``--input-shape``, ``--input-value``, ``--recurrent-gates`` and ``--flatten`` to every
  subcommand that reads a model, and
  :func:`model_options` gives :func:`read_model` their values.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser(prog="netgraph info")
>>> add_model_argument(p)
>>> add_lenient_option(p)
>>> p.parse_args(["m.onnx", "--lenient"])
Namespace(model='m.onnx', allow_pickle=False, max_bytes=4294967296, input_shape=[], input_value=[], recurrent_gates='fold', flatten='channels', batch_axis=[], lenient=True)
>>> model_options(p.parse_args(["m.onnx", "--input-shape", "x=1,3,32,32", "--input-value", "sr=16000"]))["input_shapes"]
{'x': (1, 3, 32, 32)}
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from netgraph.exceptions import InvalidModelError, ModelNotFoundError
from netgraph.graph import LayeredGraph
from netgraph.io import GRAPH_FORMATS, read_graph
from netgraph.utils.check import DEFAULT_MAX_BYTES
from netgraph.utils.files import atomic_write, regular_file_stat

__all__ = [
    "EXIT_ERROR",
    "MODEL_HELP",
    "LENIENT_HELP",
    "ALLOW_PICKLE_HELP",
    "read_model",
    "model_options",
    "byte_size",
    "output_path",
    "emit",
    "write_ccdf_figure",
    "add_model_argument",
    "input_shape",
    "input_value",
    "add_lenient_option",
    "add_json_option",
    "add_output_option",
]

logger = logging.getLogger(__name__)

#: Exit status of every error on bad input (the argparse convention).
EXIT_ERROR = 2

#: Help of the ``MODEL`` argument.
MODEL_HELP = f"ONNX model, or a graph file ({', '.join(GRAPH_FORMATS)})"

#: Help of ``--lenient``.
LENIENT_HELP = "cut unsupported operators (they start new input layers) instead of failing"

#: Help of ``--allow-pickle``.
ALLOW_PICKLE_HELP = ("read a MODEL that is an igraph pickle (.pickle, .pkl): loading a pickle runs whatever code "
                     "it holds, so use it only for files you made or trust (refused by default; .npz and GraphML "
                     "are safe)")


def read_model(model, *, lenient: bool = False, allow_pickle: bool = False,
               max_bytes: int = DEFAULT_MAX_BYTES, input_shapes=None, input_values=None,
               recurrent_gates: str = "fold", flatten: str = "channels", batch_axes=None) -> LayeredGraph:
    """Read ``MODEL``: a graph file by its suffix, otherwise an ONNX model.

    ``model`` is looked at with :func:`os.stat` only before a reader opens it, so a FIFO
    or a device (which would block, or never end) is refused without being opened.

    Parameters
    ----------
    model : str or os.PathLike
        An ONNX file, or a file written by ``netgraph export``
        (``.graphml``, ``.pickle``, ``.pkl``, ``.npz``).
    lenient : bool, default False
        Passed to :func:`exporters.read_onnx`: cut unsupported operators instead of failing.
    allow_pickle : bool, default False
        Passed to :func:`netgraph.io.read_graph`: read a pickled graph file (which can
        run code) instead of refusing it (``--allow-pickle``).
    max_bytes : int, default 4 GiB
        The memory budget of either reader (``--max-bytes``).
    input_shapes, input_values : dict, optional
        Passed to :func:`exporters.read_onnx` (``--input-shape``, ``--input-value``): the
        sizes and values of graph inputs. A graph file has no inputs to fix: giving
        either with one is an error.
    recurrent_gates : {"fold", "separate"}, default "fold"
        Passed to :func:`exporters.read_onnx` (``--recurrent-gates``); a graph file keeps
        the layers it was written with.
    flatten : {"channels", "neurons"}, default "channels"
        Passed to :func:`exporters.read_onnx` (``--flatten``): a convolutional map flattened
        into a dense layer keeps its channel nodes, or becomes a layer of C x H x W neurons;
        with a graph file, anything but ``"channels"`` is an error (its layers were read
        already).

    Returns
    -------
    LayeredGraph

    Raises
    ------
    ModelNotFoundError
        If ``model`` does not exist.
    InvalidModelError
        If ``model`` is a directory, a FIFO, a device or anything but a regular file,
        cannot be looked at, or is not a model the reader understands.
    InvalidParameterError
        ``input_shapes``, ``input_values`` or ``flatten="neurons"`` given with a graph file.
    NetgraphError
        Whatever else the reader raises on bad input (an unsupported operator, a
        pickle without ``allow_pickle``, ...).

    Examples
    --------
    >>> read_model("no/such/model.onnx")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.ModelNotFoundError: model file not found: 'no/such/model.onnx'
    >>> read_model("/dev/null")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidModelError: '/dev/null' is a character device, not a model file: give a regular file
    """
    path = os.fspath(model)
    regular_file_stat(
        path,
        missing=lambda: ModelNotFoundError(f"model file not found: {path!r}"),
        bad_name=lambda exc: ModelNotFoundError(f"model file not found: {path!r} (a path cannot hold a NUL byte)"),
        unreadable=lambda exc: InvalidModelError(f"cannot look at model {path!r}: {exc.strerror or exc}"),
        directory=lambda: InvalidModelError(f"{path!r} is a directory, not a model file"),
        special=lambda kind: InvalidModelError(f"{path!r} is a {kind}, not a model file: give a regular file"),
    )
    if os.path.splitext(path)[1].lower() in GRAPH_FORMATS:
        if input_shapes or input_values or batch_axes:
            from netgraph.exceptions import InvalidParameterError

            flag = "--input-shape" if input_shapes else "--input-value" if input_values else "--batch-axis"
            raise InvalidParameterError(f"{flag} applies to ONNX models; {path!r} is a graph file, whose layers "
                                        "are already sized: drop the flag, or give the ONNX model")
        if flatten != "channels":
            from netgraph.exceptions import InvalidParameterError

            raise InvalidParameterError(f"--flatten {flatten} applies to ONNX models; {path!r} is a graph file, "
                                        "whose layers were read already: give the ONNX model, or export the graph "
                                        f"file with --flatten {flatten}")
        return read_graph(path, allow_pickle=allow_pickle, max_bytes=max_bytes)
    from exporters import read_onnx

    logger.info("reading ONNX model %s%s", path, " (lenient)" if lenient else "")
    fixed = {k: v for k, v in (("input_shapes", input_shapes), ("input_values", input_values),
                               ("batch_axes", batch_axes)) if v}
    if recurrent_gates != "fold":
        fixed["recurrent_gates"] = recurrent_gates
    if flatten != "channels":
        fixed["flatten"] = flatten
    return read_onnx(path, lenient=lenient, max_bytes=max_bytes, **fixed)


def emit(text: str, output=None) -> None:
    """Write ``text`` (and a final newline) to the file ``output``, atomically, or to standard output.

    Parameters
    ----------
    text : str
        The result: a JSON document or a table.
    output : str or os.PathLike, optional
        The file (``-o FILE``); None for standard output.

    Examples
    --------
    >>> emit("layer  size")
    layer  size
    """
    text = text if text.endswith("\n") else text + "\n"
    if output:
        with atomic_write(output, "w") as f:
            f.write(text)
        logger.info("wrote %s", output)
    else:
        sys.stdout.write(text)


def write_ccdf_figure(path, degrees: dict, fits: dict, notes: dict) -> None:
    """Draw the log-log CCDF of each layer's degrees with its fit into ``path`` (PNG).

    A thin wrapper of :func:`netgraph.plots.plot_layers` (matplotlib is imported there)
    that lets the figure go once it is written.

    Parameters
    ----------
    path : str
        The PNG file.
    degrees : dict of str to numpy.ndarray
        Each layer's degrees, one panel per layer, in this order.
    fits : dict of str to TruncatedPowerLaw
        The fitted layers.
    notes : dict of str to str
        Why a layer has no fit.
    """
    from netgraph.plots import plot_layers

    figure = plot_layers(degrees, fits, path=path, notes=notes)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and figure is not None:  # a pyplot figure: let it go
        plt.close(figure)
    logger.info("wrote %s", path)


def add_model_argument(parser) -> None:
    """Add the ``MODEL`` argument (an ONNX model or a graph file) and the reader's options.

    ``--allow-pickle``, ``--max-bytes``, ``--input-shape``, ``--input-value``,
    ``--recurrent-gates`` and ``--flatten``; :func:`model_options` gives their values.
    """
    parser.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    parser.add_argument("--allow-pickle", action="store_true", help=ALLOW_PICKLE_HELP)
    parser.add_argument("--max-bytes", type=byte_size, default=DEFAULT_MAX_BYTES, metavar="SIZE",
                        help="memory budget for the sizes MODEL declares, in bytes or with a suffix K, M, G, T "
                             "(powers of 1024; default 4G): a file declaring more is refused before anything "
                             "is allocated")
    parser.add_argument("--input-shape", type=input_shape, action="append", default=[], metavar="NAME=D1,D2,...",
                        help="the full shape (batch axis included) of a graph input whose sizes the ONNX model leaves "
                             "symbolic or -1, e.g. image=1,3,224,224 (repeatable; a symbolic size shared by other "
                             "inputs takes the same value; an unknown batch size alone is taken as 1)")
    parser.add_argument("--input-value", type=input_value, action="append", default=[], metavar="NAME=VALUE",
                        help="the value of a graph input that decides the model's structure, e.g. sr=16000: an If "
                             "whose condition depends only on such inputs reads the branch taken (repeatable; "
                             "VALUE is a number or a comma-separated list)")
    parser.add_argument("--recurrent-gates", choices=("fold", "separate"), default="fold",
                        help="LSTM, GRU and RNN gates: summed into each hidden unit (fold, the default) or kept as a "
                             "layer per gate (separate)")
    parser.add_argument("--flatten", choices=("channels", "neurons"), default="channels",
                        help="a convolutional map flattened into a dense layer: its channel nodes (channels, the "
                             "default) or a layer of one neuron per element, C x H x W, joined to its channel "
                             "(neurons: the dense weights are edges of single neurons, and scatter cuts them into "
                             "3-D cuboids)")
    parser.add_argument("--batch-axis", type=batch_axis, action="append", default=[], metavar="NAME=AXIS",
                        help="the batch axis of a graph input whose batch is not axis 0, e.g. src=1 for the (T, 1, E) "
                             "input of a sequence-first (batch_first=False) torch attention model (repeatable)")


def _name_and_text(text: str, flag: str, example: str):
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise argparse.ArgumentTypeError(f"{flag} takes NAME={example}; got {text!r}")
    return name.strip(), [t.strip() for t in rest.split(",")]


def input_shape(text: str):
    """Parse ``--input-shape NAME=D1,D2,...`` into ``(name, dims)``.

    Examples
    --------
    >>> input_shape("x=1,3,224,224")
    ('x', (1, 3, 224, 224))
    >>> input_shape("x=1,a")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: --input-shape x=1,a: every size must be an integer >= 1, as in x=1,3,224,224
    """
    name, parts = _name_and_text(text, "--input-shape", "D1,D2,... (as in image=1,3,224,224)")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        dims = ()
    if not dims or min(dims) < 1:
        raise argparse.ArgumentTypeError(f"--input-shape {text}: every size must be an integer >= 1, as in "
                                         f"{name}=1,3,224,224")
    return name, dims


def batch_axis(text: str):
    """Parse ``--batch-axis NAME=AXIS`` into ``(name, axis)``.

    Examples
    --------
    >>> batch_axis("src=1")
    ('src', 1)
    """
    name, parts = _name_and_text(text, "--batch-axis", "AXIS (as in src=1)")
    try:
        (axis,) = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--batch-axis {text}: AXIS must be one integer, as in {name}=1") from None
    return name, axis


def input_value(text: str):
    """Parse ``--input-value NAME=VALUE`` (a number, or numbers separated by commas) into ``(name, value)``.

    Examples
    --------
    >>> input_value("sr=16000"), input_value("w=0.5,1")
    (('sr', 16000), ('w', [0.5, 1]))
    """
    name, parts = _name_and_text(text, "--input-value", "VALUE (as in sr=16000)")
    values = []
    for p in parts:
        try:
            values.append(int(p))
        except ValueError:
            try:
                values.append(float(p))
            except ValueError:
                raise argparse.ArgumentTypeError(f"--input-value {text}: {p!r} is not a number") from None
    return name, values[0] if len(values) == 1 else values


def _by_name(pairs, flag) -> dict:
    from netgraph.exceptions import InvalidParameterError

    out = {}
    for name, value in pairs or ():
        if name in out:
            raise InvalidParameterError(f"{flag} {name}=... is given twice; give each input once")
        out[name] = value
    return out


#: Suffixes of :func:`byte_size` and the powers of 1024 they stand for.
_SIZE_SUFFIXES = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4}


def byte_size(text: str) -> int:
    """Parse ``--max-bytes``: a positive number of bytes, optionally with a suffix K, M, G or T (powers of 1024).

    Parameters
    ----------
    text : str
        The option's value (``"8G"``, ``"1500000"``, ``"0.5T"``).

    Returns
    -------
    int

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not such a size (argparse turns it into the one-line usage error).

    Examples
    --------
    >>> byte_size("8G"), byte_size("1024"), byte_size("1.5k")
    (8589934592, 1024, 1536)
    """
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    suffix = value[-1:] if value[-1:] in _SIZE_SUFFIXES and value[-1:] else ""
    try:
        number = float(value[:len(value) - len(suffix)])
    except ValueError:
        number = float("nan")
    if not (number > 0 and number * 1024 ** _SIZE_SUFFIXES[suffix] < 2**63):
        raise argparse.ArgumentTypeError(f"--max-bytes must be a positive size such as 4G or 500M; got {text!r}")
    return int(number * 1024 ** _SIZE_SUFFIXES[suffix])


def model_options(args) -> dict:
    """The keywords of :func:`read_model` from a subcommand's parsed options.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed with :func:`add_model_argument` (and :func:`add_lenient_option`, if the
        subcommand has it).

    Returns
    -------
    dict
        ``lenient``, ``allow_pickle``, ``max_bytes``, ``input_shapes``,
        ``input_values``, ``recurrent_gates`` and ``flatten``.

    Raises
    ------
    netgraph.InvalidParameterError
        ``--input-shape`` or ``--input-value`` names one input twice.
    """
    return {"lenient": getattr(args, "lenient", False), "allow_pickle": args.allow_pickle,
            "max_bytes": args.max_bytes,
            "input_shapes": _by_name(getattr(args, "input_shape", ()), "--input-shape"),
            "input_values": _by_name(getattr(args, "input_value", ()), "--input-value"),
            "recurrent_gates": getattr(args, "recurrent_gates", "fold"),
            "flatten": getattr(args, "flatten", "channels"),
            "batch_axes": _by_name(getattr(args, "batch_axis", ()), "--batch-axis")}


def add_lenient_option(parser) -> None:
    """Add ``--lenient``."""
    parser.add_argument("--lenient", action="store_true", help=LENIENT_HELP)


def add_json_option(parser) -> None:
    """Add ``--json``."""
    parser.add_argument("--json", action="store_true", help="machine-readable JSON instead of a table")


def add_output_option(parser) -> None:
    """Add ``-o/--output FILE`` (standard output by default; an empty FILE is a usage error)."""
    parser.add_argument("-o", "--output", metavar="FILE", type=output_path,
                        help="write to FILE (atomically) instead of standard output")


def output_path(text: str) -> str:
    """Parse an output path: refuse an empty one (which would silently mean standard output) or a NUL byte.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Raises
    ------
    argparse.ArgumentTypeError

    Examples
    --------
    >>> output_path("out.json")
    'out.json'
    >>> output_path("")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: the output path is empty: name a file or folder
    """
    if not text:
        raise argparse.ArgumentTypeError("the output path is empty: name a file or folder")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"the output path {text!r} holds a NUL byte, which no file name can hold")
    return text
