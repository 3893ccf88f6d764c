"""The primary network: a small CNN whose hidden layers can be gated unit by unit and read out.

conv1 -> pool -> relu -> conv2 -> pool -> relu -> [gate conv2] -> fc1 -> relu -> [gate fc1] -> fc2

The gated layers are the hidden layers between the first and the last: conv2's channels and fc1's units. A gate is a
per-unit multiplier (g = 1 leaves a unit alone, g = 0 silences it), a shift a per-unit addition. For conv2 both act on
the whole channel; a non-negative gate and a shift commute with max-pooling, so they are applied to the pooled map.
The ungated trunk (`features`) is separate from the gated part (`classify`), so that many edits of one batch share
one trunk pass.

Speed on CPU: the convolutions' weights are kept channels-last, which makes oneDNN run the convolutions and
max-pooling in NHWC, and each block pools before its ReLU (the same function, since ReLU is monotone, on a quarter of
the values). Timed once on the 2-core development machine when adopted (a step-timing script, not kept): about twice
the one-thread training throughput of NCHW relu-then-pool, and four times the inference throughput;
bench/primary_throughput.py measures the current throughput.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from symbiosis.config import settings
from symbiosis.data.datasets import to_float

GATED_LAYERS = ("conv2", "fc1")


def unit_slices(units: dict[str, int]) -> dict[str, slice]:
    """{layer: its positions along the unit axis} for layers laid out one after another in the given order."""
    out, start = {}, 0
    for name, n in units.items():
        out[name] = slice(start, start + n)
        start += n
    return out


@settings("architecture")
class PrimaryArch:
    """The primary's widths (conv1, conv2, fc1: the config's `architecture`) and its fixed shape. The one place that
    says how the gated units are laid out along the unit axis: conv2's channels, then fc1's units."""

    conv1: int
    conv2: int
    fc1: int
    n_classes: int = 10
    in_channels: int = 1
    image_size: int = 28
    kernel_size: int = 3

    @property
    def units(self) -> dict[str, int]:
        """Number of gated units per gated layer, in forward order."""
        return {name: getattr(self, name) for name in GATED_LAYERS}

    @property
    def n_units(self) -> int:
        return sum(self.units.values())

    @property
    def slices(self) -> dict[str, slice]:
        """The positions of each gated layer's units along the unit axis."""
        return unit_slices(self.units)

    def unit_index(self) -> list[tuple[str, int]]:
        """(layer, index within the layer) of every gated unit, along the unit axis."""
        return [(name, i) for name, n in self.units.items() for i in range(n)]


