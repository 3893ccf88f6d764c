"""Exact per-unit mean-ablation importance: batched vs one unit at a time vs Captum's LayerFeatureAblation, as JSON.

Same model (the default architecture), same 1,000 held-out mnist5k images, same threads, measured in the same run:
- batched: symbiosis.metrics.ablation.unit_importance (trunk cached once, all unit masks pushed through fc1 in
  closed form);
- naive: the same with `ablated_logits_naive` (trunk cached, one unit at a time through the layers above);
- captum: LayerFeatureAblation on the model's taps, run on the images with each conv2 channel (its whole map) or fc1
  unit replaced by its mean, the way a user of the library would compute it.
Reported: seconds of each, the speed-ups as ratios, and the largest difference of each from the batched result (they
must compute the same numbers). The primary is trained briefly so that the importances are not those of a random
network. Nothing here asserts a time.

    python bench/ablation_speed.py --out bench/out/ablation_speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch
from captum.attr import LayerFeatureAblation

from symbiosis.data.datasets import load_mnist5k, to_float
from symbiosis.metrics.ablation import ablated_logits_naive, unit_importance, unit_means
from symbiosis.primary.models import GATED_LAYERS, PrimaryArch, trunk_features
from symbiosis.primary.train import PrimaryTraining, train_primary


def captum_importance(primary, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[n_classes, U] with Captum: per-image drop in the image's own logit, averaged over the images of each class."""
    images = to_float(x)
    trunk = trunk_features(primary, x)
    means = unit_means(primary, trunk)
    side = primary.arch.image_size // 4
    per_image = []
    for name in GATED_LAYERS:
        ablation = LayerFeatureAblation(primary, primary.taps[name])
        if name == "conv2":
            channels = torch.arange(primary.arch.conv2)[None, :, None, None].expand(1, -1, side, side)
            attr = ablation.attribute(images, target=y, layer_baselines=means[name][None], layer_mask=channels)
            per_image.append(attr[:, :, 0, 0])  # every position of a channel holds the channel's attribution
        else:
            per_image.append(ablation.attribute(images, target=y, layer_baselines=means[name][None]))
    values = torch.cat(per_image, dim=1).double()
    sums = torch.zeros(n_classes, values.shape[1], dtype=torch.float64).index_add_(0, y, values)
    return sums / torch.bincount(y, minlength=n_classes).double()[:, None]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/ablation_speed.json"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the workflow's per-job setting)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    split = load_mnist5k()
    primary, _ = train_primary(split, PrimaryArch(), PrimaryTraining(epochs=2), torch.device("cpu"))
    x, y = split.x_test, split.y_test
    with torch.no_grad():
        seconds_batched, batched = timed(lambda: unit_importance(primary, trunk_features(primary, x), y, 10))
        seconds_naive, naive = timed(
            lambda: unit_importance(primary, trunk_features(primary, x), y, 10, ablate=ablated_logits_naive)
        )
        seconds_captum, captum = timed(lambda: captum_importance(primary, x, y, 10))
    result = {
        "cores": os.cpu_count(),
        "threads": args.threads,
        "torch": torch.__version__,
        "images": len(y),
        "units": primary.arch.n_units,
        "classes": 10,
        "batched_s": seconds_batched,
        "naive_s": seconds_naive,
        "captum_s": seconds_captum,
        "speedup_vs_naive": seconds_naive / seconds_batched,
        "speedup_vs_captum": seconds_captum / seconds_batched,
        "max_difference_naive": float((naive - batched).abs().max()),
        "max_difference_captum": float((captum - batched).abs().max()),
        "max_importance": float(batched.abs().max()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
