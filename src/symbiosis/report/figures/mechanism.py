"""Figure: mechanism (figures/<dataset>/mechanism.pdf and .png): the units a symbiote gates most, for a few classes."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from safetensors.numpy import load_file

from symbiosis.report.figures import style

GROUPS = {"target": "target class", "other": "other classes"}


def thumbnails(images: np.ndarray, indices: list[int]) -> np.ndarray:
    """The test images at `indices` side by side, one pixel of white between them, as one 28 x (29 n) array."""
    tiles = [np.pad(images[i].reshape(28, 28).astype(float), ((0, 0), (0, 1)), constant_values=255) for i in indices]
    return np.concatenate(tiles, axis=1)[:, :-1]


def gate_ranges(ax: plt.Axes, unit: pd.Series, colours) -> None:
    """Per group, the 5-95 % range of the unit's gates (thin), its 25-75 % range (thick) and median (dot)."""
    for y, (group, colour) in enumerate(zip(GROUPS, colours, strict=True)):
        ax.plot([unit[f"{group}_q05"], unit[f"{group}_q95"]], [y, y], color=colour, linewidth=0.8)
        ax.plot([unit[f"{group}_q25"], unit[f"{group}_q75"]], [y, y], color=colour, linewidth=3.5)
        ax.plot([unit[f"{group}_q50"]], [y], "o", color="white", markeredgecolor=colour, markersize=3)
    ax.axvline(1, color="0.4", linestyle=":", linewidth=0.8)
    ax.set_ylim(-0.7, len(GROUPS) - 0.3)
    ax.invert_yaxis()


def plot(units: pd.DataFrame, split: pd.DataFrame, data: str | Path, pdf: str | Path, png: str | Path) -> None:
    """One row per class: for each of its most gated units (largest mean |g - 1| on the class's test images), the
    test images that activate the unit most and the spread of its gates on the target class and on the others."""
    style.set_style()
    images = load_file(str(data))["x_test"]
    classes = list(dict.fromkeys(units["target_class"]))
    n_units = int(units["rank"].max())
    upper = max(1.5, float(units[[c for c in units if c.endswith("_q95")]].to_numpy().max()) * 1.05)
    fig = plt.figure(figsize=(style.FIGURE_WIDTH, 1.45 * len(classes) + 0.3), layout="constrained")
    rows = fig.subfigures(len(classes), 1)
    colours = sns.color_palette()[3], sns.color_palette()[0]
    for row, k in zip(np.atleast_1d(rows), classes, strict=True):
        row.suptitle(f"symbiote for class {k}", fontsize="medium", x=0.01, ha="left")
        axes = row.subplots(2, n_units, height_ratios=[1, 0.9], squeeze=False, sharex="row")
        for col, (_, unit) in enumerate(units[units["target_class"] == k].sort_values("rank").iterrows()):
            top = [int(i) for i in str(unit["top_images"]).split()]
            axes[0, col].imshow(thumbnails(images, top), cmap="gray_r", vmin=0, vmax=255)
            axes[0, col].set_axis_off()
            axes[0, col].set_title(f"{unit['layer']} #{unit['index']}, |g-1| {unit['mean_abs_change']:.2f}")
            gate_ranges(axes[1, col], unit, colours)
            axes[1, col].set_xlim(0, upper)
            axes[1, col].set_yticks(range(len(GROUPS)), list(GROUPS.values()) if col == 0 else [])
            axes[1, col].set_xlabel("gate g")
    style.save(fig, pdf, png)
