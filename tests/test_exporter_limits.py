"""Resource bounds of the ONNX reader: declared sizes checked before anything is allocated.

Every model here is tiny and declares something huge (or impossible): a dimension of
10**12, a sparse constant of 10**12 elements, external data longer than the tensor it
backs. Each is refused in one line, before any allocation, with a
:class:`~netgraph.ResourceLimitError` naming the budget (``max_bytes``) or an
:class:`~netgraph.InvalidModelError` naming the bad value; never a MemoryError, an
IndexError or a hang. Non-regular files (a FIFO, a character device) are refused too.
"""

import os
import threading

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import netgraph
from exporters import read_onnx
from netgraph.utils.check import DEFAULT_MAX_BYTES
from onnx_builders import init, make_model, single_op_model, vi

W = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 3.0]], dtype=np.float32)
HUGE = 10**12


def _refused(model, cls=netgraph.ResourceLimitError, **kw):
    with pytest.raises(cls) as err:
        read_onnx(model, **kw)
    msg = str(err.value)
    assert "\n" not in msg and not isinstance(err.value, MemoryError)
    return msg


def _gemm_of(weight_nodes, inits=()):
    """A Gemm whose weight W is made by ``weight_nodes``."""
    nodes = [*weight_nodes, helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)]
    return make_model(nodes, [vi("x", [1, 3])], [vi("y", None)], list(inits))


def _sparse_constant(values, indices, dims):
    sparse = helper.make_sparse_tensor(numpy_helper.from_array(np.asarray(values, np.float32), "v"),
                                       numpy_helper.from_array(np.asarray(indices, np.int64), "i"), dims)
    return helper.make_node("Constant", [], ["W"], name="sparse_w", sparse_value=sparse)


# ---------------------------------------------------------------------------- the budget
def test_the_default_budget_is_4_gib_and_max_bytes_is_checked():
    assert DEFAULT_MAX_BYTES == 4 * 2**30
    for bad in (0, -1, 1.5, "4G", True):
        with pytest.raises(netgraph.InvalidParameterError, match="max_bytes must be an integer >= 1"):
            read_onnx(single_op_model("Gemm", [1, 3], W, transB=1), max_bytes=bad)


def test_an_input_dimension_of_1e12_is_refused_before_allocation():
    msg = _refused(single_op_model("Gemm", [1, HUGE], np.ones((2, 3)), transB=1))
    assert "graph input 'x'" in msg and f"{8 * HUGE:,} bytes" in msg and "max_bytes=4,294,967,296" in msg


def test_max_bytes_raises_and_lowers_the_budget():
    m = single_op_model("Gemm", [1, 600], np.ones((2, 600)), transB=1)  # 600 labels: 4,800 bytes
    assert "max_bytes=4,000" in _refused(m, max_bytes=4000)
    assert read_onnx(m, max_bytes=4800).layer_names == ["x", "gemm0"]
    assert read_onnx(m).layer_names == ["x", "gemm0"]


def test_a_layer_of_1e12_units_folded_from_constants_is_refused():
    # ConstantOfShape([1e12, 3]) would allocate 12 TB before the Gemm could look at it
    m = _gemm_of([helper.make_node("ConstantOfShape", ["s"], ["W"], name="fill")],
                 [init("s", np.array([HUGE, 3], np.int64))])
    msg = _refused(m)
    assert "ConstantOfShape node 'fill'" in msg and "'W'" in msg


def test_an_initializer_declaring_1e12_rows_is_refused():
    w = init("W", W)
    w.dims[0] = HUGE
    msg = _refused(make_model([helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)],
                              [vi("x", [1, 3])], [vi("y", [1, 2])], [w]))
    assert "'W'" in msg and f"{HUGE * 3 * 4:,} bytes" in msg


def test_a_conv_whose_pads_declare_a_huge_output_is_refused():
    # an operator of a domain without an opset import makes shape inference fail: the Conv computes its output
    # size itself, from its pads
    m = single_op_model("Conv", [1, 1, 5, 5], np.ones((2, 1, 3, 3)), pads=[HUGE, 0, HUGE, 0])
    m.graph.node.append(helper.make_node("Side_", ["W"], ["side"], domain="test.netgraph.limits"))
    msg = _refused(m)
    assert f"the node labels of the output of Conv node 'conv0' (shape (2, {2 * HUGE + 3}, 3))" in msg


# ---------------------------------------------------------------------------- Constant nodes
def test_a_sparse_constant_with_huge_dims_is_refused_before_it_is_made_dense():
    msg = _refused(_gemm_of([_sparse_constant([1.0], [0], [HUGE, 3])]))
    assert "sparse value of Constant node 'sparse_w'" in msg and f"{HUGE * 3 * 4:,} bytes" in msg


@pytest.mark.parametrize("indices", [[100], [-1], [[0, 3]], [[2, 0]]])
def test_a_sparse_index_outside_the_shape_is_an_invalid_model_not_an_index_error(indices):
    msg = _refused(_gemm_of([_sparse_constant([1.0], indices, [2, 3])]), netgraph.InvalidModelError)
    assert "Constant node 'sparse_w'" in msg and "outside its shape (2, 3)" in msg


