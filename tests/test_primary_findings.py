"""The claims about the primaries (accuracy, live units, polysemanticity per layer) on tables with a known answer."""

import numpy as np
import pandas as pd
import pytest

from symbiosis.report.findings import _primaries, word_findings
from symbiosis.report.tables import accuracy_drop

LEVELS = (0.0, 0.8, 0.95, 0.99, 0.995)


def primaries(fc1_poly, conv2_poly, accuracy, live_fc1, seeds=(0, 1, 2)) -> pd.DataFrame:
    """One row per (level, seed); each metric a function of (level index, seed)."""
    rows = [
        {
            "dataset": "d",
            "target_sparsity": level,
            "seed": seed,
            "test_accuracy": accuracy(i, seed),
            "effective_classes_fc1": fc1_poly(i, seed),
            "spatial_effective_classes_conv2": conv2_poly(i, seed),
            "live_units_fc1": live_fc1(i, seed),
            "live_units_conv2": 32,
        }
        for i, level in enumerate(LEVELS)
        for seed in seeds
    ]
    table = pd.DataFrame(rows)
    return table.assign(accuracy_drop=accuracy_drop(table))


def worded(table: pd.DataFrame, margin=0.05, poly_margin=0.5) -> dict:
    return word_findings(_primaries(table, margin, poly_margin))


def test_rising_fc1_polysemanticity_and_flat_conv2_channels_are_told_apart():
    table = primaries(
        fc1_poly=lambda i, s: 6 + 0.3 * i + 0.05 * s,
        conv2_poly=lambda i, s: 5 + 0.01 * ((i * 7 + s) % 3),
        accuracy=lambda i, s: 0.97 - 0.05 * i**2 - 0.01 * s,
        live_fc1=lambda i, s: 130 - 4 * i + s,
    )
    words = worded(table)
    assert words["polysemanticity_vs_sparsity"]["wording"] == "rises"
    assert words["polysemanticity_conv2_vs_sparsity"]["wording"].startswith("does not change (within 0.5")
    assert words["accuracy_vs_sparsity"]["wording"] == "falls"
    assert words["live_units_fc1_vs_sparsity"]["wording"] == "falls"
    assert words["live_units_conv2_vs_sparsity"]["wording"].endswith("(inconclusive)")  # constant: no trend, no TOST
    top = words["accuracy_drop_at_top"]
    assert top["level"] == 0.995 and top["n"] == 3 and np.isclose(top["mean"], 0.05 * 16)
    assert top["ci_low"] <= top["mean"] <= top["ci_high"]


def test_a_change_larger_than_the_margin_is_never_worded_as_no_change():
    """conv2 channels move by a full class between the lowest and highest level, in opposite directions per seed:
    no trend, and the TOST must not call it equivalent within half a class."""
    table = primaries(
        fc1_poly=lambda i, s: 6.0 + 0.001 * s,
        conv2_poly=lambda i, s: 5 + (0.25 if s % 2 else -0.25) * i,
        accuracy=lambda i, s: 0.97 - 0.01 * s,
        live_fc1=lambda i, s: 130 + s,
    )
    words = worded(table)
    assert not words["polysemanticity_conv2_vs_sparsity"]["wording"].startswith("does not change")
    assert words["polysemanticity_vs_sparsity"]["wording"].startswith("does not change")
    assert words["polysemanticity_vs_sparsity_equivalence"]["margin"] == 0.5  # in classes, not the accuracy margin
    assert words["accuracy_vs_sparsity_equivalence"]["margin"] == 0.05


def test_the_accuracy_control_compares_each_pruned_primary_with_a_dense_one_of_equal_accuracy():
    """Known answers. Dense curve per seed (early-stopped primaries and the trained one): effective classes
    = 10 - 5 x accuracy. Pruned primaries on that curve are not more polysemantic than dense ones of their accuracy,
    though their polysemanticity rises with sparsity; pruned primaries one class above it are, in every seed. A pruned
    primary less accurate than every dense one is left out, not extrapolated. The unit is the seed."""
    seeds = (0, 1, 2)

    def accuracy(i, seed):
        return 0.95 - 0.08 * i - 0.001 * seed

    on_curve = primaries(lambda i, s: 10 - 5 * accuracy(i, s), lambda i, s: 9.0, accuracy, lambda i, s: 100, seeds)
    early = pd.DataFrame(
        [{"seed": s, "steps": steps, "test_accuracy": acc, "effective_classes_fc1": 10 - 5 * acc,
          "spatial_effective_classes_conv2": 9.0} for s in seeds for steps, acc in ((10, 0.5), (40, 0.7))]
    )  # fmt: skip
    records = word_findings(_primaries(on_curve, 0.05, 0.5, early))
    assert records["polysemanticity_vs_sparsity"]["wording"] == "rises"
    matched = records["polysemanticity_vs_sparsity_accuracy_matched"]
    assert "p" not in matched and "wording" not in matched  # descriptive: not in the Holm family
    assert abs(matched["mean"]) < 1e-9 and matched["n"] == 3 and matched["primaries"] == 12
    assert not matched["same_sign"] and matched["outside_range"] == 0
    above = on_curve.assign(effective_classes_fc1=lambda t: t["effective_classes_fc1"] + (t["target_sparsity"] > 0))
    record = _primaries(above, 0.05, 0.5, early)["polysemanticity_vs_sparsity_accuracy_matched"]
    assert record["same_sign"] and record["per_seed"] == pytest.approx({0: 1.0, 1: 1.0, 2: 1.0})
    narrow = early[early["steps"] == 40]  # accuracy 0.7 and up: the top level (0.63) is outside the curve
    record = _primaries(above, 0.05, 0.5, narrow)["polysemanticity_vs_sparsity_accuracy_matched"]
    assert record["outside_range"] == len(seeds) and record["primaries"] == 3 * len(seeds)
