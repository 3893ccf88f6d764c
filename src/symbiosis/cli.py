"""The `symbiosis` command line: one subcommand per workflow step, each calling one library function.

Every expected failure is a SymbiosisError, printed as one line (`symbiosis: error: ...`) with exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _widths(text: str):
    from symbiosis.models import PrimaryArch

    try:
        conv1, conv2, fc1 = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--widths {text!r}: give three integers CONV1,CONV2,FC1") from None
    return PrimaryArch(conv1=conv1, conv2=conv2, fc1=fc1)


def _sparsity(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"sparsity {text} is outside [0, 1); give a fraction such as 0.9")
    return value


def _write_csv(out: Path, table) -> None:
    from symbiosis.files import write_with

    write_with(out, lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))


def _model_info(meta: dict) -> dict:
    return {
        "dataset": meta.get("dataset"),
        "target_sparsity": meta["training"]["sparsity"],
        "seed": meta["training"]["seed"],
    }


def cmd_prepare_data(args) -> None:
    from symbiosis.data import load_dataset, save_split
    from symbiosis.provenance import provenance

    split = load_dataset(
        args.dataset, root=args.root, download=args.download, seed=args.split_seed, test_size=args.test_size
    )
    info = {
        "dataset": args.dataset,
        "split_seed": args.split_seed,
        "train": len(split.y_train),
        "test": len(split.y_test),
        **provenance(),
    }
    save_split(split, args.out, info)


def cmd_train_primary(args) -> None:
    from symbiosis.checkpoint import save_primary
    from symbiosis.choices import N_CLASSES
    from symbiosis.data import load_split
    from symbiosis.device import resolve_device, set_threads
    from symbiosis.models import count_parameters
    from symbiosis.polysemanticity import unit_table
    from symbiosis.provenance import provenance
    from symbiosis.train import PrimaryTraining, accuracy_report, train_primary

    device = resolve_device(args.device)
    set_threads(args.threads)
    split = load_split(args.data)
    given = {k: getattr(args, k) for k in PrimaryTraining.__dataclass_fields__ if getattr(args, k, None) is not None}
    cfg = PrimaryTraining(**given)
    model, history = train_primary(split, args.widths, cfg, device, progress=args.progress)
    metrics = accuracy_report(model, split.x_test, split.y_test, N_CLASSES)
    save_primary(
        args.out,
        model,
        {
            "dataset": args.dataset,
            "training": cfg.as_dict(),
            "metrics": metrics,
            "history": history,
            "parameters": count_parameters(model),
            "device": device.type,
            "threads": args.threads,
            **provenance(),
        },
    )
    if args.units is not None:
        _write_csv(args.units, unit_table(model, split.x_test, split.y_test, N_CLASSES))


def cmd_primaries_table(args) -> None:
    from symbiosis.tables import primaries_summary, primaries_table

    table = primaries_table(args.sidecars, args.units)
    _write_csv(args.out, table)
    _write_csv(args.summary, primaries_summary(table))


def cmd_train_symbiotes(args) -> None:
    from symbiosis.checkpoint import load_primary, save_symbiotes
    from symbiosis.data import load_split
    from symbiosis.device import resolve_device, set_threads
    from symbiosis.errors import SymbiosisError
    from symbiosis.evaluate import evaluate_symbiotes
    from symbiosis.models import count_parameters
    from symbiosis.provenance import provenance
    from symbiosis.symbiote import SymbioteArch, SymbioteTraining, clean_pass, train_symbiotes

    if len(args.kinds) != len(args.out):
        raise SymbiosisError(f"{len(args.kinds)} --kinds but {len(args.out)} --out paths; give one path per kind")
    evaluation = {"summary": args.summary, "inhibition": args.inhibition, "gates": args.gates}
    if any(evaluation.values()) and not all(evaluation.values()):
        raise SymbiosisError("give all of --summary, --inhibition and --gates to evaluate the symbiotes, or none")
    device = resolve_device(args.device)
    set_threads(args.threads)
    primary, meta = load_primary(args.model, device=device)
    bad = [c for c in args.classes if not 0 <= c < primary.arch.n_classes]
    if bad:
        raise SymbiosisError(f"class {bad[0]} is outside the dataset's classes 0-{primary.arch.n_classes - 1}")
    split = load_split(args.data)
    given = {k: getattr(args, k) for k in SymbioteTraining.__dataclass_fields__ if getattr(args, k, None) is not None}
    cfg = SymbioteTraining(**given)
    shape = {k: getattr(args, k) for k in ("hidden", "g_max") if getattr(args, k) is not None}
    clean = clean_pass(primary, split.x_train)  # shared by every kind
    trained = []
    for kind, out in zip(args.kinds, args.out, strict=True):
        arch = SymbioteArch(kind=kind, classes=tuple(args.classes), **shape)
        sym, history = train_symbiotes(primary, split.x_train, split.y_train, arch, cfg, args.progress, clean)
        trained.append(sym)
        save_symbiotes(
            out,
            sym,
            {
                "dataset": meta.get("dataset"),
                "primary": {
                    "path": str(args.model),
                    "sparsity": meta["training"]["sparsity"],
                    "seed": meta["training"]["seed"],
                    "parameters": count_parameters(primary),
                },
                "training": cfg.as_dict(),
                "history": history,
                "parameters_per_class": sym.parameters_per_class(),
                "device": device.type,
                "threads": args.threads,
                **provenance(),
            },
        )
    if any(evaluation.values()):
        criterion = (args.max_target_accuracy, args.max_other_drop)
        tables = evaluate_symbiotes(primary, trained, split.x_test, split.y_test, _model_info(meta), *criterion)
        for table, out in zip(tables, evaluation.values(), strict=True):
            _write_csv(out, table)


def cmd_symbiotes_table(args) -> None:
    from symbiosis.tables import symbiote_curves, symbiotes_summary, symbiotes_table

    table, inhibition = symbiotes_table(args.summaries, args.inhibitions)
    outputs = {
        args.out: table,
        args.summary: symbiotes_summary(table),
        args.inhibition: inhibition,
        args.curves: symbiote_curves(args.sidecars),
    }
    for out, frame in outputs.items():
        _write_csv(out, frame)


def cmd_analyse_sparsity(args) -> None:
    from symbiosis.analysis import AnalysisSettings, analyse_sparsity
    from symbiosis.checkpoint import load_primary, load_symbiotes
    from symbiosis.choices import ANALYSIS_FILES, N_CLASSES
    from symbiosis.data import load_split
    from symbiosis.device import resolve_device, set_threads
    from symbiosis.errors import SymbiosisError

    n, k = len(args.models), len(args.kinds)
    if len(args.symbiotes) != n * k or len(args.out_dirs) != n:
        raise SymbiosisError(
            f"{n} --models need {n * k} --symbiotes (one per model and kind, model by model) and {n} --out-dirs; "
            f"got {len(args.symbiotes)} and {len(args.out_dirs)}"
        )
    if "symbiote" not in args.kinds:
        raise SymbiosisError("universality compares activation-reading symbiotes: include 'symbiote' in --kinds")
    device = resolve_device(args.device)
    set_threads(args.threads)
    models, infos = [], []
    for i, path in enumerate(args.models):
        primary, meta = load_primary(path, device=device)
        symbiotes = [load_symbiotes(p, primary.arch, device=device)[0] for p in args.symbiotes[i * k : (i + 1) * k]]
        models.append((meta["training"]["seed"], primary, symbiotes))
        infos.append(_model_info(meta))
    split = load_split(args.data)
    settings = AnalysisSettings(args.top_fraction, args.circuit_fraction, args.seed)
    per_model, universality = analyse_sparsity(
        models, split.x_test, split.y_test, N_CLASSES, settings, args.null_permutations, infos
    )
    for tables, out_dir in zip(per_model, args.out_dirs, strict=True):
        for name in ANALYSIS_FILES:
            _write_csv(out_dir / f"{name}.csv", tables[name])
    _write_csv(args.universality, universality)


def cmd_validate_ground_truth(args) -> None:
    from symbiosis.analysis import AnalysisSettings
    from symbiosis.data import load_split
    from symbiosis.device import resolve_device, set_threads
    from symbiosis.ground_truth import Plant, validate
    from symbiosis.symbiote import SymbioteArch, SymbioteTraining
    from symbiosis.train import PrimaryTraining

    device = resolve_device(args.device)
    set_threads(args.threads)
    split = load_split(args.data)
    plant = Plant(args.units_per_class, tuple(tuple(p) for p in args.pairs))
    given = {k: getattr(args, k) for k in SymbioteTraining.__dataclass_fields__ if getattr(args, k, None) is not None}
    checks, auc = validate(
        split,
        args.widths,
        PrimaryTraining(epochs=args.primary_epochs, seed=args.seed),
        SymbioteArch(classes=tuple(range(args.widths.n_classes))),
        SymbioteTraining(**given),
        AnalysisSettings(circuit_fraction=args.circuit_fraction, seed=args.seed),
        plant,
        args.null_permutations,
        device,
    )
    _write_csv(args.auc, auc)
    _write_csv(args.checks, checks)


def cmd_analysis_tables(args) -> None:
    from symbiosis import tables

    outputs = tables.analysis_tables(args.features, args.circuits, args.overlaps, args.universality)
    for name, frame in outputs.items():
        _write_csv(getattr(args, f"{name}_out"), frame)


def cmd_plot(args) -> None:
    """Every plot-* command: read its CSV inputs with pandas and call the plotting function of the same name."""
    import pandas as pd

    from symbiosis import plots

    tables = [pd.read_csv(getattr(args, name)) for name in args.inputs_names]
    getattr(plots, args.command.replace("-", "_"))(*tables, args.pdf, args.png)


def cmd_stats(args) -> None:
    import pandas as pd

    from symbiosis.choices import STATS_INPUTS
    from symbiosis.files import write_json
    from symbiosis.findings import findings

    tables = {name: pd.read_csv(getattr(args, name)) for name in STATS_INPUTS}
    write_json(args.out, findings(**tables))


def cmd_main_table(args) -> None:
    import pandas as pd

    from symbiosis import tables
    from symbiosis.files import read_json, write_with

    summaries = {
        name: pd.read_csv(getattr(args, name))
        for name in ("primaries", "symbiotes", "features", "circuits", "universality")
    }
    table = tables.main_table(summaries, read_json(args.findings)["feature_recovery"]["baseline"])
    _write_csv(args.csv, table)
    text = tables.format_main_table(table)
    write_with(args.tex, lambda tmp: tmp.write_text(tables.to_latex(text)))
    write_with(args.md, lambda tmp: tmp.write_text(tables.to_markdown(text)))


def cmd_provenance(args) -> None:
    from symbiosis.files import write_json
    from symbiosis.provenance import run_record

    write_json(args.out, run_record(args.config_json, args.results, args.benchmarks))


def cmd_paper(args) -> None:
    import json

    from symbiosis.files import read_json
    from symbiosis.paper import context, render

    ctx = context(
        args.results,
        args.figures,
        args.md.parent,
        json.loads(args.config_json),
        {"md": args.table_md.read_text(), "tex": args.table_tex.read_text()},
        read_json(args.provenance),
    )
    render(args.templates, "md", ctx, args.md)
    render(args.templates, "tex", ctx, args.tex)


def _pair(text: str) -> tuple[int, int]:
    try:
        a, b = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"pair {text!r}: give two classes as A,B, e.g. 3,5") from None
    return a, b


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error (`symbiosis: error: ...`), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"symbiosis: error: {self.prog}: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    from symbiosis.choices import (
        ANALYSIS_FILES,
        ANALYSIS_TABLES,
        DATASETS,
        DEVICES,
        N_CLASSES,
        STATS_INPUTS,
        SYMBIOTE_KINDS,
    )

    parser = _Parser(prog="symbiosis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("prepare-data", help="load a dataset once and save its fixed train/test split")
    p.add_argument("--dataset", choices=DATASETS, default="mnist5k")
    p.add_argument("--root", default=None, help="folder with the IDX files (mnist, fashion-mnist)")
    p.add_argument("--download", action="store_true", help="let torchvision download the data")
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--test-size", type=int, default=1000, help="mnist5k test images")
    p.add_argument("--out", type=Path, required=True, help="the split, as .safetensors")
    p.set_defaults(func=cmd_prepare_data)

    p = sub.add_parser("train-primary", help="train one primary CNN with progressive pruning")
    p.add_argument("--data", type=Path, required=True, help="a split written by prepare-data")
    p.add_argument("--dataset", default="mnist5k", help="name recorded in the sidecar")
    p.add_argument("--sparsity", type=_sparsity, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--widths", type=_widths, default="16,32,192", help="CONV1,CONV2,FC1")
    p.add_argument("--epochs", type=int, help="default: PrimaryTraining's")
    p.add_argument("--batch-size", type=int, help="default: PrimaryTraining's")
    p.add_argument("--lr", type=float, help="default: PrimaryTraining's")
    p.add_argument("--augment-shift", type=int, help="default: PrimaryTraining's")
    p.add_argument("--prune-start", type=float, help="default: PrimaryTraining's")
    p.add_argument("--prune-end", type=float, help="default: PrimaryTraining's")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.add_argument("--out", type=Path, required=True, help="checkpoint .safetensors (sidecar .json beside it)")
    p.add_argument("--units", type=Path, help="also write per-unit polysemanticity on the test split (CSV)")
    p.set_defaults(func=cmd_train_primary)

    p = sub.add_parser("primaries-table", help="one row per primary: accuracy, sparsity, polysemanticity")
    p.add_argument("--sidecars", nargs="+", required=True, help="primary .json sidecars")
    p.add_argument("--units", nargs="+", required=True, help="polysemanticity CSVs, in the same order")
    p.add_argument("--out", type=Path, required=True, help="CSV, one row per primary")
    p.add_argument("--summary", type=Path, required=True, help="CSV, one row per sparsity: mean and 95 %% interval")
    p.set_defaults(func=cmd_primaries_table)

    p = sub.add_parser("train-symbiotes", help="train the symbiotes of one primary, all classes at once, per kind")
    p.add_argument("--data", type=Path, required=True, help="a split written by prepare-data")
    p.add_argument("--model", type=Path, required=True, help="a primary written by train-primary")
    p.add_argument("--kinds", nargs="+", choices=SYMBIOTE_KINDS, default=["symbiote"])
    p.add_argument("--classes", nargs="+", type=int, default=list(range(N_CLASSES)), help="target classes")
    p.add_argument("--hidden", type=int, help="hidden units of the activation-reading symbiote (SymbioteArch's)")
    p.add_argument("--g-max", type=float, help="gates lie in (0, G_MAX); default: SymbioteArch's")
    p.add_argument("--seed", type=int, help="default: SymbioteTraining's")
    p.add_argument("--epochs", type=int, help="default: SymbioteTraining's")
    p.add_argument("--batch-size", type=int, help="default: SymbioteTraining's")
    p.add_argument("--lr", type=float, help="default: SymbioteTraining's")
    p.add_argument("--alpha", type=float, help="weight of -log(1 - p_target); default: SymbioteTraining's")
    p.add_argument("--lam", type=float, help="weight of mean |g - 1|; default: SymbioteTraining's")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.add_argument("--out", type=Path, nargs="+", required=True, help="one .safetensors per kind, in --kinds order")
    p.add_argument("--max-target-accuracy", type=float, default=0.02, help="criterion: target accuracy at most")
    p.add_argument("--max-other-drop", type=float, default=0.01, help="criterion: other-class accuracy drop at most")
    p.add_argument("--summary", type=Path, help="evaluate on the test split: CSV, one row per kind x target class")
    p.add_argument("--inhibition", type=Path, help="evaluate: CSV, accuracy on class j under symbiote k")
    p.add_argument("--gates", type=Path, help="evaluate: CSV, histogram of gates on the target class")
    p.set_defaults(func=cmd_train_symbiotes)

    p = sub.add_parser("symbiotes-table", help="all models' symbiote results in one table, and per-sparsity summaries")
    p.add_argument("--summaries", nargs="+", required=True, help="summary CSVs of train-symbiotes")
    p.add_argument("--inhibitions", nargs="+", required=True, help="inhibition CSVs of train-symbiotes")
    p.add_argument("--sidecars", nargs="+", required=True, help="symbiote .json sidecars (training curves)")
    p.add_argument("--out", type=Path, required=True, help="CSV, one row per model x class x kind")
    p.add_argument("--summary", type=Path, required=True, help="CSV, per sparsity x kind: mean and 95 %% interval")
    p.add_argument("--inhibition", type=Path, required=True, help="CSV, inhibition matrices averaged over seeds")
    p.add_argument("--curves", type=Path, required=True, help="CSV, training curves per kind, model and class")
    p.set_defaults(func=cmd_symbiotes_table)

    p = sub.add_parser(
        "analyse-sparsity", help="per-model features and circuits, and universality across the models of one level"
    )
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--models", type=Path, nargs="+", required=True, help="the primaries of one sparsity level")
    p.add_argument("--kinds", nargs="+", choices=SYMBIOTE_KINDS, required=True, help="symbiote kinds, in order")
    p.add_argument("--symbiotes", type=Path, nargs="+", required=True, help="per model, one file per kind in order")
    p.add_argument("--top-fraction", type=float, default=0.1, help="G_k: top share of units by exact importance")
    p.add_argument("--circuit-fraction", type=float, default=0.1, help="C_k: top share of units by strength")
    p.add_argument("--null-permutations", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0, help="seed of the random baseline, the nulls and the random network")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument(
        "--out-dirs", type=Path, nargs="+", required=True, help=f"per model: {', '.join(ANALYSIS_FILES)} (.csv)"
    )
    p.add_argument("--universality", type=Path, required=True, help="CSV, one row per pair of models")
    p.set_defaults(func=cmd_analyse_sparsity)

    p = sub.add_parser("validate-ground-truth", help="score the metrics on cases with a known answer")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--widths", type=_widths, default="16,32,192", help="CONV1,CONV2,FC1")
    p.add_argument("--primary-epochs", type=int, default=8, help="training epochs of the planted primary")
    p.add_argument("--units-per-class", type=int, default=2)
    p.add_argument("--pairs", type=_pair, nargs="*", default=[(3, 5), (4, 9)], help="classes sharing a unit: A,B")
    for name in ("epochs", "batch_size", "lr", "alpha", "lam"):
        p.add_argument(
            f"--{name.replace('_', '-')}",
            type=float if name in ("lr", "alpha", "lam") else int,
            help="symbiote training; default: SymbioteTraining's",
        )
    p.add_argument("--circuit-fraction", type=float, default=0.1)
    p.add_argument("--null-permutations", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--checks", type=Path, required=True, help="CSV, one row per check: value, bound, passed")
    p.add_argument("--auc", type=Path, required=True, help="CSV, planted-feature AUC per symbiote and class")
    p.set_defaults(func=cmd_validate_ground_truth)

    for name, inputs, text in (
        ("plot-primaries", ["table"], "figure: accuracy and polysemanticity vs sparsity"),
        ("plot-inhibition", ["table"], "figure: accuracy on class j under symbiote k, per sparsity and kind"),
        ("plot-symbiote-training", ["curves"], "figure: target and other-class accuracy over training steps"),
        ("plot-features", ["features"], "figure: feature recovery vs sparsity, symbiotes and baselines"),
        ("plot-circuits", ["circuits-summary", "overlap"], "figure: circuit faithfulness and cross-class overlap"),
        ("plot-universality", ["universality-summary"], "figure: universality vs sparsity with its nulls"),
        ("plot-ground-truth", ["checks", "auc"], "figure: the known-answer checks"),
    ):
        p = sub.add_parser(name, help=text)
        for item in inputs:
            p.add_argument(f"--{item}", type=Path, required=True, help="CSV")
        p.add_argument("--pdf", type=Path, required=True)
        p.add_argument("--png", type=Path, required=True)
        p.set_defaults(func=cmd_plot, inputs_names=[i.replace("-", "_") for i in inputs])

    p = sub.add_parser("stats", help="the test behind every finding the paper states, as JSON")
    for name in STATS_INPUTS:
        p.add_argument(f"--{name.replace('_', '-')}", type=Path, required=True, help="CSV")
    p.add_argument("--out", type=Path, required=True, help="findings JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("main-table", help="the paper's main table: CSV, LaTeX (booktabs) and Markdown")
    for name in ("primaries", "symbiotes", "features", "circuits", "universality"):
        p.add_argument(f"--{name}", type=Path, required=True, help=f"{name}_summary.csv")
    p.add_argument("--findings", type=Path, required=True, help="findings JSON (names the best baseline)")
    for ext in ("csv", "tex", "md"):
        p.add_argument(f"--{ext}", type=Path, required=True)
    p.set_defaults(func=cmd_main_table)

    p = sub.add_parser("provenance", help="record what produced a run: config hash, commit, versions, host, time")
    p.add_argument("--config-json", required=True, help="the experiment's effective config, as JSON")
    p.add_argument("--results", type=Path, required=True, help="results/<dataset> (the models' sidecars)")
    p.add_argument("--benchmarks", type=Path, required=True, help="benchmarks/<dataset> (job times)")
    p.add_argument("--out", type=Path, required=True, help="JSON, e.g. results/<dataset>/provenance.json")
    p.set_defaults(func=cmd_provenance)

    p = sub.add_parser("paper", help="render the paper draft (Markdown and LaTeX) from the results")
    p.add_argument("--templates", type=Path, required=True, help="folder with paper.j2, markdown.j2, latex.j2")
    p.add_argument("--config-json", required=True, help="the experiment's effective config, as JSON")
    p.add_argument("--results", type=Path, required=True, help="results/<dataset>")
    p.add_argument("--figures", type=Path, required=True, help="figures/<dataset>")
    p.add_argument("--provenance", type=Path, required=True, help="the run's record, written by `provenance`")
    p.add_argument("--table-md", type=Path, required=True)
    p.add_argument("--table-tex", type=Path, required=True)
    p.add_argument("--md", type=Path, required=True)
    p.add_argument("--tex", type=Path, required=True)
    p.set_defaults(func=cmd_paper)

    p = sub.add_parser("analysis-tables", help="all models' metric tables, and per-sparsity summaries")
    p.add_argument("--features", nargs="+", required=True)
    p.add_argument("--circuits", nargs="+", required=True)
    p.add_argument("--overlaps", nargs="+", required=True)
    p.add_argument("--universality", nargs="*", default=[], help="universality CSVs, one per sparsity (none: 1 seed)")
    for name in ANALYSIS_TABLES:
        p.add_argument(f"--{name.replace('_', '-')}-out", dest=f"{name}_out", type=Path, required=True)
    p.set_defaults(func=cmd_analysis_tables)
    return parser


def main(argv: list[str] | None = None) -> int:
    from symbiosis.allocator import keep_freed_memory
    from symbiosis.errors import SymbiosisError

    args = build_parser().parse_args(argv)
    keep_freed_memory()
    try:
        args.func(args)
    except SymbiosisError as e:
        print(f"symbiosis: error: {e}", file=sys.stderr)
        return 1
    return 0
