"""The fuzz test of issue 9: hostile and broken models, graph files and command lines.

Each seed is one case (:mod:`fuzz.cases`): a seed model broken through the onnx API or
byte by byte, a graph file written by netgraph and then broken, a hostile data-set
folder, or a bad command line. It runs through ``netgraph.cli.main`` in a fresh fork
(:mod:`fuzz.runner`), bounded in time (``NETGRAPH_FUZZ_TIMEOUT``, 10 s) and memory
(``NETGRAPH_FUZZ_MEMORY``, 2 GiB of address space; 512 MiB for the data-set cases),
and must end as :mod:`fuzz.contract` says: exit 0 with a complete, valid graph (and a
warning for what it did not read), or exit 2 with one line ``netgraph: error: ...``; no
traceback, no file left behind, no code run from a file.

``NETGRAPH_FUZZ_CASES`` sets the number of seeds (300 here, 5000 in ``make fuzz``) and
``NETGRAPH_FUZZ_FIRST_SEED`` the first one. A failing case is named by its seed and kind
(``test_fuzz_case[17-onnx-cycle]``); once found, it becomes a named regression test
below.
"""

import os
import shutil

import pytest

from fuzz.cases import DATASET_MEMORY, Case, Folders, build_case, slot_of
from fuzz.contract import problems, snapshot
from fuzz.models import build
from fuzz.runner import MEMORY, Runner

N_CASES = int(os.environ.get("NETGRAPH_FUZZ_CASES", "300"))
FIRST_SEED = int(os.environ.get("NETGRAPH_FUZZ_FIRST_SEED", "0"))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the fuzzer forks a child per case (POSIX)")


@pytest.fixture(scope="module")
def runner():
    with Runner() as r:
        yield r


def run_case(case, runner, root):
    """Run ``case`` (its files under ``root``); return the outcome and the promises it breaks."""
    before = snapshot(root)
    fds = ()
    if case.drain:  # a reader and a writer of our own, so that opening the FIFO never blocks
        fds = (os.open(case.drain, os.O_RDONLY | os.O_NONBLOCK), os.open(case.drain, os.O_WRONLY | os.O_NONBLOCK))
    try:
        outcome = runner.run(case.argv, os.path.join(root, "run"), memory=case.memory)
    finally:
        if fds:
            os.close(fds[1])
            try:
                while os.read(fds[0], 1 << 16):
                    pass
            except BlockingIOError:
                pass
            os.close(fds[0])
    return outcome, problems(case, outcome, os.fspath(root), before, snapshot(root), case.memory or MEMORY)


def _seed_param(seed):
    family, name = slot_of(seed)
    return pytest.param(seed, id=f"{seed}-{family}-{name}")


#: Failures whose fix is not in yet: ``(reason, predicate(case, problems))``. A failing case
#: that one of them describes exactly is reported as xfail (not strict) with the reason;
#: the named regression tests below hold the same cases.
PENDING = (
)


@pytest.mark.parametrize("seed", [_seed_param(s) for s in range(FIRST_SEED, FIRST_SEED + N_CASES)])
def test_fuzz_case(seed, runner, tmp_path):
    case = build_case(seed, tmp_path)
    _, found = run_case(case, runner, tmp_path)
    for reason, describes in PENDING:
        if found and describes(case, found):
            pytest.xfail(reason)
    assert not found, case.describe() + "\n  " + "\n  ".join(found)
    shutil.rmtree(tmp_path, ignore_errors=True)


# ---------------------------------------------------------------------- regression tests
# Cases the fuzzer once found failing, each named by what it holds (and the seed that found
# it, at the time): built explicitly, so that they stay the same when the slots change.
# Those whose fix is not in yet are marked ``pending`` (xfail, not strict) with the file to fix.
def pending(reason):
    return pytest.mark.xfail(strict=False, reason=f"issue 9, fix pending: {reason}")


