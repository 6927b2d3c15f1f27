"""What must be true once a case has run: the promises of issue 9, checked from outside netgraph.

:func:`problems` returns the broken promises of one run, as lines of text (none: the
case passes). An output file is checked by reading it with numpy and json alone, not
with netgraph's own reader.
"""

import json
import os
import stat

import numpy as np

from fuzz.models import LEARNABLE_OPS

__all__ = ["problems", "snapshot", "check_npz", "check_degrees_json", "error_lines"]

_LEARNABLE_KINDS = ("dense", "conv", "conv_transpose")


def snapshot(root):
    """Every path under ``root`` (relative), except the runner's own folder ``run``."""
    found = set()
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel == "run" or rel.startswith("run" + os.sep):
            continue
        for name in dirs + files:
            found.add(os.path.normpath(os.path.join(rel, name)))
    return found


def error_lines(stderr):
    """The lines of a failed run's standard error that must be its one error line.

    Left out: the usage block argparse prints before a usage error, and the log's
    warnings (``netgraph: <message>``, one line each) printed before the error.
    """
    lines = stderr.splitlines()
    if lines and lines[0].startswith("usage:"):
        k = 1
        while k < len(lines) and lines[k].startswith(" "):
            k += 1
        lines = lines[k:]
    while len(lines) > 1 and lines[0].startswith("netgraph: ") and not lines[0].startswith("netgraph: error:"):
        lines = lines[1:]
    return lines


def _table_sizes(layers):
    sizes = {}
    for layer in layers:
        assert isinstance(layer["name"], str) and layer["name"], f"bad layer name {layer['name']!r}"
        assert layer["name"] not in sizes, f"duplicate layer {layer['name']!r}"
        assert type(layer["size"]) is int and layer["size"] >= 0, f"bad size {layer['size']!r}"
        shape = layer.get("spatial_shape", [])
        assert all(type(s) is int and s > 0 for s in shape), f"bad spatial shape {shape!r}"
        sizes[layer["name"]] = layer["size"]
    return sizes


def check_npz(path):
    """Check a ``.npz`` graph written by netgraph, with numpy alone; return its header.

    Every layer has a name and a size >= 0; every junction joins two layers in
    topological order with CSR arrays of its shape, counts > 0 (int64, no overflow in
    their sum), finite weights (float64); no member is missing or left over.
    """
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(str(z["header"][()]))
        sizes = _table_sizes(header["layers"])
        order = {layer["name"]: i for i, layer in enumerate(header["layers"])}
        expected = {"header"}
        for k, j in enumerate(header["junctions"]):
            n_t, n_s = sizes[j["target"]], sizes[j["source"]]
            assert (order[j["source"]] < order[j["target"]]
                    or (j.get("kind") == "recurrent" and j["source"] == j["target"])), f"junction {k} goes backwards"
            indptr, indices = z[f"junction{k}.count.indptr"], z[f"junction{k}.count.indices"]
            count, weight = z[f"junction{k}.count.data"], z[f"junction{k}.weight.data"]
            expected |= {f"junction{k}.count.indptr", f"junction{k}.count.indices", f"junction{k}.count.data",
                         f"junction{k}.weight.data"}
            assert indptr.shape == (n_t + 1,) and indptr[0] == 0 and np.all(np.diff(indptr) >= 0), \
                f"junction {k}: indptr does not fit {n_t} rows"
            assert len(indices) == len(count) == len(weight) == indptr[-1], f"junction {k}: lengths disagree"
            assert not len(indices) or (indices.min() >= 0 and indices.max() < n_s), f"junction {k}: index range"
            assert count.dtype == np.int64 and (count > 0).all(), f"junction {k}: counts not positive int64"
            assert count.sum(dtype=object) < 2**63, f"junction {k}: counts overflow int64"
            assert weight.dtype == np.float64 and np.isfinite(weight).all(), f"junction {k}: weights not finite"
        assert set(z.files) == expected, f"members {sorted(set(z.files) ^ expected)} unaccounted for"
        assert set(header["outputs"]) <= set(sizes), "an output is not a layer"
    return header


