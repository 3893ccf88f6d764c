"""Evaluation of a model's symbiotes on held-out data: inhibition matrix, other-class accuracy, gate statistics."""

from __future__ import annotations

import pandas as pd
import torch

from symbiosis.config import settings
from symbiosis.metrics.intervention import edited_units, intervention_size, target_penalty
from symbiosis.primary.models import CleanPass, PrimaryCNN
from symbiosis.symbiote.symbiote import Symbiotes

# Histogram edges for steering shifts, in the unit's standard deviations; gates use 0 .. g_max in as many bins.
SHIFT_BINS = torch.linspace(-5, 5, 21, dtype=torch.float64)


@settings("symbiote")
class Criterion:
    """When a symbiote counts as inhibiting its class (reported, not used in training; defaults: the schema)."""

    max_target_accuracy: float
    max_other_drop: float
    other_loss: str  # the training objective on the other classes, reported beside the criterion it is judged by


def edit_bins(sym: Symbiotes) -> torch.Tensor:
    if sym.arch.shifts:
        return SHIFT_BINS
    return torch.linspace(0, sym.arch.g_max, len(SHIFT_BINS), dtype=torch.float64)


def class_accuracy(correct: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[..., n_classes]: the mean of `correct` [..., N] over the inputs of each class."""
    return torch.stack([correct[..., y == j].mean(-1) for j in range(n_classes)], dim=-1)


@torch.no_grad()
def inhibition_matrix(primary: PrimaryCNN, sym: Symbiotes, clean: CleanPass, y: torch.Tensor) -> torch.Tensor:
    """[K, n_classes]: accuracy on the inputs of class j with the symbiote for class arch.classes[k] applied."""
    logits, _ = sym.edit(primary, clean.trunk, clean.units)
    correct = (logits.argmax(2).cpu() == y[None]).double()
    return class_accuracy(correct, y, primary.arch.n_classes)


def own_class_drop(primary: PrimaryCNN, sym: Symbiotes, clean: CleanPass, y: torch.Tensor) -> torch.Tensor:
    """Per symbiote class k: the primary's clean accuracy on class k minus its accuracy there with symbiote k."""
    matrix = inhibition_matrix(primary, sym, clean, y)
    correct = (clean.predicted == y).double()
    return torch.stack([correct[y == k].mean() - matrix[i, k] for i, k in enumerate(sym.arch.classes)])


@torch.no_grad()
def edit_statistics(sym: Symbiotes, clean: CleanPass, y: torch.Tensor, bins: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per class k, on the inputs of class k: mean gate, mean |g - 1| (or |shift|), inhibited and stimulated shares,
    and a histogram of the gates (or shifts in std units) over `bins`."""
    gates, shifts = sym(clean.units)
    out = {name: [] for name in ("mean", "mean_abs_change", "inhibited", "stimulated", "histogram")}
    for i, c in enumerate(sym.arch.classes):
        if gates is not None:
            edit = gates[i][(y == c).to(gates.device)] if gates.shape[1] > 1 else gates[i]
            change, low, high = (edit - 1).abs(), edit < 0.5, edit > 1.5
        else:
            edit = (shifts[i][(y == c).to(shifts.device)] if shifts.shape[1] > 1 else shifts[i]) / sym.scale
            change, low, high = edit.abs(), edit < -0.5, edit > 0.5
        out["mean"].append(edit.mean())
        out["mean_abs_change"].append(change.mean())
        out["inhibited"].append(low.double().mean())
        out["stimulated"].append(high.double().mean())
        out["histogram"].append(torch.histogram(edit.double().cpu().clamp(bins[0], bins[-1]), bins)[0])
    return {name: torch.stack([torch.as_tensor(v).double().cpu() for v in values]) for name, values in out.items()}


def _weighted_other(values: torch.Tensor, counts: torch.Tensor, k: int) -> float:
    """Mean of per-class `values` over the classes other than k, weighted by their input counts."""
    others = torch.arange(len(counts)) != k
    return float((values[others] * counts[others]).sum() / counts[others].sum())


def _summary_row(sym, i: int, k: int, matrix, base, counts, stats, criterion: Criterion, primary_params: int) -> dict:
    other_acc = _weighted_other(matrix[i], counts, k)
    base_other = _weighted_other(base, counts, k)
    return {
        "kind": sym.arch.kind,
        "target_class": k,
        "target_accuracy": float(matrix[i, k]),
        "other_accuracy": other_acc,
        "primary_target_accuracy": float(base[k]),
        "primary_other_accuracy": base_other,
        "other_accuracy_drop": base_other - other_acc,
        "target_excess": max(0.0, float(matrix[i, k]) - criterion.max_target_accuracy),
        "other_excess": max(0.0, base_other - other_acc - criterion.max_other_drop),
        "other_loss": criterion.other_loss,
        "mean_edit": float(stats["mean"][i]),
        "mean_abs_change": float(stats["mean_abs_change"][i]),
        "inhibited_share": float(stats["inhibited"][i]),
        "stimulated_share": float(stats["stimulated"][i]),
        "parameters_per_class": sym.parameters_per_class(),
        "parameter_ratio": sym.parameters_per_class() / primary_params,
    }


def evaluate_symbiotes(
    primary: PrimaryCNN,
    symbiotes: list[Symbiotes],
    clean: CleanPass,
    y: torch.Tensor,
    model_info: dict,
    criterion: Criterion,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three tables for one primary and its symbiotes of each kind, every row labelled with `model_info`.

    summary: one row per kind x target class: target accuracy, other-class accuracy, the unmodified primary's,
             the intervention's size (mean |g - 1|; and E|a - a'| / std(a) over live units on the target class's
             images and the others', the same measure for every kind; the training penalty on every image and on
             target images alone),
             and whether it meets the `criterion` and by how much it misses;
    inhibition: accuracy on class j under the symbiote for k (long form);
    gates: histogram of the gates (shifts for steering) on the target class's inputs.
    """
    n_classes = primary.arch.n_classes
    base = class_accuracy((clean.predicted == y).double(), y, n_classes)
    counts = torch.bincount(y, minlength=n_classes).double()
    primary_params = sum(p.numel() for p in primary.parameters())
    summary, inhibition, gates = [], [], []
    for sym in symbiotes:
        matrix, bins = inhibition_matrix(primary, sym, clean, y), edit_bins(sym)
        stats = edit_statistics(sym, clean, y, bins)
        size = intervention_size(clean.units, edited_units(primary, sym, clean.trunk, clean.units), y, sym.arch.classes)
        penalty = target_penalty(sym, clean.units, y)
        with torch.no_grad():
            penalty_all = sym.penalty(*sym(clean.units)).double().cpu()
        for i, k in enumerate(sym.arch.classes):
            row = _summary_row(sym, i, k, matrix, base, counts, stats, criterion, primary_params)
            row |= {
                "intervention_size_target": float(size["target"][i]),
                "intervention_size_other": float(size["other"][i]),
                "intervention_size_all": float(size["all"][i]),
                "penalty_target": float(penalty[i]),
                "penalty_all": float(penalty_all[i]),
            }
            summary.append({**model_info, **row})
            label = {**model_info, "kind": sym.arch.kind, "target_class": k}
            inhibition += [
                {**label, "eval_class": j, "accuracy": float(matrix[i, j]), "primary_accuracy": float(base[j])}
                for j in range(n_classes)
            ]
            gates += [
                {**label, "bin_low": float(lo), "bin_high": float(hi), "count": int(n)}
                for lo, hi, n in zip(bins[:-1], bins[1:], stats["histogram"][i], strict=True)
            ]
    summary = pd.DataFrame(summary)
    meets = (summary["target_excess"] == 0) & (summary["other_excess"] == 0)
    summary.insert(summary.columns.get_loc("target_excess"), "meets_criterion", meets)
    return summary, pd.DataFrame(inhibition), pd.DataFrame(gates)
