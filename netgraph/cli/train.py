"""``netgraph train TRAINER``: train the sparse networks of the papers and write them as ONNX.

::

    netgraph train prune [--model mlp|cnn|cifar-cnn] [--dataset digits|mnist|cifar10] [--data-dir D]
                         [--sparsity S] [--epochs N] [--retrain-epochs M] [--seed K] [--split-seed J]
                         [--threads T] [--lr LR] [--retrain-lr LR] [--batch-size B] [--padding P] -o DIR
    netgraph train predefined --layers N1,N2,... --fanout F1,F2,... [--pattern random|windowed]
                         [--dataset D] [--data-dir D] [--epochs N] [--seed K] [--split-seed J] [--threads T]
                         [--lr LR] [--batch-size B] -o DIR
    netgraph train continual --P P [--s1 S1] [--s2 S2] [--s2-reading remaining|total] [--hidden H1,H2]
                         [--progressive] [--dataset D] [--data-dir D] [--epochs N] [--retrain-epochs M]
                         [--seed K] [--perm-seed Q] [--split-seed J] [--threads T] [--lr LR] [--retrain-lr LR]
                         [--batch-size B] -o DIR

Each trainer is a sub-subcommand: a class of this module with ``NAME``, ``HELP``,
``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args)`` (the protocol of
:mod:`netgraph.cli._registry`), listed in :data:`TRAINERS`. The options and the printed
summary live here; the run itself (checks, training, export, the files written) lives in
:mod:`trainers.pipeline`, imported only when a trainer runs. ``prune`` writes
``DIR/dense.onnx``, ``DIR/sparse.onnx`` and ``DIR/train.json``, ``predefined`` writes
``DIR/predefined.onnx`` and ``DIR/train.json``, ``continual`` writes ``DIR/t0.onnx``,
``DIR/t1.onnx`` (or ``DIR/progressive.onnx``) and ``DIR/train.json``; a bad argument is a
one-line error (exit status 2) before the data are read and before torch is imported.
"""

from __future__ import annotations

import os

from netgraph.cli._registry import add_commands
from netgraph.utils.progress import show_progress
from netgraph.cli._common import output_path

__all__ = ["NAME", "HELP", "DESCRIPTION", "ORDER", "TRAINERS", "Prune", "Predefined", "Continual", "add_arguments",
           "run", "prune_summary", "predefined_summary", "continual_summary"]

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


class Continual:
    """``netgraph train continual``: two tasks, frozen task-A connections (:func:`trainers.continual.run_continual`)."""

    NAME = "continual"
    HELP = "continual learning on two tasks, or a progressive network (Hou & Kwok 2018, section 4.2)"
    DESCRIPTION = ("Task A: the images; task B: their central PxP square permuted. Train dense on A, prune S1 of "
                   "each hidden junction, retrain, freeze; reinitialise the pruned connections, train on B, prune S2 "
                   "of the free ones (--s2-reading), retrain; write DIR/t0.onnx, DIR/t1.onnx and DIR/train.json. "
                   "With --progressive, a second column with lateral junctions: DIR/t0.onnx, DIR/progressive.onnx.")

    @staticmethod
    def add_arguments(parser) -> None:
        """The options of ``netgraph train continual``."""
        parser.add_argument("--P", dest="p", type=int, required=True, metavar="P",
                            help="side of the permuted central square (digits: 3 or 6; MNIST as the paper: 8 or 26)")
        parser.add_argument("--s1", type=float, default=0.9, help="fraction pruned after task A (default: %(default)s)")
        parser.add_argument("--s2", type=float, default=0.8, help="fraction pruned after task B (default: %(default)s)")
        parser.add_argument("--s2-reading", default="remaining", metavar="{remaining,total}",
                            help="remaining: S2 of the non-frozen weights (10%% + 18%% at t = 1); total: S2 of all "
                                 "the junction's weights, taken from the non-frozen ones (10%% + 10%%) "
                                 "(default: %(default)s)")
        parser.add_argument("--hidden", metavar="H1,H2", help="hidden layer sizes (default: 1024,1024)")
        parser.add_argument("--progressive", action="store_true",
                            help="train the progressive network of the paper's appendix D instead")
        _add_data_arguments(parser)
        parser.add_argument("--epochs", type=int, default=20, metavar="N",
                            help="epochs of each dense training (default: %(default)s)")
        parser.add_argument("--retrain-epochs", type=int, metavar="M", help="epochs of each retraining (default: N)")
        _add_seed_arguments(parser, "the initialisation, the reinitialisation and the batch order")
        parser.add_argument("--perm-seed", type=int, metavar="Q", help="seed of task B's permutation (default: K)")
        parser.add_argument("--lr", type=float, help="learning rate of the dense trainings (default: 0.1)")
        parser.add_argument("--retrain-lr", type=float, metavar="LR", help="of the retrainings (default: 0.05)")
        parser.add_argument("--batch-size", type=int, metavar="B", help="images per step (default: 64)")
        parser.add_argument("-o", "--output", metavar="DIR", required=True, type=output_path,
                            help="output folder (created if needed)")

    @staticmethod
    def run(args) -> int:
        """Run :func:`trainers.continual.run_continual` and print its summary."""
        from trainers.continual import run_continual

        doc = run_continual(dataset=args.dataset, output=args.output, p=args.p, progressive=args.progressive,
                            progress=show_progress(), s1=args.s1, s2=args.s2, s2_reading=args.s2_reading,
                            hidden=args.hidden, epochs=args.epochs, retrain_epochs=args.retrain_epochs,
                            seed=args.seed, perm_seed=args.perm_seed, split_seed=args.split_seed,
                            threads=args.threads, data_dir=args.data_dir, lr=args.lr, retrain_lr=args.retrain_lr,
                            batch_size=args.batch_size)
        print("\n".join(continual_summary(doc, args.output)))
        return 0


