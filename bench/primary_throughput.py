"""Primary training throughput (samples/s) against the machine's measured fp32 matmul peak, as JSON.

Measured in one run, on this machine:
- peak: the best of several large fp32 matmuls (GFLOP/s), with all threads;
- step: plain train steps (forward, backward, Adam) of the default primary on random batches, for each batch size,
  at 1 thread and at all threads;
- jobs: four primaries (default settings) trained through the CLI, start-up included, as N one-thread jobs side by
  side (what Snakemake does with `threads: 1`) vs one N-thread job at a time: this decides `threads` in the config;
- job_startup_s: a fresh Python importing torch and the training code, as each Snakemake job does;
- train_primary: the library's own loop (augmentation and pruning included) for two epochs of mnist5k.
FLOPs per sample come from torch.utils.flop_counter (forward + backward). Nothing here asserts a time.

    python bench/primary_throughput.py --out bench/out/primary_throughput.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from symbiosis.primary.models import PrimaryArch, PrimaryCNN
from symbiosis.primary.train import PrimaryTraining


def matmul_peak_gflops(threads: int, n: int = 2048, repeats: int = 5) -> float:
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def train_flops_per_sample(arch: PrimaryArch, batch: int = 64) -> float:
    model = PrimaryCNN(arch)
    x, y = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    with FlopCounterMode(display=False) as counter:
        F.cross_entropy(model(x), y).backward()
    return counter.get_total_flops() / batch


def step_throughput(arch: PrimaryArch, batch: int, threads: int, seconds: float = 2.0) -> float:
    """Samples/s of plain training steps on random data (no data loading, no pruning)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = PrimaryCNN(arch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    for _ in range(3):  # warm-up
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def cli_jobs_seconds(data: Path, out: Path, threads: int, side_by_side: int, models: int = 4) -> float:
    """Wall time to train `models` primaries through the CLI (start-up included), `side_by_side` at a time."""

    def command(seed: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "symbiosis",
            "train-primary",
            "--data",
            str(data),
            "--dataset",
            "mnist5k",
            "--seeds",
            str(seed),
            "--sparsity",
            "0.9",
            "--threads",
            str(threads),
            "--out",
            str(out / f"m{seed}.safetensors"),
        ]

    start = time.perf_counter()
    for first in range(0, models, side_by_side):
        procs = [subprocess.Popen(command(s)) for s in range(first, min(first + side_by_side, models))]
        if any(p.wait() for p in procs):
            raise SystemExit("train-primary failed")
    return time.perf_counter() - start


def library_throughput(split, batch: int, threads: int) -> float:
    """Samples/s of symbiosis.primary.train.train_primary (augmentation + pruning) for 2 epochs of mnist5k."""
    from symbiosis.primary.train import train_primary

    torch.set_num_threads(threads)
    cfg = PrimaryTraining(sparsity=0.9, epochs=2, batch_size=batch)
    start = time.perf_counter()
    train_primary(split, PrimaryArch(), cfg, torch.device("cpu"))
    return 2 * len(split.y_train) / (time.perf_counter() - start)


def startup_seconds(repeats: int = 3) -> float:
    """Wall time of a fresh Python that imports torch and the training code (paid once per Snakemake job)."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import symbiosis.primary.train"], check=True)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/primary_throughput.json"))
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 64, 128, 256, 512])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved measurement rounds (best is kept)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    arch = PrimaryArch()
    flops = train_flops_per_sample(arch)
    peak = matmul_peak_gflops(cores)
    result = {
        "cores": cores,
        "torch": torch.__version__,
        "matmul_peak_gflops": peak,
        "train_gflop_per_sample": flops / 1e9,
        "job_startup_s": startup_seconds(),
    }

    def row(samples_per_s: float, **fields) -> dict:
        return {**fields, "samples_per_s": samples_per_s, "share_of_peak": samples_per_s * flops / 1e9 / peak}

    settings = [(b, t) for b in args.batches for t in sorted({1, cores})]
    best = dict.fromkeys(settings, 0.0)
    for _ in range(args.rounds):  # interleaved rounds, best of each: robust to a noisy neighbour
        for batch, threads in settings:
            best[batch, threads] = max(best[batch, threads], step_throughput(arch, batch, threads))
    result["step"] = [row(sps, batch=b, threads=t) for (b, t), sps in best.items()]
    from symbiosis.data.datasets import load_mnist5k, save_split

    split = load_mnist5k()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.safetensors"
        save_split(split, data, {})
        samples = 4 * PrimaryTraining().epochs * len(split.y_train)
        result["jobs"] = []
        for threads in sorted({1, cores}):
            seconds = cli_jobs_seconds(data, Path(tmp), threads, side_by_side=cores // threads)
            result["jobs"].append(
                row(samples / seconds, models=4, threads_per_job=threads, side_by_side=cores // threads, wall_s=seconds)
            )
    result["train_primary"] = [
        row(library_throughput(split, b, t), batch=b, threads=t) for b in (128, 256) for t in sorted({1, cores})
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
