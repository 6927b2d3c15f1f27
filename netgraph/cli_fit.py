"""The ``netgraph fit`` subcommand (truncated power-law fits of every layer's degrees)."""

__all__ = ["add_parser"]


def add_parser(sub, common) -> None:
    """Add the ``fit`` subcommand to ``sub`` (the subparsers of :func:`netgraph.cli.build_parser`)."""
