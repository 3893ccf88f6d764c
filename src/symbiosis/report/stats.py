"""Summaries over seeds: the mean and a 95 % t-interval over the independent units (seeds).

With three seeds the t-interval is wide (t = 4.30 times the standard error) and may reach past a metric's bounds (a
target accuracy of [0, 0, 0.003] gives [-0.004, 0.006]); it is an interval for the mean, and the mean lies inside the
bounds. A percentile bootstrap, used before, cannot leave the range of the values, and over three values it covers the
mean about 75 % of the time at its nominal 95 % (tests/test_stats.py measures both), so it is not used."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def t_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """(low, high) of the t-interval for the mean; (mean, mean) for a single value or identical values."""
    return mean_and_interval(values, confidence)[1:]


def t_factor(n: int, confidence: float = 0.95) -> float:
    """The half-width of the t-interval over n values in standard errors (nan below two values)."""
    return float(stats.t.ppf(0.5 + confidence / 2, n - 1)) if n > 1 else float("nan")


def mean_and_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the mean of the non-NaN values and its t-interval over them (independent units)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    mean = float(x.mean()) if x.size else float("nan")
    if x.size < 2:
        return mean, mean, mean
    half = t_factor(x.size, confidence) * float(x.std(ddof=1)) / np.sqrt(x.size)
    return mean, mean - half, mean + half


def summarise_over_seeds(table: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """One row per group: n, and for each column its mean, ci_low and ci_high (t-interval over the group's rows,
    which must be one per seed or pair of seeds)."""
    rows = []
    for key, group in table.groupby(by, sort=True):
        row = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)) | {"n": len(group)}
        for col in columns:
            row[f"{col}_mean"], row[f"{col}_ci_low"], row[f"{col}_ci_high"] = mean_and_interval(group[col])
        rows.append(row)
    return pd.DataFrame(rows)
