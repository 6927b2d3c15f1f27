"""Three-step magnitude pruning (Han et al. 2015), the way Hou & Kwok sparsify networks.

1. Train the dense network.
2. In every layer but the output one, set the fraction ``s`` of weights with the
   smallest magnitude to exact zeros: ``round(s * n)`` of the layer's ``n`` weights,
   ties broken by position, so the fraction pruned is ``s`` up to the rounding of one
   weight. Biases are not connections and are never pruned; neither are the weights
   into the output layer.
3. Retrain the remaining weights under the mask: before each optimiser step the
   gradients of pruned weights are zeroed, after it the pruned weights are set back to
   exact zeros and the optimiser's per-weight state (momentum buffers, running
   averages) is zeroed at their positions, so nothing can revive them.

The paper trains the MLP and the MNIST CNN with SGD with momentum and the CIFAR CNN with
RMSprop; :func:`default_config` gives those choices, with the learning rates used here.

Runs are deterministic: the weights are initialised by :func:`trainers.models.build_model`
with a seed, the batches are drawn by a seeded :class:`torch.Generator`, dropout draws
from a seeded global generator (restored afterwards), and training runs under
:func:`deterministic` (deterministic algorithms, a fixed number of threads). The same
seed, data and thread count give the same weights, bit for bit.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_choice, check_int, check_real
from netgraph.utils.progress import progress_bar
from trainers.models import MODELS, check_input_shape

__all__ = [
    "TrainingConfig",
    "PruneResult",
    "default_config",
    "deterministic",
    "magnitude_masks",
    "apply_masks",
    "layer_sparsity",
    "train",
    "evaluate",
    "prune_and_retrain",
]

logger = logging.getLogger(__name__)

_OPTIMIZERS = ("sgd", "rmsprop", "adam")


@dataclass(frozen=True)
class TrainingConfig:
    """How a network is trained and retrained.

    Attributes
    ----------
    optimizer : {"sgd", "rmsprop", "adam"}
        SGD with momentum, RMSprop, or Adam (the pre-defined sparse networks of Dey et al.).
    lr : float
        Learning rate of the dense training.
    retrain_lr : float
        Learning rate of the retraining under the mask (Han et al. retrain with a
        smaller one).
    batch_size : int
        Images per step.
    momentum : float
        SGD momentum (unused by RMSprop).
    weight_decay : float
        L2 penalty; it pushes unimportant weights towards zero before pruning.

    Every field is checked when the configuration is made (an out-of-range value raises
    :class:`~netgraph.InvalidParameterError`) and stored in its canonical type: the
    rates as floats, ``batch_size`` as an int.

    Examples
    --------
    >>> TrainingConfig(lr=1, batch_size=32.0).lr, TrainingConfig(batch_size=32.0).batch_size
    (1.0, 32)
    >>> TrainingConfig(momentum=1.0)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: momentum must be a number in [0, 1); got 1.0
    """

    optimizer: str = "sgd"
    lr: float = 0.1
    retrain_lr: float = 0.05
    batch_size: int = 64
    momentum: float = 0.9
    weight_decay: float = 5e-4

    def __post_init__(self):
        check_choice(self.optimizer, "optimizer", _OPTIMIZERS)
        checked = {
            "lr": check_real(self.lr, "lr", minimum=0, open_minimum=True),
            "retrain_lr": check_real(self.retrain_lr, "retrain_lr", minimum=0, open_minimum=True),
            "batch_size": check_int(self.batch_size, "batch_size", minimum=1),
            "momentum": check_real(self.momentum, "momentum", minimum=0, maximum=1, open_maximum=True),
            "weight_decay": check_real(self.weight_decay, "weight_decay", minimum=0),
        }
        for name, value in checked.items():  # the canonical types (a float lr, an int batch size)
            object.__setattr__(self, name, value)


def default_config(model: str) -> TrainingConfig:
    """The optimiser and learning rates used for one of :data:`trainers.models.MODELS`.

    Parameters
    ----------
    model : {"mlp", "cnn", "cifar-cnn"}
        The network's name.

    Returns
    -------
    TrainingConfig
        SGD with momentum 0.9 for the MLP and the MNIST CNN, RMSprop for the CIFAR CNN
        (as in the paper).

    Raises
    ------
    InvalidParameterError
        If ``model`` is not one of :data:`trainers.models.MODELS`.

    Examples
    --------
    >>> default_config("cifar-cnn").optimizer
    'rmsprop'
    """
    check_choice(model, "model", MODELS)
    if MODELS[model] == "rmsprop":
        return TrainingConfig(optimizer="rmsprop", lr=1e-3, retrain_lr=2e-4, batch_size=64, weight_decay=0.0)
    return TrainingConfig(optimizer="sgd", lr=0.1, retrain_lr=0.05, batch_size=64, momentum=0.9,
                          weight_decay=5e-4)


@contextlib.contextmanager
def deterministic(seed: int, *, num_threads: int = 1):
    """Run a block with seeded, deterministic torch settings, and restore them after.

    Inside the block, torch's global generator is seeded with ``seed``,
    ``torch.use_deterministic_algorithms(True)`` holds and torch uses ``num_threads``
    threads (float sums may round differently with another thread count). On exit the
    global generator's state, the deterministic flag and the thread count are restored.

    Parameters
    ----------
    seed : int
        Seed of torch's global generator inside the block.
    num_threads : int, default 1
        Intra-op threads inside the block.

    Raises
    ------
    InvalidParameterError
        If ``num_threads`` is not an integer >= 1.

    Examples
    --------
    >>> with deterministic(0):
    ...     a = torch.rand(2)
    >>> with deterministic(0):
    ...     b = torch.rand(2)
    >>> bool((a == b).all())
    True
    """
    num_threads = check_int(num_threads, "num_threads", minimum=1)
    threads = torch.get_num_threads()
    det = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        torch.set_num_threads(num_threads)
        torch.use_deterministic_algorithms(True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(det, warn_only=warn_only)
            torch.set_num_threads(threads)


# ---------------------------------------------------------------------- masks
def magnitude_masks(model, sparsity: float) -> dict[str, torch.Tensor]:
    """Masks that keep all but the ``round(sparsity * n)`` smallest-magnitude weights of each layer.

    Every learnable layer but the output one (``model.prunable_layers()``) gets a mask;
    ties in magnitude are broken by position (a stable sort), so exactly
    ``round(sparsity * n)`` weights of an ``n``-weight layer are dropped.

    Parameters
    ----------
    model : trainers.models.Network
        The trained dense network.
    sparsity : float
        The fraction ``s`` of each layer's weights to prune, in [0, 1).

    Returns
    -------
    dict of str to torch.Tensor of bool
        Layer name to a mask of the weight's shape: True where the weight is kept.

    Raises
    ------
    InvalidParameterError
        If ``sparsity`` is not a number in [0, 1).

    Examples
    --------
    >>> from trainers.models import build_model
    >>> net = build_model("mlp", (4,), 2, hidden=(5,), seed=0)
    >>> masks = magnitude_masks(net, 0.5)
    >>> list(masks), int((~masks["fc1"]).sum())    # round(0.5 * 20) of fc1's 20 weights
    (['fc1'], 10)
    """
    _check_sparsity(sparsity)
    masks = {}
    for name, module in model.prunable_layers():
        w = module.weight.detach().reshape(-1)
        k = int(round(sparsity * w.numel()))
        keep = torch.ones(w.numel(), dtype=torch.bool)
        if k:
            order = torch.argsort(w.abs(), stable=True)
            keep[order[:k]] = False
        masks[name] = keep.reshape(module.weight.shape)
    return masks


def apply_masks(model, masks, optimizer=None) -> None:
    """Set the masked weights to exact zeros, and zero the optimiser's state there.

    Parameters
    ----------
    model : trainers.models.Network
        The network.
    masks : dict of str to torch.Tensor of bool
        Layer name to mask (True: kept), as :func:`magnitude_masks` returns.
    optimizer : torch.optim.Optimizer, optional
        Its per-parameter state tensors of the weight's shape (momentum buffers, running
        averages of squared gradients, ...) are zeroed where the mask is False.

    Examples
    --------
    >>> from trainers.models import build_model
    >>> net = build_model("mlp", (4,), 2, hidden=(5,), seed=0)
    >>> apply_masks(net, magnitude_masks(net, 0.5))
    >>> layer_sparsity(net)
    {'fc1': 0.5, 'fc2': 0.0}
    """
    modules = dict(model.named_children())
    with torch.no_grad():
        for name, mask in masks.items():
            weight = modules[name].weight
            weight.masked_fill_(~mask, 0.0)
            if optimizer is not None:
                for value in optimizer.state.get(weight, {}).values():
                    if torch.is_tensor(value) and value.shape == weight.shape:
                        value.masked_fill_(~mask, 0.0)


def layer_sparsity(model) -> dict[str, float]:
    """The fraction of exactly-zero weights in each learnable layer (biases left out).

    Parameters
    ----------
    model : trainers.models.Network

    Returns
    -------
    dict of str to float
        Layer name to fraction, in order, the output layer included.

    Examples
    --------
    >>> from trainers.models import build_model
    >>> layer_sparsity(build_model("mlp", (4,), 2, hidden=(5,), seed=0))
    {'fc1': 0.0, 'fc2': 0.0}
    """
    return {name: float((m.weight == 0).sum().item() / m.weight.numel()) for name, m in model.learnable_layers()}


# ---------------------------------------------------------------------- training
def _make_optimizer(model, config: TrainingConfig, lr: float):
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=config.momentum, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=config.weight_decay)
    return torch.optim.RMSprop(model.parameters(), lr=lr, weight_decay=config.weight_decay)


def evaluate(model, split, *, batch_size: int = 1000) -> float:
    """Accuracy of ``model`` on a data split, in percent.

    Parameters
    ----------
    model : torch.nn.Module
        The network (evaluated in eval mode; its training flag is restored).
    split : trainers.data.Split
        Images and labels.
    batch_size : int, default 1000
        Images per forward pass.

    Returns
    -------
    float
        100 x the fraction of images whose largest logit is the label.

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> from trainers.models import build_model
    >>> data = load_dataset("digits")
    >>> accuracy = evaluate(build_model("mlp", data.image_shape, hidden=(16,), seed=0), data.test)
    >>> 0.0 <= accuracy <= 100.0
    True
    """
    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(split), batch_size):
            x = torch.from_numpy(split.images[start:start + batch_size])
            y = torch.from_numpy(split.labels[start:start + batch_size])
            correct += int((model(x).argmax(dim=1) == y).sum())
    model.train(was_training)
    return 100.0 * correct / max(len(split), 1)


def train(model, data, *, epochs: int, config: TrainingConfig, lr: float, generator, masks=None,
          progress=None, phase: str = "train") -> list[dict]:
    """Train ``model`` on ``data.train`` for some epochs, optionally under masks.

    Parameters
    ----------
    model : trainers.models.Network
        The network, trained in place.
    data : trainers.data.Dataset
        The data set; the validation accuracy is measured after every epoch.
    epochs : int
        Passes over the training images.
    config : TrainingConfig
        Optimiser, batch size, momentum, weight decay.
    lr : float
        Learning rate.
    generator : torch.Generator
        Draws the order of the training images in each epoch.
    masks : dict of str to torch.Tensor of bool, optional
        Pruned weights (False) stay exact zeros, with zero gradients and optimiser state.
    progress : bool, optional
        Show a progress bar on standard error; by default only where someone watches
        (:func:`netgraph.utils.progress.show_progress`: a terminal, messages not silenced).
    phase : str, default "train"
        Name of the phase, for the progress bar, the log and the history.

    Returns
    -------
    list of dict
        One record per epoch: phase, epoch, mean training loss, validation accuracy.

    Raises
    ------
    InvalidParameterError
        If ``data`` has no training or no validation image (the message gives the
        sizes), or the training loss diverges (not finite): the learning rate is too
        large.

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> from trainers.models import build_model
    >>> data = load_dataset("digits")
    >>> net = build_model("mlp", data.image_shape, hidden=(16,), seed=0)
    >>> history = train(net, data, epochs=2, config=default_config("mlp"), lr=0.1,
    ...                 generator=torch.Generator().manual_seed(0), progress=False)
    >>> [(record["phase"], record["epoch"]) for record in history]
    [('train', 1), ('train', 2)]
    """
    _check_not_empty(data, ("train", "validation"))
    optimizer = _make_optimizer(model, config, lr)
    modules = dict(model.named_children())
    if masks:
        apply_masks(model, masks, optimizer)
    x_all = torch.from_numpy(data.train.images)
    y_all = torch.from_numpy(data.train.labels)
    n = len(y_all)
    n_batches = -(-n // config.batch_size)
    history = []
    model.train()
    with progress_bar(epochs * n_batches, desc=phase, unit="batch", progress=progress, leave=True) as bar:
        for epoch in range(1, epochs + 1):
            bar.set_description(f"{phase} epoch {epoch}/{epochs}")
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for start in range(0, n, config.batch_size):
                idx = order[start:start + config.batch_size]
                optimizer.zero_grad(set_to_none=False)
                loss = F.cross_entropy(model(x_all[idx]), y_all[idx])
                loss.backward()
                if masks:
                    for name, mask in masks.items():
                        modules[name].weight.grad.masked_fill_(~mask, 0.0)
                optimizer.step()
                if masks:
                    apply_masks(model, masks, optimizer)
                total += loss.item() * len(idx)
                bar.update(1)
            if not np.isfinite(total):
                raise InvalidParameterError(f"{phase}: the training loss diverged (epoch {epoch}); lower the "
                                            f"learning rate (lr={lr})")
            record = {"phase": phase, "epoch": epoch, "loss": total / n,
                      "validation_accuracy": evaluate(model, data.validation)}
            bar.set_postfix(loss=f"{record['loss']:.3f}", val=f"{record['validation_accuracy']:.1f}%")
            logger.info("%s epoch %d/%d: loss %.4f, validation accuracy %.2f%%", phase, epoch, epochs,
                        record["loss"], record["validation_accuracy"])
            history.append(record)
    model.eval()
    return history


# ---------------------------------------------------------------------- the three steps
@dataclass
class PruneResult:
    """What :func:`prune_and_retrain` made.

    Attributes
    ----------
    dense : trainers.models.Network
        The trained dense network (step 1), in eval mode.
    sparse : trainers.models.Network
        The pruned and retrained network (step 3), in eval mode; its pruned weights are
        exact zeros.
    masks : dict of str to torch.Tensor of bool
        Layer name to mask (True: kept).
    sparsity : float
        The target fraction ``s``.
    sparsity_per_layer : dict of str to float
        The fraction of zero weights in each learnable layer of ``sparse`` (the output
        layer's is 0).
    accuracy : dict
        Percent accuracies: ``{"dense": {"validation", "test"}, "pruned": {...} (before
        retraining), "sparse": {...}}``.
    history : list of dict
        One record per epoch of both phases.
    seconds : dict of str to float
        Wall-clock time of the dense training, the retraining and both.
    config : TrainingConfig
    seed : int
    epochs, retrain_epochs : int
    num_threads : int
    """

    dense: object
    sparse: object
    masks: dict
    sparsity: float
    sparsity_per_layer: dict
    accuracy: dict
    history: list
    seconds: dict
    config: TrainingConfig
    seed: int
    epochs: int
    retrain_epochs: int
    num_threads: int

    def summary(self) -> dict:
        """A JSON-ready dictionary of everything but the networks and masks."""
        return {
            "sparsity": self.sparsity,
            "sparsity_per_layer": self.sparsity_per_layer,
            "accuracy_percent": self.accuracy,
            "epochs": self.epochs,
            "retrain_epochs": self.retrain_epochs,
            "seed": self.seed,
            "num_threads": self.num_threads,
            "config": asdict(self.config),
            "seconds": self.seconds,
            "history": self.history,
        }


def _check_not_empty(data, parts) -> None:
    """Raise InvalidParameterError, naming the sizes, if one of ``data``'s ``parts`` has no image."""
    sizes = data.sizes()
    empty = [part for part in parts if sizes[part] == 0]
    if empty:
        raise InvalidParameterError(
            f"data set {getattr(data, 'name', '?')!r} has no {' and no '.join(empty)} images "
            f"({', '.join(f'{part} {n}' for part, n in sizes.items())}): training needs at least one image in each "
            f"of {', '.join(parts)}")


def _check_sparsity(sparsity) -> float:
    return check_real(sparsity, "sparsity", minimum=0, maximum=1, open_maximum=True)


def prune_and_retrain(model, data, *, sparsity: float, epochs: int, retrain_epochs=None, seed: int = 0,
                      config: TrainingConfig | None = None, num_threads: int = 1, progress=None) -> PruneResult:
    """Train dense, prune a fraction of each layer's smallest weights, retrain under the mask.

    Parameters
    ----------
    model : trainers.models.Network
        A freshly initialised network (:func:`trainers.models.build_model` with a seed);
        it becomes the dense network of the result.
    data : trainers.data.Dataset
        The data set; images must have the model's input shape.
    sparsity : float
        Fraction ``s`` of each layer's weights to prune, in [0, 1); the output layer is
        never pruned.
    epochs : int
        Epochs of dense training (>= 1).
    retrain_epochs : int, optional
        Epochs of retraining under the mask; default ``epochs``.
    seed : int, default 0
        Seed of the batch order and of dropout.
    config : TrainingConfig, optional
        Default :func:`default_config` of the model's name.
    num_threads : int, default 1
        torch threads; part of what makes a run reproducible bit for bit.
    progress : bool, optional
        Progress bars on standard error (default: when it is a terminal).

    Returns
    -------
    PruneResult

    Raises
    ------
    InvalidParameterError
        A parameter out of range, data whose images do not fit the model's input, or
        data with an empty part (train, validation or test; the message gives the sizes).

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> from trainers.models import build_model
    >>> data = load_dataset("digits")
    >>> net = build_model("mlp", data.image_shape, hidden=(32,), seed=0)
    >>> result = prune_and_retrain(net, data, sparsity=0.5, epochs=1, progress=False)
    >>> result.sparsity_per_layer
    {'fc1': 0.5, 'fc2': 0.0}
    >>> sorted(result.accuracy)
    ['dense', 'pruned', 'sparse']
    """
    sparsity = _check_sparsity(sparsity)
    epochs = check_int(epochs, "epochs", minimum=1)
    retrain_epochs = epochs if retrain_epochs is None else check_int(retrain_epochs, "retrain_epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    _check_not_empty(data, ("train", "validation", "test"))
    check_input_shape(model, data.image_shape)
    if model.n_classes < data.n_classes:
        raise InvalidParameterError(f"model {model.name!r} has {model.n_classes} outputs, the data "
                                    f"{data.n_classes} classes")
    config = config or default_config(model.name)
    with deterministic(seed, num_threads=num_threads):
        generator = torch.Generator().manual_seed(seed)
        t0 = time.perf_counter()
        history = train(model, data, epochs=epochs, config=config, lr=config.lr, generator=generator,
                        progress=progress, phase="dense")
        t1 = time.perf_counter()
        dense = copy.deepcopy(model).eval()
        accuracy = {"dense": {"validation": evaluate(dense, data.validation), "test": evaluate(dense, data.test)}}
        masks = magnitude_masks(model, sparsity)
        apply_masks(model, masks)
        accuracy["pruned"] = {"validation": evaluate(model, data.validation), "test": evaluate(model, data.test)}
        logger.info("pruned %.0f%% of %s: test accuracy %.2f%% -> %.2f%% before retraining", 100 * sparsity,
                    ", ".join(masks), accuracy["dense"]["test"], accuracy["pruned"]["test"])
        t2 = time.perf_counter()
        history += train(model, data, epochs=retrain_epochs, config=config, lr=config.retrain_lr,
                         generator=generator, masks=masks, progress=progress, phase="retrain")
        t3 = time.perf_counter()
        accuracy["sparse"] = {"validation": evaluate(model, data.validation), "test": evaluate(model, data.test)}
    logger.info("test accuracy: dense %.2f%%, sparse %.2f%%", accuracy["dense"]["test"], accuracy["sparse"]["test"])
    return PruneResult(
        dense=dense,
        sparse=model.eval(),
        masks=masks,
        sparsity=sparsity,
        sparsity_per_layer=layer_sparsity(model),
        accuracy=accuracy,
        history=history,
        seconds={"dense": t1 - t0, "retrain": t3 - t2, "total": t3 - t0},
        config=config,
        seed=seed,
        epochs=epochs,
        retrain_epochs=retrain_epochs,
        num_threads=num_threads,
    )
