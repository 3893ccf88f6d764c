"""Atomic file writes: an output appears under its final name only once it is complete."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from symbiosis.errors import SymbiosisError

# What a run of the workflow reads from the repository, relative to its root: a copy of these is a working copy of the
# workflow (the tests and benchmarks that run it in a temporary folder).
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "profiles", "src", "paper/templates", "paper/references.bib")


def copy_workflow(root: Path, work: Path) -> Path:
    """Copy the workflow at `root` into the folder `work` (made if missing)."""
    import shutil

    for name in WORKFLOW_FILES:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (root / name).is_dir() else shutil.copy)(root / name, work / name)
    return work


_UMASK = os.umask(0)  # read the process umask (set and restored) for the permissions of finished files
os.umask(_UMASK)


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise SymbiosisError(f"cannot write {path}: {e.strerror}; choose a writable output folder") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes the file private; give it the permissions of a plain write
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_with(path: str | os.PathLike, write: Callable[[Path], object]) -> None:
    """Call `write(tmp_path)` and move the result onto `path` atomically."""
    with atomic_path(path) as tmp:
        write(tmp)


def write_json(path: str | os.PathLike, obj) -> None:
    """Write `obj` as stable, sorted, indented JSON (byte-identical for equal objects)."""
    text = json.dumps(obj, indent=2, sort_keys=True) + "\n"
    write_with(path, lambda tmp: tmp.write_text(text))


def read_json(path: str | os.PathLike):
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SymbiosisError(f"{path} does not exist; run the step that produces it first") from None
    except json.JSONDecodeError as e:
        raise SymbiosisError(f"{path} is not valid JSON ({e.msg}); delete it and rerun the step") from None


def write_csv(path: str | os.PathLike, table) -> None:
    """A pandas table as CSV with six significant digits (the format of every results table)."""
    write_with(path, lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))
