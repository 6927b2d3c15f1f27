#!/usr/bin/env python
"""Benchmark: ``netgraph degrees`` on 10M-weight LSTM and attention models, against the cost of reading them.

What is measured, and why
-------------------------
Issue 11 asks that an LSTM or attention model with 10 million weights reads in under 3x
the load-and-count floor, as the VGG-16 of ``bench_degrees.py`` does. Two models are
built in torch with seeded random weights, half of every weight matrix's entries (of
smallest magnitude; biases kept) set to exact zeros, and exported with
``torch.onnx.export(..., dynamo=False)`` into ``benchmarks/_out/`` (reused by later
runs):

* *lstm*: ``nn.LSTM(512, 1024, batch_first=True)`` then ``nn.Linear(1024, 4096)``, a
  (1, 16, 512) input: 10.5 million weights.
* *attention*: three ``nn.TransformerEncoderLayer(512, 8, 2048, batch_first=True)``
  then ``nn.Linear(512, 1000)``, a (1, 16, 512) input: 10.0 million weights.

Each measurement is its own process, timed around the whole process, its peak RSS read
with ``os.wait4`` (the helpers of ``bench_degrees.py``): the *floor* (``onnx.load`` +
``np.count_nonzero`` of every initializer) against ``netgraph degrees MODEL --json -o
FILE`` in strict mode, alternated ``--repeat`` times after one untimed run of each (so
that both run with their byte code cached, as installed packages do), medians compared.

Target: netgraph's median <= 3x the floor's, for each model. Exit status 0 when both
pass, 1 when a target fails or a model cannot be read (the reason is printed).
Output: a table on standard output and ``benchmarks/_out/bench_sequence.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_degrees as bd  # noqa: E402  (the process helpers and the floor)

TIME_TARGET = 3.0
MODELS = ("lstm", "attention")


def build(kind: str):
    import torch
    from torch import nn

    if kind == "lstm":
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(512, 1024, batch_first=True)
                self.head = nn.Linear(1024, 4096)

            def forward(self, x):
                y, _ = self.lstm(x)
                return self.head(y[:, -1])

        return Net()
    layers = [nn.TransformerEncoderLayer(512, 8, 2048, batch_first=True, dropout=0.0) for _ in range(3)]
    return nn.Sequential(*layers, nn.Flatten(0, 1), nn.Linear(512, 1000))


def child_export(kind: str, path: str) -> dict:
    import warnings

    import torch

    torch.manual_seed(0)
    model = build(kind).eval()
    total = 0
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                cut = p.abs().flatten().kthvalue(p.numel() // 2).values
                p[p.abs() <= cut] = 0.0
                total += p.numel()
    x = torch.randn(1, 16, 512, generator=torch.Generator().manual_seed(0))
    tmp = path + ".tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), tmp, dynamo=False, input_names=["input"], output_names=["output"])
    os.replace(tmp, path)
    return {"weights": total}


def run_child(argv: list[str]) -> int:
    kind, rest = argv[0], argv[1:]
    result = child_export(*rest) if kind == "export" else bd.child_floor(rest[0])
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")
    return 0


def measure(path: Path, repeat: int, netgraph_exe: str) -> dict:
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    floor, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "degrees.json")
        bd.spawn([*me, "floor", str(path)])  # untimed: byte code cached, page cache warm (both sides)
        bd.spawn([netgraph_exe, "degrees", str(path), "--json", "-o", out])
        for _ in range(repeat):
            floor.append(bd.spawn([*me, "floor", str(path)]))
            ours.append(bd.spawn([netgraph_exe, "degrees", str(path), "--json", "-o", out]))
    f, n = (statistics.median(r["wall_s"] for r in rs) for rs in (floor, ours))
    return {"floor_s": f, "netgraph_s": n, "ratio": n / f,
            "floor_peak_rss": statistics.median(r["peak_rss"] for r in floor),
            "netgraph_peak_rss": statistics.median(r["peak_rss"] for r in ours)}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return run_child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=3, help="alternations of the two sides (default 3)")
    parser.add_argument("--out-dir", type=Path, default=bd.DEFAULT_OUT, help="model cache and JSON directory")
    parser.add_argument("--netgraph", default=str(Path(sys.executable).with_name("netgraph")),
                        help="the netgraph console script (default: the one beside this Python)")
    args = parser.parse_args(argv)
    out_dir = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    report, ok = {}, True
    for kind in MODELS:
        path = out_dir / f"sequence_{kind}_s0p5_seed0.onnx"
        if not path.exists():
            print(f"exporting the {kind} model ...", file=sys.stderr, flush=True)
            bd.spawn([*me, "export", kind, str(path)])
        bd.warm_page_cache(path)
        try:
            row = measure(path, args.repeat, args.netgraph)
        except bd.ChildFailed as exc:
            reason = str(exc).strip().splitlines()[-1]
            print(f"{kind}: netgraph cannot read it yet: {reason}")
            report[kind], ok = {"error": reason}, False
            continue
        row["passed"] = row["ratio"] <= TIME_TARGET
        ok &= row["passed"]
        report[kind] = {"file_bytes": path.stat().st_size, **row}
        print(f"{kind:<10} {path.stat().st_size / 1e6:6.0f} MB  floor {row['floor_s']:6.2f} s  netgraph degrees "
              f"{row['netgraph_s']:6.2f} s  = {row['ratio']:.2f}x (target <= {TIME_TARGET:g}x: "
              f"{'PASS' if row['passed'] else 'FAIL'}); peak RSS {bd.fmt_bytes(row['netgraph_peak_rss'])}")
    (out_dir / "bench_sequence.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
