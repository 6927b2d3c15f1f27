"""Mutations of graph files: ``.npz`` (members and header) and GraphML (text).

Every mutation is registered with :func:`graph_mutation` under a format and an
expectation (``"error"``, ``"any"``, as in :mod:`fuzz.onnx_mutations`, or
``"listed"``: a one-line error, or exit 0 with a warning naming each token the
mutation returns). A mutation is ``mutate(file, rng) -> (description, tokens)`` where
``file`` is a :class:`fuzz.graph_files.NpzFile` or a :class:`fuzz.graph_files.GraphmlFile`
of a seed graph (:func:`fuzz.graph_files.seed_graph`); it may override the registered
expectation by returning ``(description, tokens, expect)``, or return None when the
file has nothing it applies to.
"""

import json
import math

import numpy as np

from fuzz.graph_files import GraphmlFile, npy_bytes, pickle_payload

__all__ = ["GRAPH_MUTATIONS", "GraphMutation", "graph_mutation", "FIELD_VALUES", "NPZ_FIELD_VALUES"]


class GraphMutation:
    """A registered graph-file mutation."""

    def __init__(self, fmt, name, expect, function):
        self.format, self.name, self.expect, self.function = fmt, name, expect, function

    def __repr__(self):
        return f"GraphMutation({self.format!r}, {self.name!r}, expect={self.expect!r})"


#: ``{(format, name): GraphMutation}`` in registration order.
GRAPH_MUTATIONS: dict = {}


def graph_mutation(fmt, name, expect):
    """Register ``mutate(file, rng)`` as the mutation ``name`` of files of format ``fmt``."""
    def register(function):
        assert (fmt, name) not in GRAPH_MUTATIONS
        GRAPH_MUTATIONS[fmt, name] = GraphMutation(fmt, name, expect, function)
        return function
    return register


def _pick(rng, items):
    items = list(items)
    return items[int(rng.integers(len(items)))]


# ---------------------------------------------------------------------- header fields
#: Values a header field is changed to, by what netgraph must make of them. The tokens
#: ``"<other-layer>"``, ``"<duplicate>"`` and ``"<outputs-as-string>"`` are filled in per graph.
FIELD_VALUES = {
    ("layer", "size"): {"error": ["8", True, 8.5, -1, None, [8], 2**62, 1e12, math.nan]},
    ("layer", "spatial_shape"): {"error": ["88", [8, "8"], [-1], 5, [True], None, [2.5]], "any": [[], [3, 3], [1e12]]},
    ("layer", "name"): {"error": [5, "", None, [], "<duplicate>"]},
    ("layer", "kind"): {"error": ["weird", None, 5, ""]},
    ("layer", "tensor"): {"any": [5, None, "", "t" * 10000]},
    ("layer", "op"): {"any": [5, None, ""]},
    ("layer", "node"): {"any": [5, None, ""]},
    ("layer", None): {"error": [5, None, [], {}, "x"]},
    ("junction", "source"): {"error": ["nope", 5, None], "any": ["<other-layer>"]},
    ("junction", "target"): {"error": ["nope", 5, None], "any": ["<other-layer>"]},
    ("junction", "kind"): {"error": ["weird", None, 5], "any": ["skip", "learnable"]},
    ("junction", "op"): {"any": [5, None, ""]},
    ("junction", "node"): {"any": [5, None, ""]},
    ("junction", None): {"error": [5, None, [], {}, "x"]},
    ("graph", "layers"): {"error": [{}, "x", None, [], 5]},
    ("graph", "junctions"): {"error": [{}, "x", None, [], 5]},
    ("graph", "outputs"): {"error": ["<outputs-as-string>", [5], ["nope"], None, {}, 5], "any": [[]]},
    ("graph", "metadata"): {"error": [[], "x", 5], "any": [None, {"a": {"b": 1}}, {"k": 5}, {}]},
    ("graph", "cuts"): {"error": ["x", [5], {}, 5], "any": [None, [], [{"op": 5}]]},
}

#: Fields only an ``.npz`` header has.
NPZ_FIELD_VALUES = {
    ("graph", "format"): {"error": [5, "netgraph-npy", None]},
    ("graph", "version"): {"error": ["1", 1.0, True, 2, 0, None]},
}


