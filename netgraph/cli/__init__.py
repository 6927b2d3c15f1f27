"""The ``netgraph`` command line.

::

    netgraph info MODEL [--lenient] [--allow-pickle]
    netgraph degrees MODEL [--json] [-o FILE] [--lenient] [--include-output] [--include-skip]
                           [--direction {both,in,out}] [--allow-pickle]
    netgraph export MODEL -o OUT.{graphml,pickle,pkl,npz} [--format FORMAT] [--lenient] [--allow-pickle]
    netgraph fit MODEL [--k 0.3] [--bootstrap N] [--seed S] [--rule {ks,deluca-corral}]
                       [--json] [-o FILE] [--plot DIR] [--lenient] [--include-output] [--allow-pickle]
    netgraph train prune [--model M] [--dataset D] [--sparsity S] [--epochs N] ... -o DIR
    netgraph demo [-o DIR] [--seed N] [--sparsity S] [--epochs N]

``MODEL`` is an ONNX file, read with :func:`exporters.read_onnx`, or a graph file written
by ``netgraph export`` (``.graphml``, ``.pickle``, ``.pkl``, ``.npz``); it must be a
regular file (a FIFO or a device is refused without being opened), and a pickle is read
only with ``--allow-pickle`` (loading one runs the code it holds). Results go to
standard output (or to ``-o FILE``, written atomically; a symbolic link is followed, a
device or a FIFO written through, never replaced); progress messages go to standard
error through :mod:`logging` (``-v`` for more, ``-q`` for errors only).

Every error on bad input (a :class:`~netgraph.NetgraphError`, an unwritable output
path, a bad option) prints one line ``netgraph: error: <message>`` on standard error
and exits with status 2; no output file is left half-written. Anything else that stops
a subcommand is one line too: a bug in netgraph (an exception it did not foresee) exits
with status 3 and says how to see its traceback (``-v``, or ``NETGRAPH_TRACEBACK=1``);
running out of memory exits with 2 and says what to try; Ctrl-C exits with 130 and
SIGTERM with 143, after the files being written are removed
(:mod:`netgraph.cli._main` has the table).

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
