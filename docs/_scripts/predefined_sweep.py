"""Accuracy against connection density of pre-defined sparse MLPs on digits (like Dey et al.'s Fig. 2c).

Run once from the repository root, ``.venv/bin/python docs/_scripts/predefined_sweep.py``; it prints
the reStructuredText table that docs/trainers.rst shows. Networks (64, h, 10) for h in HIDDEN, junction
1 with fan-out fo (density fo / h), junction 2 fully connected (fan-out 10), the random pattern, Adam
(lr 1e-3, batches of 64), EPOCHS epochs, one thread; the test accuracy is the mean over SEEDS (the masks,
initialisation and batch order), with the split of seed 0.
"""

import logging
import time

import numpy as np

from trainers.data import load_dataset
from trainers.predefined import connection_densities, train_predefined

HIDDEN = (16, 32, 64, 128)
EPOCHS = 50
SEEDS = (0, 1, 2)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    data = load_dataset("digits")
    rows, start = [], time.perf_counter()
    for h in HIDDEN:
        for fo in (f for f in (1, 2, 4, 8, 16, 32, 64, 128) if f <= h and (64 * f) % h == 0):
            layers, fanouts = (64, h, 10), (fo, 10)
            dens = connection_densities(layers, fanouts)
            acc = [train_predefined(data, layers=layers, fanouts=fanouts, epochs=EPOCHS, seed=s,
                                    progress=False).accuracy["test"] for s in SEEDS]
            rows.append([f"64-{h}-10", f"{fo},10", f"{fo}/{h}",
                         f"{100 * dens['overall']:.1f}", f"{dens['total_weights']:,}", f"{np.mean(acc):.1f}",
                         f"{min(acc):.1f}-{max(acc):.1f}"])
    header = ["layers", "fan-outs", "junction 1 density", "overall density %", "weights", "test accuracy %",
              "range over seeds"]
    print(".. csv-table::\n   :header: " + ", ".join(f'"{h}"' for h in header) + "\n")
    for row in rows:
        print("   " + ", ".join(f'"{c}"' for c in row))
    logging.warning("%d networks x %d seeds in %.0f s", len(rows), len(SEEDS), time.perf_counter() - start)


if __name__ == "__main__":
    main()
