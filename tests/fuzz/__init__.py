"""The fuzzer of issue 9: hostile and broken inputs, built in the tests, run through the command line.

A seeded mutation loop, with no dependency beyond the project's own:

* :mod:`fuzz.models` builds the seed models with onnx.helper;
* :mod:`fuzz.onnx_mutations` breaks them through the onnx API, :mod:`fuzz.byte_mutations`
  byte by byte (a model or a graph file);
* :mod:`fuzz.graph_files` makes the seed graphs and takes the files netgraph writes
  (``.npz``, GraphML) apart, :mod:`fuzz.graph_mutations` breaks them;
* :mod:`fuzz.options` writes bad command lines, :mod:`fuzz.datasets` hostile data-set
  folders;
* :mod:`fuzz.cases` turns a seed into one case (files, ``argv``, what must happen);
* :mod:`fuzz.runner` and :mod:`fuzz.server` run ``netgraph.cli.main(argv)`` in a fresh
  fork per case, bounded in time and memory;
* :mod:`fuzz.contract` checks the promises: exit 0 with a complete, valid graph, or exit
  2 with one line ``netgraph: error: ...``; no traceback, no file left behind, no code
  run from a file.

``tests/test_fuzz.py`` runs the cases (``NETGRAPH_FUZZ_CASES`` of them, 300 by default;
``make fuzz`` runs 5000) and the regression tests of the cases it once found failing.
"""

__all__ = []
