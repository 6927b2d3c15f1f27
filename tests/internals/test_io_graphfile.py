"""Tests of the private checks behind graph files: netgraph._graphfile, netgraph._csr.check_csr, netgraph._npz's
zip-directory checks. Expected values are worked out by hand (or with Python integers)."""

import zipfile

import numpy as np
import pytest

from netgraph import GraphFormatError, ResourceLimitError
from netgraph._csr import check_csr
from netgraph.utils.check import check_budget
from netgraph._graphfile import check_counts, check_tables, check_total, check_weights, parse_json, plural
from netgraph._npz import _members


def test_parse_json_is_strict():
    assert parse_json('{"a": [1, 2.5, "x"]}', "'g.npz'", "the header") == {"a": [1, 2.5, "x"]}
    for text, match in [('{"a": 1, "a": 2}', "the key 'a' appears twice"), ("[Infinity]", "Infinity is not a JSON "
                        "number"), ("[-Infinity]", "-Infinity is not a JSON number"), ("{", "is not valid JSON"),
                        ("[" * 100_000, "nests JSON too deeply")]:
        with pytest.raises(GraphFormatError, match=match):
            parse_json(text, "'g.npz'", "the header")
    with pytest.raises(GraphFormatError, match=r"^'g.npz': the header must be JSON text; got int$"):
        parse_json(3, "'g.npz'", "the header")


def test_check_tables_fills_in_the_optional_tables():
    tables = check_tables({"layers": [{"name": "x", "size": 2, "kind": "input"}], "junctions": []}, "'g.npz'")
    assert [layer.name for layer in tables["layers"]] == ["x"]
    assert (tables["junctions"], tables["outputs"], tables["metadata"], tables["cuts"]) == ([], [], {}, [])


@pytest.mark.parametrize("junction, match", [
    ({"source": "y", "target": "x", "op": "Gemm"}, r"junction 0 \('y' -> 'x'\) goes backwards"),
    ({"source": "x", "target": "x", "op": "Gemm"}, r"junction 0 \('x' -> 'x'\) goes backwards"),
    ({"source": "x", "target": "z", "op": "Gemm"}, r"junction 0 has target 'z', which is not a layer of the table"),
    ({"source": "x", "target": "y", "op": "Gemm", "kind": 1}, r"kind of junction 0 must be a string; got 1"),
])
def test_check_tables_checks_each_junction(junction, match):
    layers = [{"name": "x", "size": 2, "kind": "input"}, {"name": "y", "size": 1, "kind": "dense"}]
    with pytest.raises(GraphFormatError, match=match):
        check_tables({"layers": layers, "junctions": [junction]}, "'g.npz'")


def test_check_counts_and_weights():
    label = lambda i: f"c[{i}]"  # noqa: E731
    assert check_counts(np.array([1.0, 2.0**62]), label).tolist() == [1, 2**62]
    assert check_counts(np.array([3], dtype=np.int64), label).dtype == np.int64
    with pytest.raises(GraphFormatError, match=r"^c\[1\] = inf is a non-integer count"):
        check_counts(np.array([1.0, np.inf]), label)
    with pytest.raises(GraphFormatError, match=r"^c\[0\]: counts must be numbers; got an array of dtype bool$"):
        check_counts(np.array([True]), label)
    assert check_weights(np.array([1, -2]), label).tolist() == [1.0, -2.0]
    with pytest.raises(GraphFormatError, match=r"^c\[2\] = -inf: weights must be finite"):
        check_weights(np.array([0.0, 1.0, -np.inf]), label)


def test_check_total_is_exact_at_the_int64_boundary():
    top = 2**63 - 1
    parts = [np.array([2**62, 2**61], dtype=np.int64), np.array([2**61 - 1], dtype=np.int64)]
    assert sum(int(x) for p in parts for x in p) == top
    check_total(parts, "'g.npz'")  # exactly the largest int64: accepted
    parts[1] = np.array([2**61], dtype=np.int64)
    with pytest.raises(GraphFormatError, match=rf"counts add up to {top + 1} connections"):
        check_total(parts, "'g.npz'")
    # many counts whose low 32 bits carry into the high ones
    many = np.full(1000, 2**32 - 1, dtype=np.int64)
    check_total([many], "'g.npz'")
    with pytest.raises(GraphFormatError):
        check_total([np.full(4, 2**61 + 2**32 - 1, dtype=np.int64)], "'g.npz'")


