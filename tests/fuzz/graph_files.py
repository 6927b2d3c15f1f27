"""The graph files the fuzzer breaks: seed graphs made by hand, and ``.npz`` and GraphML files taken apart.

:func:`seed_graph` builds the seed graphs (not read from a model, so that they do not
depend on the reader); :class:`NpzFile` and :class:`GraphmlFile` hold a file written by
:func:`netgraph.write_graph` in a form a mutation can change, and write it back;
:func:`pickle_payload` makes a hostile pickle.
"""

import functools
import html
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from netgraph import Junction, Layer, LayeredGraph
from netgraph.io import write_graph

__all__ = ["SEED_GRAPHS", "seed_graph", "NpzFile", "GraphmlFile", "npy_bytes", "pickle_payload"]


#: The seed graphs (:func:`seed_graph`).
SEED_GRAPHS = ("dense", "conv", "residual", "cut")


def _junction(rng, source, target, shape, op, node, high=2):
    count = rng.integers(0, high, shape) * (rng.random(shape) < 0.7)
    count.flat[0] = 1
    return Junction(source, target, count, rng.standard_normal(shape), op=op, node=node)


@functools.lru_cache(maxsize=None)
def seed_graph(name):
    """A seed graph made by hand (not read from a model, so that it does not depend on the reader).

    ``"dense"``: 8 -> 6 -> 4; ``"conv"``: 2 -> 3 -> 2 feature maps with spatial shapes
    and counts up to 9; ``"residual"``: a merge layer with two skip junctions;
    ``"cut"``: a cut and its new input layer, and metadata. Cached: do not modify it.

    Examples
    --------
    >>> seed_graph("residual").layer_names
    ['x', 'fc1', 'add1', 'fc2']
    """
    rng = np.random.default_rng(list(SEED_GRAPHS).index(name))
    if name == "dense":
        layers = [Layer("x", 8, "input", tensor="x"), Layer("fc1", 6, "dense", tensor="h1", op="Gemm", node="fc1"),
                  Layer("fc2", 4, "dense", tensor="y", op="Gemm", node="fc2")]
        junctions = [_junction(rng, "x", "fc1", (6, 8), "Gemm", "fc1"),
                     _junction(rng, "fc1", "fc2", (4, 6), "Gemm", "fc2")]
        return LayeredGraph(layers, junctions, outputs=["fc2"])
    if name == "conv":
        layers = [Layer("x", 2, "input", (6, 6), tensor="x"), Layer("conv1", 3, "conv", (6, 6), "c1", "Conv", "conv1"),
                  Layer("conv2", 2, "conv", (2, 2), "y", "Conv", "conv2")]
        junctions = [_junction(rng, "x", "conv1", (3, 2), "Conv", "conv1", 10),
                     _junction(rng, "conv1", "conv2", (2, 3), "Conv", "conv2", 10)]
        return LayeredGraph(layers, junctions, outputs=["conv2"])
    if name == "residual":
        eye = np.eye(5, dtype=np.int64)
        layers = [Layer("x", 5, "input", tensor="x"), Layer("fc1", 5, "dense", tensor="h1", op="Gemm", node="fc1"),
                  Layer("add1", 5, "merge", tensor="s", op="Add", node="add1"),
                  Layer("fc2", 3, "dense", tensor="y", op="Gemm", node="fc2")]
        junctions = [_junction(rng, "x", "fc1", (5, 5), "Gemm", "fc1"),
                     Junction("fc1", "add1", eye, eye, op="Add", node="add1", kind="skip"),
                     Junction("x", "add1", eye, eye, op="Add", node="add1", kind="skip"),
                     _junction(rng, "add1", "fc2", (3, 5), "Gemm", "fc2")]
        return LayeredGraph(layers, junctions, outputs=["fc2"])
    layers = [Layer("x", 4, "input", tensor="x"), Layer("fc1", 3, "dense", tensor="h1", op="Gemm", node="fc1"),
              Layer("weird0:0", 3, "cut", tensor="w"), Layer("fc2", 2, "dense", tensor="y", op="Gemm", node="fc2")]
    junctions = [_junction(rng, "x", "fc1", (3, 4), "Gemm", "fc1"),
                 _junction(rng, "weird0:0", "fc2", (2, 3), "Gemm", "fc2")]
    cuts = [{"op": "Frobnicate", "node": "weird0", "reason": "no handler for Frobnicate", "from_layers": ["fc1"],
             "new_layers": ["weird0:0"]}]
    return LayeredGraph(layers, junctions, outputs=["fc2"], metadata={"producer": "fuzz", "note": "é ∂"}, cuts=cuts)


