"""Per-class unit scores [n_classes, U] that claim to say which gated units carry a class.

- `intervention_strength`: how hard the symbiote for class k pushes unit u on class-k inputs,
  s_k(u) = E_{y=k} |a_u(x) - g_u(x) a_u(x)| / std(a_u)  (|shift_u| / std(a_u) for steering), with std(a_u) the
  symbiote's own scale (the unit's standard deviation on the training data);
- baselines computed on the same inputs: gradient x activation of logit k (Captum's LayerGradientXActivation on the
  model's taps, conv2 summed over space), the class selectivity index of Morcos et al. (2018), the class-conditional
  mean activation, and random scores.
Every score is averaged over the inputs of class k only.
"""

from __future__ import annotations

import torch

from symbiosis.primary.models import GATED_LAYERS, PrimaryCNN
from symbiosis.symbiote.symbiote import Symbiotes


def _class_means(values: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[n_classes, ...]: mean of values [N, ...] over the inputs of each class, in float64."""
    sums = torch.zeros(n_classes, *values.shape[1:], dtype=torch.float64).index_add_(0, y, values.double().cpu())
    return sums / torch.bincount(y, minlength=n_classes).double().clamp_min(1).view(-1, *[1] * (values.dim() - 1))


@torch.no_grad()
def intervention_strength(sym: Symbiotes, units: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """s [K, U] for the symbiotes' classes (sym.arch.classes, in order), on the inputs of each one's class, from the
    primary's clean unit activations `units` [N, U] (symbiosis.primary.models.clean_pass)."""
    gates, shifts = sym(units)
    if gates is not None:
        change = (units * (1 - gates)).abs() / sym.scale  # [K, B, U]
    else:
        change = (shifts / sym.scale).abs().expand(-1, len(units), -1)
    y = y.to(units.device)
    return torch.stack([change[i][y == c].double().mean(0).cpu() for i, c in enumerate(sym.arch.classes)])


def gradient_x_activation(primary: PrimaryCNN, trunk: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[n_classes, U]: mean over class-k inputs of d logit_k / d a_u * a_u (Captum), conv2 summed over space; from the
    primary's trunk features [N, C, s, s]."""
    # Imported here: captum loads matplotlib (0.5 s a process); of the jobs that import this module, only the CNN's
    # analysis calls this.
    from captum.attr import LayerGradientXActivation

    per_input = []
    for name in GATED_LAYERS:
        attr = LayerGradientXActivation(primary.classify, primary.taps[name])
        values = torch.cat(
            [
                attr.attribute(tb, target=yb.to(tb.device)).detach()
                for tb, yb in zip(trunk.split(500), y.split(500), strict=True)
            ]
        )
        per_input.append(values.flatten(2).sum(-1) if values.dim() > 2 else values)
    return _class_means(torch.cat(per_input, dim=1), y, n_classes)


def class_selectivity(units: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[n_classes, U]: (m_k - m_rest) / (m_k + m_rest), m_rest the mean over the other classes; 0 for dead units."""
    means = mean_activation(units, y, n_classes)
    rest = (means.sum(0, keepdim=True) - means) / (n_classes - 1)
    return torch.nan_to_num((means - rest) / (means + rest), nan=0.0)


def mean_activation(units: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[n_classes, U]: the class-conditional mean activation of every unit, in float64."""
    return _class_means(units, y, n_classes)


def random_scores(n_classes: int, n_units: int, seed: int) -> torch.Tensor:
    """[n_classes, U] of independent uniform scores: the chance level of every metric (AUC 0.5)."""
    return torch.rand(n_classes, n_units, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
