"""What a graph file may hold: the checks that both readers of graph files share.

A graph file holds the graph's tables (:meth:`LayeredGraph.to_dict
<netgraph.graph.LayeredGraph.to_dict>`, as JSON text) and its edges: CSR arrays in an
``.npz`` (:mod:`netgraph._npz`), edge attributes of an :class:`igraph.Graph` in GraphML
and pickle (:func:`netgraph.convert.from_igraph`). Both readers check them here before
anything is built from them, so that a file is read whole or refused with a
:class:`~netgraph.GraphFormatError` that names the part and the bad value:

* :func:`parse_json`: strict JSON (no NaN or Infinity, no key twice in an object; a
  nesting too deep for the parser is an error, not a RecursionError);
* :func:`check_tables`: the layer and junction tables, outputs, metadata and cuts;
* :func:`check_counts` and :func:`check_weights`: each edge's count (an integer >= 1) and
  weight (a finite number);
* :func:`check_total`: the counts of a whole graph add up to less than 2**63, so that no
  sum of them (a degree, a junction's connections) overflows int64;
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np

from netgraph.exceptions import GraphFormatError, NetgraphError
from netgraph.graph import Layer
from netgraph.utils.check import check_fields
from netgraph.utils.tables import one_line

__all__ = ["NODE_BYTES", "TABLES", "parse_json", "check_tables", "check_counts", "check_weights", "check_total",
           "plural"]

#: Bytes that each node of a graph counts against the memory budget (one int64: the least
#: any per-node result, a degree sequence say, takes).
NODE_BYTES = 8
#: The tables of a graph file: the two it must have, and the three it may have (with their
#: defaults).
TABLES = {"layers": None, "junctions": None, "outputs": [], "metadata": {}, "cuts": []}

_INT64_MAX = 2**63 - 1


def plural(n: int, word: str) -> str:
    """``"1 junction"``, ``"3 junctions"``, ``"1,000,000 nodes"``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _object(pairs):
    """A JSON object's pairs as a dict; a key given twice is an error (json keeps the last silently)."""
    d = {}
    for key, value in pairs:
        if key in d:
            raise ValueError(f"the key {key!r} appears twice in one object")
        d[key] = value
    return d


def _constant(name):
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text, where: str, what: str):
    """Parse ``text`` as strict JSON.

    Parameters
    ----------
    text : str
        The JSON text.
    where : str
        The file (or graph) it comes from, for the messages.
    what : str
        What the text is (``"the header"``, ``"graph attribute 'netgraph_layers'"``).

    Returns
    -------
    object
        The parsed value.

    Raises
    ------
    GraphFormatError
        If the text is not JSON, holds NaN or Infinity, has a key twice in one object, or
        nests too deeply for the parser.
    """
    if not isinstance(text, str):
        raise GraphFormatError(f"{where}: {what} must be JSON text; got {type(text).__name__}")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except RecursionError:
        raise GraphFormatError(f"{where}: {what} nests JSON too deeply to be read; a netgraph file nests it a few "
                               "levels deep") from None
    except ValueError as exc:  # JSONDecodeError, and the hooks' errors
        raise GraphFormatError(f"{where}: {what} is not valid JSON ({one_line(exc)})") from None


def check_tables(tables: Mapping, where: str) -> dict:
    """Check a graph file's tables and build its layers.

    Parameters
    ----------
    tables : mapping
        ``layers`` and ``junctions`` (required), ``outputs``, ``metadata`` and ``cuts``
        (optional) as parsed from JSON; no other key.
    where : str
        The file (or graph) they come from, for the messages.

    Returns
    -------
    dict
        ``layers`` (a list of :class:`~netgraph.Layer`), ``junctions`` (the junctions'
        dicts, with the fields a graph file keeps: ``source``, ``target`` and ``op``,
        optionally ``node`` and ``kind``, all strings, naming layers of the table, source
        before target), ``outputs`` (names of layers), ``metadata`` (an object) and
        ``cuts`` (objects), with defaults for the last three when missing.

    Raises
    ------
    GraphFormatError
        Naming the table, the entry and the bad value.
    """
    unknown = [key for key in tables if key not in TABLES]
    if unknown:
        raise GraphFormatError(f"{where}: unknown table(s) {', '.join(map(repr, unknown))}; a graph file has "
                               f"{', '.join(TABLES)}")
    out = {}
    for key, default in TABLES.items():
        if key not in tables and default is None:
            raise GraphFormatError(f"{where}: the {key!r} table is missing")
        out[key] = tables.get(key, default)
        if not isinstance(out[key], dict if key == "metadata" else list):
            kind = "an object" if key == "metadata" else "a list"
            raise GraphFormatError(f"{where}: the {key!r} table must be {kind}; got {out[key]!r:.80}")
    layers, index = [], {}
    for i, d in enumerate(out["layers"]):
        try:
            layers.append(Layer.from_dict(d))
        except NetgraphError as exc:
            raise GraphFormatError(f"{where}: layer {i}: {exc}") from None
        if layers[-1].name in index:
            raise GraphFormatError(f"{where}: layers {index[layers[-1].name]} and {i} are both named "
                                   f"{layers[-1].name!r}")
        index[layers[-1].name] = i
    out["layers"] = layers
    for k, d in enumerate(out["junctions"]):
        _check_junction(d, k, index, where)
    for i, name in enumerate(out["outputs"]):
        if not isinstance(name, str) or name not in index:
            raise GraphFormatError(f"{where}: output {i} is {name!r}, which is not a layer of the table")
    for i, cut in enumerate(out["cuts"]):
        if not isinstance(cut, dict):
            raise GraphFormatError(f"{where}: cut {i} must be an object; got {cut!r:.80}")
    return out


