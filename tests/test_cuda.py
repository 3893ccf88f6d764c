"""On a CUDA GPU, where torch sees one: the hook path, the per-model analysis, universality and the known-permutation
check run there and agree with the CPU. Skipped elsewhere (tests/test_devices.py checks the same plumbing without a
GPU). TF32 is switched off here, so the GPU computes in full float32 and the tolerances stay those of float rounding.
SYMBIOSIS_TEST_GPU=cpu runs the same comparisons with the CPU in the GPU's place, to check the tests themselves on a
machine without one."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from symbiosis import hooks
from symbiosis.data.datasets import to_float
from symbiosis.errors import SymbiosisError
from symbiosis.files import copy_workflow
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


def _workflow(root, work, device: str):
    """Run the test config end to end (through the findings) on `device` in a copy of the workflow at `work`."""
    copy_workflow(root, work)
    cmd = [sys.executable, "-m", "snakemake", "--cores", "4", "--configfile", "config/test.yaml"]
    cmd += ["--config", f"device={device}", "--", "results/mnist5k/findings.json"]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work / "results" / "mnist5k"


def test_test_config_on_cuda_matches_the_cpu_run(tmp_path):
    """The whole test config with `device: cuda` against the same config on the CPU. Training on another device runs
    other kernels (cuDNN picks its algorithms), so results agree within tolerances, not bit for bit: primaries' test
    accuracy within 3 points and the same sparsity; the symbiotes' target and other-class accuracy within 5 points on
    average over (model, class, kind); every job's record names the device it ran on."""
    root = Path(__file__).resolve().parents[1]
    cpu = _workflow(root, tmp_path / "cpu", "cpu")
    gpu = _workflow(root, tmp_path / "gpu", "cuda" if GPU == "cuda" else "cpu")
    keys = ["target_sparsity", "seed"]
    prim = pd.read_csv(cpu / "primaries.csv").merge(pd.read_csv(gpu / "primaries.csv"), on=keys)
    assert (prim["test_accuracy_x"] - prim["test_accuracy_y"]).abs().max() <= 0.03
    assert (prim["measured_sparsity_x"] - prim["measured_sparsity_y"]).abs().max() <= 1e-3
    sym_keys = ["target_sparsity", "seed", "kind", "target_class"]
    sym = pd.read_csv(cpu / "symbiotes.csv").merge(pd.read_csv(gpu / "symbiotes.csv"), on=sym_keys)
    assert len(sym) > 0
    for column in ("target_accuracy", "other_accuracy"):
        assert (sym[f"{column}_x"] - sym[f"{column}_y"]).abs().mean() <= 0.05, column
    devices = {json.loads(p.read_text())["device"] for p in gpu.glob("models/*/*.json")}
    assert devices == {"cuda" if GPU == "cuda" else "cpu"}
