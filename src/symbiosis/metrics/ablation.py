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

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from symbiosis.primary.models import PrimaryCNN


@torch.no_grad()
def unit_means(primary: PrimaryCNN, trunk: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mean activation of each gated layer over the reference data: conv2 as a mean map [C, s, s], fc1 as [F]."""
    return {"conv2": trunk.mean(0), "fc1": F.relu(primary.fc1(trunk.flatten(1))).mean(0)}


@dataclass(frozen=True)
class Fc1Pass:
    """What every edit of one batch of trunk features h [B, C, s, s] reuses: each conv2 channel's contribution to
    fc1's pre-activation, W_c h_c [B, C, F] (`PrimaryCNN.channel_products`), and fc1's clean pre-activation [B, F].
    Computed once per batch and handed to every edit of it (`ablated_logits`, `curves`), it gives the same numbers
    as recomputing them per edit, bit for bit: the same kernels on the same inputs."""

    products: torch.Tensor
    pre: torch.Tensor
    by_channel: torch.Tensor  # the products laid out channel first, [C, B, F] (`channel_edit`)

    @classmethod
    @torch.no_grad()
    def of(cls, primary: PrimaryCNN, trunk: torch.Tensor) -> Fc1Pass:
        products = primary.channel_products(trunk)
        return cls(products, primary.fc1(trunk.flatten(1)), products.transpose(0, 1).contiguous())


def channel_edit(masks: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """[M, B, F]: for each mask of conv2 channels [M, C] (0/1), the sum of the masked channels' fc1 shifts [C, B, F].
    torch.einsum("mc,bcf->mbf") on [B, C, F] copies it to this channel-first layout on every call, then runs this
    matmul: the same numbers bit for bit, 3.6 times faster at 14 masks x 500 images (bench/analysis_speed.py)."""
    return (masks @ shifts.reshape(len(shifts), -1)).view(len(masks), *shifts.shape[1:])


@torch.no_grad()
def ablated_logits(
    primary: PrimaryCNN,
    trunk: torch.Tensor,
    masks: torch.Tensor,
    means: dict[str, torch.Tensor],
    fc1: Fc1Pass | None = None,
) -> torch.Tensor:
    """Logits [M, B, classes] with the units of each mask [M, U] (bool, units in gated order) mean-ablated together
    (`fc1`: the batch's `Fc1Pass` when the caller has it)."""
    conv, fc = primary.arch.slices.values()
    fc1 = Fc1Pass.of(primary, trunk) if fc1 is None else fc1
    w = primary.fc1.weight.view(primary.fc1.out_features, primary.arch.conv2, -1)  # [F, C, s*s]
    mean_channel = torch.einsum("cs,fcs->cf", means["conv2"].flatten(1), w)  # [C, F]
    masks = masks.to(trunk.device, trunk.dtype)  # callers may pass CPU masks (circuits) with CUDA data
    pre = fc1.pre + channel_edit(masks[:, conv], mean_channel[:, None] - fc1.by_channel)
    h = F.relu(pre)
    on = masks[:, None, fc]  # [M, 1, F]
    return primary.fc2(h + on * (means["fc1"] - h))


# fc1 units ablated per pass of `unit_ablated_logits`, so that a pass's [chunk, B, fc1] copy stays in cache: per 250
# images of a default primary, best of 5 on a loaded 2-core machine, chunks of 8 / 16 / 32 / 64 / all 192 took
# 0.097 / 0.049 / 0.049 / 0.067 / 0.49 s.
UNIT_CHUNK = 16


@torch.no_grad()
def unit_ablated_logits(
    primary: PrimaryCNN, trunk: torch.Tensor, masks: torch.Tensor, means: dict[str, torch.Tensor]
) -> torch.Tensor:
    """`ablated_logits` for the one-unit masks, masks = eye(U), bit for bit, without its [U, C] x [C, B x F] product
    of a one-hot matrix and its passes over [U, B, F]: ablating conv2 channel c adds W_c (mean_c - h_c) to fc1's
    pre-activation; ablating fc1 unit f moves only a_f, to a_f + (mean_f - a_f). fc2 still reads every unit, as there
    (tests/test_ablation.py checks the equality; bench/analysis_speed.py the speed)."""
    conv, fc = primary.arch.slices.values()
    if masks.shape != (primary.arch.n_units, primary.arch.n_units) or not torch.equal(
        masks.cpu(), torch.eye(len(masks), dtype=torch.bool)
    ):
        raise ValueError("unit_ablated_logits ablates one unit at a time: masks must be the identity")
    fc1 = Fc1Pass.of(primary, trunk)
    w = primary.fc1.weight.view(primary.fc1.out_features, primary.arch.conv2, -1)  # [F, C, s*s]
    mean_channel = torch.einsum("cs,fcs->cf", means["conv2"].flatten(1), w)  # [C, F]
    pre = fc1.pre
    out = [primary.fc2(F.relu(pre + (mean_channel[:, None] - fc1.by_channel)))]  # conv2 channels: [C, B, classes]
    h = F.relu(pre)
    ablated = (h + (means["fc1"] - h)).T  # [F, B]: each fc1 unit moved to its mean
    for units in torch.arange(fc.stop - fc.start, device=h.device).split(UNIT_CHUNK):
        rows = h.expand(len(units), *h.shape).clone()  # [chunk, B, F]: row i has unit units[i] ablated
        rows[torch.arange(len(units)), :, units] = ablated[units]
        out.append(primary.fc2(rows))
    return torch.cat(out)


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
    kw = {"ablate": unit_ablated_logits} | kw
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
