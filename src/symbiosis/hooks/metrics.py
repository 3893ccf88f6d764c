"""Per-class unit scores [n_classes, U] and circuits for any model described by `GatedLayers`.

- `symbiosis.attribution.intervention_strength(sym, units, y)` works as it is on `clean_units`' output;
- `unit_importance`: the exact mean-ablation importance I_k(u) = E_{y=k}[logit_k(x) - logit_k(x | a_u := mean a_u)],
  where a unit's mean is its mean map over the data (per position or token, as the CNN path does for conv2); a chunk
  of M one-unit ablations runs as one batch of M * B through ablation hooks;
- `attributions`: gradient x activation and mean-referenced attribution patching, both from one backward pass per
  batch: each gated output a becomes g * a + t * (mean - a), whose gradients at g = 1, t = 0 are
  sum_positions dz/da * a and sum_positions dz/da * (mean - a). Patching is reported as an estimate of I_k, i.e.
  E[(a - mean) dz_k/da], exact where the unit feeds a linear readout;
- `circuits`: C_k, the top fraction of units by a score (symbiosis.features.top_units), named by layer and index.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from symbiosis.hooks.layers import GatedLayers, check_device, hooked, model_device, per_unit, record, repeat_batch
from symbiosis.hooks.train import batches
from symbiosis.metrics.attribution import mean_activation
from symbiosis.metrics.features import top_units


@torch.no_grad()
def mean_activations(model: nn.Module, layers: GatedLayers, loader: Iterable) -> dict[str, torch.Tensor]:
    """Each gated layer's mean output over the data, without the batch axis ([U], [T, D] or [C, H, W])."""
    sums, n = {}, 0
    for x, _ in batches(loader, model_device(model)):
        _, outs = record(model, layers, x, full=True)
        for name, out in outs.items():
            sums[name] = sums.get(name, 0) + out.double().sum(0)
        n += len(x)
    return {name: (total / n).float() for name, total in sums.items()}


@torch.no_grad()
def ablated_logits(
    model: nn.Module, layers: GatedLayers, x: torch.Tensor, masks: torch.Tensor, means: dict[str, torch.Tensor]
) -> torch.Tensor:
    """Logits [M, B, classes] with the units of each bool mask [M, U] replaced by their mean, all masks in one pass."""
    check_device(model, x)
    m, b = len(masks), len(x)
    split = layers.split(masks.to(x.device, x.dtype))
    fork_at = layers.layers[0].name if layers.fork else None  # see GatedLayers

    def ablate(layer):
        def hook(module, args, out):
            out = (repeat_batch(out, m) if layer.name == fork_at else out).view(m, b, *out.shape[1:])
            return (out + per_unit(split[layer.name][:, None], layer.kind) * (means[layer.name] - out)).flatten(0, 1)

        return hook

    with hooked(model, layers, ablate):
        return model(x if fork_at else repeat_batch(x, m)).view(m, b, -1)


@torch.no_grad()
def unit_importance(
    model: nn.Module, layers: GatedLayers, loader: Iterable, n_classes: int, chunk: int = 32
) -> torch.Tensor:
    """I [n_classes, U] in float64 on the CPU: the exact mean-ablation importance of every unit for every class
    (`chunk` one-unit ablations per pass)."""
    device = model_device(model)
    means = mean_activations(model, layers, loader)
    eye = torch.eye(layers.n_units, dtype=torch.bool, device=device)
    sums = torch.zeros(layers.n_units, n_classes, dtype=torch.float64)
    counts = torch.zeros(n_classes, dtype=torch.float64)
    for x, y in batches(loader, device):
        clean = model(x)
        own_clean = clean.gather(1, y[:, None])[:, 0]
        for start in range(0, layers.n_units, chunk):
            logits = ablated_logits(model, layers, x, eye[start : start + chunk], means)
            own = logits.gather(2, y[None, :, None].expand(len(logits), -1, 1))[..., 0]  # [M, B]
            sums[start : start + chunk].index_add_(1, y.cpu(), (own_clean[None] - own).double().cpu())
        counts += torch.bincount(y.cpu(), minlength=n_classes).double()
    return (sums / counts.clamp_min(1)).T.contiguous()


def attributions(model: nn.Module, layers: GatedLayers, loader: Iterable, n_classes: int) -> dict[str, torch.Tensor]:
    """{"gradient_x_activation", "attribution_patching"}: [n_classes, U] each, float64 on the CPU, the mean over
    class-k inputs of the unit's score for logit k (see the module docstring)."""
    device = model_device(model)
    means = mean_activations(model, layers, loader)
    gxa, patch, labels = [], [], []
    for x, y in batches(loader, device):
        g = torch.ones(len(x), layers.n_units, device=device, requires_grad=True)
        t = torch.zeros(len(x), layers.n_units, device=device, requires_grad=True)
        split_g, split_t = layers.split(g), layers.split(t)

        def probe(layer, split_g=split_g, split_t=split_t):
            def hook(module, args, out):
                gate, move = (per_unit(s[layer.name], layer.kind) for s in (split_g, split_t))
                return gate * out + move * (means[layer.name] - out)

            return hook

        with torch.enable_grad(), hooked(model, layers, probe):
            own = model(x).gather(1, y[:, None]).sum()
            grad_g, grad_t = torch.autograd.grad(own, (g, t))
        gxa.append(grad_g.cpu())
        patch.append(-grad_t.cpu())
        labels.append(y.cpu())
    y = torch.cat(labels)
    return {
        "gradient_x_activation": mean_activation(torch.cat(gxa), y, n_classes),
        "attribution_patching": mean_activation(torch.cat(patch), y, n_classes),
    }


def circuits(scores: torch.Tensor, layers: GatedLayers, fraction: float, classes=None) -> dict[int, list]:
    """C_k for each row of `scores` [K, U] (the class in `classes`, default 0 .. K-1): the top `fraction` of units by
    score, as [(layer, index), ...] from the highest score down."""
    classes = range(len(scores)) if classes is None else classes
    names = layers.unit_names()
    chosen = top_units(scores, fraction)
    out = {}
    for k, row, mask in zip(classes, scores, chosen, strict=True):
        order = torch.argsort(row, descending=True, stable=True)
        out[int(k)] = [names[u] for u in order.tolist() if mask[u]]
    return out
