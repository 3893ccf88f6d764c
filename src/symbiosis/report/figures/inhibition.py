"""Figure: inhibition (figures/<dataset>/inhibition.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from symbiosis.report.figures import style


def plot(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Grid of 10 x 10 heatmaps (kind x sparsity): accuracy on class j (columns) under the symbiote for class k
    (rows), averaged over seeds. A perfect symbiote is dark on the diagonal and bright elsewhere."""
    style.set_style()
    kinds = style.kinds(table)
    levels = sorted(table["target_sparsity"].unique())
    fig, axes = plt.subplots(
        len(kinds),
        len(levels),
        figsize=(min(2 * style.COLUMN_WIDTH, 1.3 * len(levels) + 1), 1.3 * len(kinds) + 0.4),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    for row, kind in enumerate(kinds):
        for col, level in enumerate(levels):
            ax = axes[row, col]
            cell = table[(table["kind"] == kind) & (table["target_sparsity"] == level)]
            matrix = cell.pivot(index="target_class", columns="eval_class", values="accuracy")
            mesh = style.heatmap(ax, matrix, vmin=0, vmax=1, cmap="viridis", tick_step=2)
            ax.set(xlabel="", ylabel="")
            if row == 0:
                ax.set_title(f"sparsity {level:g}")
            if col == 0:
                ax.set_ylabel(f"{style.display_name(kind)}\ntarget class k")
            if row == len(kinds) - 1:
                ax.set_xlabel("class j")
    fig.colorbar(mesh, ax=axes, shrink=0.6, label="accuracy on class j")
    style.save(fig, pdf, png)
