"""The identifiability ceiling of circuits (issue 13): symbiotes trained from different seeds on the same primary.

Two symbiotes of one class on one frozen primary differ only in their training seed; how far their circuits agree
(Jaccard of the top live units by intervention strength, chosen on the selection half exactly as the per-model
analysis chooses them) bounds what agreement across primaries can mean: two primaries cannot be expected to share a
symbiote's circuit more than the same primary shares it with itself. The symbiote seeds are their own (the config's
`ceiling.seeds`), independent of the primary's seed.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pandas as pd
import torch

from symbiosis.metrics.analysis import AnalysisSettings, selection_split
from symbiosis.metrics.attribution import intervention_strength
from symbiosis.metrics.circuits import chance_jaccard, jaccard
from symbiosis.metrics.recovery import live_units, top_live
from symbiosis.primary.models import PrimaryCNN, clean_pass
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, cached_products, train_symbiotes


def seed_agreement(circuits: dict[int, torch.Tensor], live: torch.Tensor, classes: list[int]) -> pd.DataFrame:
    """One row per pair of symbiote seeds and class: Jaccard of their circuits [K, U] and its chance level over the
    live units (circuits of one size)."""
    rows = []
    for (seed_a, a), (seed_b, b) in itertools.combinations(sorted(circuits.items()), 2):
        agree = jaccard(a, b)
        chance = chance_jaccard(int(a[0].sum()), int(live.sum()))
        rows += [
            {"symbiote_seed_a": seed_a, "symbiote_seed_b": seed_b, "class": k, "jaccard": float(agree[i]),
             "chance": chance}
            for i, k in enumerate(classes)
        ]  # fmt: skip
    return pd.DataFrame(rows)


def symbiote_seed_ceiling(
    primary: PrimaryCNN,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    arch: SymbioteArch,
    cfg: SymbioteTraining,
    seeds: list[int],
    settings: AnalysisSettings,
) -> pd.DataFrame:
    """Train the symbiotes of `arch` once per seed in `seeds` on one primary; their circuits' pairwise agreement."""
    sel, _ = selection_split(y_test, settings.selection_fraction, settings.seed)
    selection = clean_pass(primary, x_test[sel])
    live = live_units(selection.units).cpu()
    clean_train = clean_pass(primary, x_train)
    products = cached_products(primary, clean_train.trunk)  # shared by every seed, as by every kind in training
    circuits = {}
    for seed in seeds:
        training = replace(cfg, seed=seed)
        sym, _ = train_symbiotes(primary, x_train, y_train, arch, training, False, clean_train, products)
        strength = intervention_strength(sym, selection.units, y_test[sel]).cpu()
        circuits[seed] = top_live(strength, live, settings.circuit_fraction)
    return seed_agreement(circuits, live, list(arch.classes)).assign(kind=arch.kind)
