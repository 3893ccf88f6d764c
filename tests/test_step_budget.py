"""A training budget in optimiser steps (primary.steps, symbiote.steps, ground_truth.steps): it takes exactly that
many steps, and a budget of whole epochs trains exactly as those epochs do (config/full.yaml relies on it: its
mnist5k primaries and symbiotes are the default run's)."""

import dataclasses

import torch

from symbiosis import hooks
from symbiosis.data.datasets import Split, to_float
from symbiosis.primary.models import measured_sparsity
from symbiosis.primary.train import PrimaryTraining, step_budget, train_primary
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, train_symbiotes

TAPS = ["taps.conv2", "taps.fc1"]


def test_step_budget_counts_steps_and_the_passes_they_begin():
    assert step_budget(4000, 128, 10, None) == (320, 10)  # 32 batches per epoch, the last one short
    assert step_budget(4000, 128, 10, 320) == (320, 10)
    assert step_budget(60000, 128, 10, 320) == (320, 1)  # Fashion-MNIST: 469 batches per epoch
    assert step_budget(100, 30, 1, 9) == (9, 3)  # 4 batches per epoch: two whole passes and one begun


def _primary(split, arch, **budget):
    calls = []

    def count(model, images, labels):
        calls.append(len(images))
        return images.new_zeros(())

    cfg = PrimaryTraining(sparsity=0.5, batch_size=32, augment_shift=1, **budget)
    model, history = train_primary(split, arch, cfg, torch.device("cpu"), extra_loss=count)
    return model, history, calls


def test_a_primary_takes_its_step_budget_and_whole_epochs_change_nothing(tiny_arch, digits):
    x, y = digits(100)  # 4 batches per epoch at 32
    split = Split(x, y, x[:20], y[:20])
    by_epochs, history, calls = _primary(split, tiny_arch, epochs=2)
    by_steps, same_history, _ = _primary(split, tiny_arch, epochs=1, steps=8)
    assert len(calls) == 8 and same_history == history
    for (name, a), b in zip(by_epochs.state_dict().items(), by_steps.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    short, history, calls = _primary(split, tiny_arch, epochs=5, steps=6)
    assert calls == [32, 32, 32, 4, 32, 32]  # one whole pass, then two batches of the second
    assert history["epoch"] == [1, 2] and len(history["loss"]) == 2
    assert abs(measured_sparsity(short) - 0.5) < 0.01  # pruned to its target however short the schedule


def test_symbiotes_take_their_step_budget_on_both_paths(tiny_model, digits):
    x, y = digits(128)  # 2 batches per epoch at 64
    arch = SymbioteArch(classes=(3, 7))
    by_epochs, epochs_history = train_symbiotes(tiny_model, x, y, arch, SymbioteTraining(epochs=2, batch_size=64))
    cfg = SymbioteTraining(epochs=1, steps=4, batch_size=64)
    by_steps, steps_history = train_symbiotes(tiny_model, x, y, arch, cfg)
    assert steps_history == epochs_history and len(steps_history["step"]) == 4
    for (name, a), b in zip(by_epochs.state_dict().items(), by_steps.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    cfg = dataclasses.replace(cfg, epochs=9, steps=3)
    _, fused_history = train_symbiotes(tiny_model, x, y, arch, cfg)
    layers = hooks.describe(tiny_model, TAPS, to_float(x[:2]))
    _, hooked_history = hooks.train_symbiotes(tiny_model, layers, hooks.SameBatches(x, y, cfg), arch, cfg)
    assert len(fused_history["step"]) == 3 and hooked_history == fused_history
