#!/usr/bin/env python
"""Benchmark: scatter and path counts of Dey et al.'s (4096, 512, 16) network, sparse against dense.

What is measured, and why
-------------------------
Issue 10 asks for the scatter and the input-to-output path counts of the CIFAR-10
"conv + 2 CLs" network of Dey et al. (junction sizes (4096, 512, 16), fan-outs (1, 8):
4,608 of 2,105,344 weights) in under 1 s, and at least 50x faster than the same
quantities computed with dense NumPy products as the authors' code does, measured side
by side in one run.

* The network: two junctions with exactly those fans (every left node ``fo_i``
  connections, every right node ``fi_i``), a seeded random pattern (``--seed``).
* *netgraph*: :func:`netgraph.scatter.scatter` (the vector ``[S_1f, S_1b, S_2f, S_2b,
  S_f, S_b]``), :func:`netgraph.paths.path_counts` (the 16 x 4096 matrix ``A_2 A_1``,
  exact int64), :func:`netgraph.paths.equivalent_fans` and
  :func:`netgraph.paths.number_of_paths`, on a :class:`~netgraph.LayeredGraph` built
  once (building it is not timed).
* *Dey's route* (judged): the computation of the authors' ``adjmatint.scatter_net``,
  written here from its description, not copied: dense float64 0/1 matrices (as their
  ``np.zeros`` makes them), the chain ``np.dot(A_2, A_1)``, fans from
  ``np.count_nonzero`` of a row and a column, and each window matrix entry summed as
  ``np.sum(A[k, window])`` in a Python comprehension over neurons and windows; divided by
  the ideal, clipped at 1, averaged. The same windows as netgraph's (consecutive blocks
  of the sizes netgraph chose); its vector must equal netgraph's.
* *dense, vectorised* (reported, not judged): the same quantities from dense matrices
  with every loop replaced by a BLAS product (``A_2 @ A_1`` and each ``A @ W`` with a
  dense 0/1 window-indicator matrix ``W``): the fastest dense route we know, much faster
  than the authors' code, so that the README can say what the sparse engine gains over
  dense linear algebra as such.
* Path counts alone are also timed against ``A_2 @ A_1`` in float64 and in int64 (NumPy's
  non-BLAS integer loop), reported.

The sides alternate, ``--repeat`` times, each time the best of ``--number`` calls (one
call for Dey's route); the medians are compared. Every result is checked against the
others (and the total against 4096 x 1 x 8 = 32,768) before any figure is reported.

Targets: netgraph's median (scatter and path counts) < 1 s, and Dey's route median /
netgraph median >= 50. Exit status 0 when both pass, 1 otherwise. Output: a table on
standard output and ``benchmarks/_out/bench_paths.json``.

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


def paths_side(graph):
    from netgraph.paths import equivalent_fans, number_of_paths, path_counts

    matrix = path_counts(graph, "l0", "l2")
    fan_in, fan_out = equivalent_fans(graph, "l0", "l2")
    return matrix, fan_in, fan_out, number_of_paths(graph)


def netgraph_side(graph):
    """Scatter and the path counts, as a user calls them."""
    from netgraph.scatter import scatter

    return scatter(graph), paths_side(graph)


def dense_paths(dense):
    product = dense[1] @ dense[0]
    return product, product.sum(axis=1), product.sum(axis=0), product.sum()


def _blocks(n: int, size: int) -> list[np.ndarray]:
    """Consecutive windows of ``size`` of ``n`` neurons (Dey's ``window1D(n, size, size)``)."""
    return [np.arange(start, start + size) for start in range(0, n, size)]


def _dey_entry(a, sizes, fo, fi, i):
    """Entry ``i`` of the vector the way the authors' loop computes it (see the module docstring)."""
    m = a[i // 2]
    if i % 2 == 0:  # right neurons against windows of left neurons
        windows = _blocks(m.shape[1], sizes[i])
        woam = np.asarray([[np.sum(m[k, w]) for w in windows] for k in range(m.shape[0])], dtype=float)
        ideal = fo[i // 2] / float(m.shape[0]) * sizes[i]
    else:  # left neurons against windows of right neurons
        windows = _blocks(m.shape[0], sizes[i])
        woam = np.asarray([[np.sum(m[w, k]) for w in windows] for k in range(m.shape[1])], dtype=float)
        ideal = fi[i // 2] / float(m.shape[1]) * sizes[i]
    ratio = woam / ideal
    ratio[ratio > 1] = 1
    return np.average(np.average(ratio, axis=1))


def dey_side(dense, sizes):
    """Scatter and path counts by the authors' route: dense float64 products, per-window sums in Python."""
    a = list(dense)
    a.append(np.dot(a[1], a[0]))
    fo = [np.count_nonzero(m[:, 0]) for m in a[:-1]]
    fi = [np.count_nonzero(m[0]) for m in a[:-1]]
    fo.append(np.prod(fo))
    fi.append(np.prod(fi))
    vector = np.array([_dey_entry(a, sizes, fo, fi, i) for i in range(2 * len(a))])
    product = a[-1]
    return vector, (product, product.sum(axis=1), product.sum(axis=0), product.sum())


def _indicator(n: int, size: int) -> np.ndarray:
    return (np.arange(n)[:, None] // size == np.arange(n // size)[None, :]).astype(np.float64)


def vectorised_side(dense, sizes, ideals):
    """The same quantities from dense matrices, every loop a BLAS product."""
    a = list(dense)
    a.append(a[1] @ a[0])
    vector = []
    for i in range(2 * len(a)):
        m = a[i // 2]
        woam = m @ _indicator(m.shape[1], sizes[i]) if i % 2 == 0 else _indicator(m.shape[0], sizes[i]).T @ m
        vector.append(np.minimum(woam / ideals[i], 1.0).mean())
    product = a[-1]
    return np.array(vector), (product, product.sum(axis=1), product.sum(axis=0), product.sum())


def best_of(fn, number: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(number):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def check_paths(sparse_result, dense_result) -> None:
    matrix, fan_in, fan_out, total = sparse_result
    product, d_in, d_out, d_total = dense_result
    assert np.array_equal(matrix.toarray(), product), "path matrices differ"
    assert np.array_equal(fan_in, d_in) and np.array_equal(fan_out, d_out), "fans differ"
    assert total == d_total == SIZES[0] * FAN_OUTS[0] * FAN_OUTS[1], (total, d_total)


def check_all(ours, other) -> None:
    result, paths = ours
    vector, dense = other
    assert np.allclose(result.vector, vector, rtol=0, atol=1e-12), (result.vector, vector)
    check_paths(paths, dense)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=5, help="alternations of the sides (default 5)")
    parser.add_argument("--number", type=int, default=3, help="calls per measurement, the best kept (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random pattern")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    args = parser.parse_args(argv)

    graph, patterns = build(args.seed)
    dense = [m.toarray().astype(np.float64) for m in patterns]
    dense_int = [m.toarray() for m in patterns]
    ours = netgraph_side(graph)
    sizes = [e.window_size for e in ours[0].entries]
    ideals = [e.ideal for e in ours[0].entries]
    check_all(ours, dey_side(dense, sizes))
    check_all(ours, vectorised_side(dense, sizes, ideals))
    check_paths(paths_side(graph), dense_paths(dense_int))
    sides = {"netgraph": (lambda: netgraph_side(graph), args.number),
             "dey_route": (lambda: dey_side(dense, sizes), 1),
             "dense_vectorised": (lambda: vectorised_side(dense, sizes, ideals), args.number),
             "paths_netgraph": (lambda: paths_side(graph), args.number),
             "paths_dense_float64": (lambda: dense_paths(dense), args.number),
             "paths_dense_int64": (lambda: dense_paths(dense_int), 1)}
    runs = {k: [] for k in sides}
    for _ in range(args.repeat):
        for name, (fn, number) in sides.items():
            runs[name].append(best_of(fn, number)[0])
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratios = {"dey_route": medians["dey_route"] / medians["netgraph"],
              "dense_vectorised": medians["dense_vectorised"] / medians["netgraph"],
              "paths_dense_float64": medians["paths_dense_float64"] / medians["paths_netgraph"],
              "paths_dense_int64": medians["paths_dense_int64"] / medians["paths_netgraph"]}
    passed = {"time": medians["netgraph"] < TIME_TARGET, "speedup": ratios["dey_route"] >= SPEEDUP_TARGET}
    rows = [("netgraph: scatter + path counts", "netgraph", None),
            ("Dey's route (judged)", "dey_route", "dey_route"),
            ("dense, vectorised BLAS (reported)", "dense_vectorised", "dense_vectorised"),
            ("netgraph: path counts alone", "paths_netgraph", None),
            ("dense float64 A_2 @ A_1 (reported)", "paths_dense_float64", "paths_dense_float64"),
            ("dense int64 A_2 @ A_1 (reported)", "paths_dense_int64", "paths_dense_int64")]
    print(f"scatter {ours[0].vector.round(4).tolist()} and path counts of {SIZES} with fan-outs {FAN_OUTS} "
          f"({SIZES[0] * FAN_OUTS[0] * FAN_OUTS[1]:,} paths); medians of {args.repeat} runs")
    for label, key, ratio in rows:
        extra = f"  netgraph {ratios[ratio]:6.1f}x faster" if ratio else ""
        print(f"  {label:<38} {medians[key] * 1e3:10.3f} ms{extra}")
    print(f"  netgraph < {TIME_TARGET:g} s: {'pass' if passed['time'] else 'FAIL'}; "
          f"{ratios['dey_route']:.1f}x faster than Dey's route (target >= {SPEEDUP_TARGET:g}x): "
          f"{'pass' if passed['speedup'] else 'FAIL'}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    report = {"sizes": SIZES, "fan_outs": FAN_OUTS, "seed": args.seed, "scatter": ours[0].vector.tolist(),
              "medians_s": medians, "runs_s": runs, "ratios": ratios,
              "targets": {"time_s": TIME_TARGET, "speedup_over_dey_route": SPEEDUP_TARGET}, "passed": passed}
    (args.out_dir / "bench_paths.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(passed.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
