"""The primaries table's per-model columns with a known answer: live units per gated layer and the accuracy drop."""

import numpy as np
import pandas as pd

from symbiosis.report.tables import accuracy_drop, summarise_units


def test_live_units_count_the_units_that_fire_per_layer():
    units = pd.DataFrame(
        {
            "layer": ["conv2"] * 3 + ["fc1"] * 4,
            "effective_classes": [2.0, 4.0, np.nan, 1.0, np.nan, np.nan, 3.0],
            "spatial_effective_classes": [1.0, 2.0, np.nan, np.nan, np.nan, np.nan, np.nan],
            "selectivity": [0.5, 0.2, np.nan, 0.9, np.nan, np.nan, 0.1],
            "dead": [False, False, True, False, True, True, False],
        }
    )
    summary = summarise_units(units)
    assert (summary["live_units_conv2"], summary["live_units_fc1"]) == (2, 2)
    assert summary["effective_classes_conv2"] == 3.0 and summary["effective_classes_fc1"] == 2.0
    assert summary["dead_fraction"] == 3 / 7
    assert summary["spatial_effective_classes_conv2"] == 1.5


def test_accuracy_drop_is_against_the_dense_primary_of_the_same_seed_and_dataset():
    table = pd.DataFrame(
        {
            "dataset": ["a", "a", "a", "a", "b"],
            "target_sparsity": [0.0, 0.0, 0.99, 0.99, 0.99],
            "seed": [0, 1, 0, 1, 0],
            "test_accuracy": [0.97, 0.95, 0.80, 0.90, 0.5],
        }
    )
    drop = accuracy_drop(table)
    assert np.allclose(drop[:4], [0.0, 0.0, 0.17, 0.05])
    assert np.isnan(drop[4])  # dataset b has no dense primary
