"""A second primary architecture: a multilayer perceptron on the same 28x28 images, two gated hidden layers.

flatten -> fc1 -> relu (act1) -> fc2 -> relu (act2) -> out

The gated layers are the two hidden layers' post-ReLU outputs, the modules `act1` and `act2` (`GATED_LAYERS`), the
same points the CNN gates (after its nonlinearity). The default second hidden layer has as many units as the CNN's
fc1 (192), so the two can be matched unit for unit on the same images (symbiosis.hooks.matching). It trains with
`symbiosis.train.train_primary` (which builds a network with `arch.build()`), pruning included.
"""

from __future__ import annotations

from dataclasses import asdict

import torch
from torch import nn

from symbiosis.config import settings

GATED_LAYERS = ("act1", "act2")


@settings("mlp")
class MLPArch:
    """The MLP's widths (the config's `mlp` section; defaults: the schema) and its fixed shape."""

    hidden1: int
    hidden2: int
    n_classes: int = 10
    in_channels: int = 1
    image_size: int = 28

    def as_dict(self) -> dict:
        return {"kind": "mlp", **asdict(self)}

    @property
    def units(self) -> dict[str, int]:
        """Number of gated units per gated layer, in forward order."""
        return {"act1": self.hidden1, "act2": self.hidden2}

    @property
    def n_units(self) -> int:
        return sum(self.units.values())

    def build(self) -> PrimaryMLP:
        return PrimaryMLP(self)


class PrimaryMLP(nn.Module):
    def __init__(self, arch: MLPArch | None = None):
        super().__init__()
        self.arch = arch = arch or MLPArch()
        self.fc1 = nn.Linear(arch.in_channels * arch.image_size**2, arch.hidden1)
        self.act1 = nn.ReLU()
        self.fc2 = nn.Linear(arch.hidden1, arch.hidden2)
        self.act2 = nn.ReLU()
        self.out = nn.Linear(arch.hidden2, arch.n_classes)

    def forward(self, x: torch.Tensor, gates: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Logits for images x [B, C, H, W]; gates: optional {layer: [units] or [B, units]} multiplying the hidden
        layers' outputs (the fused path, which the hook path must equal)."""
        gates = gates or {}
        h = self.act1(self.fc1(x.flatten(1)))
        h = h * gates["act1"] if "act1" in gates else h
        h = self.act2(self.fc2(h))
        h = h * gates["act2"] if "act2" in gates else h
        return self.out(h)

    def prunable(self) -> list[tuple[nn.Module, str]]:
        """(module, "weight") pairs whose weights progressive pruning may remove."""
        return [(m, "weight") for m in (self.fc1, self.fc2, self.out)]


def permute_hidden(model: PrimaryMLP, perm: dict[str, torch.Tensor]) -> PrimaryMLP:
    """A copy computing the same function with its hidden units moved: unit u of layer L becomes unit perm[L][u]."""
    inverse = {name: torch.argsort(p.cpu()) for name, p in perm.items()}
    state = {k: v.clone() for k, v in model.state_dict().items()}
    inv1, inv2 = inverse["act1"].to(state["fc1.weight"].device), inverse["act2"].to(state["fc2.weight"].device)
    state["fc1.weight"], state["fc1.bias"] = state["fc1.weight"][inv1], state["fc1.bias"][inv1]
    state["fc2.weight"], state["fc2.bias"] = state["fc2.weight"][inv2][:, inv1], state["fc2.bias"][inv2]
    state["out.weight"] = state["out.weight"][:, inv2]
    copy = PrimaryMLP(model.arch)
    copy.load_state_dict(state)
    return copy.to(state["fc1.weight"].device).eval()
