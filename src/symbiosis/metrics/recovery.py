"""Feature recovery on live units (claim 1), per layer and pooled, against signed and absolute ground truths.

A unit that never fires on the data is dead: it carries no class, every score ties it at the bottom, and counting it
would inflate every AUC with easy negatives (about 60 of 224 units in the default run). Dead units are counted and
left out. For class k, G_k is the top `fraction` of the live units (of a layer, or of all layers for "pooled") by the
exact importance I_k ("signed") or by |I_k| ("absolute"); a score is rated by ROC-AUC against G_k (ties count one half)
and by Spearman rho against I_k (or |I_k|) over the same live units. `best_method` picks the best rival from the data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from scipy import stats

from symbiosis.primary.models import PrimaryArch

TRUTHS = ("signed", "absolute")


def live_units(units: torch.Tensor) -> torch.Tensor:
    """[U] bool: the units that fire (activation > 0) on at least one input of `units` [N, U] (ReLU activations)."""
    return units.amax(0) > 0


def layer_groups(arch: PrimaryArch) -> dict[str, slice]:
    """Each gated layer's positions on the unit axis, and "pooled" for all of them."""
    out, start = {}, 0
    for name, n in arch.units.items():
        out[name] = slice(start, start + n)
        start += n
    return out | {"pooled": slice(0, start)}


def top_live(values: torch.Tensor, live: torch.Tensor, fraction: float) -> torch.Tensor:
    """[K, U] bool: the top ceil(fraction * L) of the L live units of each row by value (ties by unit index)."""
    n_live = int(live.sum())
    k = max(1, math.ceil(fraction * n_live))
    masked = values.double().masked_fill(~live, -torch.inf)
    order = torch.sort(masked, dim=1, descending=True, stable=True).indices[:, :k]
    return torch.zeros(values.shape, dtype=torch.bool).scatter_(1, order, True) & live


def rank_auc(member: np.ndarray, score: np.ndarray) -> float:
    """ROC-AUC of `score` for the bool `member` labels by the Mann-Whitney rank sum (ties count one half): equal to
    sklearn's roc_auc_score (tests/test_recovery.py), without its input validation, which dominated the analysis."""
    n_pos = int(member.sum())
    n_neg = len(member) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(score)
    return float((ranks[member.astype(bool)].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _rate(score: np.ndarray, target: np.ndarray, member: np.ndarray) -> tuple[float, float]:
    if np.isnan(score).any():
        return float("nan"), float("nan")
    auc = rank_auc(member, score)
    rho = stats.spearmanr(score, target)[0] if np.ptp(score) > 0 and np.ptp(target) > 0 else float("nan")
    return float(auc), float(rho)


def recovery_table(
    scores: dict[str, torch.Tensor],
    importance: torch.Tensor,
    live: torch.Tensor,
    arch: PrimaryArch,
    classes: list[int],
    fraction: float = 0.1,
) -> pd.DataFrame:
    """One row per (method, truth, layer, class): ROC-AUC of the method's score [n_classes, U] against G_k and its
    Spearman rho against the ground truth, over that layer's live units; with n_live and n_dead of the layer."""
    rows = []
    for truth in TRUTHS:
        target = importance.double() if truth == "signed" else importance.double().abs()
        for layer, sl in layer_groups(arch).items():
            layer_live = live[sl]
            members = top_live(target[:, sl], layer_live, fraction)[:, layer_live].numpy()
            values = target[:, sl][:, layer_live].numpy()
            for method, score in scores.items():
                s = score.double()[:, sl][:, layer_live].numpy()
                for k in classes:
                    auc, rho = _rate(s[k], values[k], members[k])
                    rows.append(
                        {
                            "method": method,
                            "truth": truth,
                            "layer": layer,
                            "class": k,
                            "auc": auc,
                            "spearman": rho,
                            "n_live": int(layer_live.sum()),
                            "n_dead": int((~layer_live).sum()),
                        }
                    )
    return pd.DataFrame(rows)


def best_method(
    table: pd.DataFrame, truth: str, layer: str, metric: str = "auc", exclude=("ablation", "random")
) -> tuple[str, float]:
    """The method with the highest mean `metric` over the table's rows (models, classes) for one truth and layer,
    among the methods not excluded (the exact score defines G_k and scores 1 by construction; random is chance)."""
    rows = table[(table["truth"] == truth) & (table["layer"] == layer) & ~table["method"].isin(exclude)]
    means = rows.groupby("method")[metric].mean().dropna()
    if means.empty:
        return "", float("nan")
    best = means.sort_values(ascending=False, kind="stable").index[0]
    return str(best), float(means[best])
