"""The runs behind ``netgraph train``: check the options, train, export, write the files.

:func:`run_prune` (``netgraph train prune``, and ``netgraph demo``) trains a dense
network, prunes it by magnitude, retrains it under the mask, exports both networks to
ONNX (checked against onnxruntime, with provenance in their metadata) and writes
``dense.onnx``, ``sparse.onnx`` and ``train.json`` (accuracies, epochs, sparsity of each
layer, times, settings and the SHA-256 of both models) into its output folder.
:func:`run_predefined` (``netgraph train predefined``) trains an MLP whose junctions have
fixed fan-ins and fan-outs from the start (:mod:`trainers.predefined`) and writes
``predefined.onnx`` and ``train.json`` (densities, fans, accuracies, ...).

:func:`check_continual_options` checks the options of ``netgraph train continual``, whose
run is :func:`trainers.continual.run_continual` (``t0.onnx``, ``t1.onnx``, ``train.json``).

Every option is checked (:func:`check_prune_options`, :func:`check_predefined_options`,
through :mod:`netgraph.utils.check`) before the data are read and before torch is
imported. The files are prepared in memory, then written by
:func:`netgraph.utils.files.write_files`: each atomically, and if writing one fails,
those already written by the run are removed, so the folder never holds a partial result.

Nothing in this module imports torch at import time. The command-line part (the options,
the printed summary) is :mod:`netgraph.cli.train`.

Examples
--------
>>> check_prune_options(model="mlp", dataset="digits", sparsity=0.9, epochs=2)["epochs"]
2
>>> check_prune_options(model="mlp", dataset="digits", sparsity=1.5, epochs=2)
Traceback (most recent call last):
...
netgraph.exceptions.InvalidParameterError: --sparsity must be a number in [0, 1); got 1.5
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import time

from netgraph.exceptions import DatasetError, InvalidParameterError
from netgraph.utils.check import check_choice, check_int, check_real
from netgraph.utils.files import check_output_dir, write_files
from netgraph.utils.progress import show_progress
from netgraph.utils.tables import json_text
from trainers._registry import DATASETS, MODELS, PADDINGS

__all__ = ["TRAINER", "PRUNE_FILES", "PREDEFINED_FILES", "CONTINUAL_FILES", "PROGRESSIVE_FILES",
           "check_continual_options", "check_prune_options", "run_prune",
           "check_predefined_options", "run_predefined"]

logger = logging.getLogger(__name__)

#: The trainer recorded in the provenance of the models.
TRAINER = "three-step magnitude pruning (Han et al. 2015)"

#: Files that :func:`run_prune` writes into its output folder.
PRUNE_FILES = ("dense.onnx", "sparse.onnx", "train.json")

#: Files that :func:`run_predefined` writes into its output folder.
PREDEFINED_FILES = ("predefined.onnx", "train.json")

#: Files that :func:`trainers.continual.run_continual` writes (``progressive=False``, then ``True``).
CONTINUAL_FILES = ("t0.onnx", "t1.onnx", "train.json")
PROGRESSIVE_FILES = ("t0.onnx", "progressive.onnx", "train.json")

#: Test images on which onnxruntime's output is compared with torch's.
CHECK_BATCH = 64


# ---------------------------------------------------------------------- checks
def check_prune_options(*, model: str, dataset: str, sparsity, epochs, retrain_epochs=None, seed=0, split_seed=0,
                        threads=1, lr=None, retrain_lr=None, batch_size=None, padding=None, data_dir=None) -> dict:
    """Check the options of :func:`run_prune` without importing torch or reading data.

    The messages name the options as ``netgraph train prune`` spells them (``--sparsity``).

    Parameters
    ----------
    model, dataset, sparsity, epochs, retrain_epochs, seed, split_seed
        As :func:`run_prune`.
    threads, lr, retrain_lr, batch_size, padding, data_dir
        As :func:`run_prune`.

    Returns
    -------
    dict
        The options by keyword, numbers in their canonical types (``epochs=2.0`` gives 2).

    Raises
    ------
    InvalidParameterError
        Unknown model or data set, sparsity outside [0, 1), epochs < 1, a negative seed,
        a learning rate that is not positive, a padding for the MLP, ...
    DatasetError
        ``data_dir`` missing for MNIST or CIFAR-10 (netgraph never downloads data).

    Examples
    --------
    >>> check_prune_options(model="cnn", dataset="digits", sparsity=0.5, epochs=1, padding="full")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --padding must be one of 'auto', 'valid', 'same'; got 'full'
    """
    check_choice(model, "--model", tuple(MODELS))
    _check_data_source(dataset, data_dir)
    options = {"model": model, "dataset": dataset, "data_dir": data_dir,
               "sparsity": check_real(sparsity, "--sparsity", minimum=0, maximum=1, open_maximum=True)}
    for key, value, low in (("epochs", epochs, 1), ("retrain_epochs", retrain_epochs, 1), ("seed", seed, 0),
                            ("split_seed", split_seed, 0), ("threads", threads, 1), ("batch_size", batch_size, 1)):
        optional = key in ("retrain_epochs", "batch_size")
        options[key] = None if optional and value is None else check_int(value, _flag(key), minimum=low)
    for key, value in (("lr", lr), ("retrain_lr", retrain_lr)):
        options[key] = None if value is None else check_real(value, _flag(key), minimum=0, open_minimum=True)
    if padding is not None:
        if model == "mlp":
            raise InvalidParameterError("--padding applies to the convolutional models (cnn, cifar-cnn), not to mlp")
        check_choice(padding, "--padding", PADDINGS)
    options["padding"] = padding
    return options


def _check_data_source(dataset, data_dir) -> None:
    """``--dataset`` is one of :data:`trainers.DATASETS`, with ``--data-dir`` unless it is the bundled digits."""
    from trainers.data import CIFAR10_FILES, CIFAR10_SOURCE, MNIST_FILES, MNIST_SOURCE

    check_choice(dataset, "--dataset", DATASETS)
    if dataset != "digits" and data_dir is None:
        files, source = (MNIST_FILES, MNIST_SOURCE) if dataset == "mnist" else (CIFAR10_FILES, CIFAR10_SOURCE)
        raise DatasetError(f"--dataset {dataset} needs --data-dir, a folder holding {', '.join(files)} "
                           f"(netgraph never downloads data); get them from {source}")


def _flag(keyword: str) -> str:
    """The command-line spelling of a keyword: ``retrain_epochs`` -> ``--retrain-epochs``."""
    return "--" + keyword.replace("_", "-")


# ---------------------------------------------------------------------- the run
def run_prune(*, model: str, dataset: str, output, sparsity: float, epochs: int, retrain_epochs=None, seed: int = 0,
              split_seed: int = 0, threads: int = 1, data_dir=None, lr=None, retrain_lr=None, batch_size=None,
              padding=None, progress=None, model_options=None) -> dict:
    """Train, prune, retrain, export and write ``dense.onnx``, ``sparse.onnx``, ``train.json``.

    What ``netgraph train prune`` (and ``netgraph demo``) runs. The options are checked
    first (:func:`check_prune_options`), then the output folder and the three files it
    will hold (:func:`netgraph.utils.files.check_output_dir`: a file that is a folder,
    or not writable, fails now, not after the training), then the data are loaded, then
    torch is imported.

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
        Progress bars on standard error (default: :func:`netgraph.utils.progress.show_progress`,
        when it is a terminal and messages are not silenced).
    model_options : dict, optional
        More keywords for :func:`trainers.models.build_model` (``hidden=(64,)``, ...).

    Returns
    -------
    dict
        The document written to ``train.json``.

    Raises
    ------
    InvalidParameterError, DatasetError
        From the checks, before any work; DatasetError also when a part of the data
        set's split (train, validation, test) is empty.
    ExportCheckError
        If onnxruntime disagrees with torch on an exported model.
    OSError
        If the files cannot be written (none is left behind).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> doc = run_prune(model="mlp", dataset="digits", output=folder, sparsity=0.5, epochs=1, progress=False,
    ...                 model_options={"hidden": (16,)})
    >>> doc["sparsity_per_layer"], sorted(os.listdir(folder))
    ({'fc1': 0.5, 'fc2': 0.0}, ['dense.onnx', 'sparse.onnx', 'train.json'])
    """
    options = check_prune_options(model=model, dataset=dataset, sparsity=sparsity, epochs=epochs,
                                  retrain_epochs=retrain_epochs, seed=seed, split_seed=split_seed, threads=threads,
                                  lr=lr, retrain_lr=retrain_lr, batch_size=batch_size, padding=padding,
                                  data_dir=data_dir)
    output = check_output_dir(output, files=PRUNE_FILES)  # the folder and the files in it, before any work
    start = time.perf_counter()

    from trainers.data import load_dataset

    data = load_dataset(dataset, data_dir=data_dir, seed=options["split_seed"])
    net, config, result = _train(data, options, progress=show_progress(progress), model_options=model_options)
    t_export = time.perf_counter()
    onnx_bytes = _export(net, data, config, result, options)
    seconds = dict(result.seconds, export=time.perf_counter() - t_export)
    seconds["total"] = time.perf_counter() - start
    document = _train_document(net, data, result, options, seconds, onnx_bytes)
    files = dict(onnx_bytes)
    files["train.json"] = (json_text(document) + "\n").encode("utf-8")
    write_files(output, files)
    logger.info("wrote %s", ", ".join(os.path.join(output, name) for name in files))
    return document


def _train(data, options: dict, *, progress: bool, model_options=None):
    """Build the network and run :func:`trainers.prune.prune_and_retrain`; return ``(net, config, result)``."""
    import dataclasses

    from trainers.models import build_model
    from trainers.prune import default_config, prune_and_retrain

    model, padding = options["model"], options["padding"]
    kwargs = dict(model_options or {})
    if padding is not None:
        kwargs["padding"] = padding
    net = build_model(model, data.image_shape, data.n_classes, seed=options["seed"], **kwargs)
    if net.padding == "same" and padding in (None, "auto"):
        logger.warning("%s: input %s is too small for unpadded convolutions; every convolution uses 'same' padding "
                       "(kernel_size // 2)", model, "x".join(map(str, data.image_shape)))
    overrides = {k: options[k] for k in ("lr", "retrain_lr", "batch_size") if options[k] is not None}
    config = dataclasses.replace(default_config(model), **overrides)
    logger.info("training %s (%s) on %s: %s", model, net.architecture, options["dataset"], data.sizes())
    result = prune_and_retrain(net, data, sparsity=options["sparsity"], epochs=options["epochs"],
                               retrain_epochs=options["retrain_epochs"], seed=options["seed"], config=config,
                               num_threads=options["threads"], progress=progress)
    return net, config, result


def _export(net, data, config, result, options: dict) -> dict:
    """Both networks as ONNX bytes, ``{"dense.onnx": ..., "sparse.onnx": ...}``, with their provenance."""
    import dataclasses

    import torch

    from netgraph import __version__
    from trainers.export import OPSET, export_onnx
    from trainers.prune import layer_sparsity

    common = {
        "trainer": TRAINER,
        "model": options["model"],
        "architecture": net.architecture,
        "padding": net.padding,
        "dataset": options["dataset"],
        "dataset_sizes": data.sizes(),
        "split_seed": options["split_seed"],
        "seed": options["seed"],
        "sparsity": options["sparsity"],
        "epochs": result.epochs,
        "retrain_epochs": result.retrain_epochs,
        "config": dataclasses.asdict(config),
        "num_threads": options["threads"],
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
            meta["target_sparsity"] = options["sparsity"]
        onnx_bytes[f"{stage}.onnx"] = export_onnx(network, sample, metadata=meta, opset=OPSET)
    return onnx_bytes


def _train_document(net, data, result, options: dict, seconds: dict, onnx_bytes: dict) -> dict:
    """The document of ``train.json``."""
    return {
        "trainer": TRAINER,
        "model": options["model"],
        "architecture": net.architecture,
        "padding": net.padding,
        "dataset": {"name": options["dataset"], "source": data.source, "sizes": data.sizes(),
                    "split_seed": options["split_seed"]},
        **{k: v for k, v in result.summary().items() if k not in ("seconds",)},
        "seconds": seconds,
        **_provenance(onnx_bytes),
    }


def _provenance(onnx_bytes: dict) -> dict:
    """The end of a ``train.json``: each model's SHA-256 and size, the opset, the versions."""
    import torch

    from netgraph import __version__
    from trainers.export import OPSET

    return {
        "files": {name: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for name, b in onnx_bytes.items()},
        "onnx_opset": OPSET,
        "torch_version": torch.__version__,
        "netgraph_version": __version__,
        "python_version": platform.python_version(),
    }


