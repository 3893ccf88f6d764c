"""The whole workflow from empty results, timed, as JSON: where the time goes and how much of it is compute.

Runs `snakemake --cores all` on a copy of the repository in a temporary folder (so nothing here is touched), with the
default config or another one (`--configfile config/test.yaml` is the CI smoke run), and reports, from the same run:
- wall_s: the run's wall time, beside the number of jobs and cores;
- rules: per rule family, the number of jobs and the summed job wall and CPU seconds (Snakemake's benchmark files);
- startup: a fresh Python importing the library (torch for the training and analysis rules, pandas/seaborn for the
  report rules), best of three, measured here; times the number of jobs of each kind, and as a share of the summed job
  time: what the job granularity costs;
- flops: model FLOPs the training stages execute (one training step counted with torch.utils.flop_counter, times the
  steps of every model), against the machine's fp32 matmul peak at one thread (a job's share, `threads: 1`), measured
  here: share = FLOPs / (summed job seconds x peak). Start-up, data loading and pruning count against the share;
  share_of_peak_in_loop divides one model's FLOPs by its training loops alone, timed here (`loop_seconds`).
Nothing here asserts a time.

    python bench/workflow_time.py --out bench/out/workflow_time.json
    python bench/workflow_time.py --configfile config/test.yaml --out bench/out/workflow_time_test.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch
import yaml
from primary_throughput import matmul_peak_gflops, train_flops_per_sample  # bench/, beside this file
from torch.utils.flop_counter import FlopCounterMode

from symbiosis.allocator import keep_freed_memory
from symbiosis.data.datasets import load_split
from symbiosis.files import copy_workflow
from symbiosis.primary.models import PrimaryArch, PrimaryCNN, clean_pass, unit_activations
from symbiosis.primary.train import PrimaryTraining, train_primary
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes
from symbiosis.symbiote.train import SymbioteTraining, symbiote_loss, train_symbiotes

ROOT = Path(__file__).resolve().parents[1]
TORCH_RULES = {
    "prepare_data",
    "train_primary",
    "train_symbiotes",
    "sweep_symbiotes",
    "analyse_sparsity",
    "validate_ground_truth",
}


def startup_seconds(module: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        best = min(best, time.perf_counter() - t)
    return best


def symbiote_flops_per_step(arch: PrimaryArch, kind: str, n_classes: int, batch: int) -> float:
    primary = PrimaryCNN(arch).eval().requires_grad_(False)
    sym = Symbiotes(SymbioteArch(kind=kind, classes=tuple(range(n_classes))), arch)
    trunk = primary.features(torch.randn(batch, 1, 28, 28))
    _, acts = primary.classify(trunk, return_activations=True)
    units = unit_activations(acts)
    y = torch.randint(0, 10, (batch,))
    products = primary.channel_products(trunk)  # cached once per model by train_symbiotes, not per step
    with FlopCounterMode(display=False) as counter:
        logits, penalty = sym.edit(primary, trunk, units, products)
        symbiote_loss(logits, y, torch.arange(n_classes), penalty, 1.0, 1.0).sum().backward()
    return counter.get_total_flops()


def loop_seconds(split, arch: PrimaryArch, config: dict) -> dict[str, float]:
    """Seconds of one model's training loops alone, in this process at one thread (as a job runs them): the primary
    (the last sparsity, seed 0, the config's settings) and its symbiotes of every kind; start-up, loading, evaluation
    and saving left out. Against the same FLOPs, this separates the loops' efficiency from the jobs' overheads."""
    keep_freed_memory()  # as the command line does
    torch.set_num_threads(1)
    primary_cfg = PrimaryTraining.from_config(config.get("primary", {}), sparsity=config["sparsities"][-1])
    start = time.perf_counter()
    primary, _ = train_primary(split, arch, primary_cfg, torch.device("cpu"))
    primary_s = time.perf_counter() - start
    sym = config.get("symbiote", {})
    start = time.perf_counter()
    clean = clean_pass(primary, split.x_train)
    for kind in sym.get("kinds", ["symbiote", "static", "steering"]):
        arch_k = SymbioteArch.from_config(sym, kind=kind, classes=tuple(config["classes"]))
        train_symbiotes(primary, split.x_train, split.y_train, arch_k, SymbioteTraining.from_config(sym), clean=clean)
    return {"train_primary": primary_s, "train_symbiotes": time.perf_counter() - start}


def rule_times(benchmarks: Path) -> dict[str, dict]:
    out = defaultdict(lambda: {"jobs": 0, "wall_s": 0.0, "cpu_s": 0.0})
    for path in sorted(benchmarks.rglob("*.tsv")):
        rel = path.relative_to(benchmarks).parts
        rule = rel[1] if len(rel) > 2 else Path(rel[-1]).stem  # benchmarks/<dataset>/<rule>/<job>.tsv or <rule>.tsv
        header, values = path.read_text().splitlines()[:2]
        row = dict(zip(header.split("\t"), values.split("\t"), strict=True))
        out[rule]["jobs"] += 1
        out[rule]["wall_s"] += float(row["s"])
        out[rule]["cpu_s"] += float(row["cpu_time"]) if row["cpu_time"] not in ("", "NA") else 0.0
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["wall_s"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--cores", default="all")
    parser.add_argument("--out", type=Path, default=Path("bench/out/workflow_time.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_workflow(ROOT, Path(tmp))
        cmd = [sys.executable, "-m", "snakemake", "--cores", args.cores, "--configfile", args.configfile, "--quiet"]
        env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(f"the workflow failed:\n{proc.stderr[-3000:]}")
        config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
        if args.configfile != "config/config.yaml":  # Snakemake merges --configfile over the Snakefile's config
            _merge(config, yaml.safe_load((work / args.configfile).read_text()))
        dataset = config["dataset"]
        rules = rule_times(work / "benchmarks")
        n_train = json.loads((work / "results" / dataset / "data.json").read_text())["train"]
        split = load_split(work / "results" / dataset / "data.safetensors")
    jobs_torch = sum(r["jobs"] for name, r in rules.items() if name in TORCH_RULES)
    jobs_report = sum(r["jobs"] for name, r in rules.items() if name not in TORCH_RULES)
    job_seconds = sum(r["wall_s"] for r in rules.values())
    torch_start, report_start = (
        startup_seconds("symbiosis.metrics.attribution"),
        startup_seconds("symbiosis.report.figures.style"),
    )
    startup = jobs_torch * torch_start + jobs_report * report_start

    arch = PrimaryArch.from_config(config.get("architecture", {}))
    models = len(config["sparsities"]) * len(config["seeds"])
    primary_epochs = config.get("primary", {}).get("epochs", 10)
    sym = {"epochs": 10, "batch_size": 256, "kinds": ["symbiote", "static", "steering"], **config.get("symbiote", {})}
    steps = sym["epochs"] * math.ceil(n_train / sym["batch_size"])
    flops = {
        "train_primary": models * primary_epochs * n_train * train_flops_per_sample(arch),
        "train_symbiotes": models
        * steps
        * sum(symbiote_flops_per_step(arch, kind, len(config["classes"]), sym["batch_size"]) for kind in sym["kinds"]),
    }
    peak = matmul_peak_gflops(threads=1)
    loops = loop_seconds(split, arch, config)
    result = {
        "config": args.configfile,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "wall_s": wall,
        "jobs": sum(r["jobs"] for r in rules.values()),
        "job_seconds": job_seconds,
        "rules": rules,
        "startup": {
            "torch_job_s": torch_start,
            "report_job_s": report_start,
            "torch_jobs": jobs_torch,
            "report_jobs": jobs_report,
            "total_s": startup,
            "share_of_job_seconds": startup / job_seconds,
        },
        "matmul_peak_gflops_one_thread": peak,
        "flops": {
            stage: {
                "gflop": total / 1e9,
                "job_seconds": rules[stage]["wall_s"],
                "share_of_peak": total / 1e9 / (rules[stage]["wall_s"] * peak),
                "loop_seconds_one_model": loops[stage],
                "share_of_peak_in_loop": total / models / 1e9 / (loops[stage] * peak),
            }
            for stage, total in flops.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _merge(base: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


if __name__ == "__main__":
    main()
