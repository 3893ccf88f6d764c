"""The MLP primary: trained by the primaries' trainer, gated by the hook path as by its own gates, and matched across
architectures (to a permuted copy of itself, where the answer is known, and to the CNN's fc1 against the null)."""

import torch

from symbiosis import hooks
from symbiosis.data.datasets import to_float
from symbiosis.hooks.matching import match_against_null
from symbiosis.metrics import universality
from symbiosis.primary.mlp import GATED_LAYERS, MLPArch, PrimaryMLP, permute_hidden
from symbiosis.primary.models import measured_sparsity
from symbiosis.primary.train import PrimaryTraining, accuracy_report, train_primary

SMALL = MLPArch(hidden1=24, hidden2=12)


def test_the_primary_trainer_trains_and_prunes_the_mlp(mnist5k):
    cfg = PrimaryTraining(sparsity=0.5, epochs=2, batch_size=128, augment_shift=0)
    model, history = train_primary(mnist5k, SMALL, cfg, torch.device("cpu"))
    assert isinstance(model, PrimaryMLP) and len(history["loss"]) == 2
    assert abs(measured_sparsity(model) - 0.5) < 0.01
    assert accuracy_report(model, mnist5k.x_test, mnist5k.y_test)["accuracy"] > 0.5  # chance is 0.1


def test_hook_gates_equal_the_mlps_own_gates(digits):
    torch.manual_seed(0)
    model, x = PrimaryMLP(SMALL).eval(), to_float(digits(16)[0])
    layers = hooks.describe(model, GATED_LAYERS, x[:2])
    assert layers.units == SMALL.units
    gates = 2 * torch.rand(16, SMALL.n_units)
    fused = model(x, gates=layers.split(gates))
    assert torch.allclose(hooks.gated_logits(model, layers, x, gates), fused, atol=1e-6)


def test_matching_recovers_the_permutation_of_a_permuted_copy(digits):
    torch.manual_seed(0)
    model, x = PrimaryMLP(SMALL).eval(), to_float(digits(200)[0])
    g = torch.Generator().manual_seed(3)
    perm = {name: torch.randperm(n, generator=g) for name, n in SMALL.units.items()}
    copy = permute_hidden(model, perm)
    assert torch.allclose(copy(x), model(x), atol=1e-5)  # the same function
    layers = hooks.describe(model, GATED_LAYERS, x[:2])
    units_a = hooks.record(model, layers, x)[1]
    units_b = hooks.record(copy, layers, x)[1]
    truth = torch.cat([perm["act1"], SMALL.hidden1 + perm["act2"]])
    found = universality.match_units(units_a, units_b, layers)  # both layers, each within itself
    live = units_a.std(0) > 0  # dead units have no activation to match on
    assert live.sum() > SMALL.n_units // 2
    assert torch.equal(found[live], truth[live])
    assert not torch.equal(truth, torch.arange(SMALL.n_units))


def test_cross_architecture_matching_runs_against_its_null(tiny_model, digits):
    """The MLP's second hidden layer to the CNN's fc1 (as many units) on the same images: a permutation and a null.
    Against a permuted copy of itself the observed correlation is 1 and beats every null draw."""
    torch.manual_seed(0)
    mlp, x = PrimaryMLP(SMALL).eval(), to_float(digits(150)[0])
    cnn_units = hooks.record(tiny_model, hooks.describe(tiny_model, ["taps.fc1"], x[:2]), x)[1]
    mlp_layers = hooks.describe(mlp, ["act2"], x[:2])
    mlp_units = hooks.record(mlp, mlp_layers, x)[1]
    result = match_against_null(mlp_units, cnn_units, n_null=20, seed=0)
    assert sorted(result["perm"].tolist()) == list(range(SMALL.hidden2))
    assert 0 < result["p"] <= 1 and result["null_sd"] > 0
    copy = permute_hidden(mlp, {n: torch.randperm(u) for n, u in SMALL.units.items()})
    itself = match_against_null(mlp_units, hooks.record(copy, mlp_layers, x)[1], n_null=20, seed=0)
    assert itself["matched_correlation"] > 0.999 and itself["p"] == 1 / 21
