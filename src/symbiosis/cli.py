"""The `symbiosis` command line: one subcommand per workflow step, each parsing paths and calling one library function.

Settings reach a step as JSON (`--settings`, the config sections it reads, as the workflow hands them over): the
schema fills in what is left out and checks the rest. Every expected failure is a SymbiosisError, printed as one line
(`symbiosis: error: ...`) with exit status 1; a usage error is one line too, exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

# name: (step function, help, the config sections it reads as --settings, options). An option is `name` (a path),
# `name?` (an optional path), `name+` / `name*` (one or more / any number of paths), `name:kind` or `name+:int` (one
# or more integers).
STEPS = {
    "prepare-data": ("symbiosis.data.datasets:prepare_data", "load a dataset once and save its fixed split", ("data",),
                     "dataset:dataset out"),
    "train-primary": ("symbiosis.primary.steps:train_primary_step",
                      "train primary CNNs with progressive pruning, one per seed, in one process",
                      ("architecture", "primary", "device"),
                      "data dataset:dataset sparsity:sparsity seeds+:int out+ units* threads:int? progress:flag"),
    "train-symbiotes": ("symbiosis.symbiote.steps:train_symbiotes_step",
                        "train the symbiotes of primaries, all classes at once, one file per kind; evaluate them",
                        ("symbiote", "classes", "device"),
                        "data models+ out+ summary* inhibition* gates* threads:int? progress:flag"),
    "sweep-symbiotes": ("symbiosis.symbiote.steps:sweep_symbiotes_step",
                        "the lambda sweep of one primary's symbiotes, every kind, evaluated on the test split",
                        ("symbiote", "classes", "device"), "data model out objectives threads:int?"),
    "analyse-sparsity": ("symbiosis.metrics.steps:analyse_sparsity_step",
                         "per-model features and circuits, and universality across the models of one level",
                         ("symbiote", "analysis", "device"),
                         "data models+ symbiotes+ out_dirs+ universality threads:int?"),
    "train-mlp": ("symbiosis.hooks.steps:train_mlp_step",
                  "the MLP primaries of one level, their symbiotes (through hooks) and claims 1-3",
                  ("mlp", "primary", "symbiote", "classes", "seeds", "analysis", "device"),
                  "data dataset:dataset sparsity:sparsity out_dirs+ universality threads:int?"),
    "cross-architecture": ("symbiosis.hooks.steps:cross_architecture_step",
                           "match the MLP's last hidden layer to the CNN's fc1, and their circuits, per model",
                           ("analysis", "device"),
                           "data cnn_models* cnn_symbiotes* mlp_models* mlp_symbiotes* out threads:int?"),
    "validate-ground-truth": ("symbiosis.metrics.steps:validate_ground_truth_step",
                              "score the metrics on cases with a known answer",
                              ("architecture", "symbiote", "analysis", "ground_truth", "device"),
                              "data checks auc threads:int?"),
    "ceiling": ("symbiosis.metrics.steps:ceiling_step",
                "the identifiability ceiling: symbiotes retrained with their own seeds on the same primaries",
                ("symbiote", "analysis", "ceiling", "classes", "device"), "data models+ out threads:int?"),
    "mechanism": ("symbiosis.metrics.steps:mechanism_step",
                  "the units symbiotes gate most, and the inhibition/stimulation split of their effect",
                  ("mechanism", "analysis", "device"), "data models+ symbiotes+ units split summary threads:int?"),
    "primaries-table": ("symbiosis.report.steps:primaries_table_step", "one row per primary, and summaries", (),
                        "sidecars+ units+ out summary"),
    "symbiotes-table": ("symbiosis.report.steps:symbiotes_table_step", "all symbiote results, summaries, curves", (),
                        "summaries+ inhibitions+ sidecars+ out summary inhibition curves"),
    "sweep-table": ("symbiosis.report.steps:sweep_table_step", "the lambda sweep's rows and Pareto fronts", (),
                    "sweeps+ objectives+ out pareto objectives_summary"),
    "cross-architecture-table": ("symbiosis.report.steps:cross_architecture_table_step",
                                 "every level's cross-architecture rows in one table", (), "levels* out"),
    "analysis-tables": ("symbiosis.report.steps:analysis_tables_step", "all models' metric tables, and summaries", (),
                        "features+ circuits+ overlaps+ curves+ curve_areas+ universality* symbiotes* out_dir"),
    "stats": ("symbiosis.report.steps:stats_step", "the test behind every finding the paper states", ("analysis",),
              "tables+ out"),
    "main-table": ("symbiosis.report.steps:main_table_step", "the paper's main table: CSV, LaTeX and Markdown", (),
                   "summaries+ findings csv tex md"),
    "cross-task": ("symbiosis.metrics.cross_task:cross_task_step",
                   "CKA and matched units between primaries of two tasks, against random networks",
                   ("analysis", "cross_task"),
                   "data+ models_a+ models_b+ out threads:int?"),
    "primaries-sweep-table": ("symbiosis.report.steps:primaries_sweep_table_step",
                              "a sweep's primaries (fc1 widths, or the accuracy control's steps), and summaries", (),
                              "sidecars+ units+ by:text out summary"),
    "replication": ("symbiosis.report.steps:replication_step", "each finding's wording on every task", (),
                    "findings+ primaries+ csv md pooled"),
    "provenance": ("symbiosis.report.steps:provenance_step", "record what produced a run", (),
                   "config_json:text sidecars+ benchmarks+ out"),
    "paper": ("symbiosis.report.steps:paper_step", "render the paper draft (Markdown, LaTeX and Typst)", (),
              "templates bibliography config_json:text results figures provenance table_md table_tex md tex typ "
              "tasks*"),
    "typeset": ("symbiosis.report.typeset:compile_pdf", "typeset the paper's Typst source to PDF (no TeX needed)", (),
                "typ pdf root"),
}  # fmt: skip
# One script per figure, symbiosis.report.figures.<name>: `plot-<name>` reads its tables and calls its `plot`.
FIGURES = {
    "primaries": "table",
    "inhibition": "table",
    "symbiote-training": "curves",
    "features": "features",
    "circuits": "circuits_summary overlap",
    "curves": "curves_summary",
    "universality": "universality_summary",
    "ground-truth": "checks auc",
    "mechanism": "units split data:path",
    "gate-split": "split summary",
    "pareto": "pareto",
}
for _name, _inputs in FIGURES.items():
    _tables = " ".join(name if ":" in name else f"{name}:table" for name in _inputs.split())
    STEPS[f"plot-{_name}"] = (f"symbiosis.report.figures.{_name.replace('-', '_')}:plot", f"figure: {_name}", (),
                              f"{_tables} pdf png")  # fmt: skip


def _options(spec: str) -> dict[str, str]:
    """{option: kind} from a spec such as "data out+ seed:int"."""
    out = {}
    for item in spec.split():
        name, _, kind = item.partition(":")
        suffix = name[-1] if name[-1] in "?+*" else ""
        if kind:
            out[name.rstrip("?+*")] = kind + ("s" if suffix == "+" else "")  # seeds+:int -> ints
        else:
            out[name.rstrip("?+*")] = {"": "path", "?": "path?", "+": "paths", "*": "paths*"}[suffix]
    return out


def _sparsity(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"sparsity {text} is outside [0, 1); give a fraction such as 0.9")
    return value


def _option(kind: str) -> dict:
    from symbiosis.choices import DATASETS

    base = kind.rstrip("?*")
    types = {"path": Path, "paths": Path, "table": Path, "int": int, "ints": int, "sparsity": _sparsity, "text": str}
    out = {"type": types.get(base, str), "required": not kind.endswith(("?", "*"))}
    if base in ("paths", "ints"):
        out |= {"nargs": "*" if kind.endswith("*") else "+"} | ({"default": []} if kind.endswith("*") else {})
    if base == "dataset":
        out["choices"] = DATASETS
    return out


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error (`symbiosis: error: ...`), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"symbiosis: error: {self.prog}: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symbiosis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, text, sections, spec) in STEPS.items():
        p = sub.add_parser(name, help=text, description=text)
        for option, kind in _options(spec).items():
            flag = f"--{option.replace('_', '-')}"
            p.add_argument(flag, action="store_true") if kind == "flag" else p.add_argument(flag, **_option(kind))
        if sections:
            p.add_argument("--settings", default="{}", help=f"JSON: the config's {', '.join(sections)}")
    return parser


def run(args: argparse.Namespace) -> None:
    """Call the step's function with the parsed options (and its checked config sections as `config`)."""
    target, _, sections, spec = STEPS[args.command]
    given = {option: getattr(args, option) for option in _options(spec)}
    for option, kind in _options(spec).items():
        if kind == "table":
            import pandas as pd

            given[option] = pd.read_csv(given[option])
    if sections:
        import json

        from symbiosis.config import job_config
        from symbiosis.errors import SymbiosisError

        try:
            given["config"] = job_config(json.loads(args.settings), sections)
        except json.JSONDecodeError as e:
            raise SymbiosisError(f"--settings is not valid JSON ({e.msg})") from None
    module, _, function = target.partition(":")
    step = getattr(importlib.import_module(module), function)
    from symbiosis.flops import run_counted

    run_counted(args.command, lambda: step(**given))  # counted only where bench/workflow_time.py asks for it


def main(argv: list[str] | None = None) -> int:
    from symbiosis.allocator import keep_freed_memory
    from symbiosis.errors import SymbiosisError

    args = build_parser().parse_args(argv)
    keep_freed_memory()
    try:
        run(args)
    except SymbiosisError as e:
        print(f"symbiosis: error: {e}", file=sys.stderr)
        return 1
    except FileNotFoundError as e:  # an input another step makes (a table, a checkpoint) is missing
        print(f"symbiosis: error: {e.filename} does not exist; run the step that produces it first", file=sys.stderr)
        return 1
    return 0
