#!/usr/bin/env python
"""Benchmark: ``netgraph degrees`` on a VGG-16-sized ONNX model, against the cost of reading it.

What is measured, and why
-------------------------
netgraph must stay usable on the models people actually prune: VGG-16 has 138 million
weights, a 550 MB ONNX file, and its graph has about ten million edges. The machine the
benchmark runs on is shared and noisy, so no figure is judged on its own: every target
is a ratio against a baseline measured in the same run, and the runs of the two sides
are interleaved (floor, netgraph, floor, netgraph, ...) and summarised by their median.

1. **The model.** A VGG-16 (configuration D of Simonyan & Zisserman, 1000 classes,
   input 1x3x224x224) is built in torch with seeded random weights; 70% of the weights
   of *every* Conv and Linear layer (the output layer too; biases are kept) are set to
   exact zeros, those of smallest magnitude (``--prune random`` for a seeded random
   choice). It is exported with ``torch.onnx.export(..., dynamo=False)`` into
   ``benchmarks/_out/`` (git-ignored) and reused by later runs with the same
   parameters (``--rebuild`` forces a new export). Building and exporting happen in a
   child process, so the parent never imports torch.

2. **End to end, in separate processes.** Each measurement is its own child process;
   its wall time is taken by the parent around the whole process (interpreter start and
   imports included, the same for both sides) and its peak resident memory is the
   child's own ``ru_maxrss`` read with ``os.wait4`` (not ``RUSAGE_CHILDREN``, which is a
   maximum over *all* children so far and would mix the two sides).

   * *floor*: ``onnx.load(path)`` then ``np.count_nonzero`` of every initializer
     (``onnx.numpy_helper.to_array``): the least any tool must do to look at every weight.
   * *netgraph*: ``netgraph degrees MODEL --json -o out.json`` through the installed
     console script (``.venv/bin/netgraph``). If that command has no ``degrees``
     subcommand, the child runs ``exporters.read_onnx`` + ``netgraph.layer_degrees``
     + ``json.dump`` in-process instead, and the report says it is a stand-in.

   Targets: netgraph's median time <= 3x the floor's median time; netgraph's peak
   RSS <= 3x the size of the model file.

3. **The igraph view.** In one more child the model is read once with ``read_onnx``;
   then, alternately, (a) ``LayeredGraph.igraph`` is built on a fresh ``LayeredGraph``
   over the same layers and junctions, and (b) igraph alone builds the same graph:
   ``igraph.Graph(n=..., directed=True)``, ``Graph.add_edges`` on the array of
   ``graph.edge_arrays()`` and the same three edge attributes (``count``, ``weight``,
   ``junction``) set from lists. The ratio (a)/(b) is netgraph's overhead over igraph's
   own ingestion; it is reported, not judged.

``--quick`` runs the same thing on a VGG-11 at width 1/4 (about 8 million weights,
35 MB) as a smoke check; its figures say little about the targets, which are about
large models.

Outputs: a table on standard output; ``benchmarks/_out/bench_degrees[_quick].json``
with every figure and the raw runs; ``benchmarks/_out/bench_degrees[_quick].md``, a
Markdown snippet for the README's performance section. ``--profile`` adds one more,
untimed run of the netgraph side under cProfile (``profile_degrees[_quick].txt``: the top
functions; ``.prof``: the raw statistics). Exit status 0 when every target passes (always
with ``--quick``, a smoke check), 1 when one fails, 2 on an error.

Run it with ``make bench`` or ``.venv/bin/python benchmarks/bench_degrees.py [--quick]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "_out"

#: Targets (ratios against baselines measured in the same run).
TIME_TARGET = 3.0     # netgraph wall time / floor wall time
MEMORY_TARGET = 3.0   # netgraph peak RSS / model file size

#: VGG configurations (Simonyan & Zisserman 2015): channels of each 3x3 conv, "M" = 2x2 max pool.
VGG_CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}

#: The two model presets: the full benchmark and ``--quick``.
PRESETS = {
    "full": {"arch": "vgg16", "width": 1.0, "num_classes": 1000, "image_size": 224},
    "quick": {"arch": "vgg11", "width": 0.25, "num_classes": 1000, "image_size": 224},
}


# =====================================================================================
# model: build, prune, export (runs in a child process; the only place torch is imported)
# =====================================================================================
def build_vgg(arch: str, *, width: float = 1.0, num_classes: int = 1000):
    """A VGG (torchvision's layout: features, 7x7 adaptive average pool, 3 Linear layers).

    Parameters
    ----------
    arch : {"vgg11", "vgg16"}
        Configuration A or D.
    width : float
        Multiplier of every convolution's channels and of the 4096 hidden units.
    num_classes : int
        Outputs of the last Linear layer.

    Returns
    -------
    torch.nn.Module
        The model in eval mode (Dropout is then the identity and vanishes from the export).
    """
    import torch
    from torch import nn

    class VGG(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c_in = [], 3
            for v in VGG_CONFIGS[arch]:
                if v == "M":
                    layers.append(nn.MaxPool2d(2, 2))
                else:
                    c_out = max(1, int(round(v * width)))
                    layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True)]
                    c_in = c_out
            hidden = max(1, int(round(4096 * width)))
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(c_in * 7 * 7, hidden), nn.ReLU(True), nn.Dropout(0.5),
                nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(0.5),
                nn.Linear(hidden, num_classes),
            )

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return VGG().eval()


def prune_(model, *, sparsity: float, method: str, seed: int) -> dict:
    """Zero ``floor(sparsity * n)`` weights of every Conv2d and Linear (biases kept), in place.

    ``method="magnitude"``: those of smallest absolute value (ties broken by position);
    ``method="random"``: a seeded uniform choice. Returns ``{"weights": n, "zeros": z}``.
    """
    import math

    import torch
    from torch import nn

    gen = torch.Generator().manual_seed(seed + 1)
    total = zeros = 0
    with torch.no_grad():
        for m in model.modules():
            if not isinstance(m, (nn.Conv2d, nn.Linear)):
                continue
            w = m.weight.view(-1)
            n = w.numel()
            k = int(math.floor(sparsity * n))
            total += n
            if k == 0:
                continue
            if method == "random":
                w[torch.randperm(n, generator=gen)[:k]] = 0.0
            else:
                a = w.abs()
                thr = torch.kthvalue(a, k).values  # the k-th smallest magnitude
                below = a < thr
                w[below] = 0.0
                rest = k - int(below.sum())
                if rest:  # ties at the threshold: zero the first `rest` of them
                    w[torch.nonzero(a == thr).view(-1)[:rest]] = 0.0
            zeros += int((w == 0).sum())
    return {"weights": total, "zeros": zeros}


def child_export(params: dict, path: str) -> dict:
    """Build, prune and export the model of ``params`` to ``path`` (atomically)."""
    import warnings

    import torch

    torch.manual_seed(params["seed"])
    model = build_vgg(params["arch"], width=params["width"], num_classes=params["num_classes"])
    stats = prune_(model, sparsity=params["sparsity"], method=params["prune"], seed=params["seed"])
    x = torch.randn(1, 3, params["image_size"], params["image_size"],
                    generator=torch.Generator().manual_seed(params["seed"]))
    tmp = path + ".tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), tmp, dynamo=False, input_names=["input"], output_names=["logits"])
    os.replace(tmp, path)
    return {**stats, "torch": torch.__version__}


# =====================================================================================
# the measured children
# =====================================================================================
def _vm_hwm() -> int:
    """This process's peak resident set size in bytes (VmHWM), or -1."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def child_floor(path: str) -> dict:
    """The floor: onnx.load + np.count_nonzero over every initializer."""
    t0 = time.perf_counter()
    import numpy as np
    import onnx
    from onnx import numpy_helper

    t1 = time.perf_counter()
    proto = onnx.load(path)
    t2 = time.perf_counter()
    nnz = size = 0
    for t in proto.graph.initializer:
        a = numpy_helper.to_array(t)
        nnz += int(np.count_nonzero(a))
        size += int(a.size)
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "load_s": t2 - t1, "count_s": t3 - t2,
            "initializer_elements": size, "initializer_nonzeros": nnz, "vm_hwm": _vm_hwm()}


