"""Does each finding replicate on the other tasks? One row per worded finding, its wording on every task.

A finding replicates when its test chose the same claim on every task: the wording without its parenthesised
reason (the tests and their Holm family are each task's own, results/<dataset>/findings.json). "Inconclusive" is a
claim like any other, so a claim made on one task and inconclusive on the other does not replicate."""

from __future__ import annotations

import pandas as pd

from symbiosis.errors import SymbiosisError
from symbiosis.report.findings import POLYSEMANTICITY
from symbiosis.report.significance import ALPHA, holm, trend_test, within_strata_residuals


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
    """The primaries' trends against sparsity pooled over the tasks: the same within-stratum trend tests as each
    task's (symbiosis.report.findings), with strata task x seed, so the tasks add power instead of being compared by
    their separate verdicts. Accuracy, polysemanticity per layer and beyond accuracy; Holm over these tests."""
    table = pd.concat([t.assign(task=name) for name, t in primaries.items()], ignore_index=True)
    strata = table["task"] + "/" + table["seed"].astype(str)
    rows = [{"finding": "accuracy_vs_sparsity", "column": "test_accuracy", "covariate": None}]
    for key, (column, _) in POLYSEMANTICITY.items():
        rows += [
            {"finding": key, "column": column, "covariate": None},
            {"finding": f"{key}_given_accuracy", "column": column, "covariate": "test_accuracy"},
        ]
    for row in rows:
        values = table[row["column"]].to_numpy(dtype=float, copy=True)
        if row["covariate"] is not None:  # one slope per task (accuracy means something else on each), as in each task
            for task in primaries:
                m = (table["task"] == task).to_numpy()
                values[m] = within_strata_residuals(values[m], table.loc[m, row["covariate"]], strata[m])
        record = trend_test(table["target_sparsity"], values, strata, unit=POOLED_UNIT, alpha=alpha)
        row.update(statistic=record["statistic"], p=record["p"], n=record["n"], strata=record["strata"])
    out = pd.DataFrame(rows)
    out["p_corrected"] = holm(out["p"].to_numpy())
    out["wording"] = "shows no significant trend (inconclusive)"
    significant = out["p_corrected"] < alpha
    out.loc[significant & (out["statistic"] > 0), "wording"] = "rises"
    out.loc[significant & (out["statistic"] < 0), "wording"] = "falls"
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
    """One test per layer and score of results/cross_task.csv (one row per seed): does the pair of tasks' primaries
    lie above, or below, the random networks on every seed? An intersection-union test over seeds (its p is the
    largest per-seed p), two-sided (twice the smaller side), Holm-corrected over the layers and scores."""
    grouped = table.groupby(["layer", "score"], sort=True)
    out = grouped.agg(
        seeds=("p", "size"),
        value_mean=("value", "mean"),
        null_mean=("null_mean", "mean"),
        p_above=("p", "max"),
        p_below=("p_below", "max"),
        n_null=("n_null", "min"),
    ).reset_index()
    out["p"] = (2 * out[["p_above", "p_below"]].min(axis=1)).clip(upper=1.0)
    out["p_corrected"] = holm(out["p"].to_numpy())
    out["min_p_corrected"] = min(1.0, len(out) * 2 / (out["n_null"].min() + 1))
    significant = out["p_corrected"] < alpha
    above = out["p_above"] <= out["p_below"]
    out["wording"] = "not distinguishable from"
    out.loc[significant & above, "wording"] = "above"
    out.loc[significant & ~above, "wording"] = "below"
    return out
