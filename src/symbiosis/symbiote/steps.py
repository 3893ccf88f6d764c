"""The `train-symbiotes` step: every kind of symbiote for each primary of a level, saved with its record, then
evaluated."""

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
from symbiosis.symbiote.train import SymbioteTraining, cached_products, train_sweep, train_symbiotes


def train_symbiotes_step(
    data: Path,
    models: list[Path],
    config: dict,
    out: list[Path],
    summary: list[Path] = (),
    inhibition: list[Path] = (),
    gates: list[Path] = (),
    threads: int | None = None,
    progress: bool = False,
) -> None:
    """Train the config's symbiote kinds for the config's classes on each primary in `models`, one after the other
    in this process (each seeded by its primary's seed, as a job of its own would be); `out` holds one path per
    kind for the first model, then for the next, and so on. With `summary`, `inhibition` and `gates` (one each per
    model), also evaluate them on the test split (symbiosis.symbiote.evaluate)."""
    kinds = config["symbiote"]["kinds"]
    if len(out) != len(kinds) * len(models):
        raise SymbiosisError(
            f"{len(kinds)} symbiote kinds for {len(models)} models need {len(kinds) * len(models)} --out paths, one "
            f"per kind and model; got {len(out)}"
        )
    evaluation = (summary, inhibition, gates)
    if any(evaluation) and not all(len(paths) == len(models) for paths in evaluation):
        raise SymbiosisError("give one each of --summary, --inhibition and --gates per model to evaluate, or none")
    device = resolve_device(config["device"])
    set_threads(threads)
    split = load_split(data)
    for i, model in enumerate(models):
        paths = out[i * len(kinds) : (i + 1) * len(kinds)]
        tables = _train_one(split, model, config, paths, device, threads, progress, evaluate=all(evaluation))
        for table, written in zip(tables, evaluation, strict=False):  # no tables where none were asked for
            write_csv(written[i], table)


def _train_one(split, model: Path, config: dict, out: list[Path], device, threads, progress, evaluate: bool) -> list:
    """Every kind of symbiote for the primary saved at `model`, saved to `out`; with `evaluate`, their evaluation
    tables on the test split (else none)."""
    settings, classes = config["symbiote"], tuple(config["classes"])
    primary, meta = load_primary(model, device=device)
    bad = [c for c in classes if not 0 <= c < primary.arch.n_classes]
    if bad:
        raise SymbiosisError(f"class {bad[0]} is outside the dataset's classes 0-{primary.arch.n_classes - 1}")
    model_id = PrimaryRecord.from_json(meta).model
    cfg = SymbioteTraining.from_config(settings, seed=model_id.seed)
    clean = clean_pass(primary, split.x_train)  # shared by every kind
    products = cached_products(primary, clean.trunk)
    trained = []
    for kind, path in zip(settings["kinds"], out, strict=True):
        arch = SymbioteArch.from_config(settings, kind=kind, classes=classes)
        sym, history = train_symbiotes(primary, split.x_train, split.y_train, arch, cfg, progress, clean, products)
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
    if not evaluate:
        return []
    test = clean_pass(primary, split.x_test)
    return evaluate_symbiotes(primary, trained, test, split.y_test, model_id.labels(), Criterion.from_config(settings))


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
    products = cached_products(primary, clean.trunk)  # shared by the sweep and the objectives' comparison

    def evaluated(kind_lam_syms, training: SymbioteTraining) -> pd.DataFrame:
        criterion = dataclasses.replace(Criterion.from_config(settings), other_loss=training.other_loss)
        rows = [
            evaluate_symbiotes(primary, [sym], test, split.y_test, model_id.labels(), criterion)[0].assign(lam=lam)
            for _, lam, sym in kind_lam_syms
        ]
        return pd.concat(rows, ignore_index=True)

    swept = train_sweep(primary, split.x_train, split.y_train, archs, cfg, settings["sweep_lams"], clean, products)
    sweep = evaluated(swept, cfg)
    write_csv(out, sweep)
    swept_at_lam = cfg.lam in settings["sweep_lams"]  # then the configured objective's rows are the sweep's
    compared = [sweep[sweep["lam"] == cfg.lam]] if swept_at_lam else []
    for other_loss in OTHER_LOSSES:
        if other_loss != cfg.other_loss or not swept_at_lam:
            training = dataclasses.replace(cfg, other_loss=other_loss)
            trained = train_sweep(primary, split.x_train, split.y_train, archs, training, (cfg.lam,), clean, products)
            compared.append(evaluated(trained, training))
    write_csv(objectives, pd.concat(compared, ignore_index=True))
