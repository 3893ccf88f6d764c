# Two commands do everything on a fresh machine: `make reproduce` (the whole workflow) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# Rules call `python -m symbiosis`: put the virtual environment first on PATH for Snakemake and its jobs.
export PATH := $(BIN):$(PATH)

.PHONY: install reproduce test lint bench dry-run report clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -c "import torch, torchvision; torchvision.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)"
	touch $@

install: $(STAMP)

# A run killed with SIGKILL leaves Snakemake's lock behind. It is lifted only when stale (no live Snakemake works in
# this folder, src/symbiosis/runlock.py), so that the same command resumes the run (incomplete outputs are redone:
# profiles/default sets rerun-incomplete); beside a live run here, it refuses with one line.
reproduce: $(STAMP)
	@PYTHONPATH=src python -m symbiosis.runlock $(SNAKEMAKE_ARGS)
	snakemake --cores all $(SNAKEMAKE_ARGS)

dry-run: $(STAMP)
	snakemake -n

report: $(STAMP)
	snakemake --report report.html

lint: $(STAMP)
	ruff check src tests bench
	ruff format --check src tests bench
	snakefmt --check Snakefile workflow
	snakemake --lint

test: $(STAMP) lint
	pytest

bench: $(STAMP)
	python bench/primary_throughput.py --out bench/out/primary_throughput.json
	python bench/symbiote_batching.py --out bench/out/symbiote_batching.json
	python bench/ablation_speed.py --out bench/out/ablation_speed.json
	python bench/gating_paths.py --out bench/out/gating_paths.json
	python bench/workflow_time.py --out bench/out/workflow_time.json

clean:
	rm -rf results/*/ figures/*/ paper/build logs benchmarks .snakemake report.html
