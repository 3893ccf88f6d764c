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


def cmd_polysemanticity(args) -> None:
    from symbiosis.checkpoint import load_primary
    from symbiosis.choices import N_CLASSES
    from symbiosis.data import load_split
    from symbiosis.files import write_with
    from symbiosis.polysemanticity import unit_table

    split = load_split(args.data)
    model, _ = load_primary(args.model)
    table = unit_table(model, split.x_test, split.y_test, N_CLASSES)
    write_with(args.out, lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))


def cmd_primaries_table(args) -> None:
    from symbiosis.files import write_with
    from symbiosis.tables import primaries_summary, primaries_table

    table = primaries_table(args.sidecars, args.units)
    write_with(args.out, lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))
    summary = primaries_summary(table)
    write_with(args.summary, lambda tmp: summary.to_csv(tmp, index=False, float_format="%.6g"))


def cmd_plot_primaries(args) -> None:
    import pandas as pd

    from symbiosis.plots import plot_primaries

    plot_primaries(pd.read_csv(args.table), args.pdf, args.png)


def cmd_train_symbiotes(args) -> None:
    from symbiosis.checkpoint import load_primary, save_symbiotes
    from symbiosis.data import load_split
    from symbiosis.device import resolve_device, set_threads
    from symbiosis.errors import SymbiosisError
    from symbiosis.models import count_parameters
    from symbiosis.provenance import provenance
    from symbiosis.symbiote import SymbioteArch, SymbioteTraining, train_symbiotes

    if len(args.kinds) != len(args.out):
        raise SymbiosisError(f"{len(args.kinds)} --kinds but {len(args.out)} --out paths; give one path per kind")
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
    for kind, out in zip(args.kinds, args.out, strict=True):
        arch = SymbioteArch(kind=kind, classes=tuple(args.classes), **shape)
        sym, history = train_symbiotes(primary, split.x_train, split.y_train, arch, cfg, progress=args.progress)
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


def cmd_evaluate_symbiotes(args) -> None:
    from symbiosis.checkpoint import load_primary, load_symbiotes
    from symbiosis.data import load_split
    from symbiosis.evaluate import evaluate_symbiotes
    from symbiosis.files import write_with

    primary, meta = load_primary(args.model)
    symbiotes = [load_symbiotes(path, primary.arch)[0] for path in args.symbiotes]
    split = load_split(args.data)
    info = {
        "dataset": meta.get("dataset"),
        "target_sparsity": meta["training"]["sparsity"],
        "seed": meta["training"]["seed"],
    }
    tables = evaluate_symbiotes(
        primary, symbiotes, split.x_test, split.y_test, info, args.max_target_accuracy, args.max_other_drop
    )
    for table, out in zip(tables, (args.summary, args.inhibition, args.gates), strict=True):
        write_with(out, lambda tmp, table=table: table.to_csv(tmp, index=False, float_format="%.6g"))


def cmd_symbiotes_table(args) -> None:
    from symbiosis.files import write_with
    from symbiosis.tables import symbiote_curves, symbiotes_summary, symbiotes_table

    table, inhibition = symbiotes_table(args.summaries, args.inhibitions)
    outputs = {
        args.out: table,
        args.summary: symbiotes_summary(table),
        args.inhibition: inhibition,
        args.curves: symbiote_curves(args.sidecars),
    }
    for out, frame in outputs.items():
        write_with(out, lambda tmp, frame=frame: frame.to_csv(tmp, index=False, float_format="%.6g"))


def cmd_plot_inhibition(args) -> None:
    import pandas as pd

    from symbiosis.plots import plot_inhibition

    plot_inhibition(pd.read_csv(args.table), args.pdf, args.png)


def cmd_plot_symbiote_training(args) -> None:
    import pandas as pd

    from symbiosis.plots import plot_symbiote_training

    plot_symbiote_training(pd.read_csv(args.curves), args.pdf, args.png)


