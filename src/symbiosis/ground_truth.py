"""Cases with a known answer, scored by the same metric code the workflow uses (DESIGN.md §4).

- planted features: a primary whose last layer is wired by construction so that logit c reads only a few fc1 units
  (`units_per_class` planted units per class, plus one unit shared by each known pair of classes), each trained to
  fire on its classes' images only. Every other fc1 unit has no route to the output. The symbiote for class k must pick
  k's planted units (ROC-AUC of s_k over fc1 units against k's planted units near 1); the symbiotes for other classes
  must not single them out (AUC near 0.5 on average, see `planted_auc`).
  The exact mean-ablation importance of an unwired unit must be exactly 0.
- known permutation: the planted primary and a copy with its units permuted (the same function). Matching must
  recover the permutation on every live unit, CKA must be 1, and circuit agreement and transfer must be maximal.
- unrelated networks: two randomly initialised primaries; circuit agreement (top units by exact importance) must sit
  at the class-permutation null.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd
import torch
from sklearn.metrics import roc_auc_score

from symbiosis import universality
from symbiosis.ablation import unit_importance
from symbiosis.analysis import AnalysisSettings, own_class_drop
from symbiosis.attribution import intervention_strength
from symbiosis.data import Split
from symbiosis.features import top_units
from symbiosis.models import PrimaryArch, PrimaryCNN
from symbiosis.symbiote import SymbioteArch, SymbioteTraining, clean_pass, train_symbiotes
from symbiosis.train import PrimaryTraining, train_primary


@dataclass(frozen=True)
class Plant:
    units_per_class: int = 2
    pairs: tuple[tuple[int, int], ...] = ((3, 5), (4, 9))

    def as_dict(self) -> dict:
        return {**asdict(self), "pairs": [list(p) for p in self.pairs]}


def plant_layout(plant: Plant, n_classes: int, fc1: int) -> torch.Tensor:
    """[n_classes, fc1] bool: which fc1 units feed which logit. Units 0 .. n_classes * units_per_class - 1 belong to
    one class each, in order; the next len(pairs) units to a pair each; the rest feed nothing."""
    n_planted = n_classes * plant.units_per_class + len(plant.pairs)
    if n_planted > fc1:
        raise ValueError(f"planting {n_planted} units needs fc1 >= {n_planted}, not {fc1}")
    layout = torch.zeros(n_classes, fc1, dtype=torch.bool)
    for c in range(n_classes):
        layout[c, c * plant.units_per_class : (c + 1) * plant.units_per_class] = True
    for i, pair in enumerate(plant.pairs):
        layout[list(pair), n_classes * plant.units_per_class + i] = True
    return layout


def planted_auc(strength: torch.Tensor, layout: torch.Tensor, classes: list[int], n_conv: int) -> torch.Tensor:
    """[K, n_classes]: ROC-AUC of symbiote k's strength s_k for class c's planted fc1 units (ties count one half).

    For c = k, against every other fc1 unit. For c != k, only among the planted units that are not wired to k: the
    unwired units have no route to the output, so no symbiote has a gradient to move them and they tie at exactly 0;
    the question there is whether symbiote k singles out class c's units among the units it has no need to touch."""
    fc = strength[:, n_conv:].double()
    planted = layout.any(0)
    out = torch.full((len(classes), len(layout)), float("nan"), dtype=torch.float64)
    for i, k in enumerate(classes):
        for c in range(len(layout)):
            pool = torch.ones_like(planted) if c == k else planted & ~layout[k]
            truth = layout[c][pool]
            if 0 < truth.sum() < len(truth):
                out[i, c] = roc_auc_score(truth.numpy(), fc[i][pool].numpy())
    return out


