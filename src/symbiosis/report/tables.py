"""Aggregate tables built with pandas from the per-model results files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from symbiosis.records import PrimaryRecord, SymbioteRecord
from symbiosis.report.stats import summarise_over_seeds

PRIMARY_COLUMNS = [
    "dataset",
    "target_sparsity",
    "seed",
    "measured_sparsity",
    "test_accuracy",
    "accuracy_drop",
    "effective_classes",
    "effective_classes_conv2",
    "effective_classes_fc1",
    "spatial_effective_classes_conv2",
    "selectivity",
    "dead_fraction",
    "live_units_conv2",
    "live_units_fc1",
    "parameters",
]


def summarise_units(units: pd.DataFrame) -> dict:
    """Model-level means over live units (overall and per layer; conv2's also in its spatially resolved form), the
    fraction of dead units and the count of live units per layer (a unit is dead if it never fires on the test
    split)."""
    live = units[~units["dead"]]
    out = {
        "effective_classes": float(live["effective_classes"].mean()),
        "selectivity": float(live["selectivity"].mean()),
        "dead_fraction": float(units["dead"].mean()),
    }
    for layer, group in units.groupby("layer", sort=False):
        out[f"live_units_{layer}"] = int((~group["dead"]).sum())
        out[f"effective_classes_{layer}"] = float(group.loc[~group["dead"], "effective_classes"].mean())
    conv2 = live[live["layer"] == "conv2"]
    out["spatial_effective_classes_conv2"] = float(conv2["spatial_effective_classes"].mean())
    return out


def accuracy_drop(table: pd.DataFrame) -> pd.Series:
    """Test accuracy of the dense primary (target sparsity 0) of the same dataset and seed minus the primary's own;
    NaN where the experiment has no dense primary for that seed."""
    keys = ["dataset", "seed"]
    dense = table.loc[table["target_sparsity"] == 0, [*keys, "test_accuracy"]]
    reference = table[keys].merge(dense, on=keys, how="left")["test_accuracy"].to_numpy()
    return pd.Series(reference, index=table.index, dtype=float) - table["test_accuracy"]


def primaries_table(sidecars: list[str | Path], unit_tables: list[str | Path]) -> pd.DataFrame:
    """One row per primary: its sidecar's accuracy and sparsity beside its polysemanticity summary."""
    rows = []
    for sidecar_file, units_file in zip(sidecars, unit_tables, strict=True):
        record = PrimaryRecord.read(sidecar_file)
        rows.append(
            {
                **record.model.labels(),
                "measured_sparsity": record.metrics["sparsity"],
                "test_accuracy": record.metrics["accuracy"],
                "parameters": record.parameters,
                **summarise_units(pd.read_csv(units_file)),
            }
        )
    table = pd.DataFrame(rows)
    table["accuracy_drop"] = accuracy_drop(table)
    return table[PRIMARY_COLUMNS].sort_values(["target_sparsity", "seed"], ignore_index=True)


SUMMARY_COLUMNS = PRIMARY_COLUMNS[3:-1]  # the metrics, from measured_sparsity to live_units_fc1


def primaries_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and target sparsity: mean and 95 % t-interval over seeds of every primary metric."""
    return summarise_over_seeds(table, ["dataset", "target_sparsity"], SUMMARY_COLUMNS)


SYMBIOTE_KEYS = ["dataset", "target_sparsity", "kind"]
SYMBIOTE_METRICS = [
    "target_accuracy",
    "other_accuracy",
    "other_accuracy_drop",
    "mean_abs_change",
    "intervention_size_target",
    "intervention_size_other",
    "penalty_target",
    "parameter_ratio",
]


def symbiotes_table(summaries: list[str | Path], inhibitions: list[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All models' per-symbiote rows (one per model x class x kind), and the inhibition matrices averaged over seeds."""
    table = pd.concat([pd.read_csv(f) for f in summaries], ignore_index=True)
    table = table.sort_values([*SYMBIOTE_KEYS, "seed", "target_class"], ignore_index=True)
    inhibition = pd.concat([pd.read_csv(f) for f in inhibitions], ignore_index=True)
    keys = [*SYMBIOTE_KEYS, "target_class", "eval_class"]
    inhibition = inhibition.groupby(keys, as_index=False).agg(
        accuracy=("accuracy", "mean"), primary_accuracy=("primary_accuracy", "mean"), n=("seed", "size")
    )
    return table, inhibition


def symbiotes_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per sparsity and kind: mean and 95 % t-interval over seeds of each model's class-averaged metrics, beside the
    worst symbiote (highest target accuracy, largest other-class drop) and how many meet the criterion."""
    per_model = table.groupby([*SYMBIOTE_KEYS, "seed"], as_index=False)[SYMBIOTE_METRICS].mean()
    summary = summarise_over_seeds(per_model, SYMBIOTE_KEYS, SYMBIOTE_METRICS)
    worst = table.groupby(SYMBIOTE_KEYS, as_index=False).agg(
        max_target_accuracy=("target_accuracy", "max"),
        max_other_accuracy_drop=("other_accuracy_drop", "max"),
        symbiotes=("meets_criterion", "size"),
        meeting_criterion=("meets_criterion", "sum"),
    )
    return summary.merge(worst, on=SYMBIOTE_KEYS)


def symbiote_curves(sidecars: list[str | Path]) -> pd.DataFrame:
    """Training curves from symbiote sidecars, long form: one row per kind x model x class x step."""
    frames = []
    for path in sidecars:
        record = SymbioteRecord.read(path)
        history = record.history
        for name in ("target_accuracy", "other_accuracy"):
            frame = pd.DataFrame(history[name], columns=record.classes).assign(step=history["step"])
            frame = frame.melt(id_vars="step", var_name="target_class", value_name="accuracy").assign(metric=name)
            frames.append(frame.assign(**record.model.labels(), kind=record.kind))
    columns = [*SYMBIOTE_KEYS, "seed", "target_class", "metric", "step", "accuracy"]
    return pd.concat(frames, ignore_index=True)[columns].sort_values(columns[:-1], ignore_index=True)


def _concat(files: list[str | Path]) -> pd.DataFrame:
    return pd.concat([with_architecture(pd.read_csv(f)) for f in files], ignore_index=True)


def with_architecture(table: pd.DataFrame) -> pd.DataFrame:
    """The table with an `architecture` column first: the CNN's per-model tables (written before a second
    architecture joined the run) carry none, and are the CNN's."""
    if "architecture" not in table:
        table = table.assign(architecture="cnn")
    return table[["architecture", *(c for c in table.columns if c != "architecture")]]


