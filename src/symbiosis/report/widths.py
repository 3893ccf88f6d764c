"""The sweeps' tables: one row per primary of a sweep, with the setting it sweeps, and a summary per setting. The width
sweep (config width_sweep) varies fc1 at one sparsity; the accuracy control (config accuracy_control) trains dense
primaries for fewer optimiser steps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symbiosis.files import read_json
from symbiosis.report.stats import summarise_over_seeds
from symbiosis.report.tables import SUMMARY_COLUMNS, primaries_table

# What each sweep varies, read from a primary's sidecar (symbiosis.records.PrimaryRecord).
SWEPT = {
    "fc1": lambda record: int(record["arch"]["fc1"]),
    "steps": lambda record: int(record["training"]["steps"]),
}


def sweep_table(sidecars: list[str | Path], unit_tables: list[str | Path], by: str = "fc1") -> pd.DataFrame:
    """The primaries table of the sweep, with `by` (each primary's value of the swept setting, from its sidecar)
    first. Each primary's row is made with its own value: primaries_table sorts its rows by level and seed, so a
    column of values in the sidecars' order, set beside its result, labelled other primaries' rows with them."""
    rows = [
        primaries_table([sidecar], [units]).assign(**{by: SWEPT[by](read_json(sidecar))})
        for sidecar, units in zip(sidecars, unit_tables, strict=True)
    ]
    table = pd.concat(rows, ignore_index=True)
    table = table[[by, *[c for c in table.columns if c != by]]]
    return table.sort_values(["dataset", by, "seed"], kind="stable").reset_index(drop=True)


def sweep_summary(table: pd.DataFrame, by: str = "fc1") -> pd.DataFrame:
    """Per dataset and swept value: mean and 95 % t-interval over seeds of every primary metric."""
    columns = [c for c in SUMMARY_COLUMNS if c != "accuracy_drop"]  # a sweep has no dense primary per value
    return summarise_over_seeds(table, ["dataset", by], columns)