class NpzFile:
    """A ``.npz`` graph file taken apart: its header (a dict) and its arrays, to be changed and written.

    ``raw_header`` replaces the JSON of ``header`` when set (an array); ``raw_members``
    are members written as given (bytes of a ``.npy``); ``duplicates`` are members
    written a second time under a name already used.
    """

    def __init__(self, graph):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "g.npz")
            write_graph(graph, path)
            with np.load(path, allow_pickle=False) as z:
                self.arrays = {name: z[name] for name in z.files}
        self.header = json.loads(str(self.arrays.pop("header")[()]))  # None: no header member
        self.raw_header = None
        self.raw_members = {}
        self.duplicates = {}
        self.compress = False
        self.marker = None  # a file that loading a hostile member would create

    @property
    def n_junctions(self):
        return sum(1 for name in self.arrays if name.endswith(".count.data"))

    def write(self, path):
        members = {}
        if self.raw_header is not None:
            members["header"] = npy_bytes(self.raw_header)
        elif self.header is not None:
            members["header"] = npy_bytes(np.array(json.dumps(self.header)))
        members.update({name: npy_bytes(a) for name, a in self.arrays.items()})
        members.update(self.raw_members)
        mode = zipfile.ZIP_DEFLATED if self.compress else zipfile.ZIP_STORED
        with zipfile.ZipFile(path, "w", mode) as z, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate names we write on purpose
            for name, data in [*members.items(), *self.duplicates.items()]:
                z.writestr(name + ".npy", data)


def npy_bytes(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=allow_pickle)
    return buffer.getvalue()


class GraphmlFile:
    """A GraphML graph file as text, with its netgraph tables parsed."""

    TABLES = ("layers", "junctions", "outputs", "metadata", "cuts")

    def __init__(self, graph):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "g.graphml")
            write_graph(graph, path)
            with open(path, encoding="utf-8") as f:
                self.text = f.read()

    def _table_span(self, part):
        start_tag = f'<data key="g_netgraph_{part}">'
        start = self.text.index(start_tag) + len(start_tag)
        return start, self.text.index("</data>", start)

    def table(self, part):
        start, end = self._table_span(part)
        return json.loads(html.unescape(self.text[start:end]))

    def set_table(self, part, value, raw=False):
        start, end = self._table_span(part)
        text = value if raw else json.dumps(value)
        self.text = self.text[:start] + html.escape(text, quote=True) + self.text[end:]

    @property
    def header(self):
        """The tables as one dict, like an ``.npz`` header (write back with :meth:`set_header`)."""
        return {part: self.table(part) for part in self.TABLES}

    def set_header(self, header):
        for part in self.TABLES:
            if part in header:
                self.set_table(part, header[part])
            else:
                self.remove_table(part)

    def remove_table(self, part):
        start_tag = f'<data key="g_netgraph_{part}">'
        start = self.text.index(start_tag)
        end = self.text.index("</data>", start) + len("</data>")
        self.text = self.text[:start] + self.text[end:]

    def write(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.text)


def pickle_payload(marker):
    """The bytes of a pickle that, when loaded, creates the file ``marker`` (and returns a string).

    Standing for a hostile file: loading it runs code. It calls only ``builtins.open``,
    so a test that fails makes an empty file, nothing worse.
    """
    import pickle

    class _Payload:
        def __reduce__(self):
            return (open, (marker, "w"))

    return pickle.dumps(_Payload(), protocol=2)
