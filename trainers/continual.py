"""The two-task continual-learning trainer of Hou & Kwok (section 4.2).

Task A is the original images; task B the same images with the pixels of a central
``P x P`` square shuffled by one seeded permutation (:func:`trainers.data.permute_pixels`).
The paper uses P = 8 and P = 26 on 28x28 MNIST; on the 8x8 digits the analogues are
P = 3 (9 of 64 pixels, 14%, close to MNIST's 64 of 784 = 8%) and P = 6 (36 of 64,
56%: most of the image, as P = 26 is 86% of MNIST). P = 8 would permute all of a digit.

The network is the MLP input-1024FC-1024FC-10 (:func:`trainers.models.mlp`), trained
with SGD with momentum (:func:`trainers.prune.default_config`, as section 3.1). The steps:

1. train dense on A;
2. prune the fraction ``s1`` of each hidden junction's weights (smallest magnitude);
3. retrain on A under the mask: this is the network at t = 0 (``t0.onnx``);
4. freeze the task-A connections (the weights kept in step 2: never pruned, never changed
   again), reinitialise the pruned ones and train on B;
5. prune ``s2`` of the non-frozen weights (see below), the frozen ones untouched;
6. retrain on B under the mask: the network at t = 1 (``t1.onnx``).

The junction into the output layer is never pruned (the paper's footnote 11), and it is
*not* frozen: it is the one head shared by both tasks, trained on A in steps 1-3 and on B
in steps 4-6 with all its weights (and its bias). So task A is read after task B through
a head that was retrained for B; the task-A accuracy after task B (``accuracy["A_after_B"]``,
which the paper does not report) measures what that costs. The biases of the hidden
layers are not connections: they are trained in every step too.

The two readings of "another fraction of s2 = 0.8 connections from each layer":

* ``"remaining"`` (default): ``round(s2 * n_free)`` of the junction's ``n_free``
  non-frozen weights are pruned; with s1 = 0.9 and s2 = 0.8 the density at t = 1 is
  10% + 0.2 x 90% = 28%. It is the default because it is step 2's operation applied to
  the connections that can be pruned ("connections learned on task A are frozen, and so
  they will not be pruned"), and it is defined for every s1 and s2 in [0, 1);
* ``"total"``: ``round(s2 * n)`` of the junction's ``n`` weights are pruned, all taken
  from the non-frozen ones: 10% + 10% = 20%. It needs ``s2 <= s1``.

Runs are deterministic: the same seed, data and thread count give the same networks, bit
for bit (:func:`trainers.prune.deterministic`).
"""

from __future__ import annotations

import copy
import os
import dataclasses
import logging
import time

import numpy as np
import torch
import torch.nn.functional as F

from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_choice, check_int, check_real
from netgraph.utils.progress import progress_bar
from trainers.prune import TrainingConfig, _check_not_empty, default_config, deterministic, evaluate

__all__ = ["S2_READINGS", "TRAINER", "ContinualResult", "task_b", "prune_free", "train_constrained",
           "train_continual", "junction_densities", "export_stage", "run_continual"]

logger = logging.getLogger(__name__)

#: The readings of the second pruning fraction (see the module docstring).
S2_READINGS = ("remaining", "total")

#: The trainer recorded in the provenance.
TRAINER = "continual learning, two tasks (Hou & Kwok 2018, section 4.2)"


def task_b(data, *, p: int, seed: int):
    """The data set of task B: every image with its central ``p x p`` square permuted.

    Parameters
    ----------
    data : trainers.data.Dataset
        Task A.
    p : int
        Side of the square (:func:`trainers.data.central_permutation`).
    seed : int
        Seed of the permutation (one permutation for every image of every split).

    Returns
    -------
    trainers.data.Dataset
        Same labels and split, permuted images.

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> a = load_dataset("digits")
    >>> b = task_b(a, p=3, seed=0)
    >>> int((a.train.images != b.train.images).reshape(len(a.train), -1).any(axis=0).sum()) <= 9
    True
    """
    from trainers.data import Split, permute_pixels

    parts = {name: Split(np.ascontiguousarray(permute_pixels(getattr(data, name).images, p=p, seed=seed)),
                         getattr(data, name).labels) for name in ("train", "validation", "test")}
    return dataclasses.replace(data, **parts)


