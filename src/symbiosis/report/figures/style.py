"""The style every figure shares (one seaborn theme, the column width, error bars over seeds) and how each is
saved (PDF and PNG, atomically, without timestamps). One module per figure beside this one."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from symbiosis.choices import SYMBIOTE_KINDS
from symbiosis.files import write_with
from symbiosis.report.stats import t_interval

COLUMN_WIDTH = 3.4  # inches, a single column of a two-column paper
# Every full-width figure is drawn this wide, about the paper's text width (16.6 cm), so that the paper scales none
# of them much and their fonts come out the same size on the page.
FIGURE_WIDTH = 2 * COLUMN_WIDTH


# How each symbiote kind and rival ranking is named in legends and labels (the tables keep the identifiers).
DISPLAY_NAMES = {
    "symbiote": "symbiote",
    "static": "static mask",
    "steering": "steering",
    "conditional_static": "conditional static mask",
    "conditional_steering": "conditional steering",
    "attribution_patching": "attribution patching",
    "attribution_patching_unsigned": "attribution patching (|.|)",
    "gradient_x_activation": "gradient \N{MULTIPLICATION SIGN} activation",
    "class_selectivity": "class selectivity",
    "mean_activation": "class-mean activation",
    "random": "random",
    "ablation": "exact ablation (ceiling)",
}


def display_name(name: str) -> str:
    """A kind's or ranking's name for a figure; an identifier not in DISPLAY_NAMES with its underscores as spaces."""
    return DISPLAY_NAMES.get(name, name.replace("_", " "))


def set_style() -> None:
    sns.set_theme(
        context="paper",
        style="whitegrid",
        palette="colorblind",
        font_scale=0.9,
        rc={"pdf.fonttype": 42, "svg.hashsalt": "symbiosis", "figure.dpi": 200},
    )


def save(fig: plt.Figure, pdf: str | Path, png: str | Path) -> None:
    """Write the figure as PDF and PNG (atomically), without timestamps so reruns give the same bytes."""
    # A constrained layout settles over two draws: without this one the PDF (saved first) had another layout than
    # the PNG (the ground-truth heatmap came out smaller in the paper than in the report).
    fig.draw_without_rendering()
    write_with(pdf, lambda tmp: fig.savefig(tmp, format="pdf", bbox_inches="tight", metadata={"CreationDate": None}))
    write_with(png, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight", dpi=200))
    plt.close(fig)


def heatmap(ax: plt.Axes, matrix: pd.DataFrame, vmin: float, vmax: float, cmap: str, tick_step: int = 1):
    """seaborn.heatmap's picture (square cells, labels at every `tick_step`-th row and column, no spines; the row
    index runs down) without its draw of the whole figure on every call, which seaborn makes to check whether tick
    labels overlap: in a grid of panels the n-th heatmap redraws the n - 1 before it (the inhibition figure's 30
    panels took 82 s, 65 s of it in those draws). Returns the mesh, for a colour bar."""
    mesh = ax.pcolormesh(matrix.to_numpy(dtype=float), vmin=vmin, vmax=vmax, cmap=cmap)
    rows, cols = matrix.shape
    ax.set(xlim=(0, cols), ylim=(rows, 0), aspect="equal")
    ax.set_xticks(np.arange(0, cols, tick_step) + 0.5, [str(c) for c in matrix.columns[::tick_step]])
    ax.set_yticks(np.arange(0, rows, tick_step) + 0.5, [str(r) for r in matrix.index[::tick_step]])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return mesh


def seed_interval(values) -> tuple[float, float]:
    """Error bars: the 95 % t-interval over seeds (seaborn's `errorbar` callable)."""
    return t_interval(values)


def sparsity_labels(values: pd.Series) -> pd.Series:
    return values.map("{:g}".format)


def sparsity_position(values):
    """Where a sparsity s sits on the sparsity axis: -log10(1 - s), so that 0.9, 0.99 and 0.999 are equally spaced
    (the levels where pruning bites crowd against 1 on a linear axis). Works on numbers, arrays and Series."""
    if isinstance(values, pd.Series):
        return -np.log10(1 - values)
    return -np.log10(1 - np.asarray(values, dtype=float))


def sparsity_axis(ax: plt.Axes, levels, label: str = "target sparsity") -> None:
    """Ticks at each sparsity level's `sparsity_position`, labelled with the level itself; for data plotted at
    `sparsity_position(s)`."""
    levels = sorted(set(float(s) for s in levels))
    ax.set_xticks(sparsity_position(levels), [f"{s:g}" for s in levels], rotation=45, fontsize="small")
    ax.set_xlabel(f"{label} (log(1 - s) axis)")


def kinds(table: pd.DataFrame) -> list[str]:
    """The symbiote kinds present, in the canonical order (the activation-reading symbiote first)."""
    return [kind for kind in SYMBIOTE_KINDS if kind in set(table["kind"])]
