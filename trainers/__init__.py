"""Trainers that make the sparse networks of the literature and emit them as ONNX.

* :mod:`trainers.data`: the data sets (scikit-learn's bundled digits, MNIST and
  CIFAR-10 from a local folder; never downloaded), seeded splits, the permuted task;
* :mod:`trainers.models`: the MLP and the two CNNs of Hou & Kwok, for any input shape;
* :mod:`trainers.prune`: three-step magnitude pruning (train, prune, retrain under the
  mask), deterministic for a given seed;
* :mod:`trainers.continual`: the two-task continual-learning trainer of Hou & Kwok
  (task-A connections frozen, the rest retrained on a permuted task B), writing t0 and t1;
* :mod:`trainers.progressive`: the progressive network of their appendix D (a second
  column with lateral junctions);
* :mod:`trainers.export`: ONNX export checked against onnxruntime, with provenance;
* :mod:`trainers.pipeline`: the runs behind ``netgraph train`` (check the options, train,
  export, write the files; the command itself is :mod:`netgraph.cli.train`).

The package depends on torch, but ``import trainers`` does not import it: the names
below load their module on first use, so the command line can list its subcommands
without paying for torch.

Examples
--------
>>> import trainers
>>> trainers.load_dataset("digits").sizes()
{'train': 1258, 'validation': 180, 'test': 359}
"""

import importlib

__all__ = [
    "MODELS",
    "DATASETS",
    "Dataset",
    "Split",
    "load_dataset",
    "permute_pixels",
    "central_permutation",
    "Network",
    "build_model",
    "TrainingConfig",
    "PruneResult",
    "default_config",
    "prune_and_retrain",
    "magnitude_masks",
    "export_onnx",
    "ExportCheckError",
    "ContinualResult",
    "train_continual",
    "ProgressiveMLP",
    "ProgressiveResult",
    "train_progressive",
]

_WHERE = {
    "MODELS": "trainers._registry",
    "DATASETS": "trainers._registry",
    "Dataset": "trainers.data",
    "Split": "trainers.data",
    "load_dataset": "trainers.data",
    "permute_pixels": "trainers.data",
    "central_permutation": "trainers.data",
    "Network": "trainers.models",
    "build_model": "trainers.models",
    "TrainingConfig": "trainers.prune",
    "PruneResult": "trainers.prune",
    "default_config": "trainers.prune",
    "prune_and_retrain": "trainers.prune",
    "magnitude_masks": "trainers.prune",
    "export_onnx": "trainers.export",
    "ExportCheckError": "trainers.export",
    "ContinualResult": "trainers.continual",
    "train_continual": "trainers.continual",
    "ProgressiveMLP": "trainers.progressive",
    "ProgressiveResult": "trainers.progressive",
    "train_progressive": "trainers.progressive",
}


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'trainers' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