def _change_field(header, rng, table):
    """Change one field of ``header`` to a value of ``table``; return the description and the expectation."""
    (where, field) = _pick(rng, table)
    by_expect = table[where, field]
    expect = _pick(rng, by_expect)
    value = _pick(rng, by_expect[expect])
    layers = header.get("layers") or []
    if where == "graph":
        target = header
        label = field
    else:
        items = header["layers"] if where == "layer" else header["junctions"]
        i = int(rng.integers(len(items)))
        if field is None:
            items[i] = value
            return f"{where} {i} of the header replaced by {value!r}", expect
        target, label = items[i], f"{where} {i}'s {field}"
    if value == "<duplicate>":
        value = layers[0]["name"] if target is not layers[0] else layers[-1]["name"]
    elif value == "<other-layer>":
        value = _pick(rng, [layer["name"] for layer in layers if layer["name"] != target.get(field)])
    elif value == "<outputs-as-string>":
        value = header["outputs"][0] if header.get("outputs") else "x"
    target[field] = value
    return f"header {label} = {value!r}", expect


def _deep(depth, kind):
    return ("[" * depth + "]" * depth) if kind == "list" else ('{"a":' * depth + "1" + "}" * depth)


# ---------------------------------------------------------------------- .npz: the header
@graph_mutation("npz", "header-field", "error")
def _npz_header_field(f, rng):
    table = {**FIELD_VALUES, **NPZ_FIELD_VALUES}
    what, expect = _change_field(f.header, rng, table)
    return what, (), expect


@graph_mutation("npz", "header-key-missing", "error")
def _npz_header_key_missing(f, rng):
    key = _pick(rng, ["layers", "junctions", "format", "version", "outputs", "metadata", "cuts"])
    del f.header[key]
    return f"header key {key!r} removed", (), "error" if key in ("layers", "junctions", "format", "version") else "any"


@graph_mutation("npz", "header-key-extra", "listed")
def _npz_header_key_extra(f, rng):
    f.header["fuzz_extra_key"] = _pick(rng, [1, "x", {"a": 1}, [1, 2]])
    return "header has an unknown key 'fuzz_extra_key'", ("fuzz_extra_key",)


@graph_mutation("npz", "header-nested", "error")
def _npz_header_nested(f, rng):
    depth = _pick(rng, [10**4, 10**5, 10**6])
    if rng.random() < 0.5:
        f.raw_header = np.array(_deep(depth, _pick(rng, ["list", "dict"])))
        return f"header is JSON nested {depth} deep", ()
    f.raw_header = np.array(json.dumps(f.header)[:-1] + ', "metadata": ' + _deep(depth, "dict") + "}")
    return f"header metadata nested {depth} deep", ()


@graph_mutation("npz", "header-not-json", "error")
def _npz_header_not_json(f, rng):
    value = _pick(rng, [np.array("{"), np.array(""), np.array("null"), np.array("[1]"), np.array("1e999"),
                        np.array([json.dumps(f.header)]), np.array(5), np.array(json.dumps(f.header).encode()),
                        np.array(json.dumps(f.header) + "garbage"), np.zeros((0,), dtype="U1")])
    f.raw_header = value
    return f"header replaced by {value.dtype} array of shape {value.shape}: {str(value)[:20]!r}", ()


# ---------------------------------------------------------------------- .npz: the arrays
def _junction_member(f, rng, part=None):
    k = int(rng.integers(f.n_junctions))
    part = part or _pick(rng, ["count.indptr", "count.indices", "count.data", "weight.data"])
    return k, f"junction{k}.{part}"


@graph_mutation("npz", "member-missing", "error")
def _npz_member_missing(f, rng):
    if rng.random() < 0.15:
        f.header = None
        return "no header member", ()
    _, name = _junction_member(f, rng)
    del f.arrays[name]
    return f"member {name!r} removed", ()