class PrimaryCNN(nn.Module):
    def __init__(self, arch: PrimaryArch | None = None):
        super().__init__()
        self.arch = arch = arch or PrimaryArch()
        k, pad = arch.kernel_size, arch.kernel_size // 2
        self.conv1 = nn.Conv2d(arch.in_channels, arch.conv1, k, padding=pad)
        self.conv2 = nn.Conv2d(arch.conv1, arch.conv2, k, padding=pad)
        side = arch.image_size // 4
        self.fc1 = nn.Linear(arch.conv2 * side * side, arch.fc1)
        self.fc2 = nn.Linear(arch.fc1, arch.n_classes)
        # Parameter-free taps at the gated layers, so that layer attribution tools (Captum) can hook them.
        self.taps = nn.ModuleDict({name: nn.Identity() for name in GATED_LAYERS})
        self.to(memory_format=torch.channels_last)  # only 4-d tensors (conv weights) change; see the module docstring

    def forward(
        self,
        x: torch.Tensor,
        gates: dict[str, torch.Tensor] | None = None,
        shifts: dict[str, torch.Tensor] | None = None,
        return_activations: bool = False,
    ):
        """Logits for images `x` [B, C, H, W]; see `classify` for gates, shifts and activations."""
        return self.classify(self.features(x), gates, shifts, return_activations)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The ungated trunk: conv1 -> pool -> relu -> conv2 -> pool -> relu, [B, conv2, h, w] (channels-last in
        memory). Gates act only after it."""
        h = F.relu(F.max_pool2d(self.conv1(x), 2))
        return F.relu(F.max_pool2d(self.conv2(h), 2))

    def classify(
        self,
        h: torch.Tensor,
        gates: dict[str, torch.Tensor] | None = None,
        shifts: dict[str, torch.Tensor] | None = None,
        return_activations: bool = False,
        products: torch.Tensor | None = None,
    ):
        """From trunk features to logits, editing each gated layer's activation a into g * a + s.

        gates / shifts: optional {layer: tensor with the layer's units last}, e.g. [units], [B, units], or
        [K, B, units] / [K, 1, units] to run K edits of the same batch at once (the logits are then [K, B, classes]).
        return_activations: also return {layer: edited activation} (conv2 as [..., C, h, w]).
        products: `channel_products(h)` when the caller has them already (K edits only; saves recomputing them).
        """
        acts = {}
        if return_activations or not _is_multi_edit(h, gates, shifts):
            h = acts["conv2"] = self.taps["conv2"](_edit(h, "conv2", gates, shifts))
            pre = self.fc1(h.flatten(-3))
        else:
            pre = self._fc1_of_edits(h, _get(gates, "conv2"), _get(shifts, "conv2"), products)
        h = acts["fc1"] = self.taps["fc1"](_edit(F.relu(pre), "fc1", gates, shifts))
        logits = self.fc2(h)
        return (logits, acts) if return_activations else logits

    def channel_products(self, h: torch.Tensor) -> torch.Tensor:
        """Each conv2 channel's contribution to fc1's pre-activation, W_c h_c, for trunk features h: [B, C, fc1]."""
        w = self.fc1.weight.view(self.fc1.out_features, h.shape[1], -1)  # [fc1, C, s*s]
        return torch.einsum("bcs,fcs->bcf", h.flatten(2), w)

    def _fc1_of_edits(
        self, h: torch.Tensor, gate: torch.Tensor | None, shift: torch.Tensor | None, products: torch.Tensor | None
    ) -> torch.Tensor:
        """fc1's pre-activation for K channel edits of one batch h [B, C, s, s], as [K, B, fc1].

        fc1 is linear, so fc1(g * h + s) = sum_c g_c (W_c h_c) + sum_c s_c (W_c 1) + b: the per-channel products
        W_c h_c are computed once for the batch and only the cheap sums over channels run K times (the same numbers as
        `fc1` on each edited map, up to float rounding; tests/test_models.py checks it).
        """
        products = self.channel_products(h) if products is None else products
        if gate is None:
            pre = products.sum(1)[None] + self.fc1.bias
        elif gate.shape[1] == 1:  # one gate vector per edit for the whole batch: a single matmul over channels
            pre = torch.einsum("kc,bcf->kbf", gate[:, 0], products) + self.fc1.bias
        else:
            pre = torch.einsum("kbc,bcf->kbf", gate, products) + self.fc1.bias
        if shift is not None:
            w = self.fc1.weight.view(self.fc1.out_features, h.shape[1], -1)
            pre = pre + shift @ w.sum(-1).T
        return pre

    def prunable(self) -> list[tuple[nn.Module, str]]:
        """(module, "weight") pairs whose weights progressive pruning may remove."""
        return [(m, "weight") for m in (self.conv1, self.conv2, self.fc1, self.fc2)]


def _edit(h: torch.Tensor, layer: str, gates: dict | None, shifts: dict | None) -> torch.Tensor:
    """g * h + s for one layer; per-unit values broadcast over a conv layer's spatial positions."""
    for values, apply in ((gates, torch.mul), (shifts, torch.add)):
        if values is not None and layer in values:
            v = values[layer]
            h = apply(h, v[..., None, None] if layer == "conv2" else v)
    return h


def _get(values: dict | None, layer: str) -> torch.Tensor | None:
    return None if values is None else values.get(layer)


def _is_multi_edit(h: torch.Tensor, gates: dict | None, shifts: dict | None) -> bool:
    """True when a conv2 edit carries a leading K axis beyond the batch: [K, B or 1, C] against h [B, C, s, s]."""
    edits = [v for v in (_get(gates, "conv2"), _get(shifts, "conv2")) if v is not None]
    return h.dim() == 4 and bool(edits) and all(v.dim() == 3 for v in edits)


@torch.no_grad()
def trunk_features(model: PrimaryCNN, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """The ungated trunk on uint8 or float images, in batches, on the model's device: [N, conv2, s, s]."""
    device = next(model.parameters()).device
    return torch.cat(
        [model.features((to_float(xb) if xb.dtype == torch.uint8 else xb).to(device)) for xb in x.split(batch_size)]
    )


def unit_activations(acts: dict[str, torch.Tensor]) -> torch.Tensor:
    """One activation per gated unit, [B, U]: conv channels averaged over space, layers concatenated in order."""
    return torch.cat([acts["conv2"].flatten(-2).mean(-1), acts["fc1"]], dim=-1)


def split_units(flat: torch.Tensor, arch: PrimaryArch) -> dict[str, torch.Tensor]:
    """Inverse of the concatenation: [..., U] -> {layer: [..., units]}."""
    return {name: flat[..., s] for name, s in arch.slices.items()}


@dataclass(frozen=True)
class CleanPass:
    """One primary's unedited pass over a set of images, computed once and handed to every step that needs it."""

    trunk: torch.Tensor  # trunk features [N, C, h, w]
    units: torch.Tensor  # one activation per gated unit [N, U]
    predicted: torch.Tensor  # predicted classes [N], on the CPU


@torch.no_grad()
def clean_pass(primary: PrimaryCNN, x: torch.Tensor, batch_size: int = 256) -> CleanPass:
    """The trunk features, clean unit activations and predictions of uint8 images."""
    trunk = trunk_features(primary, x, batch_size)
    units, predicted = [], []
    for tb in trunk.split(batch_size):
        logits, acts = primary.classify(tb, return_activations=True)
        units.append(unit_activations(acts))
        predicted.append(logits.argmax(1).cpu())
    return CleanPass(trunk, torch.cat(units), torch.cat(predicted))


@torch.no_grad()
def predict(model: PrimaryCNN, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Predicted classes for uint8 or float images, in batches."""
    device = next(model.parameters()).device
    out = []
    for xb in x.split(batch_size):
        xb = to_float(xb) if xb.dtype == torch.uint8 else xb
        out.append(model(xb.to(device)).argmax(1).cpu())
    return torch.cat(out)


def measured_sparsity(model: PrimaryCNN) -> float:
    """Fraction of exactly-zero weights among the prunable weights."""
    weights = [getattr(m, name).detach() for m, name in model.prunable()]
    zeros = sum(int((w == 0).sum()) for w in weights)
    return zeros / sum(w.numel() for w in weights)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