def architecture_rows(table: pd.DataFrame, architecture: str = "cnn") -> pd.DataFrame:
    """The rows of one architecture (every row of a table without the column: the CNN's)."""
    if "architecture" not in table:
        return table
    return table[table["architecture"] == architecture].reset_index(drop=True)


def _per_model_means(table: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Average over classes within each model first, so that intervals are over seeds (models), not classes."""
    return table.groupby([*by, "seed"], as_index=False)[columns].mean()


FEATURE_METRICS = ["spearman", "auc", "n_live", "n_dead"]
FEATURE_KEYS = ["method", "truth", "layer", "ceiling"]
CIRCUIT_METRICS = ["target_accuracy_drop", "other_accuracy_drop", "faithfulness", "jaccard_with_ablation", "overlap"]
CURVE_METRICS = ["target_margin", "other_margin", "target_accuracy", "other_accuracy"]
AREA_METRICS = [f"{m}_{kind}" for m in CURVE_METRICS for kind in ("area", "drop_area")]
AREA_KEYS = ["ranking", "method", "set"]
UNIVERSALITY_KEYS = ["architecture", "dataset", "target_sparsity", "seed_a", "seed_b"]
SYMBIOTE_ROW_COLUMNS = [
    "architecture",
    "dataset",
    "target_sparsity",
    "seed",
    "kind",
    "target_class",
    "target_accuracy",
    "other_accuracy",
    "primary_target_accuracy",
    "primary_other_accuracy",
    "other_accuracy_drop",
    "meets_criterion",
]


def universality_metrics(table: pd.DataFrame) -> list[str]:
    """Every numeric column of the universality table but its keys (one block per matched ranking)."""
    return [c for c in table.columns if c not in UNIVERSALITY_KEYS and pd.api.types.is_numeric_dtype(table[c])]


def _curves_summary(curves: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per level, ranking, method, set and fraction: each curve metric averaged over classes within a model, then
    mean and interval over seeds."""
    curves = curves.assign(fraction=curves["fraction"].fillna(-1.0))  # reference rows ("clean", "full") at -1
    by = [*keys, "ranking", "method", "set", "fraction"]
    return summarise_over_seeds(_per_model_means(curves, by, CURVE_METRICS), by, CURVE_METRICS)


def analysis_tables(
    features: list[str | Path],
    circuits: list[str | Path],
    overlaps: list[str | Path],
    curves: list[str | Path],
    curve_areas: list[str | Path],
    universality: list[str | Path],
    symbiotes: list[str | Path] = (),
) -> dict[str, pd.DataFrame]:
    """The metric tables of every model (one row per model x class x method or kind), per-architecture and
    per-sparsity summaries with t-intervals over seeds (over pairs of seeds for universality) of per-model
    means (classes averaged within a model first), the overlap matrices averaged over seeds, and every
    architecture's per-symbiote inhibition rows (`symbiotes`: per-model symbiotes.csv files)."""
    keys = ["architecture", "dataset", "target_sparsity"]
    feat = _concat(features).sort_values([*keys, *FEATURE_KEYS, "seed", "class"], ignore_index=True)
    circ = _concat(circuits).sort_values([*keys, "kind", "seed", "class"], ignore_index=True)
    over = _concat(overlaps)
    areas = _concat(curve_areas)
    areas_per_model = _per_model_means(areas, [*keys, *AREA_KEYS], AREA_METRICS)
    per_model = _per_model_means(circ, [*keys, "kind"], CIRCUIT_METRICS)
    univ = _concat(universality) if universality else pd.DataFrame(columns=UNIVERSALITY_KEYS)
    univ_summary = (
        summarise_over_seeds(univ, keys, universality_metrics(univ)).rename(columns={"n": "pairs"})
        if len(univ)
        else pd.DataFrame(columns=[*keys, "pairs"])
    )
    return {
        "features": feat,
        "features_summary": summarise_over_seeds(
            _per_model_means(feat, [*keys, *FEATURE_KEYS], FEATURE_METRICS), [*keys, *FEATURE_KEYS], FEATURE_METRICS
        ),
        "circuits": circ,
        "circuits_summary": summarise_over_seeds(per_model, [*keys, "kind"], CIRCUIT_METRICS),
        "overlap": over.groupby([*keys, "kind", "class", "other_class"], as_index=False)["overlap"].mean(),
        "curves_summary": _curves_summary(_concat(curves), keys),
        "curve_areas": areas_per_model.sort_values([*keys, *AREA_KEYS, "seed"], ignore_index=True),
        "curve_areas_summary": summarise_over_seeds(areas_per_model, [*keys, *AREA_KEYS], AREA_METRICS),
        "universality": univ.sort_values([*keys, "seed_a", "seed_b"], ignore_index=True) if len(univ) else univ,
        "universality_summary": univ_summary,
        "symbiotes_by_architecture": (
            _concat(symbiotes)[SYMBIOTE_ROW_COLUMNS].sort_values(SYMBIOTE_ROW_COLUMNS[:6], ignore_index=True)
            if symbiotes
            else pd.DataFrame(columns=SYMBIOTE_ROW_COLUMNS)
        ),
    }


# The main table of the paper: (label, summary table, row filter column and value, metric) per column.
MAIN_COLUMNS = [
    ("test accuracy", "primaries", None, "test_accuracy"),
    ("measured sparsity", "primaries", None, "measured_sparsity"),
    ("effective classes (fc1)", "primaries", None, "effective_classes_fc1"),  # the layer the text tests
    ("target acc. (symbiote)", "symbiotes", ("kind", "symbiote"), "target_accuracy"),
    ("other acc. drop (symbiote)", "symbiotes", ("kind", "symbiote"), "other_accuracy_drop"),
    ("AUC live (symbiote)", "features", ("method", "symbiote"), "auc"),
    ("AUC live (best baseline)", "features", ("method", None), "auc"),
    ("faithfulness", "circuits", ("kind", "symbiote"), "faithfulness"),
    ("own-gates acc. drop area", "curve_areas", ("ranking", "symbiote"), "target_accuracy_drop_area"),
    ("cross-class overlap", "circuits", ("kind", "symbiote"), "overlap"),
    ("universality z", "universality", None, "jaccard_profile_z"),
]


def main_table(summaries: dict[str, pd.DataFrame], best_baseline: str) -> pd.DataFrame:
    """One row per target sparsity: for each main column its mean and 95 % t-interval over seeds (pairs of
    seeds for universality), as `<label> mean`, `<label> ci_low`, `<label> ci_high`; feature recovery on live units,
    pooled over layers, against the signed importance."""
    levels = sorted(summaries["primaries"]["target_sparsity"].unique())
    feats = summaries["features"]
    areas = summaries["curve_areas"]
    summaries = {
        **summaries,
        "features": feats[(feats["truth"] == "signed") & (feats["layer"] == "pooled")],
        "curve_areas": areas[(areas["method"] == "gates") & (areas["set"] == "circuit")],
    }
    rows = []
    for level in levels:
        row = {"target sparsity": level}
        for label, name, where, metric in MAIN_COLUMNS:
            table = summaries[name]
            table = table[table["target_sparsity"] == level]
            if where is not None:
                table = table[table[where[0]] == (where[1] or best_baseline)]
            for stat in ("mean", "ci_low", "ci_high"):
                column = f"{metric}_{stat}"
                row[f"{label} {stat}"] = float(table[column].iloc[0]) if len(table) and column in table else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
