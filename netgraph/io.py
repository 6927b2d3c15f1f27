"""Reading and writing layered graphs: a fast exact ``.npz``, GraphML, and igraph pickle.

=============  ==================  ==========================================================
suffix         format              what it is
=============  ==================  ==========================================================
``.npz``       ``"npz"``           numpy archive (uncompressed) of each junction's CSR arrays
                                   plus a JSON header. Exact (bit for bit), fast, and safe to
                                   load (numpy reads it with ``allow_pickle=False``).
``.graphml``   ``"graphml"``       GraphML of :attr:`LayeredGraph.igraph`, for any graph tool;
                                   safe to load. Counts are exact (below 2**53); weights keep
                                   15 significant digits (igraph prints doubles in decimal),
                                   and igraph cannot read back subnormal weights or weights
                                   within 1e-15 of the largest double.
``.pickle``    ``"pickle"``        The :class:`igraph.Graph` pickled (``Graph.write_pickle``):
``.pkl``                           opens with ``igraph.Graph.Read_Pickle`` alone. Exact, but
                                   **not safe to load**: a pickle can run any code it holds,
                                   so :func:`read_graph` refuses it unless
                                   ``allow_pickle=True`` (``--allow-pickle``) is given.
=============  ==================  ==========================================================

The safe formats to exchange graphs are ``.npz`` and GraphML. Every file is written
through :func:`netgraph.utils.files.atomic_write`, so a failed write never leaves a
half-written file behind.

Reading a file that someone else wrote
--------------------------------------

:func:`read_graph` reads only regular files (a FIFO would block, a device never ends),
runs no code from the file (pickle refused by default), and accounts for everything a
file holds: each array and each edge belongs to a layer and a junction of the file's
tables and is read, or the file is refused with a :class:`~netgraph.GraphFormatError`
naming the file, the part (junction, edge, array, field) and the bad value. Counts must
be integers >= 1 adding up to less than 2**63 over the graph, weights finite numbers
(as the ONNX reader requires), the tables strict JSON with the fields
:meth:`LayeredGraph.to_dict` writes and no others. Attributes that another tool added
to a GraphML file are not read, and a warning names them.

What a file declares is checked against what it holds and against a memory budget,
``max_bytes`` (:data:`DEFAULT_MAX_BYTES`, 4 GiB, by default), before anything is
allocated: the sizes of the ``.npz`` members (their zip entries and their ``.npy``
headers), 8 bytes for each node of the layer table, the size of a GraphML or pickle
file. Reading takes about twice what the file declares in memory (1.8 times, measured
on a 4.5-million-edge graph, in ``.npz`` and in GraphML); a file over the budget raises
:class:`~netgraph.ResourceLimitError`, and so does running out of memory on the way.

The ``.npz`` layout (version 1): a 0-d unicode array ``header`` holding a JSON object
``{"format": "netgraph-npz", "version": 1, "layers": [...], "junctions": [...],
"outputs": [...], "metadata": {...}, "cuts": [...]}`` (the graph's tables,
:meth:`LayeredGraph.to_dict`: layers as :meth:`Layer.to_dict`, junctions as
source/target/op/node/kind), and for junction ``k`` the arrays
``junction{k}.count.indptr``, ``junction{k}.count.indices``, ``junction{k}.count.data``
(int64) and ``junction{k}.weight.data`` (float64; ``weight`` shares ``count``'s pattern),
nothing else. The reader is :mod:`netgraph._npz`; the checks that the ``.npz`` and the
igraph formats share are in :mod:`netgraph._graphfile`.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import warnings

import numpy as np

from netgraph.utils.check import DEFAULT_MAX_BYTES, check_budget
from netgraph._npz import npz_arrays, read_npz
from netgraph.exceptions import (GraphFormatError, InvalidParameterError, ModelNotFoundError, ResourceLimitError,
                                 UnsafeFormatError)
from netgraph.graph import LayeredGraph
from netgraph.utils.check import check_bool, check_choice, check_int
from netgraph.utils.files import atomic_write, file_type_name, regular_file_stat
from netgraph.utils.tables import one_line

__all__ = ["write_graph", "read_graph", "GRAPH_FORMATS", "DEFAULT_MAX_BYTES", "graph_format"]

logger = logging.getLogger(__name__)

#: Accepted file suffixes and the format each selects.
GRAPH_FORMATS = {".graphml": "graphml", ".pickle": "pickle", ".pkl": "pickle", ".npz": "npz"}


def graph_format(path, format=None) -> str:
    """The format of a graph file: ``format`` if given, otherwise chosen by ``path``'s suffix.

    Parameters
    ----------
    path : str or os.PathLike
        The graph file.
    format : {"graphml", "pickle", "npz"}, optional
        Overrides the suffix.

    Returns
    -------
    str
        ``"graphml"``, ``"pickle"`` or ``"npz"``.

    Raises
    ------
    GraphFormatError
        If ``format`` is None and the suffix is not one of :data:`GRAPH_FORMATS`.
    InvalidParameterError
        If ``format`` is not a known format.

    Examples
    --------
    >>> graph_format("model.NPZ"), graph_format("g.pkl"), graph_format("g.xml", format="graphml")
    ('npz', 'pickle', 'graphml')
    >>> graph_format("g.csv")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.GraphFormatError: unknown graph file suffix '.csv' in 'g.csv'; accepted suffixes: .graphml, .pickle, .pkl, .npz
    """
    if format is not None:
        return check_choice(format, "format", sorted(set(GRAPH_FORMATS.values())))
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1]
    try:
        return GRAPH_FORMATS[suffix.lower()]
    except KeyError:
        shown = repr(suffix) if suffix else "(none)"
        raise GraphFormatError(
            f"unknown graph file suffix {shown} in {path!r}; accepted suffixes: {', '.join(GRAPH_FORMATS)}"
        ) from None


def write_graph(graph: LayeredGraph, path, *, format=None) -> None:
    """Write a layered graph to a file, atomically.

    Parameters
    ----------
    graph : LayeredGraph
        The graph to write.
    path : str or os.PathLike
        The file to write; an existing file is replaced only once the new one is complete.
    format : {"graphml", "pickle", "npz"}, optional
        The file format; by default chosen by the suffix (see the module's table).

    Raises
    ------
    GraphFormatError
        If the suffix is unknown (and ``format`` is None).
    InvalidParameterError
        If ``format`` is unknown, or ``graph`` is not a LayeredGraph.
    OSError
        If the file cannot be written (missing directory, permissions, full disk);
        nothing is left behind at ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> from netgraph import Layer, Junction, LayeredGraph
    >>> g = LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
    ...                  [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm")])
    >>> path = os.path.join(tempfile.mkdtemp(), "g.npz")
    >>> write_graph(g, path)
    >>> read_graph(path).junctions[0].count.toarray().tolist()
    [[2, 1]]
    """
    if not isinstance(graph, LayeredGraph):
        raise InvalidParameterError(f"graph must be a LayeredGraph; got {type(graph).__name__}")
    fmt = graph_format(path, format)
    path = os.fspath(path)
    logger.info("writing %s graph to %s", fmt, path)
    if fmt == "npz":
        arrays = npz_arrays(graph)
        with atomic_write(path, "wb") as f:
            np.savez(f, **arrays)
    elif fmt == "pickle":
        g = graph.igraph
        with atomic_write(path, "wb") as f:
            g.write_pickle(f)
    else:  # graphml
        g = graph.igraph
        with atomic_write(path, "wb") as f:
            g.write_graphml(f)


def read_graph(path, *, format=None, allow_pickle: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> LayeredGraph:
    """Read a layered graph written by :func:`write_graph` (or by igraph, for GraphML and pickle).

    The file is checked whole before a graph is built from it (see the module's
    "Reading a file that someone else wrote").

    Parameters
    ----------
    path : str or os.PathLike
        The graph file: a regular file.
    format : {"graphml", "pickle", "npz"}, optional
        The file format; by default chosen by the suffix.
    allow_pickle : bool, default False
        Load a pickle. Loading a pickle runs whatever code it holds: pass True only for
        a file you trust (or re-save it as ``.npz`` or GraphML once).
    max_bytes : int, default :data:`DEFAULT_MAX_BYTES` (4 GiB)
        The memory budget: the most bytes the file may declare (its arrays and 8 bytes a
        node, or a GraphML or pickle file's size).

    Returns
    -------
    LayeredGraph
        The graph, with its layers, junctions, outputs, metadata and cuts.

    Raises
    ------
    ModelNotFoundError
        If ``path`` does not exist.
    UnsafeFormatError
        If the file is a pickle and ``allow_pickle`` is False.
    GraphFormatError
        If the suffix is unknown, ``path`` is not a regular file (a directory, a FIFO, a
        device), or the file is not a netgraph graph in that format or any part of it is
        bad (the message names the part and the value).
    ResourceLimitError
        If the file declares more than ``max_bytes``, or reading it runs out of memory.
    InvalidParameterError
        If ``format``, ``allow_pickle`` or ``max_bytes`` is bad.

    Examples
    --------
    >>> read_graph("no/such/graph.npz")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.ModelNotFoundError: graph file not found: 'no/such/graph.npz'
    >>> import os, tempfile
    >>> from netgraph import Layer, LayeredGraph
    >>> path = os.path.join(tempfile.mkdtemp(), "g.pickle")
    >>> LayeredGraph([Layer("x", 2, "input")], []).save(path)
    >>> read_graph(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netgraph.exceptions.UnsafeFormatError: '...g.pickle' is a pickle, which can run any code when loaded: ...
    >>> read_graph(path, allow_pickle=True).layer_names
    ['x']
    """
    fmt = graph_format(path, format)
    path = os.fspath(path)
    allow_pickle = check_bool(allow_pickle, "allow_pickle")
    max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
    where = repr(path)
    size = _regular_file_size(path, where)
    if fmt == "pickle" and not allow_pickle:
        raise UnsafeFormatError(
            f"{where} is a pickle, which can run any code when loaded: re-save the graph as .npz or .graphml, or, "
            "if you trust the file, pass allow_pickle=True (--allow-pickle on the command line)"
        )
    logger.info("reading %s graph from %s", fmt, path)
    try:
        with _open_regular(path, where) as f:
            if fmt == "npz":
                return read_npz(f, where, max_bytes)
            check_budget(size, max_bytes, where, f"its {size:,} bytes of {fmt}")
            return _read_igraph_file(f, where, fmt)
    except MemoryError:
        raise ResourceLimitError(f"{where}: ran out of memory while reading it (max_bytes={max_bytes:,}); free memory, "
                                 "or pass a smaller max_bytes to refuse such files before reading them") from None
    except RecursionError:
        raise GraphFormatError(f"{where} nests its data too deeply to be read") from None


def _regular_file_size(path: str, where: str) -> int:
    """The size of the regular file ``path``; anything else refused, before it is opened."""
    return regular_file_stat(
        path,
        missing=lambda: ModelNotFoundError(f"graph file not found: {path!r}"),
        bad_name=lambda exc: InvalidParameterError(f"path must be a file name; got {path!r} ({one_line(exc)})"),
        directory=lambda: GraphFormatError(f"{where} is a directory, not a graph file"),
        special=lambda kind: GraphFormatError(f"{where} is a {kind}, not a regular file: netgraph reads graphs "
                                              "from regular files only (copy it into one first)"),
    ).st_size


def _open_regular(path: str, where: str):
    """Open ``path`` for reading without blocking (a FIFO swapped in since the check would block), and
    check again on the open file that it is a regular file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise GraphFormatError(f"{where} is a {file_type_name(mode)}, not a regular file: netgraph reads graphs "
                                   "from regular files only (copy it into one first)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_igraph_file(f, where: str, fmt: str) -> LayeredGraph:
    """A GraphML or pickle file, through igraph; a warning of igraph's reader (a value it could not
    read) is an error, since the value would be lost."""
    import igraph as ig

    from netgraph.convert import from_igraph

    if fmt == "graphml":
        _check_one_graph(f, where)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            g = ig.Graph.Read_Pickle(f) if fmt == "pickle" else ig.Graph.Read_GraphML(f)
        except (OSError, MemoryError, RecursionError):
            raise
        except Exception as exc:  # unpickling and the GraphML parser raise many types
            raise GraphFormatError(f"{where} is not a {fmt} graph file: {_one_line(exc)}") from None
    if caught:
        raise GraphFormatError(f"{where}: igraph's {fmt} reader warned: {_one_line(caught[0].message)}; the file is "
                               "damaged or was not written by netgraph")
    if not isinstance(g, ig.Graph):
        raise GraphFormatError(f"{where} is not a {fmt} graph file: it holds a {type(g).__name__}, not an igraph Graph")
    return from_igraph(g, where=where)


#: A ``<graph`` start tag (with or without a namespace prefix).
_GRAPH_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?graph[\s>/]")


def _check_one_graph(f, where: str, chunk: int = 1 << 22) -> None:
    """Refuse a GraphML file that holds more than one ``<graph>``: igraph would read the first only.

    The file is scanned in chunks for ``<graph`` start tags, then rewound. Each chunk is
    scanned with the last bytes of the one before in front, and a tag is counted in the
    chunk where it ends, so a tag across a border is counted once.
    """
    found, tail = 0, b""
    while block := f.read(chunk):
        data = tail + block
        found += sum(1 for m in _GRAPH_TAG.finditer(data) if m.end() > len(tail))
        if found > 1:
            raise GraphFormatError(f"{where} holds more than one graph; netgraph reads GraphML files of one graph "
                                   "(igraph would read the first and drop the others): write each graph to a file "
                                   "of its own")
        tail = data[-64:]
    f.seek(0)


def _one_line(exc) -> str:
    """The exception's (or warning's) message on one line, or its type's name when it has none."""
    return one_line(exc) or type(exc).__name__
