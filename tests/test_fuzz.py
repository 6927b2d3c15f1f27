"""The fuzz test of issue 9: hostile and broken models, graph files and command lines.

Each seed is one case (:mod:`fuzz.cases`): a seed model broken through the onnx API or
byte by byte, a graph file written by netgraph and then broken, or a bad command line.
It runs through ``netgraph.cli.main`` in a fresh fork (:mod:`fuzz.runner`), bounded in
time (``NETGRAPH_FUZZ_TIMEOUT``, 10 s) and memory (``NETGRAPH_FUZZ_MEMORY``, 2 GiB
of address space), and must end as :mod:`fuzz.contract` says: exit 0 with a complete,
valid graph (and a warning for what it did not read), or exit 2 with one line
``netgraph: error: ...``; no traceback, no file left behind, no code run from a file.

``NETGRAPH_FUZZ_CASES`` sets the number of seeds (300 here, 5000 in ``make fuzz``) and
``NETGRAPH_FUZZ_FIRST_SEED`` the first one. A failing case is named by its seed and kind
(``test_fuzz_case[17-onnx-cycle]``); once found, it becomes a named regression test
below.
"""

import os
import shutil

import pytest

from fuzz.cases import build_case, slot_of
from fuzz.contract import problems, snapshot
from fuzz.runner import MEMORY, Runner

N_CASES = int(os.environ.get("NETGRAPH_FUZZ_CASES", "300"))
FIRST_SEED = int(os.environ.get("NETGRAPH_FUZZ_FIRST_SEED", "0"))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the fuzzer forks a child per case (POSIX)")


@pytest.fixture(scope="module")
def runner():
    with Runner() as r:
        yield r


def run_case(case, runner, root):
    """Run ``case`` (its files under ``root``) and return the promises it breaks."""
    before = snapshot(root)
    fds = ()
    if case.drain:  # a reader and a writer of our own, so that opening the FIFO never blocks
        fds = (os.open(case.drain, os.O_RDONLY | os.O_NONBLOCK), os.open(case.drain, os.O_WRONLY | os.O_NONBLOCK))
    try:
        outcome = runner.run(case.argv, os.path.join(root, "run"))
    finally:
        if fds:
            os.close(fds[1])
            try:
                while os.read(fds[0], 1 << 16):
                    pass
            except BlockingIOError:
                pass
            os.close(fds[0])
    return problems(case, outcome, os.fspath(root), before, snapshot(root), MEMORY)


def _seed_param(seed):
    family, name = slot_of(seed)
    return pytest.param(seed, id=f"{seed}-{family}-{name}")


@pytest.mark.parametrize("seed", [_seed_param(s) for s in range(FIRST_SEED, FIRST_SEED + N_CASES)])
def test_fuzz_case(seed, runner, tmp_path):
    case = build_case(seed, tmp_path)
    found = run_case(case, runner, tmp_path)
    assert not found, case.describe() + "\n  " + "\n  ".join(found)
    shutil.rmtree(tmp_path, ignore_errors=True)
