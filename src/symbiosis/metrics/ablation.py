"""Exact causal importance of the gated units by mean-ablation, batched over units (or sets of units).

Mean-ablating unit u replaces its activation with its mean over the reference data (for a conv2 channel: its mean
map), with no symbiote. The importance of u for class k is the drop it causes in logit k on class-k inputs:

    I_k(u) = E_{y=k} [ logit_k(x) - logit_k(x | a_u := mean a_u) ]

`ablated_logits` computes this for M ablation masks at once from the cached trunk features: fc1 is linear in the
conv2 map, so ablating channel c moves fc1's pre-activation by W_c (mean_c - h_c), a product computed once per batch;
only the cheap ReLU and fc2 run M times. `ablated_logits_naive` is the plain one-mask-at-a-time computation it must
equal (tests/test_ablation.py); bench/ablation_speed.py compares both with Captum's LayerFeatureAblation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from symbiosis.primary.models import PrimaryCNN


@torch.no_grad()
def unit_means(primary: PrimaryCNN, trunk: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mean activation of each gated layer over the reference data: conv2 as a mean map [C, s, s], fc1 as [F]."""
    return {"conv2": trunk.mean(0), "fc1": F.relu(primary.fc1(trunk.flatten(1))).mean(0)}


@torch.no_grad()
def ablated_logits(
    primary: PrimaryCNN, trunk: torch.Tensor, masks: torch.Tensor, means: dict[str, torch.Tensor]
) -> torch.Tensor:
    """Logits [M, B, classes] with the units of each mask [M, U] (bool, units in gated order) mean-ablated together."""
    conv, fc = primary.arch.slices.values()
    w = primary.fc1.weight.view(primary.fc1.out_features, primary.arch.conv2, -1)  # [F, C, s*s]
    per_channel = torch.einsum("bcs,fcs->bcf", trunk.flatten(2), w)  # [B, C, F]
    mean_channel = torch.einsum("cs,fcs->cf", means["conv2"].flatten(1), w)  # [C, F]
    masks = masks.to(trunk.device, trunk.dtype)  # callers may pass CPU masks (circuits) with CUDA data
    pre = primary.fc1(trunk.flatten(1)) + torch.einsum("mc,bcf->mbf", masks[:, conv], mean_channel - per_channel)
    h = F.relu(pre)
    on = masks[:, None, fc]  # [M, 1, F]
    return primary.fc2(h + on * (means["fc1"] - h))


@torch.no_grad()
def ablated_logits_naive(
    primary: PrimaryCNN, trunk: torch.Tensor, masks: torch.Tensor, means: dict[str, torch.Tensor]
) -> torch.Tensor:
    """The reference: for each mask, copy the activations, overwrite the ablated units and run the layers above."""
    conv, fc = primary.arch.slices.values()
    out = []
    for mask in masks:
        h = trunk.clone()
        h[:, mask[conv]] = means["conv2"][mask[conv]]
        a = F.relu(primary.fc1(h.flatten(1)))
        a[:, mask[fc]] = means["fc1"][mask[fc]]
        out.append(primary.fc2(a))
    return torch.stack(out)


@torch.no_grad()
def per_class_logit_drop(
    primary: PrimaryCNN,
    trunk: torch.Tensor,
    y: torch.Tensor,
    masks: torch.Tensor,
    n_classes: int,
    ablate=ablated_logits,
    batch_size: int = 250,
) -> torch.Tensor:
    """[M, n_classes]: mean over the inputs of class k of logit_k(clean) - logit_k(mask ablated), in float64."""
    means = unit_means(primary, trunk)
    sums = torch.zeros(len(masks), n_classes, dtype=torch.float64)
    y = y.to(trunk.device)
    for tb, yb in zip(trunk.split(batch_size), y.split(batch_size), strict=True):
        drop = primary.classify(tb)[None] - ablate(primary, tb, masks, means)  # [M, B, classes]
        own = drop.gather(2, yb[None, :, None].expand(len(masks), -1, 1))[..., 0]  # [M, B]: each input's own class
        sums.index_add_(1, yb.cpu(), own.double().cpu())
    return sums / torch.bincount(y.cpu(), minlength=n_classes).double().clamp_min(1)


def unit_importance(primary: PrimaryCNN, trunk: torch.Tensor, y: torch.Tensor, n_classes: int, **kw) -> torch.Tensor:
    """I [n_classes, U]: the exact mean-ablation importance of every gated unit for every class."""
    masks = torch.eye(primary.arch.n_units, dtype=torch.bool, device=trunk.device)
    return per_class_logit_drop(primary, trunk, y, masks, n_classes, **kw).T.contiguous()


@torch.no_grad()
def ablated_accuracy(
    primary: PrimaryCNN,
    trunk: torch.Tensor,
    y: torch.Tensor,
    masks: torch.Tensor,
    n_classes: int,
    means: dict[str, torch.Tensor] | None = None,
) -> torch.Tensor:
    """[M, n_classes]: accuracy on each class with the units of each mask mean-ablated together (no symbiote), to
    the reference `means` (default: those of `trunk`; pass the selection half's to score the evaluation half)."""
    means = unit_means(primary, trunk) if means is None else means
    correct = torch.cat(
        [
            (ablated_logits(primary, tb, masks, means).argmax(2) == yb.to(tb.device)).cpu()
            for tb, yb in zip(trunk.split(250), y.split(250), strict=True)
        ],
        dim=1,
    ).double()
    y = y.cpu()
    return torch.stack([correct[:, y == k].mean(1) for k in range(n_classes)], dim=1)
