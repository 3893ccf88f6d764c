"""The statistical test behind every sentence of the paper that states a finding, computed from the results tables.

The unit of replication is the primary (one training run): every metric is averaged over classes within a model
first, never tested over n = models x classes. Method comparisons are exact sign-flip tests over models, paired by
model; trends over sparsity are Spearman rho within seeds with levels permuted within seeds (a trend over too few
points to reach alpha is not resolvable and never worded); "does not change" comes only from an equivalence test
(TOST, margin from the config), else "inconclusive". Universality compares pairs of seeds, which share models: it is
averaged per sparsity level (sets of primaries, which share seeds across levels) before testing. Every test that
chooses a wording is Holm-corrected over the whole family, and the wording is chosen from the corrected p
(`word_findings`).

Each finding is a flat dict: what, test, statistic, p, p_corrected, n and unit (what n counts), the numbers it
summarises and its `wording`. Significance level: ALPHA, two-sided. No torch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiosis.report.significance import (
    ALPHA,
    correct_family,
    sign_flip_test,
    tost,
    trend_test,
)
from symbiosis.report.stats import mean_and_interval
from symbiosis.report.tables import architecture_rows

NOT_RIVALS = ("symbiote", "ablation", "ablation_unsigned", "random")  # the method, the ceilings, chance
MODEL = ["target_sparsity", "seed"]
SEEDS_UNIT = "primaries (seeds x levels)"
LEVELS_UNIT = "sparsity levels (sets of primaries that share seeds; pairs of seeds averaged within a level)"
PAIRS_UNIT = "pairs of seeds (every pair must pass: intersection-union test, valid for pairs that share primaries)"
CROSS_PAIRS_UNIT = "CNN-MLP pairs of primaries (one per level and seed; no primary in two pairs)"


def _per_model(table: pd.DataFrame, value: str, by: str | None = None) -> pd.DataFrame | pd.Series:
    """Per-model means of `value` over classes; one column per `by` value when given (index: level, seed)."""
    if by is None:
        return table.groupby(MODEL)[value].mean()
    return table.groupby([*MODEL, by])[value].mean().unstack(by)


def paired(a: pd.Series, b: pd.Series, what: str, higher="higher than", lower="lower than", unit=SEEDS_UNIT) -> dict:
    """Exact sign-flip test of the paired per-unit differences a - b (aligned on their index)."""
    a, b = a.align(b, join="inner")
    record = sign_flip_test((a - b).to_numpy(), unit=unit)
    wording = {"positive": higher, "negative": lower, "null": "not significantly different from"}
    return {"what": what, **record, "mean_a": float(a.mean()), "mean_b": float(b.mean()), "words": wording}


def above_zero(values: pd.Series, what: str, unit=SEEDS_UNIT) -> dict:
    """Exact sign-flip test of per-unit values against 0, with their mean and t-interval."""
    mean, low, high = mean_and_interval(values.to_numpy())
    wording = {"positive": "above zero", "negative": "below zero", "null": "not significantly different from zero"}
    record = sign_flip_test(values.to_numpy(), unit=unit)
    return {"what": what, **record, "mean": mean, "ci_low": low, "ci_high": high, "words": wording}


def trend(values: pd.Series, what: str, margin: float, strata: bool = True, unit=SEEDS_UNIT) -> list[dict]:
    """The trend test of per-model `values` (index: level[, seed]) against the level, within seeds, and its
    equivalence companion: TOST on the per-seed difference between the highest and the lowest level (a finding
    "does not change" needs it). Returns [trend record, equivalence record]."""
    frame = values.rename("value").reset_index()
    record = trend_test(
        frame["target_sparsity"], frame["value"], frame["seed"] if strata else None, unit=unit, alpha=ALPHA
    )
    if strata:
        wide = frame.pivot(index="seed", columns="target_sparsity", values="value")
        span = (wide[wide.columns.max()] - wide[wide.columns.min()]).to_numpy()
    else:
        ordered = frame.sort_values("target_sparsity")["value"].to_numpy()
        span = ordered[-1:] - ordered[:1]
    equivalence = tost(span, margin, unit="seeds" if strata else "levels")
    words = {"positive": "rises", "negative": "falls", "null": "shows no significant trend (inconclusive)"}
    return [
        {"what": what, **record, "words": words},
        {"what": f"equivalence of the highest and lowest level: {what}", **equivalence},
    ]


def word_findings(records: dict[str, dict], alpha: float = ALPHA) -> dict[str, dict]:
    """Holm over every record that chooses a wording (those with a p), then each record's `wording` from its
    corrected p: a finding only below alpha (and, for a trend, only when resolvable); a trend that is not significant
    says "does not change" only when its equivalence record (<key>_equivalence) is significant after correction."""
    tested = [k for k, r in records.items() if "p" in r]
    corrected = dict(zip(tested, correct_family([records[k] for k in tested]), strict=True))
    out = {}
    for key, record in records.items():
        record = dict(corrected.get(key, record))
        words = record.pop("words", None)
        if "p" in record:
            record["significant"] = bool(record["p_corrected"] < alpha)
        if words is not None:
            resolvable = record.get("resolvable", True)
            if record["significant"] and resolvable and record["statistic"] != 0:
                record["wording"] = words["positive"] if record["statistic"] > 0 else words["negative"]
            else:
                record["wording"] = words["null"]
                equivalent = corrected.get(f"{key}_equivalence")
                if equivalent is not None and equivalent["p_corrected"] < alpha:
                    record["wording"] = f"does not change (within {equivalent['margin']:g}, TOST)"
                elif not resolvable:
                    record["wording"] = f"shows no resolvable trend ({record['n']} points are too few; inconclusive)"
                # at the floor: the paper says so beside the test's p (paper.py's `floor` filter), not inside the
                # wording, which sits mid-sentence ("is <wording> its CKA with a random network")
                record["at_floor"] = _at_floor(record)
        elif "verdict" in record:
            record["verdict"] = "equivalent" if record["significant"] else "inconclusive"
        out[key] = record
    return out


def _at_floor(record: dict) -> bool:
    """The observed p is the smallest the test can give with its n (every unit agrees in sign), yet not significant
    after correction: too few independent units, not evidence of no effect."""
    return bool(record.get("min_p") and record["p"] <= record["min_p"] + 1e-12 and record.get("family_size"))


def findings(
    primaries: pd.DataFrame,
    symbiotes: pd.DataFrame,
    features: pd.DataFrame,
    circuits: pd.DataFrame,
    curve_areas: pd.DataFrame,
    universality: pd.DataFrame,
    ground_truth: pd.DataFrame,
    cross_architecture: pd.DataFrame | None = None,
    symbiotes_by_architecture: pd.DataFrame | None = None,
    ceiling: pd.DataFrame | None = None,
    early_stopped: pd.DataFrame | None = None,
    margin: float = 0.05,
    polysemanticity_margin: float = 0.5,
) -> dict[str, dict]:
    """Every finding the paper states, keyed by name (the tables are the workflow's aggregate CSVs). The CNN's
    claims keep their names; every other architecture's are prefixed with its name (`_second_architecture`), and
    the cross-architecture matching is `cross_architecture*`; all are one Holm family."""
    every = {"features": features, "circuits": circuits, "universality": universality}
    features, circuits, universality = (architecture_rows(t) for t in every.values())
    records = _primaries(primaries, margin, polysemanticity_margin, early_stopped)
    records |= _inhibition(symbiotes)
    records |= _feature_recovery(features, margin)
    records |= _circuits(circuits, curve_areas, margin)
    if len(universality):
        records |= _universality(universality)
        if ceiling is not None and len(ceiling):
            records["identifiability_ceiling"] = identifiability_ceiling(ceiling, universality)
    others = sorted(set(every["features"].get("architecture", pd.Series(["cnn"]))) - {"cnn"})
    for name in others:
        tables = {key: architecture_rows(t, name) for key, t in every.items()}
        inhibition = (
            architecture_rows(symbiotes_by_architecture, name) if symbiotes_by_architecture is not None else None
        )
        records |= _second_architecture(name, **tables, symbiotes=inhibition, margin=margin)
    if cross_architecture is not None and len(cross_architecture):
        records |= _cross_architecture(cross_architecture)
    records["ground_truth"] = {
        "what": "known-answer checks passed",
        "test": "count",
        "passed": int(ground_truth["passed"].sum()),
        "n": int(len(ground_truth)),
        "all_passed": bool(ground_truth["passed"].all()),
    }
    out = word_findings(records)
    out["statistics"] = {
        "what": "the family of tests that choose a worded claim",
        "alpha": ALPHA,
        "correction": "Holm",
        "family_size": sum("p" in r for r in records.values()),
        "equivalence_margin": margin,
        "polysemanticity_margin": polysemanticity_margin,
    }
    return out


# Polysemanticity per gated layer, each in the form validated for it: fc1 units by their class-conditional means,
# conv2 channels resolved per position (the spatial mean counts a stroke detector shared by many digits as
# polysemantic: conv2 sat at 9.6 of 10 effective classes at every level in phase 1). The mean over both layers is
# not tested: as fc1 units die, the mix of layers behind it shifts.
POLYSEMANTICITY = {
    "polysemanticity_vs_sparsity": ("effective_classes_fc1", "effective classes of live fc1 units"),
    "polysemanticity_conv2_vs_sparsity": (
        "spatial_effective_classes_conv2",
        "effective classes of live conv2 channels, resolved per position",
    ),
}
LIVE_UNITS = {"live_units_fc1_vs_sparsity": "live_units_fc1", "live_units_conv2_vs_sparsity": "live_units_conv2"}


def _primaries(
    primaries: pd.DataFrame, margin: float, polysemanticity_margin: float, early_stopped: pd.DataFrame | None = None
) -> dict[str, dict]:
    """Accuracy, live units and polysemanticity against sparsity: each a trend test over primaries, levels permuted
    within seeds, with its TOST companion between the highest and the lowest level (accuracy at `margin`,
    polysemanticity at `polysemanticity_margin` effective classes; live units have none: no "does not change" is
    worded for them), and the accuracy lost at the highest level against the dense primary of the same seed."""
    records: dict[str, dict] = {}
    per_primary = primaries.set_index(MODEL)
    what = "primary test accuracy against target sparsity"
    records["accuracy_vs_sparsity"], records["accuracy_vs_sparsity_equivalence"] = trend(
        per_primary["test_accuracy"], what, margin
    )
    for key, (column, what) in POLYSEMANTICITY.items():
        records[key], records[f"{key}_equivalence"] = trend(
            per_primary[column], f"{what} vs sparsity", margin=polysemanticity_margin
        )
        if early_stopped is not None and len(early_stopped):
            records[f"{key}_accuracy_matched"] = accuracy_matched(primaries, early_stopped, column, what)
    for key, column in LIVE_UNITS.items():
        records[key] = trend(per_primary[column], f"{column.replace('_', ' ')} vs sparsity", margin)[0]
    top = primaries[primaries["target_sparsity"] == primaries["target_sparsity"].max()]
    mean, low, high = mean_and_interval(top["accuracy_drop"].to_numpy())
    records["accuracy_drop_at_top"] = {
        "what": "test accuracy of the dense primary minus that of the same seed's primary at the highest sparsity",
        "test": "t-interval over seeds",
        "level": float(top["target_sparsity"].max()) if len(top) else float("nan"),
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "n": int(top["accuracy_drop"].notna().sum()),
        "unit": "seeds",
    }
    return records


def accuracy_matched(primaries: pd.DataFrame, early_stopped: pd.DataFrame, column: str, what: str) -> dict:
    """The control for the accuracy pruning costs: each pruned primary's `column` against that of a dense primary of
    the same seed and the same test accuracy, read off the seed's dense curve (its primaries trained for fewer
    optimiser steps, config accuracy_control, and its fully trained dense primary) by linear interpolation in
    accuracy; pruned primaries outside the curve's accuracy range are left out (no extrapolation). A seed's pruned
    primaries are all read off one curve, so the unit is the seed: the per-seed mean differences, their mean and
    t-interval. Descriptive: with three seeds no test of them could reach significance (a sign-flip floor of 0.25)."""
    per_seed, counted = {}, 0
    for seed, pruned in primaries[primaries["target_sparsity"] > 0].groupby("seed"):
        dense = pd.concat([early_stopped, primaries[primaries["target_sparsity"] == 0]])
        dense = dense[dense["seed"] == seed].groupby("test_accuracy", as_index=False)[column].mean()
        inside = pruned[pruned["test_accuracy"].between(dense["test_accuracy"].min(), dense["test_accuracy"].max())]
        if len(inside):
            matched = np.interp(inside["test_accuracy"], dense["test_accuracy"], dense[column])
            per_seed[int(seed)] = float((inside[column] - matched).mean())
            counted += len(inside)
    mean, low, high = mean_and_interval(list(per_seed.values()))
    signs = {np.sign(v) for v in per_seed.values()}
    return {
        "what": f"{what}: pruned minus dense primaries of equal accuracy (mean per seed)",
        "test": "descriptive (t-interval over seeds)",
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "per_seed": per_seed,
        "same_sign": len(signs) == 1 and 0 not in signs,
        "n": len(per_seed),
        "unit": "seeds",
        "primaries": counted,
        "outside_range": int((primaries["target_sparsity"] > 0).sum() - counted),
    }


def _inhibition(symbiotes: pd.DataFrame) -> dict[str, dict]:
    sym = symbiotes[symbiotes["kind"] == "symbiote"]
    out = {
        "inhibition": {
            "what": "activation-reading symbiotes meeting the criterion",
            "test": "count",
            "meeting": int(sym["meets_criterion"].sum()),
            "n": int(len(sym)),
            "max_target_accuracy": float(sym["target_accuracy"].max()),
            "max_other_accuracy_drop": float(sym["other_accuracy_drop"].max()),
            "parameter_ratio": float(sym["parameter_ratio"].iloc[0]) if len(sym) else float("nan"),
        }
    }
    other_accuracy = symbiotes.groupby([*MODEL, "kind"])["other_accuracy"].mean().unstack("kind")
    for kind in ("static", "steering"):
        if kind in other_accuracy:
            out[f"symbiote_vs_{kind}_other_accuracy"] = paired(
                other_accuracy["symbiote"],
                other_accuracy[kind],
                f"other-class accuracy, activation-reading symbiote vs {kind} (per-model means, paired by model)",
            )
    return out


def best_rival(auc: pd.DataFrame) -> str:
    """The method, other than the symbiote, the ceilings and random, with the highest mean per-model AUC."""
    rivals = auc.drop(columns=[c for c in NOT_RIVALS if c in auc.columns]).mean().dropna()
    return str(rivals.sort_values(ascending=False, kind="stable").index[0])


def _feature_recovery(features: pd.DataFrame, margin: float) -> dict[str, dict]:
    out = {}
    signed = features[features["truth"] == "signed"]
    for layer in ("pooled", *sorted(set(signed["layer"]) - {"pooled"})):
        auc = _per_model(signed[signed["layer"] == layer], "auc", "method")
        best = best_rival(auc)
        key = "feature_recovery" if layer == "pooled" else f"feature_recovery_{layer}"
        out[key] = {
            **paired(
                auc["symbiote"],
                auc[best],
                f"live-unit feature-recovery AUC ({layer}), symbiote vs the best rival from the data ({best})",
            ),
            "baseline": best,
            "layer": layer,
            "ceiling": float(auc["ablation"].mean()),  # the exact score on the evaluation half
            "n_dead": float(signed[signed["layer"] == layer].groupby(MODEL)["n_dead"].first().mean()),
            "n_live": float(signed[signed["layer"] == layer].groupby(MODEL)["n_live"].first().mean()),
        }
    pooled = _per_model(signed[signed["layer"] == "pooled"], "auc", "method")
    if "static" in pooled:
        out["feature_recovery_vs_static"] = paired(
            pooled["symbiote"], pooled["static"], "live-unit feature-recovery AUC (pooled), symbiote vs static mask"
        )
    out["feature_recovery_vs_sparsity"], out["feature_recovery_vs_sparsity_equivalence"] = trend(
        pooled["symbiote"], "per-model symbiote feature-recovery AUC (live, pooled) against sparsity", margin
    )
    # Pooling also rewards putting one layer's units above the other's, so a pooled trend can come from the mix of
    # layers alone (a Simpson effect, raised in review): the per-layer trends are tested beside it.
    for layer in sorted(set(signed["layer"]) - {"pooled"}):
        per_layer = _per_model(signed[signed["layer"] == layer], "auc", "method")["symbiote"]
        key = f"feature_recovery_{layer}_vs_sparsity"
        out[key], out[f"{key}_equivalence"] = trend(
            per_layer, f"per-model symbiote feature-recovery AUC (live, {layer}) against sparsity", margin
        )
    return out


def _circuits(circuits: pd.DataFrame, areas: pd.DataFrame, margin: float) -> dict[str, dict]:
    out = {}
    faith = _per_model(circuits, "faithfulness", "kind")
    out["circuit_faithfulness"] = above_zero(
        faith["symbiote"], "faithfulness of symbiote circuits, mean-ablated (target minus other-class drop)"
    )
    out["circuit_vs_ablation"] = paired(
        faith["symbiote"],
        faith["ablation"],
        "faithfulness, symbiote circuit vs the exact-ablation circuit of equal size",
    )
    areas = areas.assign(specific=areas["target_accuracy_drop_area"] - areas["other_accuracy_drop_area"])
    circuit = areas[areas["set"] == "circuit"]
    own = circuit[(circuit["ranking"] == "symbiote") & (circuit["method"] == "gates")].set_index(MODEL)["specific"]
    mean_ablated = circuit[circuit["method"] == "mean"].pivot_table(index=MODEL, columns="ranking", values="specific")
    out["own_gates_area"] = above_zero(
        own, "specific accuracy-drop area of the symbiote's own gates restricted to its circuit, over circuit sizes"
    )
    out["own_gates_vs_mean_ablation"] = paired(
        own, mean_ablated["symbiote"], "specific drop area: own gates on C_k vs mean-ablating C_k"
    )
    out["mean_ablation_symbiote_vs_ablation"] = paired(
        mean_ablated["symbiote"],
        mean_ablated["ablation"],
        "specific drop area when mean-ablated: symbiote C_k vs exact C_k",
    )
    overlap = _per_model(circuits[circuits["kind"] == "symbiote"], "overlap")
    out["overlap"] = above_zero(overlap, "cross-class overlap of symbiote circuits minus live chance (per model)")
    out["overlap_vs_sparsity"], out["overlap_vs_sparsity_equivalence"] = trend(
        overlap, "cross-class overlap of symbiote circuits against sparsity", margin
    )
    return out


def intersection_union(p_values, statistic: float, what: str, unit: str = PAIRS_UNIT) -> dict:
    """Every pair agrees beyond its null: the intersection-union test rejects "some pair does not" at alpha when every
    pair's own permutation test does, so its p is the largest per-pair p (Berger 1982). Valid however the pairs
    depend on each other (pairs of seeds share primaries), and it reaches p = 1 / (1 + null draws) with any n."""
    p = pd.Series(p_values, dtype=float).dropna()
    return {
        "what": what,
        "test": "intersection-union over per-pair permutation tests (profile null)",
        "statistic": float(statistic),
        "p": float(p.max()) if len(p) else float("nan"),
        "n": int(len(p)),
        "unit": unit,
        "words": {"positive": "exceeds", "negative": "falls below", "null": "does not significantly exceed"},
    }


def identifiability_ceiling(ceiling: pd.DataFrame, universality: pd.DataFrame) -> dict:
    """Descriptive, not tested (no wording is chosen from it): the mean circuit Jaccard between symbiotes of one
    primary trained from different seeds (per primary first), beside the cross-primary Jaccard of every ranking's
    matched circuits at the same levels, and each as a share of the ceiling."""
    per_primary = ceiling.groupby(MODEL)["jaccard"].mean()
    levels = sorted(ceiling["target_sparsity"].unique())
    pairs = universality[universality["target_sparsity"].isin(levels)]
    columns = {"symbiote": "jaccard"} | {
        c.removesuffix("_jaccard"): c for c in pairs if c.endswith("_jaccard") and c != "jaccard"
    }
    cross = {name: float(pairs[column].mean()) for name, column in columns.items()}
    mean, low, high = mean_and_interval(per_primary.to_numpy())
    return {
        "what": "circuit Jaccard between symbiote seeds on the same primary (the identifiability ceiling)",
        "test": "descriptive (t-interval over primaries)",
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "chance": float(ceiling["chance"].mean()),
        "n": int(len(per_primary)),
        "unit": "primaries",
        "levels": [float(v) for v in levels],
        "symbiote_seeds": int(ceiling[["symbiote_seed_a", "symbiote_seed_b"]].stack().nunique()),
        "cross_primary": cross,
        "cross_share_of_ceiling": {k: v / mean if mean > 0 else float("nan") for k, v in cross.items()},
    }


def _universality(universality: pd.DataFrame) -> dict[str, dict]:
    """Claims rest on the profile null (ground truth: calibrated on random networks, where the class-permutation null
    rejects for about a third of unrelated pairs); the class null is kept as a description."""
    out = {}
    significant = universality["jaccard_profile_p"] < ALPHA
    per_level = universality.groupby("target_sparsity").mean(numeric_only=True)
    excess = universality["jaccard"] - universality["jaccard_profile_null_mean"]
    out["universality"] = {
        **intersection_union(
            universality["jaccard_profile_p"],
            excess.mean(),
            "matched symbiote-circuit Jaccard of the same class vs the profile null, at every pair of every level",
        ),
        "significant_pairs": int(significant.sum()),  # per pair, uncorrected: descriptive only
        "pairs": int(len(universality)),
        "min_z": float(universality["jaccard_profile_z"].min()),
        "max_p": float(universality["jaccard_profile_p"].max()),
        "jaccard": float(universality["jaccard"].mean()),
        "null": float(universality["jaccard_profile_null_mean"].mean()),
        "class_null": float(universality["jaccard_class_null_mean"].mean()),
        "class_significant_pairs": int((universality["jaccard_class_p"] < ALPHA).sum()),
    }
    for level, pairs in universality.groupby("target_sparsity"):
        out[f"universality_at_{level:g}"] = {
            **intersection_union(
                pairs["jaccard_profile_p"],
                (pairs["jaccard"] - pairs["jaccard_profile_null_mean"]).mean(),
                f"matched symbiote-circuit Jaccard vs the profile null, every pair at sparsity {level:g}",
            ),
            "level": float(level),
            "jaccard": float(pairs["jaccard"].mean()),
            "null": float(pairs["jaccard_profile_null_mean"].mean()),
        }
    rivals = [c.removesuffix("_jaccard_profile_z") for c in per_level if c.endswith("_jaccard_profile_z")]
    z = per_level[[f"{r}_jaccard_profile_z" for r in rivals]].set_axis(rivals, axis=1)
    best = str(z.drop(columns=[c for c in ("ablation", "random") if c in z]).mean().idxmax()) if rivals else ""
    if best:
        out["universality_vs_best_rival"] = {
            **paired(
                per_level["jaccard_profile_z"],
                z[best],
                f"matched-circuit agreement (z, profile null), symbiote vs the best rival's circuits ({best})",
                unit=LEVELS_UNIT,
            ),
            "baseline": best,
            "rival_jaccard": float(per_level[f"{best}_jaccard"].mean()),
            "ablation_z": float(z["ablation"].mean()) if "ablation" in z else float("nan"),
        }
    out["universality_vs_sparsity"] = {
        "what": "universality z-score (Jaccard, profile null; mean over pairs) against sparsity",
        **trend_test(per_level.index.to_numpy(), per_level["jaccard_profile_z"].to_numpy(), unit=LEVELS_UNIT),
        "words": {"positive": "rises", "negative": "falls", "null": "shows no significant trend (inconclusive)"},
    }
    for layer in ("conv2", "fc1"):
        out[f"cka_{layer}_vs_random"] = {
            **paired(
                per_level[f"cka_debiased_{layer}"],
                per_level[f"cka_debiased_random_{layer}"],
                f"debiased linear CKA of {layer} between seeds vs against a random network",
                unit=LEVELS_UNIT,
            ),
            "plain": float(per_level[f"cka_{layer}"].mean()),
            "plain_random": float(per_level[f"cka_random_{layer}"].mean()),
        }
    out["transfer"] = {
        **above_zero(
            per_level["transfer_share_refit"],
            "share of a symbiote's target drop that survives transfer (scale refit on the receiving model)",
            unit=LEVELS_UNIT,
        ),
        "without_refit": float(per_level["transfer_share"].mean()),
    }
    return out


def _second_architecture(
    name: str,
    features: pd.DataFrame,
    circuits: pd.DataFrame,
    universality: pd.DataFrame,
    symbiotes: pd.DataFrame | None,
    margin: float = 0.05,
) -> dict[str, dict]:
    """The CNN's headline claims for another architecture (gated through hooks), keys prefixed `<name>_`:
    inhibition (count), feature recovery against the best rival and the static mask, circuit faithfulness and
    agreement with the exact circuit, universality against the class-permutation null. The same tests and units as
    the CNN's (n = its primaries, or its levels for universality)."""
    out = {}
    if symbiotes is not None and len(symbiotes):
        sym = symbiotes[symbiotes["kind"] == "symbiote"]
        out[f"{name}_inhibition"] = {
            "what": f"{name}: activation-reading symbiotes meeting the criterion",
            "test": "count",
            "meeting": int(sym["meets_criterion"].sum()),
            "n": int(len(sym)),
            "mean_target_accuracy": float(sym["target_accuracy"].mean()),
            "mean_other_accuracy_drop": float(sym["other_accuracy_drop"].mean()),
        }
    recovery = _feature_recovery(features, margin)
    for key in ("feature_recovery", "feature_recovery_vs_static"):
        if key in recovery:
            out[f"{name}_{key}"] = {**recovery[key], "what": f"{name}: {recovery[key]['what']}"}
    faith = _per_model(circuits, "faithfulness", "kind")
    out[f"{name}_circuit_faithfulness"] = above_zero(
        faith["symbiote"], f"{name}: faithfulness of symbiote circuits, mean-ablated (target minus other-class drop)"
    )
    out[f"{name}_circuit_vs_ablation"] = paired(
        faith["symbiote"], faith["ablation"], f"{name}: faithfulness, symbiote circuit vs the exact-ablation circuit"
    )
    if "jaccard_profile_p" in universality and universality["jaccard_profile_p"].notna().any():  # else not tested
        out[f"{name}_universality"] = {
            **intersection_union(
                universality["jaccard_profile_p"],
                (universality["jaccard"] - universality["jaccard_profile_null_mean"]).mean(),
                f"{name}: matched symbiote-circuit Jaccard across seeds vs the profile null, every pair of every level",
            ),
            "pairs": int(len(universality)),
            "jaccard": float(universality["jaccard"].mean()),
            "null": float(universality["jaccard_profile_null_mean"].mean()),
            "class_null": float(universality["jaccard_class_null_mean"].mean()),
        }
    return out


