"""Tests of graph files (GraphML, igraph pickle, .npz): round trips, errors, and no half-written file."""

import json
import os
import pickle

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
