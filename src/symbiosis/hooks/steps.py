"""The workflow steps of the second architecture (the MLP, gated through hooks) and of cross-architecture matching.

`train-mlp`: every seed of one sparsity level: the MLP primary trained and pruned like the CNN's (the same
`train_primary` and pruning code), its symbiotes of every kind trained through hooks, evaluated, and claims 1-3
measured (features, circuits, universality across seeds; `symbiosis.hooks.analysis`). One job per level: each
process pays seconds of imports, and the MLP's training is cheap.
`cross-architecture`: for each seed of one level, the CNN's fc1 units and the MLP's last hidden layer matched on the
same test images (`symbiosis.hooks.matching.cross_architecture`). One job per level, so that the levels run side by
side (each seed's input-shuffling null is a thousand Hungarian solves); `cross-architecture-table` joins them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from symbiosis.checkpoint import load_primary, load_symbiotes, save_primary, save_symbiotes
from symbiosis.choices import CROSS_ARCHITECTURE_KEYS, MLP_FILES
from symbiosis.data.datasets import load_split
from symbiosis.device import resolve_device, set_threads
from symbiosis.errors import SymbiosisError
from symbiosis.files import write_csv
from symbiosis.hooks import analysis
from symbiosis.hooks.layers import GatedLayers, describe
from symbiosis.hooks.train import SameBatches, evaluate, train_symbiotes
from symbiosis.metrics.analysis import AnalysisSettings, analysis_images, selection_split
from symbiosis.primary.mlp import GATED_LAYERS, MLPArch
from symbiosis.primary.models import count_parameters
from symbiosis.primary.train import PrimaryTraining, accuracy_report, train_primary
from symbiosis.records import ModelId, PrimaryRecord, Run, SymbioteRecord
from symbiosis.symbiote.evaluate import Criterion
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining


def mlp_layers(model: torch.nn.Module, device: torch.device) -> GatedLayers:
    arch = model.arch
    return describe(
        model, GATED_LAYERS, torch.zeros(2, arch.in_channels, arch.image_size, arch.image_size, device=device)
    )


def _train_one(split, model_id: ModelId, config: dict, out_dir: Path, device, threads) -> tuple:
    """One MLP primary and its symbiotes of every kind, saved in `out_dir`; with their evaluation table."""
    cfg = PrimaryTraining.from_config(config["primary"], sparsity=model_id.sparsity, seed=model_id.seed)
    model, history = train_primary(split, MLPArch.from_config(config["mlp"]), cfg, device)
    record = PrimaryRecord(
        model=model_id,
        training={k: v for k, v in cfg.as_dict().items() if k not in ("sparsity", "seed")},
        metrics=accuracy_report(model, split.x_test, split.y_test),
        history=history,
        parameters=count_parameters(model),
        run=Run.here(device.type, threads),
    )
    save_primary(out_dir / "primary.safetensors", model, record)
    layers, settings = mlp_layers(model, device), config["symbiote"]
    sym_cfg = SymbioteTraining.from_config(settings, seed=model_id.seed)
    test = analysis.loader(split.x_test, split.y_test)
    trained, tables = [], []
    archs = [
        SymbioteArch.from_config(settings, kind=kind, classes=tuple(config["classes"])) for kind in settings["kinds"]
    ]
    # The conditional kinds condition on the CNN's own fc2 readout (symbiote.py); the hook path has none, so the MLP
    # trains every other kind.
    for arch in (a for a in archs if not a.conditional):
        kind = arch.kind
        sym, sym_history = train_symbiotes(
            model, layers, SameBatches(split.x_train, split.y_train, sym_cfg), arch, sym_cfg
        )
        sym_record = SymbioteRecord(
            model=model_id,
            primary={"path": str(out_dir / "primary.safetensors"), "parameters": count_parameters(model)},
            training={k: v for k, v in sym_cfg.as_dict().items() if k != "seed"},
            history=sym_history,
            parameters_per_class=sym.parameters_per_class(),
            run=Run.here(device.type, threads),
        )
        save_symbiotes(out_dir / f"symbiotes_{kind}.safetensors", sym, sym_record)
        trained.append(sym)
        tables.append(evaluate(model, layers, sym, test, model.arch.n_classes))
    return model, layers, trained, _evaluation(pd.concat(tables, ignore_index=True), model_id, settings)


def _evaluation(table: pd.DataFrame, model_id: ModelId, settings: dict) -> pd.DataFrame:
    """The evaluation rows with the model's labels, the other-class drop and the criterion (as the CNN's)."""
    criterion = Criterion.from_config(settings)
    drop = table["primary_other_accuracy"] - table["other_accuracy"]
    meets = (table["target_accuracy"] <= criterion.max_target_accuracy) & (drop <= criterion.max_other_drop)
    table = table.assign(other_accuracy_drop=drop, meets_criterion=meets)
    return table.assign(architecture="mlp", **model_id.labels())


def train_mlp_step(
    data: Path,
    dataset: str,
    sparsity: float,
    config: dict,
    out_dirs: list[Path],
    universality: Path,
    threads: int | None = None,
) -> None:
    """Every seed of one sparsity level (`out_dirs`: one folder per seed of config["seeds"], in order)."""
    seeds = config["seeds"]
    if len(out_dirs) != len(seeds):
        raise SymbiosisError(f"{len(seeds)} seeds need as many --out-dirs, one per seed; got {len(out_dirs)}")
    device = resolve_device(config["device"])
    set_threads(threads)
    split = load_split(data)
    settings = AnalysisSettings.from_config(config["analysis"])
    x, y = analysis_images(split.x_test, split.y_test, settings)
    sel, ev = selection_split(y, settings.selection_fraction, settings.seed)
    selection, evaluation = analysis.loader(x[sel], y[sel]), analysis.loader(x[ev], y[ev])
    states = []
    for seed, out_dir in zip(seeds, map(Path, out_dirs), strict=True):
        model_id = ModelId(dataset, sparsity, seed)
        model, layers, symbiotes, table = _train_one(split, model_id, config, out_dir, device, threads)
        info = {"architecture": "mlp", **model_id.labels()}
        tables, state = analysis.analyse_hooked_model(
            model, layers, symbiotes, selection, evaluation, settings, info, model.arch.n_classes
        )
        tables["symbiotes"] = table
        for name in MLP_FILES:
            write_csv(out_dir / f"{name}.csv", tables[name])
        states.append(state)
    info = {"architecture": "mlp", "dataset": dataset, "target_sparsity": sparsity}
    write_csv(universality, analysis.hooked_universality(states, layers, settings, info))


def _layer_scores(units: torch.Tensor, sym, y: torch.Tensor, layer: slice, n_classes: int) -> tuple:
    """(one layer's units [N, u], {ranking: scores [K, u]}) from a model's clean units [N, U] on the selection half:
    the activation-reading symbiote's intervention strength, and the class-mean activation (a rival that matching on
    activations favours)."""
    from symbiosis.metrics import attribution

    units = units.cpu()
    strength = attribution.intervention_strength(sym, units.to(sym.scale.device), y)[:, layer]
    means = attribution.mean_activation(units, y, n_classes)[list(sym.arch.classes)][:, layer]
    return units[:, layer], {"symbiote": strength, "mean_activation": means}


def cross_architecture_step(
    data: Path,
    cnn_models: list[Path],
    cnn_symbiotes: list[Path],
    mlp_models: list[Path],
    mlp_symbiotes: list[Path],
    config: dict,
    out: Path,
    threads: int | None = None,
) -> None:
    """One row per model (the workflow gives one level's seeds): the CNN's fc1 matched to the MLP's last hidden layer
    (`symbiosis.hooks.matching.cross_architecture`) on the selection half of the test split. The four lists run in
    the same (level, seed) order; the symbiotes are the activation-reading kind ("symbiote") of each primary."""
    from symbiosis.hooks.matching import cross_architecture
    from symbiosis.hooks.train import clean_units
    from symbiosis.primary.models import clean_pass

    lists = (cnn_symbiotes, mlp_models, mlp_symbiotes)
    if any(len(paths) != len(cnn_models) for paths in lists):
        raise SymbiosisError("give as many --cnn-symbiotes, --mlp-models and --mlp-symbiotes as --cnn-models")
    device = resolve_device(config["device"])
    set_threads(threads)
    split, settings = load_split(data), AnalysisSettings.from_config(config["analysis"])
    x, y = analysis_images(split.x_test, split.y_test, settings)
    sel, _ = selection_split(y, settings.selection_fraction, settings.seed)
    x, y = x[sel], y[sel]
    rows = []
    for paths in zip(cnn_models, *lists, strict=True):
        cnn, cnn_meta = load_primary(paths[0], device=device)
        mlp, mlp_meta = load_primary(paths[2], device=device)
        model_id = PrimaryRecord.from_json(cnn_meta).model
        if PrimaryRecord.from_json(mlp_meta).model != model_id or mlp.arch.hidden2 != cnn.arch.fc1:
            raise SymbiosisError(f"{paths[2]} is not the MLP of {paths[0]} (same level and seed, hidden2 = fc1)")
        layers = mlp_layers(mlp, device)
        cnn_sym = load_symbiotes(paths[1], cnn.arch, device=device)[0]
        mlp_sym = load_symbiotes(paths[3], layers, device=device)[0]
        units_a, scores_a = _layer_scores(
            clean_pass(cnn, x).units, cnn_sym, y, cnn.arch.slices["fc1"], cnn.arch.n_classes
        )
        mlp_units = clean_units(mlp, layers, analysis.loader(x, y))[0]
        units_b, scores_b = _layer_scores(mlp_units, mlp_sym, y, layers.slices["act2"], cnn.arch.n_classes)
        scores = {name: (scores_a[name], scores_b[name]) for name in scores_a}
        result = cross_architecture(
            units_a, units_b, scores, settings.circuit_fraction, settings.null_permutations, settings.seed, y=y
        )
        pair = {"architecture_a": "cnn", "layer_a": "fc1", "architecture_b": "mlp", "layer_b": "act2"}
        rows.append(pair | model_id.labels() | result)
    write_csv(out, pd.DataFrame(rows) if rows else pd.DataFrame(columns=CROSS_ARCHITECTURE_KEYS))  # no models: a header
