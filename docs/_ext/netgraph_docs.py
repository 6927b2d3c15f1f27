"""Local Sphinx extension of the netgraph documentation.

Three small pieces, each generated from the code at build time so the pages cannot
drift from it (nothing is fetched from the network):

``netgraph-operators`` (directive)
    A table of the ONNX operators that :mod:`exporters` reads, grouped by handler
    module, each with its module's docstring. Built from the public registry
    (:func:`exporters.ops.supported_ops` and :func:`exporters.ops.handler_for`).

``netgraph-cli-help`` (directive)
    The ``--help`` text of the ``netgraph`` command, of one subcommand or of a nested
    one (``.. netgraph-cli-help:: train prune``), as a literal block, from
    :func:`netgraph.cli.build_parser`.

Re-exported names (``missing-reference`` handler)
    The API pages document every object where it is defined
    (``netgraph.graph.LayeredGraph``), while docstrings also refer to objects by
    the names users import (``netgraph.LayeredGraph``) or by names imported into
    another module (``LayeredGraph.igraph`` in :mod:`netgraph.io`). When such a
    cross-reference finds no target, the handler imports the name, finds where the
    object is defined and resolves the reference to that documented target. It
    only adds links: a reference that still finds nothing is left to Sphinx as usual.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sys

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

__all__ = ["setup"]


# ---------------------------------------------------------------------- operator table
#: Handler modules listed first in the operator table (others follow alphabetically).
_FIRST = ("gemm", "matmul", "conv", "conv_transpose", "add", "concat")

class OperatorTable(SphinxDirective):
    """The supported ONNX operators, grouped by the handler module that reads them."""

    has_content = False
    option_spec = {"widths": directives.unchanged}

    def run(self):
        from exporters.ops import handler_for, supported_ops

        groups: dict[str, list[str]] = {}
        for op in supported_ops():
            handler = handler_for(op)
            groups.setdefault(handler.__module__, []).append(op)
        if not groups:
            raise self.error("exporters.ops.supported_ops() returned no operator")
        # Learnable operators and merges first, then the rest by module name.
        rank = {name: i for i, name in enumerate(_FIRST)}
        order = sorted(groups, key=lambda m: (rank.get(m.rsplit(".", 1)[-1], len(rank)), m))
        groups = {m: groups[m] for m in order}

        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: " + self.options.get("widths", "25 15 60"),
            "",
            "   * - Operators",
            "     - Handler",
            "     - What it does",
        ]
        for module_name, ops in groups.items():
            doc = inspect.cleandoc(sys.modules[module_name].__doc__ or "(no module docstring)")
            lines.append("   * - " + ", ".join(f"``{op}``" for op in ops))
            lines.append(f"     - ``{module_name.rsplit('.', 1)[-1]}``")
            doc_lines = doc.splitlines()
            lines.append("     - " + doc_lines[0])
            lines.extend(("       " + line) if line.strip() else "" for line in doc_lines[1:])
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]), self.content_offset, container)
        return container.children


# ---------------------------------------------------------------------- CLI help
class CliHelp(SphinxDirective):
    """``netgraph [SUBCOMMAND [SUBSUBCOMMAND]] --help`` as a literal block (80 columns, no colour)."""

    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self):
        import argparse

        from netgraph.cli import build_parser

        parser = build_parser()
        path = ["netgraph"]
        for name in self.arguments[0].split() if self.arguments else []:
            # a subcommand's parser adds its arguments (and its own subcommands) on first use
            parser.format_usage()
            subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            choices = subparsers[0].choices if subparsers else {}
            if name not in choices:
                raise self.error(f"{' '.join(path)} has no subcommand {name!r}; it has {', '.join(choices) or 'none'}")
            parser = choices[name]
            path.append(name)
        with _environ(COLUMNS="80", PYTHON_COLORS="0", NO_COLOR="1"):
            text = parser.format_help()
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


@contextlib.contextmanager
def _environ(**values: str):
    """Set environment variables for the block: argparse wraps help to $COLUMNS, and
    Python 3.14's argparse colours it on a terminal unless PYTHON_COLORS=0."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---------------------------------------------------------------------- re-exported names
def _import(name: str):
    """The object called ``name`` (dotted), or None."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        modname = ".".join(parts[:i])
        try:
            obj = importlib.import_module(modname)
        except Exception:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _canonical(name: str) -> str | None:
    """``name`` rewritten through the module that defines its class or function prefix."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        obj = _import(".".join(parts[:i]))
        if inspect.isclass(obj) or inspect.isfunction(obj):
            qualname = getattr(obj, "__qualname__", None)
            if obj.__module__ and qualname and "<locals>" not in qualname:
                return ".".join([obj.__module__, qualname, *parts[i:]])
        if inspect.ismodule(obj):
            return None
    return None


def _resolve_reexport(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target or target.startswith("."):
        return None
    candidates = []
    module, cls = node.get("py:module"), node.get("py:class")
    if module and cls:
        candidates.append(f"{module}.{cls}.{target}")
    if module:
        candidates.append(f"{module}.{target}")
    candidates.append(target)
    domain = env.get_domain("py")
    for name in candidates:
        canonical = _canonical(name)
        if canonical is None or canonical == name:
            continue
        found = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], canonical, node, contnode)
        if found is not None:
            return found
    return None


def setup(app):
    app.add_directive("netgraph-operators", OperatorTable)
    app.add_directive("netgraph-cli-help", CliHelp)
    app.connect("missing-reference", _resolve_reexport)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
