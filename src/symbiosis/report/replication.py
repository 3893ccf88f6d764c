"""Does each finding replicate on the other tasks? One row per worded finding, its wording on every task.

A finding replicates when its test chose the same claim on every task: the wording without its parenthesised
reason (the tests and their Holm family are each task's own, results/<dataset>/findings.json). "Inconclusive" is a
claim like any other, so a claim made on one task and inconclusive on the other does not replicate."""

from __future__ import annotations

import pandas as pd

from symbiosis.errors import SymbiosisError
from symbiosis.report.findings import POLYSEMANTICITY
from symbiosis.report.significance import ALPHA, holm, trend_test


def claim(wording: str) -> str:
    """The claim a wording makes, without its parenthesised reason: "shows no resolvable trend (3 points are too few;
    inconclusive)" makes the claim "shows no resolvable trend"."""
    return wording.split(" (")[0]


def replication_table(findings: dict[str, dict[str, dict]]) -> pd.DataFrame:
    """findings: {dataset: that task's findings.json}. Columns: finding, what, wording_<dataset>..., replicates."""
    if len(findings) < 2:
        raise SymbiosisError(f"replication: need the findings of two or more tasks, got {sorted(findings)}")
    worded = [{k for k, v in f.items() if "wording" in v} for f in findings.values()]
    rows = []
    for key in sorted(set.intersection(*worded)):
        wordings = {f"wording_{dataset}": f[key]["wording"] for dataset, f in findings.items()}
        effects = {  # the effect size and corrected p behind each wording: a claim on one task only may be power
            f"{field}_{dataset}": f[key].get(field) for dataset, f in findings.items() for field in EFFECT_FIELDS
        }
        rows.append(
            {
                "finding": key,
                "what": next(iter(findings.values()))[key]["what"],
                **wordings,
                **effects,
                "replicates": len({claim(w) for w in wordings.values()}) == 1,
            }
        )
    return pd.DataFrame(rows)


EFFECT_FIELDS = ("statistic", "p_corrected")  # every worded finding has both (symbiosis.report.findings)


def pooled_trends(primaries: dict[str, pd.DataFrame], alpha: float = ALPHA) -> pd.DataFrame:
    """The primaries' trends against sparsity pooled over the tasks: the same within-stratum trend test as each
    task's (symbiosis.report.findings), with one stratum per task and seed; Holm over these tests. Its null is "no
    trend in any stratum", so rejecting it says there is a trend on at least one task, not on each: each row carries
    every task's own mean within-seed rho (rho_<task>) beside the pooled one."""
    table = pd.concat([t.assign(task=name) for name, t in primaries.items()], ignore_index=True)
    strata = table["task"] + "/" + table["seed"].astype(str)
    columns = {"accuracy_vs_sparsity": "test_accuracy"} | {k: c for k, (c, _) in POLYSEMANTICITY.items()}
    rows = []
    for finding, column in columns.items():
        record = trend_test(table["target_sparsity"], table[column], strata, unit=POOLED_UNIT, alpha=alpha)
        per_task = {
            f"rho_{task}": trend_test(t["target_sparsity"], t[column], t["seed"], alpha=alpha)["statistic"]
            for task, t in primaries.items()
        }
        rows.append({"finding": finding, "column": column, **per_task} | {
            k: record[k] for k in ("statistic", "p", "n", "strata")
        })  # fmt: skip
    out = pd.DataFrame(rows)
    out["p_corrected"] = holm(out["p"].to_numpy())
    out["wording"] = "shows no significant trend (inconclusive)"
    significant = out["p_corrected"] < alpha
    out.loc[significant & (out["statistic"] > 0), "wording"] = "rises (on at least one task)"
    out.loc[significant & (out["statistic"] < 0), "wording"] = "falls (on at least one task)"
    return out


POOLED_UNIT = "primaries (tasks x seeds x levels; levels permuted within task and seed)"


def to_markdown(table: pd.DataFrame) -> str:
    """The table as a Markdown section: how many findings replicate, then one line per finding."""
    datasets = [c.removeprefix("wording_") for c in table.columns if c.startswith("wording_")]
    lines = [
        f"# Replication across tasks: {', '.join(datasets)}",
        "",
        f"{int(table['replicates'].sum())} of {len(table)} worded findings make the same claim on every task.",
        "",
        "| finding | " + " | ".join(datasets) + " | replicates |",
        "| --- | " + " | ".join("---" for _ in datasets) + " | --- |",
    ]
    for _, row in table.iterrows():
        cells = [str(row[f"wording_{d}"]).replace("|", "/") for d in datasets]
        lines.append(f"| {row['what']} | " + " | ".join(cells) + f" | {'yes' if row['replicates'] else 'no'} |")
    return "\n".join(lines) + "\n"


def cross_task_tests(table: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """One test per layer and score of results/cross_task.csv (one row per seed and side: the null of task A's
    primary, or of task B's, with random networks): does the pair of tasks' primaries lie above, or below, the random
    networks on every seed and from both sides? An intersection-union test (its p is the largest per-row p),
    two-sided (twice the smaller side), Holm-corrected over the layers and scores."""
    grouped = table.groupby(["layer", "score"], sort=True)
    out = grouped.agg(
        rows=("value", "size"),
        value_mean=("value", "mean"),
        same_task_mean=("same_task_value", "mean"),
        same_task_p=("same_task_p", "max"),  # the positive control, one-sided, every seed (largest p)
        p_above=("p", "max"),
        p_below=("p_below", "max"),
        n_null=("n_null", "min"),
    ).reset_index()
    out["seeds"] = out.pop("rows") // table["side"].nunique()
    null_means = table.pivot_table(index=["layer", "score"], columns="side", values="null_mean", aggfunc="mean")
    out = out.merge(null_means.add_prefix("null_mean_").reset_index(), on=["layer", "score"])
    out["p"] = (2 * out[["p_above", "p_below"]].min(axis=1)).clip(upper=1.0)
    out["p_corrected"] = holm(out["p"].to_numpy())
    out["min_p"] = 2 / (out["n_null"] + 1)  # the smallest two-sided p per test; Holm multiplies it by up to len(out)
    significant = out["p_corrected"] < alpha
    above = out["p_above"] <= out["p_below"]
    out["wording"] = "not distinguishable from"
    out.loc[significant & above, "wording"] = "above"
    out.loc[significant & ~above, "wording"] = "below"
    return out
