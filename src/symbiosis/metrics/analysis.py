"""Per-model analysis: exact importances, feature recovery (claim 1) and circuits (claim 2), and universality (claim 3)
across the models of one sparsity level.

The test split is divided once, stratified by class, into a selection half and an evaluation half
(`selection_split`): live units, the ground truth G_k, every circuit and every ranking are chosen on the selection
half; every score (recovery AUCs, ablation effects, curves, agreement) is measured on the evaluation half. The exact
ablation score measured on the evaluation half is then a real ceiling (split-half reliability), not 1 by construction.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd
import torch

from symbiosis.config import settings
from symbiosis.metrics import attribution, universality
from symbiosis.metrics.ablation import Fc1Pass, ablated_accuracy, unit_importance, unit_means
from symbiosis.metrics.circuits import jaccard
from symbiosis.metrics.cka import debiased_linear_cka
from symbiosis.metrics.curves import circuit_curves, curve_areas
from symbiosis.metrics.overlap import live_overlap_matrix
from symbiosis.metrics.patching import attribution_patching
from symbiosis.metrics.recovery import live_units, recovery_table, top_live
from symbiosis.primary.models import GATED_LAYERS, CleanPass, PrimaryCNN, clean_pass, trunk_features
from symbiosis.symbiote.evaluate import own_class_drop
from symbiosis.symbiote.symbiote import Symbiotes

# The score that defines G_k, measured on the evaluation half: the ceiling of feature recovery, not a rival.
CEILINGS = ("ablation", "ablation_unsigned")
# Rankings whose circuits get sufficiency/necessity curves beside the symbiote kinds.
CURVE_RANKINGS = ("ablation", "attribution_patching", "mean_activation", "random")


@settings("analysis")
class AnalysisSettings:
    """The config's `analysis` section (defaults: the schema)."""

    top_fraction: float  # G_k: the top fraction of live units by exact importance, the target of feature recovery
    circuit_fraction: float  # C_k: the top fraction of live units by a score
    test_images: int | None  # a stratified subset of the test split that the analysis reads; None: all of it
    selection_fraction: float  # share of the test split (per class) that chooses G_k, circuits and rankings
    null_permutations: int  # draws in each universality null
    seed: int  # of the split, the random-score baseline, the permutation nulls and the random networks