def continual_summary(doc: dict, output) -> list[str]:
    """The lines ``netgraph train continual`` prints: the run, the accuracies, the densities, the files.

    Parameters
    ----------
    doc : dict
        The ``train.json`` document of :func:`trainers.continual.run_continual`.
    output : str
        The output folder.

    Returns
    -------
    list of str

    Examples
    --------
    >>> doc = {"dataset": {"name": "digits"}, "progressive": False, "seconds": {"total": 3.0},
    ...        "settings": {"p": 3, "s1": 0.9, "s2": 0.8, "s2_reading": "remaining", "seed": 0, "hidden": [16, 16]},
    ...        "accuracy_percent": {k: {"test": 90.0} for k in ("A_dense", "A_sparse", "B_dense", "B_sparse",
    ...                                                          "A_after_B")},
    ...        "densities": {"t0": {"fc1": 0.1, "fc2": 0.1, "fc3": 1.0}, "t1": {"fc1": 0.28, "fc2": 0.28, "fc3": 1.0}},
    ...        "files": {"t0.onnx": {}, "t1.onnx": {}}}
    >>> print("\\n".join(continual_summary(doc, "run")))
    mlp (hidden 16,16) on digits, P = 3, s1 = 0.9, s2 = 0.8 (remaining), seed 0: 3.0 s
    test accuracy: A_dense 90.00%, A_sparse 90.00%, B_dense 90.00%, B_sparse 90.00%, A_after_B 90.00%
    densities t0: fc1 0.100, fc2 0.100, fc3 1.000
    densities t1: fc1 0.280, fc2 0.280, fc3 1.000
    wrote run/t0.onnx, run/t1.onnx, run/train.json
    """
    st = doc["settings"]
    what = "progressive network" if doc["progressive"] else "mlp"
    reading = "" if doc["progressive"] else f" ({st['s2_reading']})"
    lines = [f"{what} (hidden {','.join(map(str, st['hidden']))}) on {doc['dataset']['name']}, P = {st['p']}, "
             f"s1 = {st['s1']}, s2 = {st['s2']}{reading}, seed {st['seed']}: {doc['seconds']['total']:.1f} s",
             "test accuracy: " + ", ".join(f"{k} {v['test']:.2f}%" for k, v in doc["accuracy_percent"].items())]
    dens = doc["densities"]
    for stage in ("t0", "t1") if "t0" in dens else ():
        lines.append(f"densities {stage}: " + ", ".join(f"{k} {v:.3f}" for k, v in dens[stage].items()))
    if "t0" not in dens:
        lines.append("densities: " + ", ".join(f"{k} {v:.3f}" for k, v in dens.items()))
    names = [*doc["files"], "train.json"]
    lines.append(f"wrote {', '.join(os.path.join(output, name) for name in names)}")
    return lines


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
TRAINERS = (Prune, Predefined, Continual)


def add_arguments(parser) -> None:
    """Add one sub-subcommand per trainer of :data:`TRAINERS` to ``parser``."""
    add_commands(parser.add_subparsers(dest="trainer", required=True, metavar="TRAINER"), TRAINERS)


def run(args) -> int:
    """Run the trainer ``args.trainer`` names (argparse also sets ``args.func`` to its ``run``)."""
    return next(t for t in TRAINERS if t.NAME == args.trainer).run(args)
