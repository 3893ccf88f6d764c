"""The `train-primary` step: one primary trained, saved with its record, and its units' polysemanticity."""

from __future__ import annotations

from pathlib import Path

from symbiosis.checkpoint import save_primary
from symbiosis.data.datasets import load_split
from symbiosis.device import resolve_device, set_threads
from symbiosis.files import write_csv
from symbiosis.metrics.polysemanticity import unit_table
from symbiosis.primary.models import PrimaryArch, count_parameters
from symbiosis.primary.train import PrimaryTraining, accuracy_report, train_primary
from symbiosis.records import ModelId, PrimaryRecord, Run


def train_primary_step(
    data: Path,
    dataset: str,
    sparsity: float,
    seed: int,
    config: dict,
    out: Path,
    units: Path | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> None:
    device = resolve_device(config["device"])
    set_threads(threads)
    split = load_split(data)
    cfg = PrimaryTraining.from_config(config["primary"], sparsity=sparsity, seed=seed)
    model, history = train_primary(split, PrimaryArch.from_config(config["architecture"]), cfg, device, progress)
    record = PrimaryRecord(
        model=ModelId(dataset, sparsity, seed),
        training={k: v for k, v in cfg.as_dict().items() if k not in ("sparsity", "seed")},
        metrics=accuracy_report(model, split.x_test, split.y_test),
        history=history,
        parameters=count_parameters(model),
        run=Run.here(device.type, threads),
    )
    save_primary(out, model, record)
    if units is not None:
        write_csv(units, unit_table(model, split.x_test, split.y_test, model.arch.n_classes))
