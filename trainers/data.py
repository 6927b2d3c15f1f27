"""Image classification data sets for the trainers, read from disk only.

Three data sets, each split into seeded train / validation / test parts:

``digits``
    scikit-learn's bundled handwritten digits (1,797 grey 8x8 images, 10 classes),
    the embedded default: it ships inside scikit-learn, so it is always there. A seeded
    permutation puts 70 % of the images in train, 10 % in validation and 20 % in test
    (1,258 / 180 / 359 images, :data:`DIGITS_SPLIT`).
``mnist``
    The four IDX files of MNIST (28x28 grey, 10 classes), plain or gzipped, read from
    a folder the user names. As in Hou & Kwok, the 60,000 training images are split
    into 50,000 train and 10,000 validation images by a seeded permutation; test is the
    official 10,000-image test set.
``cifar10``
    The python pickle batches of CIFAR-10 (``cifar-10-batches-py``: 32x32 colour,
    10 classes), or the ``cifar-10-python.tar.gz`` archive that holds them, read from a
    folder. The 50,000 training images are split into 45,000 train and 5,000
    validation; test is the official ``test_batch``.

Images come as float32 arrays of shape (N, C, H, W) scaled to [0, 1] (digits: the
0..16 grey levels divided by 16; MNIST and CIFAR-10: bytes divided by 255), labels as
int64 arrays. Nothing here touches the network: a missing folder or file raises
:class:`~netgraph.exceptions.DatasetError`, whose message names the files expected and
where to get them. Nothing here imports torch.

:func:`permute_pixels` makes the permuted task of the continual-learning experiments:
the pixels inside a central P x P square, shuffled by one seeded permutation.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import pickle
import struct
import zlib
import tarfile
from dataclasses import dataclass

import numpy as np

from netgraph.exceptions import DatasetError, InvalidParameterError
from netgraph.utils.check import check_int
from trainers._registry import DATASETS

__all__ = [
    "DATASETS",
    "DIGITS_SPLIT",
    "Split",
    "Dataset",
    "load_dataset",
    "central_permutation",
    "permute_pixels",
    "validation_size",
]

logger = logging.getLogger(__name__)

#: Fractions of the digits images in train, validation and test.
DIGITS_SPLIT = (0.7, 0.1, 0.2)

#: MNIST: validation images taken from the official training set (50,000 / 10,000 / 10,000).
MNIST_VALIDATION = 10_000
#: CIFAR-10: validation images taken from the official training set (45,000 / 5,000 / 10,000).
CIFAR10_VALIDATION = 5_000

MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
MNIST_SOURCE = (
    "http://yann.lecun.com/exdb/mnist/ (or a mirror such as "
    "https://ossci-datasets.s3.amazonaws.com/mnist/)"
)
CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_SOURCE = "https://www.cs.toronto.edu/~kriz/cifar.html (the CIFAR-10 python version)"


@dataclass(frozen=True)
class Split:
    """One part of a data set: images and their labels.

    Attributes
    ----------
    images : ndarray of float32, shape (N, C, H, W)
        Pixel values in [0, 1].
    labels : ndarray of int64, shape (N,)
        Class indices in ``0 .. n_classes - 1``.
    """

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Dataset:
    """A data set split into train, validation and test parts (see :func:`load_dataset`).

    Attributes
    ----------
    name : str
        One of :data:`DATASETS`.
    train, validation, test : Split
        The three parts; they share no image.
    n_classes : int
        Number of classes.
    seed : int
        The seed of the split.
    source : str
        Where the images were read from.
    """

    name: str
    train: Split
    validation: Split
    test: Split
    n_classes: int
    seed: int
    source: str

    @property
    def image_shape(self) -> tuple[int, ...]:
        """The shape (C, H, W) of one image."""
        return tuple(self.train.images.shape[1:])

    def sizes(self) -> dict[str, int]:
        """The number of images in each part."""
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


# ---------------------------------------------------------------------- public API
def load_dataset(name: str, *, data_dir=None, seed: int = 0) -> Dataset:
    """Load a data set from disk and split it into train, validation and test parts.

    Parameters
    ----------
    name : {"digits", "mnist", "cifar10"}
        The data set (see the module documentation for the files each reads).
    data_dir : str or os.PathLike, optional
        The folder holding the MNIST IDX files or the CIFAR-10 batches (or the folder
        ``cifar-10-batches-py``, or one holding ``cifar-10-python.tar.gz``). Ignored for
        ``digits``, which ships with scikit-learn. MNIST files are also looked for in
        ``data_dir/MNIST/raw`` (the torchvision layout).
    seed : int, default 0
        Seed of the permutation that splits the images; the same seed gives the same
        split.

    Returns
    -------
    Dataset
        Images as float32 (N, C, H, W) in [0, 1], labels as int64.

    Raises
    ------
    DatasetError
        Unknown name; no ``data_dir`` for MNIST or CIFAR-10; a missing folder or file (the
        message lists the files expected and where to obtain them); a malformed file; a
        split that leaves the train, validation or test part without images (the
        message gives the sizes).
    InvalidParameterError
        If ``seed`` is not an integer >= 0.

    Examples
    --------
    >>> data = load_dataset("digits", seed=0)
    >>> data.sizes()
    {'train': 1258, 'validation': 180, 'test': 359}
    >>> data.image_shape, data.n_classes
    ((1, 8, 8), 10)
    >>> float(data.train.images.max()), data.train.labels.dtype
    (1.0, dtype('int64'))
    >>> load_dataset("mnist")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netgraph.exceptions.DatasetError: data set 'mnist' is read from a local folder ...
    """
    if name not in DATASETS:
        raise DatasetError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    seed = check_int(seed, "seed", minimum=0)
    if name == "digits":
        return _load_digits(seed)
    if data_dir is None:
        files, source = (MNIST_FILES, MNIST_SOURCE) if name == "mnist" else (CIFAR10_FILES, CIFAR10_SOURCE)
        raise DatasetError(
            f"data set {name!r} is read from a local folder (netgraph never downloads data): "
            f"give one with data_dir (--data-dir) holding {', '.join(files)}; get them from {source}"
        )
    data_dir = os.fspath(data_dir)
    if not os.path.isdir(data_dir):
        what = "is not a folder" if os.path.exists(data_dir) else "does not exist"
        raise DatasetError(f"data folder {data_dir!r} for {name!r} {what}")
    data = _load_mnist(data_dir, seed) if name == "mnist" else _load_cifar10(data_dir, seed)
    return _check_parts(data)


def central_permutation(height: int, width: int, *, p: int, seed: int) -> np.ndarray:
    """The pixel permutation of the permuted task: a seeded shuffle of a central square.

    Parameters
    ----------
    height, width : int
        The image size.
    p : int
        Side of the central square whose pixels are shuffled, ``0 <= p <= min(height,
        width)``. The square starts at row ``(height - p) // 2`` and column
        ``(width - p) // 2``; ``p = 0`` or ``1`` leaves every pixel in place.
    seed : int
        Seed of the permutation (``numpy.random.default_rng(seed).permutation(p * p)``).

    Returns
    -------
    ndarray of int64, shape (height * width,)
        ``perm`` such that pixel ``k`` (row-major) of a permuted image is pixel ``perm[k]``
        of the original; it is the identity outside the square.

    Raises
    ------
    InvalidParameterError
        If ``p`` is negative or larger than the image, the size is not positive, or
        ``seed`` is not an integer >= 0.

    Examples
    --------
    >>> perm = central_permutation(4, 4, p=2, seed=0)
    >>> perm.reshape(4, 4)
    array([[ 0,  1,  2,  3],
           [ 4,  9,  5,  7],
           [ 8,  6, 10, 11],
           [12, 13, 14, 15]])
    """
    height = check_int(height, "height", minimum=1)
    width = check_int(width, "width", minimum=1)
    p = check_int(p, f"p (for {height}x{width} images)", minimum=0, maximum=min(height, width))
    seed = check_int(seed, "seed", minimum=0)
    top, left = (height - p) // 2, (width - p) // 2
    grid = np.arange(height * width, dtype=np.int64).reshape(height, width)
    square = grid[top:top + p, left:left + p].ravel()
    perm = grid.ravel().copy()
    perm[square] = square[np.random.default_rng(seed).permutation(p * p)]
    return perm


def permute_pixels(images, *, p: int, seed: int):
    """Shuffle the pixels inside the central P x P square of every image.

    The permuted task of the continual-learning experiments: every image (and every
    channel) gets the same seeded permutation, :func:`central_permutation`.

    Parameters
    ----------
    images : array of shape (..., H, W)
        One image or a batch: numpy arrays, and torch tensors too (only ``reshape`` and
        integer indexing are used).
    p : int
        Side of the square, ``0 <= p <= min(H, W)``.
    seed : int
        Seed of the permutation: the same seed, the same task.

    Returns
    -------
    array of the same type and shape
        A new array; the input is left unchanged.

    Raises
    ------
    InvalidParameterError
        If ``images`` has fewer than two dimensions, or ``p`` does not fit.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16).reshape(1, 4, 4)
    >>> permute_pixels(x, p=2, seed=0)
    array([[[ 0,  1,  2,  3],
            [ 4,  9,  5,  7],
            [ 8,  6, 10, 11],
            [12, 13, 14, 15]]])
    >>> bool((permute_pixels(x, p=4, seed=1) == permute_pixels(x, p=4, seed=1)).all())
    True
    """
    shape = tuple(images.shape)
    if len(shape) < 2:
        raise InvalidParameterError(f"images must have shape (..., H, W); got shape {shape}")
    height, width = shape[-2:]
    perm = central_permutation(int(height), int(width), p=p, seed=seed)
    flat = images.reshape(*shape[:-2], height * width)
    return flat[..., perm].reshape(shape)


# ---------------------------------------------------------------------- helpers
def validation_size(name: str, n_train: int) -> int:
    """How many of the ``n_train`` official training images of MNIST or CIFAR-10 go to validation.

    The paper's sizes for the full sets (10,000 of MNIST's 60,000; 5,000 of CIFAR-10's
    50,000); for a smaller set (a subset made for a quick run), the same proportion.

    Raises
    ------
    DatasetError
        If ``name`` is neither ``"mnist"`` nor ``"cifar10"``.

    Examples
    --------
    >>> validation_size("mnist", 60_000), validation_size("cifar10", 50_000)
    (10000, 5000)
    """
    if name == "mnist":
        return min(MNIST_VALIDATION, n_train // 6)
    if name == "cifar10":
        return min(CIFAR10_VALIDATION, n_train // 10)
    raise DatasetError(f"no official validation split for {name!r}")


def _check_parts(data: Dataset) -> Dataset:
    """``data``, if none of its parts is empty; else a DatasetError naming the sizes."""
    sizes = data.sizes()
    empty = [part for part, n in sizes.items() if n == 0]
    if empty:
        raise DatasetError(
            f"data set {data.name!r} from {data.source!r} has no {' and no '.join(empty)} images after the split "
            f"({', '.join(f'{part} {n}' for part, n in sizes.items())}): training needs images in all three parts; "
            f"give files that hold more images"
        )
    return data


def _split_off(images, labels, n_validation: int, seed: int) -> tuple[Split, Split]:
    """Split (images, labels) into train and validation by a seeded permutation."""
    order = np.random.default_rng(seed).permutation(len(labels))
    val, train = order[:n_validation], order[n_validation:]
    return Split(images[train], labels[train]), Split(images[val], labels[val])


def _load_digits(seed: int) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = bunch.target.astype(np.int64)
    n = len(labels)
    n_val, n_test = round(DIGITS_SPLIT[1] * n), round(DIGITS_SPLIT[2] * n)
    order = np.random.default_rng(seed).permutation(n)
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    logger.info("digits: %d train, %d validation, %d test images (split seed %d)", len(train), len(val), len(test),
                seed)
    return Dataset(
        "digits",
        Split(images[train], labels[train]),
        Split(images[val], labels[val]),
        Split(images[test], labels[test]),
        n_classes=10,
        seed=seed,
        source="sklearn.datasets.load_digits (bundled with scikit-learn)",
    )


# MNIST -------------------------------------------------------------------------------
def _find_mnist_file(data_dir: str, name: str) -> str | None:
    alternatives = (name, name.replace("-idx", ".idx"))  # some mirrors spell train-images.idx3-ubyte
    for folder in (data_dir, os.path.join(data_dir, "MNIST", "raw")):
        for base in alternatives:
            for candidate in (base, base + ".gz"):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    return path
    return None


#: The most data one data-set file may hold or announce: 256 MiB, over five times the
#: largest file of MNIST (60,000 x 28 x 28 bytes) or of CIFAR-10 (a 31 MB batch), so that a
#: small compressed file cannot make netgraph inflate gigabytes.
_IDX_MAX_BYTES = 256 * 2**20


def _check_file_size(size: int, where: str) -> None:
    """A data-set file (or archive member) of ``size`` bytes must be within :data:`_IDX_MAX_BYTES`."""
    if size > _IDX_MAX_BYTES:
        raise DatasetError(f"{where} holds {size:,} bytes, more than the {_IDX_MAX_BYTES:,} a file of this data "
                           "set may hold; it is not the data set netgraph reads")


def _read_idx(path: str, expected_dims: int) -> np.ndarray:
    """An IDX file of unsigned bytes (the MNIST format), plain or gzipped.

    The header is read first; then at most the bytes it announces and one more, so a
    file that holds more than it announces (a gzip bomb, say) is refused without being
    inflated whole.
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0:
                raise DatasetError(f"{path!r} is not an IDX file (bad magic number)")
            dtype_code, ndim = head[2], head[3]
            if dtype_code != 0x08:
                raise DatasetError(f"{path!r}: IDX data type 0x{dtype_code:02x} is not unsigned bytes (0x08)")
            if ndim != expected_dims:
                raise DatasetError(f"{path!r}: IDX file has {ndim} dimensions, expected {expected_dims}")
            raw_dims = f.read(4 * ndim)
            if len(raw_dims) < 4 * ndim:
                raise DatasetError(f"{path!r}: IDX header is truncated")
            dims = struct.unpack(f">{ndim}I", raw_dims)
            size = int(np.prod(dims, dtype=object))
            _check_file_size(size, f"{path!r} (its IDX header: {'x'.join(map(str, dims))})")
            data = f.read(size + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"cannot read MNIST file {path!r}: {exc}") from None
    if len(data) != size:
        held = f"{len(data)} bytes" if len(data) <= size else "more bytes"
        raise DatasetError(f"{path!r}: IDX file holds {held} of data, its header announces "
                           f"{size} ({'x'.join(map(str, dims))})")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _load_mnist(data_dir: str, seed: int) -> Dataset:
    paths = {name: _find_mnist_file(data_dir, name) for name in MNIST_FILES}
    missing = [name for name, path in paths.items() if path is None]
    if missing:
        raise DatasetError(
            f"MNIST file(s) {', '.join(missing)} (plain or .gz) not found in {data_dir!r}; the folder must hold "
            f"{', '.join(MNIST_FILES)}; get them from {MNIST_SOURCE}"
        )
    arrays = {}
    for name, path in paths.items():
        arrays[name] = _read_idx(path, 3 if "images" in name else 1)
    parts = []
    for kind in ("train", "t10k"):
        images, labels = arrays[f"{kind}-images-idx3-ubyte"], arrays[f"{kind}-labels-idx1-ubyte"]
        if len(images) != len(labels):
            raise DatasetError(f"MNIST {kind} files disagree: {len(images)} images, {len(labels)} labels")
        if labels.size and labels.max() > 9:
            raise DatasetError(f"MNIST {kind} labels hold {int(labels.max())}; expected 0..9")
        parts.append(((images.astype(np.float32) / 255.0)[:, None, :, :], labels.astype(np.int64)))
    (train_x, train_y), (test_x, test_y) = parts
    n_val = validation_size("mnist", len(train_y))
    train, val = _split_off(train_x, train_y, n_val, seed)
    logger.info("mnist: %d train, %d validation, %d test images from %s", len(train), len(val), len(test_y), data_dir)
    return Dataset("mnist", train, val, Split(test_x, test_y), n_classes=10, seed=seed,
                   source=os.path.abspath(data_dir))


