"""From a seed to a case: the files it reads, the command line, and what netgraph must do.

:data:`SLOTS` lists every kind of case once: each structural mutation of
:mod:`fuzz.onnx_mutations`, byte mutations of a model file, pairs of structural mutations,
each graph-file mutation of :mod:`fuzz.graph_mutations` (and byte mutations and pairs of
them), the hostile pickles, each command-line case of :mod:`fuzz.options` and each
hostile data-set folder of :mod:`fuzz.datasets`. Seed ``s`` is a case of the kind
``SLOTS[s % len(SLOTS)]``, with everything else (the seed model, the values, the
subcommand, ``--lenient``) drawn from a generator seeded by ``s``: a few hundred seeds
cover every kind several times, and a seed names one case for good.
"""

import os
from dataclasses import dataclass, field

import numpy as np

from fuzz import graph_files as gf
from fuzz import graph_mutations as gm
from fuzz import models
from fuzz import onnx_mutations as om
from fuzz.byte_mutations import byte_mutation
from fuzz.datasets import DATASET_CASES
from fuzz.options import OPTION_CASES

__all__ = ["Case", "Folders", "SLOTS", "DATASET_MEMORY", "slot_of", "build_case"]

#: The memory bound of the data-set cases (bytes): their files are small, and a bomb is found sooner.
DATASET_MEMORY = 512 * 2**20

#: How many seeds of every ``len(SLOTS)`` are byte mutations of a model file, and pairs of mutations.
_BYTE_SLOTS = 6
_PAIR_SLOTS = 6


def _slots():
    slots = [("onnx", name) for name in om.MUTATIONS]
    slots += [("onnx-bytes", f"bytes{i}") for i in range(_BYTE_SLOTS)]
    slots += [("onnx-pair", f"pair{i}") for i in range(_PAIR_SLOTS)]
    slots += [(f"graph-{fmt}", name) for fmt, name in gm.GRAPH_MUTATIONS]
    slots += [("graph-npz", "bytes"), ("graph-graphml", "bytes"), ("graph-npz", "pair"), ("graph-graphml", "pair")]
    slots += [("graph-pickle", "code"), ("graph-pickle", "plain"), ("graph-pickle", "allowed")]
    slots += [("options", name) for name in OPTION_CASES]
    slots += [("dataset", name) for name in DATASET_CASES]
    return slots


#: ``(family, mutation)`` of every kind of case.
SLOTS = _slots()


def slot_of(seed):
    """The ``(family, mutation)`` of seed ``seed``.

    Examples
    --------
    >>> slot_of(0)
    ('onnx', 'missing-input')
    """
    return SLOTS[seed % len(SLOTS)]


@dataclass
class Case:
    """One fuzz case: the command line and what must be true once it has run.

    ``expect`` is ``"error"``, ``"any"`` or ``"listed"`` (see :mod:`fuzz.graph_mutations`);
    ``listed`` the tokens a warning must name on exit 0; ``model`` the mutated ONNX model
    (its learnable nodes must all be in the graph, cut, or named in a warning);
    ``special`` maps a path to what it must still be afterwards (``"fifo"``,
    ``"symlink"``, ``"chardev"``); ``marker`` a file that must not exist (made only by
    code run from a file); ``absent`` paths that must not exist afterwards on failure;
    ``drain`` a FIFO the runner reads; ``forbid_torch`` that torch must not be imported;
    ``memory`` a tighter memory bound than the runner's (bytes).
    """

    seed: int
    family: str
    mutation: str
    detail: str
    argv: list
    expect: str = "any"
    listed: tuple = ()
    model: object = None
    special: dict = field(default_factory=dict)
    marker: object = None
    absent: tuple = ()
    drain: object = None
    forbid_torch: bool = False
    memory: object = None

    def describe(self):
        return (f"seed {self.seed} [{self.family}/{self.mutation}] {self.detail}; expect {self.expect}; "
                f"argv {self.argv!r}")


