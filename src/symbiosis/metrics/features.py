"""Feature recovery (claim 1): does a per-class unit score find the units that carry the class?

For class k, with I_k the exact mean-ablation importance and G_k its top `top_fraction` of units:
Spearman rho(score_k, I_k) and ROC-AUC of score_k against membership of G_k (ties count one half).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import stats
from sklearn.metrics import roc_auc_score


def top_units(scores: torch.Tensor, fraction: float) -> torch.Tensor:
    """[n_classes, U] bool: the top ceil(fraction * U) units of each row (ties broken by unit index)."""
    k = max(1, math.ceil(fraction * scores.shape[1]))
    order = torch.sort(scores, dim=1, descending=True, stable=True).indices[:, :k]
    return torch.zeros_like(scores, dtype=torch.bool).scatter_(1, order, True)


def recovery(scores: torch.Tensor, importance: torch.Tensor, truth: torch.Tensor) -> list[dict]:
    """Per class: Spearman rho and its p-value against `importance`, and ROC-AUC against the bool `truth` sets."""
    rows = []
    scores, importance, truth = scores.double().cpu(), importance.double().cpu(), truth.cpu()  # NumPy needs the CPU
    for s, imp, g in zip(scores.numpy(), importance.numpy(), truth.numpy(), strict=True):
        rho, p = stats.spearmanr(s, imp) if np.ptp(s) > 0 and np.ptp(imp) > 0 else (np.nan, np.nan)
        auc = roc_auc_score(g, s) if 0 < g.sum() < len(g) else np.nan
        rows.append({"spearman": float(rho), "spearman_p": float(p), "auc": float(auc)})
    return rows
