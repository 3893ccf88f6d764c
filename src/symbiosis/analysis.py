"""Per-model analysis: exact importances, feature recovery (claim 1) and circuits (claim 2) on held-out data."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd
import torch

from symbiosis import attribution, universality
from symbiosis.ablation import ablated_accuracy, unit_importance
from symbiosis.circuits import jaccard, overlap_matrix
from symbiosis.features import recovery, top_units
from symbiosis.models import GATED_LAYERS, PrimaryCNN, trunk_features
from symbiosis.symbiote import Symbiotes, clean_pass, inhibition_matrix
from symbiosis.train import predict


@dataclass(frozen=True)
class AnalysisSettings:
    top_fraction: float = 0.1  # G_k: the top fraction of units by exact importance, the target of feature recovery
    circuit_fraction: float = 0.1  # C_k: the top fraction of units by intervention strength
    seed: int = 0  # of the random-score baseline, the permutation nulls and the random networks


def unit_scores(
    primary: PrimaryCNN,
    symbiotes: list[Symbiotes],
    trunk: torch.Tensor,
    units: torch.Tensor,
    y: torch.Tensor,
    n_classes: int,
    seed: int,
) -> dict[str, torch.Tensor]:
    """Every method's per-class unit scores [n_classes, U]: one per symbiote kind, then the baselines, all from one
    clean pass (`trunk`, `units`: symbiosis.symbiote.clean_pass). Classes without a symbiote of a kind get NaN rows."""
    scores = {}
    for sym in symbiotes:
        full = torch.full((n_classes, primary.arch.n_units), float("nan"), dtype=torch.float64)
        full[list(sym.arch.classes)] = attribution.intervention_strength(sym, units, y)
        scores[sym.arch.kind] = full
    scores["gradient_x_activation"] = attribution.gradient_x_activation(primary, trunk, y, n_classes)
    scores["class_selectivity"] = attribution.class_selectivity(units, y, n_classes)
    scores["mean_activation"] = attribution.mean_activation(units, y, n_classes)
    scores["random"] = attribution.random_scores(n_classes, primary.arch.n_units, seed)
    return scores


def unit_layers(primary: PrimaryCNN) -> list[tuple[str, int]]:
    return [(name, i) for name in GATED_LAYERS for i in range(primary.arch.units[name])]


def analyse_model(
    primary: PrimaryCNN,
    symbiotes: list[Symbiotes],
    x: torch.Tensor,
    y: torch.Tensor,
    n_classes: int,
    settings: AnalysisSettings,
    model_info: dict,
) -> dict[str, pd.DataFrame]:
    """Tables for one model: `units` (importance and every score per class and unit), `features` (per method and
    class), `circuits` (per symbiote kind and class, plus the exact-ablation circuit), `overlap` (cross-class)."""
    trunk, activations = clean_pass(primary, x)
    importance = unit_importance(primary, trunk, y, n_classes)
    scores = unit_scores(primary, symbiotes, trunk, activations, y, n_classes, settings.seed)
    truth = top_units(importance, settings.top_fraction)
    classes = sorted({c for sym in symbiotes for c in sym.arch.classes})
    layers = unit_layers(primary)

    units = pd.DataFrame(
        [
            {**model_info, "class": k, "layer": layer, "unit": i, "importance": float(importance[k, u])}
            | {method: float(s[k, u]) for method, s in scores.items()}
            for k in classes
            for u, (layer, i) in enumerate(layers)
        ]
    )
    features = pd.DataFrame(
        [
            {**model_info, "method": method, "class": k, **row}
            for method, s in scores.items()
            for k, row in zip(classes, recovery(s[classes], importance[classes], truth[classes]), strict=True)
        ]
    )

    ablation_circuits = top_units(importance, settings.circuit_fraction)
    circuit_sets = {
        sym.arch.kind: top_units(scores[sym.arch.kind].nan_to_num(-1.0), settings.circuit_fraction) for sym in symbiotes
    }
    circuit_sets["ablation"] = ablation_circuits
    clean = ablated_accuracy(primary, trunk, y, torch.zeros(1, primary.arch.n_units, dtype=torch.bool), n_classes)[0]
    counts = torch.bincount(y, minlength=n_classes).double()
    circuit_rows, overlap_rows = [], []
    for kind, sets in circuit_sets.items():
        acc = ablated_accuracy(primary, trunk, y, sets[classes], n_classes)  # [len(classes), n_classes]
        agreement = jaccard(sets, ablation_circuits)
        matrix = overlap_matrix(sets[classes])
        for i, k in enumerate(classes):
            others = torch.arange(n_classes) != k
            drop = clean - acc[i]
            other_drop = float((drop[others] * counts[others]).sum() / counts[others].sum())
            circuit_rows.append(
                {
                    **model_info,
                    "kind": kind,
                    "class": k,
                    "circuit_size": int(sets[k].sum()),
                    "target_accuracy_drop": float(drop[k]),
                    "other_accuracy_drop": other_drop,
                    "faithfulness": float(drop[k]) - other_drop,
                    "jaccard_with_ablation": float(agreement[k]),
                    # mean chance-corrected Jaccard of C_k with the circuits of the other classes
                    "overlap": float(torch.cat([matrix[i, :i], matrix[i, i + 1 :]]).mean())
                    if len(classes) > 1
                    else 0.0,
                }
            )
        overlap_rows += [
            {**model_info, "kind": kind, "class": k, "other_class": j, "overlap": float(matrix[a, b])}
            for a, k in enumerate(classes)
            for b, j in enumerate(classes)
        ]
    return {
        "units": units,
        "features": features,
        "circuits": pd.DataFrame(circuit_rows),
        "overlap": pd.DataFrame(overlap_rows),
    }


def analyse_universality(
    models: list[tuple[int, PrimaryCNN, Symbiotes]],
    x: torch.Tensor,
    y: torch.Tensor,
    n_classes: int,
    settings: AnalysisSettings,
    n_null: int,
    model_info: dict,
) -> pd.DataFrame:
    """One row per pair of seeds (A, B) at one sparsity level: matching quality, circuit and score agreement against
    the permutation null, CKA per layer beside a random network's, and transfer of A's symbiotes to B."""
    arch = models[0][1].arch
    torch.manual_seed(settings.seed)
    random_net = PrimaryCNN(arch).to(next(models[0][1].parameters()).device).eval()  # CKA compares it on-device
    per_model = {}
    for seed, primary, sym in models:
        trunk, units = clean_pass(primary, x)
        strength = attribution.intervention_strength(sym, units, y)
        per_model[seed] = {
            "units": units,
            "reps": universality.layer_representations(primary, trunk),
            "strength": strength,
            "circuits": top_units(strength, settings.circuit_fraction),
            "drop": own_class_drop(primary, sym, x, y, n_classes),
        }
    random_reps = universality.layer_representations(random_net, trunk_features(random_net, x))
    rows = []
    for (seed_a, _, sym_a), (seed_b, primary_b, _) in itertools.combinations(models, 2):
        a, b = per_model[seed_a], per_model[seed_b]
        perm = universality.match_units(a["units"], b["units"], arch)
        corr = universality.correlation(a["units"], b["units"])[torch.arange(arch.n_units), perm]
        row = {**model_info, "seed_a": seed_a, "seed_b": seed_b, "matched_correlation": float(corr.mean())}
        row |= universality.agreement(
            a["strength"], b["strength"], a["circuits"], b["circuits"], perm, arch, n_null, settings.seed
        )
        for name in GATED_LAYERS:
            row[f"cka_{name}"] = universality.linear_cka(a["reps"][name], b["reps"][name])
            row[f"cka_random_{name}"] = universality.linear_cka(a["reps"][name], random_reps[name])
        transferred = own_class_drop(primary_b, sym_a.permuted(perm), x, y, n_classes)
        row["transfer_share"] = float(universality.transfer_share(a["drop"], transferred).nanmean())
        rows.append(row)
    return pd.DataFrame(rows)


def own_class_drop(primary: PrimaryCNN, sym: Symbiotes, x: torch.Tensor, y: torch.Tensor, n_classes: int):
    """Per symbiote class k: the primary's clean accuracy on class k minus its accuracy there with symbiote k."""
    matrix = inhibition_matrix(primary, sym, x, y, n_classes)
    correct = (predict(primary, x) == y).double()
    return torch.stack([correct[y == k].mean() - matrix[i, k] for i, k in enumerate(sym.arch.classes)])


def analyse_sparsity(
    models: list[tuple[int, PrimaryCNN, list[Symbiotes]]],
    x: torch.Tensor,
    y: torch.Tensor,
    n_classes: int,
    settings: AnalysisSettings,
    n_null: int,
    model_infos: list[dict],
) -> tuple[list[dict[str, pd.DataFrame]], pd.DataFrame]:
    """Every model of one sparsity level (seed, primary, its symbiotes of each kind): `analyse_model` for each, and
    `analyse_universality` across them with their activation-reading symbiotes. One job per level instead of one per
    model plus one per level: each process pays seconds of imports (bench/workflow_time.py)."""
    per_model = [
        analyse_model(primary, symbiotes, x, y, n_classes, settings, info)
        for (_, primary, symbiotes), info in zip(models, model_infos, strict=True)
    ]
    readers = [(seed, primary, next(s for s in syms if s.arch.kind == "symbiote")) for seed, primary, syms in models]
    info = {k: v for k, v in model_infos[0].items() if k != "seed"}
    return per_model, analyse_universality(readers, x, y, n_classes, settings, n_null, info)
