"""The progressive network of Hou & Kwok's appendix D (Rusu et al. 2016) for the two tasks.

Column 1 is the MLP of :mod:`trainers.continual`, trained on task A, pruned (``s1`` of each
hidden junction) and retrained by :func:`trainers.prune.prune_and_retrain`, then fixed:
its weights never change again. Column 2 is a new MLP of the same sizes for task B: its
layer ``l`` is fed by column 2's layer ``l - 1`` and, through a *lateral* junction, by
column 1's layer ``l - 1``; the first hidden layer of both columns reads the input. Column
2 is trained on B, each of its junctions into a hidden layer (in-column and lateral)
pruned by magnitude (fraction ``s2``), and retrained. The junctions into column 2's
output are never pruned. Column 1's output layer (task A's head) is not part of the
progressive network: its forward pass gives task B's logits only.

In the ONNX export a column-2 pre-activation is ``Add(Gemm(h2), Gemm(h1))``. netgraph's
exporter reads it as the paper draws it: *one* layer with two incoming junctions
(:mod:`exporters.ops.add`), so a column-2 node's degree counts its in-column and lateral
connections. The layer is named after the in-column Gemm.

The layers of :class:`ProgressiveMLP`: column 1 ``a1 .. aL`` (hidden only), column 2
``b1 .. b(L+1)`` (``b(L+1)`` its output), lateral ``l2 .. l(L+1)`` (``lk`` from ``a(k-1)``
into column 2's layer k).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import time

import torch
from torch import nn

from netgraph.utils.check import check_int, check_real
from trainers.prune import _check_not_empty, default_config, deterministic, evaluate

__all__ = ["TRAINER", "ProgressiveMLP", "ProgressiveResult", "train_progressive"]

logger = logging.getLogger(__name__)

#: The trainer recorded in the provenance.
TRAINER = "progressive network, two tasks (Hou & Kwok 2018, appendix D)"


class ProgressiveMLP(nn.Module):
    """Two MLP columns, the first fixed, the second fed by both through lateral junctions.

    Parameters
    ----------
    column1 : trainers.models.Network
        The task-A MLP; its hidden layers are copied (frozen, ``requires_grad=False``),
        its output layer is left out.
    n_classes : int
        Outputs of column 2.
    seed : int
        Seed of column 2's initialisation (torch's default for ``nn.Linear``).

    Examples
    --------
    >>> from trainers.models import build_model
    >>> net = ProgressiveMLP(build_model("mlp", (1, 8, 8), 10, hidden=(6, 5), seed=0), 10, seed=1)
    >>> [name for name, _ in net.named_children()]
    ['flatten', 'a1', 'a2', 'b1', 'b2', 'l2', 'b3', 'l3']
    >>> tuple(net(torch.zeros(2, 1, 8, 8)).shape)
    (2, 10)
    """

    def __init__(self, column1, n_classes: int, *, seed: int):
        super().__init__()
        hidden = [m for name, m in column1.learnable_layers()][:-1]
        self.depth = len(hidden)
        self.flatten = nn.Flatten()
        for k, layer in enumerate(hidden, 1):
            setattr(self, f"a{k}", copy.deepcopy(layer).requires_grad_(False))
        sizes = [hidden[0].in_features] + [m.out_features for m in hidden] + [int(n_classes)]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            for k in range(1, self.depth + 2):
                setattr(self, f"b{k}", nn.Linear(sizes[k - 1], sizes[k]))
                if k > 1:
                    setattr(self, f"l{k}", nn.Linear(sizes[k - 1], sizes[k]))

    def forward(self, x):
        """Column 1 first (hidden layers), then column 2, layer by layer."""
        x = self.flatten(x)
        h1 = [x]
        for k in range(1, self.depth + 1):
            h1.append(torch.relu(getattr(self, f"a{k}")(h1[-1])))
        h = x
        for k in range(1, self.depth + 2):
            z = getattr(self, f"b{k}")(h)
            if k > 1:
                z = z + getattr(self, f"l{k}")(h1[k - 1])
            h = torch.relu(z) if k <= self.depth else z
        return h

    def column2_hidden(self) -> list[str]:
        """The junctions of column 2 into a hidden layer (the pruned ones): ``b1, b2, l2, ...``."""
        names = []
        for k in range(1, self.depth + 1):
            names += [f"b{k}"] + ([f"l{k}"] if k > 1 else [])
        return names


@dataclasses.dataclass
class ProgressiveResult:
    """What :func:`train_progressive` made.

    Attributes
    ----------
    column1 : trainers.models.Network
        The sparse task-A MLP (its head included).
    network : ProgressiveMLP
        The sparse progressive network for task B.
    masks : dict of str to torch.Tensor of bool
        Column 2's pruned junctions (True: kept).
    densities : dict of str to float
        Nonzero fraction of every junction of ``network`` (column 1's, column 2's, lateral).
    accuracy : dict
        Percent accuracies: ``A_dense``, ``A_sparse`` (column 1), ``B_dense``, ``B_sparse``.
    settings, history, seconds : dict, list, dict
    """

    column1: object
    network: object
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


def train_progressive(data, *, p: int, s1: float = 0.9, s2: float = 0.8, hidden=(1024, 1024), epochs: int = 20,
                      retrain_epochs=None, seed: int = 0, perm_seed=None, config=None, num_threads: int = 1,
                      progress=None) -> ProgressiveResult:
    """Train column 1 on task A (three-step pruning), fix it, train and prune column 2 on task B.

    Parameters
    ----------
    data : trainers.data.Dataset
        Task A; task B is :func:`trainers.continual.task_b` of it.
    p, s1, s2, hidden, epochs, retrain_epochs, seed, perm_seed, config, num_threads, progress
        As :func:`trainers.continual.train_continual`; ``s2`` is the fraction of each of
        column 2's junctions into a hidden layer that is pruned.

    Returns
    -------
    ProgressiveResult

    Raises
    ------
    InvalidParameterError
        A bad setting.

    Examples
    --------
    >>> from trainers.data import load_dataset
    >>> r = train_progressive(load_dataset("digits"), p=3, hidden=(10, 10), epochs=1, progress=False)
    >>> {k: round(v, 2) for k, v in r.densities.items()}
    {'a1': 0.1, 'a2': 0.1, 'b1': 0.2, 'b2': 0.2, 'l2': 0.2, 'b3': 1.0, 'l3': 1.0}
    """
    from trainers.continual import _accuracy, junction_densities, task_b, train_constrained
    from trainers.models import build_model
    from trainers.prune import prune_and_retrain

    p = check_int(p, "p", minimum=0)
    s1 = check_real(s1, "s1", minimum=0, maximum=1, open_maximum=True)
    s2 = check_real(s2, "s2", minimum=0, maximum=1, open_maximum=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    retrain_epochs = epochs if retrain_epochs is None else check_int(retrain_epochs, "retrain_epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    perm_seed = seed if perm_seed is None else check_int(perm_seed, "perm_seed", minimum=0)
    _check_not_empty(data, ("train", "validation", "test"))
    data_b = task_b(data, p=p, seed=perm_seed)
    config = config or default_config("mlp")
    start = time.perf_counter()
    col1 = prune_and_retrain(build_model("mlp", data.image_shape, data.n_classes, hidden=tuple(hidden), seed=seed),
                             data, sparsity=s1, epochs=epochs, retrain_epochs=retrain_epochs, seed=seed,
                             config=config, num_threads=num_threads, progress=progress)
    accuracy = {"A_dense": col1.accuracy["dense"], "A_sparse": col1.accuracy["sparse"]}
    seconds = {"column1": time.perf_counter() - start}
    start = time.perf_counter()
    net = ProgressiveMLP(col1.sparse, data.n_classes, seed=seed + 2)
    with deterministic(seed, num_threads=num_threads):
        gen = torch.Generator().manual_seed(seed + 2)
        history = train_constrained(net, data_b, epochs=epochs, config=config, lr=config.lr, generator=gen,
                                    progress=progress, phase="column 2 dense")
        accuracy["B_dense"] = _accuracy(net, data_b)
        modules = dict(net.named_children())
        masks = {}
        for name in net.column2_hidden():
            w = modules[name].weight.detach()
            k = int(round(s2 * w.numel()))
            keep = torch.ones(w.numel(), dtype=torch.bool)
            keep[torch.argsort(w.reshape(-1).abs(), stable=True)[:k]] = False
            masks[name] = keep.reshape(w.shape)
        fixed = {n: (m, torch.zeros_like(m, dtype=modules[n].weight.dtype)) for n, m in masks.items()}
        history += train_constrained(net, data_b, epochs=retrain_epochs, config=config, lr=config.retrain_lr,
                                     generator=gen, fixed=fixed, progress=progress, phase="column 2 retrain")
        accuracy["B_sparse"] = _accuracy(net, data_b)
    seconds["column2"] = time.perf_counter() - start
    densities = {name: float((m.weight != 0).sum().item() / m.weight.numel())
                 for name, m in net.named_children() if isinstance(m, nn.Linear)}
    settings = {"p": p, "perm_seed": perm_seed, "s1": s1, "s2": s2, "epochs": epochs,
                "retrain_epochs": retrain_epochs, "seed": seed, "num_threads": num_threads,
                "hidden": [int(h) for h in hidden], "config": dataclasses.asdict(config),
                "column1_densities": junction_densities(col1.sparse)}
    logger.info("progressive P=%d: test accuracy B %.2f%% -> %.2f%%", p, accuracy["B_dense"]["test"],
                accuracy["B_sparse"]["test"])
    return ProgressiveResult(column1=col1.sparse, network=net.eval(), masks=masks, densities=densities,
                             accuracy=accuracy, settings=settings, history=history, seconds=seconds)