def prune_free(weight, frozen, fraction: float, *, reading: str = "remaining"):
    """Mask that prunes a fraction of the non-frozen weights by magnitude, the frozen ones kept.

    Parameters
    ----------
    weight : torch.Tensor
        The junction's weight.
    frozen : torch.Tensor of bool
        True for the frozen (task-A) connections.
    fraction : float
        ``s2`` in [0, 1).
    reading : {"remaining", "total"}
        ``round(s2 * n_free)`` or ``round(s2 * n)`` pruned (see the module docstring).

    Returns
    -------
    torch.Tensor of bool
        True where the weight is kept.

    Raises
    ------
    InvalidParameterError
        ``"total"`` asks for more weights than there are free ones (``s2 > s1``).

    Examples
    --------
    >>> w = torch.tensor([[0.1, -0.5, 0.2, 0.9]])
    >>> frozen = torch.tensor([[False, False, False, True]])
    >>> prune_free(w, frozen, 0.4).tolist()    # round(0.4 x 3 free) = 1 pruned
    [[False, True, True, True]]
    >>> prune_free(w, frozen, 0.4, reading="total").tolist()    # round(0.4 x 4) = 2, both free ones
    [[False, True, False, True]]
    """
    check_choice(reading, "s2_reading", S2_READINGS)
    fraction = check_real(fraction, "s2", minimum=0, maximum=1, open_maximum=True)
    flat, fz = weight.detach().reshape(-1), frozen.reshape(-1)
    free = torch.nonzero(~fz).reshape(-1)
    k = int(round(fraction * (free.numel() if reading == "remaining" else flat.numel())))
    if k > free.numel():
        raise InvalidParameterError(f"s2={fraction} with s2_reading='total' prunes {k} weights of a junction with "
                                    f"only {free.numel()} non-frozen ones; use s2 <= s1 or s2_reading='remaining'")
    keep = torch.ones(flat.numel(), dtype=torch.bool)
    order = torch.argsort(flat[free].abs(), stable=True)
    keep[free[order[:k]]] = False
    return keep.reshape(weight.shape)


