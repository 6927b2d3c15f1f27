#!/usr/bin/env python
"""Benchmark: ``netgraph fit MODEL --bootstrap 1000`` on the 70%-zeroed VGG-16 (issue 12, part 2).

The model is the one of ``bench_degrees.py`` (VGG-16, configuration D, 1000 classes, the 70 %
of each Conv and Linear weight tensor of smallest magnitude set to zero, exported to ONNX;
reused from ``benchmarks/_out`` when it is there). 15 of its 16 non-output layers are fitted
(the input has 3 nodes).

Two runs, in the same invocation:

* **new**: the command itself, ``python -m netgraph.cli fit MODEL --bootstrap 1000 --seed 0
  --json -o ...`` in a child process (every core by default, ``--jobs``), wall time end to end
  (reading the model included); and the same with ``--sequential``.
* **today**: today's algorithm, as ``netgraph fit`` ran it before: each layer's
  ``TruncatedPowerLaw(bootstrap=R, seed=<the layer's seed>, n_jobs=1)`` (the estimator's own
  bootstrap, unchanged: every replicate's whole range search, one worker), in a child
  process on the same degrees. With ``R`` < 1000 (``--today-replicates``, default 100) its
  time is *extrapolated*: the fits' time plus 1000 / R times the bootstrap's, and the report
  says so. The p-values of today's R replicates are compared with those of the new code on
  the same R replicates (the seeds of the first R replicates are the same), bit for bit;
  with ``--today-replicates 1000`` with the command's own 1000-replicate p-values.

Target: the new command under 60 s (``--target``). Exits 1 on a miss or on any p-value that
differs. Results in ``benchmarks/_out/bench_fit_model.json``.

Usage::

    python benchmarks/bench_fit_model.py [--today-replicates 100] [--bootstrap 1000] [--target 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "_out"
SEED = 0


def child_today(model: str, replicates: int, out: str) -> None:
    """Today's algorithm on every layer: fits, then each layer's own bootstrap on one worker;
    then the new code's p-values on the same replicates."""
    import numpy as np

    from netgraph.cli._common import read_model
    from netgraph.degrees import layer_degrees
    from netgraph.exceptions import FitError
    from netgraph.tpl import TruncatedPowerLaw
    from netgraph.tpl.bootstrap import clauset_pvalues
    from netgraph.utils.seeds import spawn_seeds

    graph = read_model(model)
    degrees = layer_degrees(graph)
    layers = [layer.name for layer in graph.layers if layer.name not in set(graph.outputs)]
    seeds = spawn_seeds(SEED, len(layers))
    rows, fits = [], []
    t_fit = t_boot = 0.0
    for name, seed in zip(layers, seeds):
        d = degrees[name]
        t0 = time.perf_counter()
        try:
            est = TruncatedPowerLaw(seed=seed, progress=False).fit(d)
        except FitError:
            continue
        t1 = time.perf_counter()
        p = est.goodness_of_fit(replicates, progress=False)
        t2 = time.perf_counter()
        t_fit += t1 - t0
        t_boot += t2 - t1
        fits.append(est)
        rows.append({"name": name, "n": int(d.size), "candidates": int(est.candidates_), "p_today": p,
                     "bootstrap_s": t2 - t1})
    t0 = time.perf_counter()
    new = clauset_pvalues(fits, replicates, n_jobs=1, progress=False)
    t_new = time.perf_counter() - t0
    for row, r in zip(rows, new):
        row["p_new_same_replicates"] = r["p_value"]
    result = {"replicates": replicates, "fit_s": t_fit, "bootstrap_s": t_boot, "new_one_worker_s": t_new,
              "layers": rows, "alike": all(r["p_today"] == r["p_new_same_replicates"] for r in rows),
              "np": np.__version__}
    Path(out).write_text(json.dumps(result, indent=2) + "\n")


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes and their own children (the
    command's worker processes): on a machine shared with other work, the wall time alone says
    little."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_cli(model: str, bootstrap: int, out: Path, *extra) -> dict:
    cmd = [sys.executable, "-m", "netgraph.cli", "fit", model, "--bootstrap", str(bootstrap), "--seed", str(SEED),
           "--json", "-o", str(out), *extra]
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode:
        raise SystemExit(f"netgraph fit failed ({proc.returncode}): {proc.stderr.strip()}")
    doc = json.loads(out.read_text())
    return {"cmd": " ".join(cmd[2:]), "wall_s": wall, "cpu_s": cpu,
            "layers": {x["name"]: {"p_value": x.get("p_value"), "mc_error": x.get("p_value_mc_error"),
                                   "replicates": x.get("bootstrap_replicates")}
                       for x in doc["layers"] if x["status"] == "ok"}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--today-replicates", type=int, default=100,
                        help="replicates of today's run; fewer than --bootstrap: extrapolated (default 100)")
    parser.add_argument("--target", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_today(args.child[0], int(args.child[1]), args.child[2])
        return 0
    sys.path.insert(0, str(HERE))
    import bench_degrees

    OUT.mkdir(exist_ok=True)
    params = {**bench_degrees.PRESETS["full"], "sparsity": 0.7, "prune": "magnitude", "seed": 0}
    model, info = bench_degrees.ensure_model(OUT, params, rebuild=False, log=print)
    model = str(model)
    print(f"model: {model} ({os.path.getsize(model) / 1e6:.0f} MB), {os.cpu_count()} cores")

    new = run_cli(model, args.bootstrap, OUT / "bench_fit_model_new.json")
    print(f"new:        {new['wall_s']:.1f} s, {new['cpu_s']:.1f} s of CPU  ({new['cmd']})")
    seq = run_cli(model, args.bootstrap, OUT / "bench_fit_model_seq.json", "--sequential")
    print(f"sequential: {seq['wall_s']:.1f} s, {seq['cpu_s']:.1f} s of CPU")

    today_out = OUT / "bench_fit_model_today.json"
    r = args.today_replicates
    c0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, __file__, "--child", model, str(r), str(today_out)], cwd=REPO, check=True)
    today_wall, today_cpu = time.perf_counter() - t0, _children_cpu() - c0
    today = json.loads(today_out.read_text())
    scale = args.bootstrap / r
    today_est = today_wall - today["new_one_worker_s"] + (scale - 1.0) * today["bootstrap_s"]
    today_cpu_est = today_cpu - today["new_one_worker_s"] + (scale - 1.0) * today["bootstrap_s"]  # one worker
    extrapolated = r < args.bootstrap
    print(f"today:      {today_est:.1f} s{' (extrapolated from %d replicates per layer)' % r if extrapolated else ''}"
          f"; its bootstrap {today['bootstrap_s']:.1f} s for {r} replicates")
    alike = today["alike"]
    if not extrapolated:
        alike = alike and all(new["layers"][x["name"]]["p_value"] == x["p_today"] for x in today["layers"])
    ok = new["wall_s"] < args.target and alike
    for x in today["layers"]:
        n, s = new["layers"][x["name"]], seq["layers"][x["name"]]
        print(f"  {x['name'][:34]:34s} n={x['n']:5d} p_today({r})={x['p_today']:.3f} "
              f"p_new({r})={x['p_new_same_replicates']:.3f} p_new({args.bootstrap})={n['p_value']:.3f}"
              f"+-{n['mc_error']:.3f} sequential p={s['p_value']:.3f}+-{s['mc_error']:.3f} ({s['replicates']} reps)")
    summary = {"model": model, "cores": os.cpu_count(), "bootstrap": args.bootstrap, "target_s": args.target,
               "new_s": new["wall_s"], "new_cpu_s": new["cpu_s"], "sequential_s": seq["wall_s"],
               "sequential_cpu_s": seq["cpu_s"], "today_s": today_est, "today_cpu_s": today_cpu_est,
               "today_extrapolated_from": r if extrapolated else None, "speedup": today_est / new["wall_s"],
               "cpu_ratio": today_cpu_est / new["cpu_s"],
               "same_p_values": alike, "ok": ok, "new": new, "sequential": seq, "today": today,
               "load_average": os.getloadavg()}
    (OUT / "bench_fit_model.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"speed-up {summary['speedup']:.1f}x (CPU time {summary['cpu_ratio']:.1f}x less); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; same p-values: {alike}; target {args.target:g} s: "
          f"{'met' if new['wall_s'] < args.target else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
