"""Figure: universality (figures/<dataset>/universality.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style
from symbiosis.report.tables import architecture_rows

RIVALS = ("static", "mean_activation", "attribution_patching", "ablation")


def plot(universality_summary: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Universality vs sparsity: circuit Jaccard and score Spearman after matching, each beside its class-permutation
    null (the Jaccard also beside the profile null); linear CKA per layer beside a random network's; transfer share
    of symbiotes moved between seeds."""
    style.set_style()
    summary = architecture_rows(universality_summary)  # the CNN's; the MLP's are in the paper's text
    fig, axes = plt.subplots(2, 2, figsize=(style.FIGURE_WIDTH, 5.2), layout="constrained")
    axes = axes.flatten()
    x = style.sparsity_position(summary["target_sparsity"])
    colours = sns.color_palette()

    def line(ax, column, label, colour, **kw):
        mean = summary[f"{column}_mean"]
        err = [mean - summary[f"{column}_ci_low"], summary[f"{column}_ci_high"] - mean]
        ax.errorbar(
            x, mean, yerr=err, marker="o", markersize=3, capsize=2, linewidth=1, color=colour, label=label, **kw
        )

    for ax, stat, title in ((axes[0], "jaccard", "Circuit Jaccard"), (axes[1], "spearman", "Strength Spearman")):
        line(ax, stat, "symbiote", colours[0])
        line(ax, f"{stat}_class_null_mean", "class null", colours[7], linestyle="--")
        if f"{stat}_profile_null_mean_mean" in summary:  # the calibrated null the claims rest on (Jaccard only)
            line(ax, f"{stat}_profile_null_mean", "profile null", "black", linestyle="--")
        ax.set(title=title, ylabel=title.split()[-1])
    for i, rival in enumerate(RIVALS):  # the same matching applied to other rankings' circuits
        if f"{rival}_jaccard_mean" in summary:
            line(axes[0], f"{rival}_jaccard", style.display_name(rival), colours[1 + i], linestyle="-.")
    for i, layer in enumerate(("conv2", "fc1")):
        line(axes[2], f"cka_debiased_{layer}", f"{layer} debiased", colours[1 + i])
        line(axes[2], f"cka_{layer}", f"{layer} plain", colours[1 + i], linestyle="--")
        line(axes[2], f"cka_debiased_random_{layer}", f"{layer} vs random", colours[1 + i], linestyle=":")
    axes[2].set(title="Linear CKA", ylabel="CKA", ylim=(-0.05, 1.05))
    line(axes[3], "transfer_share", "transferred, no refit", colours[4])
    line(axes[3], "transfer_share_refit", "transferred, scale refit on receiver", colours[5], linestyle="--")
    axes[3].axhline(1, color="grey", linestyle=":", linewidth=1)
    axes[3].set(title="Symbiote transfer", ylabel="share of drop kept")
    for ax in axes:  # each legend beside its panel: inside, the Jaccard and CKA legends covered lines
        style.sparsity_axis(ax, summary["target_sparsity"])
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    style.save(fig, pdf, png)
