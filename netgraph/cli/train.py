"""``netgraph train TRAINER``: train the sparse networks of the papers and write them as ONNX.

::

    netgraph train prune [--model mlp|cnn|cifar-cnn] [--dataset digits|mnist|cifar10] [--data-dir D]
                         [--sparsity S] [--epochs N] [--retrain-epochs M] [--seed K] [--split-seed J]
                         [--threads T] [--lr LR] [--retrain-lr LR] [--batch-size B] [--padding P] -o DIR

Each trainer is a sub-subcommand: a class of this module with ``NAME``, ``HELP``,
``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args)`` (the protocol of
:mod:`netgraph.cli._registry`), listed in :data:`TRAINERS`. The options and the printed
summary live here; the run itself (checks, training, export, the files written) lives in
:mod:`trainers.pipeline`, imported only when a trainer runs. ``prune`` writes
``DIR/dense.onnx``, ``DIR/sparse.onnx`` and ``DIR/train.json``; a bad argument is a
one-line error (exit status 2) before the data are read and before torch is imported.
"""

from __future__ import annotations

import os

from netgraph.cli._registry import add_commands
from netgraph.utils.progress import show_progress

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "TRAINERS", "Prune", "add_arguments", "run", "prune_summary"]

NAME = "train"
HELP = "train sparse networks and write them as ONNX (needs torch)"
DESCRIPTION = "Train the networks of the papers, sparsify them, and write them as ONNX checked against onnxruntime."
ORDER = 80


class Prune:
    """``netgraph train prune``: three-step magnitude pruning (:func:`trainers.pipeline.run_prune`)."""

    NAME = "prune"
    HELP = "three-step magnitude pruning (Han et al. 2015)"
    DESCRIPTION = ("Train a dense network, prune the fraction S of each layer's smallest-magnitude weights (never "
                   "the output layer's), retrain under the mask; write DIR/dense.onnx, DIR/sparse.onnx and "
                   "DIR/train.json.")

    @staticmethod
    def add_arguments(parser) -> None:
        """The options of ``netgraph train prune``."""
        from trainers._registry import DATASETS, MODELS, PADDINGS

        parser.add_argument("--model", default="mlp", metavar="{" + ",".join(MODELS) + "}",
                            help="network (default: %(default)s)")
        parser.add_argument("--dataset", default="digits", metavar="{" + ",".join(DATASETS) + "}",
                            help="data set; mnist and cifar10 are read from --data-dir (default: %(default)s)")
        parser.add_argument("--data-dir", metavar="D",
                            help="folder of the MNIST IDX files or the CIFAR-10 python batches")
        parser.add_argument("--sparsity", type=float, default=0.9, metavar="S",
                            help="fraction of each layer's weights pruned, in [0, 1) (default: %(default)s)")
        parser.add_argument("--epochs", type=int, default=20, metavar="N",
                            help="epochs of dense training (default: %(default)s)")
        parser.add_argument("--retrain-epochs", type=int, metavar="M", help="epochs of retraining (default: --epochs)")
        parser.add_argument("--seed", type=int, default=0, metavar="K",
                            help="seed of the initialisation, batch order and dropout (default: %(default)s)")
        parser.add_argument("--split-seed", type=int, default=0, metavar="J",
                            help="seed of the train/validation/test split (default: %(default)s)")
        parser.add_argument("--threads", type=int, default=1, metavar="T",
                            help="torch threads; the same seed and thread count give the same weights "
                                 "(default: %(default)s)")
        parser.add_argument("--lr", type=float, help="learning rate of the dense training (default: per model)")
        parser.add_argument("--retrain-lr", type=float, metavar="LR",
                            help="learning rate of the retraining (default: per model)")
        parser.add_argument("--batch-size", type=int, metavar="B", help="images per step (default: 64)")
        parser.add_argument("--padding", metavar="{" + ",".join(PADDINGS) + "}",
                            help=f"convolution padding of the CNNs: {', '.join(PADDINGS[:-1])} or {PADDINGS[-1]} "
                                 "(default: auto)")
        parser.add_argument("-o", "--output", metavar="DIR", required=True, help="output folder (created if needed)")

    @staticmethod
    def run(args) -> int:
        """Run :func:`trainers.pipeline.run_prune` and print its summary."""
        from trainers.pipeline import run_prune

        doc = run_prune(model=args.model, dataset=args.dataset, output=args.output, sparsity=args.sparsity,
                        epochs=args.epochs, retrain_epochs=args.retrain_epochs, seed=args.seed,
                        split_seed=args.split_seed, threads=args.threads, data_dir=args.data_dir, lr=args.lr,
                        retrain_lr=args.retrain_lr, batch_size=args.batch_size, padding=args.padding,
                        progress=show_progress())
        print("\n".join(prune_summary(doc, args.output)))
        return 0


def prune_summary(doc: dict, output) -> list[str]:
    """The lines ``netgraph train prune`` prints: the run, the accuracies, the sparsity, the files.

    Parameters
    ----------
    doc : dict
        The ``train.json`` document of :func:`trainers.pipeline.run_prune`.
    output : str
        The output folder.

    Returns
    -------
    list of str

    Examples
    --------
    >>> doc = {"model": "mlp", "architecture": "64-16FC-10", "dataset": {"name": "digits"}, "seed": 0,
    ...        "epochs": 1, "retrain_epochs": 1, "seconds": {"total": 2.04},
    ...        "accuracy_percent": {"dense": {"test": 80.0}, "sparse": {"test": 79.5}, "pruned": {"test": 70.25}},
    ...        "sparsity_per_layer": {"fc1": 0.5, "fc2": 0.0}}
    >>> print("\\n".join(prune_summary(doc, "run")))
    mlp (64-16FC-10) on digits, seed 0: 1 + 1 epochs in 2.0 s
    test accuracy: dense 80.00%, sparse 79.50% (pruned before retraining 70.25%)
    fraction of zero weights: fc1 0.500, fc2 0.000
    wrote run/dense.onnx, run/sparse.onnx, run/train.json
    """
    from trainers.pipeline import PRUNE_FILES

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


#: The trainers of ``netgraph train``, in the order ``netgraph train --help`` lists them.
TRAINERS = (Prune,)


def add_arguments(parser) -> None:
    """Add one sub-subcommand per trainer of :data:`TRAINERS` to ``parser``."""
    add_commands(parser.add_subparsers(dest="trainer", required=True, metavar="TRAINER"), TRAINERS)


def run(args) -> int:
    """Run the trainer ``args.trainer`` names (argparse also sets ``args.func`` to its ``run``)."""
    return next(t for t in TRAINERS if t.NAME == args.trainer).run(args)
