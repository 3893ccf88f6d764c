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


def rates(scores: np.ndarray, targets: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of scores, targets and bool members [K, n]: (ROC-AUC of the score for the members by the Mann-Whitney
    rank sum, ties counting one half: sklearn's roc_auc_score without its input validation, which dominated the
    analysis; Spearman rho of the score against the target, as scipy.stats.spearmanr: Pearson's r of the average
    ranks). A row with a NaN score gets NaN for both, one without members or without non-members NaN for the AUC;
    rho is NaN where either row is constant or the target has a NaN. All rows at once: one spearmanr call per row was
    1.4 s of each analysis job (2,340 rows); tests/test_recovery.py checks both against sklearn and scipy row by row."""
    score_ranks, target_ranks = stats.rankdata(scores, axis=1), stats.rankdata(targets, axis=1)
    n_pos = members.sum(1)
    n_neg = members.shape[1] - n_pos
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((score_ranks * members).sum(1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        centred_s = score_ranks - score_ranks.mean(1, keepdims=True)
        centred_t = target_ranks - target_ranks.mean(1, keepdims=True)
        rho = (centred_s * centred_t).sum(1) / np.sqrt((centred_s**2).sum(1) * (centred_t**2).sum(1))
    auc[(n_pos == 0) | (n_neg == 0)] = np.nan
    rho[(np.ptp(scores, axis=1) == 0) | (np.ptp(targets, axis=1) == 0)] = np.nan
    rho = np.clip(rho, -1.0, 1.0)
    unrated = np.isnan(scores).any(1)
    auc[unrated], rho[unrated] = np.nan, np.nan
    return auc, rho


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
    rows, class_rows = [], np.asarray(classes)  # a row index per class (a tuple would index dimensions)
    for truth in TRUTHS:
        target = importance.double() if truth == "signed" else importance.double().abs()
        for layer, sl in layer_groups(arch).items():
            layer_live = live[sl]
            members = top_live(target[:, sl], layer_live, fraction)[:, layer_live].numpy()
            values = target[:, sl][:, layer_live].numpy()
            for method, score in scores.items():
                s = score.double()[:, sl][:, layer_live].numpy()
                auc, rho = rates(s[class_rows], values[class_rows], members[class_rows])
                for k, class_auc, class_rho in zip(classes, auc, rho, strict=True):
                    rows.append(
                        {
                            "method": method,
                            "truth": truth,
                            "layer": layer,
                            "class": k,
                            "auc": float(class_auc),
                            "spearman": float(class_rho),
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
