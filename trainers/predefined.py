"""Pre-defined sparse junctions (Dey et al. 2019) and the trainer of networks built on them.

A network of layers ``(N_1, ..., N_{J+1})`` has ``J`` junctions. Junction ``i`` joins
``N_i`` left neurons to ``N_{i+1}`` right neurons with a fixed fan-out ``fo_i`` (edges
leaving each left neuron) and fan-in ``fi_i`` (edges reaching each right neuron), so that
``N_i * fo_i = N_{i+1} * fi_i = W_i``, its number of weights. Its connection density is
``W_i / (N_i N_{i+1})`` and the network's overall density ``sum W_i / sum N_i N_{i+1}``
(:func:`connection_densities`). Junctions are numbered from 1, as in the paper.

Two patterns of a junction, both exact and deterministic for a seed
(:func:`sparse_masks`):

* ``"random"`` (Dey's default, "structured sparsity: fixed fi, fo" in their code): a
  uniformly random pairing of fan-out stubs with fan-in stubs, then repaired so that no
  pair of neurons is joined twice (:func:`random_pattern` says how);
* ``"windowed"`` (ours, not the paper's): the left layer is cut into ``fi_i`` windows of
  ``m = N_i / fi_i`` consecutive neurons and the right layer into ``fo_i`` windows of
  ``N_{i+1} / fo_i = m`` neurons; every (left window, right window) block is a random
  ``m x m`` permutation matrix, so every right neuron has one edge from each left window
  and every left neuron one edge into each right window: each single-junction scatter
  is 1 (:func:`windowed_pattern`).

:func:`train_predefined` trains an MLP whose absent weights never exist: the masks are
applied before the first step, their gradients and Adam's moments are zeroed at every
step and the weights reset to exact zeros after it, so the exported ONNX holds exact
zeros there (:mod:`trainers.export`).

The functions on patterns and densities use numpy only; torch is imported by the training
functions alone.

References
----------
S. Dey, K.-W. Huang, P. A. Beerel, K. M. Chugg, "Characterizing sparse connectivity
patterns in neural networks", Information Theory and Applications Workshop (ITA), 2018:
section 2 (fans, densities) and Table 1; the journal version is [Dey2019] of
docs/references.rst ("Pre-Defined Sparse Neural Networks with Hardware Acceleration").

Examples
--------
>>> fan_ins((64, 128, 10), (8, 10))
(4, 128)
>>> round(100 * connection_densities((4096, 512, 16), (1, 1))["overall"], 2)  # Dey's Table 1: 0.22%
0.22
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import numpy as np

from netgraph.exceptions import InvalidParameterError
from netgraph.utils.check import check_choice, check_int, check_real
from netgraph.utils.seeds import seed_sequence
from trainers._registry import PATTERNS

__all__ = [
    "PATTERNS",
    "TRAINER",
    "check_layers",
    "fan_ins",
    "connection_densities",
    "random_pattern",
    "windowed_pattern",
    "sparse_masks",
    "PredefinedResult",
    "train_predefined",
    "check_data_fits",
]

logger = logging.getLogger(__name__)

#: The trainer recorded in the provenance of the models.
TRAINER = "pre-defined sparsity with fixed fan-in and fan-out (Dey et al. 2019)"


# ---------------------------------------------------------------------- fans and densities
def check_layers(layers, name: str = "layers") -> tuple[int, ...]:
    """Check layer sizes: at least two positive integers; return them as a tuple of int.

    Parameters
    ----------
    layers : sequence of int
        ``(N_1, ..., N_{J+1})``.
    name : str, default "layers"
        The name used in the messages (``"--layers"`` on the command line).

    Returns
    -------
    tuple of int

    Raises
    ------
    InvalidParameterError
        Fewer than two sizes, or a size that is not an integer >= 1.

    Examples
    --------
    >>> check_layers([64, 128.0, 10])
    (64, 128, 10)
    >>> check_layers([64])
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: layers must be at least two layer sizes; got [64]
    """
    try:
        sizes = list(layers)
    except TypeError:
        sizes = None
    if sizes is None or len(sizes) < 2:
        raise InvalidParameterError(f"{name} must be at least two layer sizes; got {layers!r}")
    return tuple(check_int(n, f"{name}[{i}]", minimum=1) for i, n in enumerate(sizes))


def fan_ins(layers, fanouts, *, windowed: bool = False, name: str = "fanouts") -> tuple[int, ...]:
    """The fan-in ``fi_i = N_i fo_i / N_{i+1}`` of every junction, after checking the fans.

    Parameters
    ----------
    layers : sequence of int
        ``(N_1, ..., N_{J+1})``.
    fanouts : sequence of int
        ``(fo_1, ..., fo_J)``, one per junction, ``1 <= fo_i <= N_{i+1}``.
    windowed : bool, default False
        Also check that the windows of :func:`windowed_pattern` divide the layers:
        ``N_i / fi_i`` (= ``N_{i+1} / fo_i``) must be an integer.
    name : str, default "fanouts"
        The name used in the messages (``"--fanout"`` on the command line).

    Returns
    -------
    tuple of int
        ``(fi_1, ..., fi_J)``.

    Raises
    ------
    InvalidParameterError
        Not one fan-out per junction, a fan-out below 1 or above the right layer, a fan-in
        that is not an integer, or (``windowed``) windows that do not divide the layer;
        the message names the junction and its numbers.

    Examples
    --------
    >>> fan_ins((8, 4, 4), (1, 2))
    (2, 2)
    >>> fan_ins((64, 128, 10), (8, 3))
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: fanouts[1] must make the fan-in of junction 2, N_2 * fo_2 / N_3 = 128 * 3 / 10, an integer; got 3 (fan-in 38.4)
    >>> fan_ins((12, 8), (6,), windowed=True)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: fanouts[0] must give windows that divide the layers of junction 1, N_1 / fi_1 = 12 / 9 = N_2 / fo_1 = 8 / 6 an integer; got 6 (windows of 1.33 neurons)
    """
    layers = check_layers(layers)
    try:
        fans = list(fanouts)
    except TypeError:
        fans = None
    if fans is None or len(fans) != len(layers) - 1:
        raise InvalidParameterError(f"{name} must be {len(layers) - 1} fan-outs, one per junction of layers "
                                    f"{','.join(map(str, layers))}; got {fanouts!r}")
    fis = []
    for i, (left, right, fo) in enumerate(zip(layers, layers[1:], fans)):
        j = i + 1
        fo = check_int(fo, f"{name}[{i}]", minimum=1, maximum=right)
        if (left * fo) % right:
            raise InvalidParameterError(
                f"{name}[{i}] must make the fan-in of junction {j}, N_{j} * fo_{j} / N_{j + 1} = {left} * {fo} / "
                f"{right}, an integer; got {fo} (fan-in {left * fo / right:g})")
        fi = left * fo // right
        if windowed and left % fi:
            raise InvalidParameterError(
                f"{name}[{i}] must give windows that divide the layers of junction {j}, N_{j} / fi_{j} = {left} / "
                f"{fi} = N_{j + 1} / fo_{j} = {right} / {fo} an integer; got {fo} (windows of {left / fi:.3g} "
                "neurons)")
        fis.append(fi)
    return tuple(fis)


def connection_densities(layers, fanouts) -> dict:
    """The connection density of every junction and of the network (Dey et al., section 2).

    Parameters
    ----------
    layers : sequence of int
        ``(N_1, ..., N_{J+1})``.
    fanouts : sequence of int
        ``(fo_1, ..., fo_J)``.

    Returns
    -------
    dict
        ``weights`` (``W_i = N_i fo_i``), ``possible`` (``N_i N_{i+1}``), ``junction``
        (``W_i / (N_i N_{i+1})``), ``total_weights``, ``total_possible`` and
        ``overall`` (``sum W_i / sum N_i N_{i+1}``).

    Raises
    ------
    InvalidParameterError
        As :func:`fan_ins`.

    Examples
    --------
    >>> d = connection_densities((4096, 512, 16), (1, 1))
    >>> d["weights"], d["total_weights"], d["total_possible"]
    ([4096, 512], 4608, 2105344)
    >>> [round(100 * x, 1) for x in d["junction"]]
    [0.2, 6.2]
    """
    layers = check_layers(layers)
    fan_ins(layers, fanouts)
    weights = [left * int(fo) for left, fo in zip(layers, fanouts)]
    possible = [left * right for left, right in zip(layers, layers[1:])]
    return {"weights": weights, "possible": possible, "junction": [w / p for w, p in zip(weights, possible)],
            "total_weights": sum(weights), "total_possible": sum(possible), "overall": sum(weights) / sum(possible)}


# ---------------------------------------------------------------------- patterns
def random_pattern(n_left: int, n_right: int, fanout: int, *, seed=None) -> np.ndarray:
    """A random junction with exactly ``fanout`` edges per left and ``fi`` per right neuron.

    The method, exact and deterministic for a seed (numpy's ``default_rng``):

    1. If the density ``fo / N_right`` is above 1/2, draw the complement (fan-out
       ``N_right - fo``) and return its negation; so below, the density is at most 1/2.
    2. Pair the ``W`` fan-out stubs (left neuron ``k`` repeated ``fo`` times, in a
       random permutation) with the ``W`` fan-in stubs (right neuron ``j`` repeated
       ``fi`` times, in order): a uniformly random pairing, a bipartite multigraph with
       exactly these degrees.
    3. Repair each repeated pair ``(j, k)``: pick, uniformly among the edges ``(j', k')``
       such that neither ``(j, k')`` nor ``(j', k)`` is an edge, one, and swap to
       ``(j, k')`` and ``(j', k)`` (by rejection sampling, then a scan of all edges if
       64 draws failed). Degrees are kept, no new repeat is made and the
       number of repeats drops by one at least; such an edge always exists when the
       density is at most 1/2 (at most ``(fi - 1) fo + (fo - 1) fi < W`` edges are
       excluded), so the repair ends after at most as many swaps as there were repeats.

    Parameters
    ----------
    n_left, n_right : int
        ``N_i`` and ``N_{i+1}``.
    fanout : int
        ``fo_i``; the fan-in ``n_left * fanout / n_right`` must be an integer.
    seed : int, SeedSequence, Generator or None
        The random source.

    Returns
    -------
    ndarray of bool, shape (n_right, n_left)
        The adjacency matrix (target, source), as a junction's ``count`` and a torch
        ``Linear`` weight are laid out.

    Raises
    ------
    InvalidParameterError
        Impossible fans (:func:`fan_ins`) or a bad seed.

    Examples
    --------
    >>> a = random_pattern(8, 4, 2, seed=0)
    >>> a.sum(axis=0).tolist(), a.sum(axis=1).tolist()
    ([2, 2, 2, 2, 2, 2, 2, 2], [4, 4, 4, 4])
    >>> bool((a == random_pattern(8, 4, 2, seed=0)).all())
    True
    """
    (fi,) = fan_ins((n_left, n_right), (fanout,), name="fanout")
    n_left, n_right, fo = int(n_left), int(n_right), int(fanout)
    rng = np.random.default_rng(seed_sequence(seed))
    if 2 * fo > n_right:
        if fo == n_right:
            return np.ones((n_right, n_left), dtype=bool)
        return ~random_pattern(n_left, n_right, n_right - fo, seed=rng)
    left = rng.permutation(np.repeat(np.arange(n_left), fo))
    right = np.repeat(np.arange(n_right), fi)
    count = np.zeros((n_right, n_left), dtype=np.int64)
    np.add.at(count, (right, left), 1)
    # one edge index per extra copy of a repeated pair, in edge order
    flat = right * n_left + left
    order = np.argsort(flat, kind="stable")
    repeated = order[1:][flat[order[1:]] == flat[order[:-1]]]
    for e in np.sort(repeated):
        j, k = right[e], left[e]
        if count[j, k] < 2:  # an earlier swap already removed this copy's twin
            continue
        p = _swap_partner(count, left, right, j, k, rng)
        jp, kp = right[p], left[p]
        count[j, k] -= 1
        count[jp, kp] -= 1
        count[j, kp] += 1
        count[jp, k] += 1
        left[e], left[p] = kp, k
    assert count.max() <= 1 and (count.sum(axis=0) == fo).all() and (count.sum(axis=1) == fi).all()
    return count.astype(bool)


def _swap_partner(count, left, right, j, k, rng, tries: int = 64) -> int:
    """An edge index drawn uniformly among the edges ``(j', k')`` with ``(j, k')`` and ``(j', k)`` absent.

    Rejection sampling (``tries`` draws, each uniform over all edges), then a scan of every
    edge if none was accepted: both give each candidate the same probability.
    """
    for p in rng.integers(len(left), size=tries):
        if count[j, left[p]] == 0 and count[right[p], k] == 0:
            return int(p)
    ok = np.flatnonzero((count[j, left] == 0) & (count[right, k] == 0))
    return int(ok[rng.integers(len(ok))])


def windowed_pattern(n_left: int, n_right: int, fanout: int, *, seed=None) -> np.ndarray:
    """Our windowed junction: every (left window, right window) block is a random permutation.

    The left neurons are cut into ``fi`` windows of ``m = n_left / fi`` consecutive
    neurons, the right ones into ``fo`` windows of ``n_right / fo = m``; block ``(b, a)``
    (right window ``b``, left window ``a``) is an ``m x m`` permutation matrix drawn from
    the seed (one ``Generator.permuted`` call for all blocks). Each right neuron thus has
    one edge from every left window (fan-in ``fi``) and each left neuron one edge into
    every right window (fan-out ``fo``): both single-junction scatters of Dey et al. are 1.
    This pattern is ours, not the paper's.

    Parameters
    ----------
    n_left, n_right : int
        ``N_i`` and ``N_{i+1}``.
    fanout : int
        ``fo_i``; the fan-in must be an integer and divide ``n_left``.
    seed : int, SeedSequence, Generator or None
        The random source.

    Returns
    -------
    ndarray of bool, shape (n_right, n_left)

    Raises
    ------
    InvalidParameterError
        Impossible fans or windows that do not divide the layers (:func:`fan_ins`).

    Examples
    --------
    >>> a = windowed_pattern(8, 4, 2, seed=0)    # fi = 4 windows of 2 left neurons, fo = 2 of 2 right
    >>> a[:, 0:2].sum(axis=1).tolist(), a[0:2, :].sum(axis=0).tolist()
    ([1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1])
    """
    (fi,) = fan_ins((n_left, n_right), (fanout,), windowed=True, name="fanout")
    n_left, n_right, fo = int(n_left), int(n_right), int(fanout)
    m = n_left // fi
    rng = np.random.default_rng(seed_sequence(seed))
    perms = rng.permuted(np.tile(np.arange(m), (fo * fi, 1)), axis=1).reshape(fo, fi, m)
    b, a, t = np.meshgrid(np.arange(fo), np.arange(fi), np.arange(m), indexing="ij")
    pattern = np.zeros((n_right, n_left), dtype=bool)
    pattern[(b * m + perms).ravel(), (a * m + t).ravel()] = True
    return pattern


def sparse_masks(layers, fanouts, *, pattern: str = "random", seed=0) -> list[np.ndarray]:
    """The adjacency matrix of every junction of a network, junction ``i`` from the ``i``-th child seed.

    Parameters
    ----------
    layers : sequence of int
        ``(N_1, ..., N_{J+1})``.
    fanouts : sequence of int
        ``(fo_1, ..., fo_J)``.
    pattern : {"random", "windowed"}, default "random"
        :func:`random_pattern` or :func:`windowed_pattern`.
    seed : int or SeedSequence, default 0
        Junction ``i`` draws from ``SeedSequence(seed).spawn(J)[i]``.

    Returns
    -------
    list of ndarray of bool
        Junction ``i``'s matrix has shape ``(N_{i+1}, N_i)``.

    Raises
    ------
    InvalidParameterError
        Bad sizes, fans, pattern or seed.

    Examples
    --------
    >>> masks = sparse_masks((8, 4, 4), (1, 2), seed=3)
    >>> [m.shape for m in masks], [int(m.sum()) for m in masks]
    ([(4, 8), (4, 4)], [8, 8])
    """
    layers = check_layers(layers)
    check_choice(pattern, "pattern", PATTERNS)
    fan_ins(layers, fanouts, windowed=pattern == "windowed")
    children = seed_sequence(seed).spawn(len(layers) - 1)
    make = random_pattern if pattern == "random" else windowed_pattern
    return [make(left, right, fo, seed=ss) for left, right, fo, ss in zip(layers, layers[1:], fanouts, children)]


# ---------------------------------------------------------------------- training
@dataclass
class PredefinedResult:
    """What :func:`train_predefined` made.

    Attributes
    ----------
    network : trainers.models.Network
        The trained MLP, in eval mode; its absent weights are exact zeros.
    masks : dict of str to ndarray of bool
        Layer name (``fc1``, ...) to the junction's adjacency matrix (True: the weight exists).
    layers, fanouts, fanins : tuple of int
    pattern : str
    densities : dict
        :func:`connection_densities`.
    accuracy : dict
        Percent accuracies ``{"validation": ..., "test": ...}``.
    history, seconds, config : list of dict, dict, dict
        One record per epoch; seconds of the training; optimiser, learning rate, batch size.
    seed, epochs, num_threads : int
    """

    network: object
    masks: dict
    layers: tuple
    fanouts: tuple
    fanins: tuple
    pattern: str
    densities: dict
    accuracy: dict
    history: list
    seconds: dict
    config: dict
    seed: int
    epochs: int
    num_threads: int

    def summary(self) -> dict:
        """A JSON-ready dictionary of everything but the network and the masks."""
        out = {k: v for k, v in asdict(self).items() if k not in ("network", "masks")}
        out["accuracy_percent"] = out.pop("accuracy")
        return dict(out, **{key: list(out[key]) for key in ("layers", "fanouts", "fanins")})


def train_predefined(data, *, layers, fanouts, epochs: int, pattern: str = "random", seed: int = 0,
                     lr: float = 1e-3, batch_size: int = 64, num_threads: int = 1, progress=None) -> PredefinedResult:
    """Train an MLP whose junctions have fixed fans, its absent weights never existing.

    The network is :func:`trainers.models.mlp` with hidden layers ``layers[1:-1]`` and
    ``layers[-1]`` outputs, initialised from ``seed``; every junction, the output one
    included, gets a mask from :func:`sparse_masks` (``seed``). The masked weights are set
    to exact zeros before the first step and stay so: their gradients and Adam's moments
    are zeroed at every step and the weights reset after it. Trained with Adam
    (as Dey et al.; no weight decay) under :func:`trainers.prune.deterministic`.

    Parameters
    ----------
    data : trainers.data.Dataset
        The data; ``layers[0]`` must be its number of input features.
    layers : sequence of int
        ``(N_1, ..., N_{J+1})``; ``N_{J+1}`` at least the data's classes (Dey pads 10 to 16).
    fanouts : sequence of int
        ``(fo_1, ..., fo_J)``.
    epochs : int
        Passes over the training images (>= 1).
    pattern : {"random", "windowed"}, default "random"
    seed : int, default 0
        Seed of the masks, the initialisation and the batch order.
    lr : float, default 1e-3
        Adam's learning rate.
    batch_size : int, default 64
    num_threads : int, default 1
        torch threads; the same seed and thread count give the same weights.
    progress : bool, optional
        A progress bar on standard error (default: when it is a terminal).

    Returns
    -------
    PredefinedResult

    Raises
    ------
    InvalidParameterError
        Bad sizes, fans or settings; ``layers[0]`` that is not the data's input size, or
        fewer outputs than classes; a part of the data set without images; a diverging loss.

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> result = train_predefined(load_dataset("digits"), layers=(64, 32, 10), fanouts=(4, 5), epochs=1,
    ...                           progress=False)
    >>> result.fanins, [int(m.sum()) for m in result.masks.values()], result.densities["junction"]
    ((8, 16), [256, 160], [0.125, 0.5])
    """
    import torch

    from trainers.models import build_model
    from trainers.prune import TrainingConfig, _check_not_empty, deterministic, evaluate, train

    layers = check_layers(layers)
    check_choice(pattern, "pattern", PATTERNS)
    fanins = fan_ins(layers, fanouts, windowed=pattern == "windowed")
    fanouts = tuple(int(fo) for fo in fanouts)
    epochs = check_int(epochs, "epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    config = {"optimizer": "adam", "lr": check_real(lr, "lr", minimum=0, open_minimum=True),
              "batch_size": check_int(batch_size, "batch_size", minimum=1), "weight_decay": 0.0}
    check_data_fits(layers, data.image_shape, data.n_classes)
    _check_not_empty(data, ("train", "validation", "test"))
    net = build_model("mlp", data.image_shape, layers[-1], hidden=layers[1:-1], seed=seed)
    masks = dict(zip((name for name, _ in net.learnable_layers()), sparse_masks(layers, fanouts, pattern=pattern,
                                                                                   seed=seed)))
    start = time.perf_counter()
    with deterministic(seed, num_threads=num_threads):
        adam = TrainingConfig(optimizer="adam", lr=config["lr"], batch_size=config["batch_size"], weight_decay=0.0)
        history = train(net, data, epochs=epochs, config=adam, lr=adam.lr, generator=torch.Generator().manual_seed(seed),
                        masks={k: torch.from_numpy(m) for k, m in masks.items()}, progress=progress)
        accuracy = {"validation": evaluate(net, data.validation), "test": evaluate(net, data.test)}
    seconds = {"train": time.perf_counter() - start}
    logger.info("pre-defined sparse %s (densities %s): test accuracy %.2f%%", "-".join(map(str, layers)),
                ", ".join(f"{d:.3g}" for d in connection_densities(layers, fanouts)["junction"]), accuracy["test"])
    return PredefinedResult(network=net.eval(), masks=masks, layers=layers, fanouts=fanouts, fanins=fanins,
                            pattern=pattern, densities=connection_densities(layers, fanouts), accuracy=accuracy,
                            history=history, seconds=seconds, config=config, seed=seed, epochs=epochs,
                            num_threads=num_threads)


def check_data_fits(layers, image_shape, n_classes: int, *, name: str = "layers") -> None:
    """Check that ``layers`` starts with the data's input size and ends with room for its classes.

    Parameters
    ----------
    layers : tuple of int
        Checked layer sizes.
    image_shape : tuple of int
        One sample's shape (flattened by the MLP).
    n_classes : int
    name : str, default "layers"

    Raises
    ------
    InvalidParameterError

    Examples
    --------
    >>> check_data_fits((784, 10), (1, 8, 8), 10)
    Traceback (most recent call last):
    ...
    netgraph.exceptions.InvalidParameterError: layers[0] must be the data's 64 input features (1x8x8); got 784
    """
    features = int(np.prod(image_shape))
    if layers[0] != features:
        raise InvalidParameterError(f"{name}[0] must be the data's {features} input features "
                                    f"({'x'.join(map(str, image_shape))}); got {layers[0]}")
    if layers[-1] < n_classes:
        raise InvalidParameterError(f"{name}[-1] must be at least the data's {n_classes} classes; got {layers[-1]}")
