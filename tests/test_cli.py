"""The command line: report commands need no torch (bad input: tests/test_bad_input.py)."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def symbiosis(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "symbiosis", *args], capture_output=True, text=True, cwd=cwd)


def test_report_commands_run_without_torch(tmp_path):
    """Tables and figures run in workflow/envs/report.yaml, which has no torch."""
    table = pd.DataFrame(
        {
            "target_sparsity": [0.0, 0.0, 0.9, 0.9],
            "seed": [0, 1, 0, 1],
            "test_accuracy": [0.98, 0.97, 0.96, 0.95],
            "effective_classes_conv2": [9.0, 9.1, 9.2, 9.3],
            "effective_classes_fc1": [6.0, 6.1, 6.5, 6.6],
            "spatial_effective_classes_conv2": [4.0, 4.1, 4.2, 4.4],
            "dead_fraction": [0.2, 0.25, 0.2, 0.3],
            "live_units_conv2": [32, 32, 31, 32],
            "live_units_fc1": [130, 128, 120, 118],
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
