"""Polysemanticity of gated units from their class-conditional mean activations.

For unit u, p_c(u) = m_c(u) / sum_c' m_c'(u) with m_c(u) the mean (ReLU, so non-negative) activation on class c.
- effective number of classes: exp(H(p)), from 1 (one class) to the number of classes (all alike);
- class selectivity index (Morcos et al. 2018): (m_max - mean of the others) / (m_max + mean of the others), in [0, 1].
A unit that never fires (all m_c = 0) is "dead": both metrics are undefined (NaN) and it is counted separately.
"""

from __future__ import annotations

import pandas as pd
import torch

from symbiosis.data.datasets import to_float
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


def unit_table(model: PrimaryCNN, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> pd.DataFrame:
    """One row per gated unit: layer, index, effective number of classes, selectivity, dead, preferred class."""
    means = class_conditional_means(model, x, y, n_classes)
    layers, index = zip(*model.arch.unit_index(), strict=True)
    return pd.DataFrame(
        {
            "layer": list(layers),
            "unit": list(index),
            "effective_classes": effective_classes(means).numpy(),
            "selectivity": selectivity_index(means).numpy(),
            "dead": (means.sum(0) == 0).numpy(),
            "preferred_class": means.argmax(0).numpy(),
        }
    )
