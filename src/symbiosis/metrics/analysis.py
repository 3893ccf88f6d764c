"""Per-model analysis: exact importances, feature recovery (claim 1) and circuits (claim 2) on held-out data, and
universality (claim 3) across the models of one sparsity level."""

from __future__ import annotations

import itertools

import pandas as pd
import torch

from symbiosis.config import settings
from symbiosis.metrics import attribution, universality
from symbiosis.metrics.ablation import ablated_accuracy, unit_importance
from symbiosis.metrics.circuits import jaccard, overlap_matrix
from symbiosis.metrics.features import recovery, top_units
from symbiosis.primary.models import GATED_LAYERS, CleanPass, PrimaryCNN, trunk_features
from symbiosis.symbiote.evaluate import own_class_drop
from symbiosis.symbiote.symbiote import Symbiotes


@settings("analysis")
class AnalysisSettings:
    """The config's `analysis` section (defaults: the schema)."""

    top_fraction: float  # G_k: the top fraction of units by exact importance, the target of feature recovery
    circuit_fraction: float  # C_k: the top fraction of units by intervention strength
    null_permutations: int  # draws in each universality null
    seed: int  # of the random-score baseline, the permutation nulls and the random networks


def unit_scores(
    primary: PrimaryCNN, symbiotes: list[Symbiotes], clean: CleanPass, y: torch.Tensor, seed: int
) -> dict[str, torch.Tensor]:
    """Every method's per-class unit scores [n_classes, U]: one per symbiote kind, then the baselines, all from one
    clean pass. Classes without a symbiote of a kind get NaN rows."""
    n_classes, n_units = primary.arch.n_classes, primary.arch.n_units
    scores = {}
    for sym in symbiotes:
        full = torch.full((n_classes, n_units), float("nan"), dtype=torch.float64)
        full[list(sym.arch.classes)] = attribution.intervention_strength(sym, clean.units, y)
        scores[sym.arch.kind] = full
    scores["gradient_x_activation"] = attribution.gradient_x_activation(primary, clean.trunk, y, n_classes)
    scores["class_selectivity"] = attribution.class_selectivity(clean.units, y, n_classes)
    scores["mean_activation"] = attribution.mean_activation(clean.units, y, n_classes)
    scores["random"] = attribution.random_scores(n_classes, n_units, seed)
    return scores


def _circuit_rows(primary, clean, y, sets, ablation_circuits, classes, label: dict) -> tuple[list[dict], list[dict]]:
    """Faithfulness, agreement with the ablation circuit and cross-class overlap of one family of circuits; `clean`:
    the model's clean pass and its per-class accuracy under the same ablation code with nothing ablated."""
    clean, clean_acc = clean
    n_classes = primary.arch.n_classes
    counts = torch.bincount(y, minlength=n_classes).double()
    acc = ablated_accuracy(primary, clean.trunk, y, sets[classes], n_classes)  # [len(classes), n_classes]
    agreement = jaccard(sets, ablation_circuits)
    matrix = overlap_matrix(sets[classes])
    rows = []
    for i, k in enumerate(classes):
        others = torch.arange(n_classes) != k
        drop = clean_acc - acc[i]
        other_drop = float((drop[others] * counts[others]).sum() / counts[others].sum())
        rows.append(
            {
                **label,
                "class": k,
                "circuit_size": int(sets[k].sum()),
                "target_accuracy_drop": float(drop[k]),
                "other_accuracy_drop": other_drop,
                "faithfulness": float(drop[k]) - other_drop,
                "jaccard_with_ablation": float(agreement[k]),
                # mean chance-corrected Jaccard of C_k with the circuits of the other classes
                "overlap": float(torch.cat([matrix[i, :i], matrix[i, i + 1 :]]).mean()) if len(classes) > 1 else 0.0,
            }
        )
    overlaps = [
        {**label, "class": k, "other_class": j, "overlap": float(matrix[a, b])}
        for a, k in enumerate(classes)
        for b, j in enumerate(classes)
    ]
    return rows, overlaps


