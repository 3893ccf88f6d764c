import math

import pandas as pd
import pytest

from symbiosis.report.stats import summarise_over_seeds, t_interval


def test_t_interval_known_value():
    low, high = t_interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, df=2) * sd / sqrt(n), sd = 1
    assert low == pytest.approx(2 - half) and high == pytest.approx(2 + half)


def test_t_interval_degenerate_cases():
    assert t_interval([5.0]) == (5.0, 5.0)
    assert t_interval([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert t_interval([1.0, float("nan"), 3.0])[0] < 2 < t_interval([1.0, float("nan"), 3.0])[1]


def test_summarise_over_seeds_groups_and_counts():
    table = pd.DataFrame({"level": [0, 0, 0, 1, 1], "acc": [1.0, 2.0, 3.0, 4.0, 4.0]})
    out = summarise_over_seeds(table, ["level"], ["acc"])
    assert out["n"].tolist() == [3, 2]
    assert out["acc_mean"].tolist() == [2.0, 4.0]
    assert out.loc[1, "acc_ci_low"] == out.loc[1, "acc_ci_high"] == 4.0


def test_summary_intervals_stay_inside_the_range_of_the_seeds():
    """Accuracies at the floor: a t interval would run below 0; the summary's interval must not."""
    table = pd.DataFrame({"level": [0, 0, 0], "acc": [0.0, 0.0, 0.003]})
    out = summarise_over_seeds(table, ["level"], ["acc"])
    assert t_interval(table["acc"])[0] < 0
    assert 0.0 <= out.loc[0, "acc_ci_low"] <= out.loc[0, "acc_mean"] <= out.loc[0, "acc_ci_high"] <= 0.003