def test_check_budget_and_plural():
    check_budget(100, 100, "'g.npz'", "its arrays")
    with pytest.raises(ResourceLimitError, match=r"^'g.npz': its arrays take 101 bytes, more than the memory budget "
                                                 r"max_bytes=100; pass a larger max_bytes"):
        check_budget(101, 100, "'g.npz'", "its arrays")
    assert (plural(1, "node"), plural(0, "node"), plural(12345, "node")) == ("1 node", "0 nodes", "12,345 nodes")


@pytest.mark.parametrize("indptr, indices, match", [
    ([0, 3, 2], [0, 1], "indptr is not non-decreasing from 0"),
    ([1, 2, 2], [0, 1], "indptr is not non-decreasing from 0"),
    ([0, 1, 3], [0, 1], "indices, count data and weight data lengths disagree with indptr"),
    ([0, 2, 3], [1, 0, 2], r"the column indices of row 0 are not strictly increasing \(entry 1: column 0 after 1\): a "
                           r"pair stored twice, or out of order"),
    ([0, 1, 3], [2, 0, 0], r"the column indices of row 1 are not strictly increasing \(entry 2: column 0 after 0\)"),
    ([0, 1, 2], [0, 3], r"column indices out of range 0..2"),
])
def test_check_csr(indptr, indices, match):
    indptr, indices = np.array(indptr), np.array(indices)
    n = len(indices)
    with pytest.raises(GraphFormatError, match=rf"^j: {match}"):
        check_csr((2, 3), indptr, indices, np.ones(n, dtype=np.int64), np.ones(n), "j")


def test_check_csr_accepts_rows_that_start_lower():
    # a new row may start at a lower column than the previous row ended; empty rows in between
    check_csr((4, 3), np.array([0, 2, 2, 3, 4]), np.array([1, 2, 0, 0]), np.ones(4, dtype=np.int64), np.ones(4), "j")


def _info(name, file_size, compress_size, compress_type=zipfile.ZIP_STORED, flag_bits=0, offset=0):
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size, info.compress_type = file_size, compress_size, compress_type
    info.flag_bits, info.header_offset = flag_bits, offset
    return info


class _Archive:
    def __init__(self, *infos):
        self.infos = infos

    def infolist(self):
        return list(self.infos)


@pytest.mark.parametrize("info, match", [
    (_info("a.npy", 10, 10, flag_bits=1), "the member 'a.npy' is encrypted"),
    (_info("a.npy", 10, 10, compress_type=99), "unsupported zip compression method 99"),
    (_info("a.npy", 11, 10), "is stored uncompressed but declares 11 bytes in 10"),
    (_info("a.npy", 10, 10, offset=995), "declares 10 bytes at offset 995, past the archive's end"),
    (_info("a.npy", 1032 * 10 + 65, 10, compress_type=zipfile.ZIP_DEFLATED), "more than deflate expands"),
])
def test_zip_members_that_cannot_be_what_they_declare(info, match):
    with pytest.raises(GraphFormatError, match=match):
        _members(_Archive(info), 1000, "'g.npz'", 10**9)


def test_zip_members_within_the_archive_and_budget():
    members = _members(_Archive(_info("header.npy", 10, 10), _info("x", 1032 * 10 + 64, 10, zipfile.ZIP_DEFLATED,
                                                                   offset=20)), 1000, "'g.npz'", 10**9)
    assert list(members) == ["header", "x"]
    with pytest.raises(ResourceLimitError, match="its arrays take 10,394 bytes"):
        _members(_Archive(_info("header.npy", 10, 10), _info("x", 1032 * 10 + 64, 10, zipfile.ZIP_DEFLATED)), 1000,
                 "'g.npz'", 10_000)
