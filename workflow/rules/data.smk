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
        root=f"--root {config['data']['root']}" if config["data"]["root"] else "",
        download="--download" if config["data"]["download"] else "",
        split_seed=config["data"]["split_seed"],
        test_size=config["data"]["test_size"],
    shell:
        "python -m symbiosis prepare-data --dataset {wildcards.dataset} {params.root} {params.download} "
        "--split-seed {params.split_seed} --test-size {params.test_size} --out {output.split} 2> {log}"
