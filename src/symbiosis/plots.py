"""Figures: one seaborn style for all of them, each saved as PDF and PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from symbiosis.choices import SYMBIOTE_KINDS  # noqa: E402
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


def _sparsity_labels(values: pd.Series) -> pd.Series:
    return values.map("{:g}".format)


def _kinds(table: pd.DataFrame) -> list[str]:
    """The symbiote kinds present, in the canonical order (the activation-reading symbiote first)."""
    return [kind for kind in SYMBIOTE_KINDS if kind in set(table["kind"])]


def plot_primaries(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Test accuracy, polysemanticity (effective number of classes per gated layer) and dead units per sparsity."""
    set_style()
    table = table.assign(sparsity=_sparsity_labels(table["target_sparsity"]))
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


def plot_inhibition(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Grid of 10 x 10 heatmaps (kind x sparsity): accuracy on class j (columns) under the symbiote for class k
    (rows), averaged over seeds. A perfect symbiote is dark on the diagonal and bright elsewhere."""
    set_style()
    kinds = _kinds(table)
    levels = sorted(table["target_sparsity"].unique())
    fig, axes = plt.subplots(
        len(kinds),
        len(levels),
        figsize=(min(2 * COLUMN_WIDTH, 1.3 * len(levels) + 1), 1.3 * len(kinds) + 0.4),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    for row, kind in enumerate(kinds):
        for col, level in enumerate(levels):
            ax = axes[row, col]
            cell = table[(table["kind"] == kind) & (table["target_sparsity"] == level)]
            matrix = cell.pivot(index="target_class", columns="eval_class", values="accuracy")
            sns.heatmap(
                matrix, vmin=0, vmax=1, cmap="viridis", square=True, cbar=False, ax=ax, xticklabels=2, yticklabels=2
            )
            ax.set(xlabel="", ylabel="")
            if row == 0:
                ax.set_title(f"sparsity {level:g}")
            if col == 0:
                ax.set_ylabel(f"{kind}\nsymbiote for k")
            if row == len(kinds) - 1:
                ax.set_xlabel("class j")
    fig.colorbar(axes[0, 0].collections[0], ax=axes, shrink=0.6, label="accuracy on class j")
    save(fig, pdf, png)


def plot_symbiote_training(curves: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Target-class and other-class accuracy on the training batches over the symbiotes' training steps, per kind and
    sparsity: mean over classes and seeds with the band holding the middle 90 % of them."""
    set_style()
    curves = curves.assign(
        sparsity=_sparsity_labels(curves["target_sparsity"]),
        metric=curves["metric"].map({"target_accuracy": "target class", "other_accuracy": "other classes"}),
    )
    grid = sns.relplot(
        data=curves,
        kind="line",
        x="step",
        y="accuracy",
        hue="metric",
        row="kind",
        col="sparsity",
        row_order=_kinds(curves),
        errorbar=("pi", 90),
        height=1.3,
        aspect=1.05,
        linewidth=1,
        facet_kws={"margin_titles": True},
    )
    grid.set_titles(row_template="{row_name}", col_template="sparsity {col_name}")
    grid.set_axis_labels("training step", "accuracy")
    grid.set(ylim=(-0.02, 1.02))
    sns.move_legend(grid, "upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, title=None)
    save(grid.figure, pdf, png)


METHOD_ORDER = [*SYMBIOTE_KINDS, "gradient_x_activation", "class_selectivity", "mean_activation", "random"]


def plot_features(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Feature recovery vs sparsity: ROC-AUC against the top units by exact importance, and Spearman rho with the
    importance, for the symbiotes' intervention strength and every baseline; per-model class means, 95 % t-intervals
    over seeds."""
    set_style()
    per_model = table.groupby(["target_sparsity", "method", "seed"], as_index=False)[["auc", "spearman"]].mean()
    per_model["sparsity"] = _sparsity_labels(per_model["target_sparsity"])
    order = [m for m in METHOD_ORDER if m in set(per_model["method"])]
    fig, axes = plt.subplots(1, 2, figsize=(2 * COLUMN_WIDTH, 2.5), sharex=True)
    point = {
        "x": "sparsity",
        "hue": "method",
        "hue_order": order,
        "errorbar": seed_interval,
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
    save(fig, pdf, png)


def plot_circuits(summary: pd.DataFrame, overlap: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Circuits vs sparsity (faithfulness, agreement with the ablation circuit, cross-class overlap) per kind, and
    the chance-corrected cross-class overlap matrices of the activation-reading symbiote's circuits."""
    set_style()
    levels = sorted(overlap["target_sparsity"].unique())
    fig = plt.figure(figsize=(2 * COLUMN_WIDTH, 4.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.1, 1])
    axes = top.subplots(1, 3)
    summary = summary.assign(sparsity=_sparsity_labels(summary["target_sparsity"]))
    kinds = [k for k in [*SYMBIOTE_KINDS, "ablation"] if k in set(summary["kind"])]
    for ax, metric, label in zip(
        axes,
        ("faithfulness", "jaccard_with_ablation", "overlap"),
        ("faithfulness (target - other drop)", "Jaccard with ablation circuit", "cross-class overlap - chance"),
        strict=True,
    ):
        for i, kind in enumerate(kinds):
            rows = summary[summary["kind"] == kind]
            x = [levels.index(v) + (i - len(kinds) / 2) * 0.08 for v in rows["target_sparsity"]]
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
                label=kind,
                color=sns.color_palette()[i],
            )
        ax.set_xticks(range(len(levels)), [f"{v:g}" for v in levels])
        ax.axhline(0, color="grey", linestyle=":", linewidth=1)
        ax.set(xlabel="target sparsity", ylabel=label)
    axes[0].legend(fontsize="small", title="circuit from")
    cells = bottom.subplots(1, len(levels), squeeze=False)[0]
    sym = overlap[(overlap["kind"] == "symbiote") & (overlap["class"] != overlap["other_class"])]  # diagonal blank
    limit = max(float(sym["overlap"].abs().max()), 1e-6)
    for ax, level in zip(cells, levels, strict=True):
        matrix = sym[sym["target_sparsity"] == level].pivot(index="class", columns="other_class", values="overlap")
        sns.heatmap(
            matrix,
            vmin=-limit,
            vmax=limit,
            cmap="vlag",
            square=True,
            cbar=ax is cells[-1],
            ax=ax,
            xticklabels=3,
            yticklabels=3,
            cbar_kws={"label": "Jaccard - chance", "shrink": 0.8},
        )
        ax.set(title=f"sparsity {level:g}", xlabel="class", ylabel="class" if ax is cells[0] else "")
    bottom.suptitle("Cross-class overlap of symbiote circuits (diagonal left out)", fontsize="medium")
    save(fig, pdf, png)


def plot_universality(summary: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Universality vs sparsity: circuit Jaccard and score Spearman after matching, each beside its class-permutation
    null; linear CKA per layer beside a random network's; transfer share of symbiotes moved between seeds."""
    set_style()
    fig, axes = plt.subplots(2, 2, figsize=(2 * COLUMN_WIDTH, 4.2))
    axes = axes.flatten()
    x = range(len(summary))
    labels = [f"{v:g}" for v in summary["target_sparsity"]]
    colours = sns.color_palette()

    def line(ax, column, label, colour, **kw):
        mean = summary[f"{column}_mean"]
        err = [mean - summary[f"{column}_ci_low"], summary[f"{column}_ci_high"] - mean]
        ax.errorbar(
            x, mean, yerr=err, marker="o", markersize=3, capsize=2, linewidth=1, color=colour, label=label, **kw
        )

    for ax, stat, title in ((axes[0], "jaccard", "Circuit Jaccard"), (axes[1], "spearman", "Strength Spearman")):
        line(ax, stat, "matched", colours[0])
        line(ax, f"{stat}_class_null_mean", "class null", colours[7], linestyle="--")
        ax.set(title=title, ylabel=title.split()[-1])
    for i, layer in enumerate(("conv2", "fc1")):
        line(axes[2], f"cka_{layer}", f"{layer}", colours[1 + i])
        line(axes[2], f"cka_random_{layer}", f"{layer} vs random", colours[1 + i], linestyle=":")
    axes[2].set(title="Linear CKA", ylabel="CKA", ylim=(0, 1.05))
    line(axes[3], "transfer_share", "transfer", colours[4])
    axes[3].axhline(1, color="grey", linestyle=":", linewidth=1)
    axes[3].set(title="Symbiote transfer", ylabel="share of drop kept")
    for ax in axes:
        ax.set_xticks(list(x), labels)
        ax.set_xlabel("target sparsity")
        ax.legend(fontsize="x-small")
    fig.tight_layout()
    save(fig, pdf, png)


def plot_ground_truth(checks: pd.DataFrame, auc: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Left: planted-feature AUC of every symbiote for every class's planted units (diagonal near 1 expected).
    Right: every known-answer check, its value against its bound, and whether it passed."""
    set_style()
    fig, (ax_auc, ax_checks) = plt.subplots(1, 2, figsize=(2 * COLUMN_WIDTH, 3.4), width_ratios=[1, 1])
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
        annot_kws={"fontsize": 5},
        cbar_kws={"label": "ROC-AUC", "shrink": 0.8},
    )
    ax_auc.set(xlabel="planted class", ylabel="symbiote for class", title="Planted features")
    labels = [f"{c}: {n}" for c, n in zip(checks["case"], checks["check"], strict=True)]
    y = range(len(checks))
    colours = [sns.color_palette()[2] if p else sns.color_palette()[3] for p in checks["passed"]]
    ax_checks.scatter(checks["value"], y, c=colours, s=14, zorder=3, label="value")
    ax_checks.scatter(checks["bound"], y, marker="|", color="black", s=60, zorder=2, label="bound")
    ax_checks.set_yticks(list(y), labels, fontsize=5.5)
    ax_checks.invert_yaxis()
    ax_checks.set(xlabel="value (green: passed, red: failed)", title="Known-answer checks")
    ax_checks.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.tight_layout()
    save(fig, pdf, png)
