"""Tests of graph files (GraphML, igraph pickle, .npz): round trips, errors, no half-written file, and hostile
or broken files (issue 9): pickle refused, only regular files, every array and edge accounted for, memory bounded."""

import json
import logging
import os
import pickle
import struct
import threading
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

import netgraph.io as ngio
from netgraph import (
    GraphFormatError,
    InvalidParameterError,
    Junction,
    Layer,
    LayeredGraph,
    ModelNotFoundError,
    ResourceLimitError,
    UnsafeFormatError,
    read_graph,
    write_graph,
)

SUFFIXES = [".graphml", ".pickle", ".pkl", ".npz"]
EXACT_SUFFIXES = [".pickle", ".pkl", ".npz"]


def sample_graph(seed=0):
    """A graph with every feature a file must keep: spatial shapes, skip edges, an empty
    junction, awkward floats (-0.0, subnormal, huge), metadata, outputs and cuts."""
    rng = np.random.default_rng(seed)
    layers = [
        Layer("input", 3, "input", tensor="input"),
        Layer("conv1", 5, "conv", (6, 6), tensor="c1", op="Conv", node="/conv1/Conv"),
        Layer("conv2", 5, "conv", (4, 4), tensor="c2", op="Conv", node="/conv2/Conv"),
        Layer("add", 5, "merge", (4, 4), tensor="a", op="Add", node="/Add"),
        Layer("fc", 4, "dense", tensor="f", op="Gemm", node="/fc/Gemm"),
        Layer("out", 2, "dense", tensor="logits", op="Gemm", node="/out/Gemm"),
    ]
    c1 = (rng.random((5, 3)) < 0.6) * rng.integers(1, 10_000, (5, 3))
    w1 = rng.standard_normal((5, 3))
    w1[0, :] = [-0.0, 1e-300, 1.2345678901234567e308]
    c1[0, :] = [1, 1, 1]
    c2 = (rng.random((5, 5)) < 0.5) * rng.integers(1, 100, (5, 5))
    c3 = (rng.random((4, 5)) < 0.7).astype(int)
    junctions = [
        Junction("input", "conv1", c1, w1, op="Conv", node="/conv1/Conv"),
        Junction("conv1", "conv2", c2, rng.standard_normal((5, 5)), op="Conv", node="/conv2/Conv"),
        Junction("conv2", "add", np.eye(5), np.eye(5), op="Add", node="/Add", kind="skip"),
        Junction("fc", "out", np.zeros((2, 4)), np.zeros((2, 4)), op="Gemm", node="/out/Gemm"),
        Junction("add", "fc", c3, rng.standard_normal((4, 5)), op="Gemm", node="/fc/Gemm"),
    ]
    # junctions need not be listed in layer order; keep the "fc -> out" before "add -> fc"
    return LayeredGraph(
        layers,
        junctions,
        outputs=["out"],
        metadata={"producer_name": "pytorch", "netgraph.seed": "0", "quote": 'a "b" <c> & d'},
        cuts=[{"op": "Loop", "node": "loop0", "layers": ["input"], "reason": "control flow"}],
    )


def assert_same_structure(a, b):
    assert a.layers == b.layers
    assert a.outputs == b.outputs
    assert a.metadata == b.metadata
    assert a.cuts == b.cuts
    assert [(j.source, j.target, j.op, j.node, j.kind) for j in a.junctions] == [
        (j.source, j.target, j.op, j.node, j.kind) for j in b.junctions
    ]


def assert_bitwise_equal(x, y):
    assert x.dtype == y.dtype, (x.dtype, y.dtype)
    assert x.shape == y.shape
    assert x.tobytes() == y.tobytes()


# ---------------------------------------------------------------------- round trips
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_keeps_structure_and_counts(tmp_path, suffix):
    g = sample_graph()
    path = tmp_path / f"g{suffix}"
    write_graph(g, path)
    h = read_graph(path, allow_pickle=True)
    assert_same_structure(g, h)
    for ja, jb in zip(g.junctions, h.junctions):
        assert ja.count.dtype == jb.count.dtype == np.int64
        assert ja.weight.dtype == jb.weight.dtype == np.float64
        assert np.array_equal(ja.count.toarray(), jb.count.toarray())
        assert np.array_equal(ja.weight.indices, jb.weight.indices)
    # and the whole network agrees edge by edge, in the igraph numbering
    ea, eb = g.edge_arrays(), h.edge_arrays()
    for x, y in zip(ea[:2] + ea[3:], eb[:2] + eb[3:]):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("suffix", EXACT_SUFFIXES)
def test_exact_formats_keep_weights_bit_for_bit(tmp_path, suffix):
    g = sample_graph()
    write_graph(g, tmp_path / f"g{suffix}")
    h = read_graph(tmp_path / f"g{suffix}", allow_pickle=True)
    for ja, jb in zip(g.junctions, h.junctions):
        assert_bitwise_equal(ja.weight.data, jb.weight.data)
    w = h.junctions[0].weight.data
    assert np.signbit(w[0]) and w[0] == 0.0  # -0.0 survives
    assert w[1] == 1e-300 and w[2] == 1.2345678901234567e308


