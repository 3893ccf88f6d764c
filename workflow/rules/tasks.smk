# Cross-task universality (config/full.yaml, two or more tasks): the least-pruned primaries of the first two tasks,
# paired by seed, compared layer by layer on a probe set of both tasks' test images against random networks.
rule cross_task:
    input:
        data=expand("results/{dataset}/data.safetensors", dataset=DATASETS[:2]),
        models_a=cross_task_models(0),
        models_b=cross_task_models(1),
    output:
        "results/cross_task.csv",
    log:
        "logs/cross_task.log",
    benchmark:
        "benchmarks/cross_task.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        settings=settings("cross-task"),
    shell:
        "python -m symbiosis cross-task --data {input.data} --models-a {input.models_a} "
        "--models-b {input.models_b} --settings {params.settings} --threads {threads} --out {output} 2> {log}"
