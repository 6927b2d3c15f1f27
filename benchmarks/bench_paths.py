#!/usr/bin/env python
"""Benchmark: input-to-output path counts of Dey et al.'s (4096, 512, 16) network, sparse against dense.

What is measured, and why
-------------------------
Issue 10 asks for the path counts of the CIFAR-10 "conv + 2 CLs" network of Dey et al.
(junction sizes (4096, 512, 16), fan-outs (1, 8): 4,608 of 2,105,344 weights) in under
1 s, and at least 50x faster than the same quantities computed with dense NumPy
products, as the authors' code does, measured side by side in one run.

* The network: two junctions with exactly those fans (every left node ``fo_i``
  connections, every right node ``fi_i``), a seeded random pattern (``--seed``).
* *netgraph*: :func:`netgraph.paths.path_counts` (the 16 x 4096 matrix ``A_2 A_1``,
  exact int64), :func:`netgraph.paths.equivalent_fans` and
  :func:`netgraph.paths.number_of_paths`, on a :class:`~netgraph.LayeredGraph` built
  once (building it is not timed).
* *dense*: the same three quantities from the dense 0/1 matrices (built once, not
  timed): ``A_2 @ A_1`` in float64 (BLAS, the fast dense route), its row and column
  sums and its total. The int64 dense product (NumPy's non-BLAS loop) is timed too
  and reported, not judged.

The two sides alternate (dense, netgraph, dense, netgraph, ...), ``--repeat`` times,
each time the best of ``--number`` calls; the medians are compared. The results are
checked against each other (and the total against 4096 x 1 x 8 = 32,768) before any
figure is reported.

Targets: netgraph's median < 1 s, and dense median / netgraph median >= 50.
Exit status 0 when both pass, 1 otherwise. Output: a table on standard output and
``benchmarks/_out/bench_paths.json``.

Run it with ``.venv/bin/python benchmarks/bench_paths.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "_out"

TIME_TARGET = 1.0      # seconds, netgraph's median
SPEEDUP_TARGET = 50.0  # dense median / netgraph median

SIZES = (4096, 512, 16)
FAN_OUTS = (1, 8)


def fixed_fan_pattern(n_left: int, n_right: int, fan_out: int, rng) -> sp.csr_array:
    """A 0/1 (n_right, n_left) pattern: fan-out ``fan_out`` per left node, ``n_left * fan_out / n_right`` per right node.

    Stub ``a * fan_out + t`` of left node ``a`` goes to right node ``(a * fan_out + t) mod n_right``
    (distinct for one left node since ``fan_out <= n_right``), then both sides are permuted.
    """
    stubs = np.arange(n_left * fan_out)
    left = rng.permutation(n_left)[stubs // fan_out]
    right = rng.permutation(n_right)[stubs % n_right]
    return sp.csr_array((np.ones(stubs.size, dtype=np.int64), (right, left)), shape=(n_right, n_left))


def build(seed: int):
    from netgraph import Junction, Layer, LayeredGraph

    rng = np.random.default_rng(seed)
    layers = [Layer(f"l{i}", n, "input" if i == 0 else "dense") for i, n in enumerate(SIZES)]
    patterns = [fixed_fan_pattern(SIZES[i], SIZES[i + 1], fo, rng) for i, fo in enumerate(FAN_OUTS)]
    junctions = [Junction(f"l{i}", f"l{i + 1}", m, m.astype(np.float64), op="Gemm") for i, m in enumerate(patterns)]
    return LayeredGraph(layers, junctions, outputs=[layers[-1].name]), patterns


def netgraph_side(graph):
    from netgraph.paths import equivalent_fans, number_of_paths, path_counts

    matrix = path_counts(graph, "l0", "l2")
    fan_in, fan_out = equivalent_fans(graph, "l0", "l2")
    return matrix, fan_in, fan_out, number_of_paths(graph)


def dense_side(dense):
    product = dense[1] @ dense[0]
    return product, product.sum(axis=1), product.sum(axis=0), product.sum()


def best_of(fn, number: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(number):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def check(sparse_result, dense_result) -> None:
    matrix, fan_in, fan_out, total = sparse_result
    product, d_in, d_out, d_total = dense_result
    assert np.array_equal(matrix.toarray(), product), "path matrices differ"
    assert np.array_equal(fan_in, d_in) and np.array_equal(fan_out, d_out), "fans differ"
    assert total == d_total == SIZES[0] * FAN_OUTS[0] * FAN_OUTS[1], (total, d_total)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=7, help="alternations of the two sides (default 7)")
    parser.add_argument("--number", type=int, default=3, help="calls per measurement, the best kept (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random pattern")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    args = parser.parse_args(argv)

    graph, patterns = build(args.seed)
    dense = [m.toarray().astype(np.float64) for m in patterns]
    dense_int = [m.toarray() for m in patterns]
    check(netgraph_side(graph), dense_side(dense))
    check(netgraph_side(graph), dense_side(dense_int))
    runs = {"dense_float64": [], "netgraph": [], "dense_int64": []}
    for _ in range(args.repeat):
        runs["dense_float64"].append(best_of(lambda: dense_side(dense), args.number)[0])
        runs["netgraph"].append(best_of(lambda: netgraph_side(graph), args.number)[0])
    for _ in range(max(1, args.repeat // 3)):
        runs["dense_int64"].append(best_of(lambda: dense_side(dense_int), 1)[0])
    medians = {k: statistics.median(v) for k, v in runs.items()}
    speedup = medians["dense_float64"] / medians["netgraph"]
    passed = {"time": medians["netgraph"] < TIME_TARGET, "speedup": speedup >= SPEEDUP_TARGET}
    rows = [("netgraph (sparse, exact int64)", medians["netgraph"]),
            ("dense NumPy, float64 (baseline)", medians["dense_float64"]),
            ("dense NumPy, int64 (reported only)", medians["dense_int64"])]
    print(f"path counts of {SIZES} with fan-outs {FAN_OUTS}: matrix A_2 A_1, equivalent fans, total "
          f"({SIZES[0] * FAN_OUTS[0] * FAN_OUTS[1]:,} paths)")
    for label, seconds in rows:
        print(f"  {label:<36} {seconds * 1e3:10.3f} ms (median of {len(runs['netgraph'])} runs)")
    print(f"  netgraph < {TIME_TARGET:g} s: {'pass' if passed['time'] else 'FAIL'}; "
          f"speed-up over dense float64 {speedup:.1f}x (target >= {SPEEDUP_TARGET:g}x): "
          f"{'pass' if passed['speedup'] else 'FAIL'}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    report = {"sizes": SIZES, "fan_outs": FAN_OUTS, "seed": args.seed, "medians_s": medians, "runs_s": runs,
              "speedup": speedup, "targets": {"time_s": TIME_TARGET, "speedup": SPEEDUP_TARGET}, "passed": passed}
    (args.out_dir / "bench_paths.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(passed.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