# CIFAR-10 ----------------------------------------------------------------------------
class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles the CIFAR-10 batches (dicts of numpy arrays and lists), nothing else."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")


def _cifar_batch(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except Exception as exc:  # any unpickling failure means a malformed file
        raise DatasetError(f"{where} is not a CIFAR-10 python batch: {exc}") from None
    if not isinstance(batch, dict):
        raise DatasetError(f"{where} is not a CIFAR-10 python batch (not a dict)")
    batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise DatasetError(f"{where} has no 'data' and 'labels' entries; keys: {sorted(map(str, batch))}")
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(labels):
        raise DatasetError(f"{where}: expected uint8 data of shape (N, 3072) and N labels; got {data.dtype} "
                           f"{data.shape} and {len(labels)} labels")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError(f"{where}: labels outside 0..9")
    return data.reshape(-1, 3, 32, 32), labels


def _load_cifar10(data_dir: str, seed: int) -> Dataset:
    raws: dict[str, tuple[bytes, str]] = {}
    for folder in (data_dir, os.path.join(data_dir, "cifar-10-batches-py")):
        if all(os.path.isfile(os.path.join(folder, f)) for f in CIFAR10_FILES):
            for name in CIFAR10_FILES:
                path = os.path.join(folder, name)
                _check_file_size(os.path.getsize(path), repr(path))
                with open(path, "rb") as f:
                    raws[name] = (f.read(), repr(path))
            source = os.path.abspath(folder)
            break
    else:
        archive = os.path.join(data_dir, CIFAR10_ARCHIVE)
        if not os.path.isfile(archive):
            raise DatasetError(
                f"CIFAR-10 not found in {data_dir!r}: expected the python batches {', '.join(CIFAR10_FILES)} there or "
                f"in its cifar-10-batches-py folder, or {CIFAR10_ARCHIVE}; get them from {CIFAR10_SOURCE}"
            )
        try:
            with tarfile.open(archive, "r:gz") as tar:
                members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
                missing = [name for name in CIFAR10_FILES if name not in members]
                if missing:
                    raise DatasetError(f"{archive!r} lacks {', '.join(missing)}; get the python version from "
                                       f"{CIFAR10_SOURCE}")
                for name in CIFAR10_FILES:
                    _check_file_size(members[name].size, f"{name} in {archive!r}")
                    raws[name] = (tar.extractfile(members[name]).read(), f"{name} in {archive!r}")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise DatasetError(f"cannot read {archive!r}: {exc}") from None
        source = os.path.abspath(archive)
    batches = [_cifar_batch(*raws[name]) for name in CIFAR10_FILES]
    train_x = np.concatenate([b[0] for b in batches[:-1]])
    train_y = np.concatenate([b[1] for b in batches[:-1]])
    test_x, test_y = batches[-1]
    n_val = validation_size("cifar10", len(train_y))
    train, val = _split_off((train_x.astype(np.float32) / 255.0), train_y, n_val, seed)
    logger.info("cifar10: %d train, %d validation, %d test images from %s", len(train), len(val), len(test_y), source)
    return Dataset("cifar10", train, val, Split(test_x.astype(np.float32) / 255.0, test_y), n_classes=10, seed=seed,
                   source=source)