def validate(
    split: Split,
    arch: PrimaryArch,
    primary_cfg: PrimaryTraining,
    symbiote_arch: SymbioteArch,
    symbiote_cfg: SymbioteTraining,
    settings: AnalysisSettings,
    plant: Plant,
    n_null: int,
    device: torch.device,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every known-answer case; returns (checks: one row per check with its value, bound and verdict,
    auc: the planted-feature AUC matrix in long form)."""
    x, y = split.x_test, split.y_test
    layout = plant_layout(plant, arch.n_classes, arch.fc1)
    planted = layout[:, : int(layout.any(0).sum())].to(device)
    primary, _ = train_primary(split, arch, primary_cfg, device, fc2_wiring=layout.float(), planted=planted)
    sym, _ = train_symbiotes(primary, split.x_train, split.y_train, symbiote_arch, symbiote_cfg)
    checks, auc = _planted(primary, sym, x, y, layout, plant)
    checks += _permuted(primary, sym, x, y, settings, n_null)
    checks += _random_networks(arch, x, y, settings, n_null, device)
    return pd.DataFrame(checks), auc


def _check(case: str, name: str, value, bound: float, passed) -> dict:
    return {"case": case, "check": name, "value": float(value), "bound": bound, "passed": bool(passed)}


def _planted(primary, sym, x, y, layout, plant) -> tuple[list[dict], pd.DataFrame]:
    """Does symbiote k single out class k's planted units, and do unwired units have exactly zero importance?"""
    arch, classes = primary.arch, list(sym.arch.classes)
    trunk, units = clean_pass(primary, x)
    auc = planted_auc(intervention_strength(sym, units, y), layout, classes, arch.conv2)
    paired = {(a, b) for pair in plant.pairs for a, b in (pair, pair[::-1])}
    own = torch.stack([auc[i, k] for i, k in enumerate(classes)])
    off = torch.stack(
        [auc[i, c] for i, k in enumerate(classes) for c in range(arch.n_classes) if c != k and (k, c) not in paired]
    )
    unwired = unit_importance(primary, trunk, y, arch.n_classes)[:, arch.conv2 :][:, ~layout.any(0)]
    checks = [
        _check("planted", "min AUC of symbiote k on class k's planted units", own.min(), 0.95, own.min() >= 0.95),
        _check(
            "planted",
            "mean AUC of symbiote k on other classes' planted units",
            off.nanmean(),
            0.5,
            abs(off.nanmean() - 0.5) <= 0.1,
        ),
        _check(
            "planted", "max |I_k| of unwired units (exact ablation)", unwired.abs().max(), 0.0, unwired.abs().max() == 0
        ),
    ]
    auc_long = pd.DataFrame(
        [
            {"symbiote_class": k, "planted_class": c, "auc": float(auc[i, c]), "paired": (k, c) in paired}
            for i, k in enumerate(classes)
            for c in range(arch.n_classes)
        ]
    )
    return checks, auc_long


def _permuted(primary, sym, x, y, settings: AnalysisSettings, n_null: int) -> list[dict]:
    """The primary against a copy with its units permuted: matching, agreement, CKA and transfer must be perfect."""
    arch, n_classes = primary.arch, primary.arch.n_classes
    perm = universality.random_permutations(arch, 1, settings.seed)[0]
    copy = universality.permute_primary(primary, perm)
    trunk_a, units_a = clean_pass(primary, x)
    trunk_b, units_b = clean_pass(copy, x)
    found = universality.match_units(units_a, units_b, arch)
    live = (units_a.std(0) > 0).cpu()  # indexes `found`, a CPU tensor
    strength_a = intervention_strength(sym, units_a, y)
    strength_b = intervention_strength(sym.permuted(perm), units_b, y)
    agree = universality.agreement(
        strength_a,
        strength_b,
        top_units(strength_a, settings.circuit_fraction),
        top_units(strength_b, settings.circuit_fraction),
        found,
        arch,
        n_null,
        settings.seed,
    )
    reps_a = universality.layer_representations(primary, trunk_a)
    reps_b = universality.layer_representations(copy, trunk_b)
    cka = min(universality.linear_cka(reps_a[n], reps_b[n]) for n in reps_a)
    share = universality.transfer_share(
        own_class_drop(primary, sym, x, y, n_classes), own_class_drop(copy, sym.permuted(found), x, y, n_classes)
    )
    matched = (found == perm)[live]
    return [
        _check(
            "permuted", "share of live units matched to their true partner", matched.double().mean(), 1.0, matched.all()
        ),
        _check("permuted", "circuit Jaccard after matching", agree["jaccard"], 1.0, agree["jaccard"] >= 0.999),
        _check(
            "permuted",
            "circuit Jaccard p (class-permutation null)",
            agree["jaccard_class_p"],
            0.05,
            agree["jaccard_class_p"] <= 0.05,
        ),
        _check("permuted", "min linear CKA over layers", cka, 1.0, cka >= 0.999),
        _check("permuted", "min transfer share over classes", share.min(), 1.0, share.min() >= 0.999),
    ]


def _random_networks(arch: PrimaryArch, x, y, settings: AnalysisSettings, n_null: int, device) -> list[dict]:
    """Two randomly initialised primaries: agreement of their exact-importance circuits must sit at the null."""
    nets = []
    for offset in (1, 2):
        torch.manual_seed(settings.seed + offset)
        net = PrimaryCNN(arch).to(device).eval()
        trunk, units = clean_pass(net, x)
        importance = unit_importance(net, trunk, y, arch.n_classes)
        nets.append((units, importance, top_units(importance, settings.circuit_fraction)))
    (units_1, imp_1, c_1), (units_2, imp_2, c_2) = nets
    found = universality.match_units(units_1, units_2, arch)
    agree = universality.agreement(imp_1, imp_2, c_1, c_2, found, arch, n_null, settings.seed)
    return [
        _check(
            "random",
            "circuit Jaccard p (class-permutation null)",
            agree["jaccard_class_p"],
            0.05,
            agree["jaccard_class_p"] > 0.05,
        ),
        _check(
            "random",
            "importance Spearman p (class-permutation null)",
            agree["spearman_class_p"],
            0.05,
            agree["spearman_class_p"] > 0.05,
        ),
    ]
