"""Progressive magnitude pruning (Zhu & Gupta 2017) with `torch.nn.utils.prune`.

The target sparsity rises along a cubic schedule from 0 to its final value between two training steps; at each
pruning step the globally weakest remaining weights (L1 magnitude, across all prunable layers) are masked, until the
count of masked weights matches the schedule. `finalize` makes the masks permanent (plain zeros in `weight`).

Two methods (`METHODS`):
- "global": unstructured magnitude pruning; the sparsity is the fraction of all prunable weights masked;
- "structured": unit-level pruning of fc1 with `prune.ln_structured` (whole rows of fc1's weight, smallest L2 norm
  first, with the unit's bias, so that a removed unit is silent rather than a constant); the sparsity is then the
  fraction of fc1's units removed, and the other layers stay dense.
"""

from __future__ import annotations

import torch
from torch.nn.utils import prune

from symbiosis.errors import SymbiosisError
from symbiosis.primary.models import PrimaryCNN

METHODS = ("global", "structured")


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


def prune_to(model: PrimaryCNN, sparsity: float, method: str = "global") -> None:
    """Prune `model` to `sparsity` with `method` (see the module docstring); calls add to earlier masks."""
    if method == "global":
        prune_global(model, sparsity)
    elif method == "structured":
        prune_units(model, sparsity)
    else:
        raise SymbiosisError(f"unknown pruning method {method!r}; use one of {', '.join(METHODS)}")


def pruned_units(model: PrimaryCNN) -> int:
    """fc1 units removed so far by `prune_units` (rows of fc1's weight mask that are all zero)."""
    mask = getattr(model.fc1, "weight_mask", None)
    return 0 if mask is None else int((mask.sum(1) == 0).sum())


def prune_units(model: PrimaryCNN, fraction: float) -> None:
    """Remove whole fc1 units, smallest L2 norm of incoming weights first, until `fraction` of them are removed.

    `prune.ln_structured` with an integer amount prunes that many more rows among those still kept (its
    PruningContainer restricts the choice to the remaining rows); the bias gets the same row mask."""
    extra = round(fraction * model.fc1.out_features) - pruned_units(model)
    if extra <= 0:
        return
    prune.ln_structured(model.fc1, "weight", amount=extra, n=2, dim=0)
    keep = (model.fc1.weight_mask.sum(1) != 0).to(model.fc1.bias.dtype)
    if hasattr(model.fc1, "bias_mask"):
        model.fc1.bias_mask.copy_(keep)
    else:
        prune.custom_from_mask(model.fc1, "bias", keep)


def prune_global(model: PrimaryCNN, sparsity: float) -> None:
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
    for m in model.modules():
        for name in ("weight", "bias"):
            if hasattr(m, f"{name}_mask"):
                prune.remove(m, name)
