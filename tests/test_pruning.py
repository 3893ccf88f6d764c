import pytest
import torch

from symbiosis.data.datasets import Split
from symbiosis.primary import pruning
from symbiosis.primary.models import PrimaryCNN, measured_sparsity
from symbiosis.primary.train import PrimaryTraining, train_primary


def test_cubic_schedule_endpoints_and_monotone():
    values = [pruning.cubic_sparsity(t, 0.9, 10, 110) for t in range(0, 130)]
    assert values[0] == 0 and values[10] == 0 and values[110] == 0.9 and values[-1] == 0.9
    assert all(b >= a for a, b in zip(values, values[1:], strict=False))
    # cubic: fastest early, 1 - (1/2)^3 of the way at the midpoint
    assert pruning.cubic_sparsity(60, 0.9, 10, 110) == pytest.approx(0.9 * (1 - 0.5**3))


@pytest.mark.parametrize("target", [0.5, 0.9, 0.95])
def test_prune_to_masks_the_exact_count_of_smallest_weights(target, tiny_arch):
    torch.manual_seed(0)
    model = PrimaryCNN(tiny_arch)
    weights = torch.cat([m.weight.detach().abs().flatten() for m, _ in model.prunable()])
    pruning.prune_to(model, target / 2)
    pruning.prune_to(model, target)  # iterative: the second call adds to the first
    pruning.finalize(model)
    assert not any(hasattr(m, "weight_mask") for m, _ in model.prunable())
    assert measured_sparsity(model) == pytest.approx(target, abs=1 / weights.numel())
    kept = torch.cat([m.weight.detach().abs().flatten() for m, _ in model.prunable()])
    threshold = weights.sort().values[round(target * weights.numel()) - 1]
    assert torch.all(kept[kept > 0] >= threshold)  # global magnitude pruning kept the largest


@pytest.mark.parametrize("target", [0.0, 0.8, 0.95])
def test_training_reaches_target_sparsity(target, tiny_arch):
    torch.manual_seed(0)
    x = torch.randint(0, 256, (200, 1, 28, 28), dtype=torch.uint8)
    y = torch.arange(200) % 10
    split = Split(x, y, x[:50], y[:50])
    cfg = PrimaryTraining(sparsity=target, epochs=3, batch_size=32)
    model, history = train_primary(split, tiny_arch, cfg, torch.device("cpu"))
    assert abs(measured_sparsity(model) - target) <= 0.005
    assert history["sparsity"][-1] == pytest.approx(target, abs=0.005)


def test_structured_pruning_removes_the_weakest_whole_fc1_units(tiny_arch):
    torch.manual_seed(0)
    model = PrimaryCNN(tiny_arch)
    norms = model.fc1.weight.detach().norm(dim=1)
    others = {name: getattr(model, name).weight.detach().clone() for name in ("conv1", "conv2", "fc2")}
    pruning.prune_to(model, 0.25, method="structured")
    pruning.prune_to(model, 0.5, method="structured")  # iterative: adds to the first call's units
    pruning.finalize(model)
    removed = (model.fc1.weight == 0).all(1)
    assert int(removed.sum()) == tiny_arch.fc1 // 2
    assert torch.equal(removed, norms <= norms.sort().values[tiny_arch.fc1 // 2 - 1])  # the smallest L2 norms
    assert torch.all(model.fc1.bias[removed] == 0) and torch.all(model.fc1.bias[~removed] != 0)
    assert not (model.fc1.weight[~removed] == 0).all(1).any()
    for name, weight in others.items():  # only fc1 is pruned
        assert torch.equal(getattr(model, name).weight.detach(), weight)
    x = torch.rand(5, 1, 28, 28)
    _, acts = model(x, return_activations=True)
    assert torch.all(acts["fc1"][:, removed] == 0)  # a removed unit is silent, not a constant


def test_training_with_structured_pruning_keeps_the_asked_units(tiny_arch):
    x = torch.randint(0, 256, (100, 1, 28, 28), dtype=torch.uint8)
    y = torch.arange(100) % 10
    cfg = PrimaryTraining(sparsity=0.75, epochs=2, batch_size=20, prune_every=2, prune_method="structured")
    model, _ = train_primary(Split(x, y, x[:20], y[:20]), tiny_arch, cfg, torch.device("cpu"))
    assert int((model.fc1.weight == 0).all(1).sum()) == round(0.75 * tiny_arch.fc1)


def test_unknown_pruning_method_is_a_one_line_error(tiny_model):
    from symbiosis.errors import SymbiosisError

    with pytest.raises(SymbiosisError, match="unknown pruning method"):
        pruning.prune_to(tiny_model, 0.5, method="random")


def test_schema_offers_exactly_the_implemented_methods():
    from symbiosis.config import load_schema

    spec = load_schema()["properties"]["primary"]["properties"]["prune_method"]
    assert tuple(spec["enum"]) == pruning.METHODS and spec["default"] == "global" == PrimaryTraining.prune_method
