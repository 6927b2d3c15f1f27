"""The ``.npz`` graph file: its layout, and a reader that accounts for every byte it declares.

The layout (version 1) is described in :mod:`netgraph.io`. :func:`npz_arrays` gives
the arrays :func:`numpy.savez` writes; :func:`read_npz` reads them back without
:func:`numpy.load`, so that nothing is allocated before it is checked:

1. the zip directory: no member twice, none encrypted, a known compression, each
   member's declared size possible for the archive (a stored member holds as many bytes
   as it declares; a deflated one at most 1032 times its compressed size: deflate
   expands no more), and all of them within the memory budget ``max_bytes``;
2. the header member: a 0-d unicode array of strict JSON
   (:func:`netgraph._graphfile.parse_json`), the format and version, the tables
   (:func:`netgraph._graphfile.check_tables`), and the layers' nodes within the budget;
3. the members are exactly the header and the four arrays of each junction of the table;
4. each array's ``.npy`` header: a numeric 1-d array whose shape times item size is
   the number of bytes the member holds (a header declaring 16 GB in a small member is
   refused before anything is allocated);
5. the CSR arrays (:func:`netgraph._csr.check_csr`), every count and weight
   (:func:`netgraph._graphfile.check_counts`, :func:`netgraph._graphfile.check_weights`)
   and the graph's total count (:func:`netgraph._graphfile.check_total`).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib

import numpy as np
import scipy.sparse as sp

from netgraph._csr import check_csr
from netgraph.utils.check import check_budget
from netgraph._graphfile import NODE_BYTES, check_counts, check_tables, check_total, check_weights, \
    parse_json, plural
from netgraph.exceptions import GraphFormatError, NetgraphError
from netgraph.graph import Junction, LayeredGraph
from netgraph.utils.tables import one_line

__all__ = ["MAGIC", "VERSION", "PARTS", "npz_arrays", "read_npz"]

#: The header's ``format``.
MAGIC = "netgraph-npz"
#: The layout's version, in the header's ``version``.
VERSION = 1
#: The arrays of junction ``k``: ``junction{k}.<part>``.
PARTS = ("count.indptr", "count.indices", "count.data", "weight.data")

_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_DEFLATE_RATIO = 1032  # the most that deflate expands its input (258 bytes from 2 bits, at best)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
               OSError)


def npz_arrays(graph: LayeredGraph) -> dict[str, np.ndarray]:
    """The arrays of ``graph``'s ``.npz`` file: ``header`` and each junction's four arrays."""
    header = {"format": MAGIC, "version": VERSION, **graph.to_dict()}
    arrays = {"header": np.array(json.dumps(header, default=str))}
    for k, j in enumerate(graph.junctions):
        arrays[f"junction{k}.count.indptr"] = j.count.indptr
        arrays[f"junction{k}.count.indices"] = j.count.indices
        arrays[f"junction{k}.count.data"] = j.count.data.astype(np.int64, copy=False)
        arrays[f"junction{k}.weight.data"] = j.weight.data.astype(np.float64, copy=False)
    return arrays


def read_npz(f, where: str, max_bytes: int) -> LayeredGraph:
    """Read a netgraph ``.npz`` graph from the open binary file ``f``, checking it as the module says.

    Parameters
    ----------
    f : file object
        The file, open for reading in binary mode (a regular file: it is seeked).
    where : str
        The file's name, for the messages.
    max_bytes : int
        The memory budget: the bytes the members declare plus 8 a node.

    Returns
    -------
    LayeredGraph

    Raises
    ------
    GraphFormatError
        If the file is not a netgraph ``.npz`` graph or any part of it is bad.
    ResourceLimitError
        If it declares more than ``max_bytes``.
    """
    head = f.read(6)
    f.seek(0)
    if head == b"\x93NUMPY":
        raise GraphFormatError(f"{where} is a single .npy array, not a netgraph .npz graph")
    try:
        archive = zipfile.ZipFile(f)
    except _ZIP_ERRORS as exc:
        raise GraphFormatError(f"{where} is not a netgraph .npz graph: {one_line(exc) or type(exc).__name__}") \
            from None
    with archive:
        members = _members(archive, os.fstat(f.fileno()).st_size, where, max_bytes)
        if "header" not in members:
            raise GraphFormatError(f"{where} is not a netgraph .npz graph: it has no 'header' array")
        tables = _header(_array(archive, members["header"], where, "U", 0), where)
        nodes = sum(layer.size for layer in tables["layers"])
        declared = sum(info.file_size for info in members.values())
        check_budget(declared + NODE_BYTES * nodes, max_bytes, where, f"its arrays and {plural(nodes, 'node')}")
        _check_member_names(members, tables["junctions"], where)
        size = {layer.name: layer.size for layer in tables["layers"]}
        junctions = [_junction(archive, members, k, d, (size[d["target"]], size[d["source"]]), where)
                     for k, d in enumerate(tables["junctions"])]
    check_total((j.count.data for j in junctions), where)
    try:
        return LayeredGraph(tables["layers"], junctions, outputs=tables["outputs"], metadata=tables["metadata"],
                            cuts=tables["cuts"])
    except NetgraphError as exc:
        raise GraphFormatError(f"{where}: {exc}") from None


def _members(archive: zipfile.ZipFile, size: int, where: str, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by array name (without ``.npy``), each checked against the archive and the budget."""
    members = {}
    for info in archive.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        problem = None
        if name in members:
            problem = "appears twice in the archive"
        elif info.flag_bits & 0x1:
            problem = "is encrypted"
        elif info.compress_type not in _COMPRESSIONS:
            problem = f"uses the unsupported zip compression method {info.compress_type}"
        elif info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            problem = f"is stored uncompressed but declares {info.file_size:,} bytes in {info.compress_size:,}"
        elif info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > _DEFLATE_RATIO * info.compress_size + 64:
            problem = (f"declares {info.file_size:,} bytes deflated into {info.compress_size:,}, more than deflate "
                       f"expands ({_DEFLATE_RATIO} to 1): a damaged archive or a zip bomb")
        elif info.header_offset + info.compress_size > size:
            problem = f"declares {info.compress_size:,} bytes at offset {info.header_offset:,}, past the archive's end"
        if problem:
            raise GraphFormatError(f"{where}: the member {info.filename!r} {problem}")
        members[name] = info
    check_budget(sum(info.file_size for info in members.values()), max_bytes, where, "its arrays")
    return members


