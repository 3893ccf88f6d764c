"""The two-task experiment (config/full.yaml) is wired: both tasks, the replication table, cross-task universality
and the width sweep are in its DAG, and none of them in the default one (a dry run each)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
TWO_TASK_RULES = ("replication", "cross_task", "train_width", "widths_table", "train_early_stopped")


def dry_run(*args: str) -> str:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-n",
        "--forceall",
        "--quiet",
        "rules",
        *args,
    ]  # every job, whatever exists
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout + proc.stderr


def job_counts(text: str) -> dict[str, int]:
    rows = (line.split() for line in text.splitlines())
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[1].isdigit()}


def test_full_config_runs_both_tasks_with_replication_cross_task_and_widths():
    counts = job_counts(dry_run("--configfile", "config/full.yaml"))
    assert counts["prepare_data"] == 2 and counts["paper"] == 2  # one per task
    assert counts["replication"] == 1 and counts["cross_task"] == 1 and counts["widths_table"] == 2
    assert counts["train_width"] == 2 * 5 * 3  # tasks x widths x seeds
    assert counts["train_early_stopped"] == 2 * 5 * 3 and counts["early_stopped_table"] == 2  # tasks x steps x seeds


def test_default_config_has_one_task_and_none_of_the_two_task_rules():
    counts = job_counts(dry_run())
    assert counts["prepare_data"] == 1
    assert not set(TWO_TASK_RULES) & set(counts)