def analysis_images(x: torch.Tensor, y: torch.Tensor, settings: AnalysisSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """The test images and labels the analysis reads: `settings.test_images` of them, stratified by class and drawn
    with the analysis seed (in their original order), or all of them."""
    if settings.test_images is None or settings.test_images >= len(y):
        return x, y
    # seed + 1: a draw of its own, not the selection split's
    chosen, _ = selection_split(y, settings.test_images / len(y), settings.seed + 1)
    return x[chosen], y[chosen]


def selection_split(y: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(selection, evaluation) indices into y: within each class a fixed random `fraction` (at least one image, and
    at least one left when the class has two) goes to selection, the rest to evaluation."""
    g = torch.Generator().manual_seed(seed)
    selection, evaluation = [], []
    for k in torch.unique(y):
        idx = torch.nonzero(y == k).flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        n = min(max(1, round(fraction * len(idx))), max(1, len(idx) - 1))
        selection.append(idx[:n])
        evaluation.append(idx[n:])
    return torch.sort(torch.cat(selection)).values, torch.sort(torch.cat(evaluation)).values


@dataclass(frozen=True)
class Half:
    """One half of the test split for one model: its clean pass and labels."""

    clean: CleanPass
    y: torch.Tensor


def unit_scores(primary: PrimaryCNN, symbiotes: list[Symbiotes], half: Half, seed: int) -> dict[str, torch.Tensor]:
    """Every method's per-class unit scores [n_classes, U] on one half: one per symbiote kind, the baselines, and the
    exact importance itself (signed and absolute). Classes without a symbiote of a kind get NaN rows."""
    clean, y = half.clean, half.y
    n_classes, n_units = primary.arch.n_classes, primary.arch.n_units
    scores = {}
    for sym in symbiotes:
        full = torch.full((n_classes, n_units), float("nan"), dtype=torch.float64)
        full[list(sym.arch.classes)] = attribution.intervention_strength(sym, clean.units, y)
        scores[sym.arch.kind] = full
    patching = attribution_patching(primary, clean.trunk, y, n_classes)
    scores["attribution_patching"] = patching["signed"]
    scores["attribution_patching_unsigned"] = patching["unsigned"]
    scores["gradient_x_activation"] = attribution.gradient_x_activation(primary, clean.trunk, y, n_classes)
    scores["class_selectivity"] = attribution.class_selectivity(clean.units, y, n_classes)
    scores["mean_activation"] = attribution.mean_activation(clean.units, y, n_classes)
    scores["random"] = attribution.random_scores(n_classes, n_units, seed)
    importance = unit_importance(primary, clean.trunk, y, n_classes)
    scores["ablation"], scores["ablation_unsigned"] = importance, importance.abs()
    return {name: score.cpu() for name, score in scores.items()}  # [K, U] each: small, and NumPy reads them


def faithfulness_rows(clean_acc, acc, counts, circuits, reference, matrix, classes, label) -> list[dict]:
    """The circuit table's rows, one per class k (for the CNN's fused path and the hook path alike): clean per-class
    accuracy `clean_acc` [n_classes], accuracy with each class's circuit mean-ablated `acc` [len(classes),
    n_classes], test images per class `counts`, circuits and the exact-ablation `reference` [n_classes, U] and the
    live-unit overlap `matrix` of the classes' circuits."""
    agreement, n_classes = jaccard(circuits, reference), len(counts)
    rows = []
    for i, k in enumerate(classes):
        others = torch.arange(n_classes) != k
        drop = clean_acc - acc[i]
        other_drop = float((drop[others] * counts[others]).sum() / counts[others].sum())
        off = torch.cat([matrix[i, :i], matrix[i, i + 1 :]])
        rows.append(
            {
                **label,
                "class": k,
                "circuit_size": int(circuits[k].sum()),
                "target_accuracy_drop": float(drop[k]),
                "other_accuracy_drop": other_drop,
                "faithfulness": float(drop[k]) - other_drop,
                "jaccard_with_ablation": float(agreement[k]),
                "overlap": float(off.mean()) if len(off) else 0.0,  # mean Jaccard minus live chance, other classes
            }
        )
    return rows


def circuit_rows(primary, selection: Half, evaluation: Half, circuits, reference, classes, live, label) -> tuple:
    """Faithfulness on the evaluation half (mean-ablation to the selection half's means), agreement with the
    exact-ablation circuit (both chosen on the selection half) and cross-class overlap over live units."""
    n_classes = primary.arch.n_classes
    means = unit_means(primary, selection.clean.trunk)
    trunk, y = evaluation.clean.trunk, evaluation.y
    no_mask = torch.zeros(1, primary.arch.n_units, dtype=torch.bool)
    clean_acc = ablated_accuracy(primary, trunk, y, no_mask, n_classes, means)[0]
    acc = ablated_accuracy(primary, trunk, y, circuits[classes], n_classes, means)
    counts = torch.bincount(y, minlength=n_classes).double()
    matrix = live_overlap_matrix(circuits[classes], live)
    rows = faithfulness_rows(clean_acc, acc, counts, circuits, reference, matrix, classes, label)
    overlaps = [
        {**label, "class": k, "other_class": j, "overlap": float(matrix[a, b])}
        for a, k in enumerate(classes)
        for b, j in enumerate(classes)
    ]
    return rows, overlaps


def _curves(primary, symbiotes, selection: Half, evaluation: Half, scores, classes, live, settings) -> pd.DataFrame:
    """Sufficiency/necessity curves on the evaluation half for circuits ranked on the selection half: every symbiote
    kind (with its own gates) and the CURVE_RANKINGS."""
    means = unit_means(primary, selection.clean.trunk)
    fc1 = Fc1Pass.of(primary, evaluation.clean.trunk)  # shared by every ranking
    by_kind = {sym.arch.kind: sym for sym in symbiotes}
    frames = []
    for ranking in (*by_kind, *CURVE_RANKINGS):
        sym = by_kind.get(ranking)
        ranked = [k for k in classes if sym is None or k in sym.arch.classes]
        table = circuit_curves(
            primary,
            evaluation.clean.trunk,
            evaluation.clean.units,
            evaluation.y,
            scores[ranking].nan_to_num(-torch.inf),
            ranked,
            live,
            symbiotes=sym,
            means=means,
            seed=settings.seed,
            fc1=fc1,
        )
        frames.append(table.assign(ranking=ranking))
    return pd.concat(frames, ignore_index=True)


