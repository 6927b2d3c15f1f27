"""``import netgraph`` stays light: heavy libraries load only in the functions that need them.

So does ``import zoo`` (the test zoo, ``tests/zoo/``): torch loads when a family is built.

Each check runs in a fresh interpreter, since this test session may have imported them already.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ["torch", "matplotlib", "onnxruntime"]
TESTS = Path(__file__).resolve().parent


def modules_after(statement: str, names, cwd=None) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps([m for m in {list(names)!r} if m in sys.modules]))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          cwd=cwd)
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


def test_zoo_registry_does_not_load_torch():
    # the test zoo (tests/zoo/) imports torch only when a family is built
    statement = "import zoo\nassert len(zoo.FAMILIES) == len(zoo.BUILDERS) == len(zoo.OP_TYPES)"
    assert modules_after(statement, ["torch"], cwd=TESTS) == []
    assert modules_after("import zoo\nzoo.BUILDERS['resnet18']", ["torch"], cwd=TESTS) == ["torch"]