def check_degrees_json(path):
    """Check the document of ``netgraph degrees --json``; return it (layers and junctions as tables)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    _table_sizes(doc["layers"])
    for layer in doc["layers"]:
        d = layer["degrees"]
        assert len(d) == layer["size"], f"layer {layer['name']!r}: {len(d)} degrees for {layer['size']} nodes"
        assert all(type(v) is int and v >= 0 for v in d), f"layer {layer['name']!r}: a degree is not an int >= 0"
    return doc


def _check_output(path, argv):
    """Check an output file by its kind; return its tables (layers, junctions, cuts) when it has them."""
    if path.endswith(".npz") or (argv[0] == "export" and "npz" in argv):
        return check_npz(path)
    if "--json" in argv:
        if argv[0] == "degrees":
            return check_degrees_json(path)
        with open(path, encoding="utf-8") as f:
            json.load(f)
        return None
    if path.endswith(".graphml"):
        import xml.etree.ElementTree as ET

        ET.parse(path)
    return None


def _learnable_nodes(model):
    """The main graph's nodes that make a layer: Gemm, Conv, ConvTranspose, MatMul of a constant."""
    constants = {t.name for t in model.graph.initializer}
    constants |= {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    return [n for n in model.graph.node if n.op_type in LEARNABLE_OPS
            and (n.op_type != "MatMul" or any(i in constants for i in n.input))]


def _complete(model, tables, stderr):
    """Every learnable node of ``model`` made a layer, was cut, or is named on stderr; no phantom layers."""
    found = []
    nodes = _learnable_nodes(model)
    layer_nodes = [layer.get("node") for layer in tables["layers"] if layer.get("kind") in _LEARNABLE_KINDS]
    if len(layer_nodes) > len(nodes):
        found.append(f"{len(layer_nodes)} learnable layers from {len(nodes)} learnable nodes (phantom layers)")
    accounted = set(layer_nodes) | {j.get("node") for j in tables["junctions"]}
    accounted |= {c.get("node") for c in tables.get("cuts", [])}
    for n in nodes:
        if n.name and n.name not in accounted and repr(n.name) not in stderr and n.name not in stderr:
            found.append(f"learnable node {n.name!r} ({n.op_type}) silently left out of the graph")
    if not any(n.name for n in nodes) and len(layer_nodes) + len(tables.get("cuts", [])) < len(nodes) \
            and not stderr.strip():
        found.append(f"{len(nodes) - len(layer_nodes)} unnamed learnable nodes silently left out")
    return found


def _special_ok(path, kind):
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    return {"fifo": stat.S_ISFIFO, "symlink": stat.S_ISLNK, "chardev": stat.S_ISCHR}[kind](mode)


def _last_output(argv):
    out = None
    for i, a in enumerate(argv[:-1]):
        if a in ("-o", "--output") and "--" not in argv[:i]:
            out = argv[i + 1]
    return out


def problems(case, outcome, root, before, after, memory):
    """The promises ``outcome`` (a :class:`fuzz.runner.Outcome`) breaks for ``case``.

    ``root`` holds the case's files; ``before`` and ``after`` are :func:`snapshot`s of it
    around the run; ``memory`` is the bound the run had (bytes of address space).
    """
    if outcome.status == "timeout":
        return [f"no answer within {outcome.seconds:.1f} s (a hang)"]
    if outcome.status == "signal":
        return [f"killed by signal {outcome.signal} (a crash)"]
    if outcome.escaped:
        return ["an exception escaped main():\n" + outcome.escaped]
    found = []
    if "Traceback" in outcome.stderr:
        found.append("a traceback on standard error")
    if case.forbid_torch and outcome.torch:
        found.append("imported torch before failing on a bad argument")
    if case.marker and os.path.exists(case.marker):
        found.append("code from a file ran (the marker file exists)")
    for path, kind in case.special.items():
        if not _special_ok(path, kind):
            found.append(f"{path} is no longer a {kind}")
    new = after - before - ({os.path.relpath(case.marker, root)} if case.marker else set())
    if outcome.code == 2:
        return found + _error_problems(case, outcome, new, memory)
    if outcome.code != 0:
        return found + [f"exit status {outcome.code} (neither 0 nor 2): {outcome.stderr.strip()[-300:]!r}"]
    return found + _success_problems(case, outcome, root, new)


def _error_problems(case, outcome, new, memory):
    """Exit 2: one error line (not the fuzzer's memory bound speaking), nothing left behind."""
    found = []
    lines = error_lines(outcome.stderr)
    if len(lines) != 1 or not lines[0].startswith("netgraph: error: "):
        found.append(f"exit 2 but standard error is not one line 'netgraph: error: ...': {outcome.stderr!r}")
    elif "out of memory" in lines[0]:  # MemoryError: the fuzzer's RLIMIT_AS, not netgraph's budget, stopped it
        found.append(f"a small file took more than the memory bound ({memory / 2**30:.1f} GiB): {lines[0]}")
    if new:
        found.append(f"files left behind after an error: {sorted(new)}")
    found += [f"{path} left behind after an error" for path in case.absent if os.path.exists(path)]
    return found


def _success_problems(case, outcome, root, new):
    """Exit 0: allowed, a valid and complete output, every listed token warned of, no stray file."""
    found = []
    if case.expect == "error":
        found.append("exit 0: the broken input was accepted")
    found += [f"exit 0 without a warning naming {token!r}" for token in case.listed if token not in outcome.stderr]
    if "netgraph: error:" in outcome.stderr:
        found.append("exit 0 with an error line")
    output = _last_output(case.argv)
    tables = None
    if output and "--help" not in case.argv and "--version" not in case.argv:
        if os.path.isfile(output):
            try:
                tables = _check_output(output, case.argv)
            except (AssertionError, KeyError, ValueError, TypeError, OSError) as exc:
                found.append(f"exit 0 but the output {os.path.basename(output)} is not a valid graph: {exc}")
        elif output not in case.special:
            found.append(f"exit 0 but no output file {output}")
        written = os.path.relpath(output, root)
        new = {p for p in new if p != written and not p.startswith(written + os.sep)}
        new -= {os.path.relpath(os.path.realpath(output), os.path.realpath(root))}  # through a symlink
    plot = next((case.argv[i + 1] for i, a in enumerate(case.argv[:-1]) if a == "--plot"), None)
    if plot:
        new = {p for p in new if not (p + os.sep).startswith(os.path.relpath(plot, root) + os.sep)}
    if new:
        found.append(f"unexpected files after success: {sorted(new)}")
    if case.model is not None and tables is not None:
        found += _complete(case.model, tables, outcome.stderr)
    return found
