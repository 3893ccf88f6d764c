"""The primary network: a small CNN whose hidden layers can be gated unit by unit and read out.

conv1 -> relu -> pool -> conv2 -> relu -> pool -> [gate conv2] -> fc1 -> relu -> [gate fc1] -> fc2

The gated layers are the hidden layers between the first and the last: conv2's channels and fc1's units. A gate is a
per-unit multiplier (g = 1 leaves a unit alone, g = 0 silences it). For conv2 it multiplies the whole channel; since
gates are non-negative it commutes with max-pooling, so it is applied to the pooled map.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

GATED_LAYERS = ("conv2", "fc1")


@dataclass(frozen=True)
class PrimaryArch:
    conv1: int = 16
    conv2: int = 32
    fc1: int = 192
    n_classes: int = 10
    in_channels: int = 1
    image_size: int = 28
    kernel_size: int = 3

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def units(self) -> dict[str, int]:
        """Number of gated units per gated layer, in forward order."""
        return {"conv2": self.conv2, "fc1": self.fc1}

    @property
    def n_units(self) -> int:
        return sum(self.units.values())


class PrimaryCNN(nn.Module):
    def __init__(self, arch: PrimaryArch = PrimaryArch()):
        super().__init__()
        self.arch = arch
        k, pad = arch.kernel_size, arch.kernel_size // 2
        self.conv1 = nn.Conv2d(arch.in_channels, arch.conv1, k, padding=pad)
        self.conv2 = nn.Conv2d(arch.conv1, arch.conv2, k, padding=pad)
        side = arch.image_size // 4
        self.fc1 = nn.Linear(arch.conv2 * side * side, arch.fc1)
        self.fc2 = nn.Linear(arch.fc1, arch.n_classes)

    def forward(self, x: torch.Tensor, gates: dict[str, torch.Tensor] | None = None, return_activations: bool = False):
        """Logits for images `x` [B, C, H, W].

        gates: optional {layer: [B, units] or [units]} multipliers on the gated layers.
        return_activations: also return {layer: activation after gating} (conv2 as [B, C, h, w]).
        """
        acts = {}
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = acts["conv2"] = _gate(h, gates, "conv2")
        h = F.relu(self.fc1(h.flatten(1)))
        h = acts["fc1"] = _gate(h, gates, "fc1")
        logits = self.fc2(h)
        return (logits, acts) if return_activations else logits

    def prunable(self) -> list[tuple[nn.Module, str]]:
        """(module, "weight") pairs whose weights progressive pruning may remove."""
        return [(m, "weight") for m in (self.conv1, self.conv2, self.fc1, self.fc2)]


def _gate(h: torch.Tensor, gates: dict[str, torch.Tensor] | None, layer: str) -> torch.Tensor:
    if gates is None or layer not in gates:
        return h
    g = gates[layer]  # [B, units] or [units]; conv channels broadcast over space
    return h * g.reshape(*g.shape, *([1] * (h.dim() - 2)))


def unit_activations(acts: dict[str, torch.Tensor]) -> torch.Tensor:
    """One activation per gated unit, [B, U]: conv channels averaged over space, layers concatenated in order."""
    return torch.cat(
        [acts[name].flatten(2).mean(-1) if acts[name].dim() > 2 else acts[name] for name in GATED_LAYERS], dim=1
    )


def split_units(flat: torch.Tensor, arch: PrimaryArch) -> dict[str, torch.Tensor]:
    """Inverse of the concatenation: [..., U] -> {layer: [..., units]}."""
    return dict(zip(arch.units, flat.split(list(arch.units.values()), dim=-1), strict=True))


def measured_sparsity(model: PrimaryCNN) -> float:
    """Fraction of exactly-zero weights among the prunable weights."""
    weights = [getattr(m, name).detach() for m, name in model.prunable()]
    zeros = sum(int((w == 0).sum()) for w in weights)
    return zeros / sum(w.numel() for w in weights)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
