"""The statistical test behind every sentence of the paper that states a finding, computed from the results tables.

Each finding is a flat dict: what was tested, the test, its statistic, p-value and n, the numbers it summarises, and a
`wording` chosen from the result (for example "rises", "does not change significantly"), so that the paper can only
say what the test supports. Significance level: ALPHA, two-sided tests throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05
BASELINES = ("gradient_x_activation", "class_selectivity", "mean_activation")  # "random" is chance, not a rival


def trend(x, y, what: str, rises: str = "rises", falls: str = "falls") -> dict:
    """Spearman correlation of y with x (e.g. a per-model metric with the target sparsity)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        rho, p = float("nan"), float("nan")
    else:
        rho, p = (float(v) for v in stats.spearmanr(x, y))
    significant = bool(p < ALPHA)
    wording = (rises if rho > 0 else falls) if significant else "does not change significantly"
    return {
        "what": what,
        "test": "Spearman",
        "statistic": rho,
        "p": p,
        "n": int(len(x)),
        "significant": significant,
        "wording": wording,
    }


def paired(a, b, what: str, higher: str = "higher than", lower: str = "lower than") -> dict:
    """Wilcoxon signed-rank test of paired values a vs b (e.g. two methods on the same models and classes)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    diff = a - b
    if len(diff) == 0 or np.all(diff == 0):
        statistic, p = float("nan"), 1.0
    else:
        statistic, p = (float(v) for v in stats.wilcoxon(a, b))
    significant = bool(p < ALPHA)
    median = float(np.median(diff)) if len(diff) else float("nan")
    wording = (higher if median > 0 else lower) if significant else "not significantly different from"
    return {
        "what": what,
        "test": "Wilcoxon signed-rank",
        "statistic": statistic,
        "p": p,
        "n": int(len(diff)),
        "mean_a": float(a.mean()),
        "mean_b": float(b.mean()),
        "median_difference": median,
        "significant": significant,
        "wording": wording,
    }


def above_zero(values, what: str) -> dict:
    """One-sample Wilcoxon signed-rank test of values against 0."""
    values = np.asarray(values, float)
    result = paired(values, np.zeros_like(values), what, higher="above zero", lower="below zero")
    return {
        **result,
        "mean": float(np.nanmean(values)),
        "wording": result["wording"].replace(
            "not significantly different from", "not significantly different from zero"
        ),
    }


def findings(
    primaries: pd.DataFrame,
    symbiotes: pd.DataFrame,
    features: pd.DataFrame,
    circuits: pd.DataFrame,
    universality: pd.DataFrame,
    ground_truth: pd.DataFrame,
) -> dict[str, dict]:
    """Every finding the paper states, keyed by name (the tables are the workflow's aggregate CSVs)."""
    out = {
        "accuracy_vs_sparsity": trend(
            primaries["target_sparsity"],
            primaries["test_accuracy"],
            "primary test accuracy against target sparsity (one value per primary)",
        ),
        "polysemanticity_vs_sparsity": trend(
            primaries["target_sparsity"],
            primaries["effective_classes"],
            "mean effective number of classes of live units against sparsity",
        ),
    }
    out |= _inhibition(symbiotes) | _feature_recovery(features) | _circuits(circuits)
    if len(universality):
        out |= _universality(universality)
    out["ground_truth"] = {
        "what": "known-answer checks passed",
        "test": "count",
        "passed": int(ground_truth["passed"].sum()),
        "n": int(len(ground_truth)),
        "all_passed": bool(ground_truth["passed"].all()),
    }
    return out


def _inhibition(symbiotes: pd.DataFrame) -> dict[str, dict]:
    out = {}
    sym = symbiotes[symbiotes["kind"] == "symbiote"]
    out["inhibition"] = {
        "what": "activation-reading symbiotes meeting the criterion",
        "test": "count",
        "meeting": int(sym["meets_criterion"].sum()),
        "n": int(len(sym)),
        "max_target_accuracy": float(sym["target_accuracy"].max()),
        "max_other_accuracy_drop": float(sym["other_accuracy_drop"].max()),
        "parameter_ratio": float(sym["parameter_ratio"].iloc[0]) if len(sym) else float("nan"),
    }
    keys = ["target_sparsity", "seed", "target_class"]
    for kind in ("static", "steering"):
        other = symbiotes[symbiotes["kind"] == kind]
        if len(other):
            merged = sym.merge(other, on=keys, suffixes=("", "_other"))
            out[f"symbiote_vs_{kind}_other_accuracy"] = paired(
                merged["other_accuracy"],
                merged["other_accuracy_other"],
                f"other-class accuracy, activation-reading symbiote vs {kind} (paired by model and class)",
            )
    return out


def _feature_recovery(features: pd.DataFrame) -> dict[str, dict]:
    out = {}
    auc = features.pivot_table(index=["target_sparsity", "seed", "class"], columns="method", values="auc")
    baselines = [b for b in BASELINES if b in auc.columns]
    best = max(baselines, key=lambda b: auc[b].mean())
    out["feature_recovery"] = {
        **paired(auc["symbiote"], auc[best], f"feature-recovery AUC, symbiote vs the best baseline ({best})"),
        "baseline": best,
    }
    if "static" in auc.columns:
        out["feature_recovery_vs_static"] = paired(
            auc["symbiote"], auc["static"], "feature-recovery AUC, symbiote vs static mask"
        )
    per_model_auc = auc["symbiote"].groupby(level=["target_sparsity", "seed"]).mean().reset_index()
    out["feature_recovery_vs_sparsity"] = trend(
        per_model_auc["target_sparsity"],
        per_model_auc["symbiote"],
        "per-model mean symbiote feature-recovery AUC against sparsity",
    )
    return out


def _circuits(circuits: pd.DataFrame) -> dict[str, dict]:
    out = {}
    sym_circuits = circuits[circuits["kind"] == "symbiote"]
    out["circuit_faithfulness"] = above_zero(
        sym_circuits["faithfulness"], "faithfulness of symbiote circuits (target minus other-class drop)"
    )
    ablation = circuits[circuits["kind"] == "ablation"].merge(
        sym_circuits, on=["target_sparsity", "seed", "class"], suffixes=("_ablation", "")
    )
    out["circuit_vs_ablation"] = paired(
        ablation["faithfulness"],
        ablation["faithfulness_ablation"],
        "faithfulness, symbiote circuit vs the exact-ablation circuit of equal size",
    )
    per_model_overlap = sym_circuits.groupby(["target_sparsity", "seed"], as_index=False)["overlap"].mean()
    out["overlap"] = above_zero(
        per_model_overlap["overlap"], "cross-class overlap of symbiote circuits minus chance (per model)"
    )
    out["overlap_vs_sparsity"] = trend(
        per_model_overlap["target_sparsity"],
        per_model_overlap["overlap"],
        "cross-class overlap of symbiote circuits against sparsity",
    )
    return out


def _universality(universality: pd.DataFrame) -> dict[str, dict]:
    out = {}
    significant = universality["jaccard_class_p"] < ALPHA
    out["universality"] = {
        "what": "pairs of seeds whose matched symbiote circuits agree beyond the class-permutation null",
        "test": "permutation (class labels)",
        "significant_pairs": int(significant.sum()),
        "n": int(len(universality)),
        "min_z": float(universality["jaccard_class_z"].min()),
        "max_p": float(universality["jaccard_class_p"].max()),
        "jaccard": float(universality["jaccard"].mean()),
        "null": float(universality["jaccard_class_null_mean"].mean()),
        "wording": "exceeds"
        if significant.all()
        else ("does not exceed" if not significant.any() else "exceeds in some pairs"),
    }
    out["universality_vs_sparsity"] = trend(
        universality["target_sparsity"],
        universality["jaccard_class_z"],
        "universality z-score (Jaccard, class null) against sparsity",
    )
    out["cka_fc1_vs_random"] = paired(
        universality["cka_fc1"],
        universality["cka_random_fc1"],
        "fc1 linear CKA between seeds vs against a random network",
    )
    out["transfer"] = {
        **above_zero(universality["transfer_share"], "share of a symbiote's target drop that survives transfer"),
        "below_one": paired(universality["transfer_share"], np.ones(len(universality)), "transfer share vs 1")[
            "significant"
        ],
    }
    return out
