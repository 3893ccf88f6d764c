"""Does each finding replicate on the other tasks? One row per worded finding, its wording on every task.

A finding replicates when its test chose the same claim on every task: the wording without its parenthesised
reason (the tests and their Holm family are each task's own, results/<dataset>/findings.json). "Inconclusive" is a
claim like any other, so a claim made on one task and inconclusive on the other does not replicate."""

from __future__ import annotations

import pandas as pd

from symbiosis.errors import SymbiosisError


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
        rows.append(
            {
                "finding": key,
                "what": next(iter(findings.values()))[key]["what"],
                **wordings,
                "replicates": len({claim(w) for w in wordings.values()}) == 1,
            }
        )
    return pd.DataFrame(rows)


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
