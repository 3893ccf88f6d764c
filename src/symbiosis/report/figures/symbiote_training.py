"""Figure: symbiote training (figures/<dataset>/symbiote_training.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style

PANEL_HEIGHT = 1.3  # inches


def plot(curves: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Target-class and other-class accuracy on the training batches over the symbiotes' training steps, per kind and
    sparsity: mean over classes and seeds with the band holding the middle 90 % of them."""
    style.set_style()
    curves = curves.assign(
        sparsity=style.sparsity_labels(curves["target_sparsity"]),
        metric=curves["metric"].map({"target_accuracy": "target class", "other_accuracy": "other classes"}),
    )
    grid = sns.relplot(
        data=curves,
        kind="line",
        x="step",
        y="accuracy",
        hue="metric",
        row="kind",
        col="sparsity",
        row_order=style.kinds(curves),
        errorbar=("pi", 90),
        height=PANEL_HEIGHT,
        # Panels as wide as fills the paper's text width at any number of levels: the figure is then printed at
        # its natural size and its fonts match the other figures' (narrower, it was scaled up, fonts and all).
        aspect=(style.FIGURE_WIDTH - 0.7) / (curves["sparsity"].nunique() * PANEL_HEIGHT),
        linewidth=1,
        facet_kws={"margin_titles": True},
    )
    grid.set_titles(row_template="{row_name}", col_template="sparsity {col_name}")
    grid.set_axis_labels("training step", "accuracy")
    grid.set(ylim=(-0.02, 1.02))
    sns.move_legend(grid, "upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, title=None)
    style.save(grid.figure, pdf, png)
