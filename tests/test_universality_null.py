"""The profile null of circuit agreement against known answers: a circuit carried unit for unit by the matching is
significant, a circuit that only follows the data's class deviation is not (the class-permutation null calls it
significant: the false positive the ground truth measured on random networks)."""

import pytest
import torch

from symbiosis.metrics.circuits import jaccard
from symbiosis.metrics.features import top_units
from symbiosis.metrics.ground_truth import class_null_p
from symbiosis.metrics.universality import class_deviation, map_units, profile_groups, profile_null
from symbiosis.primary.models import PrimaryArch

ARCH = PrimaryArch(conv1=4, conv2=20, fc1=80)


def _deviation(seed: int) -> torch.Tensor:
    return torch.rand(10, ARCH.n_units, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _layer_permutation() -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    return torch.cat([torch.argsort(torch.rand(20, generator=g)), 20 + torch.argsort(torch.rand(80, generator=g))])


def test_class_deviation_known_values():
    units = torch.tensor([[1.0, 0.0], [3.0, 0.0], [5.0, 2.0], [7.0, 2.0]])
    y = torch.tensor([0, 0, 1, 1])
    assert torch.allclose(class_deviation(units, y, 2), torch.tensor([[-2.0, -1.0], [2.0, 1.0]], dtype=torch.float64))


def test_profile_groups_stay_in_their_layer_and_skip_dead_units():
    live = torch.ones(ARCH.n_units, dtype=torch.bool)
    live[:5] = False
    for groups in profile_groups(_deviation(0), ARCH, 2, live):
        units = torch.cat(groups)
        assert not (units < 5).any() and len(units) == len(units.unique())
        for g in groups:
            assert len({int(u) >= 20 for u in g}) == 1  # conv2 (0-19) and fc1 (20-99) never mixed


def test_a_circuit_carried_by_the_matching_is_significant():
    perm = _layer_permutation()
    circuits_a = top_units(torch.rand(10, ARCH.n_units, generator=torch.Generator().manual_seed(2)), 0.1)
    circuits_b = map_units(circuits_a, perm)
    out = profile_null(circuits_a, circuits_b, perm, _deviation(3), ARCH, 2, 999, 0)
    assert out["jaccard_profile_p"] <= 0.01


def test_a_circuit_that_only_follows_the_class_deviation_is_not_significant():
    """Both circuits are the top units by |class deviation| of B's matched units: shared by the data, not learned."""
    perm = _layer_permutation()
    deviation_b = _deviation(4)
    noise = 0.5 * _deviation(5)  # matched units of random networks: |deviation| correlates at about 0.6
    circuits_b = top_units(deviation_b, 0.1)
    circuits_a = top_units(deviation_b[:, perm] + noise, 0.1)  # A's unit u is B's perm[u], a correlated deviation
    profile = profile_null(circuits_a, circuits_b, perm, deviation_b, ARCH, 2, 999, 0)
    assert profile["jaccard_profile_p"] > 0.05
    # the class-permutation null calls the same pair significant, and so does a null with one group per layer
    matrix = jaccard(map_units(circuits_a, perm)[:, None], circuits_b[None])
    assert class_null_p(matrix, 999, torch.Generator().manual_seed(0)) <= 0.05
    assert profile_null(circuits_a, circuits_b, perm, deviation_b, ARCH, 1000, 999, 0)["jaccard_profile_p"] <= 0.05


@pytest.mark.parametrize("size", [2, 3])
def test_the_profile_null_equals_shuffling_one_group_at_a_time(size):
    """Recounting only the grouped units' overlaps gives the null of moving B's circuits group by group, one draw and
    one group at a time, from the same uniforms (groups of two by one comparison, longer ones by argsort)."""
    perm, deviation = _layer_permutation(), _deviation(6).round(decimals=1)  # ties in the profile
    circuits_a = top_units(torch.rand(10, ARCH.n_units, generator=torch.Generator().manual_seed(7)), 0.15)
    circuits_b = top_units(_deviation(8), 0.15)
    live = torch.rand(ARCH.n_units, generator=torch.Generator().manual_seed(9)) > 0.2
    n_null, seed = 300, 4
    out = profile_null(circuits_a, circuits_b, perm, deviation, ARCH, size, n_null, seed, live)
    g = torch.Generator().manual_seed(seed)
    index = torch.arange(ARCH.n_units).expand(n_null, 10, ARCH.n_units).clone()
    for k, groups in enumerate(profile_groups(deviation, ARCH, size, live)):
        for group in groups:
            index[:, k, group] = group[torch.argsort(torch.rand(n_null, len(group), generator=g), dim=1)]
    mapped = map_units(circuits_a, perm)
    null = jaccard(mapped, torch.gather(circuits_b.expand(n_null, -1, -1), 2, index)).mean(-1).numpy()
    assert out["jaccard_profile_null_mean"] == float(null.mean())
    assert out["jaccard_profile_null_sd"] == float(null.std(ddof=1))
    observed = float(jaccard(mapped, circuits_b).mean())
    assert out["jaccard_profile_p"] == float((1 + (null >= observed - 1e-12).sum()) / (1 + n_null))
