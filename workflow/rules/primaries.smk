# One job per sparsity level trains the primary of every seed (each seeded by its own seed, exactly as a job of its
# own would): each process pays seconds of imports (bench/workflow_time.py).
rule train_primary:
    input:
        "results/{dataset}/data.safetensors",
    output:
        model=expand(
            f"{MODEL_DIR}/primary.safetensors",
            seed=config["seeds"],
            allow_missing=True,
        ),
        sidecar=expand(
            f"{MODEL_DIR}/primary.json", seed=config["seeds"], allow_missing=True
        ),
        units=expand(
            f"{MODEL_DIR}/polysemanticity.csv",
            seed=config["seeds"],
            allow_missing=True,
        ),
    log:
        "logs/{dataset}/train_primary/s{sparsity}.log",
    benchmark:
        "benchmarks/{dataset}/train_primary/s{sparsity}.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("train_primary"),
        runtime=runtime("train_primary"),
    params:
        settings=settings("train-primary"),
        seeds=config["seeds"],
    shell:
        "python -m symbiosis train-primary --data {input} --dataset {wildcards.dataset} "
        "--sparsity {wildcards.sparsity} --seeds {params.seeds} --settings {params.settings} "
        "--threads {threads} --out {output.model} --units {output.units} 2> {log}"


rule primaries_table:
    input:
        sidecars=lambda w: models(w.dataset, f"{MODEL_DIR}/primary.json"),
        units=lambda w: models(w.dataset, f"{MODEL_DIR}/polysemanticity.csv"),
        code=SUMMARY_CODE,
    output:
        table="results/{dataset}/primaries.csv",
        summary="results/{dataset}/primaries_summary.csv",
    log:
        "logs/{dataset}/primaries_table.log",
    benchmark:
        "benchmarks/{dataset}/primaries_table.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis primaries-table --sidecars {input.sidecars} --units {input.units} "
        "--out {output.table} --summary {output.summary} 2> {log}"
