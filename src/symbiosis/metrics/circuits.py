"""Circuits (claim 2): C_k = the top-K units by a symbiote's intervention strength for class k.

- faithfulness: accuracy on class k and on the other classes with C_k mean-ablated alone (no symbiote);
- agreement with the ablation circuit: Jaccard(C_k, top-K units by the exact importance I_k);
- cross-class overlap: Jaccard(C_k, C_j) for every pair, minus its chance value for two random K-sets of U units.
"""

from __future__ import annotations

import torch
from scipy import stats


def jaccard(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Jaccard index of bool sets along the last axis, broadcasting: a [..., U], b [..., U] -> [...]."""
    return jaccard_of_counts((a & b).sum(-1), (a | b).sum(-1))


def jaccard_of_counts(inter: torch.Tensor, union: torch.Tensor) -> torch.Tensor:
    """Jaccard index from the sizes of the intersection and the union (1 for two empty sets)."""
    inter, union = inter.double(), union.double()
    return torch.where(union > 0, inter / union.clamp_min(1), torch.ones_like(inter))


def chance_jaccard(k: int, n: int) -> float:
    """Expected Jaccard index of two independent uniformly random k-subsets of n units (hypergeometric overlap)."""
    overlap = torch.arange(0, k + 1, dtype=torch.float64)
    p = torch.as_tensor(stats.hypergeom(n, k, k).pmf(overlap.numpy()))
    return float((p * overlap / (2 * k - overlap)).sum())


def overlap_matrix(circuits: torch.Tensor) -> torch.Tensor:
    """[n, n] Jaccard between the circuits [n, U] of every pair of classes, minus chance (diagonal: 1 - chance)."""
    k = int(circuits[0].sum())
    return jaccard(circuits[:, None], circuits[None]) - chance_jaccard(k, circuits.shape[1])