def analyse_model(
    primary: PrimaryCNN,
    symbiotes: list[Symbiotes],
    selection: Half,
    evaluation: Half,
    settings: AnalysisSettings,
    model_info: dict,
) -> tuple[dict[str, pd.DataFrame], dict[str, torch.Tensor]]:
    """Tables for one model: `units` (selection importance, liveness and every evaluation score per class and unit),
    `features` (live-unit recovery per method, truth, layer and class), `circuits` (per ranking and class),
    `overlap` (cross-class), `curves` (sufficiency/necessity over circuit size) and `curve_areas`; and the selection
    half's scores (which choose circuits, also across models)."""
    selected = unit_scores(primary, symbiotes, selection, settings.seed)
    measured = unit_scores(primary, symbiotes, evaluation, settings.seed)
    importance, live = selected["ablation"], live_units(selection.clean.units).cpu()
    classes = sorted({c for sym in symbiotes for c in sym.arch.classes})
    units = pd.DataFrame(
        [
            {**model_info, "class": k, "layer": layer, "unit": i, "live": bool(live[u])}
            | {"importance": float(importance[k, u])}
            | {method: float(s[k, u]) for method, s in measured.items()}
            for k in classes
            for u, (layer, i) in enumerate(primary.arch.unit_index())
        ]
    )
    features = recovery_table(measured, importance, live, primary.arch, classes, settings.top_fraction)
    features = features.assign(**model_info, ceiling=features["method"].isin(CEILINGS))
    reference = top_live(importance, live, settings.circuit_fraction)
    circuit_table, overlap_rows = [], []
    for ranking in (*(sym.arch.kind for sym in symbiotes), *CURVE_RANKINGS):
        circuits = top_live(selected[ranking].nan_to_num(-torch.inf), live, settings.circuit_fraction)
        label = {**model_info, "kind": ranking}
        rows, overlaps = circuit_rows(primary, selection, evaluation, circuits, reference, classes, live, label)
        circuit_table += rows
        overlap_rows += overlaps
    curves = _curves(primary, symbiotes, selection, evaluation, selected, classes, live, settings)
    areas = pd.concat(
        [curve_areas(group).assign(ranking=ranking) for ranking, group in curves.groupby("ranking", sort=False)],
        ignore_index=True,
    )
    tables = {
        "units": units,
        "features": features,
        "circuits": pd.DataFrame(circuit_table),
        "overlap": pd.DataFrame(overlap_rows),
        "curves": curves.assign(**model_info),
        "curve_areas": areas.assign(**model_info),
    }
    return tables, selected


# Circuits matched across seeds for every ranking, not only the symbiote's: matching on activations favours any
# activation-derived circuit, so the symbiote's agreement means something only beside theirs.
MATCHED_RANKINGS = (
    "static",
    "steering",
    "attribution_patching",
    "gradient_x_activation",
    "class_selectivity",
    "mean_activation",
    "ablation",
    "random",
)


