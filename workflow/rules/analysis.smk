rule analyse_sparsity:
    input:
        data="results/{dataset}/data.safetensors",
        models=lambda w: level(w, f"{MODEL_DIR}/primary.safetensors"),
        symbiotes=lambda w: [
            path
            for seed in config["seeds"]
            for path in expand(
                f"{MODEL_DIR}/symbiotes_{{kind}}.safetensors",
                kind=SYMBIOTE["kinds"],
                dataset=w.dataset,
                sparsity=w.sparsity,
                seed=seed,
            )
        ],
    output:
        tables=expand(
            f"{MODEL_DIR}/{{name}}.csv",
            name=ANALYSIS_FILES,
            seed=config["seeds"],
            allow_missing=True,
        ),
        universality="results/{dataset}/universality/s{sparsity}.csv",
    log:
        "logs/{dataset}/analyse_sparsity/s{sparsity}.log",
    benchmark:
        "benchmarks/{dataset}/analyse_sparsity/s{sparsity}.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("analyse_sparsity"),
        runtime=runtime("analyse_sparsity"),
    params:
        settings=settings("analyse-sparsity"),
        out_dirs=lambda w: level(w, MODEL_DIR),
    shell:
        "python -m symbiosis analyse-sparsity --data {input.data} --models {input.models} "
        "--symbiotes {input.symbiotes} --settings {params.settings} --threads {threads} "
        "--out-dirs {params.out_dirs} --universality {output.universality} 2> {log}"


rule validate_ground_truth:
    input:
        "results/{dataset}/data.safetensors",
    output:
        checks="results/{dataset}/ground_truth.csv",
        auc="results/{dataset}/ground_truth_auc.csv",
    log:
        "logs/{dataset}/validate_ground_truth.log",
    benchmark:
        "benchmarks/{dataset}/validate_ground_truth.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("validate_ground_truth"),
        runtime=runtime("validate_ground_truth"),
    params:
        settings=settings("validate-ground-truth"),
    shell:
        "python -m symbiosis validate-ground-truth --data {input} --settings {params.settings} "
        "--threads {threads} --checks {output.checks} --auc {output.auc} 2> {log}"


rule analysis_tables:
    input:
        features=lambda w: models(w.dataset, f"{MODEL_DIR}/features.csv")
        + mlp_models(w.dataset, f"{MLP_DIR}/features.csv"),
        circuits=lambda w: models(w.dataset, f"{MODEL_DIR}/circuits.csv")
        + mlp_models(w.dataset, f"{MLP_DIR}/circuits.csv"),
        symbiotes=lambda w: models(w.dataset, f"{MODEL_DIR}/symbiotes.csv")
        + mlp_models(w.dataset, f"{MLP_DIR}/symbiotes.csv"),
        overlaps=lambda w: models(w.dataset, f"{MODEL_DIR}/overlap.csv"),
        curves=lambda w: models(w.dataset, f"{MODEL_DIR}/curves.csv"),
        curve_areas=lambda w: models(w.dataset, f"{MODEL_DIR}/curve_areas.csv"),
        universality=lambda w: universality_files(w.dataset),
        code=SUMMARY_CODE,
    output:
        **{name: f"results/{{dataset}}/{name}.csv" for name in ANALYSIS_TABLES},
    log:
        "logs/{dataset}/analysis_tables.log",
    benchmark:
        "benchmarks/{dataset}/analysis_tables.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis analysis-tables --features {input.features} "
        "--circuits {input.circuits} --overlaps {input.overlaps} --curves {input.curves} "
        "--curve-areas {input.curve_areas} --symbiotes {input.symbiotes} "
        "--universality {input.universality} --out-dir results/{wildcards.dataset} 2> {log}"


rule mechanism:
    input:
        data="results/{dataset}/data.safetensors",
        models=lambda w: models(w.dataset, f"{MODEL_DIR}/primary.safetensors"),
        symbiotes=lambda w: models(
            w.dataset, f"{MODEL_DIR}/symbiotes_symbiote.safetensors"
        ),
    output:
        units="results/{dataset}/mechanism_units.csv",
        split="results/{dataset}/gate_split.csv",
        summary="results/{dataset}/gate_split_summary.csv",
    log:
        "logs/{dataset}/mechanism.log",
    benchmark:
        "benchmarks/{dataset}/mechanism.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("mechanism"),
        runtime=runtime("mechanism"),
    params:
        settings=settings("mechanism"),
    shell:
        "python -m symbiosis mechanism --data {input.data} --models {input.models} "
        "--symbiotes {input.symbiotes} --settings {params.settings} --threads {threads} "
        "--units {output.units} --split {output.split} --summary {output.summary} 2> {log}"
