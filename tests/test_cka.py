"""Debiased linear CKA: 1 for identical representations, near 0 for independent high-dimensional ones (where the plain
estimator is biased upward), invariant to orthogonal transforms and isotropic scaling, and equal to a direct
transcription of the unbiased HSIC formula."""

import pytest
import torch

from symbiosis.errors import SymbiosisError
from symbiosis.metrics.cka import debiased_linear_cka, linear_cka, unbiased_hsic


def _data(n, d, seed):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_identical_representations_give_one():
    x = _data(100, 30, 0)
    assert debiased_linear_cka(x, x) == pytest.approx(1.0, abs=1e-9)
    assert linear_cka(x, x) == pytest.approx(1.0, abs=1e-9)


def test_independent_high_dimensional_representations_debiased_near_zero_plain_biased_up():
    # like conv2: more dimensions than inputs
    x, y = _data(200, 1500, 1), _data(200, 1500, 2)
    plain, debiased = linear_cka(x, y), debiased_linear_cka(x, y)
    assert plain > 0.5  # the biased estimator calls two unrelated representations similar
    assert abs(debiased) < 0.05


def test_invariant_to_orthogonal_transforms_and_isotropic_scaling():
    x = _data(150, 40, 3)
    y = x[:, :20] @ _data(20, 25, 4) + 0.5 * _data(150, 25, 5)  # related, not identical
    q, _ = torch.linalg.qr(_data(25, 25, 6))
    base = debiased_linear_cka(x, y)
    assert 0.2 < base < 0.99
    assert debiased_linear_cka(x, y @ q) == pytest.approx(base, abs=1e-9)
    assert debiased_linear_cka(3.7 * x, y) == pytest.approx(base, abs=1e-9)
    assert debiased_linear_cka(x + 5.0, y) == pytest.approx(base, abs=1e-9)  # and to a shift
    assert debiased_linear_cka(x, y * torch.linspace(0.1, 3, 25)) != pytest.approx(base, abs=1e-3)  # not anisotropic


def test_unbiased_hsic_matches_its_formula_term_by_term():
    x, y = _data(12, 5, 7), _data(12, 4, 8)
    k, l = x @ x.T, y @ y.T  # noqa: E741
    k.fill_diagonal_(0)
    l.fill_diagonal_(0)
    n, one = 12, torch.ones(12, dtype=torch.float64)
    expected = (
        torch.trace(k @ l) + (one @ k @ one) * (one @ l @ one) / ((n - 1) * (n - 2)) - 2 / (n - 2) * (one @ k @ l @ one)
    ) / (n * (n - 3))
    torch.testing.assert_close(unbiased_hsic(k, l), expected)


def test_too_few_inputs_is_an_error():
    with pytest.raises(SymbiosisError):
        debiased_linear_cka(_data(3, 5, 0), _data(3, 5, 1))