@graph_mutation("npz", "member-extra", "listed")
def _npz_member_extra(f, rng):
    name = _pick(rng, [f"junction{f.n_junctions}.count.data", "fuzz_notes", "junction0.count.extra"])
    f.arrays[name] = np.arange(3, dtype=np.int64)
    return f"unknown member {name!r} added", (name,)


@graph_mutation("npz", "junction-not-in-header", "listed")
def _npz_junction_not_in_header(f, rng):
    f.header["junctions"].pop()
    k = f.n_junctions - 1
    return f"the header lists no junction {k} but its arrays are there", (f"junction{k}",)


@graph_mutation("npz", "member-duplicate", "error")
def _npz_member_duplicate(f, rng):
    _, name = _junction_member(f, rng, "weight.data")
    a = f.arrays[name]
    f.duplicates[name] = npy_bytes(a * 2 + 1)
    return f"member {name!r} twice in the zip, with different values", ()


@graph_mutation("npz", "weight-nonfinite", "error")
def _npz_weight_nonfinite(f, rng):
    _, name = _junction_member(f, rng, "weight.data")
    a = f.arrays[name].copy()
    if not a.size:
        return None
    value = _pick(rng, [np.nan, np.inf, -np.inf])
    a[int(rng.integers(a.size))] = value
    f.arrays[name] = a
    return f"{name} holds {value}", ()


@graph_mutation("npz", "count-value", "error")
def _npz_count_value(f, rng):
    _, name = _junction_member(f, rng, "count.data")
    a = f.arrays[name].copy()
    value = _pick(rng, [-1, -(2**62), 2**62, 2**63 - 1, 0])
    a[int(rng.integers(a.size))] = value
    f.arrays[name] = a
    # 0 is no connection; 2**62 alone fits (the other counts are small); 2**63 - 1 makes the total overflow
    return f"{name} holds {value}", (), "any" if value in (0, 2**62) else "error"


@graph_mutation("npz", "indices", "error")
def _npz_indices(f, rng):
    k, name = _junction_member(f, rng, "count.indices")
    a = f.arrays[name].copy()
    n_cols = next(layer["size"] for layer in f.header["layers"] if layer["name"] == f.header["junctions"][k]["source"])
    choice = _pick(rng, ["past-end", "negative", "huge", "unsorted", "duplicate"])
    i = int(rng.integers(a.size))
    if choice == "past-end":
        a[i] = n_cols
    elif choice == "negative":
        a[i] = -1
    elif choice == "huge":
        a[i] = np.iinfo(a.dtype).max
    else:
        indptr = f.arrays[f"junction{k}.count.indptr"]
        rows = [r for r in range(len(indptr) - 1) if indptr[r + 1] - indptr[r] >= 2]
        if not rows:
            a[i] = n_cols
            choice = "past-end"
        else:
            r = _pick(rng, rows)
            lo = indptr[r]
            if choice == "unsorted":
                a[lo], a[lo + 1] = a[lo + 1], a[lo]
            else:
                a[lo + 1] = a[lo]
    f.arrays[name] = a
    expect = "any" if choice == "unsorted" else "error"
    return f"{name}: {choice} column index", (), expect


@graph_mutation("npz", "indptr", "error")
def _npz_indptr(f, rng):
    _, name = _junction_member(f, rng, "count.indptr")
    a = f.arrays[name].copy()
    choice = _pick(rng, ["decreasing", "short", "long", "last-off", "huge", "first-nonzero"])
    if choice == "decreasing" and len(a) >= 3:
        a[1] = a[-1] + 1
    elif choice == "short":
        a = a[:-1]
    elif choice == "long":
        a = np.append(a, a[-1])
    elif choice == "last-off":
        a[-1] += 1
    elif choice == "huge":
        a[-1] = np.iinfo(a.dtype).max
    else:
        a[0] = 1
    f.arrays[name] = a
    return f"{name}: {choice}", ()


