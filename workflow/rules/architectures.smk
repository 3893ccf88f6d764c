# The second architecture (config `architectures`): the MLP's primaries, symbiotes (through forward hooks) and
# claims 1-3, one job per sparsity level; and the cross-architecture matching of its last hidden layer to the CNN's
# fc1, one job per sparsity level (the levels run side by side), joined into one table.

# The conditional kinds condition on the CNN's own fc2 readout; the hook path has none (hooks/steps.py).
HOOK_KINDS = [k for k in SYMBIOTE["kinds"] if not k.startswith("conditional_")]


rule train_mlp:
    input:
        "results/{dataset}/data.safetensors",
    output:
        models=expand(
            f"{MLP_DIR}/{{name}}",
            name=(
                "primary.safetensors",
                "primary.json",
                *(
                    f"symbiotes_{kind}.{ext}"
                    for kind in HOOK_KINDS
                    for ext in ("safetensors", "json")
                ),
                *(f"{name}.csv" for name in MLP_FILES),
            ),
            seed=config["seeds"],
            allow_missing=True,
        ),
        universality="results/{dataset}/mlp/universality/s{sparsity}.csv",
    log:
        "logs/{dataset}/train_mlp/s{sparsity}.log",
    benchmark:
        "benchmarks/{dataset}/train_mlp/s{sparsity}.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("train_mlp"),
        runtime=runtime("train_mlp"),
    params:
        settings=settings("train-mlp"),
        out_dirs=lambda w: level(w, MLP_DIR),
    shell:
        "python -m symbiosis train-mlp --data {input} --dataset {wildcards.dataset} "
        "--sparsity {wildcards.sparsity} --settings {params.settings} --threads {threads} "
        "--out-dirs {params.out_dirs} --universality {output.universality} 2> {log}"


rule cross_architecture:
    input:
        data="results/{dataset}/data.safetensors",
        cnn_models=lambda w: level(w, f"{MODEL_DIR}/primary.safetensors"),
        cnn_symbiotes=lambda w: level(w, f"{MODEL_DIR}/symbiotes_symbiote.safetensors"),
        mlp_models=lambda w: level(w, f"{MLP_DIR}/primary.safetensors"),
        mlp_symbiotes=lambda w: level(w, f"{MLP_DIR}/symbiotes_symbiote.safetensors"),
    output:
        "results/{dataset}/cross_architecture/s{sparsity}.csv",
    log:
        "logs/{dataset}/cross_architecture/s{sparsity}.log",
    benchmark:
        "benchmarks/{dataset}/cross_architecture/s{sparsity}.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("cross_architecture"),
        runtime=runtime("cross_architecture"),
    params:
        settings=settings("cross-architecture"),
    shell:
        "python -m symbiosis cross-architecture --data {input.data} --cnn-models {input.cnn_models} "
        "--cnn-symbiotes {input.cnn_symbiotes} --mlp-models {input.mlp_models} "
        "--mlp-symbiotes {input.mlp_symbiotes} --settings {params.settings} --threads {threads} "
        "--out {output} 2> {log}"


rule cross_architecture_table:
    input:
        lambda w: cross_architecture_files(w.dataset),
    output:
        "results/{dataset}/cross_architecture.csv",
    log:
        "logs/{dataset}/cross_architecture_table.log",
    benchmark:
        "benchmarks/{dataset}/cross_architecture_table.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis cross-architecture-table --levels {input} --out {output} 2> {log}"
