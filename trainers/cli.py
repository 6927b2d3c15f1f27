"""The ``netgraph train`` subcommand.

::

    netgraph train prune [--model mlp|cnn|cifar-cnn] [--dataset digits|mnist|cifar10] [--data-dir D]
                         [--sparsity S] [--epochs N] [--retrain-epochs M] [--seed K] [--split-seed J]
                         [--threads T] [--lr LR] [--retrain-lr LR] [--batch-size B] [--padding P] -o DIR

writes ``DIR/dense.onnx`` (the trained dense network), ``DIR/sparse.onnx`` (pruned and
retrained) and ``DIR/train.json`` (accuracies, epochs, sparsity of each layer, times,
settings and the SHA-256 of both models). Every argument is checked before the data
are read and before torch is imported; a bad one is a one-line error (exit status 2).
All three files are prepared in memory, then written atomically; if writing one fails,
those already written by this run are removed, so DIR never holds a partial result.

Nothing in this module imports torch at import time: ``netgraph --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import sys
import time

from netgraph.exceptions import DatasetError, InvalidParameterError
from trainers._registry import DATASETS, MODELS

__all__ = ["add_parser", "check_prune_options", "check_output_dir", "run_prune", "write_files"]

logger = logging.getLogger(__name__)

#: The trainer recorded in the provenance of the models.
TRAINER = "three-step magnitude pruning (Han et al. 2015)"

#: Files that ``netgraph train prune`` writes into its output folder.
PRUNE_FILES = ("dense.onnx", "sparse.onnx", "train.json")

#: Test images on which onnxruntime's output is compared with torch's.
CHECK_BATCH = 64


# ---------------------------------------------------------------------- checks
def check_prune_options(*, model: str, dataset: str, sparsity, epochs, retrain_epochs=None, seed=0, split_seed=0,
                        threads=1, lr=None, retrain_lr=None, batch_size=None, padding=None, data_dir=None) -> None:
    """Check the options of ``netgraph train prune`` without importing torch or reading data.

    Raises
    ------
    InvalidParameterError
        Unknown model, sparsity outside [0, 1), epochs < 1, a negative seed, ...
    DatasetError
        Unknown data set, or ``data_dir`` missing for MNIST or CIFAR-10.
    """
    from trainers.data import CIFAR10_FILES, CIFAR10_SOURCE, MNIST_FILES, MNIST_SOURCE

    if model not in MODELS:
        raise InvalidParameterError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if dataset not in DATASETS:
        raise DatasetError(f"unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}")
    if dataset != "digits" and data_dir is None:
        files, source = (MNIST_FILES, MNIST_SOURCE) if dataset == "mnist" else (CIFAR10_FILES, CIFAR10_SOURCE)
        raise DatasetError(f"--dataset {dataset} needs --data-dir, a folder holding {', '.join(files)} "
                           f"(netgraph never downloads data); get them from {source}")
    if not isinstance(sparsity, (int, float)) or isinstance(sparsity, bool) or not 0.0 <= sparsity < 1.0:
        raise InvalidParameterError(f"--sparsity must be in [0, 1); got {sparsity!r}")
    for label, value, low in (("--epochs", epochs, 1), ("--retrain-epochs", retrain_epochs, 1), ("--seed", seed, 0),
                              ("--split-seed", split_seed, 0), ("--threads", threads, 1),
                              ("--batch-size", batch_size, 1)):
        if value is None and label in ("--retrain-epochs", "--batch-size"):
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise InvalidParameterError(f"{label} must be an integer >= {low}; got {value!r}")
    for label, value in (("--lr", lr), ("--retrain-lr", retrain_lr)):
        if value is not None and not (isinstance(value, (int, float)) and 0.0 < value < float("inf")):
            raise InvalidParameterError(f"{label} must be a positive number; got {value!r}")
    if padding is not None:
        if model == "mlp":
            raise InvalidParameterError("--padding applies to the convolutional models (cnn, cifar-cnn), not to mlp")
        if padding not in ("auto", "valid", "same"):
            raise InvalidParameterError(f"--padding must be auto, valid or same; got {padding!r}")


def check_output_dir(path) -> str:
    """Check that the folder ``path`` exists and is writable, or could be created.

    Parameters
    ----------
    path : str or os.PathLike
        The output folder.

    Returns
    -------
    str
        ``path`` as a string.

    Raises
    ------
    InvalidParameterError
        If ``path`` is a file, is not writable, or its nearest existing ancestor is not
        a writable folder.
    """
    path = os.fspath(path)
    if not path:
        raise InvalidParameterError("the output folder is empty")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise InvalidParameterError(f"output folder {path!r} exists and is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise InvalidParameterError(f"output folder {path!r} is not writable")
        return path
    ancestor = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise InvalidParameterError(f"cannot create output folder {path!r}: {ancestor!r} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InvalidParameterError(f"cannot create output folder {path!r}: {ancestor!r} is not writable")
    return path


def write_files(folder, files: dict) -> list[str]:
    """Write ``{name: bytes}`` into ``folder``, each atomically, all or none.

    The folder (and missing parents) is created if needed. If writing any file fails,
    the files this call wrote and the folders it created are removed, and the error
    propagates.

    Returns
    -------
    list of str
        The paths written, in order.
    """
    from netgraph.utils.files import atomic_write

    folder = os.fspath(folder)
    created_dirs = []
    probe = os.path.abspath(folder)
    while not os.path.exists(probe):
        created_dirs.append(probe)
        probe = os.path.dirname(probe)
    written = []
    try:
        os.makedirs(folder, exist_ok=True)
        for name, data in files.items():
            path = os.path.join(folder, name)
            with atomic_write(path, "wb") as f:
                f.write(data)
            written.append(path)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                os.unlink(path)
        for d in created_dirs:  # deepest first
            with contextlib.suppress(OSError):
                os.rmdir(d)
        raise
    return written


def run_prune(*, model: str, dataset: str, output, sparsity: float, epochs: int, retrain_epochs=None, seed: int = 0,
              split_seed: int = 0, threads: int = 1, data_dir=None, lr=None, retrain_lr=None, batch_size=None,
              padding=None, progress=None, model_options=None) -> dict:
    """Train, prune, retrain, export and write ``dense.onnx``, ``sparse.onnx``, ``train.json``.

    What ``netgraph train prune`` (and ``netgraph demo``) runs. The options are checked
    first (:func:`check_prune_options`, :func:`check_output_dir`), then the data are
    loaded, then torch is imported.

    Parameters
    ----------
    model, dataset : str
        A name of :data:`trainers.MODELS` and of :data:`trainers.DATASETS`.
    output : str or os.PathLike
        The output folder (created if needed).
    sparsity : float
        Fraction of each layer's weights pruned, in [0, 1).
    epochs : int
        Epochs of dense training.
    retrain_epochs : int, optional
        Epochs of retraining; default ``epochs``.
    seed : int, default 0
        Seed of the weights' initialisation, the batch order and dropout.
    split_seed : int, default 0
        Seed of the train / validation / test split.
    threads : int, default 1
        torch threads (results are reproducible bit for bit for a given thread count).
    data_dir : str, optional
        Folder of the MNIST or CIFAR-10 files.
    lr, retrain_lr, batch_size : optional
        Override :func:`trainers.prune.default_config`.
    padding : {"auto", "valid", "same"}, optional
        Convolution padding of the CNNs (:mod:`trainers.models`).
    progress : bool, optional
        Progress bars on standard error (default: when it is a terminal).
    model_options : dict, optional
        More keywords for :func:`trainers.models.build_model` (``hidden=(64,)``, ...).

    Returns
    -------
    dict
        The document written to ``train.json``.
    """
    check_prune_options(model=model, dataset=dataset, sparsity=sparsity, epochs=epochs, retrain_epochs=retrain_epochs,
                        seed=seed, split_seed=split_seed, threads=threads, lr=lr, retrain_lr=retrain_lr,
                        batch_size=batch_size, padding=padding, data_dir=data_dir)
    output = check_output_dir(output)
    start = time.perf_counter()

    from trainers.data import load_dataset

    data = load_dataset(dataset, data_dir=data_dir, seed=split_seed)

    import dataclasses

    import torch

    from netgraph import __version__
    from trainers.export import OPSET, export_onnx
    from trainers.models import build_model
    from trainers.prune import default_config, layer_sparsity, prune_and_retrain

    options = dict(model_options or {})
    if padding is not None:
        options["padding"] = padding
    net = build_model(model, data.image_shape, data.n_classes, seed=seed, **options)
    if net.padding == "same" and padding in (None, "auto"):
        logger.warning("%s: input %s is too small for unpadded convolutions; every convolution uses 'same' padding "
                       "(kernel_size // 2)", model, "x".join(map(str, data.image_shape)))
    overrides = {k: v for k, v in (("lr", lr), ("retrain_lr", retrain_lr), ("batch_size", batch_size)) if v is not None}
    config = dataclasses.replace(default_config(model), **overrides)
    logger.info("training %s (%s) on %s: %s", model, net.architecture, dataset, data.sizes())
    result = prune_and_retrain(net, data, sparsity=sparsity, epochs=epochs, retrain_epochs=retrain_epochs, seed=seed,
                               config=config, num_threads=threads, progress=progress)

    t_export = time.perf_counter()
    common = {
        "trainer": TRAINER,
        "model": model,
        "architecture": net.architecture,
        "padding": net.padding,
        "dataset": dataset,
        "dataset_sizes": data.sizes(),
        "split_seed": split_seed,
        "seed": seed,
        "sparsity": sparsity,
        "epochs": result.epochs,
        "retrain_epochs": result.retrain_epochs,
        "config": dataclasses.asdict(config),
        "num_threads": threads,
        "torch_version": torch.__version__,
        "netgraph_version": __version__,
    }
    sample = data.test.images[:CHECK_BATCH]
    onnx_bytes = {}
    for stage, network in (("dense", result.dense), ("sparse", result.sparse)):
        meta = dict(common, stage=stage, sparsity_per_layer=layer_sparsity(network),
                    accuracy_percent=result.accuracy[stage])
        if stage == "dense":
            meta["sparsity"] = 0.0
            meta["target_sparsity"] = sparsity
        onnx_bytes[f"{stage}.onnx"] = export_onnx(network, sample, metadata=meta, opset=OPSET)
    seconds = dict(result.seconds, export=time.perf_counter() - t_export)
    seconds["total"] = time.perf_counter() - start

    document = {
        "trainer": TRAINER,
        "model": model,
        "architecture": net.architecture,
        "padding": net.padding,
        "dataset": {"name": dataset, "source": data.source, "sizes": data.sizes(), "split_seed": split_seed},
        **{k: v for k, v in result.summary().items() if k not in ("seconds",)},
        "seconds": seconds,
        "files": {name: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for name, b in onnx_bytes.items()},
        "onnx_opset": OPSET,
        "torch_version": torch.__version__,
        "netgraph_version": __version__,
        "python_version": platform.python_version(),
    }
    text = json.dumps(document, indent=2) + "\n"
    files = dict(onnx_bytes)
    files["train.json"] = text.encode("utf-8")
    write_files(output, files)
    logger.info("wrote %s", ", ".join(os.path.join(output, name) for name in files))
    return document


# ---------------------------------------------------------------------- command
def _summary_lines(doc: dict, output: str) -> list[str]:
    acc = doc["accuracy_percent"]
    per_layer = ", ".join(f"{name} {frac:.3f}" for name, frac in doc["sparsity_per_layer"].items())
    return [
        f"{doc['model']} ({doc['architecture']}) on {doc['dataset']['name']}, seed {doc['seed']}: "
        f"{doc['epochs']} + {doc['retrain_epochs']} epochs in {doc['seconds']['total']:.1f} s",
        f"test accuracy: dense {acc['dense']['test']:.2f}%, sparse {acc['sparse']['test']:.2f}% "
        f"(pruned before retraining {acc['pruned']['test']:.2f}%)",
        f"fraction of zero weights: {per_layer}",
        f"wrote {', '.join(os.path.join(output, name) for name in PRUNE_FILES)}",
    ]


def _cmd_prune(args) -> int:
    verbosity = getattr(args, "verbose", 0) - getattr(args, "quiet", 0)
    doc = run_prune(model=args.model, dataset=args.dataset, output=args.output, sparsity=args.sparsity,
                    epochs=args.epochs, retrain_epochs=args.retrain_epochs, seed=args.seed,
                    split_seed=args.split_seed, threads=args.threads, data_dir=args.data_dir, lr=args.lr,
                    retrain_lr=args.retrain_lr, batch_size=args.batch_size, padding=args.padding,
                    progress=sys.stderr.isatty() and verbosity >= 0)
    print("\n".join(_summary_lines(doc, args.output)))
    return 0


def _add_prune_arguments(p) -> None:
    """The options of ``netgraph train prune``."""
    p.add_argument("--model", default="mlp", metavar="{" + ",".join(MODELS) + "}",
                   help="network (default: %(default)s)")
    p.add_argument("--dataset", default="digits", metavar="{" + ",".join(DATASETS) + "}",
                   help="data set; mnist and cifar10 are read from --data-dir (default: %(default)s)")
    p.add_argument("--data-dir", metavar="D", help="folder of the MNIST IDX files or the CIFAR-10 python batches")
    p.add_argument("--sparsity", type=float, default=0.9, metavar="S",
                   help="fraction of each layer's weights pruned, in [0, 1) (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=20, metavar="N",
                   help="epochs of dense training (default: %(default)s)")
    p.add_argument("--retrain-epochs", type=int, metavar="M", help="epochs of retraining (default: --epochs)")
    p.add_argument("--seed", type=int, default=0, metavar="K",
                   help="seed of the initialisation, batch order and dropout (default: %(default)s)")
    p.add_argument("--split-seed", type=int, default=0, metavar="J",
                   help="seed of the train/validation/test split (default: %(default)s)")
    p.add_argument("--threads", type=int, default=1, metavar="T",
                   help="torch threads; the same seed and thread count give the same weights (default: %(default)s)")
    p.add_argument("--lr", type=float, help="learning rate of the dense training (default: per model)")
    p.add_argument("--retrain-lr", type=float, metavar="LR",
                   help="learning rate of the retraining (default: per model)")
    p.add_argument("--batch-size", type=int, metavar="B", help="images per step (default: 64)")
    p.add_argument("--padding", metavar="{auto,valid,same}",
                   help="convolution padding of the CNNs: auto, valid or same (default: auto)")
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="output folder (created if needed)")


def add_parser(sub, common) -> None:
    """Add the ``train`` subcommand to ``sub`` (the subparsers of :func:`netgraph.cli.build_parser`)."""
    p = sub.add_parser("train", parents=[common], help="train sparse networks and write them as ONNX (needs torch)",
                       description="Train the networks of the papers, sparsify them, and write them as ONNX "
                                   "checked against onnxruntime.")
    tsub = p.add_subparsers(dest="trainer", required=True, metavar="TRAINER", parser_class=type(p))
    q = tsub.add_parser("prune", parents=[common], help="three-step magnitude pruning (Han et al. 2015)",
                        description="Train a dense network, prune the fraction S of each layer's smallest-magnitude "
                                    "weights (never the output layer's), retrain under the mask; write "
                                    "DIR/dense.onnx, DIR/sparse.onnx and DIR/train.json.")
    _add_prune_arguments(q)
    q.set_defaults(func=_cmd_prune)
