"""What produced a result: library versions and the git commit (with whether the tree was dirty); for a whole run,
also the config's hash, host, devices, threads and time (`run_record`)."""

from __future__ import annotations

import csv
import hashlib
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LIBRARIES = ("symbiosis", "torch", "torchvision", "numpy", "scipy", "pandas", "safetensors", "mlxtend", "snakemake")


def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(cwd: str | Path | None = None) -> dict:
    cwd = cwd or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def provenance() -> dict:
    return {"versions": library_versions(), "git": git_commit()}


def config_hash(config_text: str) -> str:
    return hashlib.sha256(config_text.encode()).hexdigest()[:12]


def run_record(config_text: str, sidecars: list[str | Path], benchmarks: list[str | Path]) -> dict:
    """What produced one run's results, written beside them (results/<dataset>/provenance.json) and quoted by the
    paper. Devices and threads are those the training jobs recorded in their `sidecars`. Time comes from the
    `benchmarks` files (Snakemake's, of the jobs that compute results): job seconds summed, and wall seconds from the
    first job's start to the last job's end (a benchmark file is written when its job ends, so its start is its
    modification time minus its duration); for a run that was stopped and resumed, the span includes the pause."""
    from symbiosis.files import read_json

    jobs = []
    for path in sorted(Path(p) for p in benchmarks):
        with path.open() as f:
            seconds = float(next(csv.DictReader(f, delimiter="\t"))["s"])
        end = path.stat().st_mtime
        jobs.append((end - seconds, end, seconds))
    records = [read_json(p) for p in sorted(Path(p) for p in sidecars)]
    return {
        "config_hash": config_hash(config_text),
        **provenance(),
        "host": platform.node(),
        "python": platform.python_version(),
        "devices": sorted({s["device"] for s in records if s.get("device")}),
        "threads": sorted({s["threads"] for s in records if s.get("threads")}),
        "jobs": len(jobs),
        "job_seconds": sum(j[2] for j in jobs),
        "wall_seconds": max(j[1] for j in jobs) - min(j[0] for j in jobs) if jobs else 0.0,
    }
