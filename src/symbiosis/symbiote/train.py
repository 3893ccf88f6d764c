"""Training of all the symbiotes of one kind for one frozen primary, every target class at once (see
symbiosis.symbiote.symbiote for why one batched module equals training them one by one)."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from tqdm import tqdm

from symbiosis.choices import OTHER_LOSSES
from symbiosis.config import settings
from symbiosis.errors import SymbiosisError
from symbiosis.primary.models import CleanPass, PrimaryCNN, clean_pass
from symbiosis.primary.train import step_budget
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes


@settings("symbiote")
class SymbioteTraining:
    """The training settings of the config's `symbiote` section (defaults: the schema), with the seed."""

    seed: int = 0
    epochs: int
    steps: int | None  # optimiser steps in all; None: `epochs` whole passes
    batch_size: int
    lr: float
    alpha: float  # weight of -log(1 - p_target) on target-class inputs
    lam: float  # weight of the minimal-intervention penalty mean |g - 1| (mean |shift| for steering)
    other_loss: str  # on the other classes' inputs: "ce" to the labels, or "kl" to the primary's own outputs

    def __post_init__(self):
        if self.other_loss not in OTHER_LOSSES:
            raise ValueError(f"unknown other_loss {self.other_loss!r}; use one of {', '.join(OTHER_LOSSES)}")


def symbiote_loss(
    logits: torch.Tensor,
    y: torch.Tensor,
    classes: torch.Tensor,
    penalty: torch.Tensor,
    alpha: float,
    lam: float | torch.Tensor,
    clean_logits: torch.Tensor | None = None,
) -> torch.Tensor:
    """Per-class loss [K]: on non-target inputs CE to the labels, or, given the primary's `clean_logits` [B, classes],
    KL(primary || edited primary), which is 0 for an edit that leaves them alone and, unlike CE, does not reward
    repairing the primary's own errors there; + alpha * -log(1 - p_target) on target inputs + lam * penalty (lam: one
    weight, or one per symbiote [K])."""
    k, b, n_classes = logits.shape
    is_target = y[None] == classes[:, None]  # [K, B]
    if clean_logits is None:
        ce = F.cross_entropy(logits.flatten(0, 1), y.repeat(k), reduction="none").view(k, b)
    else:
        reference = F.log_softmax(clean_logits, -1).expand(k, -1, -1)
        ce = F.kl_div(F.log_softmax(logits, -1), reference, reduction="none", log_target=True).sum(-1)
    # -log(1 - p_t) = logsumexp(all logits) - logsumexp(all logits but the target's), stable where p_t -> 1
    target = F.one_hot(classes, n_classes).bool()[:, None]
    inhibit = logits.logsumexp(2) - logits.masked_fill(target, -torch.inf).logsumexp(2)
    keep = (ce * ~is_target).sum(1) / (~is_target).sum(1).clamp_min(1)
    hit = (inhibit * is_target).sum(1) / is_target.sum(1).clamp_min(1)
    return keep + alpha * hit + lam * penalty


def train_symbiotes(
    primary: PrimaryCNN,
    x: torch.Tensor,
    y: torch.Tensor,
    arch: SymbioteArch,
    cfg: SymbioteTraining,
    progress: bool = False,
    clean: CleanPass | None = None,
    products: torch.Tensor | None = None,
    lams: torch.Tensor | None = None,
) -> tuple[Symbiotes, dict]:
    """Train the symbiotes of every class in `arch.classes` together; the primary stays frozen.

    clean, products: `clean_pass(primary, x)` and `cached_products(primary, clean.trunk)`, when the caller trains
    several kinds on the same data (computed here otherwise).
    lams: one penalty weight per symbiote [K], in place of cfg.lam (`train_sweep` trains several weights side by
    side).
    The primary being frozen, each image's channel products (fc1's input per conv2 channel) are computed once for all
    epochs and cached: N x conv2 x fc1 floats (98 MB for mnist5k's 4,000 images, 1.5 GB for full MNIST), filled into
    one tensor allocated up front (concatenating chunks held both, a 1.5 GB spike). Each batch is gathered into reused
    batch-sized buffers (a shuffled copy of the whole cache per epoch took as much again). bench/symbiote_memory.py,
    60,000 images, one epoch: peak RSS 3.5 GB, against 5.4 GB before (0.8 GB with nothing cached)."""
    device = next(primary.parameters()).device
    primary.eval().requires_grad_(False)
    clean = clean_pass(primary, x) if clean is None else clean
    trunk, units = clean.trunk, clean.units
    products = cached_products(primary, trunk) if products is None else products
    reference = clean_logits(primary, units) if cfg.other_loss == "kl" else torch.empty(len(y), 0, device=device)
    # Batches are gathered into these buffers, allocated once: memory already mapped instead of a fresh allocation
    # per batch (about 2 ms a batch here), and batch-sized rather than a shuffled copy of every cached tensor.
    data = (trunk.contiguous(), units, products, y.to(device), reference)
    buffers = [torch.empty_like(t[: cfg.batch_size]) for t in data]
    sym = initial_symbiotes(primary, arch, cfg, units)
    classes = torch.tensor(arch.classes, device=device)
    opt = torch.optim.Adam(sym.parameters(), lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed)
    history = {"step": [], "target_accuracy": [], "other_accuracy": []}  # per step, one value per class
    total, epochs = step_budget(len(y), cfg.batch_size, cfg.epochs, cfg.steps)
    for _ in tqdm(range(epochs), desc=f"symbiotes ({arch.kind})", disable=not progress):
        order = torch.randperm(len(y), generator=gen).to(device)
        for idx in order.split(cfg.batch_size)[: total - len(history["step"])]:  # the steps left
            trunk_b, units_b, products_b, y_b, reference_b = _gather(data, idx, buffers)
            logits, penalty = sym.edit(primary, trunk_b, units_b, products_b)
            reference_b = reference_b if reference_b.numel() else None  # empty unless other_loss is "kl"
            optimiser_step(opt, logits, penalty, y_b, classes, cfg, history, reference_b, lams)
    return sym.eval(), history


