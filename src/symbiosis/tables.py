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
