#!/usr/bin/env python
"""Benchmark: the model comparison of a layer (netgraph.compare) against the ``powerlaw`` package.

What is measured, and why
-------------------------
For a fitted truncated power law (TPL), :func:`netgraph.compare.compare_tpl` fits four
alternatives by maximum likelihood on the degrees in ``[xmin, xmax]`` (the power law,
the power law with exponential cutoff, the discrete lognormal and the exponential) and
computes their log-likelihood ratios with Vuong's test. The ``powerlaw`` package does
the same kind of work with ``Fit(...).distribution_compare(a, b)``; its exponential
cutoff model (which it calls ``"truncated_power_law"``) has a discrete normaliser
computed with mpmath's Lerch transcendent in pure Python, which takes seconds.

Data, each measured in the same run (the machine is shared and noisy, so only ratios
between the two sides count; the sides alternate, ``--repeat`` times, and medians are
compared):

1. ``tpl-4096``: a seeded sample of n = 4096 from the discrete TPL with alpha = 2,
   xmin = 5, xmax = 2000 (``netgraph.tpl.DiscreteTPL.sample``).
2. ``vgg16-fc1``: the degrees of the largest layer (4096 nodes, the first fully
   connected layer) of the exporter's VGG-16 benchmark model, read from
   ``benchmarks/_out/degrees.json`` written by ``bench_degrees.py``; when that file is
   missing, a VGG-16-like stand-in with the same shape of degrees (the sum of
   Binomial(25088, 0.3) lower and Binomial(4096, 0.3) upper connections of 4096 nodes,
   what 70% random pruning gives), and the report says so.

For each, the TPL is fitted once (:func:`netgraph.tpl.fit_tpl`, k = 0.3; not timed: it
has its own benchmark), then timed:

* *netgraph*: ``compare_tpl(degrees, fit)``, all four alternatives.
* *powerlaw, whole*: ``powerlaw.Fit(x, discrete=True, xmin=xmin, estimate_discrete=False)``
  on the same points ``x`` (the degrees in ``[xmin, xmax]``), then
  ``distribution_compare`` of ``"power_law"`` with ``"truncated_power_law"``,
  ``"lognormal"`` and ``"exponential"``: the same four fits and three comparisons.
* *powerlaw, cutoff only*: a fresh ``Fit`` and the single call
  ``distribution_compare("truncated_power_law", "power_law")``.

Target: netgraph at least 10x faster than *powerlaw, cutoff only* (the stricter of the
two, since it does a quarter of the work). Also reported: the log-likelihoods of each
fitted alternative on both sides (ours must be at least as high: both maximise the
same exact likelihood).

Outputs: a table on standard output, ``benchmarks/_out/bench_compare[_quick].json`` and
``.md`` (a snippet for the README's performance section). ``--quick``: n = 1024, one
repeat, a smoke check that always exits 0 unless something fails. Exit status: 0 when
every target passes, 1 when one fails, 2 on an error.

Run it with ``.venv/bin/python benchmarks/bench_compare.py [--quick] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "_out"
sys.path.insert(0, str(REPO))

#: Target: powerlaw's single cutoff comparison time / netgraph's whole comparison time.
SPEEDUP_TARGET = 10.0


def tpl_sample(n: int, seed: int) -> np.ndarray:
    from netgraph.tpl import DiscreteTPL

    return np.asarray(DiscreteTPL(2.0, 5, 2000).sample(n, seed=seed), dtype=np.int64)


def vgg_degrees(seed: int) -> tuple[np.ndarray, str]:
    """The largest layer of the VGG-16 benchmark model, or a stand-in of the same shape."""
    path = DEFAULT_OUT / "degrees.json"
    if path.exists():
        doc = json.loads(path.read_text())
        layers = [layer for layer in doc["layers"] if not layer.get("output") and layer["degrees"]]
        if layers:
            best = max(layers, key=lambda layer: (len(layer["degrees"]), -layers.index(layer)))
            return np.asarray(best["degrees"], dtype=np.int64), f"{path.name}: layer {best['name']}"
    rng = np.random.default_rng(seed)
    d = rng.binomial(25088, 0.3, 4096) + rng.binomial(4096, 0.3, 4096)
    return d.astype(np.int64), "stand-in: Binomial(25088, 0.3) + Binomial(4096, 0.3), 4096 nodes"


def run_netgraph(degrees, fit):
    from netgraph.compare import compare_tpl

    t = time.perf_counter()
    res = compare_tpl(degrees, fit)
    return time.perf_counter() - t, res


def run_powerlaw_whole(x, xmin):
    import powerlaw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        f = powerlaw.Fit(x, discrete=True, xmin=xmin, estimate_discrete=False, verbose=False)
        results = {alt: f.distribution_compare("power_law", alt, normalized_ratio=True)
                   for alt in ("truncated_power_law", "lognormal", "exponential")}
        dt = time.perf_counter() - t
        logliks = {
            "power_law": float(np.sum(f.power_law.loglikelihoods(x))),
            "cutoff_power_law": float(np.sum(f.truncated_power_law.loglikelihoods(x))),
            "lognormal": float(np.sum(f.lognormal.loglikelihoods(x))),
            "exponential": float(np.sum(f.exponential.loglikelihoods(x))),
        }
    return dt, {"compare": {k: [float(v) for v in r] for k, r in results.items()}, "logliks": logliks}


def run_powerlaw_cutoff(x, xmin):
    import powerlaw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        f = powerlaw.Fit(x, discrete=True, xmin=xmin, estimate_discrete=False, verbose=False)
        R, p = f.distribution_compare("truncated_power_law", "power_law")
        return time.perf_counter() - t, (float(R), float(p))


def bench_one(label, degrees, source, repeat):
    from netgraph.compare import fit_alternative
    from netgraph.tpl import fit_tpl

    t = time.perf_counter()
    fit = fit_tpl(degrees)
    t_fit = time.perf_counter() - t
    xmin, xmax = int(fit.xmin_), int(fit.xmax_)
    x = degrees[(degrees >= xmin) & (degrees <= xmax)]
    run_netgraph(degrees, fit)  # warm-up: imports and caches on both sides, untimed
    runs = {"netgraph": [], "powerlaw_whole": [], "powerlaw_cutoff": []}
    pl_whole = pl_cutoff = ours = None
    for _ in range(repeat):
        dt, ours = run_netgraph(degrees, fit)
        runs["netgraph"].append(dt)
        dt, pl_cutoff = run_powerlaw_cutoff(x, xmin)
        runs["powerlaw_cutoff"].append(dt)
        dt, pl_whole = run_powerlaw_whole(x, xmin)
        runs["powerlaw_whole"].append(dt)
    med = {k: statistics.median(v) for k, v in runs.items()}
    our_ll = {name: float(np.sum(fit_alternative(name, x, xmin).logpmf)) for name in ours}
    return {
        "label": label,
        "source": source,
        "n": int(degrees.size),
        "fit": {"xmin": xmin, "xmax": xmax, "alpha": float(fit.alpha_), "n_tail": int(x.size),
                "seconds": t_fit},
        "runs": runs,
        "median": med,
        "speedup_vs_cutoff": med["powerlaw_cutoff"] / med["netgraph"],
        "speedup_vs_whole": med["powerlaw_whole"] / med["netgraph"],
        "netgraph": {name: {"R": r["R"], "p": r["p"], "preferred": r["preferred"], "alt_params": r["alt_params"]}
                     for name, r in ours.items()},
        "loglik_netgraph": our_ll,
        "loglik_powerlaw": pl_whole["logliks"],
        "powerlaw_compare": pl_whole["compare"],
        "powerlaw_cutoff_compare": pl_cutoff,
    }


def markdown(results, quick) -> str:
    lines = [
        "| data | n (in range) | netgraph `compare_tpl` (4 alternatives) | powerlaw, cutoff comparison only |"
        " powerlaw, 4 fits + 3 comparisons | speed-up vs cutoff only (target >= 10x) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r["median"]
        lines.append(
            f"| {r['label']} | {r['n']} ({r['fit']['n_tail']}) | {m['netgraph'] * 1e3:.0f} ms | "
            f"{m['powerlaw_cutoff']:.2f} s | {m['powerlaw_whole']:.2f} s | "
            f"{r['speedup_vs_cutoff']:.0f}x {'PASS' if r['speedup_vs_cutoff'] >= SPEEDUP_TARGET else 'FAIL'} |")
    if quick:
        lines.append("\n(quick run: n = 1024, one repeat; a smoke check)")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="n = 1024 and one repeat: a smoke check")
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs of each side (default: 3)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the TPL sample (default: 0)")
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where the JSON and Markdown go")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    try:
        data = [("tpl-4096" if not args.quick else "tpl-1024", tpl_sample(1024 if args.quick else 4096, args.seed),
                 "DiscreteTPL(2.0, 5, 2000).sample(seed=%d)" % args.seed)]
        vgg, source = vgg_degrees(args.seed)
        data.append(("vgg16-fc1", vgg, source))
        results = [bench_one(label, d, source, repeat) for label, d, source in data]
    except Exception as exc:  # a failed run is an error, not a FAIL
        print(f"bench_compare: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    ok = True
    print(f"{'data':<10} {'n':>6} {'tail':>6} {'netgraph':>10} {'pl cutoff':>10} {'pl whole':>10} {'ratio':>8}  target")
    for r in results:
        m = r["median"]
        passed = r["speedup_vs_cutoff"] >= SPEEDUP_TARGET
        ok &= passed
        print(f"{r['label']:<10} {r['n']:>6} {r['fit']['n_tail']:>6} {m['netgraph'] * 1e3:>8.0f}ms "
              f"{m['powerlaw_cutoff']:>9.2f}s {m['powerlaw_whole']:>9.2f}s {r['speedup_vs_cutoff']:>7.0f}x  "
              f">= {SPEEDUP_TARGET:.0f}x {'PASS' if passed else 'FAIL'} (vs whole: {r['speedup_vs_whole']:.0f}x)")
        print(f"{'':<10} source: {r['source']}; TPL xmin={r['fit']['xmin']} xmax={r['fit']['xmax']} "
              f"alpha={r['fit']['alpha']:.3f}")
        for name, ll in r["loglik_netgraph"].items():
            theirs = r["loglik_powerlaw"][name]
            print(f"{'':<10} {name:<17} loglik netgraph {ll:.4f}  powerlaw {theirs:.4f}  "
                  f"(ours - theirs = {ll - theirs:+.2e})  R(TPL - alt) = {r['netgraph'][name]['R']:+.2f}, "
                  f"p = {r['netgraph'][name]['p']:.3g}")
    suffix = "_quick" if args.quick else ""
    args.out_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": "bench_compare",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "repeat": repeat,
        "target": {"speedup_vs_powerlaw_cutoff": SPEEDUP_TARGET},
        "pass": bool(ok),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "versions": _versions(),
        "results": results,
    }
    (args.out_dir / f"bench_compare{suffix}.json").write_text(json.dumps(doc, indent=2, default=str))
    (args.out_dir / f"bench_compare{suffix}.md").write_text(markdown(results, args.quick))
    print(f"overall: {'PASS' if ok else 'FAIL'}; wrote {args.out_dir / f'bench_compare{suffix}.json'} and .md")
    return 0 if (ok or args.quick) else 1


def _versions() -> dict:
    out = {}
    for name in ("numpy", "scipy", "powerlaw", "mpmath"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # pragma: no cover
            out[name] = None
    return out


if __name__ == "__main__":
    sys.exit(main())