@pytest.mark.parametrize("suffix", EXACT_SUFFIXES)
def test_exact_formats_keep_extreme_doubles(tmp_path, suffix):
    # GraphML cannot: igraph prints 15 significant digits (DBL_MAX then rounds up to an
    # overflow) and its reader rejects subnormals
    big, subnormal, next_to_one = np.finfo(np.float64).max, 5e-324, np.nextafter(1.0, 2.0)
    g = LayeredGraph([Layer("x", 3, "input"), Layer("y", 1, "dense")],
                     [Junction("x", "y", [[1, 1, 1]], [[big, subnormal, next_to_one]], op="Gemm")])
    write_graph(g, tmp_path / f"g{suffix}")
    assert read_graph(tmp_path / f"g{suffix}", allow_pickle=True).junctions[0].weight.data.tolist() == [
        big, subnormal, next_to_one]


def test_npz_round_trip_is_exact_array_by_array(tmp_path):
    g = sample_graph()
    write_graph(g, tmp_path / "g.npz")
    h = read_graph(tmp_path / "g.npz")
    for ja, jb in zip(g.junctions, h.junctions):
        for name in ("count", "weight"):
            x, y = getattr(ja, name), getattr(jb, name)
            assert type(x) is type(y) and x.shape == y.shape
            for part in ("indptr", "indices", "data"):
                assert_bitwise_equal(getattr(x, part), getattr(y, part))


def test_npz_round_trip_of_graph_with_int64_indices(tmp_path):
    # a graph read back from igraph carries int64 index arrays: they survive too
    g = LayeredGraph.from_igraph(sample_graph().igraph)
    write_graph(g, tmp_path / "g.npz")
    h = read_graph(tmp_path / "g.npz")
    for ja, jb in zip(g.junctions, h.junctions):
        for part in ("indptr", "indices", "data"):
            assert_bitwise_equal(getattr(ja.count, part), getattr(jb.count, part))
        assert_bitwise_equal(ja.weight.data, jb.weight.data)


