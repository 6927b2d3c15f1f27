"""The entry point of the ``netgraph`` command: the parser, logging, errors and exit statuses.

:func:`build_parser` finds the subcommands (:mod:`netgraph.cli._registry`); :func:`main`
parses the arguments, sends the log of ``netgraph``, ``exporters`` and ``trainers`` to
standard error at the level ``-v`` / ``-q`` ask for, runs the subcommand and turns every
error on bad input into one line ``netgraph: error: <message>`` and exit status 2.
"""

from __future__ import annotations

import io
import logging
import os
import sys

from netgraph import __version__
from netgraph.cli._common import EXIT_ERROR
from netgraph.cli._registry import CommandParser, add_commands, add_verbosity_options, subcommand_modules
from netgraph.exceptions import NetgraphError
from netgraph.utils.tables import one_line

__all__ = ["main", "build_parser"]

#: The loggers whose messages the command shows on standard error.
_LOGGERS = ("netgraph", "exporters", "trainers")


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


def _error(message) -> int:
    sys.stderr.write(f"netgraph: error: {one_line(message)}\n")
    return EXIT_ERROR


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


def main(argv=None) -> int:
    """Run the ``netgraph`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (without the program name); ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit status: 0 on success, 2 on any error on bad input (the message is one
        line on standard error), 1 when standard output was closed early, 130 when
        interrupted.

    Examples
    --------
    >>> main(["info", "no/such/model.onnx"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    saved = _configure_logging(args.verbose - args.quiet)
    try:
        return int(args.func(args) or 0)
    except NetgraphError as exc:
        return _error(exc)
    except BrokenPipeError:  # `netgraph degrees m --json | head`
        _quiet_stdout()
        return 1
    except OSError as exc:  # an output path that cannot be written, a full disk, ...
        return _error(_os_error_message(exc))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    finally:
        _restore_logging(saved)
