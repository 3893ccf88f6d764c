"""The metric steps: `analyse-sparsity` (claims 1-3 on the models of one sparsity level) and `validate-ground-truth`
(the same metrics on cases with a known answer)."""

from __future__ import annotations

from pathlib import Path

from symbiosis.checkpoint import load_primary, load_symbiotes
from symbiosis.choices import ANALYSIS_FILES
from symbiosis.data.datasets import load_split
from symbiosis.device import resolve_device, set_threads
from symbiosis.errors import SymbiosisError
from symbiosis.files import write_csv
from symbiosis.metrics.analysis import AnalysisSettings, analyse_sparsity, analysis_images
from symbiosis.records import PrimaryRecord


def analyse_sparsity_step(
    data: Path,
    models: list[Path],
    symbiotes: list[Path],
    config: dict,
    out_dirs: list[Path],
    universality: Path,
    threads: int | None = None,
) -> None:
    """`models`: the primaries of one level; `symbiotes`: per model, one file per configured kind, model by model;
    `out_dirs`: per model, the folder of its tables (ANALYSIS_FILES)."""
    n, k = len(models), len(config["symbiote"]["kinds"])
    if len(symbiotes) != n * k or len(out_dirs) != n:
        raise SymbiosisError(
            f"{n} --models need {n * k} --symbiotes (one per model and kind, model by model) and {n} --out-dirs; "
            f"got {len(symbiotes)} and {len(out_dirs)}"
        )
    device = resolve_device(config["device"])
    set_threads(threads)
    loaded, labels = [], []
    for i, path in enumerate(models):
        primary, meta = load_primary(path, device=device)
        model_id = PrimaryRecord.from_json(meta).model
        kinds = [load_symbiotes(p, primary.arch, device=device)[0] for p in symbiotes[i * k :][:k]]
        loaded.append((model_id.seed, primary, kinds))
        labels.append(model_id.labels())
    split = load_split(data)
    settings = AnalysisSettings.from_config(config["analysis"])
    x, y = analysis_images(split.x_test, split.y_test, settings)
    per_model, pairs = analyse_sparsity(loaded, x, y, settings, labels)
    for tables, out_dir in zip(per_model, out_dirs, strict=True):
        for name in ANALYSIS_FILES:
            write_csv(out_dir / f"{name}.csv", tables[name])
    write_csv(universality, pairs)


def validate_ground_truth_step(data: Path, config: dict, checks: Path, auc: Path, threads: int | None = None) -> None:
    """The known-answer cases (symbiosis.metrics.ground_truth) with the config's settings: the planted primary
    trains with the primary section's defaults for `ground_truth.epochs` (or `steps`), from the analysis seed."""
    from symbiosis.metrics.ground_truth import Plant, RandomDraws, validate
    from symbiosis.primary.models import PrimaryArch
    from symbiosis.primary.train import PrimaryTraining
    from symbiosis.symbiote.symbiote import SymbioteArch
    from symbiosis.symbiote.train import SymbioteTraining

    device = resolve_device(config["device"])
    set_threads(threads)
    arch = PrimaryArch.from_config(config["architecture"])
    settings = AnalysisSettings.from_config(config["analysis"])
    checks_table, auc_table = validate(
        load_split(data),
        arch,
        PrimaryTraining(
            epochs=config["ground_truth"]["epochs"], steps=config["ground_truth"]["steps"], seed=settings.seed
        ),
        SymbioteArch(classes=tuple(range(arch.n_classes))),
        SymbioteTraining.from_config(config["symbiote"]),
        settings,
        Plant.from_config(config["ground_truth"]),
        device,
        RandomDraws.from_config(config["ground_truth"]),
    )
    write_csv(auc, auc_table)
    write_csv(checks, checks_table)


def mechanism_step(
    data: Path,
    models: list[Path],
    symbiotes: list[Path],
    config: dict,
    units: Path,
    split: Path,
    summary: Path,
    threads: int | None = None,
) -> None:
    """`models`: every primary; `symbiotes`: the gate symbiotes (kind "symbiote") of each, in the same order.
    Writes the mechanism figure's units of the model `config["mechanism"]` names, and every model's split of its
    symbiotes' effect into inhibition and stimulation (symbiosis.metrics.mechanism)."""
    from symbiosis.metrics.mechanism import MechanismSettings, mechanism

    if len(symbiotes) != len(models):
        raise SymbiosisError(f"{len(models)} --models need as many --symbiotes, one per model; got {len(symbiotes)}")
    device = resolve_device(config["device"])
    set_threads(threads)
    loaded = []
    for model_path, symbiote_path in zip(models, symbiotes, strict=True):
        primary, meta = load_primary(model_path, device=device)
        sym = load_symbiotes(symbiote_path, primary.arch, device=device)[0]
        loaded.append((PrimaryRecord.from_json(meta).model.labels(), primary, sym))
    split_data = load_split(data)
    x, y = analysis_images(split_data.x_test, split_data.y_test, AnalysisSettings.from_config(config["analysis"]))
    tables = mechanism(loaded, x, y, MechanismSettings.from_config(config["mechanism"]))
    for path, table in zip((units, split, summary), tables, strict=True):
        write_csv(path, table)


def ceiling_step(data: Path, models: list[Path], config: dict, out: Path, threads: int | None = None) -> None:
    """The identifiability ceiling (symbiosis.metrics.ceiling) of every primary in `models`: activation-reading
    symbiotes trained once per `ceiling.seeds`, their circuits' agreement per pair of seeds and class."""
    import pandas as pd

    from symbiosis.metrics.ceiling import symbiote_seed_ceiling
    from symbiosis.symbiote.symbiote import SymbioteArch
    from symbiosis.symbiote.train import SymbioteTraining

    device = resolve_device(config["device"])
    set_threads(threads)
    split = load_split(data)
    settings = AnalysisSettings.from_config(config["analysis"])
    symbiote = config["symbiote"]
    cfg = SymbioteTraining.from_config(symbiote)
    frames = []
    for path in models:
        primary, meta = load_primary(path, device=device)
        model = PrimaryRecord.from_json(meta).model
        arch = SymbioteArch.from_config(symbiote, kind="symbiote", classes=tuple(config["classes"]))
        seeds = config["ceiling"]["seeds"]
        table = symbiote_seed_ceiling(
            primary, split.x_train, split.y_train, split.x_test, split.y_test, arch, cfg, seeds, settings
        )
        frames.append(table.assign(**model.labels()))
    write_csv(out, pd.concat(frames, ignore_index=True))