def child_standin(path: str, out: str) -> dict:
    """Stand-in for the CLI: read_onnx + layer_degrees + json.dump, in-process."""
    t0 = time.perf_counter()
    from exporters import read_onnx
    from netgraph import layer_degrees

    t1 = time.perf_counter()
    g = read_onnx(path)
    t2 = time.perf_counter()
    degs = layer_degrees(g)
    doc = {"model": path, "layers": [{"name": L.name, "kind": L.kind, "size": L.size,
                                      "degrees": degs[L.name].tolist()} for L in g.layers]}
    with open(out, "w") as f:
        json.dump(doc, f)
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "degrees_s": t3 - t2, "vm_hwm": _vm_hwm()}


def child_igraph(path: str, repeat: int) -> dict:
    """LayeredGraph.igraph on a fresh object against igraph's own ingestion of the same edges."""
    import gc

    import igraph as ig

    from exporters import read_onnx
    from netgraph import LayeredGraph

    t0 = time.perf_counter()
    g = read_onnx(path)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    edges, count, weight, junction = g.edge_arrays()
    edge_arrays_s = time.perf_counter() - t0
    n = g.number_of_nodes()

    def netgraph_side():
        fresh = LayeredGraph(g.layers, g.junctions, outputs=g.outputs, metadata=g.metadata, cuts=g.cuts)
        t = time.perf_counter()
        h = fresh.igraph
        dt = time.perf_counter() - t
        shape = (h.vcount(), h.ecount())
        del h, fresh
        return dt, shape

    def igraph_side():
        t = time.perf_counter()
        h = ig.Graph(n=n, directed=True)
        h.add_edges(edges)
        h.es["count"] = count.tolist()
        h.es["weight"] = weight.tolist()
        h.es["junction"] = junction.tolist()
        dt = time.perf_counter() - t
        shape = (h.vcount(), h.ecount())
        del h
        return dt, shape

    ng, raw = [], []
    shapes = set()
    for _ in range(repeat):
        for side, acc in ((netgraph_side, ng), (igraph_side, raw)):
            gc.collect()
            dt, shape = side()
            acc.append(dt)
            shapes.add(shape)
    if len(shapes) != 1:
        raise RuntimeError(f"the two igraph builds disagree on (vertices, edges): {sorted(shapes)}")
    (vcount, ecount), = shapes
    return {"read_s": read_s, "edge_arrays_s": edge_arrays_s, "vertices": vcount, "edges": ecount,
            "netgraph_igraph_s": ng, "raw_igraph_s": raw, "vm_hwm": _vm_hwm()}


