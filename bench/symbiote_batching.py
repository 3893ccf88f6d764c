"""Training the ten symbiotes of one primary together (one batched pass) vs one after another, as JSON.

Same primary, data, epochs, batches and threads, measured in the same run: `batched` trains every class at once with
a class axis through the symbiotes' parameters (the primary's trunk cached, its gated head run once per batch for all
classes); `one_after_another` calls the same trainer once per class. The speed-up is the ratio of the two wall times
(equal to the ratio of seconds per class). Both are repeated in interleaved rounds and the best of each kept. Both
results are evaluated on the held-out images (mean target-class and other-class accuracy): they must do the same
job. Their largest parameter difference is reported too; it is not zero after hundreds of steps, because Adam turns
float rounding in near-zero gradients into steps of the learning rate's size, but the outcomes agree. The primary is
trained briefly first, so that there is something to inhibit. Nothing here asserts a time.

    python bench/symbiote_batching.py --out bench/out/symbiote_batching.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from symbiosis.choices import SYMBIOTE_KINDS
from symbiosis.data.datasets import load_mnist5k
from symbiosis.primary.models import PrimaryArch, clean_pass
from symbiosis.primary.train import PrimaryTraining, train_primary
from symbiosis.symbiote.evaluate import inhibition_matrix
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, train_symbiotes


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def accuracies(primary, symbiotes, split, classes) -> dict:
    """Mean over classes of the test accuracy on the target class and on the other classes under its symbiote."""
    clean = clean_pass(primary, split.x_test)
    rows = torch.cat([inhibition_matrix(primary, s, clean, split.y_test) for s in symbiotes])
    target = rows.diagonal()
    others = (rows.sum(1) - target) / (len(classes) - 1)
    return {"target_accuracy": float(target.mean()), "other_accuracy": float(others.mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/symbiote_batching.json"))
    parser.add_argument("--epochs", type=int, default=SymbioteTraining().epochs)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the workflow's per-job setting)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved measurement rounds (best is kept)")
    parser.add_argument("--kinds", nargs="+", choices=SYMBIOTE_KINDS, default=list(SYMBIOTE_KINDS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    split = load_mnist5k()
    primary, _ = train_primary(split, PrimaryArch(), PrimaryTraining(epochs=3), torch.device("cpu"))
    cfg = SymbioteTraining(epochs=args.epochs)
    classes = tuple(range(10))
    result = {
        "cores": os.cpu_count(),
        "threads": args.threads,
        "torch": torch.__version__,
        "epochs": args.epochs,
        "train_images": len(split.y_train),
        "classes": len(classes),
        "kinds": [],
    }
    for kind in args.kinds:

        def batched(kind=kind):
            return train_symbiotes(primary, split.x_train, split.y_train, SymbioteArch(kind, classes), cfg)[0]

        def one_after_another(kind=kind):
            return [
                train_symbiotes(primary, split.x_train, split.y_train, SymbioteArch(kind, (c,)), cfg)[0]
                for c in classes
            ]

        best = {"batched": float("inf"), "one_after_another": float("inf")}
        for _ in range(args.rounds):
            seconds, together = timed(batched)
            best["batched"] = min(best["batched"], seconds)
            seconds, alone = timed(one_after_another)
            best["one_after_another"] = min(best["one_after_another"], seconds)
        diff = max(
            float((getattr(together, name)[i] - value[0]).abs().max().detach())
            for i, sym in enumerate(alone)
            for name, value in sym.named_parameters()
        )
        outcome = {
            "batched": accuracies(primary, [together], split, classes),
            "one_after_another": accuracies(primary, alone, split, classes),
        }
        result["kinds"].append(
            {
                "kind": kind,
                "batched_s": best["batched"],
                "one_after_another_s": best["one_after_another"],
                "batched_s_per_class": best["batched"] / len(classes),
                "one_after_another_s_per_class": best["one_after_another"] / len(classes),
                "speedup": best["one_after_another"] / best["batched"],
                "max_parameter_difference": diff,
                **{f"{way}_{name}": value for way, result in outcome.items() for name, value in result.items()},
            }
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
