#!/usr/bin/env python
"""Benchmark: the exact k = 0.3 range search on wide layers whose degrees are mostly distinct.

What is measured
----------------
Degrees of wide layers of trained networks are mostly distinct, and the search's cost
follows its number of candidate pairs, which grows with the square of the number of
distinct degrees; the search prunes blocks of pairs first (netgraph/tpl/_blocks.py). For
n = 2,048, 4,096, ... up to ``--max-n`` (65,536 by default), n degrees are
drawn from round(LogNormal(10, 1)) (seed 0: about 98 % distinct at n = 2,048) and
``TruncatedPowerLaw(k=0.3).fit`` is timed, each n in its own process so that its peak
resident memory (``ru_maxrss``) is its own. Reported per n: distinct degrees, candidate
pairs, the pick, seconds, peak MB, and microseconds per pair. For n up to ``--check-n``
(4,096 by default) the same process also runs the exhaustive search
(``_Search(..., wide=False)``) and the pick must be the same (exit status 1 otherwise).

Target (issue 12): n = 16,384 in at most 2 s and 300 MB, with a cost that grows clearly
slower than the number of pairs. Exit status 1 when n = 16,384 was measured and misses it.

Outputs: a table on standard output and ``benchmarks/_out/bench_wide.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

OUT = Path(__file__).resolve().parent / "_out"
TARGET_N, TARGET_S, TARGET_MB = 16_384, 2.0, 300.0

_CHILD = """
import json, resource, sys, time
import numpy as np
from netgraph.tpl import TruncatedPowerLaw
n = int(sys.argv[1])
d = np.round(np.random.default_rng(0).lognormal(10.0, 1.0, n)).astype(np.int64)
t = time.perf_counter()
fit = TruncatedPowerLaw(k=0.3).fit(d)
seconds = time.perf_counter() - t
same = None
if n <= int(sys.argv[2]):
    from netgraph.tpl.ks import _Sample
    from netgraph.tpl.search import _Search
    old = _Search(_Sample(d), 0.3, wide=False)
    same = bool(int(old.a[old.best]) == fit.xmin_ and int(old.b[old.best]) == fit.xmax_)
print(json.dumps({"same_as_exhaustive": same, "n": n, "distinct": int(np.unique(d).size), "pairs": fit.candidates_, "xmin": fit.xmin_,
                  "xmax": fit.xmax_, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


def main(argv=None) -> int:
    """Run the table; return the exit status (1: the n = 16,384 target measured and missed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--max-n", type=int, default=65_536, help="largest n (default %(default)s)")
    parser.add_argument("--check-n", type=int, default=4096,
                        help="compare with the exhaustive search up to this n (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per n (default %(default)s)")
    args = parser.parse_args(argv)
    rows = []
    n = 2048
    while n <= args.max_n:
        try:
            done = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(args.check_n)], capture_output=True, text=True,
                                  timeout=args.timeout, check=True)
        except subprocess.TimeoutExpired:
            print(f"n={n}: over {args.timeout:g} s, stopped")
            break
        except subprocess.CalledProcessError as exc:
            print(f"n={n}: failed: {exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else exc}")
            break
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row["us_per_pair"] = 1e6 * row["seconds"] / row["pairs"]
        rows.append(row)
        print(f"n={n:6d} distinct={row['distinct']:6d} pairs={row['pairs']:10,d} pick=[{row['xmin']}, {row['xmax']}] "
              f"{row['seconds']:8.2f} s {row['peak_mb']:7.0f} MB {row['us_per_pair']:6.2f} us/pair"
              + ("" if row["same_as_exhaustive"] is None else f" same pick as exhaustive: {row['same_as_exhaustive']}"),
              flush=True)
        n *= 2
    target = next((r for r in rows if r["n"] == TARGET_N), None)
    passed = None if target is None else bool(target["seconds"] <= TARGET_S and target["peak_mb"] <= TARGET_MB)
    mismatch = [r["n"] for r in rows if r["same_as_exhaustive"] is False]
    if mismatch:
        print(f"pick differs from the exhaustive search at n = {mismatch}")
    OUT.mkdir(exist_ok=True)
    path = OUT / "bench_wide.json"
    path.write_text(json.dumps({"rows": rows, "target": f"n = {TARGET_N}: <= {TARGET_S} s and <= {TARGET_MB} MB",
                                "passed": passed}, indent=1))
    verdict = "not measured" if passed is None else ("pass" if passed else "FAIL")
    print(f"target (n = {TARGET_N:,} in <= {TARGET_S:g} s and {TARGET_MB:g} MB): {verdict}; wrote {path}")
    return 1 if passed is False or mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
