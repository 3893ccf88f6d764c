"""Copies of the workflow in a temporary folder and the hashes of the results a run leaves there (for the tests that
run the whole workflow: reproducibility, SLURM)."""

import hashlib
import shutil
from pathlib import Path

from symbiosis import files

ROOT = Path(__file__).resolve().parents[1]
# Metadata about the run itself (host, wall time), not a result: left out of the comparisons.
RUN_RECORDS = {"provenance.json"}


def copy_workflow(work: Path) -> Path:
    work.mkdir()
    files.copy_workflow(ROOT, work)
    for name in ("Makefile", "pyproject.toml"):  # copy2 keeps pyproject.toml older than the install stamp
        shutil.copy2(ROOT / name, work / name)
    return work


def results_hashes(work: Path) -> dict[str, str]:
    """sha256 of every results file (tables, metrics JSON, checkpoints); hidden temporary files left out."""
    files = [
        p
        for p in sorted((work / "results").rglob("*"))
        if p.is_file() and not p.name.startswith(".") and p.name not in RUN_RECORDS
    ]
    return {str(p.relative_to(work)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
