"""Plug-in discovery: the public modules of a package, found by name and imported.

Three registries of netgraph find their entries this way, so that adding one is adding
a file: the operator handlers (:mod:`exporters.ops`), the alternative distributions of
the model comparison (:mod:`netgraph.compare`) and the subcommands (:mod:`netgraph.cli`).
A module whose name starts with an underscore is a helper, not an entry.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["import_submodules"]


def import_submodules(package: str) -> list:
    """Import every module of ``package`` whose name does not start with an underscore.

    Parameters
    ----------
    package : str
        The dotted name of a package (``"exporters.ops"``).

    Returns
    -------
    list of module
        The imported modules, sorted by name (an import order that does not depend on
        the file system).

    Examples
    --------
    >>> [m.__name__ for m in import_submodules("netgraph.utils")][:2]
    ['netgraph.utils.check', 'netgraph.utils.files']
    """
    path = importlib.import_module(package).__path__
    names = sorted(info.name for info in pkgutil.iter_modules(path) if not info.name.startswith("_"))
    return [importlib.import_module(f"{package}.{name}") for name in names]