def train_constrained(model, data, *, epochs: int, config: TrainingConfig, lr: float, generator, fixed=None,
                      progress=None, phase: str = "train") -> list[dict]:
    """Train ``model`` with some weights held at fixed values (zeros when pruned, task-A values when frozen).

    ``fixed`` maps a layer name to ``(free, values)``: where ``free`` is False the weight is
    ``values`` before the first step and after every step, its gradient is zeroed and so is
    the optimiser's state there (momentum buffers), so weight decay cannot move it either.

    Parameters
    ----------
    model : trainers.models.Network
        Trained in place.
    data : trainers.data.Dataset
    epochs : int
    config : TrainingConfig
    lr : float
    generator : torch.Generator
        Order of the images in each epoch.
    fixed : dict of str to (torch.Tensor of bool, torch.Tensor), optional
    progress : bool, optional
    phase : str, default "train"

    Returns
    -------
    list of dict
        One record per epoch: phase, epoch, mean training loss, validation accuracy.

    Raises
    ------
    InvalidParameterError
        A diverging loss.

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> from trainers.models import build_model
    >>> data = load_dataset("digits")
    >>> net = build_model("mlp", data.image_shape, hidden=(8,), seed=0)
    >>> free = torch.zeros(8, 64, dtype=torch.bool)
    >>> w = net.fc1.weight.detach().clone()
    >>> _ = train_constrained(net, data, epochs=1, config=default_config("mlp"), lr=0.1,
    ...                       generator=torch.Generator().manual_seed(0), fixed={"fc1": (free, w)}, progress=False)
    >>> bool(torch.equal(net.fc1.weight, w))
    True
    """
    from trainers.prune import _make_optimizer

    _check_not_empty(data, ("train", "validation"))
    fixed = fixed or {}
    optimizer = _make_optimizer(model, config, lr)
    modules = dict(model.named_children())

    def hold():
        with torch.no_grad():
            for name, (free, values) in fixed.items():
                weight = modules[name].weight
                weight.copy_(torch.where(free, weight, values))
                for state in optimizer.state.get(weight, {}).values():
                    if torch.is_tensor(state) and state.shape == weight.shape:
                        state.masked_fill_(~free, 0.0)

    hold()
    x_all, y_all = torch.from_numpy(data.train.images), torch.from_numpy(data.train.labels)
    n = len(y_all)
    history = []
    model.train()
    with progress_bar(epochs * -(-n // config.batch_size), desc=phase, unit="batch", progress=progress) as bar:
        for epoch in range(1, epochs + 1):
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for start in range(0, n, config.batch_size):
                idx = order[start:start + config.batch_size]
                optimizer.zero_grad(set_to_none=False)
                loss = F.cross_entropy(model(x_all[idx]), y_all[idx])
                loss.backward()
                for name, (free, _) in fixed.items():
                    modules[name].weight.grad.masked_fill_(~free, 0.0)
                optimizer.step()
                hold()
                total += loss.item() * len(idx)
                bar.update(1)
            if not np.isfinite(total):
                raise InvalidParameterError(f"{phase}: the training loss diverged (epoch {epoch}); lower the "
                                            f"learning rate (lr={lr})")
            history.append({"phase": phase, "epoch": epoch, "loss": total / n,
                            "validation_accuracy": evaluate(model, data.validation)})
            logger.info("%s epoch %d/%d: loss %.4f", phase, epoch, epochs, total / n)
    model.eval()
    return history


def junction_densities(model) -> dict[str, float]:
    """The fraction of nonzero weights of every learnable layer (the output one included).

    Examples
    --------
    >>> from trainers.models import build_model
    >>> junction_densities(build_model("mlp", (4,), 2, hidden=(5,), seed=0))
    {'fc1': 1.0, 'fc2': 1.0}
    """
    return {name: float((m.weight != 0).sum().item() / m.weight.numel()) for name, m in model.learnable_layers()}


@dataclasses.dataclass
class ContinualResult:
    """What :func:`train_continual` made.

    Attributes
    ----------
    t0, t1 : trainers.models.Network
        The sparse task-A network (t = 0) and the network after task B (t = 1), eval mode.
    dense_a, dense_b : trainers.models.Network
        The dense networks trained on A (step 1) and on B (step 4).
    frozen : dict of str to torch.Tensor of bool
        The task-A connections of each hidden junction (True: frozen).
    masks : dict of str to torch.Tensor of bool
        The connections of each hidden junction at t = 1 (frozen or kept in step 5).
    densities : dict
        ``{"t0": {layer: density}, "t1": {...}, "frozen": {...}, "new": {...}}``, the output layer included.
    accuracy : dict
        Percent test (and validation) accuracies: ``A_dense``, ``A_sparse``, ``B_dense``,
        ``B_sparse``, ``A_after_B``.
    settings : dict
        p, permutation seed, s1, s2, s2_reading, epochs, seed, threads, hidden, config.
    history : list of dict
    seconds : dict
    """

    t0: object
    t1: object
    dense_a: object
    dense_b: object
    frozen: dict
    masks: dict
    densities: dict
    accuracy: dict
    settings: dict
    history: list
    seconds: dict

    def summary(self) -> dict:
        """A JSON-ready dictionary of everything but the networks and masks."""
        return {"densities": self.densities, "accuracy_percent": self.accuracy, "settings": self.settings,
                "history": self.history, "seconds": self.seconds}


def _fraction(mask) -> float:
    return int(mask.sum().item()) / mask.numel()


def _accuracy(net, data) -> dict:
    return {"validation": evaluate(net, data.validation), "test": evaluate(net, data.test)}


def _check_continual(p, s1, s2, s2_reading, epochs, retrain_epochs, seed, perm_seed):
    check_choice(s2_reading, "s2_reading", S2_READINGS)
    s1 = check_real(s1, "s1", minimum=0, maximum=1, open_maximum=True)
    s2 = check_real(s2, "s2", minimum=0, maximum=1, open_maximum=True)
    if s2_reading == "total" and s2 > s1:
        raise InvalidParameterError(f"s2={s2} with s2_reading='total' would prune more than the {s1} of each "
                                    "junction left free after task A; use s2 <= s1 or s2_reading='remaining'")
    epochs = check_int(epochs, "epochs", minimum=1)
    retrain_epochs = epochs if retrain_epochs is None else check_int(retrain_epochs, "retrain_epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    perm_seed = seed if perm_seed is None else check_int(perm_seed, "perm_seed", minimum=0)
    return check_int(p, "p", minimum=0), s1, s2, epochs, retrain_epochs, seed, perm_seed


def train_continual(data, *, p: int, s1: float = 0.9, s2: float = 0.8, s2_reading: str = "remaining",
                    hidden=(1024, 1024), epochs: int = 20, retrain_epochs=None, seed: int = 0, perm_seed=None,
                    config=None, num_threads: int = 1, progress=None) -> ContinualResult:
    """Train task A, prune, retrain, freeze; train task B on the rest, prune, retrain.

    Long because it is the six steps of the module docstring in order, each a few lines.

    Parameters
    ----------
    data : trainers.data.Dataset
        Task A (task B is :func:`task_b` of it).
    p : int
        Side of task B's permuted central square.
    s1, s2 : float, default 0.9 and 0.8
        Pruning fractions of steps 2 and 5.
    s2_reading : {"remaining", "total"}, default "remaining"
        See the module docstring.
    hidden : sequence of int, default (1024, 1024)
        Hidden layer sizes of the MLP.
    epochs : int, default 20
        Epochs of each dense training (steps 1 and 4).
    retrain_epochs : int, optional
        Epochs of each retraining (steps 3 and 6); default ``epochs``.
    seed : int, default 0
        Seed of the initialisation, the reinitialisation and the batch order.
    perm_seed : int, optional
        Seed of task B's permutation; default ``seed``.
    config : TrainingConfig, optional
        Default :func:`trainers.prune.default_config` ("mlp": SGD, momentum 0.9).
    num_threads : int, default 1
    progress : bool, optional

    Returns
    -------
    ContinualResult

    Raises
    ------
    InvalidParameterError
        A bad setting (before any training).

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> r = train_continual(load_dataset("digits"), p=3, hidden=(20, 20), epochs=1, progress=False)
    >>> r.densities["t0"], {k: round(v, 3) for k, v in r.densities["t1"].items()}    # 10% + 0.2 x 90%
    ({'fc1': 0.1, 'fc2': 0.1, 'fc3': 1.0}, {'fc1': 0.28, 'fc2': 0.28, 'fc3': 1.0})
    """
    from trainers.models import build_model

    p, s1, s2, epochs, retrain_epochs, seed, perm_seed = _check_continual(p, s1, s2, s2_reading, epochs,
                                                                          retrain_epochs, seed, perm_seed)
    _check_not_empty(data, ("train", "validation", "test"))
    data_b = task_b(data, p=p, seed=perm_seed)
    config = config or default_config("mlp")
    net = build_model("mlp", data.image_shape, data.n_classes, hidden=tuple(hidden), seed=seed)
    fresh = build_model("mlp", data.image_shape, data.n_classes, hidden=tuple(hidden), seed=seed + 1)
    hidden_layers = [name for name, _ in net.prunable_layers()]
    modules, fresh_modules = dict(net.named_children()), dict(fresh.named_children())
    seconds, accuracy = {}, {}
    train_args = dict(config=config, progress=progress)
    with deterministic(seed, num_threads=num_threads):
        gen = torch.Generator().manual_seed(seed)
        start = time.perf_counter()
        history = train_constrained(net, data, epochs=epochs, lr=config.lr, generator=gen, phase="A dense",
                                    **train_args)
        dense_a = copy.deepcopy(net)
        accuracy["A_dense"] = _accuracy(net, data)
        from trainers.prune import magnitude_masks

        frozen = magnitude_masks(net, s1)
        fixed = {n: (frozen[n], torch.zeros_like(modules[n].weight)) for n in hidden_layers}
        history += train_constrained(net, data, epochs=retrain_epochs, lr=config.retrain_lr, generator=gen,
                                     fixed=fixed, phase="A retrain", **train_args)
        t0 = copy.deepcopy(net)
        accuracy["A_sparse"] = _accuracy(net, data)
        seconds["task_A"] = time.perf_counter() - start
        start = time.perf_counter()
        values = {n: modules[n].weight.detach().clone() for n in hidden_layers}
        with torch.no_grad():  # reinitialise the pruned connections (from the seed + 1 network)
            for n in hidden_layers:
                modules[n].weight.copy_(torch.where(frozen[n], values[n], fresh_modules[n].weight))
        fixed = {n: (~frozen[n], values[n]) for n in hidden_layers}
        history += train_constrained(net, data_b, epochs=epochs, lr=config.lr, generator=gen, fixed=fixed,
                                     phase="B dense", **train_args)
        dense_b = copy.deepcopy(net)
        accuracy["B_dense"] = _accuracy(net, data_b)
        masks = {n: prune_free(modules[n].weight, frozen[n], s2, reading=s2_reading) for n in hidden_layers}
        fixed = {n: (masks[n] & ~frozen[n], torch.where(frozen[n], values[n], 0.0)) for n in hidden_layers}
        history += train_constrained(net, data_b, epochs=retrain_epochs, lr=config.retrain_lr, generator=gen,
                                     fixed=fixed, phase="B retrain", **train_args)
        accuracy["B_sparse"] = _accuracy(net, data_b)
        accuracy["A_after_B"] = _accuracy(net, data)
        seconds["task_B"] = time.perf_counter() - start
    densities = {"t0": junction_densities(t0), "t1": junction_densities(net),
                 "frozen": {n: _fraction(frozen[n]) for n in hidden_layers},
                 "new": {n: _fraction(masks[n] & ~frozen[n]) for n in hidden_layers}}
    settings = {"p": p, "perm_seed": perm_seed, "s1": s1, "s2": s2, "s2_reading": s2_reading, "epochs": epochs,
                "retrain_epochs": retrain_epochs, "seed": seed, "num_threads": num_threads,
                "hidden": [int(h) for h in hidden], "config": dataclasses.asdict(config),
                "output_layer": "never pruned, never frozen: trained on A, then on B (a head shared by both tasks)"}
    logger.info("continual P=%d: test accuracy A %.2f%% -> %.2f%%, B %.2f%% -> %.2f%%, A after B %.2f%%", p,
                accuracy["A_dense"]["test"], accuracy["A_sparse"]["test"], accuracy["B_dense"]["test"],
                accuracy["B_sparse"]["test"], accuracy["A_after_B"]["test"])
    return ContinualResult(t0=t0.eval(), t1=net.eval(), dense_a=dense_a.eval(), dense_b=dense_b.eval(),
                           frozen=frozen, masks=masks, densities=densities, accuracy=accuracy, settings=settings,
                           history=history, seconds=seconds)


def export_stage(net, data, *, stage: str, task: str, dataset: str, trainer: str, split_seed: int,
                 summary: dict) -> bytes:
    """One network of a continual run as checked ONNX bytes, with its provenance in ``metadata_props``.

    Parameters
    ----------
    net : torch.nn.Module
        ``t0``, ``t1`` (or a progressive network).
    data : trainers.data.Dataset
        Task A; the onnxruntime check runs on the test images of the network's task.
    stage : str
        ``"t0"``, ``"t1"`` or ``"progressive"``.
    task : {"A", "B"}
    dataset, trainer : str
    split_seed : int
    summary : dict
        :meth:`ContinualResult.summary` (or the progressive one): its ``settings``,
        ``accuracy_percent`` and ``densities`` go into the metadata, with this network's
        own ``densities_per_junction``.

    Returns
    -------
    bytes
    """
    from netgraph import __version__
    from trainers.export import OPSET, export_onnx

    dens = summary["densities"]
    meta = {"trainer": trainer, "model": "mlp", "stage": stage, "task": task, "dataset": dataset,
            "split_seed": split_seed, "dataset_sizes": data.sizes(), "settings": summary["settings"],
            "accuracy_percent": summary["accuracy_percent"],
            "densities_per_junction": dens if stage == "progressive" else junction_densities(net),
            "torch_version": torch.__version__, "netgraph_version": __version__}
    for key in ("frozen", "new"):
        if key in dens:
            meta[f"{key}_density_per_junction"] = dens[key]
    settings = summary["settings"]
    sample = data.test if task == "A" else task_b(data, p=settings["p"], seed=settings["perm_seed"]).test
    return export_onnx(net, sample.images[:64], metadata=meta, opset=OPSET)


def run_continual(*, dataset: str, output, p, progressive: bool = False, progress=None, **settings) -> dict:
    """Run the two-task trainer (or the progressive network) and write its ONNX files and ``train.json``.

    What ``netgraph train continual`` runs: the options are checked
    (:func:`trainers.pipeline.check_continual_options`), then the output folder, then the data are read and
    :func:`trainers.continual.train_continual` (or, with ``progressive``,
    :func:`trainers.progressive.train_progressive`) trains; :data:`~trainers.pipeline.CONTINUAL_FILES` (or
    :data:`~trainers.pipeline.PROGRESSIVE_FILES`) are written, the models with their provenance (stage,
    task, P, s1, s2, the s2 reading, the density of every junction, the accuracies).

    Parameters
    ----------
    dataset : str
        A name of :data:`trainers.DATASETS`.
    output : str or os.PathLike
        The output folder.
    p : int
        Side of task B's permuted central square.
    progressive : bool, default False
        Train the progressive network of appendix D instead.
    progress : bool, optional
        Progress bars on standard error.
    **settings
        ``s1``, ``s2``, ``s2_reading``, ``hidden``, ``epochs``, ``retrain_epochs``, ``seed``,
        ``perm_seed``, ``split_seed``, ``threads``, ``lr``, ``retrain_lr``, ``batch_size``,
        ``data_dir`` (:func:`trainers.pipeline.check_continual_options`).

    Returns
    -------
    dict
        The document written to ``train.json``.

    Raises
    ------
    InvalidParameterError, DatasetError, ExportCheckError, OSError
        As :func:`trainers.pipeline.run_prune`.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> doc = run_continual(dataset="digits", output=folder, p=3, hidden="16,16", epochs=1, progress=False)
    >>> {k: round(v, 2) for k, v in doc["densities"]["t1"].items()}, sorted(os.listdir(folder))
    ({'fc1': 0.28, 'fc2': 0.28, 'fc3': 1.0}, ['t0.onnx', 't1.onnx', 'train.json'])
    """
    from netgraph.utils.files import check_output_dir, write_files
    from netgraph.utils.progress import show_progress
    from netgraph.utils.tables import json_text
    from trainers.data import load_dataset
    from trainers.pipeline import CONTINUAL_FILES, PROGRESSIVE_FILES, _provenance, check_continual_options

    options = check_continual_options(dataset=dataset, p=p, **settings)
    output = check_output_dir(output, files=PROGRESSIVE_FILES if progressive else CONTINUAL_FILES)
    start = time.perf_counter()

    data = load_dataset(dataset, data_dir=options["data_dir"], seed=options["split_seed"])
    overrides = {k: options[k] for k in ("lr", "retrain_lr", "batch_size") if options[k] is not None}
    kwargs = {k: options[k] for k in ("p", "s1", "s2", "hidden", "epochs", "retrain_epochs", "seed", "perm_seed")}
    kwargs.update(config=dataclasses.replace(default_config("mlp"), **overrides), num_threads=options["threads"],
                  progress=show_progress(progress))
    if progressive:
        from trainers.progressive import TRAINER as trainer, train_progressive

        result = train_progressive(data, **kwargs)
        nets = {"t0.onnx": (result.column1, "t0", "A"), "progressive.onnx": (result.network, "progressive", "B")}
    else:
        trainer = TRAINER
        result = train_continual(data, s2_reading=options["s2_reading"], **kwargs)
        nets = {"t0.onnx": (result.t0, "t0", "A"), "t1.onnx": (result.t1, "t1", "B")}
    summary = result.summary()
    onnx_bytes = {name: export_stage(net, data, stage=stage, task=task, dataset=dataset, trainer=trainer,
                                     split_seed=options["split_seed"], summary=summary)
                  for name, (net, stage, task) in nets.items()}
    summary["seconds"] = dict(summary["seconds"], total=time.perf_counter() - start)
    document = {"trainer": trainer, "model": "mlp", "progressive": bool(progressive),
                "dataset": {"name": dataset, "source": data.source, "sizes": data.sizes(),
                            "split_seed": options["split_seed"]}, **summary, **_provenance(onnx_bytes)}
    files = dict(onnx_bytes)
    files["train.json"] = (json_text(document) + "\n").encode("utf-8")
    write_files(output, files)
    logger.info("wrote %s", ", ".join(os.path.join(output, name) for name in files))
    return document
