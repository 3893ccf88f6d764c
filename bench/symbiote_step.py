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
With `--compiled`, also whether fusing that work pays: per kind, ms a step with the edit and loss compiled by
torch.compile (inductor's C++ kernels; the Adam step stays eager) and eager, on the same fixed-size batches, and the
seconds that saves over one train-symbiotes job (`saved_per_job_s`: each kind trains for the step budget on each of
the config's seeds' primaries); against that, what compiling costs one such job: a new process compiling every kind
for each of those primaries in the job's order, from an empty inductor cache (the first job on a machine) and from
the cache that run filled (every later job).
Nothing here asserts a time.

    python bench/symbiote_step.py --compiled --out bench/out/symbiote_step.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from primary_throughput import matmul_peak_gflops  # bench/, beside this file
from torch.profiler import ProfilerActivity, profile
from workflow_time import symbiote_flops_per_step

from symbiosis.allocator import keep_freed_memory
from symbiosis.config import load_config
from symbiosis.data.datasets import load_mnist5k
from symbiosis.primary.models import PrimaryArch, PrimaryCNN, clean_pass
from symbiosis.primary.train import PrimaryTraining, step_budget, train_primary
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import (
    SymbioteTraining,
    cached_products,
    clean_logits,
    initial_symbiotes,
    symbiote_loss,
    train_symbiotes,
)

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


def symbiote_stepper(primary, clean, products, y, sym_arch, cfg):
    """(loss, stepper): the edit and loss of one random batch, and stepper(loss_fn, batch) -> run(n), n Adam steps
    on loss_fn (eager or compiled) with batches of `batch` images (default cfg.batch_size)."""
    reference = clean_logits(primary, clean.units) if cfg.other_loss == "kl" else None
    classes = torch.tensor(sym_arch.classes)
    sym = initial_symbiotes(primary, sym_arch, cfg, clean.units)
    opt = torch.optim.Adam(sym.parameters(), lr=cfg.lr)

    def loss(idx):
        logits, penalty = sym.edit(primary, clean.trunk[idx], clean.units[idx], products[idx])
        reference_b = None if reference is None else reference[idx]
        return symbiote_loss(logits, y[idx], classes, penalty, cfg.alpha, cfg.lam, reference_b).sum()

    def stepper(loss_fn, batch: int = cfg.batch_size):
        gen = torch.Generator().manual_seed(cfg.seed)

        def run(n):
            for _ in range(n):
                opt.zero_grad(set_to_none=True)
                loss_fn(torch.randperm(len(y), generator=gen)[:batch]).backward()
                opt.step()

        return run

    return loss, stepper


def first_compiled_steps() -> None:
    """In a new process, in a train-symbiotes job's order (each of the config's seeds' primaries, every kind on
    each): the seconds from torch.compile to the end of the first compiled step of each (inductor's imports on the
    first, then tracing, and code generation or the on-disk cache's hit), and of the first step on an epoch's short
    last batch (a recompilation), printed as JSON. On random default primaries: what is compiled depends on the
    shapes, not the weights."""
    config = load_config(ROOT / "config" / "config.yaml")
    seconds = []
    for seed in config["seeds"]:
        torch.manual_seed(seed)
        _, split, primary, clean, products, cfg = setup(trained=False)
        for kind in config["symbiote"]["kinds"]:
            sym_arch = SymbioteArch.from_config(config["symbiote"], kind=kind, classes=tuple(config["classes"]))
            loss, stepper = symbiote_stepper(primary, clean, products, split.y_train, sym_arch, cfg)
            compiled, short = torch.compile(loss), len(split.y_train) % cfg.batch_size
            start = time.perf_counter()
            stepper(compiled)(1)
            full_batch = time.perf_counter()
            if short:
                stepper(compiled, short)(1)
            end = time.perf_counter()
            seconds.append(
                {"seed": seed, "kind": kind, "first_call_s": full_batch - start, "short_s": end - full_batch}
            )
    print(json.dumps(seconds))


def compile_cost() -> dict:
    """A new process's compile time for one train-symbiotes job (`first_compiled_steps`): from an empty inductor
    cache, as the first job on a machine pays it, and from the cache that run filled, as every later job would."""
    cost = {}
    with tempfile.TemporaryDirectory() as cache:
        env = os.environ | {"TORCHINDUCTOR_CACHE_DIR": cache}
        for when in ("empty_cache", "filled_cache"):
            command = [sys.executable, __file__, "--first-compiled-steps"]
            child = subprocess.run(command, env=env, capture_output=True, text=True)
            if child.returncode:
                raise SystemExit(f"the compile-time child failed:\n{child.stderr[-2000:]}")
            steps = json.loads(child.stdout.splitlines()[-1])
            per_job = sum(step["first_call_s"] + step["short_s"] for step in steps)
            cost[when] = {"per_job_s": per_job, "first_calls": steps}
    return cost


def compiled_against_eager(primary, clean, products, y, sym_arch, cfg, steps: int) -> dict:
    """ms a step with the edit and loss eager and compiled (torch.compile, default inductor; the Adam step eager
    either way), on the same batches; the compile's own time is `compile_cost`'s."""
    torch._dynamo.reset()  # each kind compiled afresh, not as a recompilation of the previous kind's graph
    loss, stepper = symbiote_stepper(primary, clean, products, y, sym_arch, cfg)
    return {
        "eager": 1000 * loop_seconds(stepper(loss), steps),
        "compiled": 1000 * loop_seconds(stepper(torch.compile(loss)), steps),
    }


def setup(trained: bool = True):
    """(config, split, primary, clean pass, channel products, symbiote training settings) on the default config:
    a primary trained as the workflow trains one, or a random one of the same architecture."""
    config = load_config(ROOT / "config" / "config.yaml")
    split = load_mnist5k(seed=config["data"]["split_seed"], test_size=config["data"]["test_size"])
    arch = PrimaryArch.from_config(config["architecture"])
    if trained:
        primary, _ = train_primary(split, arch, PrimaryTraining.from_config(config["primary"]), torch.device("cpu"))
    else:
        primary = PrimaryCNN(arch)
    primary.eval().requires_grad_(False)
    clean = clean_pass(primary, split.x_train)
    products = cached_products(primary, clean.trunk)
    return config, split, primary, clean, products, SymbioteTraining.from_config(config["symbiote"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=96)
    parser.add_argument("--out", type=Path, default=Path("bench/out/symbiote_step.json"))
    parser.add_argument("--compiled", action="store_true", help="also time the step compiled (torch.compile)")
    parser.add_argument("--first-compiled-steps", action="store_true", help=argparse.SUPPRESS)  # --compiled's child
    args = parser.parse_args()
    keep_freed_memory()
    torch.set_num_threads(1)
    if args.first_compiled_steps:
        return first_compiled_steps()
    config, split, primary, clean, products, cfg = setup()
    settings, classes = config["symbiote"], tuple(config["classes"])
    peak = matmul_peak_gflops(threads=1)
    job_steps = step_budget(len(split.y_train), cfg.batch_size, cfg.epochs, cfg.steps)[0] * len(config["seeds"])
    kinds = {}
    for kind in settings["kinds"]:
        sym_arch = SymbioteArch.from_config(settings, kind=kind, classes=classes)

        def run(steps, sym_arch=sym_arch):
            training = dataclasses.replace(cfg, steps=steps)
            train_symbiotes(primary, split.x_train, split.y_train, sym_arch, training, clean=clean, products=products)

        seconds = loop_seconds(run, args.steps)
        gflop = symbiote_flops_per_step(primary.arch, kind, len(classes), cfg.batch_size) / 1e9
        kinds[kind] = {
            "ms_per_step": 1000 * seconds,
            "gflop_per_step": gflop,
            "share_of_peak": gflop / (seconds * peak),
            "matmul_share": matmul_share(run, args.steps),
        }
        if args.compiled:
            ms = compiled_against_eager(primary, clean, products, split.y_train, sym_arch, cfg, args.steps)
            saved = job_steps * (ms["eager"] - ms["compiled"]) / 1000
            kinds[kind]["compiled"] = {"ms_per_step": ms, "saved_per_job_s": saved}
    result = {"matmul_peak_gflops_one_thread": peak, "batch_size": cfg.batch_size, "kinds": kinds}
    if args.compiled:
        saved = sum(k["compiled"]["saved_per_job_s"] for k in kinds.values())
        result["compiled"] = {"job_steps_per_kind": job_steps, "saved_per_job_s": saved, "compile": compile_cost()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
