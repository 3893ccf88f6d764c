"""Declared against measured peak memory per job (issue 15): each rule's `mem_mb` (workflow/rules/resources.smk, as
Snakemake evaluates it for a dry run of the same jobs) next to the `max_rss` of its Snakemake benchmark file. Every
declared value must lie above the measured one and at most at twice it.

Run the jobs and measure (a temporary copy of the workflow; minutes):
    python bench/memory.py --configfile config/test.yaml --out bench/out/memory_test.csv
Read the benchmark files of a run made elsewhere (here: main's run of the default config):
    python bench/memory.py --configfile config/config.yaml --benchmarks /work/main/benchmarks \
        --data /work/main/results/mnist5k/data.safetensors --out bench/out/memory_default.csv
Fashion-MNIST at full size, on a subset of its jobs:
    python bench/memory.py --configfile bench/configs/fashion-mnist-subset.yaml \
        --targets results/fashion-mnist/models/s0-seed0/symbiotes.csv results/fashion-mnist/ground_truth.csv \
        --out bench/out/memory_fashion.csv
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from symbiosis import files

ROOT = Path(__file__).resolve().parents[1]


def copy_workflow(work: Path) -> None:
    """The workflow and this bench's configs (bench/configs) in `work`."""
    files.copy_workflow(ROOT, work)
    shutil.copytree(ROOT / "bench" / "configs", work / "bench" / "configs")


def snakemake(work: Path, configfiles: list[str], targets: list[str], *args: str) -> str:
    cmd = [sys.executable, "-m", "snakemake", *targets, *args, "--configfile", *configfiles]
    # Jobs run `python -m symbiosis`: this interpreter's environment first on PATH, as `make reproduce` does.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"memory: {' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout + proc.stderr


def declared_memory(log: str) -> dict[str, tuple[str, int]]:
    """{benchmark file: (rule, mem_mb)} from the job blocks Snakemake prints."""
    declared = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", log):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        bench = re.search(r"^\s+benchmark: (\S+)", block, re.M)
        mem = re.search(r"^\s+resources: .*\bmem_mb=(\d+)", block, re.M)
        if rule and bench and mem:
            declared[bench.group(1)] = (rule.group(1), int(mem.group(1)))
    return declared


def max_rss(path: Path) -> float:
    return float(pd.read_csv(path, sep="\t")["max_rss"].max())


def table(work: Path, benchmarks: Path, declared: dict[str, tuple[str, int]]) -> pd.DataFrame:
    rows = []
    for bench, (rule, mem_mb) in sorted(declared.items()):
        path = benchmarks / Path(bench).relative_to("benchmarks")
        measured = max_rss(path) if path.exists() else float("nan")  # a job not run: declared only
        rows.append({"rule": rule, "job": bench, "declared_mb": mem_mb, "measured_mb": measured})
    out = pd.DataFrame(rows)
    out["ratio"] = out["declared_mb"] / out["measured_mb"]
    out["ok"] = ((out["ratio"] > 1) & (out["ratio"] <= 2)) | out["measured_mb"].isna()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", nargs="+", required=True)
    parser.add_argument("--targets", nargs="*", default=[])
    parser.add_argument("--benchmarks", type=Path, help="benchmark folder of a finished run (default: run the jobs)")
    parser.add_argument("--data", type=Path, help="with --benchmarks: that run's data.safetensors")
    parser.add_argument("--cores", default="2")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, help="keep the copy of the workflow and its results here (a new folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp) / "work"
        work.mkdir()
        copy_workflow(work)
        if args.benchmarks is None:
            snakemake(work, args.configfile, args.targets, "--cores", args.cores)
            benchmarks = work / "benchmarks"
        else:
            dataset = args.data.parent.name
            (work / "results" / dataset).mkdir(parents=True)
            shutil.copy(args.data, work / "results" / dataset / "data.safetensors")
            benchmarks = args.benchmarks
        log = snakemake(work, args.configfile, args.targets, "--dry-run", "--forceall", "--cores", args.cores)
        result = table(work, benchmarks, declared_memory(log))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(args.out, index=False)
    summary = result.groupby("rule").agg(
        jobs=("job", "size"),
        measured=("measured_mb", "count"),
        declared_mb=("declared_mb", "max"),
        measured_min_mb=("measured_mb", "min"),
        measured_max_mb=("measured_mb", "max"),
        ratio_min=("ratio", "min"),
        ratio_max=("ratio", "max"),
        ok=("ok", "all"),
    )
    print(summary.to_markdown(floatfmt=".2f") if hasattr(summary, "to_markdown") else summary.to_string())
    if not result["ok"].all():
        sys.exit("memory: some declared values are not within (measured, 2 x measured]")


if __name__ == "__main__":
    main()
