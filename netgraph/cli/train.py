"""``netgraph train TRAINER``: train the sparse networks of the papers and write them as ONNX.

::

    netgraph train prune [--model mlp|cnn|cifar-cnn] [--dataset digits|mnist|cifar10] [--data-dir D]
                         [--sparsity S] [--epochs N] [--retrain-epochs M] [--seed K] [--split-seed J]
                         [--threads T] [--lr LR] [--retrain-lr LR] [--batch-size B] [--padding P] -o DIR
    netgraph train predefined --layers N1,N2,... --fanout F1,F2,... [--pattern random|windowed]
                         [--dataset D] [--data-dir D] [--epochs N] [--seed K] [--split-seed J] [--threads T]
                         [--lr LR] [--batch-size B] -o DIR

Each trainer is a sub-subcommand: a class of this module with ``NAME``, ``HELP``,
``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args)`` (the protocol of
:mod:`netgraph.cli._registry`), listed in :data:`TRAINERS`. The options and the printed
summary live here; the run itself (checks, training, export, the files written) lives in
:mod:`trainers.pipeline`, imported only when a trainer runs. ``prune`` writes
``DIR/dense.onnx``, ``DIR/sparse.onnx`` and ``DIR/train.json``, ``predefined`` writes
``DIR/predefined.onnx`` and ``DIR/train.json``; a bad argument is a
one-line error (exit status 2) before the data are read and before torch is imported.
"""

from __future__ import annotations

import os

from netgraph.cli._registry import add_commands
from netgraph.utils.progress import show_progress
from netgraph.cli._common import output_path

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "TRAINERS", "Prune", "Predefined", "add_arguments", "run",
           "prune_summary", "predefined_summary"]

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
        from trainers._registry import MODELS, PADDINGS

        parser.add_argument("--model", default="mlp", metavar="{" + ",".join(MODELS) + "}",
                            help="network (default: %(default)s)")
        _add_data_arguments(parser)
        parser.add_argument("--sparsity", type=float, default=0.9, metavar="S",
                            help="fraction of each layer's weights pruned, in [0, 1) (default: %(default)s)")
        parser.add_argument("--epochs", type=int, default=20, metavar="N",
                            help="epochs of dense training (default: %(default)s)")
        parser.add_argument("--retrain-epochs", type=int, metavar="M", help="epochs of retraining (default: --epochs)")
        _add_seed_arguments(parser, "the initialisation, batch order and dropout")
        parser.add_argument("--lr", type=float, help="learning rate of the dense training (default: per model)")
        parser.add_argument("--retrain-lr", type=float, metavar="LR",
                            help="learning rate of the retraining (default: per model)")
        parser.add_argument("--batch-size", type=int, metavar="B", help="images per step (default: 64)")
        parser.add_argument("--padding", metavar="{" + ",".join(PADDINGS) + "}",
                            help=f"convolution padding of the CNNs: {', '.join(PADDINGS[:-1])} or {PADDINGS[-1]} "
                                 "(default: auto)")
        parser.add_argument("-o", "--output", metavar="DIR", required=True, type=output_path, help="output folder (created if needed)")

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


class Predefined:
    """``netgraph train predefined``: pre-defined sparsity (:func:`trainers.pipeline.run_predefined`)."""

    NAME = "predefined"
    HELP = "pre-defined sparsity with fixed fan-in and fan-out (Dey et al. 2019)"
    DESCRIPTION = ("Train an MLP of layer sizes N_1,...,N_{J+1} whose junction i has fan-out fo_i and fan-in "
                   "N_i fo_i / N_{i+1} from the start (the absent weights never exist); write DIR/predefined.onnx "
                   "and DIR/train.json.")

    @staticmethod
    def add_arguments(parser) -> None:
        """The options of ``netgraph train predefined``."""
        from trainers._registry import PATTERNS

        parser.add_argument("--layers", required=True, metavar="N1,N2,...",
                            help="layer sizes, the data's input features first (64 for digits)")
        parser.add_argument("--fanout", required=True, metavar="F1,F2,...",
                            help="fan-out of each junction; N_i * F_i must be a multiple of N_{i+1}")
        parser.add_argument("--pattern", default="random", metavar="{" + ",".join(PATTERNS) + "}",
                            help="random: random with exactly these fans (Dey's); windowed: every block of a left "
                                 "and a right window is a permutation (ours) (default: %(default)s)")
        _add_data_arguments(parser)
        parser.add_argument("--epochs", type=int, default=20, metavar="N", help="epochs (default: %(default)s)")
        _add_seed_arguments(parser, "the masks, the initialisation and the batch order")
        parser.add_argument("--lr", type=float, help="Adam's learning rate (default: 0.001)")
        parser.add_argument("--batch-size", type=int, metavar="B", help="images per step (default: 64)")
        parser.add_argument("-o", "--output", metavar="DIR", required=True, type=output_path, help="output folder (created if needed)")

    @staticmethod
    def run(args) -> int:
        """Run :func:`trainers.pipeline.run_predefined` and print its summary."""
        from trainers.pipeline import run_predefined

        doc = run_predefined(dataset=args.dataset, layers=args.layers, fanouts=args.fanout, output=args.output,
                             epochs=args.epochs, pattern=args.pattern, seed=args.seed, split_seed=args.split_seed,
                             threads=args.threads, data_dir=args.data_dir, lr=args.lr, batch_size=args.batch_size,
                             progress=show_progress())
        print("\n".join(predefined_summary(doc, args.output)))
        return 0