# ---------------------------------------------------------------------- pre-defined sparsity
def check_predefined_options(*, dataset: str, layers, fanouts, epochs, pattern="random", seed=0, split_seed=0,
                             threads=1, lr=None, batch_size=None, data_dir=None) -> dict:
    """Check the options of :func:`run_predefined` without importing torch or reading data.

    The messages name the options as ``netgraph train predefined`` spells them; layer sizes
    and fan-outs may be given as comma-separated text (``"64,128,10"``).

    Parameters
    ----------
    dataset, layers, fanouts, epochs, pattern, seed, split_seed
        As :func:`run_predefined`.
    threads, lr, batch_size, data_dir
        As :func:`run_predefined`.

    Returns
    -------
    dict
        The options by keyword; ``layers``, ``fanouts`` and the derived ``fanins`` as
        tuples of int, ``lr`` (default 1e-3) and ``batch_size`` (default 64) filled in.

    Raises
    ------
    InvalidParameterError
        Impossible fans (:func:`trainers.predefined.fan_ins`), ``--layers`` that do not
        start with the data set's input size, an unknown pattern, epochs < 1, ...
    DatasetError
        ``data_dir`` missing for MNIST or CIFAR-10.

    Examples
    --------
    >>> check_predefined_options(dataset="digits", layers="64,128,10", fanouts="8,10", epochs=1)["fanins"]
    (4, 128)
    >>> check_predefined_options(dataset="digits", layers="64,128,10", fanouts="8,11", epochs=1)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --fanout[1] must be an integer in [1, 10]; got 11
    """
    from trainers._registry import DATASET_SHAPES, PATTERNS
    from trainers.predefined import check_data_fits, check_layers, fan_ins

    _check_data_source(dataset, data_dir)
    check_choice(pattern, "--pattern", PATTERNS)
    layers = check_layers(_int_list(layers, "--layers"), "--layers")
    shape, n_classes = DATASET_SHAPES[dataset]
    check_data_fits(layers, shape, n_classes, name="--layers")
    fanouts = _int_list(fanouts, "--fanout")
    fanins = fan_ins(layers, fanouts, windowed=pattern == "windowed", name="--fanout")
    options = {"dataset": dataset, "data_dir": data_dir, "layers": layers, "pattern": pattern,
               "fanouts": tuple(int(fo) for fo in fanouts), "fanins": fanins,
               "lr": 1e-3 if lr is None else check_real(lr, "--lr", minimum=0, open_minimum=True)}
    for key, value, low in (("epochs", epochs, 1), ("seed", seed, 0), ("split_seed", split_seed, 0),
                            ("threads", threads, 1), ("batch_size", 64 if batch_size is None else batch_size, 1)):
        options[key] = check_int(value, _flag(key), minimum=low)
    return options


