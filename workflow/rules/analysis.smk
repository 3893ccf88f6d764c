ANALYSIS = config["analysis"]
GROUND_TRUTH = config["ground_truth"]


rule analyse_model:
    input:
        data="results/{dataset}/data.safetensors",
        model=f"{MODEL_DIR}/primary.safetensors",
        symbiotes=symbiote_files(SYMBIOTE["kinds"]),
    output:
        units=f"{MODEL_DIR}/units.csv",
        features=f"{MODEL_DIR}/features.csv",
        circuits=f"{MODEL_DIR}/circuits.csv",
        overlap=f"{MODEL_DIR}/overlap.csv",
    log:
        "logs/{dataset}/analyse_model/s{sparsity}-seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/analyse_model/s{sparsity}-seed{seed}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        settings=(
            f"--top-fraction {ANALYSIS['top_fraction']} "
            f"--circuit-fraction {ANALYSIS['circuit_fraction']} --seed {ANALYSIS['seed']}"
        ),
    shell:
        "python -m symbiosis analyse-model --data {input.data} --model {input.model} "
        "--symbiotes {input.symbiotes} {params.settings} --threads {threads} "
        "--units {output.units} --features {output.features} --circuits {output.circuits} "
        "--overlap {output.overlap} 2> {log}"


rule universality:
    input:
        data="results/{dataset}/data.safetensors",
        models=lambda w: expand(
            f"{MODEL_DIR}/primary.safetensors",
            dataset=w.dataset,
            sparsity=w.sparsity,
            seed=config["seeds"],
        ),
        symbiotes=lambda w: expand(
            f"{MODEL_DIR}/symbiotes_symbiote.safetensors",
            dataset=w.dataset,
            sparsity=w.sparsity,
            seed=config["seeds"],
        ),
    output:
        "results/{dataset}/universality/s{sparsity}.csv",
    log:
        "logs/{dataset}/universality/s{sparsity}.log",
    benchmark:
        "benchmarks/{dataset}/universality/s{sparsity}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        settings=(
            f"--circuit-fraction {ANALYSIS['circuit_fraction']} "
            f"--null-permutations {ANALYSIS['null_permutations']} --seed {ANALYSIS['seed']}"
        ),
    shell:
        "python -m symbiosis universality --data {input.data} --models {input.models} "
        "--symbiotes {input.symbiotes} {params.settings} --threads {threads} --out {output} 2> {log}"


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
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        widths=",".join(
            str(config["architecture"][k]) for k in ("conv1", "conv2", "fc1")
        ),
        plant=(
            f"--primary-epochs {GROUND_TRUTH['epochs']} "
            f"--units-per-class {GROUND_TRUTH['units_per_class']} "
            "--pairs " + " ".join(f"{a},{b}" for a, b in GROUND_TRUTH["pairs"])
        ),
        train=" ".join(
            f"--{key.replace('_', '-')} {SYMBIOTE[key]}"
            for key in ("epochs", "batch_size", "lr", "alpha", "lam")
        ),
        settings=(
            f"--circuit-fraction {ANALYSIS['circuit_fraction']} "
            f"--null-permutations {ANALYSIS['null_permutations']} --seed {ANALYSIS['seed']}"
        ),
        device=config["device"],
    shell:
        "python -m symbiosis validate-ground-truth --data {input} --widths {params.widths} "
        "{params.plant} {params.train} {params.settings} --device {params.device} "
        "--threads {threads} --checks {output.checks} --auc {output.auc} 2> {log}"


rule analysis_tables:
    input:
        features=lambda w: models(w.dataset, f"{MODEL_DIR}/features.csv"),
        circuits=lambda w: models(w.dataset, f"{MODEL_DIR}/circuits.csv"),
        overlaps=lambda w: models(w.dataset, f"{MODEL_DIR}/overlap.csv"),
        universality=lambda w: universality_files(w.dataset),
    output:
        **{name: f"results/{{dataset}}/{name}.csv" for name in ANALYSIS_TABLES},
    log:
        "logs/{dataset}/analysis_tables.log",
    benchmark:
        "benchmarks/{dataset}/analysis_tables.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        outputs=lambda w, output: " ".join(
            f"--{name.replace('_', '-')}-out {getattr(output, name)}"
            for name in ANALYSIS_TABLES
        ),
    shell:
        "python -m symbiosis analysis-tables --features {input.features} "
        "--circuits {input.circuits} --overlaps {input.overlaps} "
        "--universality {input.universality} {params.outputs} 2> {log}"
