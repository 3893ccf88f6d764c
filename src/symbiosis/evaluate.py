"""Evaluation of a model's symbiotes on held-out data: inhibition matrix, other-class accuracy, gate statistics."""

from __future__ import annotations

import pandas as pd
import torch

from symbiosis.choices import N_CLASSES
from symbiosis.models import PrimaryCNN
from symbiosis.symbiote import Symbiotes, edit_statistics, inhibition_matrix
from symbiosis.train import predict

# Histogram edges for steering shifts, in the unit's standard deviations; gates use 0 .. g_max in as many bins.
SHIFT_BINS = torch.linspace(-5, 5, 21, dtype=torch.float64)


def edit_bins(sym: Symbiotes) -> torch.Tensor:
    if sym.arch.kind == "steering":
        return SHIFT_BINS
    return torch.linspace(0, sym.arch.g_max, len(SHIFT_BINS), dtype=torch.float64)


def evaluate_symbiotes(
    primary: PrimaryCNN,
    symbiotes: list[Symbiotes],
    x: torch.Tensor,
    y: torch.Tensor,
    model_info: dict,
    max_target_accuracy: float = 0.02,
    max_other_drop: float = 0.01,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three tables for one primary and its symbiotes of each kind, every row labelled with `model_info`.

    summary: one row per kind x target class: target accuracy, other-class accuracy, the unmodified primary's,
             the intervention's size, and whether it meets the criterion (target accuracy at most
             `max_target_accuracy`, other-class accuracy at most `max_other_drop` below the primary's) and by how
             much it misses; inhibition: accuracy on class j under the symbiote for k (long form);
             gates: histogram of the gates (shifts for steering) on the target class's inputs.
    """
    correct = (predict(primary, x) == y).double()
    base = torch.stack([correct[y == j].mean() for j in range(N_CLASSES)])
    counts = torch.bincount(y, minlength=N_CLASSES).double()
    primary_params = sum(p.numel() for p in primary.parameters())
    summary, inhibition, gates = [], [], []
    for sym in symbiotes:
        kind, classes = sym.arch.kind, sym.arch.classes
        matrix = inhibition_matrix(primary, sym, x, y, N_CLASSES)
        bins = edit_bins(sym)
        stats = edit_statistics(primary, sym, x, y, bins)
        for i, k in enumerate(classes):
            others = torch.arange(N_CLASSES) != k
            other_acc = float((matrix[i, others] * counts[others]).sum() / counts[others].sum())
            base_other = float((base[others] * counts[others]).sum() / counts[others].sum())
            summary.append(
                {
                    **model_info,
                    "kind": kind,
                    "target_class": k,
                    "target_accuracy": float(matrix[i, k]),
                    "other_accuracy": other_acc,
                    "primary_target_accuracy": float(base[k]),
                    "primary_other_accuracy": base_other,
                    "other_accuracy_drop": base_other - other_acc,
                    "target_excess": max(0.0, float(matrix[i, k]) - max_target_accuracy),
                    "other_excess": max(0.0, base_other - other_acc - max_other_drop),
                    "mean_edit": float(stats["mean"][i]),
                    "mean_abs_change": float(stats["mean_abs_change"][i]),
                    "inhibited_share": float(stats["inhibited"][i]),
                    "stimulated_share": float(stats["stimulated"][i]),
                    "parameters_per_class": sym.parameters_per_class(),
                    "parameter_ratio": sym.parameters_per_class() / primary_params,
                }
            )
            inhibition += [
                {
                    **model_info,
                    "kind": kind,
                    "target_class": k,
                    "eval_class": j,
                    "accuracy": float(matrix[i, j]),
                    "primary_accuracy": float(base[j]),
                }
                for j in range(N_CLASSES)
            ]
            gates += [
                {
                    **model_info,
                    "kind": kind,
                    "target_class": k,
                    "bin_low": float(lo),
                    "bin_high": float(hi),
                    "count": int(n),
                }
                for lo, hi, n in zip(bins[:-1], bins[1:], stats["histogram"][i], strict=True)
            ]
    summary = pd.DataFrame(summary)
    meets = (summary["target_excess"] == 0) & (summary["other_excess"] == 0)
    summary.insert(summary.columns.get_loc("target_excess"), "meets_criterion", meets)
    return summary, pd.DataFrame(inhibition), pd.DataFrame(gates)
