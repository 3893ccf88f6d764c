"""The whole workflow from empty results, timed, as JSON: where the time goes and how much of it is compute.

Runs `snakemake --cores all` on a copy of the repository in a temporary folder (so nothing here is touched), with the
default config or another one (`--configfile config/test.yaml` is the CI smoke run), twice from empty results: once
timed, once with every torch job counting its FLOPs (SYMBIOSIS_FLOPS_DIR, `symbiosis.flops`: the counter slows the
jobs, so that run is not timed). It reports, from the one benchmark run:
- wall_s: the timed run's wall time, beside the number of jobs and cores; cpu_s, the CPU seconds of all its
  processes, and cpu_share, those over cores x wall (a run that shared the machine shows it here; the one-minute load
  average before it starts is `load_before`);
- rules: per rule family, the number of jobs and the summed job wall and CPU seconds (Snakemake's benchmark files);
- compute_limit: per stage, the model FLOPs its jobs execute (every matmul and convolution: training, analysis,
  ground truth, sweep, the MLP; torch.utils.flop_counter) over the fp32 matmul peak at one thread measured here (a
  job's share: `threads: 1`), and the ratio of the stage's job seconds to that; in total, the FLOPs over cores x peak
  and the ratio of the wall time to it;
- startup: a fresh Python importing the library (torch for the training and analysis rules, pandas/seaborn for the
  report rules), best of three, measured here; times the number of jobs of each kind, and as a share of the summed job
  time: what the job granularity costs;
- in_loop: one primary's and its symbiotes' training loops alone, timed here, against their FLOPs (one training step
  counted, times the steps): the loops' share of the one-thread peak, apart from the jobs' overheads.
Nothing here asserts a time.

    python bench/workflow_time.py --out bench/out/workflow_time.json
    python bench/workflow_time.py --configfile config/test.yaml --out bench/out/workflow_time_test.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
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
from symbiosis.flops import FLOPS_DIR
from symbiosis.primary.models import PrimaryArch, PrimaryCNN, clean_pass, unit_activations
from symbiosis.primary.train import PrimaryTraining, train_primary
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes
from symbiosis.symbiote.train import SymbioteTraining, symbiote_loss, train_symbiotes

ROOT = Path(__file__).resolve().parents[1]
# A job's command (`python -m symbiosis <command>`) and the rules that call it, where the names differ.
COMMAND_RULES = {"ceiling": ("symbiote_ceiling",), "train-primary": ("train_primary", "train_width")}


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


def run_workflow(configfile: str, cores: str, tmp: Path, flops_dir: Path | None = None) -> tuple[Path, float, float]:
    """(the run's folder, its wall seconds, the CPU seconds of all its processes): the workflow from empty results in
    a copy of the repository under `tmp`; with `flops_dir`, every torch job counts its FLOPs there."""
    work = copy_workflow(ROOT, tmp)
    cmd = [sys.executable, "-m", "snakemake", "--cores", cores, "--configfile", configfile, "--quiet"]
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    if flops_dir is not None:
        env[FLOPS_DIR] = str(flops_dir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"the workflow failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return work, wall, cpu


def counted_flops(flops_dir: Path) -> dict[str, dict]:
    """Per command: its jobs and their summed FLOPs (symbiosis.flops' files of one counted run)."""
    out = defaultdict(lambda: {"jobs": 0, "flops": 0, "uncounted_jobs": 0})
    for path in sorted(flops_dir.glob("*.json")):
        record = json.loads(path.read_text())
        out[record["command"]]["jobs"] += 1
        if record["flops"] is None:  # the job could not run under the counter (symbiosis.flops): a lower bound
            out[record["command"]]["uncounted_jobs"] += 1
        else:
            out[record["command"]]["flops"] += record["flops"]
    return dict(out)


def compute_limit(flops: dict[str, dict], rules: dict[str, dict], wall: float, cores: int, peak: float) -> dict:
    """Per stage (command) and in total: the FLOPs, the seconds they take at the one-thread peak (`limit_job_s`, a
    job's share) and the ratio of the stage's job seconds to that; the run's limit is the FLOPs over cores x peak."""
    stages = {}
    for command, counted in sorted(flops.items(), key=lambda kv: -kv[1]["flops"]):
        names = COMMAND_RULES.get(command, (command.replace("-", "_"),))
        job_s = sum(rules[name]["wall_s"] for name in names if name in rules)
        limit = counted["flops"] / 1e9 / peak
        stages[command] = {
            "rules": [name for name in names if name in rules],
            "jobs": counted["jobs"],
            "uncounted_jobs": counted["uncounted_jobs"],
            "gflop": counted["flops"] / 1e9,
            "limit_job_s": limit,
            "job_seconds": job_s,
            "ratio": job_s / limit if limit else float("inf"),
        }
    total = sum(f["flops"] for f in flops.values()) / 1e9
    limit = total / (cores * peak)
    return {"stages": stages, "gflop": total, "limit_s": limit, "wall_s": wall, "wall_over_limit": wall / limit}


def in_loop(split, config: dict, n_train: int, peak: float) -> dict:
    """One primary's and its symbiotes' training loops (`loop_seconds`) against their FLOPs: share of the peak."""
    arch = PrimaryArch.from_config(config.get("architecture", {}))
    epochs = config.get("primary", {}).get("epochs", 10)
    sym = {"epochs": 10, "batch_size": 256, "kinds": ["symbiote", "static", "steering"], **config.get("symbiote", {})}
    steps = sym["epochs"] * math.ceil(n_train / sym["batch_size"])
    kinds = sym["kinds"]
    flops = {
        "train_primary": epochs * n_train * train_flops_per_sample(arch),
        "train_symbiotes": steps
        * sum(symbiote_flops_per_step(arch, kind, len(config["classes"]), sym["batch_size"]) for kind in kinds),
    }
    loops = loop_seconds(split, arch, config)
    return {
        stage: {"gflop": gflop, "loop_seconds": loops[stage], "share_of_peak": gflop / (loops[stage] * peak)}
        for stage, gflop in ((stage, total / 1e9) for stage, total in flops.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--cores", default="all")
    parser.add_argument("--out", type=Path, default=Path("bench/out/workflow_time.json"))
    args = parser.parse_args()
    cores = os.cpu_count() if args.cores == "all" else int(args.cores)
    with tempfile.TemporaryDirectory() as tmp:
        load_before = os.getloadavg()[0]
        work, wall, cpu = run_workflow(args.configfile, args.cores, Path(tmp) / "timed")
        rules = rule_times(work / "benchmarks")
        config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
        if args.configfile != "config/config.yaml":  # Snakemake merges --configfile over the Snakefile's config
            _merge(config, yaml.safe_load((work / args.configfile).read_text()))
        dataset = config["dataset"] if isinstance(config["dataset"], str) else config["dataset"][0]
        n_train = json.loads((work / "results" / dataset / "data.json").read_text())["train"]
        split = load_split(work / "results" / dataset / "data.safetensors")
        flops_dir = Path(tmp) / "flops"
        flops_dir.mkdir()
        _, counted_wall, _ = run_workflow(args.configfile, args.cores, Path(tmp) / "counted", flops_dir)
        flops = counted_flops(flops_dir)
    torch_commands = {name for command in flops for name in COMMAND_RULES.get(command, (command.replace("-", "_"),))}
    jobs_torch = sum(r["jobs"] for name, r in rules.items() if name in torch_commands)
    jobs_report = sum(r["jobs"] for name, r in rules.items() if name not in torch_commands)
    job_seconds = sum(r["wall_s"] for r in rules.values())
    torch_start, report_start = (
        startup_seconds("symbiosis.metrics.attribution"),
        startup_seconds("symbiosis.report.figures.style"),
    )
    startup = jobs_torch * torch_start + jobs_report * report_start
    peak = matmul_peak_gflops(threads=1)
    result = {
        "config": args.configfile,
        "cores": cores,
        "torch": torch.__version__,
        "wall_s": wall,
        # The timed run's own CPU seconds over cores x wall: near 1 where its jobs had the cores to themselves (and
        # kept them busy); well below 1 where other work shared the machine or the DAG left cores idle.
        "cpu_s": cpu,
        "cpu_share": cpu / (cores * wall),
        "load_before": load_before,
        "counted_run_wall_s": counted_wall,
        "jobs": sum(r["jobs"] for r in rules.values()),
        "job_seconds": job_seconds,
        "matmul_peak_gflops_one_thread": peak,
        "compute_limit": compute_limit(flops, rules, wall, cores, peak),
        "startup": {
            "torch_job_s": torch_start,
            "report_job_s": report_start,
            "torch_jobs": jobs_torch,
            "report_jobs": jobs_report,
            "total_s": startup,
            "share_of_job_seconds": startup / job_seconds,
        },
        "in_loop": in_loop(split, config, n_train, peak),
        "rules": rules,
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
