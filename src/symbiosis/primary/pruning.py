"""Progressive magnitude pruning (Zhu & Gupta 2017) with `torch.nn.utils.prune`.

The target sparsity rises along a cubic schedule from 0 to its final value between two training steps; at each
pruning step the globally weakest remaining weights (L1 magnitude, across all prunable layers) are masked, until the
count of masked weights matches the schedule. `finalize` makes the masks permanent (plain zeros in `weight`).
"""

from __future__ import annotations

import torch
from torch.nn.utils import prune

from symbiosis.primary.models import PrimaryCNN


def cubic_sparsity(step: int, final: float, start: int, end: int) -> float:
    """Zhu & Gupta's schedule: s_t = s_f * (1 - (1 - (t - t0) / (t1 - t0))^3), 0 before t0, s_f after t1."""
    if step <= start:
        return 0.0
    if step >= end:
        return final
    return final * (1.0 - (1.0 - (step - start) / (end - start)) ** 3)


def n_prunable(model: PrimaryCNN) -> int:
    return sum(getattr(m, name).numel() for m, name in model.prunable())


def n_masked(model: PrimaryCNN) -> int:
    """Weights masked so far (0 before the first pruning step)."""
    return sum(int((m.weight_mask == 0).sum()) for m, _ in model.prunable() if hasattr(m, "weight_mask"))


def prune_to(model: PrimaryCNN, sparsity: float) -> None:
    """Mask more of the globally smallest-magnitude weights until `sparsity` of the prunable weights are masked.

    The choice is `prune.global_unstructured` with `L1Unstructured` (the `extra` smallest |w| among the weights not yet
    masked, across all layers); it is made here because that function flattens weights with `view`, which fails on the
    channels-last convolution weights (symbiosis.primary.models). A layer's first mask is applied with
    `prune.custom_from_mask` (its pre-hook recomputes `weight` = mask * weight_orig at every forward); later ones update
    that mask in place.
    Masked weights are zero from the next forward; `finalize` folds them in."""
    params = model.prunable()
    extra = round(sparsity * n_prunable(model)) - n_masked(model)
    if extra <= 0:
        return
    weights = [getattr(m, name).detach() for m, name in params]
    masks = [getattr(m, f"{name}_mask", torch.ones_like(w)) for (m, name), w in zip(params, weights, strict=True)]
    kept = torch.cat([mask.flatten() for mask in masks])
    scores = torch.cat([w.abs().flatten() for w in weights]).masked_fill(kept == 0, torch.inf)
    kept[torch.topk(scores, extra, largest=False).indices] = 0
    for (m, name), w, mask in zip(params, weights, kept.split([w.numel() for w in weights]), strict=True):
        if hasattr(m, f"{name}_mask"):  # the new mask lies within the old one; in place, it keeps its memory format
            getattr(m, f"{name}_mask").copy_(mask.view(w.shape))
        else:
            prune.custom_from_mask(m, name, mask.view(w.shape))


def finalize(model: PrimaryCNN) -> None:
    """Fold the masks into the weights (pruned weights become exact zeros) and drop the re-parametrisation."""
    for m, name in model.prunable():
        if prune.is_pruned(m):
            prune.remove(m, name)
