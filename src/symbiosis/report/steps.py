"""The report steps: aggregate tables, the findings, the main table, the run record and the paper. No torch."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from symbiosis.choices import ANALYSIS_TABLES, CROSS_ARCHITECTURE_KEYS, STATS_INPUTS
from symbiosis.errors import SymbiosisError
from symbiosis.files import read_json, write_csv, write_json, write_with
from symbiosis.report import tables


def primaries_table_step(sidecars: list[Path], units: list[Path], out: Path, summary: Path) -> None:
    table = tables.primaries_table(sidecars, units)
    write_csv(out, table)
    write_csv(summary, tables.primaries_summary(table))


def symbiotes_table_step(
    summaries: list[Path],
    inhibitions: list[Path],
    sidecars: list[Path],
    out: Path,
    summary: Path,
    inhibition: Path,
    curves: Path,
) -> None:
    table, matrices = tables.symbiotes_table(summaries, inhibitions)
    write_csv(out, table)
    write_csv(summary, tables.symbiotes_summary(table))
    write_csv(inhibition, matrices)
    write_csv(curves, tables.symbiote_curves(sidecars))


def sweep_table_step(
    sweeps: list[Path], objectives: list[Path], out: Path, pareto: Path, objectives_summary: Path
) -> None:
    """The lambda sweep of every swept model (one row per kind, lambda, model and class), its Pareto fronts, and the
    comparison of the other-class objectives."""
    from symbiosis.report.sweep import objectives_table, pareto_table, sweep_rows

    rows = sweep_rows(sweeps)
    write_csv(out, rows)
    write_csv(pareto, pareto_table(rows))
    write_csv(objectives_summary, objectives_table(sweep_rows(objectives)))


def cross_architecture_table_step(levels: list[Path], out: Path) -> None:
    """The cross-architecture rows of every level (`symbiosis cross-architecture`, one job per level), in the given
    order; the header alone when there are none (no MLP in the run)."""
    frames = [pd.read_csv(path) for path in levels]
    write_csv(out, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CROSS_ARCHITECTURE_KEYS))


def analysis_tables_step(
    features: list[Path],
    circuits: list[Path],
    overlaps: list[Path],
    curves: list[Path],
    curve_areas: list[Path],
    universality: list[Path],
    out_dir: Path,
    symbiotes: list[Path] = (),
) -> None:
    """Every table of ANALYSIS_TABLES, as <out_dir>/<name>.csv."""
    outputs = tables.analysis_tables(features, circuits, overlaps, curves, curve_areas, universality, symbiotes)
    for name in ANALYSIS_TABLES:
        write_csv(Path(out_dir) / f"{name}.csv", outputs[name])


def stats_step(tables: list[Path], out: Path, config: dict) -> None:
    """The findings from the aggregate tables, each named by its file (<name>.csv, one of STATS_INPUTS, and
    early_stopped where the config has the accuracy control), with the analysis section's equivalence margins."""
    from symbiosis.report.findings import findings

    frames = {Path(p).stem: pd.read_csv(p) for p in tables}
    if sorted(set(frames) - {"early_stopped"}) != sorted(STATS_INPUTS):  # early_stopped: the accuracy control
        raise SymbiosisError(f"stats needs the tables {', '.join(STATS_INPUTS)}, got {', '.join(frames)}")
    analysis = config["analysis"]
    margins = {"margin": analysis["equivalence_margin"], "polysemanticity_margin": analysis["polysemanticity_margin"]}
    write_json(out, findings(**frames, **margins))


def main_table_step(summaries: list[Path], findings: Path, csv: Path, tex: Path, md: Path) -> None:
    """`summaries`: the <name>_summary.csv tables of the main table's sources (symbiosis.report.tables)."""
    from symbiosis.report import formats

    frames = {Path(p).stem.removesuffix("_summary"): tables.architecture_rows(pd.read_csv(p)) for p in summaries}
    table = tables.main_table(frames, read_json(findings)["feature_recovery"]["baseline"])
    write_csv(csv, table)
    text = formats.format_main_table(table)
    write_with(tex, lambda tmp: tmp.write_text(formats.to_latex(text)))
    write_with(md, lambda tmp: tmp.write_text(formats.to_markdown(text)))


def primaries_sweep_table_step(sidecars: list[Path], units: list[Path], by: str, out: Path, summary: Path) -> None:
    """A sweep's primaries (`by`: fc1 for the width sweep, steps for the accuracy control), and per-value summaries."""
    from symbiosis.report.widths import sweep_summary, sweep_table

    table = sweep_table(sidecars, units, by)
    write_csv(out, table)
    write_csv(summary, sweep_summary(table, by))


def replication_step(findings: list[Path], primaries: list[Path], csv: Path, md: Path, pooled: Path) -> None:
    """`findings` and `primaries`: results/<dataset>/findings.json and primaries.csv of every task; the dataset is the
    name of its folder. Writes each finding per task (csv, md) and the trends pooled over the tasks (pooled)."""
    from symbiosis.report.replication import pooled_trends, replication_table, to_markdown

    table = replication_table({Path(p).parent.name: read_json(p) for p in findings})
    write_csv(csv, table)
    write_csv(pooled, pooled_trends({Path(p).parent.name: pd.read_csv(p) for p in primaries}))
    write_with(md, lambda tmp: tmp.write_text(to_markdown(table)))


def provenance_step(config_json: str, sidecars: list[Path], benchmarks: list[Path], out: Path) -> None:
    from symbiosis.report.provenance import run_record

    write_json(out, run_record(config_json, sidecars, benchmarks))


def paper_step(
    templates: Path,
    config_json: str,
    results: Path,
    figures: Path,
    provenance: Path,
    table_md: Path,
    table_tex: Path,
    md: Path,
    tex: Path,
    typ: Path,
    bibliography: Path,
    tasks: list[Path] = (),
) -> None:
    """`tasks`: with several tasks, results/replication.csv and results/cross_task.csv (section "Two tasks")."""
    from symbiosis.report.paper import context, render

    ctx = context(
        results,
        figures,
        md.parent,
        json.loads(config_json),
        {"md": table_md.read_text(), "tex": table_tex.read_text()},
        read_json(provenance),
        bibliography,
        tasks,
    )
    for fmt, out in (("md", md), ("tex", tex), ("typ", typ)):
        render(templates, fmt, ctx, out)
