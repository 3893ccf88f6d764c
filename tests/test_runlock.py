"""The stale-lock check of `make reproduce` (src/symbiosis/runlock.py) on known command lines and on live processes
that look like Snakemake: a run in this folder is found whatever its options, one in another folder is not."""

import subprocess
import sys
import time

import pytest

from symbiosis.runlock import directory_option, is_snakemake, live_runs, main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/venv/bin/python3", "/venv/bin/snakemake", "--workflow-profile", "profiles/slurm"], True),
        (["snakemake", "--configfile", "config/test.yaml"], True),
        (["python", "-m", "snakemake", "--cores", "2"], True),
        (["/bin/sh", "-c", "snakemake --cores all"], False),  # make's recipe line, not a run
        (["make", "reproduce", "SNAKEMAKE_ARGS=--configfile config/test.yaml"], False),
        (["python", "-m", "symbiosis", "train-primary"], False),
    ],
)
def test_snakemake_command_lines_are_recognised(argv, expected):
    assert is_snakemake(argv) is expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["snakemake", "--directory", "/a"], "/a"),
        (["snakemake", "--directory=/a", "-n"], "/a"),
        (["snakemake", "-d", "/a"], "/a"),
        (["snakemake", "-d/a"], "/a"),
        (["snakemake", "--dir", "/a"], "/a"),
        (["snakemake", "--dry-run", "--debug", "--cores", "1"], None),
    ],
)
def test_directory_option(argv, expected):
    assert directory_option(argv) == expected


def fake_snakemake(cwd, *args):
    """A process whose command line reads `snakemake ...` (a sleeping Python under that name)."""
    code = "import time; time.sleep(60)"
    return subprocess.Popen(["snakemake", "-c", code, *args], executable=sys.executable, cwd=cwd)


def test_live_runs_are_found_by_their_working_folder(tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    in_here = fake_snakemake(here)
    pointed_here = fake_snakemake(there, "--directory", str(here))
    elsewhere = fake_snakemake(there)
    try:
        time.sleep(0.5)  # let the processes start
        assert sorted(live_runs(here)) == sorted([in_here.pid, pointed_here.pid])
        assert elsewhere.pid in live_runs(there) and pointed_here.pid not in live_runs(there)
        (here / ".snakemake" / "locks").mkdir(parents=True)
        (here / ".snakemake" / "locks" / "0.input.lock").write_text("x")
        assert main(["--directory", str(here)]) == 1  # refuses: a run is in progress there
    finally:
        for proc in (in_here, pointed_here, elsewhere):
            proc.kill()
            proc.wait()
    assert live_runs(here) == []


def test_no_lock_means_nothing_to_lift(tmp_path):
    assert main(["--directory", str(tmp_path)]) == 0
