"""Training and evaluating the symbiotes of any model through forward hooks (`symbiosis.hooks.layers`).

The symbiotes are the project's own (`symbiosis.symbiote.Symbiotes`: one per target class, a class axis K through
every parameter, g in (0, g_max), g = 1 at initialisation) with the same loss (`symbiote_loss`); only the primary's
side differs: instead of the CNN's fused, cached head, every step runs the whole model twice through hooks, once
clean (what the symbiotes read) and once gated, with all K classes' edits as one batch of K * B
(bench/gating_paths.py measures what the generality costs against the fused path).

Data come as any iterable of (x, y) batches (a DataLoader); each batch is moved to the model's device.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from symbiosis.data.datasets import to_float
from symbiosis.errors import SymbiosisError
from symbiosis.hooks.layers import GatedLayers, gated_logits, model_device, record
from symbiosis.primary.train import step_budget
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes
from symbiosis.symbiote.train import SymbioteTraining, optimiser_step


def batches(loader: Iterable, device: torch.device):
    for x, y in loader:
        yield x.to(device), y.to(device)


@torch.no_grad()
def clean_units(model: nn.Module, layers: GatedLayers, loader: Iterable) -> tuple[torch.Tensor, torch.Tensor]:
    """Every batch's clean unit activations, concatenated: units [N, U] on the model's device, labels [N] on the CPU."""
    device = model_device(model)
    units, labels = [], []
    for x, y in batches(loader, device):
        units.append(record(model, layers, x)[1])
        labels.append(y.cpu())
    return torch.cat(units), torch.cat(labels)


def edit_logits(model: nn.Module, layers: GatedLayers, sym: Symbiotes, x: torch.Tensor, units: torch.Tensor):
    """Every symbiote applied to one batch: logits [K, B, classes] and each class's intervention size [K] (mean
    |g - 1|, or mean |shift| in standard deviations for steering), as `Symbiotes.edit` does for the fused CNN."""
    gates, shifts = sym(units)
    logits = gated_logits(model, layers, x, gates=gates, shifts=shifts)
    return logits, sym.penalty(gates, shifts)


def train_symbiotes(
    model: nn.Module,
    layers: GatedLayers,
    loader: Iterable,
    arch: SymbioteArch | None = None,
    cfg: SymbioteTraining | None = None,
    progress: bool = False,
) -> tuple[Symbiotes, dict]:
    """Train the symbiotes of every class in `arch.classes` together on `loader`'s batches (cfg.batch_size is not
    used: the loader sets the batch, and len(loader) the batches per epoch; defaults: SymbioteArch(),
    SymbioteTraining()); the model is frozen and put in eval mode. Returns the symbiotes (on the model's device) and
    each class's per-step target and other accuracy."""
    arch, cfg = arch or SymbioteArch(), cfg or SymbioteTraining()
    if arch.conditional:
        raise SymbiosisError(f"{arch.kind} symbiotes need the primary CNN's readout; the hook path has none")
    device = model_device(model)
    model.eval().requires_grad_(False)
    torch.manual_seed(cfg.seed)
    sym = Symbiotes(arch, layers, seed=cfg.seed).to(device)
    sym.fit_scale(clean_units(model, layers, loader)[0])
    classes = torch.tensor(arch.classes, device=device)
    opt = torch.optim.Adam(sym.parameters(), lr=cfg.lr)
    history = {"step": [], "target_accuracy": [], "other_accuracy": []}
    total, epochs = step_budget(len(loader), 1, cfg.epochs, cfg.steps)  # len(loader) batches per epoch
    for _ in tqdm(range(epochs), desc=f"symbiotes ({arch.kind}, hooks)", disable=not progress):
        for x, y in itertools.islice(batches(loader, device), total - len(history["step"])):  # the steps left
            with torch.no_grad():
                clean_logits, units = record(model, layers, x)
            logits, penalty = edit_logits(model, layers, sym, x, units)
            optimiser_step(opt, logits, penalty, y, classes, cfg, history, clean_logits)
    return sym.eval(), history


@torch.no_grad()
def inhibition_matrix(
    model: nn.Module, layers: GatedLayers, sym: Symbiotes, loader: Iterable, n_classes: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(matrix [K, n_classes]: accuracy on class j under the symbiote of sym.arch.classes[k], clean [n_classes]: the
    unedited model's accuracy per class, counts [n_classes]: inputs per class), all float64 on the CPU."""
    device = model_device(model)
    edited = torch.zeros(len(sym.arch.classes), n_classes, dtype=torch.float64)
    clean = torch.zeros(n_classes, dtype=torch.float64)
    for x, y in batches(loader, device):
        logits, units = record(model, layers, x)
        y = y.cpu()
        clean.index_add_(0, y, (logits.argmax(1).cpu() == y).double())
        edit, _ = edit_logits(model, layers, sym, x, units)
        edited.index_add_(1, y, (edit.argmax(2).cpu() == y[None]).double())
    counts = torch.bincount(torch.cat([y.cpu() for _, y in loader]), minlength=n_classes).double()
    return edited / counts.clamp_min(1), clean / counts.clamp_min(1), counts


def evaluate(model: nn.Module, layers: GatedLayers, sym: Symbiotes, loader: Iterable, n_classes: int) -> pd.DataFrame:
    """One row per target class: accuracy on it and on the other classes, with and without its symbiote."""
    matrix, clean, counts = inhibition_matrix(model, layers, sym, loader, n_classes)
    rows = []
    for i, k in enumerate(sym.arch.classes):
        others = torch.arange(n_classes) != k
        weights = counts[others] / counts[others].sum()
        rows.append(
            {
                "kind": sym.arch.kind,
                "target_class": k,
                "target_accuracy": float(matrix[i, k]),
                "other_accuracy": float((matrix[i, others] * weights).sum()),
                "primary_target_accuracy": float(clean[k]),
                "primary_other_accuracy": float((clean[others] * weights).sum()),
            }
        )
    return pd.DataFrame(rows)


class SameBatches:
    """The fused trainer's batches for the hook trainer: first all the data at once (its pass that fits the activation
    scale), then per epoch one permutation from a generator seeded with cfg.seed, as the fused trainer draws them.
    For comparing the two paths step by step (tests/test_hooks.py, bench/gating_paths.py)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, cfg: SymbioteTraining):
        self.x, self.y, self.cfg, self.passes = x, y, cfg, 0
        self.gen = torch.Generator().manual_seed(cfg.seed)

    def __len__(self) -> int:
        """Batches per epoch (after the first pass, which is one batch of everything)."""
        return -(-len(self.y) // self.cfg.batch_size)

    def __iter__(self):
        self.passes += 1
        if self.passes == 1:
            yield to_float(self.x), self.y
            return
        for idx in torch.randperm(len(self.y), generator=self.gen).split(self.cfg.batch_size):
            yield to_float(self.x[idx]), self.y[idx]
