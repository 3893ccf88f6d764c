"""Cross-architecture matching: the units of one model's layer to another model's layer, seen on the same inputs.

`symbiosis.universality.match_units` (Hungarian on activation correlation, Li et al. 2016) does the matching, with a
one-layer `GatedLayers` as the description. The null breaks the pairing of inputs: model B's activations with their
rows (inputs) shuffled, matched again; the matched correlation of unrelated activations is what matching finds by
itself in noise (it is not zero: the assignment picks the largest of many chance correlations).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from symbiosis.errors import SymbiosisError
from symbiosis.hooks.layers import GatedLayer, GatedLayers
from symbiosis.metrics import universality
from symbiosis.metrics.recovery import live_units, top_live


def matched_correlation(units_a: torch.Tensor, units_b: torch.Tensor) -> tuple[torch.Tensor, float]:
    """(pi [U]: A's unit u matched to B's unit pi[u], the mean correlation of the matched pairs of live units), for
    one layer of each model, units_a [N, U] and units_b [N, U], on the same N inputs."""
    if units_a.shape != units_b.shape:
        raise SymbiosisError(
            f"matching needs the same inputs and as many units on both sides; got {tuple(units_a.shape)} and "
            f"{tuple(units_b.shape)}"
        )
    one_layer = GatedLayers((GatedLayer("layer", "linear", units_a.shape[1]),))
    perm = universality.match_units(units_a, units_b, one_layer)
    a, b = units_a.cpu(), units_b.cpu()
    corr = universality.correlation(a, b)[torch.arange(len(perm)), perm]
    live = (a.std(0) > 0) & (b.std(0) > 0)[perm]  # dead units are left out (DESIGN.md §3)
    return perm, float(corr[live].mean())


def shuffled_matched_correlations(units_a: torch.Tensor, units_b: torch.Tensor, n_null: int, seed: int) -> np.ndarray:
    """[n_null] `matched_correlation` of units_a against units_b with its rows (inputs) shuffled, one randperm per
    draw. Shuffling rows changes neither a column's mean nor its norm nor whether it is constant, so both sides are
    standardised once and each draw is one matmul of the shuffled rows and one Hungarian solve (per draw, the old
    way recomputed both, and the matrix twice: bench/analysis_speed.py; the same values to float64 rounding)."""
    a, b = units_a.cpu(), units_b.cpu()
    za, zb = universality.standardised(a).T.contiguous(), universality.standardised(b)
    live_a, live_b = a.std(0) > 0, b.std(0) > 0
    rows = torch.arange(a.shape[1])
    g = torch.Generator().manual_seed(seed)
    null = np.empty(n_null)
    for i in range(n_null):
        corr = za @ zb[torch.randperm(len(b), generator=g)]
        cols = torch.as_tensor(linear_sum_assignment(corr.numpy(), maximize=True)[1])
        null[i] = float(corr[rows, cols][live_a & live_b[cols]].mean())
    return null


def match_against_null(units_a: torch.Tensor, units_b: torch.Tensor, n_null: int, seed: int) -> dict:
    """Matching of two layers with its input-shuffling null of `n_null` draws: the permutation, the observed mean
    matched correlation, the null's mean and sd, z, and p = (1 + #null >= observed) / (1 + n_null)."""
    perm, observed = matched_correlation(units_a, units_b)
    null = shuffled_matched_correlations(units_a, units_b, n_null, seed)
    sd = null.std(ddof=1)
    return {
        "perm": perm,
        "matched_correlation": observed,
        "null_mean": float(null.mean()),
        "null_sd": float(sd),
        "z": float((observed - null.mean()) / sd) if sd > 0 else float("nan"),
        "p": float((1 + (null >= observed).sum()) / (1 + n_null)),
    }


def cross_architecture(
    units_a: torch.Tensor,
    units_b: torch.Tensor,
    scores: dict[str, tuple],
    fraction: float,
    n_null: int,
    seed: int,
    y: torch.Tensor | None = None,
) -> dict:
    """One layer of model A matched to one layer of model B (another architecture) on the same inputs, units_a and
    units_b [N, U]: the matched correlation against its input-shuffling null (`match_against_null`), then for each
    ranking in `scores` ({name: (scores_a [K, U], scores_b [K, U])}) the Jaccard of the matched circuits (the top
    `fraction` of each model's live units) and the Spearman of the matched scores against the class-permutation and
    unit-permutation nulls of the within-architecture universality (`universality.agreement`), and, given the inputs'
    labels `y`, the Jaccard against the calibrated profile null (B's |class deviation| held). Keys of the ranking
    "symbiote" are bare, the others' prefixed with the ranking's name."""
    matching = match_against_null(units_a, units_b, n_null, seed)
    out = {f"matched_correlation{'' if k == 'matched_correlation' else '_' + k}": v for k, v in matching.items()}
    perm = out.pop("matched_correlation_perm")
    one_layer = GatedLayers((GatedLayer("layer", "linear", units_a.shape[1]),))
    live_a, live_b = (live_units(u.cpu()) for u in (units_a, units_b))
    for name, (scores_a, scores_b) in scores.items():
        circuit_a, circuit_b = (
            top_live(s.nan_to_num(-torch.inf), live, fraction) for s, live in ((scores_a, live_a), (scores_b, live_b))
        )
        profile_b = None if y is None else universality.class_deviation(units_b.cpu(), y, len(scores_b)).abs()
        agree = universality.agreement(
            scores_a, scores_b, circuit_a, circuit_b, perm, one_layer, n_null, seed, profile_b=profile_b, live_b=live_b
        )
        out |= {(k if name == "symbiote" else f"{name}_{k}"): v for k, v in agree.items()}
    return out