def test_npz_layout_loads_without_pickle(tmp_path):
    g = sample_graph()
    write_graph(g, tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz", allow_pickle=False) as z:
        header = json.loads(str(z["header"]))
        assert header["format"] == "netgraph-npz" and header["version"] == 1
        assert [d["name"] for d in header["layers"]] == ["input", "conv1", "conv2", "add", "fc", "out"]
        assert header["outputs"] == ["out"]
        # junction 0 rebuilt from the raw arrays with scipy alone
        c = sp.csr_array((z["junction0.count.data"], z["junction0.count.indices"], z["junction0.count.indptr"]),
                         shape=(5, 3))
        assert np.array_equal(c.toarray(), g.junctions[0].count.toarray())
        assert z["junction0.count.data"].dtype == np.int64 and z["junction0.weight.data"].dtype == np.float64
        assert len(z.files) == 1 + 4 * len(g.junctions)


def test_graphml_weights_are_close_and_counts_exact(tmp_path):
    g = sample_graph()
    write_graph(g, tmp_path / "g.graphml")
    h = read_graph(tmp_path / "g.graphml")
    for ja, jb in zip(g.junctions, h.junctions):
        assert np.array_equal(ja.count.data, jb.count.data)
        np.testing.assert_allclose(jb.weight.data, ja.weight.data, rtol=1e-14, atol=0)


def test_graphml_is_readable_by_networkx(tmp_path):
    import networkx as nx

    g = sample_graph()
    write_graph(g, tmp_path / "g.graphml")
    G = nx.read_graphml(tmp_path / "g.graphml")
    assert G.is_directed()
    assert G.number_of_nodes() == g.number_of_nodes()
    assert G.number_of_edges() == g.number_of_edges()
    assert sum(d["count"] for _, _, d in G.edges(data=True)) == g.number_of_connections()


def test_pickle_opens_with_igraph_alone(tmp_path):
    import igraph as ig

    g = sample_graph()
    write_graph(g, tmp_path / "g.pickle")
    h = ig.Graph.Read_Pickle(str(tmp_path / "g.pickle"))
    assert isinstance(h, ig.Graph)
    assert h.vcount() == g.number_of_nodes() and h.ecount() == g.number_of_edges()
    assert h.get_edgelist() == g.igraph.get_edgelist()
    assert sum(h.es["count"]) == g.number_of_connections()


def test_format_keyword_overrides_suffix(tmp_path):
    g = sample_graph()
    write_graph(g, tmp_path / "g.bin", format="npz")
    with pytest.raises(GraphFormatError, match="'.bin'"):
        read_graph(tmp_path / "g.bin")
    assert_same_structure(g, read_graph(tmp_path / "g.bin", format="npz"))
    # and the file really is an npz archive
    with np.load(tmp_path / "g.bin") as z:
        assert "header" in z.files


def test_suffix_is_case_insensitive(tmp_path):
    write_graph(sample_graph(), tmp_path / "G.NPZ")
    assert read_graph(tmp_path / "G.NPZ").layer_names[-1] == "out"


def test_save_and_load_delegate(tmp_path):
    g = sample_graph()
    g.save(tmp_path / "g.pkl")
    assert_same_structure(g, LayeredGraph.load(tmp_path / "g.pkl", allow_pickle=True))


def test_overwrite_replaces_file(tmp_path):
    path = tmp_path / "g.npz"
    write_graph(sample_graph(seed=1), path)
    write_graph(sample_graph(seed=2), path)
    h = read_graph(path)
    assert np.array_equal(h.junctions[1].count.toarray(), sample_graph(seed=2).junctions[1].count.toarray())
    assert os.listdir(tmp_path) == ["g.npz"]


# ---------------------------------------------------------------------- errors
def test_unknown_suffix_names_it_and_lists_accepted(tmp_path):
    path = tmp_path / "g.gexf"
    for call in (lambda: write_graph(sample_graph(), path), lambda: read_graph(path)):
        with pytest.raises(GraphFormatError) as info:
            call()
        msg = str(info.value)
        assert "'.gexf'" in msg
        for suffix in SUFFIXES:
            assert suffix in msg
    assert not path.exists()


def test_missing_suffix(tmp_path):
    with pytest.raises(GraphFormatError, match=r"suffix \(none\)"):
        write_graph(sample_graph(), tmp_path / "graph")


def test_unknown_format_keyword(tmp_path):
    with pytest.raises(InvalidParameterError, match="got 'gexf'"):
        write_graph(sample_graph(), tmp_path / "g.npz", format="gexf")


def test_write_rejects_non_graph(tmp_path):
    with pytest.raises(InvalidParameterError, match="graph must be a LayeredGraph; got dict"):
        write_graph({}, tmp_path / "g.npz")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_missing_file_names_path(tmp_path, suffix):
    path = tmp_path / f"nothing{suffix}"
    with pytest.raises(ModelNotFoundError) as info:
        read_graph(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def test_directory_is_not_a_graph(tmp_path):
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(GraphFormatError, match="is a directory"):
        read_graph(tmp_path / "d.npz")


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_text_file_is_not_a_graph(tmp_path, suffix):
    path = _write_bytes(tmp_path / f"notes{suffix}", b"this is not a graph\n")
    with pytest.raises(GraphFormatError, match="notes"):
        read_graph(path, allow_pickle=True)


def test_empty_file_is_not_a_graph(tmp_path):
    for suffix in SUFFIXES:
        with pytest.raises(GraphFormatError):
            read_graph(_write_bytes(tmp_path / f"empty{suffix}", b""), allow_pickle=True)


def test_npz_without_header(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.arange(3))
    with pytest.raises(GraphFormatError, match="no 'header' array"):
        read_graph(tmp_path / "a.npz")


def test_npz_with_foreign_header(tmp_path):
    np.savez(tmp_path / "a.npz", header=np.array(json.dumps({"format": "other"})))
    with pytest.raises(GraphFormatError, match="lacks format 'netgraph-npz'"):
        read_graph(tmp_path / "a.npz")


def test_npz_from_a_newer_version(tmp_path):
    np.savez(tmp_path / "a.npz", header=np.array(json.dumps({"format": "netgraph-npz", "version": 99})))
    with pytest.raises(GraphFormatError, match="version 99 is not supported"):
        read_graph(tmp_path / "a.npz")


def test_npy_file_named_npz(tmp_path):
    with open(tmp_path / "a.npz", "wb") as f:
        np.save(f, np.arange(3))
    with pytest.raises(GraphFormatError, match="single .npy array"):
        read_graph(tmp_path / "a.npz")


def test_truncated_npz(tmp_path):
    write_graph(sample_graph(), tmp_path / "g.npz")
    data = (tmp_path / "g.npz").read_bytes()
    _write_bytes(tmp_path / "t.npz", data[: len(data) // 2])
    with pytest.raises(GraphFormatError):
        read_graph(tmp_path / "t.npz")


def _rewrite_npz(src, dst, **changes):
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    np.savez(dst, **arrays)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"junction0.count.indices": np.array([0, 1, 7] + [0] * 20, dtype=np.int32)}, "disagree|out of range"),
        ({"junction1.count.indptr": np.array([0, 1], dtype=np.int32)}, "indptr has shape"),
        ({"junction0.count.data": np.ones(3)}, "int64"),
        ({"junction2.weight.data": np.ones(1)}, "lengths disagree"),
    ],
)
def test_npz_with_inconsistent_arrays(tmp_path, changes, match):
    write_graph(sample_graph(), tmp_path / "g.npz")
    _rewrite_npz(tmp_path / "g.npz", tmp_path / "bad.npz", **changes)
    with pytest.raises(GraphFormatError, match=match):
        read_graph(tmp_path / "bad.npz")


