"""Sufficiency and necessity curves on a hand-built network with a planted circuit per class: class k's images light
conv2 channel k (and, more weakly, channel k + 1); fc1 units 2k and 2k + 1 read channel k; logit k reads them. Removing
{channel k, units 2k, 2k + 1} must remove class k and spare the others; a random circuit of the same size must not;
and a broken metric or a broken ablation must make the check fail."""

import math

import pandas as pd
import pytest
import torch

from symbiosis.metrics import curves
from symbiosis.metrics.recovery import live_units
from symbiosis.primary.models import PrimaryArch, PrimaryCNN, unit_activations
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes

ARCH = PrimaryArch(conv1=4, conv2=10, fc1=30)
FRACTIONS = (0.025, 0.05, 0.075, 0.1, 0.2, 0.5)  # of 40 live units: 1, 2, 3, 4, 8, 20; the circuit has 3


def planted_network() -> PrimaryCNN:
    net = PrimaryCNN(ARCH).eval()
    side = 7 * 7
    with torch.no_grad():
        w = torch.zeros(30, 10, side)
        for k in range(10):
            w[2 * k : 2 * k + 2, k] = 1.0
        w[20:] = 0.02  # distractors: live, read everything, feed nothing
        net.fc1.weight.copy_(w.flatten(1))
        net.fc1.bias.copy_(torch.cat([torch.full((20,), -10.0), torch.zeros(10)]))
        wiring = torch.zeros(10, 30)
        for k in range(10):
            wiring[k, 2 * k : 2 * k + 2] = 1.0
        net.fc2.weight.copy_(wiring)
        net.fc2.bias.zero_()
    return net


def planted_data(n_per_class: int = 40, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(10).repeat_interleave(n_per_class)
    trunk = 0.1 * torch.rand(len(y), 10, 7, 7, generator=g)
    idx = torch.arange(len(y))
    trunk[idx, y] = 1.0 + 0.5 * torch.rand(len(y), 7, 7, generator=g)
    trunk[idx, (y + 1) % 10] = 0.6 + 0.2 * torch.rand(len(y), 7, 7, generator=g)
    return trunk, y


def planted_layout() -> torch.Tensor:
    layout = torch.zeros(10, 40, dtype=torch.bool)
    for k in range(10):
        layout[k, k] = True
        layout[k, 10 + 2 * k : 10 + 2 * k + 2] = True
    return layout


def planted_symbiote() -> Symbiotes:
    """A static symbiote that silences exactly class k's planted units (gate 0) and leaves the rest alone."""
    sym = Symbiotes(SymbioteArch(kind="static", classes=tuple(range(10))), ARCH)
    with torch.no_grad():
        sym.z[planted_layout()] = -torch.inf
    return sym


@pytest.fixture(scope="module")
def case():
    net = planted_network()
    trunk, y = planted_data()
    _, acts = net.classify(trunk, return_activations=True)
    units = unit_activations(acts)
    return net, trunk, units, y


def _curves(case, scores):
    net, trunk, units, y = case
    live = live_units(units)
    return curves.circuit_curves(
        net, trunk, units, y, scores, list(range(10)), live, planted_symbiote(), fractions=FRACTIONS, seed=1
    )


def _at(table, method, part, fraction=0.075):
    rows = table[(table.method == method) & (table.set == part) & (table.fraction == fraction)]
    return rows[list(curves.METRICS)].mean()


def assert_removes_its_class(table: pd.DataFrame, random_table: pd.DataFrame) -> None:
    clean = table[table.method == "clean"][list(curves.METRICS)].mean()
    assert clean.target_accuracy == 1.0 and clean.other_accuracy == 1.0
    mean = _at(table, "mean", "circuit")
    assert mean.target_accuracy < 0.2 and mean.other_accuracy > 0.9  # necessary, and specific
    assert mean.target_margin < 0 < mean.other_margin
    assert _at(table, "resample", "circuit").target_accuracy < 0.5
    gates, rest = _at(table, "gates", "circuit"), _at(table, "gates", "complement")
    assert gates.target_accuracy == 0.0 and gates.other_accuracy > 0.9  # the symbiote's edit lives on C_k ...
    assert rest.target_accuracy == 1.0  # ... and nowhere else
    assert _at(random_table, "mean", "circuit").target_accuracy > 0.6  # a random circuit of the same size
    necessity = curves.curve_areas(table).query("method == 'mean' and set == 'circuit'")
    random_necessity = curves.curve_areas(random_table).query("method == 'mean' and set == 'circuit'")
    assert necessity.target_accuracy_drop_area.mean() > random_necessity.target_accuracy_drop_area.mean() + 0.2


def _scores(case):
    g = torch.Generator().manual_seed(3)
    noise = torch.rand(10, 40, generator=g, dtype=torch.float64)
    return planted_layout().double() + 0.5 * noise, noise


def test_a_planted_circuit_is_necessary_and_specific_and_a_random_one_is_not(case):
    planted, noise = _scores(case)
    table = _curves(case, planted)
    assert (table[table.set != "all"].groupby("fraction")["size"].first().tolist()) == [
        math.ceil(f * 40) for f in FRACTIONS
    ]
    assert_removes_its_class(table, _curves(case, noise))


@pytest.mark.parametrize("broken", ["ablation that removes nothing", "margin and accuracy of the wrong labels"])
def test_the_check_fails_when_broken_on_purpose(case, monkeypatch, broken):
    planted, noise = _scores(case)
    if broken == "ablation that removes nothing":
        monkeypatch.setattr(
            curves,
            "ablated_logits",
            lambda net, trunk, masks, means, **_: net.classify(trunk).expand(len(masks), -1, -1),
        )
    else:
        honest = curves.margin_and_accuracy
        monkeypatch.setattr(curves, "margin_and_accuracy", lambda logits, y: honest(logits, (y + 1) % 10))
    with pytest.raises(AssertionError):
        assert_removes_its_class(_curves(case, planted), _curves(case, noise))


def test_resampling_from_itself_changes_nothing_and_everything_copies_the_donor(case):
    net, trunk, _, _ = case
    masks = torch.tensor([[False] * 40, [True] * 40])
    donor = trunk.flip(0)
    logits = curves.resampled_logits(net, trunk, masks, donor)
    torch.testing.assert_close(logits[0], net.classify(trunk))
    torch.testing.assert_close(logits[1], net.classify(donor))
    torch.testing.assert_close(curves.resampled_logits(net, trunk, masks[1:], trunk)[0], net.classify(trunk))
    fc1_only = torch.zeros(1, 40, dtype=torch.bool)
    fc1_only[0, 10:] = True  # the donors' fc1 activations alone decide the logits
    torch.testing.assert_close(curves.resampled_logits(net, trunk, fc1_only, donor)[0], net.classify(donor))
    conv_only = ~fc1_only  # the donors' conv2 maps, read by fc1, decide them too
    torch.testing.assert_close(curves.resampled_logits(net, trunk, conv_only, donor)[0], net.classify(donor))
    d = curves.derangement(50, seed=0)
    assert sorted(d.tolist()) == list(range(50)) and not (d == torch.arange(50)).any()


def test_margin_and_accuracy_known_answer():
    logits = torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 1.0]])
    margin, correct = curves.margin_and_accuracy(logits, torch.tensor([0, 2]))
    torch.testing.assert_close(margin, torch.tensor([1.0, -4.0]))
    assert correct.tolist() == [True, False]