@graph_mutation("npz", "dtype", "error")
def _npz_dtype(f, rng):
    part, dtype, expect = _pick(rng, [
        ("count.data", np.float64, "error"), ("count.indices", np.float64, "error"), ("count.data", np.int32, "any"),
        ("weight.data", np.float32, "any"), ("weight.data", np.int64, "any"), ("count.indptr", np.uint64, "any"),
        ("count.data", np.bool_, "error"), ("weight.data", np.complex128, "error"), ("count.indices", "U3", "error"),
    ])
    _, name = _junction_member(f, rng, part)
    f.arrays[name] = f.arrays[name].astype(dtype)
    return f"{name} stored as {np.dtype(dtype)}", (), expect


@graph_mutation("npz", "shape", "error")
def _npz_shape(f, rng):
    _, name = _junction_member(f, rng)
    a = f.arrays[name]
    value = _pick(rng, [a.reshape(1, -1), a[:0], np.array(a[0]) if a.size else a.reshape(1, -1), a[:-1]])
    f.arrays[name] = value
    return f"{name} has shape {value.shape} instead of {a.shape}", ()


@graph_mutation("npz", "object-member", "error")
def _npz_object_member(f, rng):
    """A member that is an object array: a pickle, whose loading would run code (``f.marker``)."""
    _, name = _junction_member(f, rng)
    header = ("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }").ljust(117) + "\n"
    f.raw_members[name] = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + \
        pickle_payload(f.marker)
    return f"{name} is an object array whose pickle would create a file", ()