def predefined_summary(doc: dict, output) -> list[str]:
    """The lines ``netgraph train predefined`` prints: the run, the densities, the accuracy, the files.

    Parameters
    ----------
    doc : dict
        The ``train.json`` document of :func:`trainers.pipeline.run_predefined`.
    output : str
        The output folder.

    Returns
    -------
    list of str

    Examples
    --------
    >>> doc = {"architecture": "64-128FC-10", "dataset": {"name": "digits"}, "seed": 0, "epochs": 2,
    ...        "pattern": "random", "fanouts": [8, 10], "fanins": [4, 128], "seconds": {"total": 1.96},
    ...        "densities": {"junction": [0.0625, 1.0], "overall": 0.1892, "total_weights": 1792},
    ...        "accuracy_percent": {"validation": 90.0, "test": 89.5}}
    >>> print("\\n".join(predefined_summary(doc, "run")))
    mlp (64-128FC-10) on digits, seed 0: 2 epochs in 2.0 s
    pattern random, fan-outs 8,10, fan-ins 4,128
    densities: junctions 6.25%, 100.00%; overall 18.92% (1,792 weights)
    test accuracy: 89.50%
    wrote run/predefined.onnx, run/train.json
    """
    from trainers.pipeline import PREDEFINED_FILES

    dens = doc["densities"]
    return [
        f"mlp ({doc['architecture']}) on {doc['dataset']['name']}, seed {doc['seed']}: {doc['epochs']} epochs in "
        f"{doc['seconds']['total']:.1f} s",
        f"pattern {doc['pattern']}, fan-outs {','.join(map(str, doc['fanouts']))}, "
        f"fan-ins {','.join(map(str, doc['fanins']))}",
        f"densities: junctions {', '.join(f'{100 * d:.2f}%' for d in dens['junction'])}; overall "
        f"{100 * dens['overall']:.2f}% ({dens['total_weights']:,} weights)",
        f"test accuracy: {doc['accuracy_percent']['test']:.2f}%",
        f"wrote {', '.join(os.path.join(output, name) for name in PREDEFINED_FILES)}",
    ]


def _add_data_arguments(parser) -> None:
    """``--dataset`` and ``--data-dir``, the same for every trainer."""
    from trainers._registry import DATASETS

    parser.add_argument("--dataset", default="digits", metavar="{" + ",".join(DATASETS) + "}",
                        help="data set; mnist and cifar10 are read from --data-dir (default: %(default)s)")
    parser.add_argument("--data-dir", metavar="D", help="folder of the MNIST IDX files or the CIFAR-10 python batches")


def _add_seed_arguments(parser, seeded: str) -> None:
    """``--seed`` (of what ``seeded`` says), ``--split-seed`` and ``--threads``, the same for every trainer."""
    parser.add_argument("--seed", type=int, default=0, metavar="K", help=f"seed of {seeded} (default: %(default)s)")
    parser.add_argument("--split-seed", type=int, default=0, metavar="J",
                        help="seed of the train/validation/test split (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=1, metavar="T",
                        help="torch threads; the same seed and thread count give the same weights "
                             "(default: %(default)s)")


#: The trainers of ``netgraph train``, in the order ``netgraph train --help`` lists them.
TRAINERS = (Prune, Predefined)


def add_arguments(parser) -> None:
    """Add one sub-subcommand per trainer of :data:`TRAINERS` to ``parser``."""
    add_commands(parser.add_subparsers(dest="trainer", required=True, metavar="TRAINER"), TRAINERS)


def run(args) -> int:
    """Run the trainer ``args.trainer`` names (argparse also sets ``args.func`` to its ``run``)."""
    return next(t for t in TRAINERS if t.NAME == args.trainer).run(args)
