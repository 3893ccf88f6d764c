"""The main table of a run on one device against the same config's run on another (issue 16): for every row (sparsity
level) and metric, both means, their difference, and whether the second run's mean lies inside the first run's 95 %
interval over seeds. Training on a GPU runs other kernels (cuDNN chooses its algorithms), so the runs agree in
distribution, not bit for bit: the interval over seeds is the yardstick.

    python bench/device_tables.py results/mnist5k/main_table.csv /tmp/gpu/results/mnist5k/main_table.csv \
        --out bench/out/device_tables.csv
"""

import argparse
from pathlib import Path

import pandas as pd

KEY = "target sparsity"


def compare(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """One row per (sparsity level, metric) that has a mean and a 95 % interval in both tables."""
    metrics = [c[: -len(" mean")] for c in first.columns if c.endswith(" mean") and c in second.columns]
    merged = first.merge(second, on=KEY, suffixes=("", " (second)"))
    rows = []
    for _, row in merged.iterrows():
        for m in metrics:
            a, b = row[f"{m} mean"], row[f"{m} mean (second)"]
            low, high = row[f"{m} ci_low"], row[f"{m} ci_high"]
            rows.append(
                {
                    KEY: row[KEY],
                    "metric": m,
                    "first": a,
                    "second": b,
                    "difference": b - a,
                    "inside_first_ci": bool(low - 1e-9 <= b <= high + 1e-9),
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="main_table.csv of the reference run (e.g. the CPU)")
    parser.add_argument("second", type=Path, help="main_table.csv of the run to compare (e.g. the GPU)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/device_tables.csv"))
    args = parser.parse_args()
    table = compare(pd.read_csv(args.first), pd.read_csv(args.second))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    inside = table.groupby("metric")["inside_first_ci"].mean()
    print(f"{int(table['inside_first_ci'].sum())} of {len(table)} (level, metric) means of the second run lie in the")
    print("first run's 95 % interval over seeds; share per metric:")
    print(inside.round(2).to_string())
    print(f"largest |difference|: {table['difference'].abs().max():.3g}; written {args.out}")


if __name__ == "__main__":
    main()
