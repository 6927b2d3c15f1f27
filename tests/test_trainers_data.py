"""Data sets of the trainers: digits (bundled), MNIST IDX and CIFAR-10 pickles from tiny files made
here, seeded splits, errors that name the expected files, no network, and the permuted task."""

import gzip
import os
import pickle
import re
import socket
import struct
import tarfile

import numpy as np
import pytest

from netgraph.exceptions import DatasetError, InvalidParameterError, NetgraphError
from trainers.data import (
    CIFAR10_FILES,
    DATASETS,
    MNIST_FILES,
    central_permutation,
    load_dataset,
    permute_pixels,
    validation_size,
)


# ---------------------------------------------------------------------- tiny files
def write_idx(path, array, *, gz=False):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def make_mnist(folder, *, n_train=12, n_test=5, size=6, gz=False, skip=()):
    """IDX files whose pixel (0, 0) holds the image's index, labels index % 10."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    out = {}
    for kind, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)
        images[:, 0, 0] = np.arange(n)
        labels = np.arange(n) % 10
        out[kind] = (images, labels)
        for name, array in ((f"{kind}-images-idx3-ubyte", images), (f"{kind}-labels-idx1-ubyte", labels)):
            if name not in skip:
                write_idx(os.path.join(folder, name), array, gz=gz)
    return out


def cifar_batch(n, offset):
    rng = np.random.default_rng(offset)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    data[:, 0] = np.arange(offset, offset + n) % 256
    return {b"batch_label": b"batch", b"labels": [int(i % 10) for i in range(offset, offset + n)], b"data": data,
            b"filenames": [b"x.png"] * n}


def make_cifar(folder, *, per_batch=4, n_test=3):
    os.makedirs(folder, exist_ok=True)
    for i, name in enumerate(CIFAR10_FILES):
        batch = cifar_batch(n_test if name == "test_batch" else per_batch, 100 * i)
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(batch, f, protocol=2)


# ---------------------------------------------------------------------- digits
def test_digits_split_and_format():
    data = load_dataset("digits")
    assert data.name == "digits" and data.n_classes == 10 and data.image_shape == (1, 8, 8)
    assert data.sizes() == {"train": 1258, "validation": 180, "test": 359}
    assert sum(data.sizes().values()) == 1797
    for part in (data.train, data.validation, data.test):
        assert part.images.dtype == np.float32 and part.labels.dtype == np.int64
        assert part.images.min() >= 0.0 and part.images.max() <= 1.0
        assert set(np.unique(part.labels)) == set(range(10))
    # the parts are disjoint: every image of the data set appears exactly once
    from sklearn.datasets import load_digits

    rows = np.concatenate([p.images.reshape(len(p), -1) for p in (data.train, data.validation, data.test)])
    original = (load_digits().images / 16.0).astype(np.float32).reshape(1797, -1)
    assert sorted(map(bytes, rows)) == sorted(map(bytes, original))


def test_digits_split_is_seeded():
    a, b, c = load_dataset("digits", seed=3), load_dataset("digits", seed=3), load_dataset("digits", seed=4)
    assert np.array_equal(a.test.images, b.test.images) and np.array_equal(a.train.labels, b.train.labels)
    assert not np.array_equal(a.test.images, c.test.images)
    assert a.seed == 3


@pytest.mark.parametrize("name", ["imagenet", "MNIST", ""])
def test_unknown_dataset(name):
    with pytest.raises(DatasetError, match="unknown data set") as info:
        load_dataset(name)
    assert "digits, mnist, cifar10" in str(info.value)
    assert isinstance(info.value, NetgraphError)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed(seed):
    with pytest.raises(InvalidParameterError, match="seed"):
        load_dataset("digits", seed=seed)


# ---------------------------------------------------------------------- MNIST
@pytest.mark.parametrize("gz", [False, True])
def test_mnist_from_idx_files(tmp_path, gz):
    raw = make_mnist(tmp_path, n_train=12, n_test=5, gz=gz)
    data = load_dataset("mnist", data_dir=tmp_path, seed=1)
    assert data.image_shape == (1, 6, 6)
    assert data.sizes() == {"train": 10, "validation": 2, "test": 5}  # a sixth of 12 for validation
    # test is the official test set, in order
    images, labels = raw["t10k"]
    assert np.array_equal(data.test.labels, labels)
    assert np.allclose(data.test.images[:, 0], images / 255.0)
    # train + validation are the training images, each once, with their labels
    seen = np.concatenate([data.train.images[:, 0, 0, 0], data.validation.images[:, 0, 0, 0]]) * 255
    assert sorted(np.rint(seen).astype(int)) == list(range(12))
    for part in (data.train, data.validation):
        idx = np.rint(part.images[:, 0, 0, 0] * 255).astype(int)
        assert np.array_equal(part.labels, idx % 10)
    again = load_dataset("mnist", data_dir=tmp_path, seed=1)
    assert np.array_equal(again.validation.labels, data.validation.labels)


def test_mnist_paper_split_sizes(tmp_path):
    # 60,000 training images: 50,000 train and 10,000 validation, as in the paper
    make_mnist(tmp_path, n_train=60_000, n_test=10, size=1)
    assert load_dataset("mnist", data_dir=tmp_path).sizes() == {"train": 50_000, "validation": 10_000, "test": 10}


@pytest.mark.parametrize("n_train, n_test, empty", [
    (0, 5, "no train and no validation images"),
    (5, 5, "no validation images"),  # a sixth of 5 is 0
    (12, 0, "no test images"),
])
def test_mnist_split_with_an_empty_part(tmp_path, n_train, n_test, empty):
    make_mnist(tmp_path, n_train=n_train, n_test=n_test)
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist", data_dir=tmp_path)
    message = str(info.value)
    assert empty in message and f"test {n_test})" in message and "\n" not in message
    assert re.search(r"\(train \d+, validation \d+, test \d+\)", message), message


def test_cifar10_split_with_an_empty_part(tmp_path):
    make_cifar(tmp_path, per_batch=1, n_test=1)  # 5 training images: a tenth of them, none, for validation
    with pytest.raises(DatasetError, match=r"has no validation images after the split "
                                           r"\(train 5, validation 0, test 1\)"):
        load_dataset("cifar10", data_dir=tmp_path)


def test_mnist_torchvision_layout(tmp_path):
    make_mnist(tmp_path / "MNIST" / "raw", gz=True)
    assert len(load_dataset("mnist", data_dir=tmp_path).test) == 5


def test_mnist_needs_a_folder():
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist")
    message = str(info.value)
    assert "never downloads" in message and "train-images-idx3-ubyte" in message and "lecun.com" in message


def test_mnist_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("mnist", data_dir=tmp_path / "nope")
    (tmp_path / "file").write_text("")
    with pytest.raises(DatasetError, match="is not a folder"):
        load_dataset("mnist", data_dir=tmp_path / "file")


def test_mnist_missing_file(tmp_path):
    make_mnist(tmp_path, skip={"t10k-labels-idx1-ubyte"})
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist", data_dir=tmp_path)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte" in message.split("not found")[0]
    for name in MNIST_FILES:
        assert name in message
    assert "http" in message


def test_mnist_malformed_files(tmp_path):
    make_mnist(tmp_path)
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x08\x01" + struct.pack(">I", 99) + bytes(12))  # announces 99 labels, holds 12
    with pytest.raises(DatasetError, match="announces"):
        load_dataset("mnist", data_dir=tmp_path)
    path.write_bytes(b"GIF89a not an idx file")
    with pytest.raises(DatasetError, match="magic"):
        load_dataset("mnist", data_dir=tmp_path)
    write_idx(path, np.arange(5))  # 5 labels for 12 images
    with pytest.raises(DatasetError, match="12 images, 5 labels"):
        load_dataset("mnist", data_dir=tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip")
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset("mnist", data_dir=tmp_path)


# ---------------------------------------------------------------------- CIFAR-10
def test_cifar10_from_batches(tmp_path):
    make_cifar(tmp_path / "cifar-10-batches-py", per_batch=4, n_test=3)
    data = load_dataset("cifar10", data_dir=tmp_path, seed=0)  # the parent folder works too
    assert data.image_shape == (3, 32, 32) and data.n_classes == 10
    assert data.sizes() == {"train": 18, "validation": 2, "test": 3}  # a tenth of 20 for validation
    assert data.test.labels.tolist() == [500 % 10, 501 % 10, 502 % 10]
    first = np.rint(np.concatenate([data.train.images, data.validation.images])[:, 0, 0, 0] * 255).astype(int)
    assert sorted(first) == sorted((100 * i + k) % 256 for i in range(5) for k in range(4))
    direct = load_dataset("cifar10", data_dir=tmp_path / "cifar-10-batches-py", seed=0)
    assert np.array_equal(direct.train.images, data.train.images)


def test_cifar10_paper_split_sizes():
    # 45,000 / 5,000 of the 50,000 training images, as in the paper (the full batches are
    # too big for a unit test: this checks the rule the loader applies)
    assert validation_size("cifar10", 50_000) == 5_000
    assert validation_size("cifar10", 20) == 2
    assert validation_size("mnist", 60_000) == 10_000


def test_cifar10_from_archive(tmp_path):
    make_cifar(tmp_path / "src" / "cifar-10-batches-py")
    (tmp_path / "d").mkdir()
    with tarfile.open(tmp_path / "d" / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    data = load_dataset("cifar10", data_dir=tmp_path / "d")
    assert data.sizes()["test"] == 3 and data.source.endswith("cifar-10-python.tar.gz")


def test_cifar10_missing(tmp_path):
    make_cifar(tmp_path)
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(DatasetError) as info:
        load_dataset("cifar10", data_dir=tmp_path)
    message = str(info.value)
    assert "data_batch_3" in message and "test_batch" in message and "cs.toronto.edu" in message


def test_cifar10_refuses_arbitrary_pickles(tmp_path):
    make_cifar(tmp_path)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with open(tmp_path / "test_batch", "wb") as f:
        pickle.dump({b"data": Evil(), b"labels": []}, f)
    with pytest.raises(DatasetError, match="refusing to load"):
        load_dataset("cifar10", data_dir=tmp_path)


def test_cifar10_malformed_batch(tmp_path):
    make_cifar(tmp_path)
    with open(tmp_path / "data_batch_1", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(DatasetError, match="data_batch_1.*3072"):
        load_dataset("cifar10", data_dir=tmp_path)


# ---------------------------------------------------------------------- no network, ever
def test_no_network(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("a data loader tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    make_mnist(tmp_path / "m")
    make_cifar(tmp_path / "c")
    assert load_dataset("digits").sizes()["test"] == 359
    assert len(load_dataset("mnist", data_dir=tmp_path / "m").test) == 5
    assert len(load_dataset("cifar10", data_dir=tmp_path / "c").test) == 3
    (tmp_path / "empty").mkdir()
    for name in ("mnist", "cifar10"):  # missing data is an error, not a download
        for data_dir in (None, tmp_path / "empty"):
            with pytest.raises(DatasetError):
                load_dataset(name, data_dir=data_dir)
    assert DATASETS == ("digits", "mnist", "cifar10")


# ---------------------------------------------------------------------- the permuted task
def test_central_permutation_shuffles_the_square_only():
    h, w, p = 9, 8, 4
    perm = central_permutation(h, w, p=p, seed=5)
    assert sorted(perm) == list(range(h * w))
    grid = np.arange(h * w).reshape(h, w)
    top, left = (h - p) // 2, (w - p) // 2  # 2, 2
    inside = np.zeros((h, w), bool)
    inside[top:top + p, left:left + p] = True
    moved = perm.reshape(h, w) != grid
    assert not moved[~inside].any()
    assert moved[inside].sum() >= p * p - 2  # a shuffle of 16 pixels moves almost all of them
    assert set(perm.reshape(h, w)[inside]) == set(grid[inside])


def test_permute_pixels_is_seeded_and_shared_across_images_and_channels():
    rng = np.random.default_rng(0)
    x = rng.random((5, 3, 10, 10)).astype(np.float32)
    original = x.copy()
    a = permute_pixels(x, p=6, seed=1)
    assert a.shape == x.shape and a.dtype == x.dtype
    assert np.array_equal(a, permute_pixels(x, p=6, seed=1))
    assert not np.array_equal(a, permute_pixels(x, p=6, seed=2))
    perm = central_permutation(10, 10, p=6, seed=1)
    for i in range(5):
        for c in range(3):
            assert np.array_equal(a[i, c].ravel(), x[i, c].ravel()[perm])
    assert np.array_equal(x, original)  # the input is left unchanged
    assert np.array_equal(permute_pixels(x, p=0, seed=1), x)
    assert np.array_equal(permute_pixels(x, p=1, seed=1), x)
    assert np.array_equal(permute_pixels(x[0, 0], p=6, seed=1), a[0, 0])


def test_permute_pixels_torch_tensor():
    torch = pytest.importorskip("torch")
    x = torch.arange(2 * 16, dtype=torch.float32).reshape(2, 1, 4, 4)
    y = permute_pixels(x, p=4, seed=0)
    assert isinstance(y, torch.Tensor)
    assert np.array_equal(y.numpy(), permute_pixels(x.numpy(), p=4, seed=0))


@pytest.mark.parametrize("p", [-1, 11, 2.5, True])
def test_permute_pixels_bad_p(p):
    with pytest.raises(InvalidParameterError,
                       match=rf"^p \(for 10x12 images\) must be an integer in \[0, 10\]; got {re.escape(repr(p))}$"):
        permute_pixels(np.zeros((1, 10, 12)), p=p, seed=0)


def test_permute_pixels_bad_shape():
    with pytest.raises(InvalidParameterError, match=r"\(\.\.\., H, W\)"):
        permute_pixels(np.zeros(5), p=1, seed=0)


def test_sklearn_digits_are_read_from_disk():
    # load_digits reads a file shipped inside scikit-learn: no download, no data_home
    import sklearn.datasets

    folder = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data")
    assert any(name.startswith("digits") for name in os.listdir(folder))


# ---------------------------------------------------------------------- bounded reads (issue 9)
def test_mnist_gzip_holding_more_than_its_header_is_refused_unread(tmp_path):
    make_mnist(tmp_path, gz=True)
    # a 'train-images' whose header announces 12 6x6 images but whose gzip inflates to 64 MiB more
    header = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 12, 6, 6)
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(header + bytes(12 * 36) + bytes(64 * 2**20))
    with pytest.raises(DatasetError, match=r"holds more bytes of data, its header announces 432 \(12x6x6\)"):
        load_dataset("mnist", data_dir=tmp_path)


def test_mnist_header_announcing_too_much_is_refused(tmp_path):
    make_mnist(tmp_path)
    header = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 60_000, 2**16, 2**16)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(header)
    with pytest.raises(DatasetError, match=r"holds 257,698,037,760,000 bytes, more than the 268,435,456"):
        load_dataset("mnist", data_dir=tmp_path)


def test_cifar10_files_are_bounded(tmp_path, monkeypatch):
    import trainers.data

    make_cifar(tmp_path)
    monkeypatch.setattr(trainers.data, "_IDX_MAX_BYTES", 100)  # smaller than one tiny batch
    with pytest.raises(DatasetError, match="bytes, more than the 100 a file of this data set may hold"):
        load_dataset("cifar10", data_dir=tmp_path)
    make_cifar(tmp_path / "src" / "cifar-10-batches-py")
    (tmp_path / "d").mkdir()
    with tarfile.open(tmp_path / "d" / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    with pytest.raises(DatasetError, match=r"data_batch_1 in .* bytes, more than the 100"):
        load_dataset("cifar10", data_dir=tmp_path / "d")
