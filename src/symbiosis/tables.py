"""Aggregate tables built with pandas from the per-model results files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symbiosis.files import read_json
from symbiosis.stats import summarise_over_seeds

PRIMARY_COLUMNS = [
    "dataset",
    "target_sparsity",
    "seed",
    "measured_sparsity",
    "test_accuracy",
    "effective_classes",
    "effective_classes_conv2",
    "effective_classes_fc1",
    "selectivity",
    "dead_fraction",
    "parameters",
]


def summarise_units(units: pd.DataFrame) -> dict:
    """Model-level means over live units (overall and per layer) and the fraction of dead units."""
    live = units[~units["dead"]]
    out = {
        "effective_classes": float(live["effective_classes"].mean()),
        "selectivity": float(live["selectivity"].mean()),
        "dead_fraction": float(units["dead"].mean()),
    }
    for layer, group in live.groupby("layer", sort=False):
        out[f"effective_classes_{layer}"] = float(group["effective_classes"].mean())
    return out


def primaries_table(sidecars: list[str | Path], unit_tables: list[str | Path]) -> pd.DataFrame:
    """One row per primary: its sidecar's accuracy and sparsity beside its polysemanticity summary."""
    rows = []
    for sidecar_file, units_file in zip(sidecars, unit_tables, strict=True):
        meta = read_json(sidecar_file)
        rows.append(
            {
                "dataset": meta["dataset"],
                "target_sparsity": meta["training"]["sparsity"],
                "seed": meta["training"]["seed"],
                "measured_sparsity": meta["metrics"]["sparsity"],
                "test_accuracy": meta["metrics"]["accuracy"],
                "parameters": meta["parameters"],
                **summarise_units(pd.read_csv(units_file)),
            }
        )
    return pd.DataFrame(rows, columns=PRIMARY_COLUMNS).sort_values(["target_sparsity", "seed"], ignore_index=True)


SUMMARY_COLUMNS = [
    "measured_sparsity",
    "test_accuracy",
    "effective_classes",
    "effective_classes_conv2",
    "effective_classes_fc1",
    "selectivity",
    "dead_fraction",
]


def primaries_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and target sparsity: mean and 95 % t-interval over seeds of every primary metric."""
    return summarise_over_seeds(table, ["dataset", "target_sparsity"], SUMMARY_COLUMNS)


SYMBIOTE_KEYS = ["dataset", "target_sparsity", "kind"]
SYMBIOTE_METRICS = ["target_accuracy", "other_accuracy", "other_accuracy_drop", "mean_abs_change", "parameter_ratio"]


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
        meta = read_json(path)
        history, classes = meta["history"], meta["arch"]["symbiote"]["classes"]
        for name in ("target_accuracy", "other_accuracy"):
            frame = pd.DataFrame(history[name], columns=classes).assign(step=history["step"])
            frame = frame.melt(id_vars="step", var_name="target_class", value_name="accuracy").assign(metric=name)
            frames.append(
                frame.assign(
                    dataset=meta["dataset"],
                    target_sparsity=meta["primary"]["sparsity"],
                    seed=meta["primary"]["seed"],
                    kind=meta["arch"]["symbiote"]["kind"],
                )
            )
    columns = [*SYMBIOTE_KEYS, "seed", "target_class", "metric", "step", "accuracy"]
    return pd.concat(frames, ignore_index=True)[columns].sort_values(columns[:-1], ignore_index=True)