def child_profile(path: str, out: str, prof_path: str, text_path: str, use_cli: str) -> dict:
    """``netgraph degrees`` (or the stand-in) under cProfile; the statistics go to two files."""
    import cProfile
    import io
    import pstats

    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    if use_cli == "1":
        from netgraph.cli import main as netgraph_main

        status = netgraph_main(["degrees", path, "--json", "-o", out])
    else:
        child_standin(path, out)
        status = 0
    pr.disable()
    wall = time.perf_counter() - t0
    pr.dump_stats(prof_path)
    buf = io.StringIO()
    buf.write(f"cProfile of {'netgraph degrees --json' if use_cli == '1' else 'the stand-in'} on {path}\n"
              f"wall {wall:.2f} s (under the profiler), peak RSS {_vm_hwm() / 2**20:,.0f} MiB\n\n")
    stats = pstats.Stats(pr, stream=buf).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)
    Path(text_path).write_text(buf.getvalue())
    return {"status": status, "wall_s": wall, "vm_hwm": _vm_hwm()}


CHILDREN = {"export", "floor", "standin", "igraph", "profile"}


def run_child(argv: list[str]) -> int:
    """Entry point of the child processes: ``bench_degrees.py --child KIND ARGS...``."""
    kind, rest = argv[0], argv[1:]
    if kind == "export":
        result = child_export(json.loads(rest[0]), rest[1])
    elif kind == "floor":
        result = child_floor(rest[0])
    elif kind == "standin":
        result = child_standin(rest[0], rest[1])
    elif kind == "igraph":
        result = child_igraph(rest[0], int(rest[1]))
    elif kind == "profile":
        result = child_profile(*rest[:5])
    else:
        raise SystemExit(f"unknown child {kind!r}")
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")
    return 0


