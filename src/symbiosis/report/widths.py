"""The width sweep's table: one row per primary of the sweep, with its fc1 width, and a summary per width."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symbiosis.files import read_json
from symbiosis.report.stats import summarise_over_seeds
from symbiosis.report.tables import SUMMARY_COLUMNS, primaries_table


def widths_table(sidecars: list[str | Path], unit_tables: list[str | Path]) -> pd.DataFrame:
    """The primaries table of the sweep, with `fc1` (each primary's width, from its sidecar's architecture) first.
    Each primary's row is made with its own width: primaries_table sorts its rows by level and seed, so a column of
    widths in the sidecars' order, set beside its result, labelled other primaries' rows with them."""
    rows = [
        primaries_table([sidecar], [units]).assign(fc1=int(read_json(sidecar)["arch"]["fc1"]))
        for sidecar, units in zip(sidecars, unit_tables, strict=True)
    ]
    table = pd.concat(rows, ignore_index=True)
    table = table[["fc1", *[c for c in table.columns if c != "fc1"]]]
    return table.sort_values(["dataset", "fc1", "seed"], kind="stable").reset_index(drop=True)


def widths_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and width: mean and 95 % t-interval over seeds of every primary metric."""
    columns = [c for c in SUMMARY_COLUMNS if c != "accuracy_drop"]  # the sweep has no dense primary per width
    return summarise_over_seeds(table, ["dataset", "fc1"], columns)
