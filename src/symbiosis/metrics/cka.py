"""Debiased linear CKA beside the plain one (symbiosis.universality.linear_cka, Kornblith et al. 2019).

The plain estimator uses the biased HSIC, which for few inputs and many dimensions (conv2: 1,568 dimensions on 1,000
images) is pulled upward: two independent random representations score well above 0. The debiased estimator uses the
unbiased HSIC of Song et al. (2012), as proposed for CKA by Nguyen et al. (2021):

    HSIC_1(K, L) = [tr(K~ L~) + 1'K~1 1'L~1 / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3)),   K~ = K with a zero diagonal

with K = X X', L = Y Y' (linear kernels), and CKA = HSIC_1(K, L) / sqrt(HSIC_1(K, K) HSIC_1(L, L)); it is near 0 for
independent representations (and may dip below 0), 1 for identical ones.
"""

from __future__ import annotations

import torch

from symbiosis.errors import SymbiosisError
from symbiosis.metrics.universality import linear_cka

__all__ = ["centred_gram", "cka_from_grams", "debiased_linear_cka", "linear_cka", "unbiased_hsic"]


def centred_gram(x: torch.Tensor) -> torch.Tensor:
    """X X' of the column-centred representation [N, D] in float64: what both CKAs of a layer need of it."""
    x = x.double().flatten(1)
    x = x - x.mean(0)
    return x @ x.T


def cka_from_grams(k: torch.Tensor, l: torch.Tensor) -> tuple[float, float]:  # noqa: E741
    """(linear CKA, debiased linear CKA) from two centred Gram matrices: <K, L> / (|K| |L|) (for centred X,
    |Y'X|^2 = <K, L>), and the unbiased-HSIC form on the same matrices with zero diagonals."""
    plain = float((k * l).sum() / (k.norm() * l.norm()))
    k0, l0 = k.clone().fill_diagonal_(0.0), l.clone().fill_diagonal_(0.0)
    denom = torch.sqrt(unbiased_hsic(k0, k0) * unbiased_hsic(l0, l0))
    return plain, float(unbiased_hsic(k0, l0) / denom) if denom > 0 else float("nan")


def _gram(x: torch.Tensor) -> torch.Tensor:
    # centring does not change the unbiased HSIC; it keeps the float64 sums small
    return centred_gram(x).fill_diagonal_(0.0)


def unbiased_hsic(k: torch.Tensor, l: torch.Tensor) -> torch.Tensor:  # noqa: E741
    """The unbiased HSIC estimator of two Gram matrices [n, n] whose diagonals are already zero (n > 3)."""
    n = k.shape[0]
    ones_k, ones_l = k.sum(0), l.sum(0)  # 1'K~ and 1'L~ (symmetric)
    trace = (k * l).sum()
    return (trace + ones_k.sum() * ones_l.sum() / ((n - 1) * (n - 2)) - 2 / (n - 2) * ones_k @ ones_l) / (n * (n - 3))


def debiased_linear_cka(x: torch.Tensor, y: torch.Tensor) -> float:
    """Debiased linear CKA of two representations of the same n > 3 inputs, x [n, D] and y [n, E]."""
    if x.shape[0] != y.shape[0] or x.shape[0] < 4:
        raise SymbiosisError(f"CKA needs the same n > 3 inputs in both representations, not {x.shape[0]}, {y.shape[0]}")
    k, l = _gram(x), _gram(y)  # noqa: E741
    denom = torch.sqrt(unbiased_hsic(k, k) * unbiased_hsic(l, l))
    return float(unbiased_hsic(k, l) / denom) if denom > 0 else float("nan")
