"""On a CUDA GPU, where torch sees one: the hook path, the per-model analysis, universality and the known-permutation
check run there and agree with the CPU. Skipped elsewhere (tests/test_devices.py checks the same plumbing without a
GPU). TF32 is switched off here, so the GPU computes in full float32 and the tolerances stay those of float rounding.
SYMBIOSIS_TEST_GPU=cpu runs the same comparisons with the CPU in the GPU's place, to check the tests themselves on a
machine without one."""

import copy
import os

import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from symbiosis import hooks
from symbiosis.data.datasets import to_float
from symbiosis.errors import SymbiosisError
from symbiosis.metrics import ground_truth
from symbiosis.metrics.analysis import AnalysisSettings, analyse_sparsity
from symbiosis.primary.models import PrimaryCNN, clean_pass
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes
from symbiosis.symbiote.train import SymbioteTraining

GPU = os.environ.get("SYMBIOSIS_TEST_GPU", "cuda")
pytestmark = pytest.mark.skipif(
    GPU == "cuda" and not torch.cuda.is_available(),
    reason="no CUDA GPU visible to torch (tests/test_devices.py covers the plumbing)",
)
TAPS = ["taps.conv2", "taps.fc1"]


@pytest.fixture(autouse=True)
def full_float32():
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def random_symbiotes(primary: PrimaryCNN, x: torch.Tensor, seed: int) -> Symbiotes:
    """Symbiotes with random (not trained) weights, so that their gates differ from 1 without a training run."""
    sym = Symbiotes(SymbioteArch(), primary.arch, seed=seed)
    sym.fit_scale(clean_pass(primary, x).units.cpu())
    with torch.no_grad():
        sym.w2.normal_(0, 0.5, generator=torch.Generator().manual_seed(seed))
    return sym.eval()


def on(device: str, *modules):
    return [copy.deepcopy(m).to(device) for m in modules]


def test_hook_path_on_cuda_agrees_with_the_cpu(tiny_model, digits):
    x, y = digits(64)
    x = to_float(x)
    loader = DataLoader(TensorDataset(x, y), batch_size=32)
    layers = hooks.describe(tiny_model, TAPS, x[:2])
    sym, _ = hooks.train_symbiotes(tiny_model, layers, loader, SymbioteArch(classes=(1, 2)), SymbioteTraining(epochs=1))
    results = {}
    for device in ("cpu", GPU):
        model, s = on(device, tiny_model, sym)
        gates = s(hooks.record(model, layers, x.to(device))[1])[0]
        results[device] = {
            "logits": hooks.gated_logits(model, layers, x.to(device), gates).cpu(),
            "importance": hooks.unit_importance(model, layers, loader, 10),
            **hooks.attributions(model, layers, loader, 10),
            "evaluation": torch.tensor(hooks.evaluate(model, layers, s, loader, 10).iloc[:, 2:].to_numpy()),
        }
        assert s.scale.device.type == device
    for name, value in results["cpu"].items():
        assert torch.allclose(results[GPU][name].to(value.dtype), value, atol=1e-4, rtol=1e-3), name
    if GPU == "cuda":
        with pytest.raises(SymbiosisError, match="the model is on cuda:0 but its input is on cpu"):
            hooks.gated_logits(on(GPU, tiny_model)[0], layers, x)


def test_analysis_and_universality_on_cuda_agree_with_the_cpu(tiny_arch, digits):
    x, y = digits(80)
    primaries = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        primaries.append(PrimaryCNN(tiny_arch).eval())
    syms = [random_symbiotes(p, x, seed) for seed, p in enumerate(primaries)]
    settings = AnalysisSettings(seed=0, null_permutations=20)
    tables = {}
    for device in ("cpu", GPU):
        models = [(seed, on(device, p)[0], on(device, s)) for seed, p, s in zip((0, 1), primaries, syms, strict=True)]
        tables[device] = analyse_sparsity(models, x, y, settings, [{"seed": 0}, {"seed": 1}])
    (per_model_cpu, universal_cpu), (per_model_gpu, universal_gpu) = tables["cpu"], tables[GPU]
    for cpu, gpu in zip(per_model_cpu, per_model_gpu, strict=True):
        pd.testing.assert_frame_equal(gpu["units"], cpu["units"], atol=1e-4, rtol=1e-3)
    for column in ("matched_correlation", "cka_conv2", "cka_fc1", "cka_random_conv2", "cka_random_fc1"):
        assert universal_gpu[column].to_numpy() == pytest.approx(universal_cpu[column].to_numpy(), abs=1e-4)


def test_known_permutation_check_runs_on_cuda(tiny_model, digits):
    x, y = digits(100)
    primary = on(GPU, tiny_model)[0]
    sym = random_symbiotes(primary, x, 0).to(GPU)
    checks = ground_truth._permuted(primary, sym, x, y, AnalysisSettings(seed=0, null_permutations=20))
    matched = next(c for c in checks if c["check"].startswith("share of live units"))
    assert matched["value"] == 1.0
