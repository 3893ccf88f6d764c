"""The main table as text: cells 'mean [low, high]', written as Markdown and LaTeX."""

from __future__ import annotations

import numpy as np
import pandas as pd

from symbiosis.report.tables import MAIN_COLUMNS


def format_main_table(table: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """The main table as text cells 'mean [low, high]', one row per metric and one column per target sparsity (the
    transpose of `main_table`, so that it fits a page), for LaTeX and Markdown."""
    rows = []
    for label, *_ in MAIN_COLUMNS:
        row = {"metric": label}
        for _, r in table.iterrows():
            m, lo, hi = (r[f"{label} {stat}"] for stat in ("mean", "ci_low", "ci_high"))
            cell = "n/a" if np.isnan(m) else f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
            row[f"s = {r['target sparsity']:g}"] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of text cells."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def to_latex(table: pd.DataFrame) -> str:
    """A booktabs LaTeX tabular of text cells (brackets and underscores escaped by pandas)."""
    return table.to_latex(index=False, escape=True, column_format="l" + "c" * (len(table.columns) - 1))
