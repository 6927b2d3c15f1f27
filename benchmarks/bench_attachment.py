#!/usr/bin/env python
"""Benchmark: the attachment analysis of two VGG-16-sized checkpoints, against reading their graphs.

What is measured, and why
-------------------------
Issue 13 asks for the attachment analysis (``netgraph attachment T0 T1``) of two
VGG-16-sized checkpoints in at most 3x the time of reading the two graphs.

* **t0** is the degrees benchmark's model (``bench_degrees.py``: VGG-16, configuration
  D, 1000 classes, 1x3x224x224 input, 70% of every layer's weights zeroed by magnitude,
  seeded; built and exported there, in a child process, the only place torch is
  imported).
* **t1** is a copy in which 5% of the exact zeros of every Conv and Gemm weight are made
  nonzero (a seeded uniform choice; values from N(0, 0.01) moved 1e-3 away from 0); written next to it
  with ``onnx`` and reused by later runs.

In one process, after one untimed warm-up of each side, the two sides alternate
``--repeat`` times:

* *read*: ``exporters.read_onnx(t0)`` and ``exporters.read_onnx(t1)``;
* *analysis*: :func:`netgraph.attachment.attachment_analysis` on the two graphs with
  the command line's defaults (exact degrees, the 200-placement null model, the TPL
  fits at both times, the kernel and beta), then ``to_dict()``.

Target: median(analysis) <= 3 x median(read). Exit status 0 when it holds (always with
``--quick``, a VGG-11 at width 1/4 smoke check), 1 when it fails, 2 on an error. Output:
a table on standard output and ``benchmarks/_out/bench_attachment[_quick].json`` with
every run and a summary of what the analysis found.

Run it with ``.venv/bin/python benchmarks/bench_attachment.py [--quick]``.
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

TIME_TARGET = 3.0
FRACTION = 0.05


def make_t1(t0: Path, *, fraction: float, seed: int, log) -> Path:
    """The copy of ``t0`` with ``fraction`` of the zeros of every Conv/Gemm weight made nonzero (cached)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    path = t0.with_name(t0.stem + f"_plus{fraction:g}".replace(".", "p") + f"_seed{seed}.onnx")
    sidecar = path.with_suffix(".params.json")
    key = {"t0": t0.name, "t0_size": t0.stat().st_size, "fraction": fraction, "seed": seed}
    if path.exists() and sidecar.exists() and json.loads(sidecar.read_text()).get("key") == key:
        log(f"reusing {path.name}")
        return path
    log(f"writing {path.name}: {fraction:.0%} of the zeros of every weight made nonzero ...")
    model = onnx.load(str(t0))
    weights = {n.input[1] for n in model.graph.node if n.op_type in ("Conv", "Gemm") and len(n.input) > 1}
    rng = np.random.default_rng(seed)
    made = 0
    for init in model.graph.initializer:
        if init.name not in weights:
            continue
        w = numpy_helper.to_array(init).copy()
        zeros = np.flatnonzero(w == 0)
        pick = rng.choice(zeros, size=int(round(fraction * zeros.size)), replace=False)
        w.ravel()[pick] = rng.normal(0, 0.01, pick.size).astype(w.dtype) + np.where(
            rng.random(pick.size) < 0.5, -1e-3, 1e-3).astype(w.dtype)
        made += pick.size
        init.CopyFrom(numpy_helper.from_array(w, init.name))
    onnx.save(model, str(path))
    sidecar.write_text(json.dumps({"key": key, "made_nonzero": int(made)}, indent=2) + "\n")
    return path


def summary(doc: dict) -> list:
    return [{"layer": e["layer"], "size": e["size"], "new": e["new_connections"], "slope": e["slope"],
             "r2": e["r2"], "predicted_slope": e["predicted_slope"], "beta": e["beta"]["beta"],
             "beta_interval": [e["beta"]["low"], e["beta"]["high"]],
             "null_p": (e["null"] or {}).get("p_value")} for e in doc["layers"]]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a VGG-11 at width 1/4 (smoke check)")
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs of each side (default 5)")
    parser.add_argument("--out-dir", type=Path, default=bd.DEFAULT_OUT, help="model cache and JSON directory")
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    out_dir = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {**bd.PRESETS["quick" if args.quick else "full"], "sparsity": 0.7, "prune": "magnitude", "seed": 0}
    t0, _ = bd.ensure_model(out_dir, params, rebuild=False, log=log)
    t1 = make_t1(t0, fraction=FRACTION, seed=1, log=log)
    for p in (t0, t1):
        bd.warm_page_cache(p)

    from exporters import read_onnx
    from netgraph.attachment import attachment_analysis

    def read_side():
        return read_onnx(str(t0)), read_onnx(str(t1))

    def analysis_side(g0, g1):
        return attachment_analysis(g0, g1).to_dict(delta=True)

    g0, g1 = read_side()
    doc = analysis_side(g0, g1)  # warm-up of both sides
    runs = {"read": [], "analysis": []}
    for i in range(args.repeat):
        t = time.perf_counter()
        read_side()
        runs["read"].append(time.perf_counter() - t)
        t = time.perf_counter()
        analysis_side(g0, g1)
        runs["analysis"].append(time.perf_counter() - t)
        log(f"run {i + 1}/{args.repeat}: read {runs['read'][-1]:.2f} s, analysis {runs['analysis'][-1]:.2f} s")
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratio = med["analysis"] / med["read"]
    ok = ratio <= TIME_TARGET
    result = {
        "model_t0": t0.name, "model_t1": t1.name, "fraction_made_nonzero": FRACTION, "repeat": args.repeat,
        "edges_t0": g0.number_of_edges(), "edges_t1": g1.number_of_edges(),
        "runs_s": runs, "median_s": med, "ratio": ratio, "target": TIME_TARGET, "passed": ok,
        "new_connections": [j["new_connections"] for j in doc["junctions"]], "layers": summary(doc),
    }
    name = "bench_attachment_quick.json" if args.quick else "bench_attachment.json"
    (out_dir / name).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'side':<10} {'median s':>9}")
    print(f"{'read x2':<10} {med['read']:>9.2f}")
    print(f"{'analysis':<10} {med['analysis']:>9.2f}")
    print(f"ratio {ratio:.2f} (target <= {TIME_TARGET:g}): {'PASS' if ok else 'FAIL'}; wrote {out_dir / name}")
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
