"""Figures: one seaborn style for all of them, each saved as PDF and PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

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


def plot_primaries(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Test accuracy, polysemanticity (effective number of classes per gated layer) and dead units per sparsity."""
    set_style()
    table = table.assign(sparsity=table["target_sparsity"].map("{:g}".format))
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