def test_a_sparse_constant_is_made_dense_at_flat_and_coordinate_indices():
    for indices in ([0, 2, 5], [[0, 0], [0, 2], [1, 2]]):
        g = read_onnx(_gemm_of([_sparse_constant([1.0, -2.0, 3.0], indices, [2, 3])]))
        assert g.junctions[0].count.toarray().tolist() == [[1, 0, 1], [0, 0, 1]]
        assert g.junctions[0].weight.toarray().tolist() == [[1.0, 0.0, -2.0], [0.0, 0.0, 3.0]]


def test_sparse_values_and_indices_of_different_lengths():
    msg = _refused(_gemm_of([_sparse_constant([1.0, 2.0], [0], [2, 3])]), netgraph.InvalidModelError)
    assert "values of shape (2,) and indices of shape (1,)" in msg


@pytest.mark.parametrize("attributes", [{}, {"value_float": 1.0, "value_int": 2}])
def test_a_constant_node_without_exactly_one_value_is_an_invalid_model(attributes):
    msg = _refused(_gemm_of([helper.make_node("Constant", [], ["W"], name="empty", **attributes)]),
                   netgraph.InvalidModelError)
    assert "Constant node 'empty'" in msg and "exactly one of value, sparse_value" in msg


# ---------------------------------------------------------------------------- zero and negative dimensions
def test_a_zero_input_dimension_is_an_invalid_model():
    msg = _refused(single_op_model("Gemm", [1, 0], np.ones((2, 0)), transB=1), netgraph.InvalidModelError)
    assert "graph input 'x' has shape (1, 0)" in msg


def test_a_negative_input_dimension_is_an_invalid_model():
    msg = _refused(single_op_model("Gemm", [1, -3], W, transB=1), netgraph.InvalidModelError)
    assert "graph input 'x' declares a negative dimension (-3)" in msg


# ---------------------------------------------------------------------------- files
def _saved_with_external_data(tmp_path, w=W):
    path = tmp_path / "m.onnx"
    onnx.save(single_op_model("Gemm", [1, w.shape[1]], w, transB=1), str(path), save_as_external_data=True,
              location="w.bin", size_threshold=0)
    return path


def _set_external(path, key, value):
    m = onnx.load(str(path), load_external_data=False)
    (entry,) = [e for e in m.graph.initializer[0].external_data if e.key == key]
    entry.value = value
    onnx.save(m, str(path))


def test_external_data_shorter_than_the_tensor_it_backs(tmp_path):
    path = _saved_with_external_data(tmp_path)
    _set_external(path, "length", "8")  # the file holds 24 bytes; the tensor (2, 3) of FLOAT needs 24
    msg = _refused(path, netgraph.ExternalDataError)
    assert "tensor 'W' of shape (2, 3) needs 24 bytes" in msg and "declares 8" in msg and "'w.bin'" in msg


def test_external_data_declaring_more_than_the_file_holds(tmp_path):
    path = _saved_with_external_data(tmp_path)
    _set_external(path, "length", str(HUGE))
    assert "'W'" in _refused(path, netgraph.ExternalDataError)


def test_external_data_over_the_budget_is_not_read(tmp_path):
    path = _saved_with_external_data(tmp_path, np.ones((2, 1000), np.float32))
    assert path.stat().st_size < 1000
    msg = _refused(path, max_bytes=1000)  # the model file fits, the 8,000-byte weight does not
    assert "tensor 'W'" in msg and "8,000 bytes" in msg
    assert read_onnx(path).layer_names == ["x", "gemm0"]


def test_a_model_file_over_the_budget_is_not_read(tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(single_op_model("Gemm", [1, 3], W, transB=1), str(path))
    assert "the model file's bytes" in _refused(path, max_bytes=16)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.onnx"
    os.mkfifo(fifo)
    result = {}

    def read():
        try:
            read_onnx(fifo)
        except netgraph.NetgraphError as exc:
            result["error"] = exc

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # the bug: blocked opening the FIFO; unblock it (a writer opens, then closes)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
        pytest.fail("read_onnx blocked on a FIFO")
    assert isinstance(result.get("error"), netgraph.InvalidModelError)
    assert str(result["error"]) == (f"{fifo} is a FIFO, not a regular file; netgraph reads models from regular files "
                                    "only: save the model to a file and pass its path")


def test_a_character_device_is_refused():
    assert f"{os.devnull} is a character device, not a regular file" in _refused(os.devnull, netgraph.InvalidModelError)


def test_a_path_holding_a_nul_byte_names_no_file(tmp_path):
    msg = _refused(str(tmp_path / "m\0.onnx"), netgraph.ModelNotFoundError)
    assert "a path cannot hold a NUL byte" in msg and "\0" not in msg


def test_a_directory_is_refused(tmp_path):
    assert "is a directory" in _refused(tmp_path, netgraph.InvalidModelError)


# ---------------------------------------------------------------------------- the last line of defence
def test_a_memory_error_becomes_a_resource_limit_error(monkeypatch):
    import exporters._walk

    def out_of_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.28 TiB")

    monkeypatch.setattr(exporters._walk, "add_input", out_of_memory)
    msg = _refused(single_op_model("Gemm", [1, 3], W, transB=1))
    assert "ran out of memory" in msg and "max_bytes=4,294,967,296" in msg
