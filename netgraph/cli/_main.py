"""The entry point of the ``netgraph`` command: the parser, logging, errors and exit statuses.

:func:`build_parser` finds the subcommands (:mod:`netgraph.cli._registry`); :func:`main`
parses the arguments, sends the log of ``netgraph``, ``exporters`` and ``trainers`` to
standard error at the level ``-v`` / ``-q`` ask for, runs the subcommand and turns
whatever stops it into one line ``netgraph: error: <message>`` on standard error and an
exit status:

=======  ==============================================================================
status   what stopped the command
=======  ==============================================================================
0        nothing: success
1        standard output was closed early (``| head``)
2        an error on bad input (a :class:`~netgraph.NetgraphError`, an ``OSError`` such
         as an unwritable output path, a usage error), or not enough memory
         (``MemoryError``: the message says what to do)
3        a bug in netgraph: any other exception (:data:`EXIT_BUG`); the line names the
         exception, and ``-v`` or the environment variable ``NETGRAPH_TRACEBACK=1``
         (:data:`TRACEBACK_ENV`) print its traceback above it
130      interrupted by Ctrl-C (SIGINT)
143      terminated by SIGTERM: while a subcommand runs, SIGTERM raises
         :class:`Terminated` (a ``KeyboardInterrupt``), so that files being written are
         removed and worker processes stopped, as on Ctrl-C
=======  ==============================================================================

In every case no output file is left half-written (:func:`netgraph.utils.files.atomic_write`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import sys
import threading
import traceback

from netgraph import __version__
from netgraph.cli._common import EXIT_ERROR
from netgraph.cli._registry import CommandParser, add_commands, add_verbosity_options, subcommand_modules
from netgraph.exceptions import NetgraphError
from netgraph.utils.tables import one_line

__all__ = ["main", "build_parser", "Terminated", "EXIT_BUG", "EXIT_INTERRUPTED", "EXIT_TERMINATED",
           "TRACEBACK_ENV"]

#: The loggers whose messages the command shows on standard error.
_LOGGERS = ("netgraph", "exporters", "trainers")

#: Exit status of an exception netgraph did not foresee: a bug in netgraph.
EXIT_BUG = 3
#: Exit status after Ctrl-C (128 + SIGINT, the shell's convention).
EXIT_INTERRUPTED = 130
#: Exit status after SIGTERM (128 + SIGTERM).
EXIT_TERMINATED = 143
#: Set this environment variable to 1 to see the traceback of a bug without ``-v``.
TRACEBACK_ENV = "NETGRAPH_TRACEBACK"


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the command receives SIGTERM while a subcommand runs.

    A ``KeyboardInterrupt``, so that it unwinds the work as Ctrl-C does: ``except
    Exception`` does not catch it, :func:`netgraph.utils.files.atomic_write` removes its
    temporary file, the bootstrap's worker processes are terminated.
    """


def build_parser() -> CommandParser:
    """The argument parser of the ``netgraph`` command.

    The subcommands are the modules of :mod:`netgraph.cli` (see
    :mod:`netgraph.cli._registry`); a subcommand's own arguments are added the first time
    its parser is used, so building the parser imports neither :mod:`trainers` nor
    anything heavy.

    Returns
    -------
    argparse.ArgumentParser
        The parser; each subcommand sets ``func``, the function that runs it.

    Examples
    --------
    >>> args = build_parser().parse_args(["degrees", "model.onnx", "--json"])
    >>> args.command, args.model, args.json, args.include_output
    ('degrees', 'model.onnx', True, False)
    """
    parser = CommandParser(prog="netgraph", description="Neural networks (ONNX models) as layered graphs.")
    add_verbosity_options(parser, 0)
    parser.add_argument("--version", action="version", version=f"netgraph {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_commands(subparsers, subcommand_modules())
    return parser


def _configure_logging(verbosity: int) -> list[tuple[logging.Logger, logging.Handler, int, bool]]:
    """Send the packages' log to standard error; return what :func:`_restore_logging` undoes."""
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else \
        logging.DEBUG if verbosity > 1 else logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("netgraph: %(message)s"))
    saved = []
    for name in _LOGGERS:
        log = logging.getLogger(name)
        saved.append((log, handler, log.level, log.propagate))
        log.addHandler(handler)
        log.setLevel(level)
        log.propagate = False
    return saved


def _restore_logging(saved) -> None:
    for log, handler, level, propagate in saved:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate


def _error(message, status: int = EXIT_ERROR) -> int:
    sys.stderr.write(f"netgraph: error: {one_line(message)}\n")
    return status


def _os_error_message(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc)


def _quiet_stdout() -> None:
    """Point standard output at the null device (it was closed by the reader: ``| head``)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


@contextlib.contextmanager
def _sigterm_raises():
    """While the block runs, SIGTERM raises :class:`Terminated` in the main thread.

    The handler puts the default action back first, so a second SIGTERM ends the process
    at once. The previous handler is restored on exit. Outside the main thread (where
    Python cannot set handlers) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated("terminated (SIGTERM)")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _bug(exc: BaseException, command, verbosity: int) -> int:
    """The last line of defence: an exception netgraph did not foresee, as one line (and exit 3)."""
    show = verbosity > 0 or os.environ.get(TRACEBACK_ENV, "") not in ("", "0")
    if show:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    where = f"'netgraph {command}'" if command else "netgraph"
    how = "the traceback is above" if show else f"run it again with -v (or {TRACEBACK_ENV}=1) to see the traceback"
    return _error(f"this is a bug in netgraph ({type(exc).__name__} in {where}: {one_line(str(exc)) or '-'}); "
                  f"{how}, and please report it", EXIT_BUG)


def _out_of_memory(command) -> int:
    where = f"'netgraph {command}'" if command else "netgraph"
    return _error(f"out of memory in {where}: the model or the options need more memory than this machine has free; "
                  "try a smaller model or smaller options (fewer --bootstrap replicates), or free some memory")


def main(argv=None) -> int:
    """Run the ``netgraph`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (without the program name); ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit status (the table of :mod:`netgraph.cli._main`): 0 on success, 2 on any
        error on bad input (the message is one line on standard error), 1 when standard
        output was closed early, 3 for a bug in netgraph, 130 when interrupted, 143 when
        terminated.

    Examples
    --------
    >>> main(["info", "no/such/model.onnx"])
    2
    """
    saved = []
    command, verbosity = None, 0
    try:
        with _sigterm_raises():
            parser = build_parser()
            try:
                args = parser.parse_args(argv)
            except SystemExit as exc:  # --help, --version, usage errors
                return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
            command, verbosity = getattr(args, "command", None), args.verbose - args.quiet
            saved = _configure_logging(verbosity)
            return int(args.func(args) or 0)
    except NetgraphError as exc:
        return _error(exc)
    except BrokenPipeError:  # `netgraph degrees m --json | head`
        _quiet_stdout()
        return 1
    except OSError as exc:  # an output path that cannot be written, a full disk, ...
        return _error(_os_error_message(exc))
    except Terminated:
        return _error("terminated (SIGTERM)", EXIT_TERMINATED)
    except KeyboardInterrupt:
        return _error("interrupted", EXIT_INTERRUPTED)
    except MemoryError:
        return _out_of_memory(command)
    except Exception as exc:  # the last line of defence: a bug
        return _bug(exc, command, verbosity)
    finally:
        _restore_logging(saved)
