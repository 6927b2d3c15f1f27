"""Sizes that a model declares, checked before anything is allocated from them.

A model file declares sizes that its data need not back: a tensor's dims, a graph
input's dimensions, the dense shape of a sparse tensor, the offset and length of
external data. The reader checks each such size before it allocates from it, against
the memory budget ``max_bytes`` of :func:`exporters.read_onnx`
(:data:`~netgraph.utils.check.DEFAULT_MAX_BYTES`, 4 GiB, by default) with
:func:`~netgraph.utils.check.check_budget`, and against what the file holds:

* :func:`tensor_bytes`: the bytes a tensor's values take once read, from its element
  type and dims (an unknown type or a negative dimension is an
  :class:`~netgraph.InvalidModelError`); a weight, a constant or a sparse value made
  dense is checked with it before it is read;
* :func:`check_labels`: the node labels of a tensor on the path (one int64 per element,
  batch axis excluded), checked before an input layer is made and before a node on the
  path is read;
* :func:`check_external`: the external data of a tensor holds exactly the bytes its dims
  need, within the budget, before it is read.

The budget bounds each array, not their sum: a model whose weights are genuinely large
is read as long as no single array exceeds it.
"""

from __future__ import annotations

import os
import stat

from netgraph.exceptions import ExternalDataError, InvalidModelError
from netgraph.utils.check import check_budget

__all__ = ["LABEL_BYTES", "elements", "type_name", "item_bytes", "tensor_bytes", "check_labels", "check_external"]

#: Bytes that each element of a tensor on the path takes in its node map (an int64 label).
LABEL_BYTES = 8

#: Bits per element of the sub-byte types, packed in raw (and external) data.
_PACKED_BITS = {"INT4": 4, "UINT4": 4, "FLOAT4E2M1": 4, "INT2": 2, "UINT2": 2, "FLOAT6E2M3": 6, "FLOAT6E3M2": 6}


def elements(shape) -> int:
    """The number of elements of ``shape``, as a Python int (no int64 overflow).

    Examples
    --------
    >>> elements((10**12, 10**12))
    1000000000000000000000000
    """
    n = 1
    for d in shape:
        n *= int(d)
    return n


def type_name(elem_type: int) -> str | None:
    """The name of an ONNX element type (``"FLOAT"``), or None for a value that is not one.

    Examples
    --------
    >>> type_name(1), type_name(0), type_name(99)
    ('FLOAT', 'UNDEFINED', None)
    """
    from onnx import TensorProto

    try:
        return TensorProto.DataType.Name(elem_type)
    except ValueError:
        return None


def item_bytes(elem_type: int) -> int:
    """The item size of the NumPy array that values of a known ONNX element type are read into.

    Examples
    --------
    >>> item_bytes(1), item_bytes(10)
    (4, 2)
    """
    from onnx import helper

    return helper.tensor_dtype_to_np_dtype(elem_type).itemsize


def tensor_bytes(t, where: str) -> int:
    """The bytes that tensor ``t``'s values take once read, from its type and dims alone.

    Nothing of its data is read, so this is cheap for a weight of any size.

    Parameters
    ----------
    t : onnx.TensorProto
        The tensor (an initializer, a Constant node's value, a part of a sparse tensor).
    where : str
        The model, for the message.

    Returns
    -------
    int
        Elements times the item size of the NumPy array it is read into.

    Raises
    ------
    netgraph.InvalidModelError
        The element type is unknown or undefined, or a dimension is negative.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> tensor_bytes(helper.make_tensor("W", TensorProto.FLOAT, [2, 3], [0.0] * 6), "m.onnx")
    24
    """
    name = type_name(t.data_type)
    if name is None or name == "UNDEFINED":
        raise InvalidModelError(
            f"{where}: tensor {t.name!r} has {'no' if name else 'an unknown'} element type ({t.data_type}); "
            "the file is corrupt or from a newer ONNX: re-export the model"
        )
    dims = tuple(int(d) for d in t.dims)
    if any(d < 0 for d in dims):
        raise InvalidModelError(f"{where}: tensor {t.name!r} has a negative dimension in its shape {dims}; "
                                "the file is corrupt: re-export the model")
    return elements(dims) * item_bytes(t.data_type)


def check_labels(shape, max_bytes: int, where: str, what: str) -> None:
    """Check that the node labels of a tensor of non-batch ``shape`` fit the budget.

    Parameters
    ----------
    shape : tuple of int
        The tensor's shape without the batch axis.
    max_bytes : int
        The budget.
    where : str
        The model, for the message.
    what : str
        The tensor (``"graph input 'x'"``).

    Raises
    ------
    netgraph.ResourceLimitError
        ``LABEL_BYTES`` times the number of elements exceeds ``max_bytes``.

    Examples
    --------
    >>> check_labels((3, 224, 224), 2**32, "m.onnx", "graph input 'x'")
    """
    check_budget(elements(shape) * LABEL_BYTES, max_bytes, where, f"the node labels of {what} (shape {tuple(shape)})")


def _packed_bytes(t) -> int:
    """The bytes of ``t``'s raw data as stored: sub-byte types packed, the others item by item."""
    n = elements(t.dims)
    bits = _PACKED_BITS.get(type_name(t.data_type))
    return -(-n * bits // 8) if bits else n * item_bytes(t.data_type)


def check_external(t, base_dir: str, max_bytes: int, where: str) -> None:
    """Check what the external data of tensor ``t`` declares, before it is read.

    The bytes to be read (``length``, or the rest of the file after ``offset``) must be
    exactly those that the tensor's type and dims need, and within the budget. A data
    file that is missing, not a regular file or outside ``base_dir`` is left to onnx's
    loader, which refuses it before reading.

    Parameters
    ----------
    t : onnx.TensorProto
        A tensor stored as external data.
    base_dir : str
        The folder of the model file.
    max_bytes : int
        The budget.
    where : str
        The model, for the message.

    Raises
    ------
    netgraph.ExternalDataError
        The offset or length is not a non-negative integer, or the data holds more or
        fewer bytes than the tensor needs.
    netgraph.ResourceLimitError
        The tensor needs more than ``max_bytes``.
    netgraph.InvalidModelError
        Its element type is unknown or a dimension negative (:func:`tensor_bytes`).
    """
    check_budget(tensor_bytes(t, where), max_bytes, where, f"the values of tensor {t.name!r}")
    need = _packed_bytes(t)
    info = {e.key: e.value for e in t.external_data}
    try:
        offset = int(info.get("offset", 0))
        length = int(info["length"]) if "length" in info else None
    except ValueError:
        offset = length = -1
    if offset < 0 or (length is not None and length < 0):
        raise ExternalDataError(f"{where}: tensor {t.name!r} declares external data at offset "
                                f"{info.get('offset')!r}, length {info.get('length')!r}: not non-negative integers; "
                                "the file is corrupt: re-export the model")
    location = info.get("location", "")
    try:
        st = os.stat(os.path.join(base_dir, location))
    except (OSError, ValueError):
        return  # missing: onnx's loader says so
    if not stat.S_ISREG(st.st_mode):
        return  # onnx's loader refuses it without opening it
    have = st.st_size - offset if length is None else length
    if have != need:
        raise ExternalDataError(
            f"{where}: tensor {t.name!r} of shape {tuple(int(d) for d in t.dims)} needs {need:,} bytes, but its "
            f"external data in {location!r} declares {have:,} (offset {offset:,}, "
            f"{'to the end of the file' if length is None else f'length {length:,}'}); the data file does not "
            "belong to this model or is corrupt: keep the model's own data files beside it, or re-export it"
        )