def _replay(runner, tmp_path, argv, *, expect="error", model=None, name="regression"):
    """Run ``argv`` as a fuzz case; return its one error line (or standard error on exit 0)."""
    case = Case(-1, "regression", name, "explicit", argv, expect, model=model,
                marker=os.path.join(os.fspath(tmp_path), "code-ran"))
    outcome, found = run_case(case, runner, tmp_path)
    assert not found, case.describe() + "\n  " + "\n  ".join(found)
    return outcome.stderr.strip().splitlines()[-1] if outcome.code == 2 else outcome.stderr


def _model_error(runner, tmp_path, model, *options):
    """``netgraph export MODEL -o graph.npz [options]`` on ``model``: must be one error line; return it."""
    folders = Folders(tmp_path)
    path = os.path.join(folders.inp, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return _replay(runner, tmp_path, ["export", path, "-o", os.path.join(folders.out, "graph.npz"), *options],
                   model=model)


def test_input_that_nothing_produces_is_an_error(runner, tmp_path):
    """Seed 0: Gemm fc2's bias renamed to a tensor nothing produces was read, leniently, without a word."""
    model = build("mlp")
    model.graph.node[2].input[2] = "nothing_makes_this"
    assert "nothing_makes_this" in _model_error(runner, tmp_path, model, "--lenient")


def test_node_reading_its_own_output_is_an_error(runner, tmp_path):
    """Seed 1: a Relu reading its own output lost the Gemm after it (exit 0)."""
    model = build("mlp")
    model.graph.node[1].input[0] = model.graph.node[1].output[0]
    assert "a1" in _model_error(runner, tmp_path, model)


def test_cycle_is_an_error(runner, tmp_path):
    """Seed 2: a Relu reading the output of the Conv after it lost that Conv (exit 0)."""
    model = build("conv")
    model.graph.node[1].input[0] = model.graph.node[2].output[0]
    assert "cycle" in _model_error(runner, tmp_path, model).lower()


def test_two_nodes_producing_one_tensor_is_an_error(runner, tmp_path):
    """Seed 3: fc1 and fc2 both producing h1 made a phantom layer (exit 0)."""
    model = build("mlp")
    model.graph.node[2].output[0] = model.graph.node[0].output[0]
    assert "h1" in _model_error(runner, tmp_path, model)


def test_duplicate_initializer_is_an_error(runner, tmp_path):
    """Seed 4: a second initializer named b1, with other values, was silently ignored or used."""
    import numpy as np
    from onnx import numpy_helper

    model = build("mlp")
    model.graph.initializer.append(numpy_helper.from_array(np.ones(6, np.float32), "b1"))
    assert "b1" in _model_error(runner, tmp_path, model, "--lenient")


def test_graph_input_declared_twice_is_an_error(runner, tmp_path):
    """Seed 5: the graph input x declared twice was read (exit 0)."""
    model = build("flatten")
    model.graph.input.append(model.graph.input[0])
    assert "'x'" in _model_error(runner, tmp_path, model)


def test_deleted_node_is_an_error(runner, tmp_path):
    """Seed 7: the last Gemm deleted (the graph output made by nothing) was read, leniently (exit 0)."""
    model = build("flatten")
    del model.graph.node[2]
    assert "y" in _model_error(runner, tmp_path, model, "--lenient")


def test_graph_output_that_nothing_produces_is_an_error(runner, tmp_path):
    """Seed 8: the graph output renamed to a tensor nothing produces was read (exit 0)."""
    model = build("flatten")
    model.graph.output[0].name = "no_such_output"
    assert "no_such_output" in _model_error(runner, tmp_path, model)


@pytest.mark.parametrize("alpha", [float("nan"), float("inf"), float("-inf")])
def test_gemm_alpha_not_finite_is_an_error(runner, tmp_path, alpha):
    """Seeds 15, 113, 211: Gemm alpha NaN or infinite was accepted (alpha = inf wrote infinite weights)."""
    from onnx import helper

    model = build("flatten")
    model.graph.node[2].attribute.append(helper.make_attribute("alpha", alpha))
    assert "alpha" in _model_error(runner, tmp_path, model)


def test_string_typed_input_is_an_error(runner, tmp_path):
    """Seed 222: a graph input of element type STRING was read, leniently (exit 0)."""
    from onnx import TensorProto

    model = build("mlp")
    model.graph.input[0].type.tensor_type.elem_type = TensorProto.STRING
    assert "string" in _model_error(runner, tmp_path, model, "--lenient").lower()


def test_constant_without_attribute_is_an_error(runner, tmp_path):
    """Seed 34: a Constant node with no attribute raised IndexError (a traceback)."""
    model = build("constants")
    del model.graph.node[0].attribute[:]
    assert "const_dense" in _model_error(runner, tmp_path, model)


def test_constant_value_of_the_wrong_type_is_an_error(runner, tmp_path):
    """Seed 214: a Constant whose ``value`` attribute is a float raised AttributeError (a traceback)."""
    from onnx import helper

    model = build("constants")
    node = model.graph.node[0]
    del node.attribute[:]
    node.attribute.append(helper.make_attribute("value", 1.5))
    assert "const_dense" in _model_error(runner, tmp_path, model)


@pytest.mark.parametrize("command", ["info", "degrees", "export", "fit"])
def test_model_path_with_a_nul_byte_is_an_error(runner, tmp_path, command):
    """Seeds 1269, 1563: a model path holding a NUL byte raised ValueError (reported as a bug, exit 3)."""
    folders = Folders(tmp_path)
    argv = [command, os.path.join(folders.inp, "m\0.onnx")]
    if command == "export":
        argv += ["-o", os.path.join(folders.out, "g.npz")]
    _replay(runner, tmp_path, argv)


@pytest.mark.parametrize("command", ["degrees", "fit"])
def test_empty_output_path_is_an_error(runner, tmp_path, command):
    """Seeds 284, 676: ``-o ''`` wrote to standard output (exit 0) instead of naming the empty path."""
    folders = Folders(tmp_path)
    _replay(runner, tmp_path, [command, folders.model(), "--json", "-o", ""])


def test_output_path_with_a_nul_byte_is_an_error(runner, tmp_path):
    """Seed 308 (then): ``-o`` holding a NUL byte raised ValueError (reported as a bug, exit 3)."""
    folders = Folders(tmp_path)
    _replay(runner, tmp_path, ["degrees", folders.model(), "--json", "-o", os.path.join(folders.out, "o\0.json")])


def test_sparse_constant_with_a_repeated_index_is_an_error(runner, tmp_path):
    """Seed 3428 (then): two values of a sparse Constant at one position: one was silently lost (exit 0).

    onnx.checker rejects such indices (they must be sorted, without repeats).
    """
    import numpy as np
    from onnx import numpy_helper

    model = build("constants")
    sparse = model.graph.node[1].attribute[0].sparse_tensor
    indices = numpy_helper.to_array(sparse.indices).copy()
    indices[1] = indices[0]
    sparse.indices.CopyFrom(numpy_helper.from_array(indices, ""))
    assert "const_sparse" in _model_error(runner, tmp_path, model, "--lenient")


def test_gzip_bomb_in_a_data_set_is_an_error_within_the_memory_bound(runner, tmp_path):
    """Seed 111 (then): a gzipped MNIST file of 3 MB that decompresses to 3 GiB ran out of memory (2 GiB bound);
    here 1 MB that decompresses to 1 GiB, with the data-set cases' bound of 512 MiB.

    The IDX header declares the size to expect; reading more than it is a DatasetError.
    """
    import numpy as np

    from fuzz.datasets import gzip_bomb, mnist_files

    folders = Folders(tmp_path)
    data = os.path.join(folders.inp, "mnist")
    os.mkdir(data)
    for name, content in mnist_files(np.random.default_rng(0)).items():
        with open(os.path.join(data, name), "wb") as f:
            f.write(content)
    os.remove(os.path.join(data, "t10k-labels-idx1-ubyte"))
    with open(os.path.join(data, "t10k-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(gzip_bomb())
    out = os.path.join(folders.out, "run")
    case = Case(-1, "regression", "gzip-bomb", "explicit",
                ["train", "prune", "--dataset", "mnist", "--data-dir", data, "--epochs", "1", "-o", out], "error",
                absent=(out,), forbid_torch=True, memory=DATASET_MEMORY)
    _, found = run_case(case, runner, tmp_path)
    assert not found, case.describe() + "\n  " + "\n  ".join(found)


# ---------------------------------------------------------------------- the fuzzer's own checks
# The fuzz test is only as good as its oracle: each broken promise must be seen.
def _outcome(code=0, stderr="", **kw):
    from fuzz.runner import Outcome

    fields = dict(status="exit", code=code, escaped=None, signal=None, torch=False, seconds=0.1, maxrss=0,
                  stderr=stderr)
    fields.update(kw)
    return Outcome(**fields)


def test_contract_sees_each_broken_promise(tmp_path):
    root = os.fspath(tmp_path)
    case = Case(1, "test", "test", "", ["info", "m.onnx"], "error")
    one_line = "netgraph: error: bad model\n"
    assert problems(case, _outcome(2, one_line), root, set(), set(), MEMORY) == []
    seen = {
        "hang": problems(case, _outcome(status="timeout", code=None), root, set(), set(), MEMORY),
        "crash": problems(case, _outcome(status="signal", code=None, signal=11), root, set(), set(), MEMORY),
        "escaped": problems(case, _outcome(code=None, escaped="Traceback ..."), root, set(), set(), MEMORY),
        "bug": problems(case, _outcome(3, "netgraph: error: this is a bug\n"), root, set(), set(), MEMORY),
        "two lines": problems(case, _outcome(2, one_line * 2), root, set(), set(), MEMORY),
        "traceback": problems(case, _outcome(2, "Traceback (most recent call last):\n" + one_line), root, set(),
                              set(), MEMORY),
        "left behind": problems(case, _outcome(2, one_line), root, set(), {"out/.g.npz.tmp"}, MEMORY),
        "accepted": problems(case, _outcome(0), root, set(), set(), MEMORY),
        "memory": problems(case, _outcome(2, "netgraph: error: out of memory in 'netgraph info': ...\n"), root, set(),
                           set(), MEMORY),
    }
    assert all(seen.values()), [name for name, found in seen.items() if not found]


def test_contract_checks_the_output_graph(tmp_path):
    """An output with a non-finite weight, and a graph missing a learnable node, are both seen."""
    import numpy as np

    from fuzz.graph_files import NpzFile, seed_graph

    root = os.fspath(tmp_path)
    out = os.path.join(root, "out.npz")
    file = NpzFile(seed_graph("dense"))
    file.write(out)
    argv = ["export", "m.onnx", "-o", out]
    assert problems(Case(1, "t", "t", "", argv), _outcome(0), root, set(), {"out.npz"}, MEMORY) == []
    file.arrays["junction1.weight.data"] = np.full_like(file.arrays["junction1.weight.data"], np.nan)
    file.write(out)
    assert "not finite" in " ".join(problems(Case(1, "t", "t", "", argv), _outcome(0), root, set(), set(), MEMORY))
    file = NpzFile(seed_graph("dense"))
    file.header["layers"][2]["node"] = "something else"
    file.header["junctions"][1]["node"] = "something else"
    file.write(out)
    model = build("mlp")  # its learnable nodes are fc1 and fc2, and the file has no fc2
    found = problems(Case(1, "t", "t", "", argv, model=model), _outcome(0), root, set(), set(), MEMORY)
    assert found == ["learnable node 'fc2' (Gemm) silently left out of the graph"]


def test_runner_bounds_time_and_memory(tmp_path):
    """A run past its time is killed and reported as a hang; one past its memory runs out of it.

    The memory case is the conv net with an input height of 10**9 read with the budget
    raised to 1000 TiB: netgraph tries to allocate its 96 GB of node labels, and the
    runner's address-space bound stops it (netgraph reports that it ran out of memory).
    """
    folders = Folders(tmp_path)
    argv = ["export", folders.model(), "-o", os.path.join(folders.out, "g.npz")]
    with Runner(timeout=0.001) as fast:
        assert fast.run(argv, folders.run).status == "timeout"
    model = build("conv")
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 10**9
    path = os.path.join(folders.inp, "tall.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    with Runner() as bounded:
        outcome = bounded.run(["info", path, "--max-bytes", "1000T"], folders.run)
    assert outcome.code == 2 and "out of memory" in outcome.stderr, outcome
