"""Figure: features (figures/<dataset>/features.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.choices import SYMBIOTE_KINDS
from symbiosis.report.figures import style
from symbiosis.report.tables import architecture_rows

METHOD_ORDER = [
    *SYMBIOTE_KINDS,
    "attribution_patching",
    "attribution_patching_unsigned",
    "gradient_x_activation",
    "class_selectivity",
    "mean_activation",
    "random",
    "ablation",
]
LAYERS = ("conv2", "fc1", "pooled")
# Sideways step between methods, in log10(1 - s) units (the closest levels, 0.99 and 0.995, are 0.3 apart).
DODGE = 0.015


def plot(features: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Live-unit feature recovery vs sparsity, per layer and pooled: ROC-AUC against G_k (top live units by the
    signed exact importance, selection half) of every method's score (evaluation half); "ablation" is the exact score
    itself, the ceiling. Per-model class means, 95 % t-intervals over seeds."""
    style.set_style()
    signed = architecture_rows(features)  # the CNN's; the MLP's are in the paper's per-architecture text
    signed = signed[signed["truth"] == "signed"]
    per_model = signed.groupby(["target_sparsity", "layer", "method", "seed"], as_index=False)["auc"].mean()
    order = [m for m in METHOD_ORDER if m in set(per_model["method"])]
    # Each method a little to the side of the level's position, so that the error bars stay apart.
    shift = {method: (i - (len(order) - 1) / 2) * DODGE for i, method in enumerate(order)}
    per_model["position"] = style.sparsity_position(per_model["target_sparsity"]) + per_model["method"].map(shift)
    per_model["method"] = per_model["method"].map(style.display_name)
    order = [style.display_name(method) for method in order]
    layers = [layer for layer in LAYERS if layer in set(per_model["layer"])]
    fig, axes = plt.subplots(1, len(layers), figsize=(2 * style.COLUMN_WIDTH, 2.6), sharey=True, squeeze=False)
    for ax, layer in zip(axes[0], layers, strict=True):
        sns.lineplot(
            data=per_model[per_model["layer"] == layer],
            x="position",
            y="auc",
            hue="method",
            hue_order=order,
            errorbar=style.seed_interval,
            err_style="bars",
            err_kws={"capsize": 1.5, "elinewidth": 0.6},
            marker="o",
            markersize=2.5,
            markeredgewidth=0,
            linewidth=0.8,
            ax=ax,
            legend=ax is axes[0, -1],
        )
        ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        style.sparsity_axis(ax, per_model["target_sparsity"])
        ax.set(ylabel="live-unit ROC-AUC vs G_k", title=layer)
        if ax is not axes[0, len(layers) // 2]:  # one x-label, under the middle panel: three overprinted each other
            ax.set_xlabel("")
    sns.move_legend(axes[0, -1], "upper left", bbox_to_anchor=(1.02, 1), fontsize="x-small", title="score")
    fig.tight_layout()
    style.save(fig, pdf, png)
