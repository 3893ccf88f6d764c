"""Figures: one seaborn style for all of them, each saved as PDF and PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from symbiosis.files import write_with  # noqa: E402

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


def plot_primaries(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Test accuracy and polysemanticity (effective number of classes per gated layer) against target sparsity."""
    set_style()
    fig, (ax_acc, ax_poly) = plt.subplots(1, 2, figsize=(2 * COLUMN_WIDTH, 2.4))
    sns.lineplot(data=table, x="target_sparsity", y="test_accuracy", marker="o", errorbar=("ci", 95), ax=ax_acc)
    ax_acc.set(xlabel="target sparsity", ylabel="test accuracy", title="Primary accuracy")
    layers = table.melt(
        id_vars=["target_sparsity", "seed"],
        value_vars=["effective_classes_conv2", "effective_classes_fc1"],
        var_name="layer",
        value_name="effective classes",
    )
    layers["layer"] = layers["layer"].str.removeprefix("effective_classes_")
    sns.lineplot(
        data=layers,
        x="target_sparsity",
        y="effective classes",
        hue="layer",
        style="layer",
        marker="o",
        errorbar=("ci", 95),
        ax=ax_poly,
    )
    ax_poly.set(
        xlabel="target sparsity", ylabel="effective number of classes, exp(H)", title="Polysemanticity of gated units"
    )
    fig.tight_layout()
    save(fig, pdf, png)
