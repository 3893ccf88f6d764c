"""The size of an intervention, measured the same way for every kind (gates, static masks, steering shifts):

    size_k = mean over live units u of E_x |a_u(x) - a'_u(x)| / std(a_u)

with a the clean and a' the edited activations of the gated units in the edited run (so a conv2 edit's effect on fc1
counts too), std over the clean data, and x the target class's images, the other classes' or all. Beside it, the
training penalty restricted to the target class's images: the penalty mean |g - 1| averages over every input, so
target images carry only a tenth of it, and a symbiote can edit them hard at little cost.
"""

from __future__ import annotations

import torch

from symbiosis.primary.models import PrimaryCNN, split_units, unit_activations
from symbiosis.symbiote.symbiote import Symbiotes


@torch.no_grad()
def edited_units(primary: PrimaryCNN, symbiotes: Symbiotes, trunk: torch.Tensor, units: torch.Tensor) -> torch.Tensor:
    """[K, B, U]: the gated units' activations (conv2 averaged over space) with each class's edit applied."""
    gates, shifts = symbiotes(units)
    out = []
    for i in range(len(symbiotes.arch.classes)):
        g = None if gates is None else split_units(gates[i], primary.arch)
        s = None if shifts is None else split_units(shifts[i], primary.arch)
        _, acts = primary.classify(trunk, gates=g, shifts=s, return_activations=True)
        out.append(unit_activations(acts))
    return torch.stack(out)


def intervention_size(
    clean: torch.Tensor, edited: torch.Tensor, y: torch.Tensor, classes, std: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """{"target", "other", "all": [K]}: mean over live units of E|a - a'| / std(a) on class k's images, the others'
    and all, for clean [B, U] and edited [K, B, U] activations. std: per unit (default: of `clean`); units with
    std 0 (dead) are left out."""
    std = clean.double().std(0) if std is None else std.double()
    live = std > 0
    change = ((clean[None].double() - edited.double()).abs()[..., live] / std[live]).mean(-1)  # [K, B]
    y = y.to(change.device)
    out = {"target": [], "other": [], "all": []}
    for i, k in enumerate(classes):
        own = y == k
        out["target"].append(change[i][own].mean())
        out["other"].append(change[i][~own].mean())
        out["all"].append(change[i].mean())
    return {name: torch.stack(values).cpu() for name, values in out.items()}


@torch.no_grad()
def target_penalty(symbiotes: Symbiotes, units: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """[K]: the training penalty on class k's images alone: mean |g - 1|, or mean |shift| in standard deviations."""
    gates, shifts = symbiotes(units)
    y = y.to(units.device)
    out = []
    for i, k in enumerate(symbiotes.arch.classes):
        if gates is not None:
            g = gates[i][y == k] if gates.shape[1] > 1 else gates[i]
            out.append((g - 1).abs().mean())
        elif shifts.shape[1] > 1:  # conditional steering: zero on the images the primary gives another class
            out.append((shifts[i][y == k] / symbiotes.scale).abs().mean())
        else:
            out.append(symbiotes.shift[i].abs().mean())
    return torch.stack(out).double().cpu()
