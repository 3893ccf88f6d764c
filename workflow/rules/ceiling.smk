rule symbiote_ceiling:
    input:
        data="results/{dataset}/data.safetensors",
        models=lambda w: expand(
            f"{MODEL_DIR}/primary.safetensors",
            dataset=w.dataset,
            sparsity=[sparsity_label(s) for s in config["ceiling"]["sparsities"]],
            seed=config["seeds"],
        ),
    output:
        "results/{dataset}/ceiling.csv",
    log:
        "logs/{dataset}/symbiote_ceiling.log",
    benchmark:
        "benchmarks/{dataset}/symbiote_ceiling.tsv"
    retries: 2
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=mem_mb("train_symbiotes"),
        runtime=runtime("train_symbiotes"),
    params:
        settings=settings("ceiling"),
    shell:
        "python -m symbiosis ceiling --data {input.data} --models {input.models} "
        "--settings {params.settings} --threads {threads} --out {output} 2> {log}"
