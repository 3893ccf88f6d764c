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
from symbiosis.models import PrimaryArch, PrimaryCNN, trunk_features
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
    n_classes = arch.n_classes
    layout = plant_layout(plant, n_classes, arch.fc1)
    planted = layout[:, : int(layout.any(0).sum())].to(device)
    primary, _ = train_primary(split, arch, primary_cfg, device, fc2_wiring=layout.float(), planted=planted)
    sym, _ = train_symbiotes(primary, split.x_train, split.y_train, symbiote_arch, symbiote_cfg)
    trunk, units_a = clean_pass(primary, x)
    strength = intervention_strength(sym, units_a, y)
    classes = list(symbiote_arch.classes)
    auc = planted_auc(strength, layout, classes, arch.conv2)
    paired = {(a, b) for pair in plant.pairs for a, b in (pair, pair[::-1])}
    off = [(i, c) for i, k in enumerate(classes) for c in range(n_classes) if c != k and (k, c) not in paired]
    checks = []

    def check(case: str, name: str, value: float, bound: float, passed: bool) -> None:
        checks.append({"case": case, "check": name, "value": float(value), "bound": bound, "passed": bool(passed)})

    own = torch.stack([auc[i, k] for i, k in enumerate(classes)])
    check("planted", "min AUC of symbiote k on class k's planted units", own.min(), 0.95, own.min() >= 0.95)
    off_auc = torch.stack([auc[i, c] for i, c in off])
    check(
        "planted",
        "mean AUC of symbiote k on other classes' planted units",
        off_auc.nanmean(),
        0.5,
        abs(off_auc.nanmean() - 0.5) <= 0.1,
    )
    importance = unit_importance(primary, trunk, y, n_classes)
    unwired = importance[:, arch.conv2 :][:, ~layout.any(0)]
    check("planted", "max |I_k| of unwired units (exact ablation)", unwired.abs().max(), 0.0, unwired.abs().max() == 0)

    perm = universality.random_permutations(arch, 1, settings.seed)[0]
    copy = universality.permute_primary(primary, perm)
    _, units_b = clean_pass(copy, x)
    found = universality.match_units(units_a, units_b, arch)
    live = units_a.std(0) > 0
    check(
        "permuted",
        "share of live units matched to their true partner",
        (found == perm)[live].double().mean(),
        1.0,
        bool((found == perm)[live].all()),
    )
    sym_b = sym.permuted(perm)
    circuits = top_units(strength, settings.circuit_fraction)
    strength_b = intervention_strength(sym_b, units_b, y)
    agree = universality.agreement(
        strength,
        strength_b,
        circuits,
        top_units(strength_b, settings.circuit_fraction),
        found,
        arch,
        n_null,
        settings.seed,
    )
    check("permuted", "circuit Jaccard after matching", agree["jaccard"], 1.0, agree["jaccard"] >= 0.999)
    p_class = agree["jaccard_class_p"]
    check("permuted", "circuit Jaccard p (class-permutation null)", p_class, 0.05, p_class <= 0.05)
    reps_a = universality.layer_representations(primary, trunk)
    reps_b = universality.layer_representations(copy, trunk_features(copy, x))
    cka = min(universality.linear_cka(reps_a[n], reps_b[n]) for n in reps_a)
    check("permuted", "min linear CKA over layers", cka, 1.0, cka >= 0.999)
    share = universality.transfer_share(
        own_class_drop(primary, sym, x, y, n_classes), own_class_drop(copy, sym.permuted(found), x, y, n_classes)
    )
    check("permuted", "min transfer share over classes", share.min(), 1.0, bool(share.min() >= 0.999))

    nets = []
    for offset in (1, 2):
        torch.manual_seed(settings.seed + offset)
        net = PrimaryCNN(arch).to(device).eval()
        trunk_net, units = clean_pass(net, x)
        imp = unit_importance(net, trunk_net, y, n_classes)
        nets.append((units, imp, top_units(imp, settings.circuit_fraction)))
    (units_1, imp_1, c_1), (units_2, imp_2, c_2) = nets
    found = universality.match_units(units_1, units_2, arch)
    agree = universality.agreement(imp_1, imp_2, c_1, c_2, found, arch, n_null, settings.seed)
    check(
        "random",
        "circuit Jaccard p (class-permutation null)",
        agree["jaccard_class_p"],
        0.05,
        agree["jaccard_class_p"] > 0.05,
    )
    check(
        "random",
        "importance Spearman p (class-permutation null)",
        agree["spearman_class_p"],
        0.05,
        agree["spearman_class_p"] > 0.05,
    )
    auc_long = pd.DataFrame(
        [
            {"symbiote_class": k, "planted_class": c, "auc": float(auc[i, c]), "paired": (k, c) in paired}
            for i, k in enumerate(classes)
            for c in range(n_classes)
        ]
    )
    return pd.DataFrame(checks), auc_long
