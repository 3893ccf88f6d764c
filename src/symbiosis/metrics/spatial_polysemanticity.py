"""Class-level polysemanticity from activation matrices, and its spatially resolved form for conv channels.

`effective_classes` (symbiosis.metrics.polysemanticity) takes class-conditional mean activations. Averaged over space, a
conv channel that detects one stroke wherever it is looks polysemantic when the stroke sits at a different place in
each class: its spatial mean fires for every class. The spatial form computes the effective number of classes at each
position from that position's class-conditional means, and averages it over positions weighted by the channel's
mean activity there: a channel whose every position answers to one class scores 1 however many classes it serves
across positions; one that fires at the same place for every class keeps its score.
"""

from __future__ import annotations

import torch

from symbiosis.errors import SymbiosisError
from symbiosis.metrics.polysemanticity import effective_classes


def class_means(acts: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Mean activation per class: acts [N, ...] -> [n_classes, ...] in float64 (0 for a class with no sample)."""
    if len(acts) != len(y):
        raise SymbiosisError(f"class means: {len(acts)} activations but {len(y)} labels")
    sums = torch.zeros(n_classes, *acts.shape[1:], dtype=torch.float64).index_add_(0, y, acts.double())
    counts = torch.bincount(y, minlength=n_classes).double().clamp_min(1)
    return sums / counts.view(-1, *([1] * (acts.dim() - 1)))


def spatial_effective_classes(acts: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Per channel of conv activations [N, C, h, w]: activity-weighted mean over positions of exp(H) of the
    position's class distribution, [C]; NaN for a channel that never fires."""
    if acts.dim() != 4:
        raise SymbiosisError(f"spatial effective classes: need conv activations [N, C, h, w], got {tuple(acts.shape)}")
    means = class_means(acts.flatten(2), y, n_classes)  # [classes, C, positions]
    per_position = effective_classes(means.flatten(1)).view(means.shape[1:])  # NaN where a position never fires
    weight = means.sum(0)
    total = weight.sum(1)
    score = (torch.nan_to_num(per_position) * weight).sum(1) / total
    return torch.where(total > 0, score, torch.full_like(score, float("nan")))
