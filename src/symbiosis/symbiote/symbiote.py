"""Symbiotes: small networks that gate a frozen primary's hidden units so that it misclassifies one class.

All the symbiotes of one model (one per target class) live in one module with a class axis K through every
parameter, and are trained together on shared batches: the primary's trunk runs once per batch (in fact once per
dataset, cached), and only its gated head runs K times, as one batched call. Because each class's loss depends only on
that class's parameters and Adam is element-wise, this equals training the K symbiotes one after another on the same
batches (tests/test_symbiote.py checks it).

Three kinds share this code path:
- "symbiote": reads the primary's gated-layer activations (a clean pass, one value per unit, scaled by the unit's
  standard deviation) and outputs one gate per unit and input, g = g_max * sigmoid(z) in (0, g_max). Its last
  layer starts at zero with the bias that makes g = 1, so at initialisation it leaves the primary untouched.
- "static": one input-independent gate per unit and class (the continuous masks of Csordas et al. 2021).
- "steering": one input-independent additive shift per unit and class, in units of the unit's standard deviation
  (the seed authors' prototype maps a one-hot of the class to fixed activation shifts).
- "conditional_static", "conditional_steering": the same mask or shift, applied only to the inputs that the primary
  itself assigns to the target class (elsewhere g = 1, shift 0). The condition is the primary's clean prediction,
  recomputed from the last gated layer through a copy of the primary's linear readout (`fit_readout`), so it needs
  no input but the clean unit activations, like every other kind.
None of them touches the first or the last layer: only the gated layers conv2 and fc1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace

import torch
import torch.nn.functional as F
from torch import nn

from symbiosis.choices import SYMBIOTE_KINDS
from symbiosis.config import settings
from symbiosis.primary.models import PrimaryArch, PrimaryCNN, split_units


@settings("symbiote", fields=("hidden", "g_max"))
class SymbioteArch:
    """One kind of symbiote for the target `classes`; `hidden` and `g_max` are the config's (defaults: the schema)."""

    kind: str = "symbiote"
    classes: tuple[int, ...] = tuple(range(10))
    hidden: int
    g_max: float

    def __post_init__(self):
        if self.kind not in SYMBIOTE_KINDS:
            raise ValueError(f"unknown symbiote kind {self.kind!r}; use one of {', '.join(SYMBIOTE_KINDS)}")
        if self.g_max <= 1:
            raise ValueError("g_max must exceed 1 so that the gate can start at 1")

    def as_dict(self) -> dict:
        return {**asdict(self), "classes": list(self.classes)}

    @property
    def conditional(self) -> bool:
        """Applied only where the primary predicts the target class."""
        return self.kind.startswith("conditional_")

    @property
    def shifts(self) -> bool:
        """Additive shifts (steering) instead of multiplicative gates."""
        return self.kind.endswith("steering")