def _check_junction(d, k: int, index: Mapping[str, int], where: str) -> None:
    """One entry of the junction table: its fields, and layers of the table in order."""
    try:
        check_fields(d, f"junction {k}", ("source", "target", "op"), ("node", "kind"),
                     strings=("source", "target", "op", "node", "kind"))
    except NetgraphError as exc:
        raise GraphFormatError(f"{where}: {exc}") from None
    for end in ("source", "target"):
        if d[end] not in index:
            raise GraphFormatError(f"{where}: junction {k} has {end} {d[end]!r}, which is not a layer of the table")
    loop, recurrent = d["source"] == d["target"], d.get("kind") == "recurrent"
    if loop and not recurrent:
        raise GraphFormatError(f"{where}: junction {k} ({d['source']!r} -> {d['target']!r}) goes backwards (to its own "
                               "layer): only a junction of kind 'recurrent' may join a layer to itself")
    if recurrent and not loop:
        raise GraphFormatError(f"{where}: junction {k} ({d['source']!r} -> {d['target']!r}) is of kind 'recurrent', "
                               "which joins a layer to itself: its source and target must be the same layer")
    if index[d["source"]] > index[d["target"]]:
        raise GraphFormatError(f"{where}: junction {k} ({d['source']!r} -> {d['target']!r}) goes backwards: its "
                               "source must come before its target in the layer table")


def _first(bad: np.ndarray) -> int:
    return int(np.flatnonzero(bad)[0])


def check_counts(count: np.ndarray, label) -> np.ndarray:
    """Check the counts of some edges: integers from 1 to 2**63 - 1; return them as int64.

    Parameters
    ----------
    count : ndarray of int64 or float64, shape (E,)
        One count per edge (GraphML and igraph give floats, NaN where a value is missing).
    label : callable
        ``label(i)`` names edge ``i`` and its file in the message
        (``"'g.npz': junction 2 ('a' -> 'b'): junction2.count.data[4]"``).

    Returns
    -------
    ndarray of int64

    Raises
    ------
    GraphFormatError
        Naming the first bad edge, its value and the rule.
    """
    if count.dtype.kind not in "iuf":
        raise GraphFormatError(f"{label(0)}: counts must be numbers; got an array of dtype {count.dtype}")
    if count.dtype.kind == "f":
        for bad, rule in ((np.isnan(count), "is missing (NaN): every edge has a count"),
                          ((count != np.floor(count)) | np.isinf(count), "is a non-integer count"),
                          (count >= 2.0**63, "is more than int64 holds (2**63 - 1)")):
            if bad.any():
                i = _first(bad)
                raise GraphFormatError(f"{label(i)} = {count[i].item()!r} {rule}; a count is the number of "
                                       "scalar connections an edge stands for")
    bad = count < 1
    if bad.any():
        i = _first(bad)
        raise GraphFormatError(f"{label(i)} = {count[i].item()!r} is below 1; a stored edge stands for at least "
                               "one scalar connection")
    return count.astype(np.int64, copy=False)


def check_weights(weight: np.ndarray, label) -> np.ndarray:
    """Check the weights of some edges: finite numbers (as the ONNX reader requires); return them as float64.

    ``label(i)`` names edge ``i`` as for :func:`check_counts`.

    Raises
    ------
    GraphFormatError
    """
    if weight.dtype.kind not in "iuf":
        raise GraphFormatError(f"{label(0)}: weights must be numbers; got an array of dtype {weight.dtype}")
    weight = weight.astype(np.float64, copy=False)
    bad = ~np.isfinite(weight)
    if bad.any():
        i = _first(bad)
        raise GraphFormatError(f"{label(i)} = {weight[i].item()!r}: weights must be finite numbers (NaN marks a "
                               "missing one)")
    return weight


def check_total(counts, where: str) -> None:
    """Check that the counts of a whole graph add up to at most 2**63 - 1.

    Every per-node or per-junction sum of counts is then exact in int64. The total is
    computed exactly (the high and low 32 bits of each count summed apart).

    Parameters
    ----------
    counts : iterable of ndarray of int64
        Each junction's counts (all >= 1, as :func:`check_counts` leaves them).
    where : str
        The file (or graph), for the message.

    Raises
    ------
    GraphFormatError
    """
    total = 0
    for c in counts:
        total += (int(np.sum(c >> 32, dtype=np.int64)) << 32) + int(np.sum(c & 0xFFFFFFFF, dtype=np.int64))
    if total > _INT64_MAX:
        raise GraphFormatError(f"{where}: the counts add up to {total} connections, more than int64 holds "
                               f"(2**63 - 1); no network has that many")