def _int_list(value, name: str):
    """``"64,128,10"`` -> ``[64, 128, 10]``; a sequence is returned as it is (its items are checked later)."""
    if not isinstance(value, str):
        return value
    try:
        return [int(part) for part in value.split(",")]
    except ValueError:
        raise InvalidParameterError(f"{name} must be comma-separated integers such as 64,128,10; got {value!r}") \
            from None


def run_predefined(*, dataset: str, layers, fanouts, output, epochs: int, pattern: str = "random", seed: int = 0,
                   split_seed: int = 0, threads: int = 1, data_dir=None, lr=None, batch_size=None,
                   progress=None) -> dict:
    """Train a pre-defined sparse MLP, export it, write ``predefined.onnx`` and ``train.json``.

    What ``netgraph train predefined`` runs: the options are checked
    (:func:`check_predefined_options`), then the output folder and its two files, then
    the data are loaded and :func:`trainers.predefined.train_predefined` trains the
    network; the model is exported (checked against onnxruntime, provenance in its
    metadata) and both files written by :func:`netgraph.utils.files.write_files`.

    Parameters
    ----------
    dataset : str
        A name of :data:`trainers.DATASETS`.
    layers, fanouts : str or sequence of int
        ``(N_1, ..., N_{J+1})`` and ``(fo_1, ..., fo_J)``, or their comma-separated text.
    output : str or os.PathLike
        The output folder (created if needed).
    epochs : int
        Epochs of training.
    pattern : {"random", "windowed"}, default "random"
        :func:`trainers.predefined.sparse_masks`.
    seed, split_seed, threads, data_dir
        As :func:`run_prune`.
    lr, batch_size : optional
        Adam's learning rate (default 1e-3) and the images per step (default 64).
    progress : bool, optional
        A progress bar on standard error (default: when it is a terminal).

    Returns
    -------
    dict
        The document written to ``train.json``.

    Raises
    ------
    InvalidParameterError, DatasetError
        From the checks, before any work.
    ExportCheckError
        If onnxruntime disagrees with torch on the exported model.
    OSError
        If the files cannot be written (none is left behind).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> doc = run_predefined(dataset="digits", layers="64,16,10", fanouts="2,5", output=folder, epochs=1,
    ...                      progress=False)
    >>> doc["densities"]["junction"], sorted(os.listdir(folder))
    ([0.125, 0.5], ['predefined.onnx', 'train.json'])
    """
    options = check_predefined_options(dataset=dataset, layers=layers, fanouts=fanouts, epochs=epochs,
                                       pattern=pattern, seed=seed, split_seed=split_seed, threads=threads, lr=lr,
                                       batch_size=batch_size, data_dir=data_dir)
    output = check_output_dir(output, files=PREDEFINED_FILES)
    start = time.perf_counter()

    from trainers.data import load_dataset
    from trainers.predefined import TRAINER as PREDEFINED, train_predefined

    data = load_dataset(dataset, data_dir=data_dir, seed=options["split_seed"])
    result = train_predefined(data, layers=options["layers"], fanouts=options["fanouts"], epochs=options["epochs"],
                              pattern=options["pattern"], seed=options["seed"], lr=options["lr"],
                              batch_size=options["batch_size"], num_threads=options["threads"],
                              progress=show_progress(progress))
    summary = result.summary()
    t_export = time.perf_counter()
    onnx_bytes = {"predefined.onnx": _export_predefined(result, data, options, summary)}
    summary["seconds"] = dict(summary["seconds"], export=time.perf_counter() - t_export,
                              total=time.perf_counter() - start)
    document = {"trainer": PREDEFINED, "model": "mlp", "architecture": result.network.architecture,
                "dataset": {"name": dataset, "source": data.source, "sizes": data.sizes(),
                            "split_seed": options["split_seed"]},
                **summary, **_provenance(onnx_bytes)}
    files = dict(onnx_bytes)
    files["train.json"] = (json_text(document) + "\n").encode("utf-8")
    write_files(output, files)
    logger.info("wrote %s", ", ".join(os.path.join(output, name) for name in files))
    return document


