"""Reading and writing layered graphs: GraphML, igraph pickle and a fast exact ``.npz``.

=============  ==================  ==========================================================
suffix         format              what it is
=============  ==================  ==========================================================
``.graphml``   ``"graphml"``       GraphML of :attr:`LayeredGraph.igraph`, for any graph tool.
                                   Counts are exact (below 2**53); weights keep 15
                                   significant digits (igraph prints doubles in decimal),
                                   and igraph cannot read back subnormal weights or
                                   weights within 1e-15 of the largest double.
``.pickle``    ``"pickle"``        The :class:`igraph.Graph` pickled (``Graph.write_pickle``):
``.pkl``                           opens with ``igraph.Graph.Read_Pickle`` alone. Exact.
                                   Like every pickle, only load files you trust.
``.npz``       ``"npz"``           numpy archive (uncompressed) of each junction's CSR arrays
                                   plus a JSON header. Exact (bit for bit), fast, and safe to
                                   load: read with ``allow_pickle=False``.
=============  ==================  ==========================================================

Every file is written through :func:`netgraph.utils.files.atomic_write`, so a failed write
never leaves a half-written file behind.

The ``.npz`` layout (version 1): a 0-d unicode array ``header`` holding a JSON object
``{"format": "netgraph-npz", "version": 1, "layers": [...], "junctions": [...],
"outputs": [...], "metadata": {...}, "cuts": [...]}`` (the graph's tables,
:meth:`LayeredGraph.to_dict`: layers as :meth:`Layer.to_dict`, junctions as
source/target/op/node/kind), and for junction ``k`` the arrays
``junction{k}.count.indptr``, ``junction{k}.count.indices``, ``junction{k}.count.data``
(int64) and ``junction{k}.weight.data`` (float64; ``weight`` shares ``count``'s pattern).
"""

from __future__ import annotations

import json
import logging
import os
import zipfile

import numpy as np
import scipy.sparse as sp

from netgraph.exceptions import GraphFormatError, InvalidParameterError, ModelNotFoundError, NetgraphError
from netgraph.graph import Junction, Layer, LayeredGraph
from netgraph.utils.check import check_choice
from netgraph.utils.files import atomic_write
from netgraph.utils.tables import one_line

__all__ = ["write_graph", "read_graph", "GRAPH_FORMATS", "graph_format"]

logger = logging.getLogger(__name__)

#: Accepted file suffixes and the format each selects.
GRAPH_FORMATS = {".graphml": "graphml", ".pickle": "pickle", ".pkl": "pickle", ".npz": "npz"}

_NPZ_MAGIC = "netgraph-npz"
_NPZ_VERSION = 1


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
        arrays = _npz_arrays(graph)
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


def read_graph(path, *, format=None) -> LayeredGraph:
    """Read a layered graph written by :func:`write_graph` (or by igraph, for GraphML and pickle).

    Parameters
    ----------
    path : str or os.PathLike
        The graph file.
    format : {"graphml", "pickle", "npz"}, optional
        The file format; by default chosen by the suffix.

    Returns
    -------
    LayeredGraph
        The graph, with its layers, junctions, outputs, metadata and cuts.

    Raises
    ------
    ModelNotFoundError
        If ``path`` does not exist.
    GraphFormatError
        If the suffix is unknown, or the file is not a netgraph graph in that format.
    InvalidParameterError
        If ``format`` is unknown.

    Examples
    --------
    >>> read_graph("no/such/graph.npz")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.ModelNotFoundError: graph file not found: 'no/such/graph.npz'
    """
    fmt = graph_format(path, format)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelNotFoundError(f"graph file not found: {path!r}")
    if os.path.isdir(path):
        raise GraphFormatError(f"{path!r} is a directory, not a graph file")
    logger.info("reading %s graph from %s", fmt, path)
    if fmt == "npz":
        return _read_npz(path)
    import igraph as ig

    try:
        if fmt == "pickle":
            with open(path, "rb") as f:
                g = ig.Graph.Read_Pickle(f)
        else:
            g = ig.Graph.Read_GraphML(path)
    except (OSError, MemoryError):
        raise
    except Exception as exc:  # unpickling and the GraphML parser raise many types
        raise GraphFormatError(f"{path!r} is not a {fmt} graph file: {_one_line(exc)}") from None
    try:
        return LayeredGraph.from_igraph(g)
    except GraphFormatError as exc:
        raise GraphFormatError(f"{path!r} is not a netgraph graph: {exc}") from None
    except NetgraphError:
        raise
    except Exception as exc:
        raise GraphFormatError(f"{path!r} is not a netgraph graph: {_one_line(exc)}") from None


