"""Conditional baselines, the KL objective on the other classes, the lambda sweep and its Pareto fronts: known
answers where there are any, relations with room where training decides."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from symbiosis.primary.models import PrimaryArch, clean_pass
from symbiosis.primary.train import PrimaryTraining, train_primary
from symbiosis.report.sweep import pareto_optimal, pareto_table
from symbiosis.symbiote.evaluate import Criterion, evaluate_symbiotes
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes
from symbiosis.symbiote.train import SymbioteTraining, clean_logits, symbiote_loss, train_sweep

CONDITIONAL = ("conditional_static", "conditional_steering")


def _conditional(model, kind, classes, units):
    """A conditional symbiote of `kind` with a non-trivial random edit, and its unconditional twin with the same."""
    syms = []
    for name in (kind, kind.removeprefix("conditional_")):
        sym = Symbiotes(SymbioteArch(kind=name, classes=classes), model.arch)
        sym.fit_scale(units)
        with torch.no_grad():
            for p in sym.parameters():
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(1)))
        if sym.arch.conditional:
            sym.fit_readout(model.fc2.weight, model.fc2.bias)
        syms.append(sym)
    return syms


@pytest.mark.parametrize("kind", CONDITIONAL)
def test_conditional_kinds_leave_alone_the_images_the_primary_gives_other_classes(tiny_model, digits, kind):
    """Known answer: where the primary predicts another class the conditional edit is exactly none (g = 1, shift 0)
    and the primary's logits are its own; where it predicts class k the edit is the unconditional kind's."""
    x, _ = digits(300, seed=4)
    clean = clean_pass(tiny_model, x)
    counts = torch.bincount(clean.predicted, minlength=10)
    classes = tuple(int(c) for c in counts.argsort(descending=True)[:2])  # the two classes predicted most
    conditional, plain = _conditional(tiny_model, kind, classes, clean.units)
    on = conditional.predicts_target(clean.units)[..., 0]
    assert torch.equal(on, clean.predicted[None] == torch.tensor(classes)[:, None])  # the primary's own prediction
    assert on.any(1).all() and (~on).any(1).all()
    edit, full = (e for e in (conditional(clean.units), plain(clean.units)))
    index = 0 if "static" in kind else 1
    neutral = 1.0 if index == 0 else 0.0
    for i in range(len(classes)):
        assert torch.equal(edit[index][i][~on[i]], torch.full_like(edit[index][i][~on[i]], neutral))
        assert torch.equal(edit[index][i][on[i]], full[index][i].expand(int(on[i].sum()), -1))
        assert not torch.equal(full[index][i], torch.full_like(full[index][i], neutral))  # the edit is not nothing
    logits, _ = conditional.edit(tiny_model, clean.trunk, clean.units)
    plain_logits, _ = plain.edit(tiny_model, clean.trunk, clean.units)
    reference = tiny_model.classify(clean.trunk)
    for i in range(len(classes)):
        torch.testing.assert_close(logits[i][~on[i]], reference[~on[i]], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(logits[i][on[i]], plain_logits[i][on[i]], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", CONDITIONAL)
def test_conditional_edit_equals_gating_each_image_on_its_own(tiny_model, digits, kind):
    """`edit` computes the conditional kinds as the class's one edit kept where the primary predicts the class; the
    logits, penalty and gradients equal those of the per-image gates or shifts of `forward`, applied image by image."""
    x, _ = digits(300, seed=4)
    clean = clean_pass(tiny_model, x)
    classes = tuple(int(c) for c in torch.bincount(clean.predicted, minlength=10).argsort(descending=True)[:2])
    conditional, _ = _conditional(tiny_model, kind, classes, clean.units)
    logits, penalty = conditional.edit(tiny_model, clean.trunk, clean.units)
    fast = torch.autograd.grad((logits.square().mean() + penalty.sum()), list(conditional.parameters()))
    gates, shifts = conditional(clean.units)
    assert (gates if gates is not None else shifts).shape[1] == len(x)  # per image: the path being compared against
    per_image = conditional._classify(tiny_model, clean.trunk, gates, shifts, None)
    per_image_penalty = conditional.penalty(gates, shifts)
    slow = torch.autograd.grad((per_image.square().mean() + per_image_penalty.sum()), list(conditional.parameters()))
    torch.testing.assert_close(logits, per_image, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(penalty, per_image_penalty, rtol=1e-5, atol=1e-6)
    assert penalty.min() > 0 and not torch.equal(logits, tiny_model.classify(clean.trunk).expand_as(logits))
    for a, b in zip(fast, slow, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", CONDITIONAL)
def test_conditional_symbiotes_follow_a_permuted_primary(tiny_model, digits, kind):
    """The readout copy is permuted with the units: the moved symbiote decides on the permuted units as before."""
    x, _ = digits(100, seed=5)
    clean = clean_pass(tiny_model, x)
    conditional, _ = _conditional(tiny_model, kind, (0, 1, 2), clean.units)
    perm = torch.cat([torch.randperm(n, generator=torch.Generator().manual_seed(n)) for n in (6, 12)])
    perm[6:] += 6
    moved = conditional.permuted(perm)
    permuted_units = torch.empty_like(clean.units)
    permuted_units[:, perm] = clean.units  # the other primary's unit perm[u] is this one's unit u
    assert torch.equal(moved.predicts_target(permuted_units), conditional.predicts_target(clean.units))


def test_kl_on_the_other_classes_is_zero_at_initialisation_and_positive_once_edited(tiny_model, digits):
    """Known answer: an edit that changes nothing costs nothing under KL to the primary's own outputs; cross-entropy to
    the labels costs the primary's own errors (it rewards repairing them)."""
    x, y = digits(120, seed=6)
    y = y % 5  # no image of the symbiotes' classes 5 and 6: the loss is the other-class term alone (+ the penalty)
    clean = clean_pass(tiny_model, x)
    reference = clean_logits(tiny_model, clean.units)
    torch.testing.assert_close(reference, tiny_model.classify(clean.trunk), rtol=1e-5, atol=1e-5)
    classes = torch.tensor([5, 6])
    for kind in ("symbiote", "static", "steering", *CONDITIONAL):
        sym = Symbiotes(SymbioteArch(kind=kind, classes=(5, 6)), tiny_model.arch)
        sym.fit_scale(clean.units)
        logits, penalty = sym.edit(tiny_model, clean.trunk, clean.units)
        kl = symbiote_loss(logits, y, classes, penalty, alpha=1.0, lam=1.0, clean_logits=reference)
        ce = symbiote_loss(logits, y, classes, penalty, alpha=1.0, lam=1.0)
        assert kl.abs().max() < 1e-5, kind
        assert (ce > 0.1).all(), kind  # a random primary is wrong on most images
    sym = Symbiotes(SymbioteArch(kind="steering", classes=(5, 6)), tiny_model.arch)
    sym.fit_scale(clean.units)
    with torch.no_grad():
        sym.shift.copy_(torch.randn(sym.shift.shape, generator=torch.Generator().manual_seed(0)) * 20)
    logits, penalty = sym.edit(tiny_model, clean.trunk, clean.units)
    kl = symbiote_loss(logits, y, classes, penalty, alpha=1.0, lam=0.0, clean_logits=reference)
    assert (kl > 1e-3).all()  # 100 times the bound at initialisation


