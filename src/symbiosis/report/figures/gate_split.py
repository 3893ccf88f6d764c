"""Figure: gate split (figures/<dataset>/gate_split.pdf and .png): the share of a symbiote's effect on its class
carried by its inhibiting gates (g < 1) and by its stimulating gates (g > 1)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style

MEASURES = {"accuracy": "share of the accuracy drop", "margin": "share of the logit-margin drop"}
SIDES = {"inhibition": "inhibition only (g > 1 set to 1)", "stimulation": "stimulation only (g < 1 set to 1)"}


def plot(split: pd.DataFrame, summary: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Per sparsity and measure: each side's share of the full gates' effect on the target class, mean over classes
    per seed (dots) and the mean and 95 % t-interval over seeds (bars). 1: that side alone does all of it."""
    style.set_style()
    columns = [f"{side}_{measure}_share" for side in SIDES for measure in MEASURES]
    per_seed = split.groupby(["target_sparsity", "seed"])[columns].mean().reset_index()
    long = per_seed.melt(["target_sparsity", "seed"], columns, var_name="column", value_name="share")
    long[["side", "measure"]] = long["column"].str.extract(r"^(\w+?)_(\w+?)_share$")
    long["sparsity"] = style.sparsity_labels(long["target_sparsity"])
    long["side"] = long["side"].map(SIDES)
    fig, axes = plt.subplots(1, 2, figsize=(style.FIGURE_WIDTH, 2.4), sharey=True, layout="constrained")
    for ax, (measure, label) in zip(axes, MEASURES.items(), strict=True):
        data = long[long["measure"] == measure]
        order = sorted(data["sparsity"].unique(), key=float)
        sns.barplot(data=data, x="sparsity", y="share", hue="side", order=order, hue_order=list(SIDES.values()),
                    errorbar=style.seed_interval, ax=ax, alpha=0.75, legend=ax is axes[0])  # fmt: skip
        sns.stripplot(data=data, x="sparsity", y="share", hue="side", order=order, hue_order=list(SIDES.values()),
                      dodge=True, jitter=0.05, color="black", size=3, ax=ax, legend=False)  # fmt: skip
        ax.axhline(1, color="0.4", linestyle=":", linewidth=0.8)
        ax.set(title=label, xlabel="target sparsity", ylabel="share of the full gates' effect")
    # One legend above both panels, outside them: inside one panel the layout kept room for it between the two.
    handles, labels = axes[0].get_legend_handles_labels()
    axes[0].get_legend().remove()
    fig.legend(handles, labels, loc="outside upper center", ncol=2, frameon=False)
    style.save(fig, pdf, png)