def build_parser() -> argparse.ArgumentParser:
    from symbiosis.choices import DATASETS, DEVICES, N_CLASSES, SYMBIOTE_KINDS

    parser = argparse.ArgumentParser(prog="symbiosis", description=__doc__.splitlines()[0])
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
    p.set_defaults(func=cmd_train_primary)

    p = sub.add_parser("polysemanticity", help="per-unit polysemanticity of one primary on the test split")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True, help="CSV, one row per gated unit")
    p.set_defaults(func=cmd_polysemanticity)

    p = sub.add_parser("primaries-table", help="one row per primary: accuracy, sparsity, polysemanticity")
    p.add_argument("--sidecars", nargs="+", required=True, help="primary .json sidecars")
    p.add_argument("--units", nargs="+", required=True, help="polysemanticity CSVs, in the same order")
    p.add_argument("--out", type=Path, required=True, help="CSV, one row per primary")
    p.add_argument("--summary", type=Path, required=True, help="CSV, one row per sparsity: mean and 95 %% interval")
    p.set_defaults(func=cmd_primaries_table)

    p = sub.add_parser("plot-primaries", help="figure: accuracy and polysemanticity vs sparsity")
    p.add_argument("--table", type=Path, required=True)
    p.add_argument("--pdf", type=Path, required=True)
    p.add_argument("--png", type=Path, required=True)
    p.set_defaults(func=cmd_plot_primaries)

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
    p.set_defaults(func=cmd_train_symbiotes)

    p = sub.add_parser("evaluate-symbiotes", help="inhibition matrix, accuracies and gates of a model's symbiotes")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--model", type=Path, required=True, help="the primary the symbiotes were trained for")
    p.add_argument("--symbiotes", type=Path, nargs="+", required=True, help="files written by train-symbiotes")
    p.add_argument("--max-target-accuracy", type=float, default=0.02, help="criterion: target accuracy at most")
    p.add_argument("--max-other-drop", type=float, default=0.01, help="criterion: other-class accuracy drop at most")
    p.add_argument("--summary", type=Path, required=True, help="CSV, one row per kind x target class")
    p.add_argument("--inhibition", type=Path, required=True, help="CSV, accuracy on class j under symbiote k")
    p.add_argument("--gates", type=Path, required=True, help="CSV, histogram of gates on the target class")
    p.set_defaults(func=cmd_evaluate_symbiotes)

    p = sub.add_parser("symbiotes-table", help="all models' symbiote results in one table, and per-sparsity summaries")
    p.add_argument("--summaries", nargs="+", required=True, help="summary CSVs of evaluate-symbiotes")
    p.add_argument("--inhibitions", nargs="+", required=True, help="inhibition CSVs of evaluate-symbiotes")
    p.add_argument("--sidecars", nargs="+", required=True, help="symbiote .json sidecars (training curves)")
    p.add_argument("--out", type=Path, required=True, help="CSV, one row per model x class x kind")
    p.add_argument("--summary", type=Path, required=True, help="CSV, per sparsity x kind: mean and 95 %% interval")
    p.add_argument("--inhibition", type=Path, required=True, help="CSV, inhibition matrices averaged over seeds")
    p.add_argument("--curves", type=Path, required=True, help="CSV, training curves per kind, model and class")
    p.set_defaults(func=cmd_symbiotes_table)

    p = sub.add_parser("plot-inhibition", help="figure: accuracy on class j under symbiote k, per sparsity and kind")
    p.add_argument("--table", type=Path, required=True, help="the seed-averaged inhibition CSV")
    p.add_argument("--pdf", type=Path, required=True)
    p.add_argument("--png", type=Path, required=True)
    p.set_defaults(func=cmd_plot_inhibition)

    p = sub.add_parser("plot-symbiote-training", help="figure: target and other-class accuracy over training steps")
    p.add_argument("--curves", type=Path, required=True)
    p.add_argument("--pdf", type=Path, required=True)
    p.add_argument("--png", type=Path, required=True)
    p.set_defaults(func=cmd_plot_symbiote_training)
    return parser


def main(argv: list[str] | None = None) -> int:
    from symbiosis.errors import SymbiosisError

    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except SymbiosisError as e:
        print(f"symbiosis: error: {e}", file=sys.stderr)
        return 1
    return 0
