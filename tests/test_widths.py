"""The width sweep's table labels every primary with its own fc1 width (results/<dataset>/widths.csv)."""

import pandas as pd

from symbiosis.report import widths


def test_every_row_carries_the_width_of_its_own_primary(monkeypatch):
    """Sidecars in the workflow's order (width, then seed) while primaries_table sorts by seed: each row's width must
    still be its own primary's (here the parameter count encodes the width)."""
    sweep = [(fc1, seed) for fc1 in (16, 32, 64) for seed in (0, 1, 2)]
    sidecars = [f"fc{fc1}-seed{seed}/primary.json" for fc1, seed in sweep]

    def one_table(paths, units):
        rows = [{"dataset": "d", "target_sparsity": 0.98, "seed": int(p.split("seed")[1].split("/")[0]),
                 "parameters": 1000 * int(p.split("fc")[1].split("-")[0])} for p in paths]  # fmt: skip
        return pd.DataFrame(rows).sort_values(["target_sparsity", "seed"], ignore_index=True)

    monkeypatch.setattr(widths, "primaries_table", one_table)
    monkeypatch.setattr(widths, "read_json", lambda p: {"arch": {"fc1": int(str(p).split("fc")[1].split("-")[0])}})
    table = widths.sweep_table(sidecars, [s.replace("primary.json", "polysemanticity.csv") for s in sidecars])
    assert list(table.columns[:2]) == ["fc1", "dataset"]
    assert (table["parameters"] == 1000 * table["fc1"]).all()
    assert sorted(zip(table["fc1"], table["seed"], strict=True)) == sorted(sweep)


def test_the_sweep_table_command_names_the_swept_setting_as_text():
    """`--by fc1` reaches sweep_table as the key of SWEPT (a path there was a KeyError in the full run)."""
    from symbiosis.cli import build_parser

    args = build_parser().parse_args(
        ["primaries-sweep-table", "--sidecars", "a.json", "--units", "a.csv", "--by", "steps", "--out", "o.csv",
         "--summary", "s.csv"]
    )  # fmt: skip
    assert args.by in widths.SWEPT
