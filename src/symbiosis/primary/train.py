"""Training of the primary CNN with progressive magnitude pruning to a target sparsity."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from tqdm import tqdm

from symbiosis.config import settings
from symbiosis.data.datasets import Split, to_float
from symbiosis.primary import pruning
from symbiosis.primary.models import PrimaryArch, PrimaryCNN, measured_sparsity, predict


@settings("primary")
class PrimaryTraining:
    """The config's `primary` section (defaults: the schema), with the model's sparsity and seed."""

    sparsity: float = 0.0
    seed: int = 0
    epochs: int
    steps: int | None  # optimiser steps in all; None: `epochs` whole passes
    batch_size: int
    lr: float
    augment_shift: int
    prune_start: float
    prune_end: float
    prune_every: int = 10  # steps between pruning updates
    prune_method: str  # symbiosis.primary.pruning.METHODS: "global" (weights) or "structured" (fc1 units)


def step_budget(n: int, batch_size: int, epochs: int, steps: int | None) -> tuple[int, int]:
    """(optimiser steps in all, passes over the data begun) for n images: `steps` when given, else `epochs` whole
    passes. A budget of epochs x batches per epoch gives the same batches, in the same order, as those epochs."""
    per_epoch = -(-n // batch_size)
    total = epochs * per_epoch if steps is None else steps
    return total, -(-total // per_epoch)


def batches(n: int, batch_size: int, generator: torch.Generator):
    """Shuffled index batches for one epoch (the last, short batch is kept)."""
    return torch.randperm(n, generator=generator).split(batch_size)


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each image [B, C, H, W] by its own random offset of up to `max_shift` pixels (zero fill)."""
    b, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, b, 1), generator=generator).to(x.device)
    rows = (dy + torch.arange(h, device=x.device))[:, :, None]
    cols = (dx + torch.arange(w, device=x.device))[:, None, :]
    return padded[torch.arange(b, device=x.device)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)


def train_primary(
    split: Split,
    arch: PrimaryArch,
    cfg: PrimaryTraining,
    device: torch.device,
    progress: bool = False,
    prepare: Callable[[PrimaryCNN], None] | None = None,
    extra_loss: Callable[[PrimaryCNN, torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> tuple[PrimaryCNN, dict]:
    """Train a primary from seed `cfg.seed`, pruning it to `cfg.sparsity`; returns the model and its history.

    prepare: called on the freshly initialised model (e.g. to wire a layer by construction,
        symbiosis.metrics.ground_truth);
    extra_loss(model, images, labels): added to the cross-entropy of every batch."""
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = (arch.build() if hasattr(arch, "build") else PrimaryCNN(arch)).to(device)  # e.g. symbiosis.mlp.MLPArch
    if prepare is not None:
        prepare(model)
    x, y = to_float(split.x_train).to(device), split.y_train.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    total, epochs = step_budget(len(y), cfg.batch_size, cfg.epochs, cfg.steps)
    start, end = int(cfg.prune_start * total), int(cfg.prune_end * total)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total, pct_start=0.15)
    history = {"epoch": [], "loss": [], "sparsity": []}
    step = 0
    for epoch in tqdm(range(epochs), desc=f"primary s={cfg.sparsity} seed={cfg.seed}", disable=not progress):
        model.train()
        total_loss, seen = 0.0, 0
        for idx in batches(len(y), cfg.batch_size, gen):
            if step == total:
                break
            if cfg.sparsity > 0 and step % cfg.prune_every == 0:
                pruning.prune_to(model, pruning.cubic_sparsity(step, cfg.sparsity, start, end), cfg.prune_method)
            xb = random_shift(x[idx], cfg.augment_shift, gen) if cfg.augment_shift else x[idx]
            loss = F.cross_entropy(model(xb), y[idx])
            if extra_loss is not None:
                loss = loss + extra_loss(model, xb, y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
            seen += len(idx)
            step += 1
        history["epoch"].append(epoch + 1)
        history["loss"].append(total_loss / seen)
        history["sparsity"].append(pruning.n_masked(model) / pruning.n_prunable(model))
    if cfg.sparsity > 0:
        # make sure the final count is reached, however the steps fell
        pruning.prune_to(model, cfg.sparsity, cfg.prune_method)
    pruning.finalize(model)
    model.eval()
    return model, history


def accuracy_report(model: PrimaryCNN, x: torch.Tensor, y: torch.Tensor) -> dict:
    pred = predict(model, x)
    correct = (pred == y).float()
    per_class = [float(correct[y == c].mean()) for c in range(model.arch.n_classes)]
    return {"accuracy": float(correct.mean()), "per_class_accuracy": per_class, "sparsity": measured_sparsity(model)}
