"""The helpers every part of netgraph shares, one home each.

* :mod:`netgraph.utils.check`: the ``check_*`` argument checks of every public function;
* :mod:`netgraph.utils.seeds`: random streams from a user's seed;
* :mod:`netgraph.utils.files`: atomic output files and early writability checks;
* :mod:`netgraph.utils.tables`: text tables and JSON;
* :mod:`netgraph.utils.progress`: terminal-aware progress bars.

They are internal to netgraph (their names may change); the command line, the
analyses and the trainers import them from their modules.
"""

__all__: list[str] = []
