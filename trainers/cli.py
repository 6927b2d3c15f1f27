"""The ``netgraph train`` subcommand. Nothing here imports torch at import time."""

__all__ = ["add_parser"]


def add_parser(sub, common) -> None:
    """Add the ``train`` subcommand to ``sub`` (the subparsers of :func:`netgraph.cli.build_parser`)."""
