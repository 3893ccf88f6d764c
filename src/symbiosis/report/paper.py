"""The paper draft: jinja2 templates in paper/templates rendered from the results files only.

Undefined variables are errors (StrictUndefined), numbers reach the text through filters that format them, and every
sentence that states a finding takes its wording from `findings.json` (symbiosis.findings). One body template serves
every format; `markdown.j2`, `latex.j2` and `typst.j2` supply the format's macros (sections, figures, tables,
citations). Citations resolve against paper/references.bib and every included figure must be referred to in the text
(symbiosis.report.typeset); Typst's PDF needs no TeX.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import jinja2
import pandas as pd

from symbiosis.errors import SymbiosisError
from symbiosis.files import read_json, write_with
from symbiosis.report.findings import ALPHA
from symbiosis.report.replication import cross_task_tests
from symbiosis.report.significance import EXACT_LIMIT, SIGN_FLIP_DRAWS
from symbiosis.report.stats import t_factor
from symbiosis.report.tables import architecture_rows
from symbiosis.report.typeset import Bibliography, Figures, typst_math_spans, typst_table, typst_text

FORMATS = {"md": "markdown.j2", "tex": "latex.j2", "typ": "typst.j2"}
CONFIDENCE = 0.95  # of every interval in the tables (t-interval over seeds, symbiosis.report.stats)
# The datasets as a reader knows them; a subset is named with its size, read from the data split (data.json).
DATASET_TITLES = {"mnist5k": "MNIST ({n:,}-image subset)", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def _number(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _p_value(p) -> str:
    """p-values as they are usually written: three decimals, or '< 0.001'."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "= n/a"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def environment(template_dir: str | Path, fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    percent = {"tex": "\\,\\%", "typ": "\u202f%"}.get(fmt, " %")
    env.filters["num"] = _number
    env.filters["pct"] = lambda v, digits=1: "n/a" if v is None or math.isnan(v) else f"{100 * v:.{digits}f}{percent}"
    env.filters["pval"] = _p_value
    env.filters["pts"] = lambda v: "n/a" if v is None or math.isnan(v) else f"{100 * v:.1f} percentage points"
    env.filters["g"] = lambda v: f"{v:g}"
    env.filters["floor"] = _at_floor_note
    env.filters["text"] = {"tex": _latex_text, "typ": typst_text}.get(fmt, lambda v: v)
    return env


