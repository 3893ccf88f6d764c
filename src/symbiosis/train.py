"""Training of the primary CNN with progressive magnitude pruning to a target sparsity."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from tqdm import tqdm

from symbiosis import pruning
from symbiosis.data import Split, to_float
from symbiosis.models import PrimaryArch, PrimaryCNN, measured_sparsity


@dataclass(frozen=True)
class PrimaryTraining:
    sparsity: float = 0.0
    seed: int = 0
    epochs: int = 10
    batch_size: int = 128  # config/config.yaml says why
    lr: float = 5e-3
    augment_shift: int = 2  # random translation of up to this many pixels per training image (0: none)
    prune_start: float = 0.1  # fraction of training steps before pruning starts
    prune_end: float = 0.7  # fraction of training steps by which the final sparsity is reached
    prune_every: int = 10  # steps between pruning updates

    def as_dict(self) -> dict:
        return asdict(self)


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
    fc2_wiring: torch.Tensor | None = None,
    planted: torch.Tensor | None = None,
) -> tuple[PrimaryCNN, dict]:
    """Train a primary from seed `cfg.seed`, pruning it to `cfg.sparsity`; returns the model and its history.

    How ground-truth primaries with planted units are built (symbiosis.ground_truth):
    fc2_wiring: a fixed [classes, fc1] wiring of the last layer: its entries are the starting weights and its zeros
        stay zero (no connection) through training, with torch.nn.utils.prune, made permanent at the end;
    planted: [classes, P] bool: the first P fc1 units are also trained as logistic detectors of their classes (binary
        cross-entropy on the pre-activation, which keeps a gradient while the unit is silent, unlike its ReLU)."""
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = (arch.build() if hasattr(arch, "build") else PrimaryCNN(arch)).to(device)  # e.g. symbiosis.mlp.MLPArch
    if fc2_wiring is not None:
        with torch.no_grad():
            model.fc2.weight.copy_(fc2_wiring)
        torch.nn.utils.prune.custom_from_mask(model.fc2, "weight", (fc2_wiring != 0).to(device))
    x, y = to_float(split.x_train).to(device), split.y_train.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    steps_per_epoch = -(-len(y) // cfg.batch_size)
    total = cfg.epochs * steps_per_epoch
    start, end = int(cfg.prune_start * total), int(cfg.prune_end * total)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total, pct_start=0.15)
    history = {"epoch": [], "loss": [], "sparsity": []}
    step = 0
    for epoch in tqdm(range(cfg.epochs), desc=f"primary s={cfg.sparsity} seed={cfg.seed}", disable=not progress):
        model.train()
        total_loss = 0.0
        for idx in batches(len(y), cfg.batch_size, gen):
            if cfg.sparsity > 0 and step % cfg.prune_every == 0:
                pruning.prune_to(model, pruning.cubic_sparsity(step, cfg.sparsity, start, end))
            xb = random_shift(x[idx], cfg.augment_shift, gen) if cfg.augment_shift else x[idx]
            loss = F.cross_entropy(model(xb), y[idx])
            if planted is not None:
                n = planted.shape[1]
                pre = F.linear(model.features(xb).flatten(1), model.fc1.weight[:n], model.fc1.bias[:n])
                loss = loss + F.binary_cross_entropy_with_logits(pre, planted[y[idx]].float())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
            step += 1
        history["epoch"].append(epoch + 1)
        history["loss"].append(total_loss / len(y))
        history["sparsity"].append(pruning.n_masked(model) / pruning.n_prunable(model))
    if cfg.sparsity > 0:
        pruning.prune_to(model, cfg.sparsity)  # make sure the final count is reached, however the steps fell
    pruning.finalize(model)
    model.eval()
    return model, history


@torch.no_grad()
def predict(model: PrimaryCNN, x: torch.Tensor, batch_size: int = 1000, gates=None) -> torch.Tensor:
    """Predicted classes for uint8 or float images, in batches."""
    device = next(model.parameters()).device
    out = []
    for xb in x.split(batch_size):
        xb = to_float(xb) if xb.dtype == torch.uint8 else xb
        out.append(model(xb.to(device), gates=gates).argmax(1).cpu())
    return torch.cat(out)


def accuracy_report(model: PrimaryCNN, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> dict:
    pred = predict(model, x)
    correct = (pred == y).float()
    per_class = [float(correct[y == c].mean()) for c in range(n_classes)]
    return {"accuracy": float(correct.mean()), "per_class_accuracy": per_class, "sparsity": measured_sparsity(model)}
