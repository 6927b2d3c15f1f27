"""Hostile data-set folders for ``netgraph train prune --dataset mnist|cifar10 --data-dir D``.

Every case is a folder that looks like MNIST (the four IDX files) or CIFAR-10 (the
python batches) but is broken: empty or truncated files, a bad magic number, a header
that declares more than the file holds, labels out of range, a gzip bomb, a FIFO, a
pickle that would run code. Each must be an error before training starts: before torch
is imported, within the time and memory bounds, with no output folder left behind.

A case is ``make(rng, folder, marker) -> (dataset, description)`` registered with
:func:`dataset_case`; it writes its files into ``folder``.
"""

import functools
import gzip
import os
import pickle
import struct

import numpy as np

__all__ = ["DATASET_CASES", "dataset_case", "mnist_files", "gzip_bomb"]

#: ``{name: make}`` in registration order.
DATASET_CASES: dict = {}

_MNIST = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_CIFAR = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def dataset_case(name):
    """Register ``make(rng, folder, marker)`` as the data-set case ``name``."""
    def register(function):
        assert name not in DATASET_CASES, name
        DATASET_CASES[name] = function
        return function
    return register


def _pick(rng, items):
    items = list(items)
    return items[int(rng.integers(len(items)))]


def _idx(array):
    array = np.asarray(array, dtype=np.uint8)
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def mnist_files(rng, n_train=20, n_test=10):
    """Small valid MNIST files (IDX bytes by name): 28x28 images, labels 0..9."""
    return {
        _MNIST[0]: _idx(rng.integers(0, 256, (n_train, 28, 28))), _MNIST[1]: _idx(rng.integers(0, 10, n_train)),
        _MNIST[2]: _idx(rng.integers(0, 256, (n_test, 28, 28))), _MNIST[3]: _idx(rng.integers(0, 10, n_test)),
    }


@functools.lru_cache(maxsize=1)
def gzip_bomb():
    """A gzip file of 1 MB that decompresses to 1 GiB: 16 members of 64 MiB of zeros each.

    Members are concatenated (gzip allows it, and readers read them all), so it takes
    one compression of 64 MiB to make, not 1 GiB. The data-set cases run with a memory
    bound of 512 MiB (:data:`fuzz.cases.DATASET_MEMORY`).
    """
    member = gzip.compress(bytes(64 * 2**20), compresslevel=9)
    return member * 16


def _write_mnist(folder, files, gz=()):
    """Write ``files``; those named in ``gz`` as ``NAME.gz``, compressed unless they already are."""
    for name, data in files.items():
        if name in gz and not data.startswith(b"\x1f\x8b"):
            data = gzip.compress(data)
        with open(os.path.join(folder, name + (".gz" if name in gz else "")), "wb") as f:
            f.write(data)


@dataset_case("mnist-broken-file")
def _mnist_broken_file(rng, folder, marker):
    files = mnist_files(rng)
    name = _pick(rng, _MNIST)
    data = files[name]
    choice = _pick(rng, ["empty", "magic", "truncated-header", "truncated-data", "extra-data", "dtype", "ndim"])
    files[name] = {
        "empty": b"", "magic": b"\x08\x03" + data[2:], "truncated-header": data[:6], "truncated-data": data[:-7],
        "extra-data": data + b"\0" * 9, "dtype": data[:2] + b"\x0d" + data[3:], "ndim": data[:3] + b"\x05" + data[4:],
    }[choice]
    _write_mnist(folder, files, gz={name} if rng.random() < 0.3 else ())
    return "mnist", f"{name}: {choice}"


@dataset_case("mnist-declared-size")
def _mnist_declared_size(rng, folder, marker):
    files = mnist_files(rng)
    dims = _pick(rng, [(2**31, 28, 28), (60000, 2**16, 2**16), (2**32 - 1, 2**32 - 1, 2**32 - 1)])
    files[_MNIST[0]] = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", *dims) + bytes(64)
    _write_mnist(folder, files)
    return "mnist", f"train images declare {'x'.join(map(str, dims))} over 64 bytes"


@dataset_case("mnist-labels")
def _mnist_labels(rng, folder, marker):
    files = mnist_files(rng)
    choice = _pick(rng, ["out-of-range", "count"])
    if choice == "out-of-range":
        files[_MNIST[1]] = _idx(np.r_[rng.integers(0, 10, 19), 200])
    else:
        files[_MNIST[3]] = _idx(rng.integers(0, 10, 11))
    _write_mnist(folder, files)
    return "mnist", f"labels: {choice}"


@dataset_case("mnist-gzip-bomb")
def _mnist_gzip_bomb(rng, folder, marker):
    files = mnist_files(rng)
    name = _pick(rng, _MNIST)
    files[name] = gzip_bomb()
    _write_mnist(folder, files, gz={name})
    return "mnist", f"{name}.gz: 1 MB that decompresses to 1 GiB"


@dataset_case("mnist-not-regular")
def _mnist_not_regular(rng, folder, marker):
    files = mnist_files(rng)
    name = _pick(rng, _MNIST)
    del files[name]
    _write_mnist(folder, files)
    kind = _pick(rng, ["fifo", "directory", "dev-zero"])
    path = os.path.join(folder, name)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        os.mkdir(path)
    else:
        os.symlink("/dev/zero", path)
    return "mnist", f"{name} is a {kind}"


def _cifar_batch(rng, n=4):
    return pickle.dumps({b"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
                         b"labels": rng.integers(0, 10, n).tolist()}, protocol=2)


class _Payload:
    """Pickles to a call of ``open(marker, "w")``: a stand-in for any code a pickle may run."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@dataset_case("cifar-pickle")
def _cifar_pickle(rng, folder, marker):
    batches = {name: _cifar_batch(rng) for name in _CIFAR}
    name = _pick(rng, _CIFAR)
    choice = _pick(rng, ["code", "code-in-dict", "not-a-dict", "shape", "labels", "truncated"])
    batches[name] = {
        "code": lambda: pickle.dumps(_Payload(marker), protocol=2),
        "code-in-dict": lambda: pickle.dumps({b"data": _Payload(marker), b"labels": [0]}, protocol=2),
        "not-a-dict": lambda: pickle.dumps([1, 2, 3], protocol=2),
        "shape": lambda: pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, protocol=2),
        "labels": lambda: pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [11]}, protocol=2),
        "truncated": lambda: batches[name][: len(batches[name]) // 2],
    }[choice]()
    for n, data in batches.items():
        with open(os.path.join(folder, n), "wb") as f:
            f.write(data)
    return "cifar10", f"{name}: {choice}"
