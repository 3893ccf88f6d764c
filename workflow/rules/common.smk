# Configuration check, shared paths and the command prefix. Nothing here computes results.
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from snakemake.utils import validate

SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)

from symbiosis.choices import (
    ANALYSIS_FILES,
    ANALYSIS_TABLES,
    MLP_FILES,
    STATS_INPUTS,
)  # noqa: E402
from symbiosis.cli import FIGURES, STEPS  # noqa: E402
from symbiosis.config import check_config, coerce_numbers  # noqa: E402
from symbiosis.errors import SymbiosisError  # noqa: E402

try:
    # --config hands list items over as strings ('0.99'): numbers where the schema wants them, then the check.
    coerce_numbers(config, workflow.source_path("../schemas/config.schema.yaml"))
    check_config(config, workflow.source_path("../schemas/config.schema.yaml"))
except SymbiosisError as error:
    sys.exit(f"symbiosis: error: {error}")
validate(config, "../schemas/config.schema.yaml")  # fills in the schema's defaults


def python_has_dependencies():
    """Whether the `python` on PATH (the one jobs run, without --use-conda) can import the project's dependencies."""
    probe = "import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ('torch', 'pandas')))"
    return subprocess.run(["python", "-c", probe], capture_output=True).returncode == 0


# Jobs run `python` from PATH: without --use-conda, stop once here if that one lacks the dependencies.
if "conda" not in str(workflow.deployment_settings.deployment_method).lower():
    if not python_has_dependencies():
        sys.exit(
            f"symbiosis: error: `python` on PATH ({shutil.which('python')}) lacks the project's dependencies; "
            "activate the environment (source .venv/bin/activate) or run `make reproduce`"
        )

# Jobs run `python -m symbiosis ...` from this checkout's src/, with or without --use-conda.
shell.prefix(
    f"set -euo pipefail; export PYTHONPATH='{SRC}'${{{{PYTHONPATH:+:$PYTHONPATH}}}}; "
)
MODEL_DIR = "results/{dataset}/models/s{sparsity}-seed{seed}"
# The code behind every summary table (means and intervals over seeds): editing it reruns the tables.
SUMMARY_CODE = expand("src/symbiosis/report/{name}.py", name=("tables", "stats"))
# The second architecture's models (config `architectures`); the CNN's keep MODEL_DIR.
MLP_DIR = "results/{dataset}/mlp/s{sparsity}-seed{seed}"
if "cnn" not in config["architectures"]:
    sys.exit(
        "symbiosis: error: architectures must include cnn (the reference the others are matched to)"
    )
# The tasks of the experiment: `dataset` is one name or a list (config/full.yaml); each task's outputs lie under
# results/<dataset>/, figures/<dataset>/ and paper/build/<dataset>/.
DATASETS = (
    [config["dataset"]] if isinstance(config["dataset"], str) else config["dataset"]
)


def config_for(dataset):
    """The whole config as one task's jobs see it (its `dataset` that task), JSON, shell-quoted."""
    return shlex.quote(json.dumps({**config, "dataset": dataset}, sort_keys=True))


# The paper's PDF comes from Typst (a Python wheel) everywhere; its LaTeX twin, paper-latex.pdf, only where a TeX
# engine with latexmk is installed (Debian: latexmk, texlive-latex-extra).
BUILD_LATEX_PDF = shutil.which("latexmk") is not None


wildcard_constraints:
    dataset="[a-z0-9-]+",
    sparsity=r"0(\.[0-9]+)?",
    seed=r"[0-9]+",


def settings(step):
    """The config sections that `symbiosis <step>` reads, as its one --settings argument (JSON, shell-quoted)."""
    sections = STEPS[step][2]
    return shlex.quote(
        json.dumps({name: config[name] for name in sections}, sort_keys=True)
    )


def sparsity_label(value):
    """0.5 -> '0.5', 0.0 -> '0': the sparsity as it appears in paths."""
    return f"{float(value):g}"


def models(dataset, pattern):
    """One path per primary of the experiment, filled into `pattern` (a path under MODEL_DIR)."""
    return expand(
        pattern,
        dataset=dataset,
        sparsity=[sparsity_label(s) for s in config["sparsities"]],
        seed=config["seeds"],
    )


def level(wildcards, pattern, kinds=None):
    """`pattern` (a path under MODEL_DIR) for every seed of the sparsity level in `wildcards`, seed by seed; with
    `kinds`, also every symbiote kind ({kind} in the pattern) of each seed, in the given order.
    """
    paths = []
    for seed in config["seeds"]:
        files = expand(
            pattern,
            dataset=wildcards.dataset,
            sparsity=wildcards.sparsity,
            seed=seed,
            kind=kinds or [""],
            allow_missing=True,
        )
        paths += files
    return paths


def sweep_models(dataset, pattern):
    """`pattern` (a path under MODEL_DIR) for each primary of the lambda sweep: the configured sweep levels and seeds,
    each of which must be one of the experiment's (by default the lowest and highest level, the first seed).
    """
    levels = config["symbiote"]["sweep_sparsities"] or sorted(
        {min(config["sparsities"]), max(config["sparsities"])}
    )
    levels = [sparsity_label(s) for s in levels]
    seeds = config["symbiote"]["sweep_seeds"] or config["seeds"][:1]
    missing = set(levels) - {sparsity_label(s) for s in config["sparsities"]}
    missing |= {str(s) for s in set(seeds) - set(config["seeds"])}
    if missing:
        sys.exit(
            f"symbiosis: error: symbiote.sweep_sparsities / sweep_seeds name {sorted(missing)}, which the experiment "
            "does not train; give levels from `sparsities` and seeds from `seeds`"
        )
    return expand(pattern, dataset=dataset, sparsity=levels, seed=seeds)


