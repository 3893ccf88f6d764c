"""Cross-class circuit overlap over live units, against its chance level.

Circuits are drawn from the L live units only (symbiosis.recovery.top_live), so the chance level is the expected
Jaccard index of two independent random K-subsets of those L units (symbiosis.circuits.chance_jaccard), not of all U
units: counting dead units lowers it (about 0.055 instead of 0.077 in the default run) and inflates overlap - chance.
"""

from __future__ import annotations

import torch

from symbiosis.metrics.circuits import chance_jaccard, jaccard


def live_chance_jaccard(circuits: torch.Tensor, live: torch.Tensor) -> float:
    """Chance Jaccard of two random subsets of the live units, of the circuits' size (all circuits [n, U] one size)."""
    sizes = circuits.sum(-1).unique()
    if len(sizes) != 1:
        raise ValueError(f"circuits of one overlap matrix must have one size, not {sizes.tolist()}")
    return chance_jaccard(int(sizes[0]), int(live.sum()))


def live_overlap_matrix(circuits: torch.Tensor, live: torch.Tensor) -> torch.Tensor:
    """[n, n]: Jaccard(C_k, C_j) minus its chance level over live units (the diagonal is 1 - chance)."""
    if (circuits & ~live).any():
        raise ValueError("a circuit holds a dead unit: choose circuits among live units (recovery.top_live)")
    return jaccard(circuits[:, None], circuits[None]) - live_chance_jaccard(circuits, live)


def mean_cross_class_overlap(matrix: torch.Tensor) -> float:
    """Mean of the off-diagonal entries of an overlap matrix (every ordered pair of distinct classes)."""
    off = ~torch.eye(len(matrix), dtype=torch.bool)
    return float(matrix[off].mean())
