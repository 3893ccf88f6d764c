"""Figure: symbiote training (figures/<dataset>/symbiote_training.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style

PANEL_HEIGHT = 1.3  # inches


def plot(curves: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Target-class and other-class accuracy on the training batches over the symbiotes' training steps, per kind and
    sparsity: mean over classes and seeds with the band holding the middle 90 % of them."""
    style.set_style()
    # Row titles are the kinds' display names on two lines: a margin title longer than its panel is high (as
    # "conditional_steering" was, rotated, beside a 1.3-inch panel) makes the grid's tight layout squash every panel.
    titles = {kind: style.display_name(kind).replace(" ", "\n", 1) for kind in style.kinds(curves)}
    curves = curves.assign(
        kind=curves["kind"].map(titles),
        sparsity=style.sparsity_labels(curves["target_sparsity"]),
        metric=curves["metric"].map({"target_accuracy": "target class", "other_accuracy": "other classes"}),
    )
    # The mean and the 5-95 % band per step, computed here in one grouped pass: seaborn's errorbar=("pi", 90) did it
    # group by group (9,600 groups for the default run: 17 of the figure's 36 s).
    by_step = curves.groupby(["kind", "sparsity", "metric", "step"], sort=False)["accuracy"]
    band = by_step.mean().to_frame("accuracy")
    band = band.assign(low=by_step.quantile(0.05), high=by_step.quantile(0.95)).reset_index()
    metrics, colours = ["target class", "other classes"], sns.color_palette()[:2]
    grid = sns.relplot(
        data=band,
        kind="line",
        x="step",
        y="accuracy",
        hue="metric",
        hue_order=metrics,
        palette=colours,
        row="kind",
        col="sparsity",
        row_order=list(titles.values()),
        col_order=sorted(band["sparsity"].unique(), key=float),
        errorbar=None,
        height=PANEL_HEIGHT,
        # Panels as wide as fills the paper's text width at any number of levels: the figure is then printed at
        # its natural size and its fonts match the other figures' (narrower, it was scaled up, fonts and all).
        aspect=(style.FIGURE_WIDTH - 0.7) / (curves["sparsity"].nunique() * PANEL_HEIGHT),
        linewidth=1,
        facet_kws={"margin_titles": True},
    )
    grid.map_dataframe(_bands, metrics=metrics, colours=colours)
    grid.set_titles(row_template="{row_name}", col_template="s = {col_name}")
    grid.set_axis_labels("training step", "accuracy")
    grid.set(ylim=(-0.02, 1.02))
    sns.move_legend(grid, "upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, title=None)
    style.save(grid.figure, pdf, png)


def _bands(data: pd.DataFrame, metrics: list[str], colours: list, **_) -> None:
    """One facet's 5-95 % band of each metric, in its line's colour."""
    ax = plt.gca()
    for metric, colour in zip(metrics, colours, strict=True):
        rows = data[data["metric"] == metric]
        ax.fill_between(rows["step"], rows["low"], rows["high"], color=colour, alpha=0.2, linewidth=0)
