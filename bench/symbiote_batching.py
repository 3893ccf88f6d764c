"""Training the ten symbiotes of one primary together (one batched pass) vs one after another, as JSON.

Same primary, data, epochs, batches and threads, measured in the same run: `batched` trains every class at once with
a class axis through the symbiotes' parameters (the primary's trunk cached, its gated head run once per batch for all
classes); `one_after_another` calls the same trainer once per class. The speed-up is the ratio of the two wall times
(equal to the ratio of seconds per class). Both are repeated in interleaved rounds and the best of each kept. The
largest parameter difference between the two results is reported too: they must train the same symbiotes.
Nothing here asserts a time.

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
from symbiosis.data import load_mnist5k
from symbiosis.models import PrimaryArch, PrimaryCNN
from symbiosis.symbiote import SymbioteArch, SymbioteTraining, train_symbiotes


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


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
    torch.manual_seed(0)
    primary = PrimaryCNN(PrimaryArch()).eval()  # training cost does not depend on the primary's weights
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
            float((getattr(together, name)[i] - value[0]).abs().max())
            for i, sym in enumerate(alone)
            for name, value in sym.named_parameters()
        )
        result["kinds"].append(
            {
                "kind": kind,
                "batched_s": best["batched"],
                "one_after_another_s": best["one_after_another"],
                "batched_s_per_class": best["batched"] / len(classes),
                "one_after_another_s_per_class": best["one_after_another"] / len(classes),
                "speedup": best["one_after_another"] / best["batched"],
                "max_parameter_difference": diff,
            }
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