def _header(arr: np.ndarray, where: str) -> dict:
    """The checked tables of the header array."""
    header = parse_json(str(arr[()]), where, "the header")
    if not isinstance(header, dict) or header.get("format") != MAGIC:
        raise GraphFormatError(f"{where} is not a netgraph .npz graph: its header lacks format {MAGIC!r}")
    if header.get("version") != VERSION:
        raise GraphFormatError(
            f"{where}: netgraph .npz version {header.get('version')!r} is not supported (this netgraph reads "
            f"version {VERSION}); upgrade netgraph"
        )
    return check_tables({k: v for k, v in header.items() if k not in ("format", "version")}, where)


def _check_member_names(members, junctions, where: str) -> None:
    """The members are the header and the four arrays of each junction: none missing, none more."""
    expected = {f"junction{k}.{part}": k for k in range(len(junctions)) for part in PARTS}
    for name, k in expected.items():
        if name not in members:
            d = junctions[k]
            raise GraphFormatError(f"{where}: junction {k} ({d['source']!r} -> {d['target']!r}) lacks its array "
                                   f"{name!r}")
    for name in members:
        if name != "header" and name not in expected:
            listed = f"0..{len(junctions) - 1}" if junctions else "none"
            raise GraphFormatError(f"{where}: unknown array {name!r}: the header lists "
                                   f"{plural(len(junctions), 'junction')} ({listed}), each with the arrays "
                                   f"{', '.join(PARTS)}")


def _array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, kinds: str, ndim: int) -> np.ndarray:
    """One member's array, its ``.npy`` header checked against the bytes the member holds before they are read."""
    name = info.filename[:-4]
    try:
        with archive.open(info) as m:
            version = np.lib.format.read_magic(m)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version[0]}.{version[1]} is not supported")
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(m)
            held = info.file_size - m.tell()
            declared = math.prod(shape) * dtype.itemsize
            if dtype.hasobject or dtype.kind not in kinds or len(shape) != ndim:
                rule = "a unicode string" if kinds == "U" else "a 1-d array of numbers"
                raise GraphFormatError(f"{where}: array {name!r} must be {rule}; got shape {shape} of dtype {dtype}")
            if declared != held:
                raise GraphFormatError(f"{where}: array {name!r} declares shape {shape} of {dtype} ({declared:,} "
                                       f"bytes) but holds {held:,} bytes")
            buf = bytearray(declared)
            got, view = 0, memoryview(buf)
            while got < declared and (n := m.readinto(view[got:])):
                got += n
    except GraphFormatError:
        raise
    except _ZIP_ERRORS as exc:
        raise GraphFormatError(f"{where}: array {name!r} cannot be read: {one_line(exc) or type(exc).__name__}") \
            from None
    if got != declared:
        raise GraphFormatError(f"{where}: array {name!r} is truncated ({got:,} of {declared:,} bytes)")
    return np.frombuffer(buf, dtype=dtype).reshape(shape)


def _junction(archive, members, k: int, d: dict, shape: tuple[int, int], where: str) -> Junction:
    """Junction ``k`` from its four arrays, each checked."""
    what = f"{where}: junction {k} ({d['source']!r} -> {d['target']!r})"
    indptr, indices, cdata, wdata = (_array(archive, members[f"junction{k}.{part}"], where, "iuf", 1) for part in PARTS)
    check_csr(shape, indptr, indices, cdata, wdata, what)
    cdata = check_counts(cdata, lambda i: f"{what}: junction{k}.count.data[{i}]")
    wdata = check_weights(wdata, lambda i: f"{what}: junction{k}.weight.data[{i}]")
    try:
        return Junction.from_dict(d, sp.csr_array((cdata, indices, indptr), shape=shape),
                                  sp.csr_array((wdata, indices, indptr), shape=shape))
    except NetgraphError as exc:
        raise GraphFormatError(f"{what}: {exc}") from None
