"""Figure: curves (figures/<dataset>/curves.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style

# (ranking that chose C_k, how it is acted on): the symbiote's own gates beside mean- and resample-ablation of its
# circuit, and mean-ablation of the exact-ablation circuit and of a random one.
LINES = [
    ("symbiote", "gates"),
    ("symbiote", "mean"),
    ("symbiote", "resample"),
    ("ablation", "mean"),
    ("attribution_patching", "mean"),
    ("random", "mean"),
]


def plot(curves_summary: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Target-class accuracy against circuit size when only C_k is edited (sufficiency, top row) and when all but C_k
    is edited (necessity, bottom row), per sparsity level; clean accuracy dotted; means over seeds of class means."""
    style.set_style()
    levels = sorted(curves_summary["target_sparsity"].unique())
    # Full text width, one narrow column per level: one shared x-label and the legend above them, since six
    # per-panel x-labels and a side legend overprinted each other at this width.
    fig, axes = plt.subplots(
        2, len(levels), figsize=(style.FIGURE_WIDTH, 3.6), sharex=True, sharey=True, squeeze=False, layout="constrained"
    )
    palette = sns.color_palette(n_colors=len(LINES))
    for col, level in enumerate(levels):
        at_level = curves_summary[curves_summary["target_sparsity"] == level]
        clean = at_level[(at_level["method"] == "clean") & (at_level["ranking"] == "ablation")]
        for row, part in enumerate(("circuit", "complement")):
            ax = axes[row, col]
            for color, (ranking, method) in zip(palette, LINES, strict=True):
                line = at_level[
                    (at_level["ranking"] == ranking) & (at_level["method"] == method) & (at_level["set"] == part)
                ].sort_values("fraction")
                if len(line):
                    ax.plot(
                        line["fraction"],
                        line["target_accuracy_mean"],
                        marker="o",
                        markersize=2,
                        linewidth=1,
                        color=color,
                        label=f"{style.display_name(ranking)}: {method}",
                    )
            if len(clean):
                ax.axhline(float(clean["target_accuracy_mean"].iloc[0]), color="grey", linestyle=":", linewidth=1)
            ax.set_xscale("log")
            ax.tick_params(labelsize="small")
        axes[0, col].set_title(f"s = {level:g}", fontsize="small")
    axes[0, 0].set_ylabel("C_k edited")
    axes[1, 0].set_ylabel("rest edited")
    fig.supylabel("target-class accuracy", fontsize="medium")
    fig.supxlabel("circuit size (share of live units, log axis)", fontsize="medium")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    title = "circuit C_k chosen by: how it is edited"
    fig.legend(handles, labels, loc="outside upper center", ncol=3, fontsize="x-small", title=title)
    style.save(fig, pdf, png)
