"""Measurement (not a speed bench): does the symbiote repair pruned primaries, and does the KL objective stop it?

Loads the trained primaries of a finished run (results/<dataset>/models/s<level>-seed<seed>/primary.safetensors),
trains every kind of symbiote on each with `symbiote.other_loss` = ce and = kl (the rest of the schema's defaults),
evaluates them on the test split and writes one row per primary, kind and objective: mean over classes of the target
accuracy, the other-class accuracy and its change from the unedited primary (positive: repaired), and how many
symbiotes meet the criterion. Rows are appended as each model finishes, so a partial run is still usable.

    PYTHONPATH=src python bench/other_loss.py --results results/mnist5k --levels 0 0.98 0.99 0.995 --out other_loss.csv
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
from pathlib import Path

import torch

from symbiosis.checkpoint import load_primary
from symbiosis.data.datasets import load_split
from symbiosis.primary.models import clean_pass
from symbiosis.records import PrimaryRecord
from symbiosis.symbiote.evaluate import Criterion, evaluate_symbiotes
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, train_symbiotes

KINDS = ("symbiote", "static", "steering", "conditional_static", "conditional_steering")


def measure(results: Path, level: str, seed: int, kinds, writer) -> None:
    primary, meta = load_primary(results / "models" / f"s{level}-seed{seed}" / "primary.safetensors")
    split, model_id = load_split(results / "data.safetensors"), PrimaryRecord.from_json(meta).model
    clean, test = clean_pass(primary, split.x_train), clean_pass(primary, split.x_test)
    for other_loss in ("ce", "kl"):
        cfg = dataclasses.replace(SymbioteTraining(seed=seed), other_loss=other_loss)
        criterion = dataclasses.replace(Criterion(), other_loss=other_loss)
        for kind in kinds:
            sym, _ = train_symbiotes(primary, split.x_train, split.y_train, SymbioteArch(kind=kind), cfg, clean=clean)
            table = evaluate_symbiotes(primary, [sym], test, split.y_test, model_id.labels(), criterion)[0]
            writer(
                {
                    "sparsity": level,
                    "seed": seed,
                    "kind": kind,
                    "other_loss": other_loss,
                    "target_accuracy": table["target_accuracy"].mean(),
                    "other_accuracy": table["other_accuracy"].mean(),
                    "primary_other_accuracy": table["primary_other_accuracy"].mean(),
                    "other_accuracy_change": -table["other_accuracy_drop"].mean(),
                    "meeting_criterion": int(table["meets_criterion"].sum()),
                }
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--levels", nargs="+", required=True, help="sparsities as in the model folders, e.g. 0.99")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with args.out.open("w", newline="") as f:
        writer = None

        def write(row: dict) -> None:
            nonlocal writer
            if writer is None:
                writer = csv.DictWriter(f, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            f.flush()
            print(row, flush=True)

        for level in args.levels:
            for seed in args.seeds:
                measure(args.results, level, seed, args.kinds, write)


if __name__ == "__main__":
    main()