def _pair_row(a: dict, b: dict, sym_a: Symbiotes, primary_b: PrimaryCNN, random_reps, settings) -> dict:
    """Matching (selection half), circuit and score agreement of every ranking, plain and debiased CKA and transfer
    (evaluation half) for one pair of models (A, B)."""
    arch = primary_b.arch
    perm = universality.match_units(a["selection"].clean.units, b["selection"].clean.units, arch)
    corr = universality.correlation(a["selection"].clean.units, b["selection"].clean.units)
    row = {"matched_correlation": float(corr[torch.arange(arch.n_units), perm].mean())}
    selection_b = b["selection"]
    profile_b = universality.class_deviation(selection_b.clean.units, selection_b.y, arch.n_classes).abs()
    for ranking in ("symbiote", *MATCHED_RANKINGS):
        if ranking not in a["scores"]:
            continue
        agree = universality.agreement(
            a["scores"][ranking],
            b["scores"][ranking],
            top_live(a["scores"][ranking].nan_to_num(-torch.inf), a["live"], settings.circuit_fraction),
            top_live(b["scores"][ranking].nan_to_num(-torch.inf), b["live"], settings.circuit_fraction),
            perm,
            arch,
            settings.null_permutations,
            settings.seed,
            profile_b,
            b["live"],
        )
        prefix = "" if ranking == "symbiote" else f"{ranking}_"
        keep = agree if ranking == "symbiote" else {k: v for k, v in agree.items() if k.startswith("jaccard")}
        row |= {f"{prefix}{k}": v for k, v in keep.items()}
    for name in GATED_LAYERS:
        rep_a, rep_b = a["reps"][name], b["reps"][name]
        row[f"cka_{name}"] = universality.linear_cka(rep_a, rep_b)
        row[f"cka_random_{name}"] = universality.linear_cka(rep_a, random_reps[name])
        row[f"cka_debiased_{name}"] = debiased_linear_cka(rep_a, rep_b)
        row[f"cka_debiased_random_{name}"] = debiased_linear_cka(rep_a, random_reps[name])
    moved = sym_a.permuted(perm)
    evaluation = b["evaluation"]
    row["transfer_share"] = float(
        universality.transfer_share(
            a["drop"], own_class_drop(primary_b, moved, evaluation.clean, evaluation.y)
        ).nanmean()
    )
    moved.fit_scale(b["selection"].clean.units)  # the receiving model's own activation scale
    row["transfer_share_refit"] = float(
        universality.transfer_share(
            a["drop"], own_class_drop(primary_b, moved, evaluation.clean, evaluation.y)
        ).nanmean()
    )
    return row


def analyse_universality(models: list[dict], x_eval: torch.Tensor, settings: AnalysisSettings, info: dict):
    """One row per pair of seeds (A, B) at one sparsity level. models: per seed a dict with its seed, primary,
    activation-reading symbiotes, selection and evaluation halves, selection scores and live units."""
    torch.manual_seed(settings.seed)
    primary = models[0]["primary"]
    random_net = PrimaryCNN(primary.arch).to(next(primary.parameters()).device).eval()  # CKA on-device
    random_reps = universality.layer_representations(random_net, trunk_features(random_net, x_eval))
    for m in models:
        evaluation = m["evaluation"]
        m["reps"] = universality.layer_representations(m["primary"], evaluation.clean.trunk)
        m["drop"] = own_class_drop(m["primary"], m["reader"], evaluation.clean, evaluation.y)
    rows = []
    for a, b in itertools.combinations(models, 2):
        pair = _pair_row(a, b, a["reader"], b["primary"], random_reps, settings)
        rows.append({**info, "seed_a": a["seed"], "seed_b": b["seed"], **pair})
    return pd.DataFrame(rows)


def analyse_sparsity(
    models: list[tuple[int, PrimaryCNN, list[Symbiotes]]],
    x: torch.Tensor,
    y: torch.Tensor,
    settings: AnalysisSettings,
    model_infos: list[dict],
) -> tuple[list[dict[str, pd.DataFrame]], pd.DataFrame]:
    """Every model of one sparsity level (seed, primary, its symbiotes of each kind): `analyse_model` for each on the
    test split's selection and evaluation halves, and `analyse_universality` across them. One job per level instead
    of one per model plus one per level: each process pays seconds of imports (bench/workflow_time.py)."""
    sel, ev = selection_split(y, settings.selection_fraction, settings.seed)
    per_model, states = [], []
    for (seed, primary, symbiotes), info in zip(models, model_infos, strict=True):
        selection = Half(clean_pass(primary, x[sel]), y[sel])
        evaluation = Half(clean_pass(primary, x[ev]), y[ev])
        tables, selected = analyse_model(primary, symbiotes, selection, evaluation, settings, info)
        per_model.append(tables)
        states.append(
            {
                "seed": seed,
                "primary": primary,
                "reader": next(s for s in symbiotes if s.arch.kind == "symbiote"),
                "selection": selection,
                "evaluation": evaluation,
                "scores": selected,
                "live": live_units(selection.clean.units).cpu(),
            }
        )
    info = {k: v for k, v in model_infos[0].items() if k != "seed"}
    return per_model, analyse_universality(states, x[ev], settings, info)