def test_pareto_optimal_against_a_known_answer():
    points = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0], [1, 1, 1], [0, 1, 1], [0.5, 1, 2]])
    # [1, 1, 1] is dominated by each of the first three; a duplicate of an optimal point stays optimal (not strictly
    # better anywhere); [0.5, 1, 2] is dominated by [0, 1, 1].
    assert pareto_optimal(points).tolist() == [True, True, True, False, True, False]


@pytest.fixture(scope="module")
def sweep_rows(mnist5k):
    """The sweep of every kind at two penalty weights far apart on a quickly trained small primary."""
    torch.manual_seed(0)
    arch = PrimaryArch(conv1=8, conv2=16, fc1=64)
    x, y = mnist5k.x_train[:2000], mnist5k.y_train[:2000]
    primary, _ = train_primary(mnist5k, arch, PrimaryTraining(epochs=3, batch_size=256), torch.device("cpu"))
    classes = (1, 3, 7)
    archs = [SymbioteArch(kind=kind, classes=classes) for kind in ("symbiote", "static", "steering", *CONDITIONAL)]
    cfg = SymbioteTraining(epochs=4)
    test = clean_pass(primary, mnist5k.x_test)
    rows = []
    for _, lam, sym in train_sweep(primary, x, y, archs, cfg, (0.01, 10.0)):
        info = {"dataset": "mnist5k", "target_sparsity": 0.0, "seed": 0}
        summary, _, _ = evaluate_symbiotes(primary, [sym], test, mnist5k.y_test, info, Criterion())
        rows.append(summary.assign(lam=lam))
    return pd.concat(rows, ignore_index=True)


