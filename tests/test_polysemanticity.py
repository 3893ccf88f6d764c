import math

import pandas as pd
import pytest
import torch

from symbiosis.metrics.polysemanticity import (
    class_conditional_means,
    effective_classes,
    selectivity_index,
    spatial_effective_classes,
    unit_table,
)
from symbiosis.report.tables import summarise_units


def test_known_class_distributions():
    # columns: one class only, two classes equally, all ten alike, dead
    means = torch.zeros(10, 4, dtype=torch.float64)
    means[3, 0] = 2.0
    means[1, 1] = means[7, 1] = 1.0
    means[:, 2] = 0.5
    eff = effective_classes(means)
    sel = selectivity_index(means)
    assert eff[0].item() == pytest.approx(1.0)
    assert eff[1].item() == pytest.approx(2.0)
    assert eff[2].item() == pytest.approx(10.0)
    assert math.isnan(eff[3].item()) and math.isnan(sel[3].item())
    assert sel[0].item() == pytest.approx(1.0)
    assert sel[2].item() == pytest.approx(0.0)
    assert sel[1].item() == pytest.approx((1 - 1 / 9) / (1 + 1 / 9))


def test_class_conditional_means_are_per_class_averages(tiny_model):
    from symbiosis.primary.models import unit_activations

    x = torch.randint(0, 256, (30, 1, 28, 28), dtype=torch.uint8)
    y = torch.arange(30) % 3
    means = class_conditional_means(tiny_model, x, y, n_classes=3, batch_size=7)
    with torch.no_grad():
        _, acts = tiny_model(x.float() / 255, return_activations=True)
    u = unit_activations(acts).double()
    for c in range(3):
        torch.testing.assert_close(means[c], u[y == c].mean(0))


def test_unit_table_and_summary(tiny_model):
    x = torch.randint(0, 256, (40, 1, 28, 28), dtype=torch.uint8)
    y = torch.arange(40) % 10
    table = unit_table(tiny_model, x, y, 10)
    assert len(table) == tiny_model.arch.n_units
    assert set(table["layer"]) == {"conv2", "fc1"}
    live = table[~table["dead"]]
    assert ((live["effective_classes"] >= 1) & (live["effective_classes"] <= 10)).all()
    summary = summarise_units(pd.DataFrame(table))
    assert summary["dead_fraction"] == pytest.approx(table["dead"].mean())
    assert 1 <= summary["effective_classes"] <= 10


def test_unit_table_gives_conv_channels_their_spatially_resolved_score(tiny_model):
    x = torch.randint(0, 256, (40, 1, 28, 28), dtype=torch.uint8)
    y = torch.arange(40) % 10
    table = unit_table(tiny_model, x, y, 10)
    _, acts = tiny_model(x.float() / 255, return_activations=True)
    expected = spatial_effective_classes(acts["conv2"].detach(), y, 10)
    conv2 = table[table["layer"] == "conv2"]
    assert torch.allclose(torch.tensor(conv2["spatial_effective_classes"].to_numpy()), expected, equal_nan=True)
    assert table.loc[table["layer"] == "fc1", "spatial_effective_classes"].isna().all()
