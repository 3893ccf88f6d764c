"""Primary training throughput (samples/s) against the machine's measured fp32 matmul peak, as JSON.

Measured in one run, on this machine:
- peak: the best of several large fp32 matmuls (GFLOP/s), with all threads;
- step: plain train steps (forward, backward, Adam) of the default primary on random batches, for each batch size,
  at 1 thread and at all threads;
- jobs: N one-thread training processes side by side (what Snakemake does with `threads: 1`) vs one N-thread job;
- train_primary: the library's own loop (augmentation and pruning included) for two epochs of mnist5k.
FLOPs per sample come from torch.utils.flop_counter (forward + backward). Nothing here asserts a time.

    python bench/primary_throughput.py --out bench/out/primary_throughput.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from symbiosis.models import PrimaryArch, PrimaryCNN


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


def _one_thread_job(batch: int) -> float:
    return step_throughput(PrimaryArch(), batch, threads=1, seconds=3.0)


def parallel_jobs_throughput(batch: int, jobs: int) -> float:
    """Total samples/s of `jobs` one-thread training processes running side by side."""
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        return sum(pool.map(_one_thread_job, [batch] * jobs))


def library_throughput(batch: int, threads: int) -> float:
    """Samples/s of symbiosis.train.train_primary (augmentation + pruning) for 2 epochs of mnist5k."""
    from symbiosis.data import load_mnist5k
    from symbiosis.train import PrimaryTraining, train_primary

    torch.set_num_threads(threads)
    split = load_mnist5k()
    cfg = PrimaryTraining(sparsity=0.9, epochs=2, batch_size=batch)
    start = time.perf_counter()
    train_primary(split, PrimaryArch(), cfg, torch.device("cpu"))
    return 2 * len(split.y_train) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/primary_throughput.json"))
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 64, 128, 256, 512])
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
        "step": [],
        "jobs": [],
        "train_primary": [],
    }
    for batch in args.batches:
        for threads in sorted({1, cores}):
            sps = step_throughput(arch, batch, threads)
            result["step"].append(
                {"batch": batch, "threads": threads, "samples_per_s": sps, "share_of_peak": sps * flops / 1e9 / peak}
            )
    for batch in (128, 256):
        sps = parallel_jobs_throughput(batch, cores)
        result["jobs"].append(
            {
                "batch": batch,
                "jobs": cores,
                "threads_per_job": 1,
                "samples_per_s": sps,
                "share_of_peak": sps * flops / 1e9 / peak,
            }
        )
    for threads in sorted({1, cores}):
        sps = library_throughput(128, threads)
        result["train_primary"].append(
            {"batch": 128, "threads": threads, "samples_per_s": sps, "share_of_peak": sps * flops / 1e9 / peak}
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
