"""Known answers for the class-level polysemanticity measures: planted units and planted conv channels."""

import torch

from symbiosis.metrics.polysemanticity import class_means, effective_classes, spatial_effective_classes


def planted_units(classes_per_unit: list[int], n: int = 2000, seed: int = 0):
    """Activations [n, U] of units that fire (noisily, at random strengths) for exactly their first k classes."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    fires = torch.stack([y < k for k in classes_per_unit], 1).float()
    strength = torch.rand(n, len(classes_per_unit), generator=g) + 0.5
    noise = 0.05 * torch.rand(n, len(classes_per_unit), generator=g)
    return fires * strength + noise, y


def test_effective_classes_orders_planted_units_by_their_number_of_classes():
    ks = [5, 1, 3, 2, 1, 5, 2, 3]
    acts, y = planted_units(ks)
    eff = effective_classes(class_means(acts, y, 10))
    planted = torch.tensor(ks)
    for fewer, more in zip([1, 2, 3], [2, 3, 5], strict=True):  # every unit of fewer classes scores below every unit
        assert eff[planted == fewer].max() < eff[planted == more].min()  # of more classes
    assert torch.all(eff >= planted)  # a low, unselective noise floor (5 % of the signal) only adds to the count


def stroke_channels(n: int = 1000, seed: int = 0):
    """conv activations [n, 3, 7, 7]: channel 0 fires at a class-dependent position (one stroke, moving), channel 1
    at one position for class 3 only (class-specific), channel 2 at one position for every class (unselective)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 10
    acts = torch.zeros(n, 3, 7, 7)
    strength = torch.rand(n, generator=g) + 0.5
    acts[torch.arange(n), 0, y // 7 * 3, y % 7] = strength
    acts[y == 3, 1, 3, 3] = strength[y == 3]
    acts[:, 2, 3, 3] = strength
    return acts, y


def test_spatial_measure_separates_a_moving_stroke_from_an_unselective_channel():
    acts, y = stroke_channels()
    spatial = spatial_effective_classes(acts, y, 10)
    averaged = effective_classes(class_means(acts.mean((2, 3)), y, 10))
    assert averaged[0] > 9 and averaged[2] > 9  # averaged over space, the moving stroke looks unselective
    assert spatial[0] < 1.1 and spatial[1] < 1.1  # resolved in space, it answers to one class at each place
    assert spatial[2] > 9  # while a channel firing at one place for every class stays unselective
    assert averaged[1] < 1.1


def test_spatial_measure_of_a_dead_channel_is_nan():
    acts, y = stroke_channels(100)
    acts[:, 1] = 0
    assert torch.isnan(spatial_effective_classes(acts, y, 10)[1])
