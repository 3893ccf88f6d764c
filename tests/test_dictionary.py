"""The feature-level polysemanticity measure on activations built from a known dictionary."""

import math

import pytest
import torch

from symbiosis.errors import SymbiosisError
from symbiosis.metrics.dictionary import DictionaryConfig, features_per_unit


def planted_activations(n: int = 4096, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Activations [n, 6] made of 7 sparse non-negative features of equal weight and activity (each fires in 2 % of
    the images, as the toy model's), each a distinct direction: units 0 and 1 carry one feature each, the others two
    or three (known features per unit below). Features that fire together often (10 %: single-feature units at 2.9-3.2)
    earn atoms of their own for their combinations and raise the count."""
    loads = [(0,), (1,), (2, 3), (2, 4), (2, 5), (3, 4, 5), (5,)]  # feature -> the units it drives
    dictionary = torch.zeros(len(loads), 6)
    for feature, units in enumerate(loads):
        dictionary[feature, list(units)] = 1.0
    g = torch.Generator().manual_seed(seed)
    codes = torch.rand(n, len(loads), generator=g) * (torch.rand(n, len(loads), generator=g) < 0.02)
    return codes @ dictionary, torch.tensor([1.0, 1.0, 3.0, 2.0, 2.0, 3.0])


def test_features_per_unit_counts_the_planted_features_of_each_unit():
    acts, known = planted_activations()
    measured = features_per_unit(acts)
    assert torch.all((measured - known).abs() < 0.5)  # each unit within half a feature of its planted count
    for fewer, more in ((1, 2), (2, 3)):
        assert measured[known == fewer].max() < measured[known == more].min()


def test_a_dead_unit_is_nan_and_bad_shapes_are_one_line_errors():
    acts, _ = planted_activations(512)
    acts[:, 1] = 0
    measured = features_per_unit(acts, DictionaryConfig(max_iter=2))
    assert math.isnan(measured[1]) and not math.isnan(measured[0])
    with pytest.raises(SymbiosisError, match="activation matrix"):
        features_per_unit(torch.ones(5))
