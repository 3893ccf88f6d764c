# The width sweep (config width_sweep, config/full.yaml): primaries at several fc1 widths and one sparsity, trained
# by the same step as the main primaries with the architecture's fc1 replaced, and one table of them.
rule train_width:
    input:
        "results/{dataset}/data.safetensors",
    output:
        model=f"{WIDTH_DIR}/primary.safetensors",
        sidecar=f"{WIDTH_DIR}/primary.json",
        units=f"{WIDTH_DIR}/polysemanticity.csv",
    log:
        "logs/{dataset}/train_width/fc{width}-seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/train_width/fc{width}-seed{seed}.tsv"
    wildcard_constraints:
        width="[0-9]+",
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("train_primary"),
        runtime=runtime("train_primary"),
    params:
        settings=width_settings,
        sparsity=config["width_sweep"]["sparsity"],
    shell:
        "python -m symbiosis train-primary --data {input} --dataset {wildcards.dataset} "
        "--sparsity {params.sparsity} --seeds {wildcards.seed} --settings {params.settings} "
        "--threads {threads} --out {output.model} --units {output.units} 2> {log}"


rule widths_table:
    input:
        sidecars=lambda w: width_models(w.dataset, "primary.json"),
        units=lambda w: width_models(w.dataset, "polysemanticity.csv"),
        code=SUMMARY_CODE,
    output:
        table="results/{dataset}/widths.csv",
        summary="results/{dataset}/widths_summary.csv",
    log:
        "logs/{dataset}/widths_table.log",
    benchmark:
        "benchmarks/{dataset}/widths_table.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis primaries-sweep-table --sidecars {input.sidecars} --units {input.units} --by fc1 "
        "--out {output.table} --summary {output.summary} 2> {log}"


# The accuracy control (config accuracy_control, config/full.yaml): dense primaries trained for fewer optimiser steps,
# so that a pruned primary can be compared with dense ones of the same accuracy (symbiosis.report.findings); the same
# step as the width sweep's, with the step budget in place of the width.
use rule train_width as train_early_stopped with:
    output:
        model=f"{EARLY_STOPPED_DIR}/primary.safetensors",
        sidecar=f"{EARLY_STOPPED_DIR}/primary.json",
        units=f"{EARLY_STOPPED_DIR}/polysemanticity.csv",
    log:
        "logs/{dataset}/train_early_stopped/st{steps}-seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/train_early_stopped/st{steps}-seed{seed}.tsv"
    wildcard_constraints:
        steps="[0-9]+",
    params:
        settings=early_stopped_settings,
        sparsity=0,


rule early_stopped_table:
    input:
        sidecars=lambda w: early_stopped_models(w.dataset, "primary.json"),
        units=lambda w: early_stopped_models(w.dataset, "polysemanticity.csv"),
        code=SUMMARY_CODE,
    output:
        table="results/{dataset}/early_stopped.csv",
        summary="results/{dataset}/early_stopped_summary.csv",
    log:
        "logs/{dataset}/early_stopped_table.log",
    benchmark:
        "benchmarks/{dataset}/early_stopped_table.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis primaries-sweep-table --sidecars {input.sidecars} --units {input.units} --by steps "
        "--out {output.table} --summary {output.summary} 2> {log}"