class Folders:
    """The folders of one case: ``inp`` (files read), ``out`` (outputs), ``run`` (the runner's files)."""

    def __init__(self, root):
        self.root = os.fspath(root)
        self.inp, self.out, self.run = (os.path.join(self.root, d) for d in ("in", "out", "run"))
        for d in (self.inp, self.out, self.run):
            os.makedirs(d, exist_ok=True)
        self.marker = os.path.join(self.root, "code-ran")

    def model(self):
        """A valid ONNX model file (the MLP)."""
        path = os.path.join(self.inp, "valid.onnx")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(models.build("mlp").SerializeToString())
        return path

    def graph(self):
        """A valid ``.npz`` graph file (the conv net's)."""
        path = os.path.join(self.inp, "valid.npz")
        if not os.path.exists(path):
            from netgraph.io import write_graph

            write_graph(gf.seed_graph("conv"), path)
        return path

    def bad_model(self, rng):
        """A file that is not a model: junk bytes with a model's suffix."""
        path = os.path.join(self.inp, "junk.onnx")
        with open(path, "wb") as f:
            f.write(bytes(rng.integers(0, 256, 64, dtype=np.uint8)))
        return path


def _command(rng, folders, model_path, lenient):
    """A subcommand reading ``model_path``, its output in ``folders.out``."""
    sub = rng.choice(["export", "export", "degrees", "info", "fit"], p=[0.3, 0.2, 0.25, 0.15, 0.1])
    argv = [str(sub), model_path]
    if sub == "export":
        argv += ["-o", os.path.join(folders.out, "graph.npz")]
    elif sub in ("degrees", "fit"):
        argv += ["--json", "-o", os.path.join(folders.out, f"{sub}.json")]
    if lenient:
        argv.append("--lenient")
    return argv


