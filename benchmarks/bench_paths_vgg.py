#!/usr/bin/env python
"""Benchmark: input-to-output path counts of the degrees benchmark's VGG-16, against reading its graph.

What is measured, and why
-------------------------
Issue 10 asks for the time and peak memory of the input-to-output path counts of the
VGG-16 model of ``bench_degrees.py`` (configuration D, 1000 classes, 1x3x224x224 input,
70% of every layer's weights zeroed by magnitude, seeded) in float mode, against reading
its graph. Path counts are products of the junctions' channel-level matrices (a
convolution's node is a channel), so the products stay small (at most 512 x 512 between
convolutions, 4096 x 512 into the classifier); the graph itself is the expensive part.

Each side is its own child process, timed by the parent around the whole process and
measured by its own peak RSS (``os.wait4``), as in ``bench_degrees.py``:

* *read*: ``exporters.read_onnx(MODEL)``, the graph every analysis starts from.
* *read + paths*: the same read, then :func:`netgraph.paths.path_counts` from the input
  to the output in float mode with binary adjacency (Dey's counts, ``"binary"``), the
  same with connection counts (``"count"``, in log mode: the counts pass 10^308), and
  :func:`netgraph.paths.equivalent_fans` and :func:`netgraph.paths.number_of_paths`.
  The child also times the path computations alone, in-process.

The sides alternate (read, read + paths, ...) ``--repeat`` times; medians are reported.
No target is set by the issue: the figures go in the README. Exit status 0 unless a
child fails. Output: a table on standard output and ``benchmarks/_out/bench_paths_vgg.json``.

Run it with ``.venv/bin/python benchmarks/bench_paths_vgg.py`` (``--quick`` for a
VGG-11 at width 1/4).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_degrees as bd  # noqa: E402  (the model builder and the process helpers)


def child_read(path: str) -> dict:
    t0 = time.perf_counter()
    from exporters import read_onnx

    graph = read_onnx(path)
    return {"read_s": time.perf_counter() - t0, "layers": len(graph.layers), "vm_hwm": bd._vm_hwm()}


def child_paths(path: str) -> dict:
    t0 = time.perf_counter()
    import math

    from exporters import read_onnx
    from netgraph.paths import equivalent_fans, input_layers, number_of_paths, output_layers, path_counts

    graph = read_onnx(path)
    t1 = time.perf_counter()
    (source,), (target,) = input_layers(graph), output_layers(graph)
    binary = path_counts(graph, source, target, weight="binary", mode="float")
    t2 = time.perf_counter()
    logs = path_counts(graph, source, target, weight="count", mode="log")
    t3 = time.perf_counter()
    fan_in, fan_out = equivalent_fans(graph, source, target, mode="float")
    total = number_of_paths(graph, mode="float")
    t4 = time.perf_counter()
    return {"read_s": t1 - t0, "binary_float_s": t2 - t1, "count_log_s": t3 - t2, "fans_total_s": t4 - t3,
            "paths_s": t4 - t1, "shape": list(binary.shape), "total_paths": float(total),
            "log10_max_count_paths": float(logs.max()) / math.log(10) if logs.nnz else None,
            "fan_in_range": [float(fan_in.min()), float(fan_in.max())],
            "fan_out_range": [float(fan_out.min()), float(fan_out.max())], "vm_hwm": bd._vm_hwm()}


def run_child(argv: list[str]) -> int:
    kind, path = argv
    result = {"read": child_read, "paths": child_paths}[kind](path)
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return run_child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true", help="a VGG-11 at width 1/4 instead of VGG-16")
    parser.add_argument("--repeat", type=int, default=3, help="alternations of the two sides (default 3)")
    parser.add_argument("--out-dir", type=Path, default=bd.DEFAULT_OUT, help="model cache and JSON directory")
    args = parser.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    params = {**bd.PRESETS["quick" if args.quick else "full"], "sparsity": 0.7, "prune": "magnitude", "seed": 0}
    out_dir = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    path, _ = bd.ensure_model(out_dir, params, rebuild=False, log=log)
    bd.warm_page_cache(path)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    runs = {"read": [], "paths": []}
    for _ in range(args.repeat):
        for side in runs:
            runs[side].append(bd.spawn([*me, side, str(path)]))
    med = {side: {"wall_s": statistics.median(r["wall_s"] for r in rs),
                  "peak_rss": statistics.median(r["peak_rss"] for r in rs)} for side, rs in runs.items()}
    inner = {key: statistics.median(r["result"][key] for r in runs["paths"])
             for key in ("read_s", "binary_float_s", "count_log_s", "fans_total_s", "paths_s")}
    facts = {k: v for k, v in runs["paths"][0]["result"].items() if not k.endswith("_s") and k != "vm_hwm"}
    size = path.stat().st_size
    print(f"path counts, input to output, of {path.name} ({size / 1e6:.0f} MB), medians of {args.repeat} runs")
    print(f"  read_onnx alone:            {med['read']['wall_s']:7.2f} s wall, peak RSS "
          f"{bd.fmt_bytes(med['read']['peak_rss'])}")
    print(f"  read_onnx + path counts:    {med['paths']['wall_s']:7.2f} s wall, peak RSS "
          f"{bd.fmt_bytes(med['paths']['peak_rss'])}")
    print(f"  path computations alone:    {inner['paths_s']:7.3f} s (binary float {inner['binary_float_s']:.3f} s, "
          f"count log {inner['count_log_s']:.3f} s, fans and total {inner['fans_total_s']:.3f} s) = "
          f"{inner['paths_s'] / inner['read_s']:.3f}x the read ({inner['read_s']:.2f} s in the same process)")
    print(f"  {facts['shape'][0]} x {facts['shape'][1]} path matrix, {facts['total_paths']:.3e} input-to-output "
          f"paths (binary)")
    report = {"model": path.name, "file_bytes": size, "params": params, "medians": med, "inner_medians_s": inner,
              "facts": facts, "runs": {k: [{"wall_s": r["wall_s"], "peak_rss": r["peak_rss"], **r["result"]}
                                            for r in v] for k, v in runs.items()}}
    (out_dir / f"bench_paths_vgg{'_quick' if args.quick else ''}.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
