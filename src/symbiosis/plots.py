"""Figures: one seaborn style for all of them, each saved as PDF and PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from symbiosis.choices import SYMBIOTE_KINDS  # noqa: E402
from symbiosis.files import write_with  # noqa: E402
from symbiosis.stats import t_interval  # noqa: E402

COLUMN_WIDTH = 3.4  # inches, a single column of a two-column paper


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
    write_with(pdf, lambda tmp: fig.savefig(tmp, format="pdf", bbox_inches="tight", metadata={"CreationDate": None}))
    write_with(png, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight", dpi=200))
    plt.close(fig)


def seed_interval(values) -> tuple[float, float]:
    """Error bars: the 95 % t-interval over seeds (seaborn's `errorbar` callable)."""
    return t_interval(values)


def _sparsity_labels(values: pd.Series) -> pd.Series:
    return values.map("{:g}".format)


def _kinds(table: pd.DataFrame) -> list[str]:
    """The symbiote kinds present, in the canonical order (the activation-reading symbiote first)."""
    return [kind for kind in SYMBIOTE_KINDS if kind in set(table["kind"])]


def plot_primaries(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Test accuracy, polysemanticity (effective number of classes per gated layer) and dead units per sparsity."""
    set_style()
    table = table.assign(sparsity=_sparsity_labels(table["target_sparsity"]))
    fig, (ax_acc, ax_poly, ax_dead) = plt.subplots(1, 3, figsize=(2 * COLUMN_WIDTH, 2.3))
    point = {"x": "sparsity", "errorbar": seed_interval, "capsize": 0.2, "markersize": 4, "linewidth": 1.2}
    sns.pointplot(data=table, y="test_accuracy", ax=ax_acc, **point)
    ax_acc.set(xlabel="target sparsity", ylabel="test accuracy", title="Accuracy")
    layers = table.melt(
        id_vars=["sparsity", "seed"],
        value_vars=["effective_classes_conv2", "effective_classes_fc1"],
        var_name="layer",
        value_name="effective classes",
    )
    layers["layer"] = layers["layer"].str.removeprefix("effective_classes_")
    sns.pointplot(data=layers, y="effective classes", hue="layer", dodge=0.3, ax=ax_poly, **point)
    ax_poly.set(xlabel="target sparsity", ylabel="effective classes, exp(H)", title="Polysemanticity")
    ax_poly.legend(title="gated layer", fontsize="small", title_fontsize="small")
    sns.pointplot(data=table, y="dead_fraction", ax=ax_dead, **point)
    ax_dead.set(xlabel="target sparsity", ylabel="fraction of gated units", title="Dead units")
    fig.tight_layout()
    save(fig, pdf, png)


def plot_inhibition(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Grid of 10 x 10 heatmaps (kind x sparsity): accuracy on class j (columns) under the symbiote for class k
    (rows), averaged over seeds. A perfect symbiote is dark on the diagonal and bright elsewhere."""
    set_style()
    kinds = _kinds(table)
    levels = sorted(table["target_sparsity"].unique())
    fig, axes = plt.subplots(
        len(kinds),
        len(levels),
        figsize=(min(2 * COLUMN_WIDTH, 1.3 * len(levels) + 1), 1.3 * len(kinds) + 0.4),
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
            sns.heatmap(
                matrix, vmin=0, vmax=1, cmap="viridis", square=True, cbar=False, ax=ax, xticklabels=2, yticklabels=2
            )
            ax.set(xlabel="", ylabel="")
            if row == 0:
                ax.set_title(f"sparsity {level:g}")
            if col == 0:
                ax.set_ylabel(f"{kind}\nsymbiote for k")
            if row == len(kinds) - 1:
                ax.set_xlabel("class j")
    fig.colorbar(axes[0, 0].collections[0], ax=axes, shrink=0.6, label="accuracy on class j")
    save(fig, pdf, png)


def plot_symbiote_training(curves: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Target-class and other-class accuracy on the training batches over the symbiotes' training steps, per kind and
    sparsity: mean over classes and seeds with the band holding the middle 90 % of them."""
    set_style()
    curves = curves.assign(
        sparsity=_sparsity_labels(curves["target_sparsity"]),
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
        row_order=_kinds(curves),
        errorbar=("pi", 90),
        height=1.3,
        aspect=1.05,
        linewidth=1,
        facet_kws={"margin_titles": True},
    )
    grid.set_titles(row_template="{row_name}", col_template="sparsity {col_name}")
    grid.set_axis_labels("training step", "accuracy")
    grid.set(ylim=(-0.02, 1.02))
    sns.move_legend(grid, "upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, title=None)
    save(grid.figure, pdf, png)
