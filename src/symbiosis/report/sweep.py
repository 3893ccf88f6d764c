"""The lambda sweep's tables: every learned kind retrained at several penalty weights, and the Pareto fronts of
target suppression against damage to the other classes against the size of the intervention.

The three objectives, all to be minimised, per (sparsity, kind, lambda), mean over the sweep's models of each model's
class average:
- target_accuracy: accuracy on the target class under its intervention;
- other_damage: max(0, other-class accuracy drop) per symbiote: a repair of the other classes is not counted as
  damage (nor as a gain: see `symbiote.other_loss`);
- intervention_size_target: E|a_u - a'_u| / std(a_u) over live units on the target class's images, the same measure
  for every kind (symbiosis.metrics.intervention).
The objectives table compares the two other-class objectives (`symbiote.other_loss`) at the configured lambda:
cross-entropy to the labels lets a symbiote raise the other classes' accuracy above the unedited primary's (repair),
which KL to the primary's own outputs does not reward.

A point is Pareto-optimal when no other point is at least as good in all three and better in one; `pareto_kind`
compares it with its own kind's other lambdas, `pareto_level` with every kind and lambda at its sparsity level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OBJECTIVES = ("target_accuracy", "other_damage", "intervention_size_target")
SWEEP_KEYS = ["dataset", "target_sparsity", "kind", "lam"]
SWEEP_METRICS = [
    *OBJECTIVES,
    "other_accuracy_drop",
    "intervention_size_other",
    "intervention_size_all",
    "penalty_all",
    "penalty_target",
]


def pareto_optimal(points: np.ndarray) -> np.ndarray:
    """[N] bool for points [N, D] to minimise: True where no other point is <= in every column and < in one."""
    points = np.asarray(points, dtype=float)
    no_worse = (points[None, :, :] <= points[:, None, :]).all(-1)  # [i, j]: j is nowhere worse than i
    better = (points[None, :, :] < points[:, None, :]).any(-1)
    return ~(no_worse & better).any(1)


def sweep_rows(files: list[str | Path]) -> pd.DataFrame:
    """Every model's sweep rows (one per kind, lambda and class), with `other_damage`."""
    table = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    table["other_damage"] = table["other_accuracy_drop"].clip(lower=0)
    return table.sort_values([*SWEEP_KEYS, "seed", "target_class"], ignore_index=True)


def pareto_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per (sparsity, kind, lambda): n models, the mean of each metric over models (of each model's class mean),
    and whether the point is on its kind's front and on its level's front."""
    per_model = rows.groupby([*SWEEP_KEYS, "seed"], as_index=False)[SWEEP_METRICS].mean()
    table = per_model.groupby(SWEEP_KEYS, as_index=False).agg(
        n=("seed", "size"), **{name: (name, "mean") for name in SWEEP_METRICS}
    )
    table["pareto_kind"] = False
    table["pareto_level"] = False
    for _, group in table.groupby(["dataset", "target_sparsity", "kind"]):
        table.loc[group.index, "pareto_kind"] = pareto_optimal(group[list(OBJECTIVES)].to_numpy())
    for _, group in table.groupby(["dataset", "target_sparsity"]):
        table.loc[group.index, "pareto_level"] = pareto_optimal(group[list(OBJECTIVES)].to_numpy())
    return table


def objectives_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per (sparsity, kind, other_loss): n models and the mean over models of each model's class means of target
    accuracy, other-class accuracy, the primary's, the change (positive: the others repaired) and the share of
    symbiotes meeting the criterion."""
    rows = rows.assign(other_accuracy_change=-rows["other_accuracy_drop"])
    columns = ["target_accuracy", "other_accuracy", "primary_other_accuracy", "other_accuracy_change"]
    columns.append("meets_criterion")
    keys = ["dataset", "target_sparsity", "kind", "other_loss"]
    per_model = rows.groupby([*keys, "seed"], as_index=False)[columns].mean()
    table = per_model.groupby(keys, as_index=False).agg(n=("seed", "size"), **{c: (c, "mean") for c in columns})
    return table.rename(columns={"meets_criterion": "share_meeting_criterion"})
