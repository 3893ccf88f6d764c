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
None of them touches the first or the last layer: only the gated layers conv2 and fc1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from symbiosis.choices import SYMBIOTE_KINDS
from symbiosis.models import PrimaryArch, PrimaryCNN, split_units, trunk_features, unit_activations


@dataclass(frozen=True)
class SymbioteArch:
    kind: str = "symbiote"
    classes: tuple[int, ...] = tuple(range(10))
    hidden: int = 32  # hidden units of each activation-reading symbiote
    g_max: float = 2.0  # gates lie in (0, g_max): g < 1 inhibits, g > 1 stimulates

    def __post_init__(self):
        if self.kind not in SYMBIOTE_KINDS:
            raise ValueError(f"unknown symbiote kind {self.kind!r}; use one of {', '.join(SYMBIOTE_KINDS)}")
        if self.g_max <= 1:
            raise ValueError("g_max must exceed 1 so that the gate can start at 1")

    def as_dict(self) -> dict:
        return {**asdict(self), "classes": list(self.classes)}


@dataclass(frozen=True)
class SymbioteTraining:
    seed: int = 0
    epochs: int = 10
    batch_size: int = 256
    lr: float = 1e-2
    alpha: float = 1.0  # weight of -log(1 - p_target) on target-class inputs
    lam: float = 1.0  # weight of the minimal-intervention penalty mean |g - 1| (mean |shift| for steering)

    def as_dict(self) -> dict:
        return asdict(self)


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
        elif arch.kind == "static":
            self.z = nn.Parameter(torch.full((k, u), z0))
        else:
            self.shift = nn.Parameter(torch.zeros(k, u))

    @torch.no_grad()
    def fit_scale(self, units: torch.Tensor) -> None:
        """Per-unit standard deviation, floored at a tenth of the median over live units: a unit that fires on a
        handful of training images has a tiny deviation, and dividing by it would blow its rare activations up into
        inputs thousands of deviations large, which destabilises training (seen on pruned primaries)."""
        std = units.std(0)
        live = std[std > 0]
        floor = 0.1 * live.median() if len(live) else torch.tensor(1.0)
        self.scale.copy_(std.clamp_min(floor))

    def forward(self, units: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(gates, shifts) for clean unit activations `units` [B, U]: each [K, B, U] or [K, 1, U], or None."""
        kind, g_max = self.arch.kind, self.arch.g_max
        if kind == "symbiote":
            hidden = F.relu(torch.einsum("bu,kuh->kbh", units / self.scale, self.w1) + self.b1[:, None])
            return g_max * torch.sigmoid(torch.einsum("kbh,khu->kbu", hidden, self.w2) + self.b2[:, None]), None
        if kind == "static":
            return g_max * torch.sigmoid(self.z)[:, None], None
        return None, (self.shift * self.scale)[:, None]

    def edit(self, primary: PrimaryCNN, trunk: torch.Tensor, units: torch.Tensor, products: torch.Tensor | None = None):
        """Apply every symbiote to one batch: logits [K, B, classes] of the primary's gated head, and the size of
        each class's intervention [K] (mean |g - 1|, or mean |shift| in standard deviations for steering).
        products: the batch's `primary.channel_products(trunk)`, if cached."""
        gates, shifts = self(units)
        if gates is not None:
            logits = primary.classify(trunk, gates=split_units(gates, self.primary_arch), products=products)
            return logits, (gates - 1).abs().mean((1, 2))
        logits = primary.classify(trunk, shifts=split_units(shifts, self.primary_arch), products=products)
        return logits, self.shift.abs().mean(1)

    def permuted(self, perm: torch.Tensor) -> Symbiotes:
        """A copy for a primary whose unit perm[u] is this primary's unit u: it reads and gates the same units."""
        inverse = torch.argsort(perm)
        unit_axis = {"scale": 0, "w1": 1, "w2": 2, "b2": 1, "z": 1, "shift": 1}  # b1 has no unit axis
        copy = Symbiotes(self.arch, self.primary_arch).to(self.scale.device)
        state = {
            k: v.index_select(unit_axis[k], inverse.to(v.device)) if k in unit_axis else v.clone()
            for k, v in self.state_dict().items()
        }
        copy.load_state_dict(state)
        return copy.eval()

    def parameters_per_class(self) -> int:
        return sum(p.numel() for p in self.parameters()) // len(self.arch.classes)


def symbiote_loss(
    logits: torch.Tensor, y: torch.Tensor, classes: torch.Tensor, penalty: torch.Tensor, alpha: float, lam: float
) -> torch.Tensor:
    """Per-class loss [K]: CE on non-target inputs + alpha * -log(1 - p_target) on target inputs + lam * penalty."""
    k, b, n_classes = logits.shape
    is_target = y[None] == classes[:, None]  # [K, B]
    ce = F.cross_entropy(logits.flatten(0, 1), y.repeat(k), reduction="none").view(k, b)
    # -log(1 - p_t) = logsumexp(all logits) - logsumexp(all logits but the target's), stable where p_t -> 1
    target = F.one_hot(classes, n_classes).bool()[:, None]
    inhibit = logits.logsumexp(2) - logits.masked_fill(target, -torch.inf).logsumexp(2)
    keep = (ce * ~is_target).sum(1) / (~is_target).sum(1).clamp_min(1)
    hit = (inhibit * is_target).sum(1) / is_target.sum(1).clamp_min(1)
    return keep + alpha * hit + lam * penalty


@torch.no_grad()
def clean_pass(primary: PrimaryCNN, x: torch.Tensor, batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Trunk features [N, C, h, w] and clean unit activations [N, U] for uint8 images, computed once."""
    trunk = trunk_features(primary, x, batch_size)
    units = [unit_activations(primary.classify(tb, return_activations=True)[1]) for tb in trunk.split(batch_size)]
    return trunk, torch.cat(units)


def train_symbiotes(
    primary: PrimaryCNN,
    x: torch.Tensor,
    y: torch.Tensor,
    arch: SymbioteArch,
    cfg: SymbioteTraining,
    progress: bool = False,
    clean: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[Symbiotes, dict]:
    """Train the symbiotes of every class in `arch.classes` together; the primary stays frozen.

    clean: `clean_pass(primary, x)` when the caller trains several kinds on the same data. The primary being frozen,
    each image's channel products (fc1's input per conv2 channel) are computed once for all epochs and cached:
    N x conv2 x fc1 floats (98 MB for mnist5k's 4,000 images, 1.5 GB for full MNIST)."""
    device = next(primary.parameters()).device
    primary.eval().requires_grad_(False)
    trunk, units = clean_pass(primary, x) if clean is None else clean
    with torch.no_grad():
        products = torch.cat([primary.channel_products(tb) for tb in trunk.split(1024)])
    # Each epoch gathers the whole shuffled data set once into these buffers, and batches are views of them: one copy
    # per epoch into memory already mapped, instead of a fresh allocation per batch (about 2 ms a batch here).
    data = (trunk.contiguous(), units, products, y.to(device))
    shuffled = [torch.empty_like(t) for t in data]
    torch.manual_seed(cfg.seed)
    sym = Symbiotes(arch, primary.arch, seed=cfg.seed).to(device)
    sym.fit_scale(units)
    classes = torch.tensor(arch.classes, device=device)
    opt = torch.optim.Adam(sym.parameters(), lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed)
    history = {"step": [], "target_accuracy": [], "other_accuracy": []}  # per step, one value per class
    step = 0
    for _ in tqdm(range(cfg.epochs), desc=f"symbiotes ({arch.kind})", disable=not progress):
        order = torch.randperm(len(y), generator=gen).to(device)
        for t, out in zip(data, shuffled, strict=True):
            torch.index_select(t, 0, order, out=out)
        for batch in zip(*(t.split(cfg.batch_size) for t in shuffled), strict=True):
            trunk_b, units_b, products_b, y_b = batch
            logits, penalty = sym.edit(primary, trunk_b, units_b, products_b)
            loss = symbiote_loss(logits, y_b, classes, penalty, cfg.alpha, cfg.lam)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()  # classes share no parameters: the sum trains each on its own loss
            opt.step()
            with torch.no_grad():
                correct = logits.argmax(2) == y_b[None]
                is_target = y_b[None] == classes[:, None]
                history["step"].append(step)
                history["target_accuracy"].append(_masked_mean(correct, is_target))
                history["other_accuracy"].append(_masked_mean(correct, ~is_target))
            step += 1
    return sym.eval(), history


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> list[float]:
    return ((values & mask).sum(1) / mask.sum(1).clamp_min(1)).tolist()


@torch.no_grad()
def inhibition_matrix(
    primary: PrimaryCNN, sym: Symbiotes, x: torch.Tensor, y: torch.Tensor, n_classes: int
) -> torch.Tensor:
    """[K, n_classes]: accuracy on the inputs of class j with the symbiote for class arch.classes[k] applied."""
    trunk, units = clean_pass(primary, x)
    logits, _ = sym.edit(primary, trunk, units)
    correct = (logits.argmax(2).cpu() == y[None]).double()
    return torch.stack([correct[:, y == j].mean(1) for j in range(n_classes)], dim=1)


@torch.no_grad()
def edit_statistics(
    primary: PrimaryCNN, sym: Symbiotes, x: torch.Tensor, y: torch.Tensor, bins: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Per class k, on the inputs of class k: mean gate, mean |g - 1| (or |shift|), inhibited and stimulated shares,
    and a histogram of the gates (or shifts in std units) over `bins`."""
    _, units = clean_pass(primary, x)
    gates, shifts = sym(units)
    out = {name: [] for name in ("mean", "mean_abs_change", "inhibited", "stimulated", "histogram")}
    for i, c in enumerate(sym.arch.classes):
        if gates is not None:
            edit = gates[i][(y == c).to(gates.device)] if gates.shape[1] > 1 else gates[i]
            change, low, high = (edit - 1).abs(), edit < 0.5, edit > 1.5
        else:
            edit = shifts[i] / sym.scale
            change, low, high = edit.abs(), edit < -0.5, edit > 0.5
        out["mean"].append(edit.mean())
        out["mean_abs_change"].append(change.mean())
        out["inhibited"].append(low.double().mean())
        out["stimulated"].append(high.double().mean())
        out["histogram"].append(torch.histogram(edit.double().cpu().clamp(bins[0], bins[-1]), bins)[0])
    return {name: torch.stack([torch.as_tensor(v).double().cpu() for v in values]) for name, values in out.items()}
