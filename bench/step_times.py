"""Job-seconds of the analysis steps on the default config, old source tree against this one, interleaved in one run
(old, new, old, new: the machine is shared and its load varies), each through the CLI as the workflow runs it (a fresh
process, imports included), one thread; outputs into a scratch folder, compared file by file. As JSON.

- `analyse-sparsity` of one level (three seeds);
- `cross-architecture`: the old tree's one job over every (level, seed) against one job per level here (reported:
  the sum over levels, the job-seconds, and the longest, the serial bound);
- `validate-ground-truth`.

The old tree is any checkout with its schema, e.g. `git archive <commit> src workflow | tar -x -C /tmp/old`:

    python bench/step_times.py --old-src /tmp/old/src --results results/mnist5k --scratch /tmp/steps \
        --out bench/out/step_times.json
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

LEVELS = ("0", "0.8", "0.95", "0.98", "0.99", "0.995")
SECTIONS = {
    "analyse-sparsity": ("symbiote", "analysis", "device"),
    "cross-architecture": ("analysis", "device"),
    "validate-ground-truth": ("architecture", "symbiote", "analysis", "ground_truth", "device"),
}


def command(step: str, config: dict, results: Path, out: Path, levels, seeds) -> list[str]:
    settings = json.dumps({k: config[k] for k in SECTIONS[step] if k in config})
    args = [sys.executable, "-m", "symbiosis", step, "--settings", settings, "--threads", "1"]
    args += ["--data", str(results / "data.safetensors")]
    models = [(level, seed) for level in levels for seed in seeds]
    if step == "analyse-sparsity":
        kinds = config["symbiote"]["kinds"]
        args += ["--models", *(str(results / f"models/s{lv}-seed{s}/primary.safetensors") for lv, s in models)]
        args += ["--symbiotes"]
        args += [str(results / f"models/s{lv}-seed{s}/symbiotes_{k}.safetensors") for lv, s in models for k in kinds]
        args += ["--out-dirs", *(str(out / f"s{lv}-seed{s}") for lv, s in models)]
        args += ["--universality", str(out / "universality.csv")]
    elif step == "cross-architecture":
        for flag, folder, name in (
            ("--cnn-models", "models", "primary"),
            ("--cnn-symbiotes", "models", "symbiotes_symbiote"),
            ("--mlp-models", "mlp", "primary"),
            ("--mlp-symbiotes", "mlp", "symbiotes_symbiote"),
        ):
            args += [flag, *(str(results / f"{folder}/s{lv}-seed{s}/{name}.safetensors") for lv, s in models)]
        args += ["--out", str(out / "cross_architecture.csv")]
    else:
        args += ["--checks", str(out / "ground_truth.csv"), "--auc", str(out / "ground_truth_auc.csv")]
    return args


def run(args: list[str], src: Path, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    for sub in args:
        if sub.startswith(str(out)) and not sub.endswith(".csv"):
            Path(sub).mkdir(parents=True, exist_ok=True)
    env = os.environ | {"PYTHONPATH": str(src)}
    t = time.perf_counter()
    subprocess.run(args, env=env, check=True)
    return time.perf_counter() - t


def same_files(a: Path, b: Path) -> dict:
    files = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    return {
        "files": len(files),
        "byte_identical": [str(f) for f in files if not filecmp.cmp(a / f, b / f, False)] == [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-src", type=Path, required=True)
    parser.add_argument("--results", type=Path, default=Path("results/mnist5k"))
    parser.add_argument("--config", type=Path, default=Path("config/config.yaml"))
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--level", default="0.8", help="the analyse-sparsity level")
    parser.add_argument("--steps", nargs="+", default=list(SECTIONS))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    config = yaml.safe_load(args.config.read_text())
    new_src, seeds, report = Path(__file__).resolve().parents[1] / "src", config["seeds"], {}
    for step in args.steps:
        old_out, new_out = args.scratch / "old" / step, args.scratch / "new" / step
        if step == "cross-architecture":
            old = run(command(step, config, args.results, old_out, LEVELS, seeds), args.old_src, old_out)
            per_level = [
                run(command(step, config, args.results, new_out / lv, [lv], seeds), new_src, new_out / lv)
                for lv in LEVELS
            ]
            joined = new_out / "cross_architecture.csv"
            levels = [str(new_out / lv / "cross_architecture.csv") for lv in LEVELS]
            table = [sys.executable, "-m", "symbiosis", "cross-architecture-table", "--levels", *levels, "--out"]
            subprocess.run([*table, str(joined)], env=os.environ | {"PYTHONPATH": str(new_src)}, check=True)
            report[step] = {"old_s": old, "new_sum_s": sum(per_level), "new_longest_s": max(per_level)}
            report[step] |= {
                "ratio": old / sum(per_level),
                "new_per_level_s": dict(zip(LEVELS, per_level, strict=True)),
            }
            report[step]["byte_identical"] = filecmp.cmp(old_out / "cross_architecture.csv", joined, False)
            print(step, report[step], flush=True)
            continue
        levels = [args.level] if step == "analyse-sparsity" else []
        old = run(command(step, config, args.results, old_out, levels, seeds), args.old_src, old_out)
        new = run(command(step, config, args.results, new_out, levels, seeds), new_src, new_out)
        report[step] = {"old_s": old, "new_s": new, "ratio": old / new} | same_files(old_out, new_out)
        print(step, report[step], flush=True)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
