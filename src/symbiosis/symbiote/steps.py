"""The `train-symbiotes` step: every kind of symbiote for one primary, saved with its record, then evaluated."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from symbiosis.checkpoint import load_primary, save_symbiotes
from symbiosis.choices import OTHER_LOSSES
from symbiosis.data.datasets import load_split
from symbiosis.device import resolve_device, set_threads
from symbiosis.errors import SymbiosisError
from symbiosis.files import write_csv
from symbiosis.primary.models import clean_pass, count_parameters
from symbiosis.records import PrimaryRecord, Run, SymbioteRecord
from symbiosis.symbiote.evaluate import Criterion, evaluate_symbiotes
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, train_sweep, train_symbiotes


def train_symbiotes_step(
    data: Path,
    model: Path,
    config: dict,
    out: list[Path],
    summary: Path | None = None,
    inhibition: Path | None = None,
    gates: Path | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> None:
    """Train the config's symbiote kinds (one file each in `out`, in order) for the config's classes; with
    `summary`, `inhibition` and `gates`, also evaluate them on the test split (symbiosis.symbiote.evaluate)."""
    settings, classes = config["symbiote"], tuple(config["classes"])
    if len(settings["kinds"]) != len(out):
        raise SymbiosisError(f"{len(settings['kinds'])} symbiote kinds but {len(out)} --out paths; give one per kind")
    evaluation = (summary, inhibition, gates)
    if any(evaluation) and not all(evaluation):
        raise SymbiosisError("give all of --summary, --inhibition and --gates to evaluate the symbiotes, or none")
    device = resolve_device(config["device"])
    set_threads(threads)
    primary, meta = load_primary(model, device=device)
    bad = [c for c in classes if not 0 <= c < primary.arch.n_classes]
    if bad:
        raise SymbiosisError(f"class {bad[0]} is outside the dataset's classes 0-{primary.arch.n_classes - 1}")
    split, model_id = load_split(data), PrimaryRecord.from_json(meta).model
    cfg = SymbioteTraining.from_config(settings, seed=model_id.seed)
    clean = clean_pass(primary, split.x_train)  # shared by every kind
    trained = []
    for kind, path in zip(settings["kinds"], out, strict=True):
        arch = SymbioteArch.from_config(settings, kind=kind, classes=classes)
        sym, history = train_symbiotes(primary, split.x_train, split.y_train, arch, cfg, progress, clean)
        trained.append(sym)
        record = SymbioteRecord(
            model=model_id,
            primary={"path": str(model), "parameters": count_parameters(primary)},
            training={k: v for k, v in cfg.as_dict().items() if k != "seed"},
            history=history,
            parameters_per_class=sym.parameters_per_class(),
            run=Run.here(device.type, threads),
        )
        save_symbiotes(path, sym, record)
    if all(evaluation):
        test = clean_pass(primary, split.x_test)
        tables = evaluate_symbiotes(
            primary, trained, test, split.y_test, model_id.labels(), Criterion.from_config(settings)
        )
        for table, path in zip(tables, evaluation, strict=True):
            write_csv(path, table)


def sweep_symbiotes_step(
    data: Path, model: Path, config: dict, out: Path, objectives: Path, threads: int | None = None
) -> None:
    """The lambda sweep for one primary: every configured kind retrained at each of `symbiote.sweep_lams`, the rest
    of the training unchanged, and evaluated on the test split like the main symbiotes (one summary row per kind,
    penalty weight and class, with the column `lam`), into `out`. Into `objectives`: every kind at the configured
    lambda under each other-class objective (`symbiote.other_loss`, ce and kl), the measurement behind the default.
    The trained symbiotes are not kept."""
    settings, classes = config["symbiote"], tuple(config["classes"])
    device = resolve_device(config["device"])
    set_threads(threads)
    primary, meta = load_primary(model, device=device)
    split, model_id = load_split(data), PrimaryRecord.from_json(meta).model
    cfg = SymbioteTraining.from_config(settings, seed=model_id.seed)
    archs = [SymbioteArch.from_config(settings, kind=kind, classes=classes) for kind in settings["kinds"]]
    clean, test = clean_pass(primary, split.x_train), clean_pass(primary, split.x_test)

    def evaluated(kind_lam_syms, training: SymbioteTraining) -> pd.DataFrame:
        criterion = dataclasses.replace(Criterion.from_config(settings), other_loss=training.other_loss)
        rows = [
            evaluate_symbiotes(primary, [sym], test, split.y_test, model_id.labels(), criterion)[0].assign(lam=lam)
            for _, lam, sym in kind_lam_syms
        ]
        return pd.concat(rows, ignore_index=True)

    swept = train_sweep(primary, split.x_train, split.y_train, archs, cfg, settings["sweep_lams"], clean)
    sweep = evaluated(swept, cfg)
    write_csv(out, sweep)
    swept_at_lam = cfg.lam in settings["sweep_lams"]  # then the configured objective's rows are the sweep's
    compared = [sweep[sweep["lam"] == cfg.lam]] if swept_at_lam else []
    for other_loss in OTHER_LOSSES:
        if other_loss != cfg.other_loss or not swept_at_lam:
            training = dataclasses.replace(cfg, other_loss=other_loss)
            trained = train_sweep(primary, split.x_train, split.y_train, archs, training, (cfg.lam,), clean)
            compared.append(evaluated(trained, training))
    write_csv(objectives, pd.concat(compared, ignore_index=True))