def _exceeds(observed: pd.Series, null: pd.Series, what: str) -> dict:
    """`paired` over CNN-MLP pairs, worded as an observed value against its null's mean."""
    record = paired(observed, null, what, higher="exceeds", lower="falls below", unit=CROSS_PAIRS_UNIT)
    record["words"]["null"] = "does not significantly exceed"
    return record


def _cross_architecture(table: pd.DataFrame) -> dict[str, dict]:
    """The MLP's last hidden layer matched to the CNN's fc1 per (level, seed): matched correlation against the
    input-shuffling null, matched symbiote-circuit Jaccard against the profile null (the calibrated null of the
    within-architecture universality), and the symbiote's agreement against the class-mean activation's circuits
    (a ranking that matching on activations favours). Each pair holds two primaries no other pair holds: n = pairs."""
    out = {
        "cross_architecture_matching": _exceeds(
            table["matched_correlation"],
            table["matched_correlation_null_mean"],
            "CNN fc1 to MLP act2: mean matched activation correlation vs the input-shuffling null",
        ),
        "cross_architecture": {
            **_exceeds(
                table["jaccard"],
                table["jaccard_profile_null_mean"],
                "CNN fc1 to MLP act2: matched symbiote-circuit Jaccard of the same class vs the profile null",
            ),
            "pairs": int(len(table)),
            "significant_pairs": int((table["jaccard_profile_p"] < ALPHA).sum()),  # uncorrected: descriptive only
            "jaccard": float(table["jaccard"].mean()),
            "null": float(table["jaccard_profile_null_mean"].mean()),
            "class_null": float(table["jaccard_class_null_mean"].mean()),
        },
    }
    if "mean_activation_jaccard_profile_z" in table:
        out["cross_architecture_vs_mean_activation"] = {
            **paired(
                table["jaccard_profile_z"],
                table["mean_activation_jaccard_profile_z"],
                "CNN fc1 to MLP act2: matched-circuit agreement (z, profile null), symbiote vs class-mean activation",
                unit=CROSS_PAIRS_UNIT,
            ),
            "rival_jaccard": float(table["mean_activation_jaccard"].mean()),
        }
    return out
