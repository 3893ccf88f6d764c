"""Same config and seeds give byte-identical results files, also after a run killed with SIGKILL mid-training and
started again with the README's command, `make reproduce` (minutes; marked `workflow`). Beside a live run in the same
folder, started as the profiles are (no `--cores` on its command line), `make reproduce` refuses with one line; once
that run is killed it resumes it, also while an unrelated Snakemake runs in another folder."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workflow_files import copy_workflow, results_hashes

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
VENV = Path(sys.executable).parents[1]  # the environment `make install` made (and stamped) for this interpreter
COMMAND = ["make", "reproduce", f"VENV={VENV}", "SNAKEMAKE_ARGS=--configfile config/test.yaml"]
pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(not (VENV / ".installed").exists(), reason="needs the environment made by `make install`"),
]


def test_a_killed_and_resumed_run_equals_an_uninterrupted_one(tmp_path):
    whole = copy_workflow(tmp_path / "whole")
    proc = subprocess.run(COMMAND, cwd=whole, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]

    killed = copy_workflow(tmp_path / "killed")
    # A profile-style run: profiles/default supplies the cores, so `--cores` is not on its command line.
    run = in_background(["snakemake", "--configfile", "config/test.yaml"], killed)
    deadline = time.monotonic() + 300
    models = killed / "results" / "mnist5k" / "models"
    while not list(models.glob("*/primary.safetensors")) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert run.poll() is None, "the run ended before it could be killed"
    beside = subprocess.run(COMMAND, cwd=killed, capture_output=True, text=True, env=ENV)
    assert beside.returncode != 0 and run.poll() is None
    refusal = [line for line in beside.stderr.splitlines() if line.startswith("symbiosis:")]
    assert len(refusal) == 1 and "run is in progress" in refusal[0], beside.stderr[-2000:]
    assert "snakemake --cores all" not in beside.stdout  # no second run was started

    elsewhere = unrelated_run(tmp_path / "elsewhere")
    try:
        os.killpg(run.pid, signal.SIGKILL)  # Snakemake and every job it started, in the middle of training
        run.wait()
        assert len(list(models.glob("*/primary.safetensors"))) < 4  # really interrupted: primaries were still missing
        assert (killed / ".snakemake" / "locks").is_dir() and any((killed / ".snakemake" / "locks").iterdir())
        proc = subprocess.run(COMMAND, cwd=killed, capture_output=True, text=True, env=ENV)
        assert elsewhere.poll() is None  # the unrelated run was live all along
    finally:
        os.killpg(elsewhere.pid, signal.SIGKILL)
        elsewhere.wait()
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected, got = results_hashes(whole), results_hashes(killed)
    assert len(expected) > 50 and list(got) == list(expected)
    different = [name for name in expected if got[name] != expected[name]]
    assert not different, different


def in_background(cmd: list[str], folder: Path) -> subprocess.Popen:
    """`cmd` started in `folder` in a session of its own (so that killing its group kills its jobs), output dropped."""
    return subprocess.Popen(
        cmd, cwd=folder, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def unrelated_run(folder: Path) -> subprocess.Popen:
    """A Snakemake with `--cores` on its command line, working in another folder (one rule that sleeps)."""
    folder.mkdir()
    (folder / "Snakefile").write_text('rule wait:\n    output:\n        "done"\n    shell:\n        "sleep 600"\n')
    proc = in_background(["snakemake", "--cores", "1"], folder)
    deadline = time.monotonic() + 60
    while not (folder / ".snakemake" / "locks").is_dir() and time.monotonic() < deadline:
        time.sleep(0.2)
    return proc
