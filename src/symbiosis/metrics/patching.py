"""Mean-referenced attribution patching: the first-order estimate of the exact mean-ablation importance.

Mean-ablating unit u moves logit k by logit_k(x | a_u := mean a_u) - logit_k(x) ~ (mean a_u - a_u(x)) dz_k/da_u(x)
(Nanda 2023, "Attribution patching"; for a conv2 channel the product is summed over its spatial positions, and the
mean is the channel's mean map, as in symbiosis.ablation). Its class-k average, with the sign flipped to match I_k
(a drop in logit k is positive importance), estimates

    I_k(u) = E_{y=k}[ logit_k(x) - logit_k(x | a_u := mean a_u) ]  ~  E_{y=k}[ (a_u(x) - mean a_u) dz_k/da_u(x) ]

For fc1 units, which feed the linear fc2, it is exact: I_k(u) = W2[k, u] (mu_k(u) - mu(u)). Every input needs the
gradient of its own class's logit only, so one backward pass of sum_i z_{y_i}(x_i) gives all of them (inputs do not
interact), for all gated units at once.
"""

from __future__ import annotations

import torch

from symbiosis.metrics.ablation import unit_means
from symbiosis.primary.models import PrimaryCNN


def _class_means(values: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    sums = torch.zeros(n_classes, values.shape[1], dtype=torch.float64).index_add_(0, y, values.double())
    return sums / torch.bincount(y, minlength=n_classes).double().clamp_min(1)[:, None]


def patching_per_input(
    primary: PrimaryCNN, trunk: torch.Tensor, y: torch.Tensor, means: dict[str, torch.Tensor]
) -> torch.Tensor:
    """[B, U]: (a_u(x) - mean a_u) dz_y/da_u(x) for each input's own class y, conv2 summed over space (float32)."""
    with torch.enable_grad():
        h = trunk.detach().requires_grad_(True)
        logits, acts = primary.classify(h, return_activations=True)
        own = logits.gather(1, y.to(logits.device)[:, None]).sum()
        grad_conv, grad_fc = torch.autograd.grad(own, [acts["conv2"], acts["fc1"]])
    conv = ((acts["conv2"] - means["conv2"]) * grad_conv).flatten(2).sum(-1)
    fc = (acts["fc1"] - means["fc1"]) * grad_fc
    return torch.cat([conv, fc], dim=1).detach()


def attribution_patching(
    primary: PrimaryCNN,
    trunk: torch.Tensor,
    y: torch.Tensor,
    n_classes: int,
    means: dict[str, torch.Tensor] | None = None,
    batch_size: int = 500,
) -> dict[str, torch.Tensor]:
    """{"signed": [n_classes, U], "unsigned": [n_classes, U]}: the class-k mean of the per-input patching estimate of
    I_k(u) (see the module docstring) and its absolute value (the estimate of |I_k|), in float64.

    means: the reference activations (symbiosis.ablation.unit_means); by default those of `trunk` itself, as in
    symbiosis.ablation.unit_importance. Pass the selection half's means to score the evaluation half."""
    means = unit_means(primary, trunk) if means is None else means
    y = y.to(trunk.device)
    per_input = torch.cat(
        [
            patching_per_input(primary, tb, yb, means).cpu()
            for tb, yb in zip(trunk.split(batch_size), y.split(batch_size), strict=True)
        ]
    )
    signed = _class_means(per_input, y.cpu(), n_classes)
    return {"signed": signed, "unsigned": signed.abs()}


def fc1_closed_form(primary: PrimaryCNN, fc1: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[n_classes, fc1]: the exact fc1 importance W2[k, u] (mu_k(u) - mu(u)) from fc1 activations [N, fc1]."""
    mu_k = _class_means(fc1.cpu(), y.cpu(), n_classes)
    return primary.fc2.weight.detach().double().cpu() * (mu_k - fc1.double().cpu().mean(0))
