# Configuration check, shared paths and the command prefix. Nothing here computes results.
import json
import shlex
import shutil
import sys
from pathlib import Path

from snakemake.utils import validate

SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)

from symbiosis.choices import (
    ANALYSIS_FILES,
    ANALYSIS_TABLES,
    STATS_INPUTS,
)  # noqa: E402
from symbiosis.config import check_config  # noqa: E402
from symbiosis.errors import SymbiosisError  # noqa: E402

try:
    check_config(config, workflow.source_path("../schemas/config.schema.yaml"))
except SymbiosisError as error:
    sys.exit(f"symbiosis: error: {error}")
validate(config, "../schemas/config.schema.yaml")  # fills in the schema's defaults

# Jobs run `python -m symbiosis ...` from this checkout's src/, with or without --use-conda.
shell.prefix(
    f"set -euo pipefail; export PYTHONPATH='{SRC}'${{{{PYTHONPATH:+:$PYTHONPATH}}}}; "
)
MODEL_DIR = "results/{dataset}/models/s{sparsity}-seed{seed}"
FIGURES = (
    "primaries",
    "inhibition",
    "symbiote_training",
    "features",
    "circuits",
    "universality",
    "ground_truth",
)
# The paper's PDF comes from Typst (a Python wheel) everywhere; its LaTeX twin, paper-latex.pdf, only where a TeX
# engine with latexmk is installed (Debian: latexmk, texlive-latex-extra).
BUILD_LATEX_PDF = shutil.which("latexmk") is not None


wildcard_constraints:
    dataset="[a-z0-9-]+",
    sparsity=r"0(\.[0-9]+)?",
    seed=r"[0-9]+",


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


def level(wildcards, pattern):
    """`pattern` (a path under MODEL_DIR) for every seed of the sparsity level in `wildcards`."""
    return expand(
        pattern,
        dataset=wildcards.dataset,
        sparsity=wildcards.sparsity,
        seed=config["seeds"],
    )


def universality_files(dataset):
    """One universality table per sparsity level; none when there is a single seed (no pairs to compare)."""
    if len(config["seeds"]) < 2:
        return []
    return expand(
        "results/{dataset}/universality/s{sparsity}.csv",
        dataset=dataset,
        sparsity=[sparsity_label(s) for s in config["sparsities"]],
    )
