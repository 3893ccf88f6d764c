"""Figure: ground truth (figures/<dataset>/ground_truth.pdf and .png)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style


def plot(checks: pd.DataFrame, auc: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Left: planted-feature AUC of every symbiote for every class's planted units (diagonal near 1 expected).
    Right: every known-answer check, its value against its bound, and whether it passed."""
    style.set_style()
    # Drawn at the paper's text width so that it is printed at about its natural size: the cell numbers and check
    # names at 7 pt, the size of the tick labels (at 5 pt they were illegible in print).
    fig, (ax_auc, ax_checks) = plt.subplots(
        1, 2, figsize=(style.FIGURE_WIDTH, 4.6), width_ratios=[1.2, 1], layout="constrained"
    )
    matrix = auc.pivot(index="symbiote_class", columns="planted_class", values="auc")
    sns.heatmap(
        matrix,
        vmin=0,
        vmax=1,
        cmap="viridis",
        square=True,
        ax=ax_auc,
        annot=True,
        fmt=".1f",
        annot_kws={"fontsize": 7},
        cbar_kws={"label": "ROC-AUC", "shrink": 0.7, "pad": 0.02},
    )
    ax_auc.set(xlabel="planted class", ylabel="symbiote for class", title="Planted features")
    # Names wrapped (at most three lines), so that the heatmap keeps half the width; the figure is tall enough for
    # ten such names at 7 pt (at 3.4 inches the three-line names ran into their neighbours).
    labels = [textwrap.fill(f"{c}: {n}", 40) for c, n in zip(checks["case"], checks["check"], strict=True)]
    y = range(len(checks))
    colours = [sns.color_palette()[2] if p else sns.color_palette()[3] for p in checks["passed"]]
    ax_checks.scatter(checks["value"], y, c=colours, s=14, zorder=3, label="value")
    ax_checks.scatter(checks["bound"], y, marker="|", color="black", s=60, zorder=2, label="bound")
    ax_checks.set_yticks(list(y), labels, fontsize=7)
    ax_checks.invert_yaxis()
    ax_checks.set(xlabel="value (green: passed, red: failed)", title="Known-answer checks")
    ax_checks.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    style.save(fig, pdf, png)
