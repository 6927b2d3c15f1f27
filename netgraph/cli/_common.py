"""What the subcommands share: reading a model, writing results, the options they have in common.

* :func:`read_model` reads ``MODEL``: a graph file by its suffix, otherwise an ONNX model
  (through :func:`exporters.read_onnx`, imported on first use);
* :func:`emit` writes a result to standard output or, atomically, to ``-o FILE``; the text
  comes from :func:`netgraph.utils.tables.json_text` or :func:`netgraph.utils.tables.format_table`;
* :func:`write_ccdf_figure` draws the CCDF figure of ``fit --plot`` and ``demo``;
* ``add_*`` add the arguments several subcommands share, with the same help everywhere:
  :func:`add_model_argument` adds ``MODEL``, ``--allow-pickle`` and ``--max-bytes`` to
  every subcommand that reads a model, and :func:`model_options` gives :func:`read_model`
  their values.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser(prog="netgraph info")
>>> add_model_argument(p)
>>> add_lenient_option(p)
>>> p.parse_args(["m.onnx", "--lenient"])
Namespace(model='m.onnx', allow_pickle=False, max_bytes=4294967296, lenient=True)
"""

from __future__ import annotations

import argparse
import logging
import os
import stat
import sys

from netgraph.exceptions import InvalidModelError, ModelNotFoundError
from netgraph.graph import LayeredGraph
from netgraph.io import GRAPH_FORMATS, read_graph
from netgraph.utils.check import DEFAULT_MAX_BYTES
from netgraph.utils.files import atomic_write, file_type_name

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
               max_bytes: int = DEFAULT_MAX_BYTES) -> LayeredGraph:
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
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise ModelNotFoundError(f"model file not found: {path!r}") from None
    except OSError as exc:
        raise InvalidModelError(f"cannot look at model {path!r}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte: no file system holds such a name
        raise ModelNotFoundError(f"model file not found: {path!r} (a path cannot hold a NUL byte)") from None
    if stat.S_ISDIR(mode):
        raise InvalidModelError(f"{path!r} is a directory, not a model file")
    if not stat.S_ISREG(mode):
        raise InvalidModelError(f"{path!r} is a {file_type_name(mode)}, not a model file: give a regular file")
    if os.path.splitext(path)[1].lower() in GRAPH_FORMATS:
        return read_graph(path, allow_pickle=allow_pickle, max_bytes=max_bytes)
    from exporters import read_onnx

    logger.info("reading ONNX model %s%s", path, " (lenient)" if lenient else "")
    return read_onnx(path, lenient=lenient, max_bytes=max_bytes)


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
    """Add the ``MODEL`` argument (an ONNX model or a graph file), ``--allow-pickle`` and ``--max-bytes``."""
    parser.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    parser.add_argument("--allow-pickle", action="store_true", help=ALLOW_PICKLE_HELP)
    parser.add_argument("--max-bytes", type=byte_size, default=DEFAULT_MAX_BYTES, metavar="SIZE",
                        help="memory budget for the sizes MODEL declares, in bytes or with a suffix K, M, G, T "
                             "(powers of 1024; default 4G): a file declaring more is refused before anything "
                             "is allocated")


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
        ``lenient``, ``allow_pickle`` and ``max_bytes``.
    """
    return {"lenient": getattr(args, "lenient", False), "allow_pickle": args.allow_pickle,
            "max_bytes": args.max_bytes}


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