def analyse_model(
    primary: PrimaryCNN,
    symbiotes: list[Symbiotes],
    clean: CleanPass,
    y: torch.Tensor,
    settings: AnalysisSettings,
    model_info: dict,
) -> dict[str, pd.DataFrame]:
    """Tables for one model: `units` (importance and every score per class and unit), `features` (per method and
    class), `circuits` (per symbiote kind and class, plus the exact-ablation circuit), `overlap` (cross-class)."""
    importance = unit_importance(primary, clean.trunk, y, primary.arch.n_classes)
    scores = unit_scores(primary, symbiotes, clean, y, settings.seed)
    truth = top_units(importance, settings.top_fraction)
    classes = sorted({c for sym in symbiotes for c in sym.arch.classes})
    units = pd.DataFrame(
        [
            {**model_info, "class": k, "layer": layer, "unit": i, "importance": float(importance[k, u])}
            | {method: float(s[k, u]) for method, s in scores.items()}
            for k in classes
            for u, (layer, i) in enumerate(primary.arch.unit_index())
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
    no_mask = torch.zeros(1, primary.arch.n_units, dtype=torch.bool)
    baseline = (clean, ablated_accuracy(primary, clean.trunk, y, no_mask, primary.arch.n_classes)[0])
    circuit_rows, overlap_rows = [], []
    for kind, sets in circuit_sets.items():
        label = {**model_info, "kind": kind}
        rows, overlaps = _circuit_rows(primary, baseline, y, sets, ablation_circuits, classes, label)
        circuit_rows += rows
        overlap_rows += overlaps
    return {
        "units": units,
        "features": features,
        "circuits": pd.DataFrame(circuit_rows),
        "overlap": pd.DataFrame(overlap_rows),
    }


def _pair_row(a: dict, b: dict, sym_a: Symbiotes, primary_b: PrimaryCNN, random_reps, y, settings) -> dict:
    """Matching, circuit and score agreement, CKA and transfer for one pair of models (A, B)."""
    arch = primary_b.arch
    perm = universality.match_units(a["clean"].units, b["clean"].units, arch)
    corr = universality.correlation(a["clean"].units, b["clean"].units)[torch.arange(arch.n_units), perm]
    row = {"matched_correlation": float(corr.mean())}
    row |= universality.agreement(
        a["strength"],
        b["strength"],
        a["circuits"],
        b["circuits"],
        perm,
        arch,
        settings.null_permutations,
        settings.seed,
    )
    for name in GATED_LAYERS:
        row[f"cka_{name}"] = universality.linear_cka(a["reps"][name], b["reps"][name])
        row[f"cka_random_{name}"] = universality.linear_cka(a["reps"][name], random_reps[name])
    transferred = own_class_drop(primary_b, sym_a.permuted(perm), b["clean"], y)
    row["transfer_share"] = float(universality.transfer_share(a["drop"], transferred).nanmean())
    return row


def analyse_universality(
    models: list[tuple[int, PrimaryCNN, Symbiotes, CleanPass]],
    x: torch.Tensor,
    y: torch.Tensor,
    settings: AnalysisSettings,
    model_info: dict,
) -> pd.DataFrame:
    """One row per pair of seeds (A, B) at one sparsity level: matching quality, circuit and score agreement against
    the permutation null, CKA per layer beside a random network's, and transfer of A's symbiotes to B."""
    torch.manual_seed(settings.seed)
    random_net = PrimaryCNN(models[0][1].arch).to(next(models[0][1].parameters()).device).eval()  # CKA on-device
    per_model = {}
    for seed, primary, sym, clean in models:
        strength = attribution.intervention_strength(sym, clean.units, y)
        per_model[seed] = {
            "clean": clean,
            "reps": universality.layer_representations(primary, clean.trunk),
            "strength": strength,
            "circuits": top_units(strength, settings.circuit_fraction),
            "drop": own_class_drop(primary, sym, clean, y),
        }
    random_reps = universality.layer_representations(random_net, trunk_features(random_net, x))
    rows = []
    for (seed_a, _, sym_a, _), (seed_b, primary_b, _, _) in itertools.combinations(models, 2):
        pair = _pair_row(per_model[seed_a], per_model[seed_b], sym_a, primary_b, random_reps, y, settings)
        rows.append({**model_info, "seed_a": seed_a, "seed_b": seed_b, **pair})
    return pd.DataFrame(rows)


def analyse_sparsity(
    models: list[tuple[int, PrimaryCNN, list[Symbiotes]]],
    x: torch.Tensor,
    y: torch.Tensor,
    settings: AnalysisSettings,
    model_infos: list[dict],
) -> tuple[list[dict[str, pd.DataFrame]], pd.DataFrame]:
    """Every model of one sparsity level (seed, primary, its symbiotes of each kind): `analyse_model` for each, and
    `analyse_universality` across them with their activation-reading symbiotes; one clean pass per model serves both.
    One job per level instead of one per model plus one per level: each process pays seconds of imports
    (bench/workflow_time.py)."""
    from symbiosis.primary.models import clean_pass

    cleans = [clean_pass(primary, x) for _, primary, _ in models]
    per_model = [
        analyse_model(primary, symbiotes, clean, y, settings, info)
        for (_, primary, symbiotes), clean, info in zip(models, cleans, model_infos, strict=True)
    ]
    readers = [
        (seed, primary, next(s for s in syms if s.arch.kind == "symbiote"), clean)
        for (seed, primary, syms), clean in zip(models, cleans, strict=True)
    ]
    info = {k: v for k, v in model_infos[0].items() if k != "seed"}
    return per_model, analyse_universality(readers, x, y, settings, info)
