rule prepare_data:
    output:
        split="results/{dataset}/data.safetensors",
        sidecar="results/{dataset}/data.json",
    log:
        "logs/{dataset}/prepare_data.log",
    benchmark:
        "benchmarks/{dataset}/prepare_data.tsv"
    conda:
        "../envs/torch.yaml"
    resources:
        mem_mb=PREPARE_DATA_MB,
        runtime=10,
    params:
        settings=settings("prepare-data"),
    shell:
        "python -m symbiosis prepare-data --dataset {wildcards.dataset} --settings {params.settings} "
        "--out {output.split} 2> {log}"
