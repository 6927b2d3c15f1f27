"""The ``netgraph`` command line.

::

    netgraph info MODEL [--lenient]
    netgraph degrees MODEL [--json] [-o FILE] [--lenient] [--include-output] [--include-skip]
                           [--direction {both,in,out}]
    netgraph export MODEL -o OUT.{graphml,pickle,pkl,npz} [--format FORMAT] [--lenient]
    netgraph fit MODEL [--k 0.3] [--bootstrap N] [--seed S] [--rule {ks,deluca-corral}]
                       [--json] [-o FILE] [--plot DIR] [--lenient] [--include-output]
    netgraph train prune [--model M] [--dataset D] [--sparsity S] [--epochs N] ... -o DIR
    netgraph demo [-o DIR] [--seed N] [--sparsity S] [--epochs N]

``MODEL`` is an ONNX file, read with :func:`exporters.read_onnx`, or a graph file written
by ``netgraph export`` (``.graphml``, ``.pickle``, ``.pkl``, ``.npz``). Results go to
standard output (or to ``-o FILE``, written atomically); progress messages go to
standard error through :mod:`logging` (``-v`` for more, ``-q`` for errors only).

Every error on bad input (a :class:`~netgraph.NetgraphError`, an unwritable output
path, a bad option) prints one line ``netgraph: error: <message>`` on standard error
and exits with status 2; no output file is left half-written.

The package holds one module per subcommand (:mod:`netgraph.cli.info`,
:mod:`~netgraph.cli.degrees`, :mod:`~netgraph.cli.export`, :mod:`~netgraph.cli.fit`,
:mod:`~netgraph.cli.train`, :mod:`~netgraph.cli.demo`), found by
:mod:`netgraph.cli._registry`: a new subcommand is a new module with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args)``. What they share (reading a model, writing
results, common options) is in :mod:`netgraph.cli._common`; the entry point, logging and
exit statuses in :mod:`netgraph.cli._main`. This package is the only part of
:mod:`netgraph` that imports :mod:`exporters` or :mod:`trainers`, and it does so inside
the functions that run a subcommand.
"""

from netgraph.cli._main import build_parser, main

__all__ = ["main", "build_parser"]
