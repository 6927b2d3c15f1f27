"""``python -m netgraph.cli``: the same as the ``netgraph`` command."""

import sys

from netgraph.cli import main

__all__: list[str] = []

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
