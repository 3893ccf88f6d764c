"""Training the symbiotes of the CNN through its fused, cached head vs through forward hooks, as JSON.

Same primary, data, classes, epochs, batches (in the same order) and threads, measured in the same run:
- `fused`: symbiosis.symbiote.train_symbiotes, which runs the primary's trunk once for the whole data set, caches each
  image's conv2-channel products with fc1, and per step runs only the gated head for all classes;
- `hooks`: symbiosis.hooks.train_symbiotes on the taps of the same model, which per step runs the model once clean
  and once gated, the K classes' edits as one batch of K * B from the first gated layer on (the part before it is
  shared: `GatedLayers.fork`), as it must for a model it knows nothing about.
Each is timed from the call to the trained symbiotes (set-up included), over interleaved rounds, the best of each
kept; the figure of merit is the ratio of training steps per second, fused over hooks (the issue keeps the fused path
only where it is at least 1.5). Both see the same batches, so they must train the same symbiotes: their mean target
and other-class test accuracy are reported, with the largest parameter difference (not zero: Adam turns float
rounding in near-zero gradients into steps of the learning rate's size, see bench/symbiote_batching.py). The primary is
trained briefly first, so that there is something to inhibit. Nothing here asserts a time.

    python bench/gating_paths.py --out bench/out/gating_paths.json
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch
from ablation_speed import timed  # bench/, beside this file

from symbiosis import hooks
from symbiosis.data.datasets import load_mnist5k, to_float
from symbiosis.primary.models import PrimaryArch
from symbiosis.primary.train import PrimaryTraining, train_primary
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, train_symbiotes


def outcome(primary, layers, sym, split) -> dict:
    """Mean over classes of the test accuracy on the target class and on the others under its symbiote."""
    test = [(to_float(x), y) for x, y in zip(split.x_test.split(500), split.y_test.split(500), strict=True)]
    table = hooks.evaluate(primary, layers, sym, test, n_classes=10)
    return {name: float(table[name].mean()) for name in ("target_accuracy", "other_accuracy")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/gating_paths.json"))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the workflow's per-job setting)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved measurement rounds (best is kept)")
    parser.add_argument("--primary-epochs", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    split = load_mnist5k()
    primary, _ = train_primary(split, PrimaryArch(), PrimaryTraining(epochs=args.primary_epochs), torch.device("cpu"))
    arch, cfg = SymbioteArch(classes=tuple(range(10))), SymbioteTraining(epochs=args.epochs)
    x, y = split.x_train, split.y_train
    layers = hooks.describe(primary, ["taps.conv2", "taps.fc1"], to_float(x[:2]))
    ways = {
        "fused": lambda: train_symbiotes(primary, x, y, arch, cfg),
        "hooks": lambda: hooks.train_symbiotes(primary, layers, hooks.SameBatches(x, y, cfg), arch, cfg),
    }
    best, trained = {way: float("inf") for way in ways}, {}
    for _ in range(args.rounds):
        for way, train in ways.items():
            seconds, (sym, history) = timed(train)
            best[way] = min(best[way], seconds)
            trained[way] = (sym, len(history["step"]))
    steps = trained["fused"][1]
    assert trained["hooks"][1] == steps
    diff = max(
        float((a - b).abs().max().detach())
        for a, b in zip(trained["fused"][0].parameters(), trained["hooks"][0].parameters(), strict=True)
    )
    result = {
        "cores": os.cpu_count(),
        "threads": args.threads,
        "torch": torch.__version__,
        "epochs": args.epochs,
        "train_images": len(y),
        "classes": len(arch.classes),
        "batch_size": cfg.batch_size,
        "steps": steps,
        **{f"{way}_s": seconds for way, seconds in best.items()},
        **{f"{way}_steps_per_s": steps / seconds for way, seconds in best.items()},
        "fused_over_hooks": best["hooks"] / best["fused"],
        "keep_fused_path": best["hooks"] / best["fused"] >= 1.5,
        "max_parameter_difference": diff,
        **{
            f"{way}_{name}": value
            for way, (sym, _) in trained.items()
            for name, value in outcome(primary, layers, sym, split).items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
