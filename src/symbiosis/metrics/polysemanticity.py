"""Polysemanticity of gated units from their class-conditional mean activations.

For unit u, p_c(u) = m_c(u) / sum_c' m_c'(u) with m_c(u) the mean (ReLU, so non-negative) activation on class c.
- effective number of classes: exp(H(p)), from 1 (one class) to the number of classes (all alike);
- class selectivity index (Morcos et al. 2018): (m_max - mean of the others) / (m_max + mean of the others), in [0, 1].
A unit that never fires (all m_c = 0) is "dead": both metrics are undefined (NaN) and it is counted separately.

Spatially resolved form for conv channels. Averaged over space, a channel that detects one stroke wherever it is looks
polysemantic when the stroke sits at a different place in each class: its spatial mean fires for every class.
`spatial_effective_classes` computes the effective number of classes at each position from that position's
class-conditional means, and averages it over positions weighted by the channel's mean activity there: a channel whose
every position answers to one class scores 1 however many classes it serves across positions; one that fires at the
same place for every class keeps its score (known answers: tests/test_known_polysemanticity.py).
"""

from __future__ import annotations

import pandas as pd
import torch

from symbiosis.data.datasets import to_float
from symbiosis.errors import SymbiosisError
from symbiosis.primary.models import PrimaryCNN, unit_activations


@torch.no_grad()
def class_conditional_means(
    model: PrimaryCNN, x: torch.Tensor, y: torch.Tensor, n_classes: int, batch_size: int = 1000
) -> torch.Tensor:
    """Mean activation of every gated unit per class, [n_classes, U], in float64."""
    device = next(model.parameters()).device
    sums = torch.zeros(n_classes, model.arch.n_units, dtype=torch.float64)
    for xb, yb in zip(x.split(batch_size), y.split(batch_size), strict=True):
        _, acts = model(to_float(xb).to(device), return_activations=True)
        sums.index_add_(0, yb, unit_activations(acts).double().cpu())
    counts = torch.bincount(y, minlength=n_classes).double()
    return sums / counts[:, None]


def effective_classes(means: torch.Tensor) -> torch.Tensor:
    """exp(entropy) of each unit's class distribution; means is [n_classes, U]; NaN for dead units."""
    total = means.sum(0)
    p = means / total
    entropy = -torch.where(p > 0, p * p.log(), torch.zeros_like(p)).sum(0)
    return torch.where(total > 0, entropy.exp(), torch.full_like(total, float("nan")))


def selectivity_index(means: torch.Tensor) -> torch.Tensor:
    """(m_max - m_rest) / (m_max + m_rest) per unit, m_rest the mean over the other classes; NaN for dead units."""
    top, _ = means.max(0)
    rest = (means.sum(0) - top) / (means.shape[0] - 1)
    denom = top + rest
    return torch.where(denom > 0, (top - rest) / denom, torch.full_like(denom, float("nan")))


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


@torch.no_grad()
def conv2_activations(model: PrimaryCNN, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The gated conv layer's activations [N, C, h, w] (float32, on the CPU) of images x."""
    device = next(model.parameters()).device
    return torch.cat([model.features(to_float(xb).to(device)).cpu() for xb in x.split(batch_size)])


def unit_table(model: PrimaryCNN, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> pd.DataFrame:
    """One row per gated unit: layer, index, effective number of classes (of the spatial mean for conv channels),
    its spatially resolved form (conv channels; NaN for fc units), selectivity, dead, preferred class."""
    means = class_conditional_means(model, x, y, n_classes)
    layers, index = zip(*model.arch.unit_index(), strict=True)
    spatial = torch.full((model.arch.n_units,), float("nan"), dtype=torch.float64)
    spatial[model.arch.slices["conv2"]] = spatial_effective_classes(conv2_activations(model, x), y, n_classes)
    return pd.DataFrame(
        {
            "layer": list(layers),
            "unit": list(index),
            "effective_classes": effective_classes(means).numpy(),
            "spatial_effective_classes": spatial.numpy(),
            "selectivity": selectivity_index(means).numpy(),
            "dead": (means.sum(0) == 0).numpy(),
            "preferred_class": means.argmax(0).numpy(),
        }
    )
