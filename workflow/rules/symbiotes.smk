SYMBIOTE = config["symbiote"]


# One job per sparsity level, every seed's primary one after the other (as train_primary).
rule train_symbiotes:
    input:
        data="results/{dataset}/data.safetensors",
        models=lambda w: level(w, f"{MODEL_DIR}/primary.safetensors"),
    output:
        models=expand(
            f"{MODEL_DIR}/symbiotes_{{kind}}.{{ext}}",
            seed=config["seeds"],
            kind=SYMBIOTE["kinds"],
            ext=("safetensors", "json"),
            allow_missing=True,
        ),
        summary=expand(
            f"{MODEL_DIR}/symbiotes.csv", seed=config["seeds"], allow_missing=True
        ),
        inhibition=expand(
            f"{MODEL_DIR}/inhibition.csv", seed=config["seeds"], allow_missing=True
        ),
        gates=expand(f"{MODEL_DIR}/gates.csv", seed=config["seeds"], allow_missing=True),
    log:
        "logs/{dataset}/train_symbiotes/s{sparsity}.log",
    benchmark:
        "benchmarks/{dataset}/train_symbiotes/s{sparsity}.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("train_symbiotes"),
        runtime=runtime("train_symbiotes"),
    params:
        settings=settings("train-symbiotes"),
        out=lambda w: level(
            w, f"{MODEL_DIR}/symbiotes_{{kind}}.safetensors", SYMBIOTE["kinds"]
        ),
    shell:
        "python -m symbiosis train-symbiotes --data {input.data} --models {input.models} "
        "--settings {params.settings} --threads {threads} --out {params.out} "
        "--summary {output.summary} --inhibition {output.inhibition} --gates {output.gates} 2> {log}"


rule symbiotes_table:
    input:
        summaries=lambda w: models(w.dataset, f"{MODEL_DIR}/symbiotes.csv"),
        inhibitions=lambda w: models(w.dataset, f"{MODEL_DIR}/inhibition.csv"),
        sidecars=lambda w: [
            path
            for kind in SYMBIOTE["kinds"]
            for path in models(w.dataset, f"{MODEL_DIR}/symbiotes_{kind}.json")
        ],
        code=SUMMARY_CODE,
    output:
        table="results/{dataset}/symbiotes.csv",
        summary="results/{dataset}/symbiotes_summary.csv",
        inhibition="results/{dataset}/inhibition.csv",
        curves="results/{dataset}/symbiote_curves.csv",
    log:
        "logs/{dataset}/symbiotes_table.log",
    benchmark:
        "benchmarks/{dataset}/symbiotes_table.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis symbiotes-table --summaries {input.summaries} "
        "--inhibitions {input.inhibitions} --sidecars {input.sidecars} --out {output.table} "
        "--summary {output.summary} --inhibition {output.inhibition} --curves {output.curves} 2> {log}"


rule sweep_symbiotes:
    input:
        data="results/{dataset}/data.safetensors",
        model=f"{MODEL_DIR}/primary.safetensors",
    output:
        sweep=f"{MODEL_DIR}/sweep.csv",
        objectives=f"{MODEL_DIR}/objectives.csv",
    log:
        "logs/{dataset}/sweep_symbiotes/s{sparsity}-seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/sweep_symbiotes/s{sparsity}-seed{seed}.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("train_symbiotes"),
        runtime=lambda w, input, attempt: (len(SYMBIOTE["sweep_lams"]) + 1)
        * runtime("train_symbiotes")(w, input, attempt),
    params:
        settings=settings("sweep-symbiotes"),
    shell:
        "python -m symbiosis sweep-symbiotes --data {input.data} --model {input.model} "
        "--settings {params.settings} --threads {threads} --out {output.sweep} "
        "--objectives {output.objectives} 2> {log}"


rule sweep_table:
    input:
        sweeps=lambda w: sweep_models(w.dataset, f"{MODEL_DIR}/sweep.csv"),
        objectives=lambda w: sweep_models(w.dataset, f"{MODEL_DIR}/objectives.csv"),
    output:
        table="results/{dataset}/sweep.csv",
        pareto="results/{dataset}/pareto.csv",
        objectives="results/{dataset}/objectives.csv",
    log:
        "logs/{dataset}/sweep_table.log",
    benchmark:
        "benchmarks/{dataset}/sweep_table.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis sweep-table --sweeps {input.sweeps} --objectives {input.objectives} "
        "--out {output.table} --pareto {output.pareto} --objectives-summary {output.objectives} 2> {log}"
