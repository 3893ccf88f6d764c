"""The `train-primary` step: the primaries of one sparsity level, one per seed, each saved with its record and its
units' polysemanticity. One process trains them one after the other: each job pays seconds of imports
(bench/workflow_time.py), and every model is exactly what a job of its own would train (seeded per model)."""

from __future__ import annotations

from pathlib import Path

from symbiosis.checkpoint import save_primary
from symbiosis.data.datasets import load_split
from symbiosis.device import resolve_device, set_threads
from symbiosis.errors import SymbiosisError
from symbiosis.files import write_csv
from symbiosis.metrics.polysemanticity import unit_table
from symbiosis.primary.models import PrimaryArch, count_parameters
from symbiosis.primary.train import PrimaryTraining, accuracy_report, train_primary
from symbiosis.records import ModelId, PrimaryRecord, Run


def train_primary_step(
    data: Path,
    dataset: str,
    sparsity: float,
    seeds: list[int],
    config: dict,
    out: list[Path],
    units: list[Path] = (),
    threads: int | None = None,
    progress: bool = False,
) -> None:
    """One primary per seed in `seeds`, saved to the matching path of `out` (and its unit table to `units`)."""
    if len(out) != len(seeds) or len(units) not in (0, len(seeds)):
        raise SymbiosisError(f"{len(seeds)} seeds need as many --out paths (and --units, if any); got {len(out)}")
    device = resolve_device(config["device"])
    set_threads(threads)
    split = load_split(data)
    for i, seed in enumerate(seeds):
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
        save_primary(out[i], model, record)
        if units:
            write_csv(units[i], unit_table(model, split.x_test, split.y_test, model.arch.n_classes))
