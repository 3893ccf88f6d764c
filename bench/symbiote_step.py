"""What bounds a symbiote training step: per kind, its time, its FLOPs' share of the one-thread matmul peak, and the
share of its time spent in matrix products against everything else (element-wise passes, reductions, copies,
gathers, the optimiser), as JSON.

On one primary trained here with the default config (sparsity 0, seed 0, mnist5k), at one thread as a job runs:
- ms_per_step: the loop's time per step, from a run of 2 x `--steps` steps minus one of `--steps`, each the best of
  three (set-up and the first steps cancel out);
- gflop_per_step and share_of_peak: the step's FLOPs (torch.utils.flop_counter, as bench/workflow_time.py counts
  them) over its time and the peak measured in the same run;
- matmul_share: the share of the profiled steps' self CPU time spent in aten's matrix products (mm, bmm, addmm,
  baddbmm), torch.profiler. A low share of peak with a high matmul share points at the products' shapes; with a low
  matmul share, at the element-wise and memory work around them.
Nothing here asserts a time.

    python bench/symbiote_step.py --out bench/out/symbiote_step.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import torch
from primary_throughput import matmul_peak_gflops  # bench/, beside this file
from torch.profiler import ProfilerActivity, profile
from workflow_time import symbiote_flops_per_step

from symbiosis.allocator import keep_freed_memory
from symbiosis.config import load_config
from symbiosis.data.datasets import load_mnist5k
from symbiosis.primary.models import PrimaryArch, clean_pass
from symbiosis.primary.train import PrimaryTraining, train_primary
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, cached_products, train_symbiotes

ROOT = Path(__file__).resolve().parents[1]
MATMULS = {"aten::mm", "aten::bmm", "aten::addmm", "aten::baddbmm"}


def loop_seconds(run, steps: int, repeats: int = 3) -> float:
    """Seconds per step of `run(steps)`, set-up excluded: the difference between 2 x steps and steps, each the best
    of `repeats` (a single pair of short runs varied by half on this machine)."""
    best = {}
    for n in (steps, 2 * steps):
        for _ in range(repeats):
            start = time.perf_counter()
            run(n)
            best[n] = min(best.get(n, float("inf")), time.perf_counter() - start)
    return (best[2 * steps] - best[steps]) / steps


def matmul_share(run, steps: int) -> float:
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run(steps)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    return sum(e.self_cpu_time_total for e in events if e.key in MATMULS) / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=96)
    parser.add_argument("--out", type=Path, default=Path("bench/out/symbiote_step.json"))
    args = parser.parse_args()
    keep_freed_memory()
    torch.set_num_threads(1)
    config = load_config(ROOT / "config" / "config.yaml")
    split = load_mnist5k(seed=config["data"]["split_seed"], test_size=config["data"]["test_size"])
    arch = PrimaryArch.from_config(config["architecture"])
    primary, _ = train_primary(split, arch, PrimaryTraining.from_config(config["primary"]), torch.device("cpu"))
    clean = clean_pass(primary, split.x_train)
    products = cached_products(primary, clean.trunk)
    settings, classes = config["symbiote"], tuple(config["classes"])
    cfg = SymbioteTraining.from_config(settings)
    peak = matmul_peak_gflops(threads=1)
    kinds = {}
    for kind in settings["kinds"]:
        sym_arch = SymbioteArch.from_config(settings, kind=kind, classes=classes)

        def run(steps, sym_arch=sym_arch):
            training = dataclasses.replace(cfg, steps=steps)
            train_symbiotes(primary, split.x_train, split.y_train, sym_arch, training, clean=clean, products=products)

        seconds = loop_seconds(run, args.steps)
        gflop = symbiote_flops_per_step(arch, kind, len(classes), cfg.batch_size) / 1e9
        kinds[kind] = {
            "ms_per_step": 1000 * seconds,
            "gflop_per_step": gflop,
            "share_of_peak": gflop / (seconds * peak),
            "matmul_share": matmul_share(run, args.steps),
        }
    result = {"matmul_peak_gflops_one_thread": peak, "batch_size": cfg.batch_size, "kinds": kinds}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
