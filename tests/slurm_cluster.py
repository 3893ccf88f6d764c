"""A real one-node SLURM cluster on this machine, for tests of the cluster profile (tests/test_slurm.py).

Installs SLURM 22.05 and munge from Debian where they are missing, writes /etc/slurm/slurm.conf (the only place the
plugin's job steps find it), starts munged, slurmctld and slurmd, waits for the node to be idle, and stops every
daemon it started by its pid file. The settings follow ../shared/notes/slurm.md: no cgroups in these VMs
(proctrack/linuxproc, task/none), no accounting database (the profile reads job states from squeue). Memory is
enforced without cgroups, as on a cluster that enforces it: memory is a consumable resource (CR_Core_Memory, so each
job gets the `--mem` the profile asks for), SLURM's own accounting samples every process of a job step each second
(jobacct_gather/linux) and kills a step whose resident memory exceeds its request (OverMemoryKill).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
CONF = Path("/etc/slurm/slurm.conf")
PIDS = {
    "munged": Path("/run/munge/munged.pid"),
    "slurmctld": Path("/run/slurmctld.pid"),
    "slurmd": Path("/run/slurmd.pid"),
}


def unavailable() -> str | None:
    """Why a cluster cannot be set up here, or None."""
    if os.geteuid() != 0:
        return "needs root to install and start SLURM"
    if shutil.which("sinfo") is None and shutil.which("apt-get") is None:
        return "SLURM is not installed and there is no apt-get to install it from Debian"
    return None


def install() -> None:
    if all(shutil.which(name) for name in ("slurmctld", "slurmd", "sinfo", "munged")):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, text=True)
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES]
    subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)


def slurm_conf() -> str:
    host = socket.gethostname().split(".")[0]  # `hostname -s`
    cpus = os.cpu_count()
    memory_mb = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 * 0.9)
    return f"""ClusterName=symbiosis-test
SlurmctldHost={host}
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
JobAcctGatherFrequency=task=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SlurmctldPidFile={PIDS["slurmctld"]}
SlurmdPidFile={PIDS["slurmd"]}
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName={host} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _stop(name: str, timeout: float = 30) -> None:
    """SIGTERM the daemon of its pid file and wait until it has exited (SIGKILL after `timeout` seconds)."""
    try:
        pid = int(PIDS[name].read_text().split()[0])
        os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def running() -> list[str]:
    """The SLURM and munge daemons running on this machine."""
    names = ("munged", "slurmctld", "slurmd")
    return [name for name in names if subprocess.run(["pgrep", "-x", name], capture_output=True).returncode == 0]


@contextlib.contextmanager
def one_node_cluster(timeout: float = 60):
    """Start the cluster; yield; stop every daemon started here (and put back a slurm.conf found before)."""
    install()
    previous = CONF.read_text() if CONF.exists() else None
    CONF.parent.mkdir(parents=True, exist_ok=True)
    CONF.write_text(slurm_conf())
    for folder in ("/var/spool/slurmctld", "/var/spool/slurmd", "/var/log/slurm"):
        Path(folder).mkdir(parents=True, exist_ok=True)
    started = []
    try:
        run = Path("/run/munge")
        run.mkdir(exist_ok=True)
        shutil.chown(run, "munge", "munge")
        if not Path("/etc/munge/munge.key").exists():
            subprocess.run(["mungekey", "--create"], check=True, capture_output=True)
            shutil.chown("/etc/munge/munge.key", "munge", "munge")
        for name, cmd in (
            ("munged", ["runuser", "-u", "munge", "--", "munged"]),
            ("slurmctld", ["slurmctld"]),
            ("slurmd", ["slurmd"]),
        ):
            subprocess.run(cmd, check=True, capture_output=True)
            started.append(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True).stdout.strip()
            if state == "idle":
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"the SLURM node did not become idle within {timeout} s (state {state!r})")
        yield
    finally:
        for name in reversed(started):
            _stop(name)
        if previous is None:
            CONF.unlink(missing_ok=True)
        else:
            CONF.write_text(previous)
