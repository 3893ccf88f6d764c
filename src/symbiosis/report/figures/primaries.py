"""Figure: primaries (figures/<dataset>/primaries.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style


def plot(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Test accuracy, polysemanticity (effective number of classes per gated layer) and dead units per sparsity."""
    style.set_style()
    table = table.assign(sparsity=style.sparsity_labels(table["target_sparsity"]))
    fig, (ax_acc, ax_poly, ax_dead) = plt.subplots(1, 3, figsize=(2 * style.COLUMN_WIDTH, 2.3))
    point = {"x": "sparsity", "errorbar": style.seed_interval, "capsize": 0.2, "markersize": 4, "linewidth": 1.2}
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
    style.save(fig, pdf, png)