_LATEX = {"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "|": r"$|$"}


def _at_floor_note(record: dict) -> str:
    """For a test whose p is the smallest its n allows yet not significant after correction, the reason it is
    inconclusive rather than negative (to follow its p inside parentheses); otherwise nothing."""
    if not record.get("at_floor"):
        return ""
    return (
        f"; inconclusive: all {record['n']} units agree in sign, the most extreme outcome the test allows,"
        f" which Holm's correction over {record['family_size']} tests lifts above {ALPHA:g}"
    )


def _latex_text(text: str) -> str:
    """Plain text from the results (check names, labels) made safe for LaTeX."""
    return "".join(_LATEX.get(char, char) for char in text)


def _rows(path: Path, architecture: str = "cnn") -> list[dict]:
    """A results table's rows as dicts: of one architecture where the table has several."""
    return architecture_rows(pd.read_csv(path), architecture).to_dict("records")


NON_CLAIMS = ("not significant", "no significant")  # the wordings of a test that chose no claim


def replication_status(row: dict) -> str:
    """A row of results/replication.csv in words: the same claim on every task, no claim on any (not significant
    everywhere, which replicates only an absence), or a finding that does not replicate."""
    if not row["replicates"]:
        return "does not replicate"
    wording = next(v for k, v in row.items() if k.startswith("wording_"))
    return "no claim on any task" if any(phrase in str(wording) for phrase in NON_CLAIMS) else "the same claim"


def replication_counts(rows: list[dict]) -> dict[str, int]:
    """Of the findings that replicate (results/replication.csv), how many make the same claim on every task and how
    many share only the absence of one (not significant everywhere)."""
    statuses = [replication_status(row) for row in rows]
    return {"claims": statuses.count("the same claim"), "non_claims": statuses.count("no claim on any task")}


def training_budget(section: dict, n_train: int) -> str:
    """How long one model trains, in words: `epochs` epochs, or its step budget and the passes over the data it
    makes (config `steps`: a fixed budget, so that a large split trains as long as a small one)."""
    if section.get("steps") is None:
        return f"{section['epochs']} epochs"
    passes = section["steps"] * section["batch_size"] / n_train
    return (
        f"{section['steps']} optimiser steps at batch {section['batch_size']} ({passes:.2g} passes over the "
        f"{n_train:,} training images; a fixed budget whatever the size of the training split)"
    )


def _cross_task_tests(rows: list[dict]) -> list[dict]:
    """The cross-task tests per layer and score (symbiosis.report.replication.cross_task_tests); none for one task."""
    return cross_task_tests(pd.DataFrame(rows)).to_dict("records") if rows else []


def context(
    results: Path,
    figures: Path,
    out_dir: Path,
    config: dict,
    main_table: dict[str, str],
    provenance: dict,
    bibliography: Path,
    tasks: list[Path] = (),
) -> dict:
    """Everything the templates may use, read from the results files of one dataset; `provenance` is the run's
    record (symbiosis.report.provenance.run_record), `bibliography` the BibTeX file the text cites."""
    figure_files = {
        p.stem: Path(os.path.relpath(p.resolve(), out_dir.resolve())) for p in sorted(figures.glob("*.pdf"))
    }
    data = read_json(results / "data.json")
    task_rows = {Path(p).stem: _rows(Path(p)) for p in tasks}
    for row in task_rows.get("replication", []):
        row["status"] = replication_status(row)
    return {
        "config": config,
        "dataset_title": DATASET_TITLES[config["dataset"]].format(n=data["train"] + data["test"]),
        "bibliography": str(bibliography),
        "bibliography_path": os.path.relpath(Path(bibliography).resolve(), out_dir.resolve()),
        "config_hash": provenance["config_hash"],
        "data": data,
        "budget": {name: training_budget(config[name], data["train"]) for name in ("primary", "symbiote")},
        "confidence": CONFIDENCE,
        "t_factor": t_factor(len(config["seeds"]), CONFIDENCE),
        "exact_limit": EXACT_LIMIT,
        "sign_flip_draws": SIGN_FLIP_DRAWS,
        "alpha": ALPHA,
        "primaries": _rows(results / "primaries_summary.csv"),
        "symbiotes": _rows(results / "symbiotes_summary.csv"),
        "features": _rows(results / "features_summary.csv"),
        "circuits": _rows(results / "circuits_summary.csv"),
        "universality": _rows(results / "universality_summary.csv"),
        "ground_truth": _rows(results / "ground_truth.csv"),
        "gate_split": _rows(results / "gate_split_summary.csv"),
        "mechanism_units": _rows(results / "mechanism_units.csv"),
        "pareto": _rows(results / "pareto.csv"),
        "objectives": _rows(results / "objectives.csv"),
        "mlp": {
            name: _rows(results / f"{name}_summary.csv", "mlp") for name in ("features", "circuits", "universality")
        },
        "cross_architecture": _rows(results / "cross_architecture.csv"),
        # the fc1 width sweep (config width_sweep), where the run has one
        "widths": _rows(results / "widths_summary.csv") if config.get("width_sweep", {}).get("fc1") else [],
        "findings": read_json(results / "findings.json"),
        "main_table": {**main_table, "typ": typst_table(main_table["md"])},
        "figures": {name: str(path.with_suffix("")) for name, path in figure_files.items()},
        "provenance": provenance,
        # several tasks: each finding's wording per task, cross-task universality and the trends pooled over tasks
        # (results/replication.csv, cross_task.csv, pooled_trends.csv); empty for one task
        "tasks": task_rows,
        "replication_counts": replication_counts(task_rows.get("replication", [])),
        # the cross-task tests per layer and score, and the tasks the replication table compares
        "cross_task_tests": _cross_task_tests(task_rows.get("cross_task", [])),
        "replication_tasks": [
            c.removeprefix("wording_") for c in (task_rows.get("replication") or [{}])[0] if c.startswith("wording_")
        ],
    }


def render(template_dir: str | Path, fmt: str, ctx: dict, out: str | Path) -> None:
    """Render paper.<fmt> from the shared body with the format's macros; a missing value, a citation missing from
    the bibliography or a figure never referred to is an error naming it."""
    env = environment(template_dir, fmt)
    env.globals["figs"] = figures = Figures()
    if "bibliography" in ctx:
        env.globals["bib"] = Bibliography(ctx["bibliography"])
    try:
        text = env.get_template("paper.j2").render(**ctx, macros=FORMATS[fmt], output_format=fmt)
    except jinja2.UndefinedError as e:
        raise SymbiosisError(f"paper template needs a value that the results do not provide: {e.message}") from None
    except jinja2.TemplateSyntaxError as e:
        raise SymbiosisError(f"paper template {e.name}, line {e.lineno}: {e.message}") from None
    except jinja2.TemplateError as e:
        raise SymbiosisError(f"paper template error: {e}") from None
    text = figures.resolve(text)
    if fmt in ("md", "typ"):  # a wrapped line that starts with "0." or "1." would become a numbered list
        text = re.sub(r"^(\d+)\.(?=\s)", r"\1\\.", text, flags=re.M)
    if fmt == "typ":
        text = typst_math_spans(text)
    write_with(out, lambda tmp: tmp.write_text(text))
