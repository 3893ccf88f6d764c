"""Intervention size E|a - a'| / std(a), the same for every kind, and the penalty on target images alone."""

import torch

from symbiosis.metrics.intervention import edited_units, intervention_size, target_penalty
from symbiosis.primary.models import clean_pass, split_units, unit_activations
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes


def test_size_known_answers():
    g = torch.Generator().manual_seed(0)
    clean = torch.rand(100, 8, generator=g)
    clean[:, 7] = 0  # dead: left out
    y = torch.arange(100) % 4
    std = clean.double().std(0)
    one_std = clean + std.float()
    edited = torch.stack([clean, one_std, clean * 0])
    size = intervention_size(clean, edited, y, classes=[0, 1, 2])
    torch.testing.assert_close(size["all"][:2], torch.tensor([0.0, 1.0], dtype=torch.float64))
    expected = (clean[:, :7].double() / std[:7]).mean()  # silencing every unit: E|a| / std
    torch.testing.assert_close(size["all"][2], expected)
    own = y == 2
    torch.testing.assert_close(size["target"][2], (clean[own, :7].double() / std[:7]).mean())
    torch.testing.assert_close(size["other"][2], (clean[~own, :7].double() / std[:7]).mean())


def test_every_kind_measured_through_the_model(tiny_model, digits):
    x, y = digits(200)
    clean = clean_pass(tiny_model, x)
    trunk, units = clean.trunk, clean.units
    n_conv = tiny_model.arch.conv2
    steering = Symbiotes(SymbioteArch(kind="steering", classes=(0, 1)), tiny_model.arch)
    steering.fit_scale(units)
    static = Symbiotes(SymbioteArch(kind="static", classes=(0, 1)), tiny_model.arch)
    with torch.no_grad():
        steering.shift[1, n_conv:] = 1.0  # class 1: every fc1 unit shifted by one (floored) standard deviation
        static.z[1, n_conv:] = -torch.inf  # class 1: every fc1 unit silenced
    for sym in (steering, static):
        edited = edited_units(tiny_model, sym, trunk, units)
        size = intervention_size(units, edited, y, sym.arch.classes)
        assert size["all"][0] == 0  # an edit that does nothing has size 0, whatever its kind
        assert size["all"][1] > 0
    # the steering edit moves each live fc1 unit by exactly its scale; conv2 untouched
    edited = edited_units(tiny_model, steering, trunk, units)[1]
    torch.testing.assert_close(edited[:, n_conv:] - units[:, n_conv:], steering.scale[n_conv:].expand(len(x), -1))
    torch.testing.assert_close(edited[:, :n_conv], units[:, :n_conv])
    # the gated edit equals applying the gates by hand
    gates, _ = static(units)
    _, acts = tiny_model.classify(trunk, gates=split_units(gates[1], tiny_model.arch), return_activations=True)
    by_hand = unit_activations(acts)
    torch.testing.assert_close(edited_units(tiny_model, static, trunk, units)[1], by_hand)
    assert by_hand[:, n_conv:].abs().max() == 0


def test_penalty_on_target_images_alone(tiny_model, digits):
    x, y = digits(300, seed=1)
    units = clean_pass(tiny_model, x).units
    sym = Symbiotes(SymbioteArch(kind="symbiote", classes=(3,), hidden=4), tiny_model.arch, seed=1)
    sym.fit_scale(units)
    with torch.no_grad():
        sym.w2.normal_(generator=torch.Generator().manual_seed(2))
    gates, _ = sym(units)
    expected = (gates[0][y == 3] - 1).abs().mean().double()
    torch.testing.assert_close(target_penalty(sym, units, y)[0], expected)
    assert expected != (gates[0] - 1).abs().mean().double()  # differs from the penalty over every input
    static = Symbiotes(SymbioteArch(kind="static", classes=(3,)), tiny_model.arch)
    with torch.no_grad():
        static.z.fill_(0.0)  # g = 2 * sigmoid(0) = 1 ... then one unit at 0
        static.z[0, 0] = -torch.inf
    torch.testing.assert_close(target_penalty(static, units, y), torch.tensor([1 / tiny_model.arch.n_units]).double())


def test_symbiotes_table_reports_the_same_size_for_every_kind(tiny_model, digits):
    """evaluate_symbiotes: a do-nothing edit has intervention size 0 on target and other images whatever its kind;
    silencing fc1 for class 1 has a positive size."""
    from symbiosis.symbiote.evaluate import Criterion, evaluate_symbiotes

    x, y = digits(200)
    clean = clean_pass(tiny_model, x)
    steering = Symbiotes(SymbioteArch(kind="steering", classes=(0, 1)), tiny_model.arch)
    steering.fit_scale(clean.units)
    static = Symbiotes(SymbioteArch(kind="static", classes=(0, 1)), tiny_model.arch)
    with torch.no_grad():
        static.z.zero_()  # g = g_max * sigmoid(0) = 1 with the default g_max of 2: no edit
        static.z[1, tiny_model.arch.conv2 :] = -torch.inf
    summary, _, _ = evaluate_symbiotes(tiny_model, [steering, static], clean, y, {"seed": 0}, Criterion())
    rows = summary.set_index(["kind", "target_class"])
    for kind in ("steering", "static"):
        assert rows.loc[(kind, 0), "intervention_size_target"] == 0
        assert rows.loc[(kind, 0), "intervention_size_other"] == 0
    assert rows.loc[("static", 1), "intervention_size_other"] > 0
    assert rows.loc[("static", 1), "penalty_target"] > 0 == rows.loc[("static", 0), "penalty_target"]
