"""Figure: primaries (figures/<dataset>/primaries.pdf and .png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from symbiosis.report.figures import style

# (column, legend label) of the polysemanticity and live-unit panels, one line each.
POLYSEMANTICITY = {
    "effective_classes_conv2": "conv2",
    "spatial_effective_classes_conv2": "conv2, per position",
    "effective_classes_fc1": "fc1",
}
LIVE_UNITS = {"live_units_conv2": "conv2", "live_units_fc1": "fc1"}


def _by_layer(table: pd.DataFrame, columns: dict[str, str], value: str) -> pd.DataFrame:
    long = table.melt(id_vars=["position", "seed"], value_vars=list(columns), var_name="layer", value_name=value)
    return long.assign(layer=long["layer"].map(columns))


def plot(table: pd.DataFrame, pdf: str | Path, png: str | Path) -> None:
    """Test accuracy, polysemanticity (effective number of classes per gated layer) and live units per gated layer
    against the target sparsity, on a log(1 - s) axis."""
    style.set_style()
    table = table.assign(position=style.sparsity_position(table["target_sparsity"]))
    fig, (ax_acc, ax_poly, ax_live) = plt.subplots(1, 3, figsize=(2 * style.COLUMN_WIDTH, 2.5))
    line = {"x": "position", "errorbar": style.seed_interval, "err_style": "bars", "marker": "o", "markersize": 4}
    line |= {"linewidth": 1.2, "err_kws": {"capsize": 2}}
    sns.lineplot(data=table, y="test_accuracy", ax=ax_acc, color=sns.color_palette("gray", 1)[0], **line)
    ax_acc.set(ylabel="test accuracy", title="Accuracy")
    colours = dict(zip(["conv2", "fc1", "conv2, per position"], sns.color_palette(n_colors=3), strict=True))
    line["palette"] = colours  # the same colour for a layer in both panels
    poly = _by_layer(table, POLYSEMANTICITY, "effective classes")
    sns.lineplot(data=poly, y="effective classes", hue="layer", ax=ax_poly, **line)
    ax_poly.set(ylabel="effective classes, exp(H)", title="Polysemanticity")
    handles, labels = ax_poly.get_legend_handles_labels()
    ax_poly.get_legend().remove()
    live = _by_layer(table, LIVE_UNITS, "live units")
    sns.lineplot(data=live, y="live units", hue="layer", ax=ax_live, legend=False, **line)
    ax_live.set(ylabel="units firing on the test set", title="Live units", ylim=(0, None))
    for ax in (ax_acc, ax_poly, ax_live):
        style.sparsity_axis(ax, table["target_sparsity"])
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=3, fontsize="small")
    style.save(fig, pdf, png)
