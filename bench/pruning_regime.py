"""Measurement (not a speed bench): where does pruning bite on mnist5k?

Trains primaries with the default config's primary settings at several sparsities, pruning methods and fc1 widths,
one thread, one model at a time, and writes one row per model: test accuracy, live units per gated layer (a unit is
dead if it never fires on the test split) and the mean effective number of classes of the live units per layer.
Rows are appended as each model finishes, so a partial run is still usable.

    PYTHONPATH=src python bench/pruning_regime.py --data results/mnist5k/data.safetensors --out regime.csv \
        --models /tmp/models --sweep levels structured widths
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import torch
from safetensors.torch import save_file

from symbiosis.data.datasets import load_split
from symbiosis.metrics.polysemanticity import unit_table
from symbiosis.primary.models import PrimaryArch, measured_sparsity
from symbiosis.primary.train import PrimaryTraining, accuracy_report, train_primary

SWEEPS = {  # (method, sparsity, fc1 width) per sweep; seeds are crossed with every entry
    "levels": [("global", s, 192) for s in (0.0, 0.95, 0.98, 0.99, 0.995, 0.998)],
    "structured": [("structured", s, 192) for s in (0.5, 0.8, 0.9, 0.95)],
    "widths": [("global", 0.98, w) for w in (16, 32, 64)],
}


def measure(split, method: str, sparsity: float, width: int, seed: int, models: Path | None) -> dict:
    arch = PrimaryArch(fc1=width)
    cfg = PrimaryTraining(sparsity=sparsity, seed=seed, prune_method=method)
    start = time.perf_counter()
    model, _ = train_primary(split, arch, cfg, torch.device("cpu"))
    seconds = time.perf_counter() - start
    units = unit_table(model, split.x_test, split.y_test, 10)
    row = {"method": method, "sparsity": sparsity, "fc1": width, "seed": seed, "train_s": round(seconds, 1)}
    row["accuracy"] = accuracy_report(model, split.x_test, split.y_test)["accuracy"]
    row["measured_sparsity"] = measured_sparsity(model)
    for layer, group in units.groupby("layer"):
        live = group[~group["dead"]]
        row[f"{layer}_units"] = len(group)
        row[f"{layer}_live"] = len(live)
        row[f"{layer}_eff_classes"] = float(live["effective_classes"].mean())
    if models is not None:
        save_file(
            {k: v.contiguous() for k, v in model.state_dict().items()},
            models / f"{method}-s{sparsity}-fc{width}-seed{seed}.safetensors",
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--models", type=Path, default=None, help="folder to keep each model's weights in")
    parser.add_argument("--sweep", nargs="+", choices=list(SWEEPS), default=list(SWEEPS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    torch.set_num_threads(1)
    split = load_split(args.data)
    if args.models is not None:
        args.models.mkdir(parents=True, exist_ok=True)
    runs = [(entry, seed) for seed in args.seeds for sweep in args.sweep for entry in SWEEPS[sweep]]
    for (method, sparsity, width), seed in runs:
        row = measure(split, method, sparsity, width, seed, args.models)
        new = not args.out.exists()
        with args.out.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)
        print(row, flush=True)


if __name__ == "__main__":
    main()