def _export_predefined(result, data, options: dict, summary: dict) -> bytes:
    """The trained network as ONNX bytes, with its provenance."""
    import torch

    from netgraph import __version__
    from trainers.export import OPSET, export_onnx
    from trainers.predefined import TRAINER as PREDEFINED
    from trainers.prune import layer_sparsity

    meta = {key: summary[key] for key in ("layers", "fanouts", "fanins", "pattern", "densities", "seed", "epochs",
                                          "config", "num_threads", "accuracy_percent")}
    meta.update(trainer=PREDEFINED, model="mlp", architecture=result.network.architecture, stage="predefined",
                dataset=options["dataset"], dataset_sizes=data.sizes(), split_seed=options["split_seed"],
                sparsity_per_layer=layer_sparsity(result.network), torch_version=torch.__version__,
                netgraph_version=__version__)
    return export_onnx(result.network, data.test.images[:CHECK_BATCH], metadata=meta, opset=OPSET)


# ---------------------------------------------------------------------- continual learning
def check_continual_options(*, dataset: str, p, s1=0.9, s2=0.8, s2_reading="remaining", hidden=None, epochs=20,
                            retrain_epochs=None, seed=0, perm_seed=None, split_seed=0, threads=1, lr=None,
                            retrain_lr=None, batch_size=None, data_dir=None) -> dict:
    """Check the options of :func:`trainers.continual.run_continual` (as the command spells them), torch-free.

    Returns
    -------
    dict
        The options by keyword; ``hidden`` as a tuple (default ``(1024, 1024)``).

    Raises
    ------
    InvalidParameterError, DatasetError
        A bad value; P larger than the images; ``total`` with s2 > s1; data_dir missing.

    Examples
    --------
    >>> check_continual_options(dataset="digits", p=3, hidden="20,20")["hidden"]
    (20, 20)
    >>> check_continual_options(dataset="digits", p=9)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --P must be an integer in [0, 8]; got 9
    >>> check_continual_options(dataset="digits", p=3, s2=0.95, s2_reading="total")
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: --s2 0.95 > --s1 0.9 with --s2-reading total: it would prune more weights than task A left free; use --s2 <= --s1 or --s2-reading remaining
    """
    from trainers._registry import DATASET_SHAPES

    _check_data_source(dataset, data_dir)
    shape = DATASET_SHAPES[dataset][0]
    options = {"dataset": dataset, "data_dir": data_dir, "p": check_int(p, "--P", minimum=0, maximum=min(shape[1:])),
               "s1": check_real(s1, "--s1", minimum=0, maximum=1, open_maximum=True),
               "s2": check_real(s2, "--s2", minimum=0, maximum=1, open_maximum=True),
               "s2_reading": s2_reading,
               "hidden": (1024, 1024) if hidden is None else tuple(_int_list(hidden, "--hidden"))}
    check_choice(s2_reading, "--s2-reading", ("remaining", "total"))  # trainers.continual.S2_READINGS
    if options["s2_reading"] == "total" and options["s2"] > options["s1"]:
        raise InvalidParameterError(f"--s2 {options['s2']} > --s1 {options['s1']} with --s2-reading total: it would "
                                    "prune more weights than task A left free; use --s2 <= --s1 or --s2-reading "
                                    "remaining")
    options["hidden"] = tuple(check_int(h, f"--hidden[{i}]", minimum=1) for i, h in enumerate(options["hidden"]))
    if not options["hidden"]:
        raise InvalidParameterError("--hidden must name at least one hidden layer size, such as 1024,1024")
    for key, value, low in (("epochs", epochs, 1), ("retrain_epochs", retrain_epochs, 1), ("seed", seed, 0),
                            ("perm_seed", perm_seed, 0), ("split_seed", split_seed, 0), ("threads", threads, 1),
                            ("batch_size", batch_size, 1)):
        optional = key in ("retrain_epochs", "perm_seed", "batch_size")
        options[key] = None if optional and value is None else check_int(value, _flag(key), minimum=low)
    for key, value in (("lr", lr), ("retrain_lr", retrain_lr)):
        options[key] = None if value is None else check_real(value, _flag(key), minimum=0, open_minimum=True)
    return options
