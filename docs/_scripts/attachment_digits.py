"""Figures 7-9 of Hou & Kwok on digits: the continual trainer at P = 3 and P = 6, then netgraph attachment.

Run once from the repository root::

    .venv/bin/python docs/_scripts/attachment_digits.py [DIR]

For each P it trains (or reuses, when ``DIR/P{p}/t0.onnx`` and ``t1.onnx`` exist) the two-task
MLP 64-1024-1024-10 of ``netgraph train continual --dataset digits --P p --s1 0.9 --s2 0.8
--seed 0`` (the default s2 reading, "remaining"), runs :func:`netgraph.attachment.attachment_analysis`
(log-binned degrees, 200 null placements, seed 0), writes ``delta_hat.png``, ``omega_hat.png`` and
``ccdf_t1.png`` into ``DIR/P{p}/figures`` (default DIR: ``docs/_build/attachment_digits``, which git
ignores: the PNGs are not committed) and prints the reStructuredText table that docs/attachment.rst
shows. Training takes about two minutes per P on two cores.
"""

import logging
import sys
from pathlib import Path

from exporters import read_onnx
from netgraph.attachment import attachment_analysis, write_figures

PS = (3, 6)


def train(folder: Path, p: int) -> None:
    from trainers.continual import run_continual

    run_continual(dataset="digits", output=str(folder), p=p, s1=0.9, s2=0.8, seed=0, progress=False)


def main(argv) -> None:
    logging.basicConfig(level=logging.ERROR)
    out = Path(argv[0]) if argv else Path("docs/_build/attachment_digits")
    rows = []
    for p in PS:
        folder = out / f"P{p}"
        if not ((folder / "t0.onnx").exists() and (folder / "t1.onnx").exists()):
            train(folder, p)
        result = attachment_analysis(read_onnx(str(folder / "t0.onnx")), read_onnx(str(folder / "t1.onnx")),
                                     bins="log", seed=0)
        write_figures(result, folder / "figures")
        for entry in result.to_dict(delta=False)["layers"]:
            beta, null, tpl = entry["beta"], entry["null"], entry["tpl"]
            rows.append([str(p), entry["layer"], f"{entry['new_connections']:,}", f"{entry['slope']:.3f}",
                         f"{entry['r2']:.2f}", f"{entry['predicted_slope']:.2f}",
                         f"{beta['beta']:.2f} [{beta['low']:.2f}, {beta['high']:.2f}]", f"{null['p_value']:.3f}",
                         f"{entry['growth']['median']:.2f}", f"{tpl['t0']['alpha'] or float('nan'):.2f}",
                         f"{tpl['t1']['alpha'] or float('nan'):.2f}"])
        print(f"wrote {folder / 'figures'}", file=sys.stderr)
    header = ["P", "layer", "new", "slope", "r2", "predicted slope", "beta [95%]", "null p", "c median",
              "TPL alpha t0", "TPL alpha t1"]
    print(".. csv-table::\n   :header: " + ", ".join(f'"{h}"' for h in header) + "\n")
    for row in rows:
        print("   " + ", ".join(f'"{c}"' for c in row))


if __name__ == "__main__":
    main(sys.argv[1:])