def initial_symbiotes(primary: PrimaryCNN, arch: SymbioteArch, cfg: SymbioteTraining, units: torch.Tensor):
    """The symbiotes of `arch` as training starts them, on the primary's device: seeded with cfg.seed, their
    activation scale fitted to the primary's clean units [N, U], and the conditional kinds' copy of its readout."""
    torch.manual_seed(cfg.seed)
    sym = Symbiotes(arch, primary.arch, seed=cfg.seed).to(next(primary.parameters()).device)
    sym.fit_scale(units)
    if arch.conditional:
        sym.fit_readout(primary.fc2.weight, primary.fc2.bias)
    return sym


@torch.no_grad()
def clean_logits(primary: PrimaryCNN, units: torch.Tensor) -> torch.Tensor:
    """The unedited primary's logits [N, classes], from its clean gated activations: fc2 reads fc1 alone."""
    return primary.fc2(units[:, primary.arch.slices["fc1"]])


def train_sweep(
    primary: PrimaryCNN,
    x: torch.Tensor,
    y: torch.Tensor,
    archs: list[SymbioteArch],
    cfg: SymbioteTraining,
    lams: tuple[float, ...],
    clean: CleanPass | None = None,
    products: torch.Tensor | None = None,
):
    """(kind, lam, symbiotes) for every kind in `archs` trained at every penalty weight in `lams`, the rest of `cfg`
    unchanged (the Pareto fronts of symbiosis.report.sweep); clean and products as for `train_symbiotes`.

    The weights of one kind train side by side in one module, its class axis repeated once per weight: each
    symbiote's loss depends only on its own parameters, which start as they would alone (seeded per class), see the
    same batches and take element-wise Adam steps, so each equals its own training up to float rounding
    (tests/test_sweep.py), with one pass of small kernels per step instead of one per weight."""
    if not lams:
        raise SymbiosisError("the lambda sweep needs at least one penalty weight (symbiote.sweep_lams)")
    clean = clean_pass(primary, x) if clean is None else clean
    products = cached_products(primary, clean.trunk) if products is None else products
    for arch in archs:
        k = len(arch.classes)
        stacked = dataclasses.replace(arch, classes=arch.classes * len(lams))
        per_symbiote = torch.tensor([float(lam) for lam in lams], device=products.device).repeat_interleave(k)
        sym, _ = train_symbiotes(primary, x, y, stacked, cfg, clean=clean, products=products, lams=per_symbiote)
        for i, lam in enumerate(lams):
            yield arch.kind, float(lam), sym.rows(slice(i * k, (i + 1) * k))


@torch.no_grad()
def cached_products(primary: PrimaryCNN, trunk: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """`primary.channel_products` of every trunk feature map, [N, conv2, fc1], written chunk by chunk into one
    tensor allocated up front."""
    first = primary.channel_products(trunk[:chunk])
    products = first.new_empty((len(trunk), *first.shape[1:]))
    products[: len(first)] = first
    for start in range(chunk, len(trunk), chunk):
        products[start : start + chunk] = primary.channel_products(trunk[start : start + chunk])
    return products


def _gather(data: tuple[torch.Tensor, ...], idx: torch.Tensor, buffers: list[torch.Tensor]) -> list[torch.Tensor]:
    """Rows `idx` of every tensor in `data`, written into the leading rows of its buffer (the last batch is short)."""
    return [torch.index_select(t, 0, idx, out=buf[: len(idx)]) for t, buf in zip(data, buffers, strict=True)]


def optimiser_step(
    opt,
    logits,
    penalty,
    y: torch.Tensor,
    classes: torch.Tensor,
    cfg: SymbioteTraining,
    history,
    reference=None,
    lams=None,
) -> None:
    """One Adam step on every class's symbiote loss (classes share no parameters: the sum trains each on its own
    loss), and each class's accuracy on target and other images of the batch appended to `history`.
    reference: the unedited primary's logits of the batch, needed when cfg.other_loss is "kl";
    lams: one penalty weight per symbiote [K] in place of cfg.lam."""
    if cfg.other_loss == "kl" and reference is None:
        raise SymbiosisError("other_loss 'kl' needs the primary's clean logits of each batch")
    lam = cfg.lam if lams is None else lams
    loss = symbiote_loss(logits, y, classes, penalty, cfg.alpha, lam, reference if cfg.other_loss == "kl" else None)
    opt.zero_grad(set_to_none=True)
    loss.sum().backward()
    opt.step()
    with torch.no_grad():
        correct = logits.argmax(2) == y[None]
        is_target = y[None] == classes[:, None]
        history["step"].append(len(history["step"]))
        history["target_accuracy"].append(_masked_mean(correct, is_target))
        history["other_accuracy"].append(_masked_mean(correct, ~is_target))


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> list[float]:
    return ((values & mask).sum(1) / mask.sum(1).clamp_min(1)).tolist()
