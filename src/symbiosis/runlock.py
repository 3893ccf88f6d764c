"""Lift Snakemake's lock on this folder only when it is stale (`make reproduce` calls this before it runs).

Snakemake's lock files list output files, not process ids, and a run killed with SIGKILL leaves them behind. A lock
is stale when no live Snakemake process works in this folder: its working folder is its `--directory`/`-d` option
where given, else its current directory (/proc/<pid>/cwd). Processes are recognised by how they were started
(`snakemake ...`, `python .../snakemake ...`, `python -m snakemake ...`), whatever other options they carry: the
README's cluster command has no `--cores`, and a Snakemake in another folder does not hold this folder's lock.

    python -m symbiosis.runlock [SNAKEMAKE_ARGS...]

exits 0 after lifting a stale lock (or when there is none), and 1 with one line when a run is in progress here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROC = Path("/proc")


def is_snakemake(argv: list[str]) -> bool:
    """Was this command line a Snakemake invocation (not a shell or make line that merely mentions it)?"""
    head = [Path(arg).name for arg in argv[:2]]
    return "snakemake" in head or any(a == "-m" and b == "snakemake" for a, b in zip(argv, argv[1:], strict=False))


def directory_option(argv: list[str]) -> str | None:
    """The value of `--directory`/`-d` (also `--directory=X`, `-dX` and argparse's prefixes such as `--dir`)."""
    for i, arg in enumerate(argv):
        name, eq, value = arg.partition("=")
        if len(name) >= 4 and "--directory".startswith(name):
            return value if eq else (argv[i + 1] if i + 1 < len(argv) else None)
        if arg == "-d":
            return argv[i + 1] if i + 1 < len(argv) else None
        if arg.startswith("-d") and not arg.startswith("--"):
            return arg[2:]
    return None


def working_folder(pid: int, argv: list[str]) -> Path:
    """Where the Snakemake process `pid` works (raises OSError when its cwd cannot be read)."""
    cwd = Path(os.readlink(PROC / str(pid) / "cwd"))
    option = directory_option(argv)
    return (cwd / option).resolve() if option else cwd.resolve()


def live_runs(folder: Path) -> list[int]:
    """Pids of the live Snakemake processes working in `folder` (one whose folder cannot be read counts, to be safe)."""
    folder, pids = folder.resolve(), []
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
            if not is_snakemake(argv) or (entry / "stat").read_text().split(") ")[-1].startswith("Z"):
                continue
            if working_folder(int(entry.name), argv) == folder:
                pids.append(int(entry.name))
        except FileNotFoundError:  # the process ended while we looked
            continue
        except PermissionError:
            pids.append(int(entry.name))
    return pids


def locked(folder: Path) -> bool:
    locks = folder / ".snakemake" / "locks"
    return locks.is_dir() and any(locks.iterdir())


def main(args: list[str]) -> int:
    folder = Path(directory_option(args) or ".")
    if not locked(folder):
        return 0
    pids = live_runs(folder)
    if pids:
        print(
            f"symbiosis: a Snakemake run is in progress in {folder.resolve()} (pid {', '.join(map(str, pids))}): "
            "wait for it to finish or stop it, then run this again",
            file=sys.stderr,
        )
        return 1
    unlock = subprocess.run(["snakemake", "--unlock", *args], capture_output=True, text=True)
    if unlock.returncode != 0:
        print(f"symbiosis: could not lift the stale lock: {unlock.stderr.strip()[-300:]}", file=sys.stderr)
        return 1
    print("symbiosis: lifted the stale lock of a run that was stopped; resuming it", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