class Symbiotes(nn.Module):
    """K symbiotes of one kind for one primary, one per target class in `arch.classes`."""

    def __init__(self, arch: SymbioteArch, primary: PrimaryArch, seed: int = 0):
        super().__init__()
        self.arch, self.primary_arch = arch, primary
        k, u, h = len(arch.classes), primary.n_units, arch.hidden
        z0 = -math.log(arch.g_max - 1)  # g_max * sigmoid(z0) = 1
        # Per-unit standard deviation of the primary's clean activations, set from training data by `fit_scale`.
        self.register_buffer("scale", torch.ones(u))
        if arch.kind == "symbiote":
            # Each class's first layer is drawn from its own generator, so its start does not depend on which other
            # classes are trained beside it.
            w1 = [torch.randn(u, h, generator=torch.Generator().manual_seed(seed * 1000 + c)) for c in arch.classes]
            self.w1 = nn.Parameter(torch.stack(w1) / math.sqrt(u))
            self.b1 = nn.Parameter(torch.zeros(k, h))
            self.w2 = nn.Parameter(torch.zeros(k, h, u))
            self.b2 = nn.Parameter(torch.full((k, u), z0))
        elif arch.shifts:
            self.shift = nn.Parameter(torch.zeros(k, u))
        else:
            self.z = nn.Parameter(torch.full((k, u), z0))
        if arch.conditional:
            # The primary's readout of its last gated layer (the last units), copied by `fit_readout`.
            last = list(primary.units.values())[-1]
            self.register_buffer("readout_weight", torch.zeros(primary.n_classes, last))
            self.register_buffer("readout_bias", torch.zeros(primary.n_classes))

    @torch.no_grad()
    def fit_scale(self, units: torch.Tensor) -> None:
        """Per-unit standard deviation, floored at a tenth of the median over live units: a unit that fires on a
        handful of training images has a tiny deviation, and dividing by it would blow its rare activations up into
        inputs thousands of deviations large, which destabilises training (seen on pruned primaries)."""
        std = units.std(0)
        live = std[std > 0]
        floor = 0.1 * live.median() if len(live) else torch.tensor(1.0)
        self.scale.copy_(std.clamp_min(floor))

    @torch.no_grad()
    def fit_readout(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        """Copy the primary's linear readout of its last gated layer (weight [classes, units], bias [classes]), from
        which the conditional kinds recompute the primary's prediction."""
        self.readout_weight.copy_(weight)
        self.readout_bias.copy_(bias)

    def predicts_target(self, units: torch.Tensor) -> torch.Tensor:
        """[K, B, 1] bool: where the primary, from its clean activations `units` [B, U], predicts class k."""
        last = units[:, units.shape[1] - self.readout_weight.shape[1] :]
        predicted = F.linear(last, self.readout_weight, self.readout_bias).argmax(1)
        classes = torch.tensor(self.arch.classes, device=units.device)
        return (predicted[None] == classes[:, None])[..., None]

    def class_edit(self) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(gates, shifts), one [K, 1, U] or None: the one mask or shift per class of every kind but "symbiote"
        (for the conditional kinds, the edit where it is on)."""
        if self.arch.shifts:
            return None, (self.shift * self.scale)[:, None]
        return self.arch.g_max * torch.sigmoid(self.z)[:, None], None

    def forward(self, units: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(gates, shifts) for clean unit activations `units` [B, U]: each [K, B, U] or [K, 1, U], or None."""
        if self.arch.kind == "symbiote":
            hidden = F.relu(torch.einsum("bu,kuh->kbh", units / self.scale, self.w1) + self.b1[:, None])
            z = torch.einsum("kbh,khu->kbu", hidden, self.w2) + self.b2[:, None]
            return self.arch.g_max * torch.sigmoid(z), None
        gates, shifts = self.class_edit()
        if self.arch.conditional:  # exactly g = 1 (shift 0) where the primary predicts another class
            on = self.predicts_target(units)
            gates = None if gates is None else torch.where(on, gates, torch.ones_like(gates))
            shifts = None if shifts is None else torch.where(on, shifts, torch.zeros_like(shifts))
        return gates, shifts

    def edit(self, primary: PrimaryCNN, trunk: torch.Tensor, units: torch.Tensor, products: torch.Tensor | None = None):
        """Apply every symbiote to one batch: logits [K, B, classes] of the primary's gated head, and the size of
        each class's intervention [K] (mean |g - 1|, or mean |shift| in standard deviations for steering).
        products: the batch's `primary.channel_products(trunk)`, if cached."""
        if self.arch.conditional:
            return self._conditional_edit(primary, trunk, units, products)
        gates, shifts = self(units)
        return self._classify(primary, trunk, gates, shifts, products), self.penalty(gates, shifts)

    def _classify(self, primary: PrimaryCNN, trunk, gates, shifts, products) -> torch.Tensor:
        if gates is not None:
            return primary.classify(trunk, gates=split_units(gates, self.primary_arch), products=products)
        return primary.classify(trunk, shifts=split_units(shifts, self.primary_arch), products=products)

    def _conditional_edit(self, primary: PrimaryCNN, trunk, units, products) -> tuple[torch.Tensor, torch.Tensor]:
        """`edit` for the conditional kinds, without per-image gates: the class's one edit applied to every image and
        kept where the primary predicts the class, its clean logits elsewhere; the penalty is the unconditional one
        times the share of images edited. The same numbers as `forward`'s per-image edit, up to float rounding
        (tests/test_sweep.py), with one matmul over channels per batch instead of one per image: a training step of
        conditional_static / conditional_steering took 12.3 / 10.3 ms through per-image gates and takes 8.7 / 5.2 ms
        (one thread, a default primary; their unconditional twins 9.0 / 5.3)."""
        on = self.predicts_target(units)
        clean = primary.fc2(units[:, primary.arch.slices["fc1"]])  # fc2 reads fc1 alone
        gates, shifts = self.class_edit()
        logits = torch.where(on, self._classify(primary, trunk, gates, shifts, products), clean)
        return logits, on.to(clean.dtype).mean((1, 2)) * self.penalty(gates, shifts)

    def penalty(self, gates: torch.Tensor | None, shifts: torch.Tensor | None) -> torch.Tensor:
        """The training penalty [K] of an edit from `forward`: mean |g - 1| over inputs and units, or mean |shift| in
        standard deviations (for the conditional kinds also over inputs, zero where the edit is off)."""
        if gates is not None:
            return (gates - 1).abs().mean((1, 2))
        if self.arch.conditional:
            return (shifts / self.scale).abs().mean((1, 2))
        return self.shift.abs().mean(1)

    def permuted(self, perm: torch.Tensor) -> Symbiotes:
        """A copy for a primary whose unit perm[u] is this primary's unit u: it reads and gates the same units."""
        inverse = torch.argsort(perm)
        unit_axis = {"scale": 0, "w1": 1, "w2": 2, "b2": 1, "z": 1, "shift": 1}  # b1 has no unit axis
        copy = Symbiotes(self.arch, self.primary_arch).to(self.scale.device)
        state = {
            k: v.index_select(unit_axis[k], inverse.to(v.device)) if k in unit_axis else v.clone()
            for k, v in self.state_dict().items()
        }
        if self.arch.conditional:  # the readout's columns are the last gated layer's units
            last = self.readout_weight.shape[1]
            tail = inverse[len(inverse) - last :] - (len(inverse) - last)
            state["readout_weight"] = self.readout_weight.index_select(1, tail.to(self.scale.device))
        copy.load_state_dict(state)
        return copy.eval()

    def rows(self, index: slice) -> Symbiotes:
        """A copy holding only the symbiotes `index` of the class axis (every parameter's first axis): for symbiotes
        trained side by side in one module, e.g. one per penalty weight (`symbiosis.symbiote.train.train_sweep`)."""
        arch = replace(self.arch, classes=self.arch.classes[index])
        copy = Symbiotes(arch, self.primary_arch).to(self.scale.device)
        parameters = {name for name, _ in self.named_parameters()}
        state = {k: v[index].clone() if k in parameters else v.clone() for k, v in self.state_dict().items()}
        copy.load_state_dict(state)
        return copy.train(self.training)

    def parameters_per_class(self) -> int:
        return sum(p.numel() for p in self.parameters()) // len(self.arch.classes)
