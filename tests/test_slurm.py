"""The cluster profile on a real one-node SLURM (installed from Debian, started and stopped here): the test config
through `--workflow-profile profiles/slurm` gives the same results files as a local run (its jobs within the memory
they declare, which SLURM enforces here), a failing job makes Snakemake fail with the SLURM state in its log, and a job
that uses more memory than it declares is killed while the same job declaring enough passes. Minutes, and it installs
system packages: it runs only where SYMBIOSIS_SLURM_TEST=1 (`.ci/run` sets it) and the machine allows it (root,
Debian's apt-get)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from slurm_cluster import install, one_node_cluster, running, unavailable
from workflow_files import ROOT, copy_workflow, results_hashes

ENV = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--configfile", "config/test.yaml"]
# The first status check after 5 s instead of the plugin's default (40 s): the jobs here take seconds.
FAST = ["--slurm-init-seconds-before-status-checks", "5"]
# The same 1.5 GiB allocation held for a few seconds (the accounting samples each second), declared with 3 GB and
# with 1 GB: SLURM must kill the second (OverMemoryKill) and only the second.
ALLOCATING = "".join(
    f"""
rule {name}:
    output:
        "{name}"
    resources:
        mem_mb={mem_mb},
    shell:
        "python -c 'import time; b = bytes(range(256)) * (6 * 2**20); time.sleep(6)' && touch {{output}}"
"""
    for name, mem_mb in (("within", 3000), ("over", 1000))
)
pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(
        os.environ.get("SYMBIOSIS_SLURM_TEST") != "1",
        reason="the SLURM test installs and starts SLURM: set SYMBIOSIS_SLURM_TEST=1 (as root on Debian) to run it",
    ),
]


def test_the_slurm_profile_gives_a_local_runs_results_and_reports_failures(tmp_path):
    why = unavailable() or (f"{', '.join(running())} already running here" if running() else None)
    if why:
        pytest.skip(f"no SLURM test on this machine: {why}")
    try:
        install()
    except subprocess.CalledProcessError as e:
        pytest.skip(f"no SLURM test on this machine: apt-get could not install SLURM ({e.stderr.strip()[-200:]})")
    local = copy_workflow(tmp_path / "local")
    proc = subprocess.run([*SNAKEMAKE, "--cores", "2"], cwd=local, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]

    cluster = copy_workflow(tmp_path / "slurm")
    failing = tmp_path / "failing"
    failing.mkdir()
    (failing / "Snakefile").write_text('rule fails:\n    output:\n        "never"\n    shell:\n        "exit 3"\n')
    greedy = tmp_path / "greedy"
    greedy.mkdir()
    (greedy / "Snakefile").write_text(ALLOCATING)
    with one_node_cluster():
        cmd = [*SNAKEMAKE, "--workflow-profile", "profiles/slurm", *FAST]
        proc = subprocess.run(cmd, cwd=cluster, capture_output=True, text=True, env=ENV)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "slurm" in proc.stderr.lower()  # the jobs really went through the SLURM executor
        cmd = [sys.executable, "-m", "snakemake", "--workflow-profile", str(ROOT / "profiles" / "slurm"), *FAST]
        failed = subprocess.run(cmd, cwd=failing, capture_output=True, text=True, env=ENV)
        cmd += ["--keep-going", "within", "over"]
        over = subprocess.run(cmd, cwd=greedy, capture_output=True, text=True, env=ENV)
    assert results_hashes(cluster) == results_hashes(local)
    assert failed.returncode != 0
    assert "FAILED" in failed.stdout + failed.stderr
    assert not (failing / "never").exists()
    assert over.returncode != 0
    assert (greedy / "within").exists() and not (greedy / "over").exists(), over.stderr[-3000:]
    slurm_logs = "".join(path.read_text() for path in (greedy / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert "exceeded memory limit" in slurm_logs  # killed by SLURM for its memory, the README's place to look
    assert running() == []  # every daemon the test started has stopped