# =====================================================================================
# the parent: spawn, time, collect
# =====================================================================================
class ChildFailed(RuntimeError):
    pass


def spawn(cmd: list[str], *, timeout: float | None = None, cwd=None) -> dict:
    """Run ``cmd``; return its wall time, its own peak RSS (``os.wait4``), status and output.

    The peak RSS is the child's ``ru_maxrss`` from the ``rusage`` that ``wait4`` returns
    for that process alone (Linux reports it in KiB). The child may cache its byte code
    (``PYTHONDONTWRITEBYTECODE`` is dropped from its environment), as an installed package
    does: otherwise every run would compile netgraph's sources again, a cost no user pays.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        timer = threading.Timer(timeout, p.kill) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    maxrss = ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    result = None
    for line in stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line[len("BENCH-RESULT "):])
    if p.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise ChildFailed(f"{shlex.join(cmd)} exited with status {p.returncode}:\n{tail}")
    return {"wall_s": wall, "peak_rss": maxrss, "result": result, "stderr": stderr}


def self_cmd(*args) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *map(str, args)]


def cli_has_degrees(netgraph_exe: str) -> tuple[bool, str]:
    """True if ``netgraph_exe degrees --help`` works (the console script and its subcommand exist)."""
    if not os.path.exists(netgraph_exe):
        return False, f"{netgraph_exe} does not exist"
    try:
        p = subprocess.run([netgraph_exe, "degrees", "--help"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{netgraph_exe} degrees --help failed: {exc}"
    if p.returncode != 0 or "--json" not in p.stdout:
        return False, f"{netgraph_exe} has no 'degrees --json' subcommand (status {p.returncode})"
    return True, ""


def model_path(out_dir: Path, params: dict) -> Path:
    w = f"{params['width']:g}".replace(".", "p")
    s = f"{params['sparsity']:g}".replace(".", "p")
    name = f"{params['arch']}_w{w}_c{params['num_classes']}_in{params['image_size']}_s{s}_{params['prune']}_seed{params['seed']}"
    return out_dir / f"{name}.onnx"


def ensure_model(out_dir: Path, params: dict, *, rebuild: bool, log) -> tuple[Path, dict]:
    """The model file for ``params``: reused when it and its sidecar match, else exported."""
    path = model_path(out_dir, params)
    sidecar = path.with_suffix(".params.json")
    if not rebuild and path.exists() and sidecar.exists():
        try:
            info = json.loads(sidecar.read_text())
        except ValueError:
            info = {}
        if info.get("params") == params and info.get("size") == path.stat().st_size:
            log(f"reusing {path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
                f"({path.stat().st_size / 1e6:.0f} MB; --rebuild to export it again)")
            return path, info
    log(f"building {params['arch']} (width {params['width']:g}, sparsity {params['sparsity']:g}, "
        f"{params['prune']} pruning, seed {params['seed']}) and exporting it to ONNX ...")
    sidecar.unlink(missing_ok=True)
    r = spawn(self_cmd("export", json.dumps(params), str(path)))
    info = {"params": params, "size": path.stat().st_size, "export_s": r["wall_s"],
            "export_peak_rss": r["peak_rss"], **(r["result"] or {})}
    sidecar.write_text(json.dumps(info, indent=2) + "\n")
    log(f"  exported in {r['wall_s']:.1f} s: {path.stat().st_size / 1e6:.0f} MB")
    return path, info


def warm_page_cache(path: Path) -> None:
    """Read the file once so that every timed run finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def fmt_bytes(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def summarize(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": list(xs)}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return run_child(argv[1:])

    parser = argparse.ArgumentParser(
        prog="bench_degrees.py",
        description="Time and peak memory of `netgraph degrees --json` on a VGG-16-sized, 70%-pruned "
                    "ONNX model, as ratios against onnx.load + np.count_nonzero (the floor) and the "
                    "model file's size; and LayeredGraph.igraph against igraph's own ingestion.",
        epilog="Targets: netgraph time <= %gx floor time; netgraph peak RSS <= %gx file size. "
               "Exit status: 0 all targets pass (always with --quick), 1 a target fails, 2 error."
               % (TIME_TARGET, MEMORY_TARGET),
    )
    parser.add_argument("--quick", action="store_true",
                        help="smoke check on a VGG-11 at width 1/4 (about 35 MB) instead of VGG-16")
    parser.add_argument("--rebuild", action="store_true",
                        help="export the model again even if a file with the same parameters exists")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="interleaved runs of each side; medians are reported (default: %(default)s)")
    parser.add_argument("--sparsity", type=float, default=0.7,
                        help="fraction of each layer's weights set to zero (default: %(default)s)")
    parser.add_argument("--prune", choices=("magnitude", "random"), default="magnitude",
                        help="which weights are zeroed: smallest magnitude or a seeded random choice "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of pruning (default: %(default)s)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT,
                        help="directory for the model, JSON and Markdown (default: benchmarks/_out)")
    parser.add_argument("--netgraph", default=str(Path(sys.executable).with_name("netgraph")),
                        help="the netgraph console script (default: the one beside this Python)")
    parser.add_argument("--stand-in", action="store_true",
                        help="measure read_onnx + layer_degrees in-process instead of the console script")
    parser.add_argument("--skip-igraph", action="store_true", help="leave out the LayeredGraph.igraph figure")
    parser.add_argument("--profile", action="store_true",
                        help="also run the netgraph side once under cProfile (not timed) and write "
                             "profile_degrees[_quick].prof and .txt (top functions) to the output directory")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds after which a measured child is killed (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not 0.0 <= args.sparsity < 1.0:
        parser.error("--sparsity must be in [0, 1)")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    preset = "quick" if args.quick else "full"
    params = {**PRESETS[preset], "sparsity": args.sparsity, "prune": args.prune, "seed": args.seed}
    out_dir = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "_quick" if args.quick else ""
    json_path = out_dir / f"bench_degrees{suffix}.json"
    md_path = out_dir / f"bench_degrees{suffix}.md"

    try:
        path, model_info = ensure_model(out_dir, params, rebuild=args.rebuild, log=log)
        file_size = path.stat().st_size

        use_cli, why = (False, "--stand-in given") if args.stand_in else cli_has_degrees(args.netgraph)
        degrees_out = out_dir / f"degrees{suffix}.json"
        if use_cli:
            ng_cmd = [args.netgraph, "degrees", str(path), "--json", "-o", str(degrees_out)]
            ng_label = "netgraph degrees --json -o FILE"
        else:
            log(f"NOTE: measuring read_onnx + layer_degrees in-process as a stand-in for the CLI ({why})")
            ng_cmd = self_cmd("standin", path, degrees_out)
            ng_label = "stand-in: read_onnx + layer_degrees"
        floor_cmd = self_cmd("floor", path)

        warm_page_cache(path)
        floor_runs, ng_runs = [], []
        for i in range(args.repeat):
            for label, cmd, acc in (("floor", floor_cmd, floor_runs), ("netgraph", ng_cmd, ng_runs)):
                degrees_out.unlink(missing_ok=True)
                r = spawn(cmd, timeout=args.timeout, cwd=str(out_dir))
                acc.append(r)
                log(f"  run {i + 1}/{args.repeat} {label:8s} {r['wall_s']:7.2f} s  peak {fmt_bytes(r['peak_rss'])}")
        # the netgraph output must be a real degrees document
        doc = json.loads(degrees_out.read_text())
        n_layers = len(doc["layers"])
        n_nodes = sum(len(L["degrees"]) for L in doc["layers"])
        total_degree = sum(sum(L["degrees"]) for L in doc["layers"])

        igraph_info = None
        if not args.skip_igraph:
            log("building LayeredGraph.igraph and igraph's own graph, alternately ...")
            r = spawn(self_cmd("igraph", path, args.repeat), timeout=args.timeout * 2, cwd=str(out_dir))
            igraph_info = {**r["result"], "peak_rss": r["peak_rss"], "wall_s": r["wall_s"]}
        profile_files = None
        if args.profile:
            prof_path, text_path = out_dir / f"profile_degrees{suffix}.prof", out_dir / f"profile_degrees{suffix}.txt"
            log("profiling the netgraph side once under cProfile ...")
            spawn(self_cmd("profile", path, degrees_out, prof_path, text_path, "1" if use_cli else "0"),
                  timeout=args.timeout, cwd=str(out_dir))
            profile_files = [str(prof_path), str(text_path)]
    except ChildFailed as exc:
        print(f"bench_degrees: error: {exc}", file=sys.stderr)
        return 2

    floor_t = summarize([r["wall_s"] for r in floor_runs])
    ng_t = summarize([r["wall_s"] for r in ng_runs])
    floor_m = summarize([r["peak_rss"] for r in floor_runs])
    ng_m = summarize([r["peak_rss"] for r in ng_runs])
    time_ratio = ng_t["median"] / floor_t["median"]
    mem_ratio = ng_m["median"] / file_size
    targets = {
        "time": {"what": f"{ng_label} time / floor time", "value": time_ratio, "limit": TIME_TARGET,
                 "pass": time_ratio <= TIME_TARGET},
        "memory": {"what": f"{ng_label} peak RSS / model file size", "value": mem_ratio, "limit": MEMORY_TARGET,
                   "pass": mem_ratio <= MEMORY_TARGET},
    }
    floor_detail = floor_runs[-1]["result"] or {}
    # the zeros made in torch must survive the export: every initializer element is a weight
    # or a bias, and the biases are (almost surely) nonzero
    expected_nnz = None
    if model_info.get("weights") is not None and floor_detail.get("initializer_elements") is not None:
        expected_nnz = floor_detail["initializer_elements"] - model_info["zeros"]
    pruning_ok = expected_nnz is None or expected_nnz == floor_detail.get("initializer_nonzeros")
    ig_ratio = None
    if igraph_info:
        ig_ng = statistics.median(igraph_info["netgraph_igraph_s"])
        ig_raw = statistics.median(igraph_info["raw_igraph_s"])
        ig_ratio = ig_ng / ig_raw

    import importlib.metadata as md

    def version(pkg):
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return None

    report = {
        "benchmark": "bench_degrees",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "preset": preset,
        "model": {"path": str(path), "params": params, "file_size": file_size,
                  "weights": model_info.get("weights"), "zeros": model_info.get("zeros"),
                  "initializer_elements": floor_detail.get("initializer_elements"),
                  "initializer_nonzeros": floor_detail.get("initializer_nonzeros"),
                  "pruning_survived_export": pruning_ok},
        "netgraph_command": ng_cmd if use_cli else None,
        "stand_in": not use_cli,
        "stand_in_reason": None if use_cli else why,
        "repeat": args.repeat,
        "floor": {"wall_s": floor_t, "peak_rss": floor_m, "detail": [r["result"] for r in floor_runs]},
        "netgraph": {"wall_s": ng_t, "peak_rss": ng_m,
                     "detail": [r["result"] for r in ng_runs] if not use_cli else None,
                     "output": {"layers": n_layers, "nodes": n_nodes, "total_degree": total_degree}},
        "targets": targets,
        "profile": profile_files,
        "igraph": None if igraph_info is None else {
            **igraph_info,
            "netgraph_igraph_median_s": statistics.median(igraph_info["netgraph_igraph_s"]),
            "raw_igraph_median_s": statistics.median(igraph_info["raw_igraph_s"]),
            "ratio": ig_ratio,
        },
        "environment": {
            "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            **{p: version(p) for p in ("netgraph-nn", "onnx", "numpy", "scipy", "igraph", "protobuf", "torch")},
        },
    }
    json_path.write_text(json.dumps(report, indent=2) + "\n")

    # ---------------------------------------------------------------- table
    name = f"{params['arch'].upper()} (width {params['width']:g}), {params['sparsity']:.0%} of weights zeroed ({params['prune']})"
    print()
    print(f"model: {name}; {file_size / 1e6:,.0f} MB ONNX file; medians of {args.repeat} interleaved runs")
    if not use_cli:
        print(f"NOTE: netgraph side is a stand-in (read_onnx + layer_degrees in-process): {why}")
    rows = [("measure", "median time", "min time", "peak RSS", "RSS / file")]
    rows.append(("floor: onnx.load + count_nonzero", f"{floor_t['median']:.2f} s", f"{floor_t['min']:.2f} s",
                 fmt_bytes(floor_m["median"]), f"{floor_m['median'] / file_size:.2f}x"))
    rows.append((ng_label, f"{ng_t['median']:.2f} s", f"{ng_t['min']:.2f} s",
                 fmt_bytes(ng_m["median"]), f"{mem_ratio:.2f}x"))
    print(_table(rows))
    print()
    rows = [("target", "measured", "limit", "result")]
    rows.append(("time: netgraph / floor", f"{time_ratio:.2f}x", f"<= {TIME_TARGET:g}x",
                 "PASS" if targets["time"]["pass"] else "FAIL"))
    rows.append(("memory: netgraph peak RSS / file size", f"{mem_ratio:.2f}x", f"<= {MEMORY_TARGET:g}x",
                 "PASS" if targets["memory"]["pass"] else "FAIL"))
    if igraph_info:
        rows.append(("igraph: LayeredGraph.igraph / igraph alone", f"{ig_ratio:.2f}x", "-", "(reported)"))
    print(_table(rows))
    if igraph_info:
        print()
        print(f"igraph graph: {igraph_info['vertices']:,} vertices, {igraph_info['edges']:,} edges; "
              f"LayeredGraph.igraph {statistics.median(igraph_info['netgraph_igraph_s']):.2f} s, "
              f"Graph(n) + add_edges + 3 edge attributes {statistics.median(igraph_info['raw_igraph_s']):.2f} s "
              f"(edge_arrays alone {igraph_info['edge_arrays_s']:.2f} s; child peak RSS "
              f"{fmt_bytes(igraph_info['peak_rss'])})")
    if not pruning_ok:
        print(f"WARNING: the ONNX file has {floor_detail.get('initializer_nonzeros'):,} nonzero initializer "
              f"elements, {expected_nnz:,} expected from the pruning: the export changed the weights")
    if profile_files:
        print(f"cProfile of the netgraph side: {profile_files[1]} (and .prof for snakeviz / pstats)")
    if args.quick:
        print("(--quick is a smoke check: at this size interpreter start-up and imports dominate, so the "
              "targets are shown but do not set the exit status)")
    print(f"\nwrote {json_path} and {md_path}")

    # ---------------------------------------------------------------- markdown
    md_lines = [
        f"<!-- generated by benchmarks/bench_degrees.py{' --quick' if args.quick else ''} on "
        f"{report['date']}; {os.cpu_count()} CPUs, Python {platform.python_version()} -->",
        f"Model: {name}, input 1x3x{params['image_size']}x{params['image_size']}, "
        f"exported with `torch.onnx.export(..., dynamo=False)`: {file_size / 1e6:,.0f} MB. "
        f"Medians of {args.repeat} interleaved runs, each in its own process (wall time includes "
        "interpreter start-up and imports; peak memory is the process's peak RSS).",
        "",
        "| | wall time | peak RSS |",
        "|---|---:|---:|",
        f"| floor: `onnx.load` + `np.count_nonzero` of every initializer | {floor_t['median']:.2f} s | "
        f"{fmt_bytes(floor_m['median'])} ({floor_m['median'] / file_size:.2f}x file) |",
        f"| `{'netgraph degrees MODEL --json -o FILE' if use_cli else 'read_onnx + layer_degrees (stand-in)'}` | "
        f"{ng_t['median']:.2f} s ({time_ratio:.2f}x floor, target <= {TIME_TARGET:g}x: "
        f"{'PASS' if targets['time']['pass'] else 'FAIL'}) | {fmt_bytes(ng_m['median'])} ({mem_ratio:.2f}x file, "
        f"target <= {MEMORY_TARGET:g}x: {'PASS' if targets['memory']['pass'] else 'FAIL'}) |",
    ]
    if igraph_info:
        md_lines += [
            "",
            f"`LayeredGraph.igraph` ({igraph_info['vertices']:,} vertices, {igraph_info['edges']:,} edges with "
            f"`count`, `weight`, `junction`): {statistics.median(igraph_info['netgraph_igraph_s']):.2f} s, against "
            f"{statistics.median(igraph_info['raw_igraph_s']):.2f} s for igraph alone (`Graph(n=...)`, "
            f"`add_edges` and the same edge attributes from the same arrays): {ig_ratio:.2f}x.",
        ]
    md_path.write_text("\n".join(md_lines) + "\n")
    if args.quick:
        return 0
    return 0 if all(t["pass"] for t in targets.values()) else 1


def _table(rows) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