# ---------------------------------------------------------------------- npz
def _npz_arrays(graph: LayeredGraph) -> dict[str, np.ndarray]:
    header = {"format": _NPZ_MAGIC, "version": _NPZ_VERSION, **graph.to_dict()}
    arrays = {"header": np.array(json.dumps(header, default=str))}
    for k, j in enumerate(graph.junctions):
        arrays[f"junction{k}.count.indptr"] = j.count.indptr
        arrays[f"junction{k}.count.indices"] = j.count.indices
        arrays[f"junction{k}.count.data"] = j.count.data.astype(np.int64, copy=False)
        arrays[f"junction{k}.weight.data"] = j.weight.data.astype(np.float64, copy=False)
    return arrays


def _read_npz(path: str) -> LayeredGraph:
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise GraphFormatError(f"{path!r} is not a netgraph .npz graph: {_one_line(exc)}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise GraphFormatError(f"{path!r} is a single .npy array, not a netgraph .npz graph")
    with archive:
        try:
            header = json.loads(str(archive["header"][()]))
        except KeyError:
            raise GraphFormatError(f"{path!r} is not a netgraph .npz graph: it has no 'header' array") from None
        except (ValueError, TypeError) as exc:
            raise GraphFormatError(f"{path!r} is not a netgraph .npz graph: bad header ({_one_line(exc)})") from None
        if not isinstance(header, dict) or header.get("format") != _NPZ_MAGIC:
            raise GraphFormatError(f"{path!r} is not a netgraph .npz graph: its header lacks format {_NPZ_MAGIC!r}")
        if header.get("version") != _NPZ_VERSION:
            raise GraphFormatError(
                f"{path!r}: netgraph .npz version {header.get('version')!r} is not supported (this netgraph reads "
                f"version {_NPZ_VERSION}); upgrade netgraph"
            )
        try:
            layers = [Layer.from_dict(d) for d in header["layers"]]
            size = {layer.name: layer.size for layer in layers}
            junctions = []
            for k, d in enumerate(header["junctions"]):
                shape = (size[d["target"]], size[d["source"]])
                indptr = archive[f"junction{k}.count.indptr"]
                indices = archive[f"junction{k}.count.indices"]
                cdata = archive[f"junction{k}.count.data"]
                wdata = archive[f"junction{k}.weight.data"]
                _check_csr(k, shape, indptr, indices, cdata, wdata)
                count = sp.csr_array((cdata, indices, indptr), shape=shape)
                weight = sp.csr_array((wdata, indices, indptr), shape=shape)
                junctions.append(Junction.from_dict(d, count, weight))
            return LayeredGraph(
                layers, junctions, outputs=header.get("outputs", ()), metadata=header.get("metadata", {}),
                cuts=header.get("cuts", ()),
            )
        except GraphFormatError:
            raise
        except (NetgraphError, KeyError, TypeError, ValueError) as exc:
            raise GraphFormatError(f"{path!r} is not a valid netgraph .npz graph: {_one_line(exc)}") from None


def _check_csr(k, shape, indptr, indices, cdata, wdata) -> None:
    """Reject arrays that would make an inconsistent CSR array (scipy does not check them all)."""
    n_rows, n_cols = shape
    problem = None
    if indptr.ndim != 1 or len(indptr) != n_rows + 1:
        problem = f"indptr has shape {indptr.shape}, expected ({n_rows + 1},)"
    elif not (np.issubdtype(indptr.dtype, np.integer) and np.issubdtype(indices.dtype, np.integer)):
        problem = "indptr and indices must be integers"
    elif cdata.dtype != np.int64 or wdata.dtype != np.float64:
        problem = f"count data must be int64 and weight data float64, got {cdata.dtype} and {wdata.dtype}"
    elif not (len(indices) == len(cdata) == len(wdata) == (indptr[-1] if len(indptr) else 0)):
        problem = "indices, count data and weight data lengths disagree with indptr"
    elif indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        problem = "indptr is not non-decreasing from 0"
    elif len(indices) and (indices.min() < 0 or indices.max() >= n_cols):
        problem = f"column indices out of range 0..{n_cols - 1}"
    if problem:
        raise GraphFormatError(f"junction {k}: {problem}")


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line, or its type's name when it has none."""
    return one_line(exc) or type(exc).__name__
