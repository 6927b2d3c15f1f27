"""``import netgraph`` stays light: heavy libraries load only in the functions that need them.

Each check runs in a fresh interpreter, since this test session may have imported them already.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ["torch", "matplotlib", "onnxruntime"]


def modules_after(statement: str, names) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps([m for m in {list(names)!r} if m in sys.modules]))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("statement", ["import netgraph", "import netgraph.cli", "from netgraph import *"])
def test_import_does_not_load_heavy_libraries(statement):
    assert modules_after(statement, HEAVY) == []


def test_import_does_not_load_graph_libraries():
    # igraph and networkx are imported by the functions that build their graphs
    assert modules_after("import netgraph", ["igraph", "networkx"]) == []


def test_public_names():
    import netgraph

    for name in netgraph.__all__:
        assert hasattr(netgraph, name), name
    for name in ["LayeredGraph", "read_graph", "write_graph", "degrees", "layer_degrees", "NetgraphError"]:
        assert name in netgraph.__all__
