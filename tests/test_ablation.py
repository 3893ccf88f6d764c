"""Exact ablation: the batched computation must equal the naive one-unit-at-a-time one, and known answers hold."""

import pytest
import torch

from symbiosis.metrics import ablation
from symbiosis.primary.models import trunk_features


def test_batched_ablation_equals_one_unit_at_a_time(tiny_model, digits):
    x, y = digits(300)
    trunk = trunk_features(tiny_model, x)
    batched = ablation.unit_importance(tiny_model, trunk, y, 10)
    naive = ablation.unit_importance(tiny_model, trunk, y, 10, ablate=ablation.ablated_logits_naive)
    assert batched.shape == (10, tiny_model.arch.n_units)
    torch.testing.assert_close(batched, naive, rtol=0, atol=1e-5)
    assert batched.abs().max() > 1e-3  # units matter, so equality is not trivial


def test_batched_ablation_of_unit_sets_equals_naive(tiny_model, digits):
    x, _ = digits(64, seed=1)
    trunk = trunk_features(tiny_model, x)
    means = ablation.unit_means(tiny_model, trunk)
    masks = torch.rand(7, tiny_model.arch.n_units, generator=torch.Generator().manual_seed(0)) < 0.3
    masks[0] = False  # ablating nothing changes nothing
    batched = ablation.ablated_logits(tiny_model, trunk, masks, means)
    naive = ablation.ablated_logits_naive(tiny_model, trunk, masks, means)
    torch.testing.assert_close(batched, naive, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(batched[0], tiny_model.classify(trunk), rtol=1e-5, atol=1e-5)


def test_importance_against_a_hand_computed_case(tiny_model, digits):
    """For an fc1 unit, ablation moves logit k by fc2[k, u] * (a_u - mean a_u): the importance is that, averaged."""
    x, y = digits(200, seed=2)
    trunk = trunk_features(tiny_model, x)
    _, acts = tiny_model.classify(trunk, return_activations=True)
    a = acts["fc1"]
    u = 3
    expected = torch.stack(
        [(tiny_model.fc2.weight[k, u] * (a[y == k, u] - a[:, u].mean())).mean() for k in range(10)]
    ).double()
    got = ablation.unit_importance(tiny_model, trunk, y, 10)[:, tiny_model.arch.conv2 + u]
    torch.testing.assert_close(got, expected.detach(), rtol=1e-4, atol=1e-6)


def test_ablating_every_unit_leaves_the_same_prediction_for_every_image(tiny_model, digits):
    x, y = digits(100, seed=3)
    trunk = trunk_features(tiny_model, x)
    everything = torch.ones(1, tiny_model.arch.n_units, dtype=torch.bool)
    logits = ablation.ablated_logits(tiny_model, trunk, everything, ablation.unit_means(tiny_model, trunk))[0]
    assert torch.allclose(logits, logits[:1].expand_as(logits), atol=1e-5)
    accuracy = ablation.ablated_accuracy(tiny_model, trunk, y, everything, 10)[0]
    assert sorted(accuracy.tolist())[-1] == 1.0 and accuracy.sum() == 1.0  # one class always predicted


def test_logit_drop_of_no_ablation_is_zero(tiny_model, digits):
    x, y = digits(50)
    trunk = trunk_features(tiny_model, x)
    none = torch.zeros(1, tiny_model.arch.n_units, dtype=torch.bool)
    assert ablation.per_class_logit_drop(tiny_model, trunk, y, none, 10).abs().max() < 1e-5


def test_one_unit_ablation_equals_the_general_masks_path_bit_for_bit(tiny_model, digits):
    x, y = digits(120, seed=4)
    trunk = trunk_features(tiny_model, x)
    means = ablation.unit_means(tiny_model, trunk)
    eye = torch.eye(tiny_model.arch.n_units, dtype=torch.bool)
    fast = ablation.unit_ablated_logits(tiny_model, trunk, eye, means)
    assert torch.equal(fast, ablation.ablated_logits(tiny_model, trunk, eye, means))
    general = ablation.unit_importance(tiny_model, trunk, y, 10, ablate=ablation.ablated_logits)
    assert torch.equal(ablation.unit_importance(tiny_model, trunk, y, 10), general)
    assert (fast != tiny_model.classify(trunk)[None]).any()  # ablation changes logits: the equality says something
    with pytest.raises(ValueError, match="identity"):
        ablation.unit_ablated_logits(tiny_model, trunk, eye.flip(0), means)


def test_channel_edit_equals_the_einsum_it_replaces():
    g = torch.Generator().manual_seed(0)
    shifts = torch.randn(40, 16, 30, generator=g)  # [B, C, F]
    masks = (torch.rand(9, 16, generator=g) < 0.4).float()
    expected = torch.einsum("mc,bcf->mbf", masks, shifts)
    assert torch.equal(ablation.channel_edit(masks, shifts.transpose(0, 1).contiguous()), expected)
