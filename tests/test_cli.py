"""The command line: one clear line and a non-zero exit for bad input; report commands need no torch."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def symbiosis(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "symbiosis", *args], capture_output=True, text=True, cwd=cwd)


def test_missing_data_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "m.safetensors"
    run = symbiosis("train-primary", "--data", str(tmp_path / "nope.safetensors"), "--out", str(out))
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"symbiosis: error: {tmp_path / 'nope.safetensors'} does not exist; "
        "run `symbiosis prepare-data` (or the workflow) first"
    ]
    assert not list(tmp_path.iterdir())


def test_sparsity_outside_range_is_refused(tmp_path):
    run = symbiosis("train-primary", "--data", "x", "--sparsity", "1.0", "--out", str(tmp_path / "m.safetensors"))
    assert run.returncode == 2 and "sparsity 1.0 is outside [0, 1)" in run.stderr


def test_cuda_without_gpu_is_refused(tmp_path):
    import torch

    if torch.cuda.is_available():
        return
    run = symbiosis("train-primary", "--data", "x", "--device", "cuda", "--out", str(tmp_path / "m.safetensors"))
    assert run.returncode == 1
    assert "device: cuda was asked for but no CUDA GPU is visible" in run.stderr


def test_report_commands_run_without_torch(tmp_path):
    """Tables and figures run in workflow/envs/report.yaml, which has no torch."""
    table = pd.DataFrame(
        {
            "target_sparsity": [0.0, 0.0, 0.9, 0.9],
            "seed": [0, 1, 0, 1],
            "test_accuracy": [0.98, 0.97, 0.96, 0.95],
            "effective_classes_conv2": [9.0, 9.1, 9.2, 9.3],
            "effective_classes_fc1": [6.0, 6.1, 6.5, 6.6],
            "dead_fraction": [0.2, 0.25, 0.2, 0.3],
        }
    )
    table.to_csv(tmp_path / "t.csv", index=False)
    run_without_torch(
        "plot-primaries", "--table", tmp_path / "t.csv", "--pdf", tmp_path / "f.pdf", "--png", tmp_path / "f.png"
    )
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


def run_without_torch(*args) -> None:
    """Run the CLI in a fresh interpreter and fail if it imported torch (report rules' env has none)."""
    code = (
        "import sys; from symbiosis.cli import main; "
        f"code = main({[str(a) for a in args]!r}); "
        "assert 'torch' not in sys.modules, 'torch was imported'; raise SystemExit(code)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_symbiotes_for_a_model_that_does_not_exist_are_refused(tmp_path):
    out = tmp_path / "symbiotes_symbiote.safetensors"
    missing = tmp_path / "s0-seed9" / "primary.safetensors"
    run = symbiosis("train-symbiotes", "--data", "x", "--model", str(missing), "--out", str(out))
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"symbiosis: error: checkpoint {missing} does not exist; train it first (see `symbiosis --help`)"
    ]
    assert not list(tmp_path.iterdir())


def test_symbiote_for_a_class_outside_the_dataset_is_refused(tiny_model, tmp_path):
    from symbiosis.checkpoint import save_primary

    save_primary(tmp_path / "primary.safetensors", tiny_model, {"training": {"sparsity": 0.0, "seed": 0}})
    out = tmp_path / "symbiotes_symbiote.safetensors"
    run = symbiosis(
        "train-symbiotes",
        "--data",
        "x",
        "--model",
        str(tmp_path / "primary.safetensors"),
        "--classes",
        "3",
        "12",
        "--out",
        str(out),
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == ["symbiosis: error: class 12 is outside the dataset's classes 0-9"]
    assert not out.exists()


def test_symbiote_figures_run_without_torch(tmp_path):
    cells = [
        {"kind": kind, "target_sparsity": s, "target_class": k, "eval_class": j, "accuracy": float(k != j)}
        for kind in ("symbiote", "static")
        for s in (0.0, 0.9)
        for k in range(10)
        for j in range(10)
    ]
    pd.DataFrame(cells).to_csv(tmp_path / "inhibition.csv", index=False)
    run_without_torch(
        "plot-inhibition",
        "--table",
        tmp_path / "inhibition.csv",
        "--pdf",
        tmp_path / "f.pdf",
        "--png",
        tmp_path / "f.png",
    )
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