def test_npz_missing_junction_array(tmp_path):
    write_graph(sample_graph(), tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz") as z:
        arrays = {k: z[k] for k in z.files if k != "junction3.weight.data"}
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(GraphFormatError, match="junction3.weight.data"):
        read_graph(tmp_path / "bad.npz")


def test_npz_with_out_of_range_column(tmp_path):
    write_graph(sample_graph(), tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz") as z:
        indices = z["junction0.count.indices"].copy()
    indices[-1] = 3  # the source layer has 3 nodes: 0..2
    _rewrite_npz(tmp_path / "g.npz", tmp_path / "bad.npz", **{"junction0.count.indices": indices})
    with pytest.raises(GraphFormatError, match="out of range 0..2"):
        read_graph(tmp_path / "bad.npz")


def test_npz_header_naming_unknown_layer(tmp_path):
    write_graph(sample_graph(), tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz") as z:
        header = json.loads(str(z["header"]))
    header["junctions"][0]["target"] = "ghost"
    _rewrite_npz(tmp_path / "g.npz", tmp_path / "bad.npz", header=np.array(json.dumps(header)))
    with pytest.raises(GraphFormatError, match="ghost"):
        read_graph(tmp_path / "bad.npz")


def test_graphml_of_a_foreign_graph(tmp_path):
    import igraph as ig

    ig.Graph.Ring(5, directed=True).write_graphml(str(tmp_path / "ring.graphml"))
    with pytest.raises(GraphFormatError, match="not a netgraph graph"):
        read_graph(tmp_path / "ring.graphml")


@pytest.mark.parametrize("chunk", [1 << 22, 7])
def test_graphml_of_two_graphs_is_refused_not_read_in_part(tmp_path, chunk):
    from netgraph import io as netgraph_io

    path = tmp_path / "g.graphml"
    write_graph(sample_graph(), path)
    text = path.read_text()
    start, end = text.index("<graph "), text.index("</graph>") + len("</graph>")
    two = tmp_path / "two.graphml"
    two.write_text(text[:end] + text[start:end].replace('id="G"', 'id="H"') + text[end:])
    with open(path, "rb") as f:  # one graph: accepted and rewound, whatever the chunk size
        netgraph_io._check_one_graph(f, "g.graphml", chunk=chunk)
        assert f.tell() == 0
    with open(two, "rb") as f:
        with pytest.raises(GraphFormatError, match="more than one graph"):
            netgraph_io._check_one_graph(f, "two.graphml", chunk=chunk)
    with pytest.raises(GraphFormatError, match="two.graphml' holds more than one graph"):
        read_graph(two)


def test_pickle_of_something_else(tmp_path):
    with open(tmp_path / "d.pickle", "wb") as f:
        pickle.dump({"a": 1}, f)
    with pytest.raises(GraphFormatError, match="not a pickle graph file"):
        read_graph(tmp_path / "d.pickle", allow_pickle=True)


def test_pickle_of_a_foreign_igraph(tmp_path):
    import igraph as ig

    ig.Graph.Ring(5).write_pickle(str(tmp_path / "ring.pkl"))
    with pytest.raises(GraphFormatError, match="not a netgraph graph"):
        read_graph(tmp_path / "ring.pkl", allow_pickle=True)


# ---------------------------------------------------------------------- nothing half-written
def _failing_after_some_bytes(exc_type=RuntimeError):
    def fail(f, *args, **kwargs):
        f.write(b"PK\x03\x04 partial output")
        f.flush()
        raise exc_type("disk on fire")

    return fail


@pytest.mark.parametrize("suffix, target", [(".npz", "np.savez"), (".pickle", "write_pickle"),
                                            (".graphml", "write_graphml")])
@pytest.mark.parametrize("exc_type", [RuntimeError, KeyboardInterrupt])
def test_failed_write_leaves_nothing(tmp_path, monkeypatch, suffix, target, exc_type):
    import igraph as ig

    if target == "np.savez":
        monkeypatch.setattr(ngio.np, "savez", _failing_after_some_bytes(exc_type))
    else:
        fail = _failing_after_some_bytes(exc_type)
        monkeypatch.setattr(ig.Graph, target, lambda self, f, *a, **k: fail(f))
    path = tmp_path / f"g{suffix}"
    with pytest.raises(exc_type, match="disk on fire"):
        write_graph(sample_graph(), path)
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "g.npz"
    write_graph(sample_graph(seed=1), path)
    before = path.read_bytes()
    monkeypatch.setattr(ngio.np, "savez", _failing_after_some_bytes())
    with pytest.raises(RuntimeError):
        write_graph(sample_graph(seed=2), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["g.npz"]


def test_write_into_missing_directory(tmp_path):
    path = tmp_path / "no" / "such" / "g.npz"
    with pytest.raises(FileNotFoundError, match="directory does not exist"):
        write_graph(sample_graph(), path)
    assert not (tmp_path / "no").exists()


# ---------------------------------------------------------------------- hostile and broken files (issue 9)
def tiny_graph():
    """x(2) -> y(1): counts [[2, 1]], weights [[0.5, -1.0]]; y is the output."""
    return LayeredGraph([Layer("x", 2, "input"), Layer("y", 1, "dense")],
                        [Junction("x", "y", [[2, 1]], [[0.5, -1.0]], op="Gemm", node="fc")], outputs=["y"])


class _MakesAFile:
    """Unpickling it calls ``open(marker, "w")``: the file appears only if the pickle is loaded."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("suffix", [".pickle", ".pkl"])
def test_pickle_is_refused_by_default_and_runs_nothing(tmp_path, suffix):
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{suffix}"
    path.write_bytes(pickle.dumps(_MakesAFile(marker)))
    for call in (lambda: read_graph(path), lambda: LayeredGraph.load(path), lambda: read_graph(path, format="pickle")):
        with pytest.raises(UnsafeFormatError) as info:
            call()
        message = str(info.value)
        assert "\n" not in message and str(path) in message
        for words in ("can run any code", ".npz", ".graphml", "allow_pickle=True", "--allow-pickle"):
            assert words in message
        assert not marker.exists()
    assert isinstance(info.value, GraphFormatError)
    # what the refusal prevents: loading it does run the code
    with pytest.raises(GraphFormatError):
        read_graph(path, allow_pickle=True)
    assert marker.exists()


def test_pickle_written_by_netgraph_needs_allow_pickle_too(tmp_path):
    write_graph(tiny_graph(), tmp_path / "g.pickle")
    with pytest.raises(UnsafeFormatError):
        read_graph(tmp_path / "g.pickle")
    assert read_graph(tmp_path / "g.pickle", allow_pickle=True).layer_names == ["x", "y"]


@pytest.mark.parametrize("kwargs, match", [
    ({"allow_pickle": "yes"}, "^allow_pickle must be True or False; got 'yes'$"),
    ({"max_bytes": 0}, "^max_bytes must be an integer >= 1; got 0$"),
    ({"max_bytes": True}, "^max_bytes must be an integer >= 1; got True$"),
])
def test_read_options_are_checked(tmp_path, kwargs, match):
    write_graph(tiny_graph(), tmp_path / "g.npz")
    with pytest.raises(InvalidParameterError, match=match):
        read_graph(tmp_path / "g.npz", **kwargs)


def _read_in_thread(path, **kwargs):
    """read_graph(path) in a daemon thread, so that a read that blocks fails the test instead of hanging it."""
    result = {}

    def run():
        try:
            read_graph(path, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), f"read_graph({path}) blocked"
    return result.get("error")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_fifo_is_refused_without_blocking(tmp_path, suffix):
    path = tmp_path / f"g{suffix}"
    os.mkfifo(path)
    error = _read_in_thread(path, allow_pickle=True)
    assert isinstance(error, GraphFormatError)
    assert str(error) == (f"{str(path)!r} is a FIFO, not a regular file: netgraph reads graphs from regular files "
                          "only (copy it into one first)")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_character_device_is_refused():
    # /dev/zero never ends: read, it would fill the memory
    error = _read_in_thread("/dev/zero", format="graphml")
    assert isinstance(error, GraphFormatError) and "is a character device, not a regular file" in str(error)


def test_a_fifo_swapped_in_after_the_check_is_refused_too(tmp_path, monkeypatch):
    if not hasattr(os, "mkfifo"):
        pytest.skip("FIFOs are POSIX")
    write_graph(tiny_graph(), tmp_path / "g.npz")
    os.mkfifo(tmp_path / "fifo")
    real_open = os.open
    monkeypatch.setattr(ngio.os, "open", lambda path, flags, *a: real_open(str(tmp_path / "fifo"), flags, *a))
    error = _read_in_thread(tmp_path / "g.npz")
    assert isinstance(error, GraphFormatError) and "is a FIFO" in str(error)


# .npz files: every array accounted for
def _npz_parts(graph=None):
    """The arrays of ``graph``'s .npz file (tiny_graph's by default) and its header as a dict."""
    arrays = ngio.npz_arrays(graph or tiny_graph())
    return arrays, json.loads(str(arrays["header"]))


def _save_npz(path, arrays, header=None):
    if header is not None:
        arrays = {**arrays, "header": np.array(json.dumps(header))}
    np.savez(path, **arrays)
    return path


def test_npz_with_an_empty_junction_list_but_edge_arrays(tmp_path):
    # every degree would be 0: the arrays of junction 0 would be ignored
    arrays, header = _npz_parts()
    header["junctions"] = []
    path = _save_npz(tmp_path / "g.npz", arrays, header)
    with pytest.raises(GraphFormatError, match=r"unknown array 'junction0\.count\.indptr': the header lists 0 "
                                               r"junctions \(none\)"):
        read_graph(path)


def test_npz_arrays_of_a_junction_missing_from_the_header(tmp_path):
    g = sample_graph()
    arrays, header = _npz_parts(g)
    header["junctions"] = header["junctions"][:-1]
    with pytest.raises(GraphFormatError, match=r"unknown array 'junction4\.count\.indptr': the header lists 4 "
                                               r"junctions \(0\.\.3\)"):
        read_graph(_save_npz(tmp_path / "g.npz", arrays, header))


def test_npz_with_an_unknown_member(tmp_path):
    arrays, _ = _npz_parts()
    with pytest.raises(GraphFormatError, match="unknown array 'notes'"):
        read_graph(_save_npz(tmp_path / "g.npz", {**arrays, "notes": np.arange(3)}))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_npz_with_a_non_finite_weight(tmp_path, bad):
    arrays, _ = _npz_parts()
    arrays["junction0.weight.data"] = np.array([0.5, bad])
    with pytest.raises(GraphFormatError) as info:
        read_graph(_save_npz(tmp_path / "g.npz", arrays))
    assert str(info.value) == (f"{str(tmp_path / 'g.npz')!r}: junction 0 ('x' -> 'y'): junction0.weight.data[1] = "
                               f"{float(bad)!r}: weights must be finite numbers (NaN marks a missing one)")


def test_npz_counts_that_overflow_int64(tmp_path):
    # each count is an int64, but their sum (a degree, the junction's connections) is not
    arrays, _ = _npz_parts()
    arrays["junction0.count.data"] = np.array([2**62, 2**62], dtype=np.int64)
    with pytest.raises(GraphFormatError, match=r"counts add up to 9223372036854775808 connections, more than int64 "
                                               r"holds"):
        read_graph(_save_npz(tmp_path / "g.npz", arrays))
    arrays["junction0.count.data"] = np.array([2**62, 2**62 - 1], dtype=np.int64)  # the largest total that fits
    assert read_graph(_save_npz(tmp_path / "g.npz", arrays)).number_of_connections() == 2**63 - 1


@pytest.mark.parametrize("counts, shown", [([2, 0], "0 is below 1"), ([2, -3], "-3 is below 1")])
def test_npz_counts_below_one(tmp_path, counts, shown):
    # a stored zero count would be dropped with its weight
    arrays, _ = _npz_parts()
    arrays["junction0.count.data"] = np.array(counts, dtype=np.int64)
    with pytest.raises(GraphFormatError, match=f"junction0.count.data\\[1\\] = {shown}"):
        read_graph(_save_npz(tmp_path / "g.npz", arrays))


def test_npz_pair_stored_twice(tmp_path):
    # scipy would keep both entries: the edge counted twice
    arrays, _ = _npz_parts()
    arrays["junction0.count.indices"] = np.array([1, 1], dtype=np.int32)
    with pytest.raises(GraphFormatError, match=r"column indices of row 0 are not strictly increasing \(entry 1: "
                                               r"column 1 after 1\)"):
        read_graph(_save_npz(tmp_path / "g.npz", arrays))


@pytest.mark.parametrize("field, value, match", [
    ("size", True, r"layer 0: size of layer 'x' must be an integer >= 0; got True"),
    ("size", 2.5, r"layer 0: size of layer 'x' must be an integer >= 0; got 2.5"),
    ("spatial_shape", "88", r"layer 0: spatial shape of layer 'x' must be a sequence of integers; got '88'"),
    ("spatial_shape", [8, -1], r"layer 0: spatial shape of layer 'x' must be an integer >= 0; got -1"),
    ("tensor", 5, r"layer 0: tensor of layer 'x' must be a string; got 5"),
    ("colour", "red", r"layer 0: layer must be a mapping with no fields but .*; got 'colour'"),
])
def test_npz_header_with_a_bad_layer_field(tmp_path, field, value, match):
    arrays, header = _npz_parts()
    header["layers"][0][field] = value
    with pytest.raises(GraphFormatError, match=match):
        read_graph(_save_npz(tmp_path / "g.npz", arrays, header))


@pytest.mark.parametrize("change, match", [
    (lambda h: h["junctions"][0].update(source=0), r"source of junction 0 must be a string; got 0"),
    (lambda h: h["junctions"][0].pop("op"), r"junction 0 must have the field\(s\) 'source', 'target', 'op'; 'op' "
                                            r"missing"),
    (lambda h: h["junctions"][0].update(edges=7), r"junction 0 must be a mapping with no fields but .*; got 'edges'"),
    (lambda h: h.update(outputs="y"), r"the 'outputs' table must be a list; got 'y'"),
    (lambda h: h.update(outputs=["z"]), r"output 0 is 'z', which is not a layer of the table"),
    (lambda h: h.update(metadata=[["a", "b"]]), r"the 'metadata' table must be an object"),
    (lambda h: h.update(extra={}), r"unknown table\(s\) 'extra'"),
    (lambda h: h.pop("layers"), r"the 'layers' table is missing"),
    (lambda h: h["layers"].append(dict(h["layers"][0])), r"layers 0 and 2 are both named 'x'"),
])
def test_npz_header_with_bad_tables(tmp_path, change, match):
    arrays, header = _npz_parts()
    change(header)
    with pytest.raises(GraphFormatError, match=match):
        read_graph(_save_npz(tmp_path / "g.npz", arrays, header))


@pytest.mark.parametrize("text, match", [
    ('{"format": "netgraph-npz", "version": 1, "version": 1}', r"the key 'version' appears twice"),
    ('{"format": "netgraph-npz", "version": 1, "layers": [{"name": "x", "size": NaN}]}', "NaN is not a JSON number"),
])
def test_npz_header_that_is_not_strict_json(tmp_path, text, match):
    arrays, _ = _npz_parts()
    with pytest.raises(GraphFormatError, match=match):
        read_graph(_save_npz(tmp_path / "g.npz", {**arrays, "header": np.array(text)}))


def test_npz_header_nested_too_deeply(tmp_path):
    # json raises RecursionError on such input
    arrays, _ = _npz_parts()
    text = '{"format": "netgraph-npz", "version": 1, "cuts": ' + "[" * 200_000 + "]" * 200_000 + "}"
    with pytest.raises(GraphFormatError, match="the header nests JSON too deeply to be read"):
        read_graph(_save_npz(tmp_path / "g.npz", {**arrays, "header": np.array(text)}))


# resource bounds
def test_npz_layer_size_over_the_budget(tmp_path):
    # a header declaring a layer of 1e12 nodes, with no junction to hold its arrays
    arrays, header = _npz_parts()
    header["layers"].append({"name": "huge", "size": 1e12, "kind": "dense"})
    path = _save_npz(tmp_path / "g.npz", arrays, header)
    with pytest.raises(ResourceLimitError) as info:
        read_graph(path)
    with zipfile.ZipFile(path) as z:
        declared = sum(info.file_size for info in z.infolist()) + 8 * (10**12 + 3)
    assert str(info.value) == (f"{str(path)!r}: its arrays and 1,000,000,000,003 nodes take {declared:,} bytes, more "
                               "than the memory budget max_bytes=4,294,967,296; pass a larger max_bytes if you trust "
                               "the file and have the memory")


def test_budget_can_be_lowered_and_raised(tmp_path):
    write_graph(sample_graph(), tmp_path / "g.npz")
    write_graph(sample_graph(), tmp_path / "g.graphml")
    for path in (tmp_path / "g.npz", tmp_path / "g.graphml"):
        with pytest.raises(ResourceLimitError, match=r"more than the memory budget max_bytes=1,000; pass a larger "
                                                     r"max_bytes"):
            read_graph(path, max_bytes=1000)
        assert read_graph(path, max_bytes=10**7).layer_names == sample_graph().layer_names


def _npy_bytes(array=None, *, shape=None, dtype=None, data=b""):
    """A .npy file: ``array``'s, or a header declaring ``shape`` and ``dtype`` followed by ``data``."""
    import io

    buf = io.BytesIO()
    if array is not None:
        np.save(buf, array)
        return buf.getvalue()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                               "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_npy_header_declaring_16_gb_is_refused_before_allocation(tmp_path):
    arrays, _ = _npz_parts()
    members = {f"{k}.npy": _npy_bytes(v) for k, v in arrays.items()}
    members["junction0.count.data.npy"] = _npy_bytes(shape=(2 * 10**9,), dtype=np.int64, data=b"\0" * 16)
    path = _zip(tmp_path / "g.npz", members)
    tracemalloc.start()
    try:
        with pytest.raises(GraphFormatError) as info:
            read_graph(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value) == (f"{str(path)!r}: array 'junction0.count.data' declares shape (2000000000,) of int64 "
                               "(16,000,000,000 bytes) but holds 16 bytes")
    assert peak < 50 * 2**20


def _deflated_member_declaring(path, name, size):
    """An archive whose only member ``name`` holds a little deflated data but declares ``size`` bytes
    (written with zipfile, then its sizes rewritten in the central directory as a zip64 extra field)."""
    _zip(path, {name: b"\0" * 1000}, zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    cd = data.index(b"PK\x01\x02")
    (extra_len,) = struct.unpack_from("<H", data, cd + 30)
    assert extra_len == 0
    struct.pack_into("<I", data, cd + 24, 0xFFFFFFFF)  # uncompressed size: in the zip64 extra field
    struct.pack_into("<H", data, cd + 30, 12)
    name_end = cd + 46 + len(name)
    data[name_end:name_end] = struct.pack("<HHQ", 1, 8, size)
    eocd = data.index(b"PK\x05\x06")
    (cd_size,) = struct.unpack_from("<I", data, eocd + 12)
    struct.pack_into("<I", data, eocd + 12, cd_size + 12)
    path.write_bytes(bytes(data))
    return path


def test_zip_bomb_declaring_16_gb_is_refused(tmp_path):
    path = _deflated_member_declaring(tmp_path / "bomb.npz", "header.npy", 16 * 10**9)
    with zipfile.ZipFile(path) as z:  # the archive is well formed: zipfile believes it
        assert z.getinfo("header.npy").file_size == 16 * 10**9
    with pytest.raises(GraphFormatError, match=r"the member 'header.npy' declares 16,000,000,000 bytes deflated into "
                                               r"\d+, more than deflate expands \(1032 to 1\): a damaged archive or a "
                                               r"zip bomb"):
        read_graph(path)


def test_zip_members_over_the_budget(tmp_path):
    # a real deflated member of 40 MB of zeros: possible for deflate, but over a budget of 10 MB
    path = _zip(tmp_path / "g.npz", {"header.npy": b"\0" * (40 * 2**20)}, zipfile.ZIP_DEFLATED)
    with pytest.raises(ResourceLimitError, match=r"its arrays take 41,943,040 bytes, more than the memory budget "
                                                 r"max_bytes=10,000,000"):
        read_graph(path, max_bytes=10_000_000)


def test_npz_member_stored_twice(tmp_path):
    arrays, _ = _npz_parts()
    members = [(f"{k}.npy", _npy_bytes(v)) for k, v in arrays.items()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        with zipfile.ZipFile(tmp_path / "g.npz", "w") as z:
            for name, data in members + [members[-1]]:
                z.writestr(name, data)
    with pytest.raises(GraphFormatError, match="the member 'junction0.weight.data.npy' appears twice"):
        read_graph(tmp_path / "g.npz")


def test_memory_error_never_escapes(tmp_path, monkeypatch):
    write_graph(tiny_graph(), tmp_path / "g.npz")

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(ngio, "read_npz", no_memory)
    with pytest.raises(ResourceLimitError, match=r"ran out of memory while reading it \(max_bytes=4,294,967,296\)"):
        read_graph(tmp_path / "g.npz")


# GraphML files: every edge accounted for
def _graphml(tmp_path, change, graph=None):
    """A GraphML file of ``graph`` (tiny_graph by default) whose igraph graph ``change`` edited first."""
    g = (graph or tiny_graph()).igraph.copy()
    change(g)
    path = tmp_path / "g.graphml"
    g.write_graphml(str(path))
    return path


@pytest.mark.parametrize("junction, shown", [
    ([0, float("nan")], "no junction (a missing value)"),
    ([0, 0.5], "junction 0.5"),
    ([0, -1], "junction -1"),
    ([0, 1], "junction 1"),
])
def test_graphml_edge_with_a_bad_junction(tmp_path, junction, shown):
    # formerly dropped (or a fractional one read as junction 0)
    path = _graphml(tmp_path, lambda g: g.es.__setitem__("junction", junction))
    with pytest.raises(GraphFormatError) as info:
        read_graph(path)
    assert str(info.value) == (f"{str(path)!r}: edge 1 (vertex 1 -> 2) has {shown}, which is not an index of the "
                               "junction table (0..0)")


def test_graphml_edges_with_an_empty_junction_table(tmp_path):
    path = _graphml(tmp_path, lambda g: g.__setitem__("netgraph_junctions", "[]"))
    with pytest.raises(GraphFormatError, match=r"edge 0 \(vertex 0 -> 2\) has junction 0, which is not an index of "
                                               r"the junction table \(the table is empty\)"):
        read_graph(path)


@pytest.mark.parametrize("attribute, values, match", [
    ("weight", [0.5, float("nan")], r"the weight of edge 1 \(vertex 1 -> 2\) = nan: weights must be finite"),
    ("weight", [float("inf"), 1.0], r"the weight of edge 0 \(vertex 0 -> 2\) = inf: weights must be finite"),
    ("count", [2, 0], r"the count of edge 1 \(vertex 1 -> 2\) = 0.0 is below 1"),
    ("count", [2, 1.5], r"the count of edge 1 \(vertex 1 -> 2\) = 1.5 is a non-integer count"),
    ("count", [2, float("nan")], r"the count of edge 1 \(vertex 1 -> 2\) = nan is missing \(NaN\)"),
    ("count", [2, 2.0**63], r"the count of edge 1 \(vertex 1 -> 2\) = 9.22337203685\d*e\+18 is more than int64"),
    ("count", [2.0**62, 2.0**62], r"the counts add up to 92233720368547\d{5} connections, more than int64"),
])
def test_graphml_edge_with_a_bad_value(tmp_path, attribute, values, match):
    path = _graphml(tmp_path, lambda g: g.es.__setitem__(attribute, values))
    with pytest.raises(GraphFormatError, match=match):
        read_graph(path)


def test_graphml_pair_joined_twice(tmp_path):
    def add_parallel(g):
        g.add_edge(1, 2, count=1, weight=0.25, junction=0)

    with pytest.raises(GraphFormatError, match=r"edges 1 and 2 of junction 0 both join vertex 1 -> 2; netgraph keeps "
                                               r"one edge per pair"):
        read_graph(_graphml(tmp_path, add_parallel))


def test_graphml_vertices_out_of_order(tmp_path):
    path = _graphml(tmp_path, lambda g: g.vs.__setitem__("layer", ["x", "y", "x"]))
    with pytest.raises(GraphFormatError, match=r"vertex 1 has layer 'y' but the layer table puts it in 'x'"):
        read_graph(path)


def test_graphml_spatial_shape_as_a_string(tmp_path):
    def spatial(g):
        layers = json.loads(g["netgraph_layers"])
        layers[1]["spatial_shape"] = "88"
        g["netgraph_layers"] = json.dumps(layers)

    with pytest.raises(GraphFormatError, match=r"malformed netgraph layer or junction table: layer 1: spatial shape "
                                               r"of layer 'y' must be a sequence of integers; got '88'"):
        read_graph(_graphml(tmp_path, spatial))


def test_graphml_value_the_parser_could_not_read(tmp_path):
    # igraph does not expand entities: it warns and the count would be NaN, the layer table lost
    path = tmp_path / "g.graphml"
    write_graph(tiny_graph(), path)
    text = path.read_text().replace("<graphml", '<!DOCTYPE graphml [<!ENTITY two "2">]>\n<graphml', 1)
    path.write_text(text.replace('<data key="e_count">2</data>', '<data key="e_count">&two;</data>', 1))
    with pytest.raises(GraphFormatError, match=r"igraph's graphml reader warned: Unknown XML entity found: 'two'"):
        read_graph(path)


def test_graphml_attributes_of_another_tool_are_named(tmp_path, caplog):
    path = _graphml(tmp_path, lambda g: g.vs.__setitem__("colour", ["red"] * 3))
    with caplog.at_level(logging.WARNING, logger="netgraph.convert"):
        h = read_graph(path)
    assert h.number_of_connections() == 3
    assert f"{str(path)!r}: not read, netgraph has no use for them: vertex attribute 'colour'" in caplog.text
