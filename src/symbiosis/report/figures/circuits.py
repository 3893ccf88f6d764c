"""Figure: circuits (figures/<dataset>/circuits.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.choices import SYMBIOTE_KINDS
from symbiosis.report.figures import style
from symbiosis.report.tables import architecture_rows


def plot(circuits_summary: pd.DataFrame, overlap: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Circuits vs sparsity (faithfulness, agreement with the ablation circuit, cross-class overlap) per kind, and
    the chance-corrected cross-class overlap matrices of the activation-reading symbiote's circuits."""
    style.set_style()
    levels = sorted(overlap["target_sparsity"].unique())
    # The overlap matrices in two rows of three with one colourbar beside them: six in a row came out about 2 cm
    # wide at print size and the colourbar ran into the last one's title.
    fig = plt.figure(figsize=(style.FIGURE_WIDTH, 6.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.45])
    axes = top.subplots(1, 3)
    summary = architecture_rows(circuits_summary)  # the CNN's; the MLP's are in the paper's text
    kinds = [k for k in [*SYMBIOTE_KINDS, "ablation"] if k in set(summary["kind"])]
    for ax, metric, label in zip(
        axes,
        ("faithfulness", "jaccard_with_ablation", "overlap"),
        ("faithfulness (target - other drop)", "Jaccard with ablation circuit", "cross-class overlap - chance"),
        strict=True,
    ):
        for i, kind in enumerate(kinds):
            rows = summary[summary["kind"] == kind]
            x = style.sparsity_position(rows["target_sparsity"]) + (i - (len(kinds) - 1) / 2) * 0.03  # bars apart
            ax.errorbar(
                x,
                rows[f"{metric}_mean"],
                yerr=[
                    rows[f"{metric}_mean"] - rows[f"{metric}_ci_low"],
                    rows[f"{metric}_ci_high"] - rows[f"{metric}_mean"],
                ],
                marker="o",
                markersize=3,
                capsize=2,
                linewidth=1,
                label=style.display_name(kind),
                color=sns.color_palette()[i],
            )
        style.sparsity_axis(ax, summary["target_sparsity"])
        if ax is not axes[1]:  # one x-label under the middle panel: three in a row touched at this width
            ax.set_xlabel("")
        ax.axhline(0, color="grey", linestyle=":", linewidth=1)
        ax.set(ylabel=label)
    handles, labels = axes[0].get_legend_handles_labels()
    top.legend(handles, labels, loc="outside upper center", ncol=len(kinds), fontsize="small", title="circuit from")
    cells = bottom.subplots(2, (len(levels) + 1) // 2, squeeze=False).flatten()
    for ax in cells[len(levels) :]:
        ax.set_visible(False)
    cells = cells[: len(levels)]
    sym = overlap[(overlap["kind"] == "symbiote") & (overlap["class"] != overlap["other_class"])]  # diagonal blank
    limit = max(float(sym["overlap"].abs().max()), 1e-6)
    for ax, level in zip(cells, levels, strict=True):
        matrix = sym[sym["target_sparsity"] == level].pivot(index="class", columns="other_class", values="overlap")
        mesh = style.heatmap(ax, matrix, vmin=-limit, vmax=limit, cmap="vlag", tick_step=3)
        ax.set(title=f"s = {level:g}", xlabel="class", ylabel="class")
        ax.tick_params(labelsize="small", rotation=0)
    bottom.colorbar(mesh, ax=list(cells), shrink=0.7, label="Jaccard - chance")
    bottom.suptitle("Cross-class overlap of symbiote circuits (diagonal left out)", fontsize="medium")
    style.save(fig, pdf, png)
