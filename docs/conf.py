"""Sphinx configuration of the netgraph documentation.

Build with ``make docs`` (warnings are errors). Nothing is fetched at build time:
there is no intersphinx (its inventories would be downloaded), the theme is the
bundled alabaster, and MathJax is only a script link that the reader's browser loads.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout this file belongs to, even if another `netgraph` is installed
# (an unrelated drawing library uses the same import name).
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

import netgraph  # noqa: E402

if not hasattr(netgraph, "LayeredGraph"):
    raise RuntimeError(
        f"imported {netgraph.__file__}, which is not netgraph-nn's netgraph "
        "(the drawing library of the same import name?)"
    )

# -- Project ---------------------------------------------------------------------------
project = "netgraph"
author = "the netgraph developers"
copyright = "2026, the netgraph developers"
version = netgraph.__version__  # the one place the version lives
release = version

# -- Extensions ------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "netgraph_docs",  # docs/_ext: operator table, CLI help, links to re-exported names
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "_ext"]
root_doc = "index"

# autosummary writes one stub page per object under api/generated/ (not committed).
autosummary_generate = True
autosummary_generate_overwrite = True

autodoc_member_order = "bysource"
# Types are written in the numpydoc Parameters sections; keep signatures short.
autodoc_typehints = "none"
add_module_names = False

# numpydoc's own member tables would duplicate the autosummary stubs.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- HTML ------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"netgraph {release}"
html_theme_options = {
    "description": "Neural networks as graphs, studied with network science",
    "fixed_sidebar": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
