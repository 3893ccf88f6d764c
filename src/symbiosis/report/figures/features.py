"""Figure: features (figures/<dataset>/features.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.choices import SYMBIOTE_KINDS
from symbiosis.report.figures import style

METHOD_ORDER = [*SYMBIOTE_KINDS, "gradient_x_activation", "class_selectivity", "mean_activation", "random"]


def plot(features: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Feature recovery vs sparsity: ROC-AUC against the top units by exact importance, and Spearman rho with the
    importance, for the symbiotes' intervention strength and every baseline; per-model class means, 95 % t-intervals
    over seeds."""
    style.set_style()
    per_model = features.groupby(["target_sparsity", "method", "seed"], as_index=False)[["auc", "spearman"]].mean()
    per_model["sparsity"] = style.sparsity_labels(per_model["target_sparsity"])
    order = [m for m in METHOD_ORDER if m in set(per_model["method"])]
    fig, axes = plt.subplots(1, 2, figsize=(2 * style.COLUMN_WIDTH, 2.5), sharex=True)
    point = {
        "x": "sparsity",
        "hue": "method",
        "hue_order": order,
        "errorbar": style.seed_interval,
        "dodge": 0.5,
        "capsize": 0.1,
        "markersize": 3,
        "linewidth": 1,
    }
    sns.pointplot(data=per_model, y="auc", ax=axes[0], legend=False, **point)
    axes[0].axhline(0.5, color="grey", linestyle=":", linewidth=1)
    axes[0].set(xlabel="target sparsity", ylabel="ROC-AUC vs top 10 % by ablation", title="Finding the class's units")
    sns.pointplot(data=per_model, y="spearman", ax=axes[1], **point)
    axes[1].axhline(0.0, color="grey", linestyle=":", linewidth=1)
    axes[1].set(xlabel="target sparsity", ylabel="Spearman rho with importance", title="Ranking all units")
    sns.move_legend(axes[1], "upper left", bbox_to_anchor=(1.02, 1), fontsize="small", title="score")
    fig.tight_layout()
    style.save(fig, pdf, png)
