"""The JSON sidecars, one typed record per kind: the only code that knows their key paths (one path per fact).

- `DataRecord`: results/<dataset>/data.json, the split;
- `PrimaryRecord`: models/<model>/primary.json, a trained primary;
- `SymbioteRecord`: models/<model>/symbiotes_<kind>.json, the symbiotes of one kind for that primary.
Each also holds where it was made (`Run`: device, threads, library versions, git commit). No torch here: the report
steps read these records too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from symbiosis.files import read_json, write_json


@dataclass(frozen=True)
class ModelId:
    """Which primary: its dataset, target sparsity and training seed (the symbiotes of a model share its seed)."""

    dataset: str
    sparsity: float
    seed: int

    def labels(self) -> dict:
        """The columns that name a model in every results table."""
        return {"dataset": self.dataset, "target_sparsity": self.sparsity, "seed": self.seed}


@dataclass(frozen=True)
class Run:
    """Where and with what a step ran."""

    versions: dict
    git: dict
    device: str | None = None
    threads: int | None = None

    @classmethod
    def here(cls, device: str | None = None, threads: int | None = None) -> Run:
        from symbiosis.report.provenance import provenance

        return cls(**provenance(), device=device, threads=threads)


def _fields(cls, data: dict) -> dict:
    return {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}


class _Record:
    """Written as one flat JSON object: the record's own keys beside the `Run`'s (plus `kind` and `arch` in model
    sidecars, written by symbiosis.checkpoint)."""

    def to_json(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("run", "arch")}
        out = {k: (dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v) for k, v in out.items()}
        run = {k: v for k, v in dataclasses.asdict(self.run).items() if v is not None}
        return {**out, **run}

    @classmethod
    def from_json(cls, data: dict):
        values = _fields(cls, data)
        if "model" in values:
            values["model"] = ModelId(**values["model"])
        return cls(**values, run=Run(**_fields(Run, data)))

    @classmethod
    def read(cls, path: str | Path):
        return cls.from_json(read_json(path))


@dataclass(frozen=True)
class DataRecord(_Record):
    dataset: str
    split_seed: int
    train: int
    test: int
    run: Run

    def write(self, path: str | Path) -> None:
        write_json(path, self.to_json())


@dataclass(frozen=True)
class PrimaryRecord(_Record):
    model: ModelId
    training: dict  # the primary section's settings (sparsity and seed: `model`)
    metrics: dict  # test accuracy, per-class accuracy, measured sparsity
    history: dict
    parameters: int
    run: Run
    arch: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SymbioteRecord(_Record):
    model: ModelId  # the primary's
    primary: dict  # the primary's file and parameter count
    training: dict  # the symbiote section's training settings (the seed: `model`)
    history: dict
    parameters_per_class: int
    run: Run
    arch: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.arch["symbiote"]["kind"]

    @property
    def classes(self) -> list[int]:
        return self.arch["symbiote"]["classes"]