def test_sweep_has_a_row_per_kind_weight_and_class(sweep_rows):
    assert len(sweep_rows) == 5 * 2 * 3
    assert set(sweep_rows.groupby(["kind", "lam"]).size()) == {3}
    assert (sweep_rows["other_loss"] == Criterion().other_loss).all()


def test_a_heavier_penalty_gives_a_smaller_intervention_and_keeps_more_of_the_class(sweep_rows):
    """lambda from 0.01 to 10: for every kind the penalty (over all images and on target images) shrinks, the
    intervention on target images does not grow (5 % of room), and the target class keeps at least as much accuracy
    (0.05 of room); the symbiote's penalty falls by more than half. Measured here: symbiote 0.30 -> 0.015 (all
    images), static 0.094 -> 0.039, steering 0.29 -> 0.060; the conditional kinds, whose penalty is spread over all
    images but paid on about a tenth of them, least (0.0106 -> 0.0095, 0.032 -> 0.020)."""
    means = sweep_rows.groupby(["kind", "lam"])[
        ["penalty_all", "penalty_target", "intervention_size_target", "target_accuracy"]
    ].mean()
    for kind in sweep_rows["kind"].unique():
        light, heavy = means.loc[(kind, 0.01)], means.loc[(kind, 10.0)]
        assert heavy["penalty_all"] < light["penalty_all"], kind
        assert heavy["penalty_target"] < light["penalty_target"], kind
        assert heavy["intervention_size_target"] < 1.05 * light["intervention_size_target"], kind
        assert heavy["target_accuracy"] >= light["target_accuracy"] - 0.05, kind
    assert means.loc[("symbiote", 10.0), "penalty_all"] < 0.5 * means.loc[("symbiote", 0.01), "penalty_all"]
    table = pareto_table(sweep_rows.assign(other_damage=sweep_rows["other_accuracy_drop"].clip(lower=0)))
    assert len(table) == 5 * 2 and table["pareto_level"].any() and (table["n"] == 1).all()
    assert (table.groupby("kind")["pareto_kind"].sum() >= 1).all()  # every kind has a front


@pytest.mark.parametrize("kind", ["symbiote", "static", "steering", "conditional_static"])
def test_sweep_trains_the_weights_side_by_side_as_each_alone(tiny_model, kind):
    """The sweep stacks every penalty weight of a kind into one module; each weight's symbiotes equal those trained
    alone at that weight (same start, batches and element-wise Adam), up to the rounding of the larger kernels."""
    from conftest import random_digits

    from symbiosis.symbiote.train import train_symbiotes

    x, y = random_digits(300)
    arch, cfg, lams = SymbioteArch(kind=kind, classes=(1, 3, 7)), SymbioteTraining(epochs=3, batch_size=64), (0.1, 3.0)
    swept = {lam: sym for _, lam, sym in train_sweep(tiny_model, x, y, [arch], cfg, lams)}
    assert list(swept) == list(lams)
    for lam in lams:
        alone, _ = train_symbiotes(tiny_model, x, y, arch, dataclasses.replace(cfg, lam=lam))
        assert swept[lam].arch == alone.arch
        for name, value in alone.state_dict().items():
            torch.testing.assert_close(swept[lam].state_dict()[name], value, rtol=1e-4, atol=1e-5, msg=name)
    if not arch.conditional:  # the weights were told apart (the tiny model may never predict a target class)
        first, second = (torch.cat([p.flatten() for p in swept[lam].parameters()]) for lam in lams)
        assert not torch.allclose(first, second, rtol=1e-3)