def _npy_header(descr, shape):
    text = repr({"descr": descr, "fortran_order": False, "shape": shape})
    text = text.ljust(((len(text) + 11) // 64 + 1) * 64 - 11) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


@graph_mutation("npz", "declared-size", "error")
def _npz_declared_size(f, rng):
    """A member whose .npy header declares a huge array (16 GB) over a tiny or compressed body."""
    _, name = _junction_member(f, rng, _pick(rng, ["count.data", "count.indices", "weight.data"]))
    n = _pick(rng, [2**31, 2**34, 2**40])
    body = b"\0" * _pick(rng, [16, 4096, 2**20])
    f.raw_members[name] = _npy_header("<i8" if "count" in name else "<f8", (n,)) + body
    f.compress = rng.random() < 0.5
    del f.arrays[name]
    return f"{name} declares {n} elements ({n * 8 / 2**30:.0f} GiB) over {len(body)} bytes" + \
        (" (deflated: a zip bomb)" if f.compress else ""), ()


@graph_mutation("npz", "npy-header", "error")
def _npz_npy_header(f, rng):
    _, name = _junction_member(f, rng)
    header = _pick(rng, [b"\x93NUMPY\x09\x00", b"\x93NUMPY\x01\x00\xff\xff{'descr': '<i8'",
                         _npy_header("<i8", (-1,)), _npy_header("<i8", (2, 2**62)), _npy_header("V1000000000", (1,)),
                         _npy_header("<i8", ()) + b"\0" * 4, b"not an npy file"])
    f.raw_members[name] = header
    del f.arrays[name]
    return f"{name} has a corrupt .npy header {header[:24]!r}", ()


# ---------------------------------------------------------------------- GraphML
@graph_mutation("graphml", "table-field", "error")
def _graphml_table_field(f, rng):
    header = f.header
    what, expect = _change_field(header, rng, FIELD_VALUES)
    f.set_header(header)
    return what.replace("header", "graph table"), (), expect


@graph_mutation("graphml", "table-missing", "error")
def _graphml_table_missing(f, rng):
    part = _pick(rng, GraphmlFile.TABLES)
    f.remove_table(part)
    return f"graph attribute netgraph_{part} removed", (), "error" if part in ("layers", "junctions") else "any"


@graph_mutation("graphml", "table-nested", "error")
def _graphml_table_nested(f, rng):
    depth = _pick(rng, [10**4, 10**5])
    part = _pick(rng, GraphmlFile.TABLES)
    f.set_table(part, _deep(depth, _pick(rng, ["list", "dict"])), raw=True)
    return f"graph attribute netgraph_{part} nested {depth} deep", ()


def _edge_data_spans(text, key):
    """(start, end) of the text of every ``<data key=key>`` of the edges."""
    tag = f'<data key="{key}">'
    spans, i = [], text.find(tag)
    while i >= 0:
        start = i + len(tag)
        end = text.index("</data>", start)
        spans.append((start, end))
        i = text.find(tag, end)
    return spans


@graph_mutation("graphml", "edge-value", "error")
def _graphml_edge_value(f, rng):
    key, value, expect = _pick(rng, [
        ("e_junction", "-1", "error"), ("e_junction", "0.5", "error"), ("e_junction", "NaN", "error"),
        ("e_junction", "99", "error"), ("e_junction", "1e300", "error"), ("e_weight", "NaN", "error"),
        ("e_weight", "INF", "error"), ("e_weight", "-inf", "error"), ("e_weight", "1e400", "error"),
        ("e_count", "-1", "error"), ("e_count", "0.5", "error"), ("e_count", "NaN", "error"),
        ("e_count", "4611686018427387904", "any"), ("e_count", "9223372036854775807", "error"),
        ("e_count", "1e300", "error"), ("e_count", "0", "any"), ("e_count", "", "error"),
        ("e_junction", "", "error"), ("e_weight", "x", "error"),
    ])
    spans = _edge_data_spans(f.text, key)
    start, end = _pick(rng, spans)
    f.text = f.text[:start] + value + f.text[end:]
    return f"one edge's {key[2:]} = {value!r}", (), expect


@graph_mutation("graphml", "edge-data-missing", "error")
def _graphml_edge_data_missing(f, rng):
    key = _pick(rng, ["e_junction", "e_count", "e_weight"])
    start, end = _pick(rng, _edge_data_spans(f.text, key))
    tag = f'<data key="{key}">'
    f.text = f.text[:start - len(tag)] + f.text[end + len("</data>"):]
    return f"one edge has no {key[2:]}", ()


@graph_mutation("graphml", "element-removed", "any")
def _graphml_element_removed(f, rng):
    kind = _pick(rng, ["edge", "node", "key"])
    starts = [i for i in range(len(f.text)) if f.text.startswith(f"<{kind} ", i)]
    i = _pick(rng, starts)
    end = f.text.index(">", i) + 1
    if f.text[end - 2] != "/":  # not self-closing: up to the closing tag
        end = f.text.index(f"</{kind}>", i) + len(f"</{kind}>")
    f.text = f.text[:i] + f.text[end:]
    return f"one <{kind}> element removed", (), "any" if kind == "edge" else "error"


@graph_mutation("graphml", "edge-duplicated", "any")
def _graphml_edge_duplicated(f, rng):
    starts = [i for i in range(len(f.text)) if f.text.startswith("<edge ", i)]
    i = _pick(rng, starts)
    end = f.text.index("</edge>", i) + len("</edge>")
    f.text = f.text[:end] + f.text[i:end] + f.text[end:]
    return "one <edge> element twice", ()


@graph_mutation("graphml", "entities", "error")
def _graphml_entities(f, rng):
    """An internal entity bomb (billion laughs) or an external entity (a local file) in the metadata.

    igraph's reader expands neither (netgraph refuses the file): an expanded bomb would take
    30 GB, an expanded external entity would copy a local file into the graph.
    """
    if rng.random() < 0.5:
        levels = ['<!ENTITY a0 "lollollollollollollollollollol">'] + [
            f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
        doctype, ref, what = "<!DOCTYPE graphml [" + "".join(levels) + "]>", "&a9;", "an entity bomb (3 * 10**10 bytes)"
    else:
        doctype, ref = '<!DOCTYPE graphml [<!ENTITY ext SYSTEM "file:///etc/hostname">]>', "&ext;"
        what = "an external entity naming /etc/hostname"
    decl_end = f.text.index("?>") + 2
    f.text = f.text[:decl_end] + "\n" + doctype + f.text[decl_end:]
    start, end = f._table_span("metadata")
    f.text = f.text[:start] + ref + f.text[end:]
    return f"metadata is {what}", ()


@graph_mutation("graphml", "deep-xml", "any")
def _graphml_deep_xml(f, rng):
    depth = _pick(rng, [10**3, 10**5])
    i = f.text.index("<graph ")
    f.text = f.text[:i] + "<x>" * depth + "</x>" * depth + f.text[i:]
    return f"{depth} nested unknown elements", ()
