"""How the ``netgraph`` command finds its subcommands, and the parser each one gets.

Every module of :mod:`netgraph.cli` whose name does not start with an underscore is a
subcommand module (:func:`subcommand_modules`). It exposes

``NAME``
    The subcommand (``"degrees"``).
``HELP``
    Its line in ``netgraph --help``.
``DESCRIPTION`` (optional)
    The paragraph at the top of ``netgraph NAME --help``.
``ORDER`` (optional)
    Where ``netgraph --help`` lists it: by ``ORDER`` (default :data:`DEFAULT_ORDER`), then by name.
``add_arguments(parser)``
    Adds its arguments to its :class:`CommandParser`.
``run(args)``
    Runs it on the parsed arguments and returns the exit status (0 or None for success).

A subcommand module imports nothing heavy at import time: torch, matplotlib, onnx,
:mod:`exporters` and :mod:`trainers` are imported inside ``run`` (or inside
``add_arguments``, which runs only when that subcommand is used). The same protocol
serves nested subcommands (``netgraph train prune``): :func:`add_commands` takes any
objects with these attributes.

Examples
--------
>>> [m.NAME for m in subcommand_modules()][:3]
['info', 'degrees', 'export']
"""

from __future__ import annotations

import argparse
import sys

from netgraph.cli._common import EXIT_ERROR
from netgraph.utils.modules import import_submodules
from netgraph.utils.tables import one_line

__all__ = ["DEFAULT_ORDER", "CommandParser", "subcommand_modules", "add_commands", "add_verbosity_options"]

#: ``ORDER`` of a subcommand module that does not set one (listed after those that do).
DEFAULT_ORDER = 1000

#: What every subcommand object must have.
_REQUIRED = ("NAME", "HELP", "add_arguments", "run")


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors read ``netgraph: error: ...`` on one line, and
    whose arguments are added on first use.

    Parameters
    ----------
    *args, **kwargs
        As :class:`argparse.ArgumentParser`.
    build : callable, optional
        ``build(parser)`` adds the parser's arguments; it runs once, the first time the
        parser parses arguments or formats its help or usage. So ``netgraph info m.onnx``
        never builds the options of ``fit`` or ``train`` (nor imports what they need).

    Examples
    --------
    >>> p = CommandParser(prog="demo", build=lambda p: p.add_argument("--n", type=int))
    >>> p.parse_args(["--n", "3"])
    Namespace(n=3)
    """

    def __init__(self, *args, build=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._build = build

    def _complete(self) -> None:
        build, self._build = self._build, None
        if build is not None:
            build(self)

    def parse_known_args(self, args=None, namespace=None):  # noqa: D102 (argparse's)
        self._complete()
        return super().parse_known_args(args, namespace)

    def format_usage(self):  # noqa: D102
        self._complete()
        return super().format_usage()

    def format_help(self):  # noqa: D102
        self._complete()
        return super().format_help()

    def error(self, message):
        """Print the usage and ``netgraph: error: <message>`` on one line; exit with status 2."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"netgraph: error: {one_line(message)}\n")


def add_verbosity_options(parser, default) -> None:
    """Add ``-v/--verbose`` and ``-q/--quiet`` (counts) with the given default.

    The top-level parser counts from 0; the copies each subcommand gets default to
    ``argparse.SUPPRESS``, so that ``-v`` works before and after the subcommand without
    the subcommand resetting the top level's count.
    """
    parser.add_argument("-v", "--verbose", action="count", default=default,
                        help="more progress messages on standard error (repeat for debug)")
    parser.add_argument("-q", "--quiet", action="count", default=default, help="errors only on standard error")


def _check_command(command, where: str) -> None:
    missing = [name for name in _REQUIRED if not hasattr(command, name)]
    if missing:
        raise TypeError(f"{where} is a subcommand module but has no {', '.join(missing)} "
                        f"(see netgraph.cli._registry); rename it with a leading underscore if it is a helper")


def subcommand_modules(package: str = "netgraph.cli") -> list:
    """The subcommand modules of ``package``: every module whose name has no leading underscore.

    They are found and imported by :func:`netgraph.utils.modules.import_submodules`, the
    discovery every registry of netgraph uses.

    Parameters
    ----------
    package : str, default "netgraph.cli"
        The package searched.

    Returns
    -------
    list of module
        Imported, sorted by ``ORDER`` then ``NAME``.

    Raises
    ------
    TypeError
        If a module lacks one of ``NAME``, ``HELP``, ``add_arguments``, ``run``, or two
        modules have the same ``NAME``.
    """
    modules = import_submodules(package)
    for module in modules:
        _check_command(module, module.__name__)
    seen: dict[str, str] = {}
    for module in modules:
        if module.NAME in seen:
            raise TypeError(f"subcommand {module.NAME!r} is defined twice: by {seen[module.NAME]} "
                            f"and by {module.__name__}")
        seen[module.NAME] = module.__name__
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", DEFAULT_ORDER), m.NAME))


def add_commands(subparsers, commands) -> None:
    """Add one parser per command to ``subparsers``; its arguments are added on first use.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers(...)`` of a :class:`CommandParser`.
    commands : iterable
        Objects (modules, classes) with ``NAME``, ``HELP``, ``add_arguments``, ``run``
        and optionally ``DESCRIPTION``. Each parser gets ``-v`` and ``-q`` and sets
        ``func`` to the command's ``run``.
    """
    common = argparse.ArgumentParser(add_help=False)
    add_verbosity_options(common, argparse.SUPPRESS)
    for command in commands:
        _check_command(command, getattr(command, "__name__", repr(command)))
        parser = subparsers.add_parser(command.NAME, help=command.HELP, parents=[common],
                                       description=getattr(command, "DESCRIPTION", None),
                                       build=command.add_arguments)
        parser.set_defaults(func=command.run)
