"""Device plumbing of the metrics: NumPy and SciPy get CPU tensors, indices and masks sit on their data's device.

Without a GPU two stand-ins exercise it: `Accelerated`, a tensor that, like a CUDA tensor, refuses `.numpy()` until it
is moved with `.cpu()`; and the meta device, which refuses to be mixed with CPU tensors in one operation. The same
checks run on a real GPU in tests/test_cuda.py where one is visible.
"""

import pytest
import torch

from symbiosis.metrics import ablation, features, universality
from symbiosis.primary.models import PrimaryArch


class Accelerated(torch.Tensor):
    """Stands for a tensor on an accelerator: NumPy refuses it until `.cpu()`, which returns a plain CPU tensor."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.Tensor.numpy, torch.Tensor.__array__):
            raise TypeError("can't convert accelerator tensor to numpy. Use Tensor.cpu() first.")
        out = super().__torch_function__(func, types, args, kwargs or {})
        if func is torch.Tensor.cpu:
            return out.as_subclass(torch.Tensor)
        return out


def accelerated(t: torch.Tensor) -> torch.Tensor:
    return t.clone().as_subclass(Accelerated)


def test_the_stand_in_refuses_numpy_like_a_cuda_tensor():
    t = accelerated(torch.ones(3))
    with pytest.raises(TypeError, match="Tensor.cpu"):
        t.numpy()
    assert isinstance((t * 2).sum(0), Accelerated)
    assert (t * 2).cpu().numpy().tolist() == [2.0, 2.0, 2.0]


def test_matching_and_agreement_move_activations_to_the_cpu():
    arch = PrimaryArch(conv1=2, conv2=3, fc1=4)
    g = torch.Generator().manual_seed(0)
    units = torch.randn(50, arch.n_units, generator=g)
    perm = universality.random_permutations(arch, 1, 0)[0]
    found = universality.match_units(accelerated(units), accelerated(universality.map_units(units, perm)), arch)
    assert torch.equal(found, perm)
    scores = accelerated(torch.rand(10, arch.n_units, generator=g, dtype=torch.float64))
    circuits = torch.zeros(10, arch.n_units, dtype=torch.bool)
    out = universality.agreement(scores, scores, circuits, circuits, torch.arange(arch.n_units), arch, 5, 0)
    assert out["spearman"] == pytest.approx(1.0)


def test_feature_recovery_moves_scores_to_the_cpu():
    g = torch.Generator().manual_seed(1)
    importance = torch.rand(2, 20, generator=g, dtype=torch.float64)
    truth = features.top_units(importance, 0.2)
    rows = features.recovery(accelerated(importance), accelerated(importance), accelerated(truth))
    assert all(row["auc"] == 1.0 and row["spearman"] == pytest.approx(1.0) for row in rows)


def test_ablation_masks_follow_the_data_to_its_device(tiny_model):
    """Circuits arrive as CPU masks; the batched ablation must move them to the trunk's device (meta here)."""
    model = tiny_model.to("meta")
    trunk = torch.empty(5, 6, 7, 7, device="meta")
    means = {"conv2": torch.empty(6, 7, 7, device="meta"), "fc1": torch.empty(12, device="meta")}
    masks = torch.eye(18, dtype=torch.bool)[:4]  # on the CPU
    logits = ablation.ablated_logits(model, trunk, masks, means)
    assert logits.device.type == "meta" and logits.shape == (4, 5, 10)