def _onnx_case(seed, name, rng, folders):
    m = om.MUTATIONS[name]
    for base in rng.permutation(list(models.MODELS)):
        model = models.build(str(base), seed)
        detail = m.function(model, rng, folders.inp)
        if detail is not None:
            break
    else:
        raise AssertionError(f"mutation {name} applies to no seed model")
    path = os.path.join(folders.inp, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    lenient = bool(rng.random() < 0.3)
    expect = m.expect if m.expect != "strict-error" else ("any" if lenient else "error")
    return Case(seed, "onnx", name, f"{base}: {detail}", _command(rng, folders, path, lenient), expect, model=model)


def _onnx_pair_case(seed, name, rng, folders):
    """Two structural mutations of one model: anything may come of it (the second can undo the first's
    breakage: a shape removed after a dimension was set to 0), but never a traceback, a hang or a loss."""
    names = list(om.MUTATIONS)
    for _ in range(20):
        first, second = (om.MUTATIONS[names[int(i)]] for i in rng.choice(len(names), 2, replace=False))
        base = str(rng.choice(list(models.MODELS)))
        model = models.build(base, seed)
        try:
            done = [m.function(model, rng, folders.inp) for m in (first, second)]
        except Exception:  # noqa: BLE001 (the first left nothing for the second: no node, external data)
            continue
        if None not in done:
            break
    else:
        raise AssertionError(f"seed {seed}: no pair of mutations applies")
    path = os.path.join(folders.inp, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    argv = _command(rng, folders, path, bool(rng.random() < 0.3))
    return Case(seed, "onnx-pair", f"{first.name}+{second.name}", f"{base}: {done[0]}; {done[1]}", argv, model=model)


def _onnx_bytes_case(seed, name, rng, folders):
    base = str(rng.choice(list(models.MODELS)))
    data, detail = byte_mutation(models.build(base, seed).SerializeToString(), rng)
    path = os.path.join(folders.inp, "model.onnx")
    with open(path, "wb") as f:
        f.write(data)
    model = None
    try:
        import onnx

        model = onnx.load_model_from_string(data)
    except Exception:  # noqa: BLE001 (not parseable: netgraph must say so)
        pass
    lenient = bool(rng.random() < 0.3)
    return Case(seed, "onnx-bytes", name, f"{base}: {detail}", _command(rng, folders, path, lenient), model=model)


def _mutate_graph_file(fmt, name, file, rng, path):
    """Apply the mutation ``name`` (or ``"bytes"``, ``"pair"``) to ``file`` and write it to ``path``.

    Returns ``(name, description, listed tokens, expect)``, or None when the mutation has
    nothing to change in this file.
    """
    if name == "bytes":
        file.write(path)
        with open(path, "rb") as f:
            data, detail = byte_mutation(f.read(), rng)
        with open(path, "wb") as f:
            f.write(data)
        return name, detail, (), "any"
    if name == "pair":
        names = [k for k in gm.GRAPH_MUTATIONS if k[0] == fmt]
        picked = [gm.GRAPH_MUTATIONS[names[int(i)]] for i in rng.choice(len(names), 2, replace=False)]
        try:
            results = [m.function(file, rng) for m in picked]
        except Exception:  # noqa: BLE001 (the first left nothing for the second: no header, no member)
            return None
        if None in results:
            return None
        file.write(path)
        return "+".join(m.name for m in picked), "; ".join(r[0] for r in results), (), "any"
    m = gm.GRAPH_MUTATIONS[fmt, name]
    result = m.function(file, rng)
    if result is None:
        return None
    file.write(path)
    return name, result[0], tuple(result[1]), result[2] if len(result) > 2 else m.expect


def _graph_case(seed, fmt, name, rng, folders):
    path = os.path.join(folders.inp, "graph." + fmt)
    for base in rng.permutation(list(gf.SEED_GRAPHS)):
        graph = gf.seed_graph(str(base))
        file = gf.NpzFile(graph) if fmt == "npz" else gf.GraphmlFile(graph)
        file.marker = folders.marker
        done = _mutate_graph_file(fmt, name, file, rng, path)
        if done is not None:
            break
    else:
        raise AssertionError(f"graph mutation {fmt}/{name} applies to no seed graph")
    mutation, detail, listed, expect = done
    return Case(seed, f"graph-{fmt}", mutation, f"{base}: {detail}", _command(rng, folders, path, False), expect,
                listed=listed, marker=folders.marker)


def _pickle_case(seed, name, rng, folders):
    path = os.path.join(folders.inp, "graph" + str(rng.choice([".pickle", ".pkl"])))
    if name == "code":
        with open(path, "wb") as f:
            f.write(gf.pickle_payload(folders.marker))
        detail = "a pickle whose loading creates a file"
    else:
        from netgraph.io import write_graph

        write_graph(gf.seed_graph(str(rng.choice(list(gf.SEED_GRAPHS)))), path, format="pickle")
        detail = "an igraph pickle written by netgraph, read " + (
            "with --allow-pickle" if name == "allowed" else "without opting in")
    argv = _command(rng, folders, path, False) + (["--allow-pickle"] if name == "allowed" else [])
    return Case(seed, "graph-pickle", name, detail, argv, "any" if name == "allowed" else "error",
                marker=folders.marker)


def _options_case(seed, name, rng, folders):
    expect, make = OPTION_CASES[name]
    spec = make(rng, folders)
    return Case(seed, "options", name, "bad command line", spec.pop("argv"), spec.pop("expect", expect),
                marker=folders.marker, **spec)


def _dataset_case(seed, name, rng, folders):
    data = os.path.join(folders.inp, "data")
    os.makedirs(data)
    dataset, detail = DATASET_CASES[name](rng, data, folders.marker)
    out = os.path.join(folders.out, "run")
    argv = ["train", "prune", "--dataset", dataset, "--data-dir", data, "--epochs", "1", "-o", out]
    return Case(seed, "dataset", name, detail, argv, "error", marker=folders.marker, absent=(out,), forbid_torch=True,
                memory=DATASET_MEMORY)


def build_case(seed, root) -> Case:
    """Write the files of case ``seed`` under ``root`` and return the case."""
    family, name = slot_of(seed)
    rng = np.random.default_rng([seed, 9])
    folders = Folders(root)
    if family == "onnx":
        return _onnx_case(seed, name, rng, folders)
    if family == "onnx-bytes":
        return _onnx_bytes_case(seed, name, rng, folders)
    if family == "onnx-pair":
        return _onnx_pair_case(seed, name, rng, folders)
    if family == "graph-pickle":
        return _pickle_case(seed, name, rng, folders)
    if family.startswith("graph-"):
        return _graph_case(seed, family[len("graph-"):], name, rng, folders)
    if family == "dataset":
        return _dataset_case(seed, name, rng, folders)
    return _options_case(seed, name, rng, folders)
