"""Claims 1-3 for a model gated through hooks (the MLP of the default run), as `symbiosis.metrics.analysis` makes
them for the fused CNN: the same selection/evaluation halves, live units, G_k, top-fraction circuits, recovery table
and matched-circuit agreement with its class-permutation null; through `symbiosis.hooks` instead of the CNN's cached
trunk. Not made here (CNN only): the sufficiency/necessity curves, CKA and symbiote transfer.
"""

from __future__ import annotations

import itertools

import pandas as pd
import torch
from torch import nn

from symbiosis.data.datasets import to_float
from symbiosis.hooks.layers import GatedLayers, model_device
from symbiosis.hooks.metrics import ablated_logits, attributions, mean_activations, unit_importance
from symbiosis.hooks.train import clean_units
from symbiosis.metrics import attribution, universality
from symbiosis.metrics.analysis import CURVE_RANKINGS, MATCHED_RANKINGS, AnalysisSettings, faithfulness_rows
from symbiosis.metrics.overlap import live_overlap_matrix
from symbiosis.metrics.recovery import live_units, recovery_table, top_live
from symbiosis.symbiote.symbiote import Symbiotes


def loader(x: torch.Tensor, y: torch.Tensor, batch_size: int = 256) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """uint8 or float images and labels as a list of float batches (a DataLoader's shape, reusable)."""
    return [
        (to_float(xb) if xb.dtype == torch.uint8 else xb, yb)
        for xb, yb in zip(x.split(batch_size), y.split(batch_size), strict=True)
    ]


def hook_scores(
    model: nn.Module, layers: GatedLayers, symbiotes: list[Symbiotes], data: list, n_classes: int, seed: int
) -> dict[str, torch.Tensor]:
    """Every method's per-class unit scores [n_classes, U] on one half (`data`: batches), as
    `symbiosis.metrics.analysis.unit_scores` gives them for the CNN (no unsigned attribution patching)."""
    units, y = clean_units(model, layers, data)
    scores = {}
    for sym in symbiotes:
        full = torch.full((n_classes, layers.n_units), float("nan"), dtype=torch.float64)
        full[list(sym.arch.classes)] = attribution.intervention_strength(sym, units, y)
        scores[sym.arch.kind] = full
    scores |= attributions(model, layers, data, n_classes)
    units = units.cpu()
    scores["class_selectivity"] = attribution.class_selectivity(units, y, n_classes)
    scores["mean_activation"] = attribution.mean_activation(units, y, n_classes)
    scores["random"] = attribution.random_scores(n_classes, layers.n_units, seed)
    importance = unit_importance(model, layers, data, n_classes)
    scores["ablation"], scores["ablation_unsigned"] = importance, importance.abs()
    return scores


@torch.no_grad()
def ablated_class_accuracy(
    model: nn.Module, layers: GatedLayers, data: list, masks: torch.Tensor, means: dict, n_classes: int
) -> torch.Tensor:
    """[M, n_classes]: accuracy per class with the units of each bool mask [M, U] set to their mean."""
    device = model_device(model)
    correct = torch.zeros(len(masks), n_classes, dtype=torch.float64)
    counts = torch.zeros(n_classes, dtype=torch.float64)
    for x, y in data:
        logits = ablated_logits(model, layers, x.to(device), masks.to(device), means)
        correct.index_add_(1, y, (logits.argmax(2).cpu() == y[None]).double())
        counts += torch.bincount(y, minlength=n_classes).double()
    return correct / counts.clamp_min(1)


def circuit_rows(model, layers, circuits, reference, classes, live, means, evaluation, label, n_classes) -> list[dict]:
    """The CNN's circuit table columns (symbiosis.metrics.analysis._circuit_rows) through hooks: mean-ablation drop
    on the evaluation half, agreement with the exact-ablation circuit, cross-class overlap over live units."""
    masks = torch.cat([torch.zeros(1, layers.n_units, dtype=torch.bool), circuits[classes]])
    acc = ablated_class_accuracy(model, layers, evaluation, masks, means, n_classes)
    counts = torch.bincount(torch.cat([y for _, y in evaluation]), minlength=n_classes).double()
    matrix = live_overlap_matrix(circuits[classes], live)
    return faithfulness_rows(acc[0], acc[1:], counts, circuits, reference, matrix, classes, label)


def analyse_hooked_model(model, layers, symbiotes, selection, evaluation, settings: AnalysisSettings, info, n_classes):
    """(tables {"features", "circuits"} for one model, its state for universality): G_k, live units, circuits and
    rankings chosen on the selection half, every score measured on the evaluation half."""
    selected = hook_scores(model, layers, symbiotes, selection, n_classes, settings.seed)
    measured = hook_scores(model, layers, symbiotes, evaluation, n_classes, settings.seed)
    units, labels = clean_units(model, layers, selection)
    units = units.cpu()
    importance, live = selected["ablation"], live_units(units)
    classes = sorted({c for sym in symbiotes for c in sym.arch.classes})
    features = recovery_table(measured, importance, live, layers, classes, settings.top_fraction)
    features = features.assign(**info, ceiling=features["method"].isin(("ablation", "ablation_unsigned")))
    reference = top_live(importance, live, settings.circuit_fraction)
    means = mean_activations(model, layers, selection)
    rows = []
    for ranking in (*(sym.arch.kind for sym in symbiotes), *CURVE_RANKINGS):  # the CNN's circuit rankings
        circuits = top_live(selected[ranking].nan_to_num(-torch.inf), live, settings.circuit_fraction)
        label = {**info, "kind": ranking}
        rows += circuit_rows(model, layers, circuits, reference, classes, live, means, evaluation, label, n_classes)
    # |class deviation| of every unit: what the profile null holds fixed (universality.profile_null)
    profile = universality.class_deviation(units, labels, n_classes).abs()
    state = {"seed": info["seed"], "units": units, "scores": selected, "live": live, "profile": profile}
    return {"features": features, "circuits": pd.DataFrame(rows)}, state


def hooked_universality(
    states: list[dict], layers: GatedLayers, settings: AnalysisSettings, info: dict
) -> pd.DataFrame:
    """One row per pair of seeds: units matched layer by layer on the selection half, then the matched-circuit
    Jaccard and Spearman of every ranking against the class-permutation null and, for the Jaccard, the calibrated
    profile null (`universality.agreement`)."""
    rows = []
    for a, b in itertools.combinations(states, 2):
        perm = universality.match_units(a["units"], b["units"], layers)
        corr = universality.correlation(a["units"], b["units"])
        row = {**info, "seed_a": a["seed"], "seed_b": b["seed"]}
        row["matched_correlation"] = float(corr[torch.arange(layers.n_units), perm].mean())
        for ranking in ("symbiote", *MATCHED_RANKINGS):
            if ranking not in a["scores"]:
                continue
            score_a, score_b = (m["scores"][ranking] for m in (a, b))
            circuit_a, circuit_b = (
                top_live(m["scores"][ranking].nan_to_num(-torch.inf), m["live"], settings.circuit_fraction)
                for m in (a, b)
            )
            agree = universality.agreement(
                score_a,
                score_b,
                circuit_a,
                circuit_b,
                perm,
                layers,
                settings.null_permutations,
                settings.seed,
                profile_b=b["profile"],
                live_b=b["live"],
            )
            prefix = "" if ranking == "symbiote" else f"{ranking}_"
            row |= {f"{prefix}{k}": v for k, v in agree.items() if ranking == "symbiote" or k.startswith("jaccard")}
        rows.append(row)
    return pd.DataFrame(rows)
