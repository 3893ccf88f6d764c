"""Same config and seeds give byte-identical results files, also after a run killed with SIGKILL mid-training and
started again with the README's command, `make reproduce` (minutes; marked `workflow`)."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
VENV = Path(sys.executable).parents[1]  # the environment `make install` made (and stamped) for this interpreter
COMMAND = ["make", "reproduce", f"VENV={VENV}", "SNAKEMAKE_ARGS=--configfile config/test.yaml"]
pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(not (VENV / ".installed").exists(), reason="needs the environment made by `make install`"),
]


def _copy(work: Path) -> Path:
    work.mkdir()
    for name in ("Snakefile", "workflow", "config", "profiles", "src", "paper/templates"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, work / name)
    for name in ("Makefile", "pyproject.toml"):  # copy2 keeps pyproject.toml older than the install stamp
        shutil.copy2(ROOT / name, work / name)
    return work


def _results(work: Path) -> dict[str, str]:
    """sha256 of every results file (tables, metrics JSON, checkpoints); hidden temporary files left out."""
    files = [p for p in sorted((work / "results").rglob("*")) if p.is_file() and not p.name.startswith(".")]
    return {str(p.relative_to(work)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_a_killed_and_resumed_run_equals_an_uninterrupted_one(tmp_path):
    whole = _copy(tmp_path / "whole")
    proc = subprocess.run(COMMAND, cwd=whole, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]

    killed = _copy(tmp_path / "killed")
    run = subprocess.Popen(
        COMMAND, cwd=killed, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    models = killed / "results" / "mnist5k" / "models"
    while not list(models.glob("*/primary.safetensors")) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert run.poll() is None, "the run ended before it could be killed"
    os.killpg(run.pid, signal.SIGKILL)  # Snakemake and every job it started, in the middle of training
    run.wait()
    assert len(list(models.glob("*/primary.safetensors"))) < 4  # really interrupted: primaries were still missing

    proc = subprocess.run(COMMAND, cwd=killed, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected, got = _results(whole), _results(killed)
    assert len(expected) > 50 and list(got) == list(expected)
    different = [name for name in expected if got[name] != expected[name]]
    assert not different, different