def mlp_models(dataset, pattern):
    """`models(dataset, pattern)` where the config's architectures include the MLP, else none."""
    return models(dataset, pattern) if "mlp" in config["architectures"] else []


def cross_architecture_files(dataset):
    """One cross-architecture table per sparsity level where the config's architectures include the MLP, else none."""
    if "mlp" not in config["architectures"]:
        return []
    return expand(
        "results/{dataset}/cross_architecture/s{sparsity}.csv",
        dataset=dataset,
        sparsity=[sparsity_label(s) for s in config["sparsities"]],
    )


def universality_files(dataset):
    """One universality table per sparsity level and architecture; none when there is a single seed (no pairs)."""
    if len(config["seeds"]) < 2:
        return []
    folders = ["universality"] + (
        ["mlp/universality"] if "mlp" in config["architectures"] else []
    )
    return expand(
        "results/{dataset}/{folder}/s{sparsity}.csv",
        dataset=dataset,
        folder=folders,
        sparsity=[sparsity_label(s) for s in config["sparsities"]],
    )


# Jobs whose benchmarks the run record sums: every one upstream of the findings and the main table (not the figures,
# so that redrawing a figure leaves the record as it is).
COMPUTE_BENCHMARKS = (
    "prepare_data",
    "primaries_table",
    "symbiotes_table",
    "sweep_table",
    "analysis_tables",
    "cross_architecture_table",
    "validate_ground_truth",
    "stats",
    "main_table",
)


def run_inputs(dataset):
    """The sidecars and benchmark files that `symbiosis provenance` reads for one dataset."""
    benchmarks = [f"benchmarks/{dataset}/{name}.tsv" for name in COMPUTE_BENCHMARKS]
    benchmarks += expand(
        "benchmarks/{dataset}/{step}/s{sparsity}.tsv",
        dataset=dataset,
        step=("train_primary", "train_symbiotes"),
        sparsity=[sparsity_label(s) for s in config["sparsities"]],
    )
    benchmarks += sweep_models(
        dataset, "benchmarks/{dataset}/sweep_symbiotes/s{sparsity}-seed{seed}.tsv"
    )
    benchmarks += expand(
        "benchmarks/{dataset}/analyse_sparsity/s{sparsity}.tsv",
        dataset=dataset,
        sparsity=[sparsity_label(s) for s in config["sparsities"]],
    )
    if "mlp" in config["architectures"]:
        benchmarks += expand(
            "benchmarks/{dataset}/{name}/s{sparsity}.tsv",
            dataset=dataset,
            name=("cross_architecture", "train_mlp"),
            sparsity=[sparsity_label(s) for s in config["sparsities"]],
        )
    sidecars = models(dataset, f"{MODEL_DIR}/primary.json")
    sidecars += [
        path
        for kind in config["symbiote"]["kinds"]
        for path in models(dataset, f"{MODEL_DIR}/symbiotes_{kind}.json")
    ]
    return {"sidecars": sidecars, "benchmarks": benchmarks}


# The fc1 width sweep (workflow/rules/widths.smk).
WIDTH_DIR = "results/{dataset}/widths/fc{width}-seed{seed}"


def width_settings(wildcards):
    """train-primary's --settings with fc1 set to the job's width."""
    sections = {name: config[name] for name in STEPS["train-primary"][2]}
    sections["architecture"] = {**config["architecture"], "fc1": int(wildcards.width)}
    return shlex.quote(json.dumps(sections, sort_keys=True))


def width_models(dataset, name):
    return expand(
        f"{WIDTH_DIR}/{name}",
        dataset=dataset,
        width=config["width_sweep"]["fc1"],
        seed=config["seeds"],
    )


# The accuracy control: dense primaries trained for fewer optimiser steps (workflow/rules/widths.smk).
EARLY_STOPPED_DIR = "results/{dataset}/early_stopped/st{steps}-seed{seed}"


def early_stopped_settings(wildcards):
    """train-primary's --settings with the primary's step budget set to the job's."""
    sections = {name: config[name] for name in STEPS["train-primary"][2]}
    sections["primary"] = {**config["primary"], "steps": int(wildcards.steps)}
    return shlex.quote(json.dumps(sections, sort_keys=True))


def early_stopped_models(dataset, name):
    return expand(
        f"{EARLY_STOPPED_DIR}/{name}",
        dataset=dataset,
        steps=config["accuracy_control"]["steps"],
        seed=config["seeds"],
    )


def stats_tables(wildcards):
    """The tables behind the findings: STATS_INPUTS, and the accuracy control's where the config has one."""
    names = list(STATS_INPUTS) + (
        ["early_stopped"] if config["accuracy_control"]["steps"] else []
    )
    return expand("results/{dataset}/{name}.csv", dataset=wildcards.dataset, name=names)


def cross_task_models(task):
    """The least-pruned primary of every seed of task number `task` (config dataset list), for cross_task."""
    if len(DATASETS) <= task:
        return []
    return expand(
        f"{MODEL_DIR}/primary.safetensors",
        dataset=DATASETS[task],
        sparsity=sparsity_label(min(config["sparsities"])),
        seed=config["seeds"],
    )
