"""Figure: Pareto fronts of the lambda sweep (figures/<dataset>/pareto.pdf and .png): for every learned kind retrained
at each penalty weight, target-class accuracy and damage to the other classes against the size of the intervention
on the target class's images (symbiosis.report.sweep)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import pandas as pd

from symbiosis.report.figures import style

PANELS = {"target_accuracy": "target-class accuracy", "other_damage": "other-class accuracy drop"}


def plot(pareto: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """One row per swept sparsity level, one column per objective against the intervention size; one line per kind
    through its penalty weights (lambda labelled at the ends), filled markers on the level's joint Pareto front."""
    style.set_style()
    levels = sorted(pareto["target_sparsity"].unique())
    kinds = style.kinds(pareto)
    colours = dict(zip(kinds, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    fig, axes = plt.subplots(len(levels), len(PANELS), figsize=(style.FIGURE_WIDTH, 2.3 * len(levels)),
                             squeeze=False, sharex="row", layout="constrained")  # fmt: skip
    for row, level in zip(axes, levels, strict=True):
        at_level = pareto[pareto["target_sparsity"] == level]
        for ax, (objective, label) in zip(row, PANELS.items(), strict=True):
            for kind in kinds:
                points = at_level[at_level["kind"] == kind].sort_values("lam")
                x, y = points["intervention_size_target"], points[objective]
                ax.plot(x, y, color=colours[kind], linewidth=1, label=style.display_name(kind))
                front = points["pareto_level"].to_numpy(bool)
                ax.scatter(x[front], y[front], color=colours[kind], s=18, zorder=3)
                ax.scatter(x[~front], y[~front], facecolor="white", edgecolor=colours[kind], s=18, zorder=3)
                for end in (points.iloc[0], points.iloc[-1]):
                    ax.annotate(f"{end['lam']:g}", (end["intervention_size_target"], end[objective]),
                                fontsize=5, xytext=(2, 2), textcoords="offset points", color=colours[kind])  # fmt: skip
            # Sizes span 0.02 to 2 standard deviations: a log axis, ticked at 1, 2 and 5 per decade to be readable.
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
            ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
            ax.xaxis.set_minor_formatter(ticker.NullFormatter())
            ax.set(ylabel=label, title=f"s = {level:g}", xlabel="")
    for ax in axes[-1]:
        ax.set_xlabel("intervention size on target images, E|a - a'| / std(a)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=min(len(kinds), 5), frameon=False)
    style.save(fig, pdf, png)
