rule stats:
    input:
        **{
            name: f"results/{{dataset}}/{name}.csv"
            for name in STATS_INPUTS
            if name != "universality"
        },
        universality="results/{dataset}/universality.csv",
    output:
        "results/{dataset}/findings.json",
    log:
        "logs/{dataset}/stats.log",
    benchmark:
        "benchmarks/{dataset}/stats.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    params:
        inputs=lambda w, input: " ".join(
            f"--{name.replace('_', '-')} {getattr(input, name)}"
            for name in STATS_INPUTS
        ),
    shell:
        "python -m symbiosis stats {params.inputs} --out {output} 2> {log}"


rule main_table:
    input:
        **{
            name: f"results/{{dataset}}/{name}_summary.csv"
            for name in (
                "primaries",
                "symbiotes",
                "features",
                "circuits",
                "universality",
            )
        },
        findings="results/{dataset}/findings.json",
    output:
        csv="results/{dataset}/main_table.csv",
        tex="results/{dataset}/main_table.tex",
        md="results/{dataset}/main_table.md",
    log:
        "logs/{dataset}/main_table.log",
    benchmark:
        "benchmarks/{dataset}/main_table.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis main-table --primaries {input.primaries} --symbiotes {input.symbiotes} "
        "--features {input.features} --circuits {input.circuits} --universality {input.universality} "
        "--findings {input.findings} --csv {output.csv} --tex {output.tex} --md {output.md} 2> {log}"


rule provenance:
    input:
        findings="results/{dataset}/findings.json",
        table=expand("results/{{dataset}}/main_table.{ext}", ext=("md", "tex")),
        figures=expand(
            "figures/{{dataset}}/{figure}.{ext}", figure=FIGURES, ext=("pdf", "png")
        ),
    output:
        "results/{dataset}/provenance.json",
    log:
        "logs/{dataset}/provenance.log",
    benchmark:
        "benchmarks/provenance/{dataset}.tsv"  # outside benchmarks/{dataset}, which the record sums
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=LIGHT_JOB_MB,
        runtime=5,
    params:
        config=shlex.quote(json.dumps(config, sort_keys=True)),
    shell:
        "python -m symbiosis provenance --config-json {params.config} --results results/{wildcards.dataset} "
        "--benchmarks benchmarks/{wildcards.dataset} --out {output} 2> {log}"


rule paper:
    input:
        templates=expand(
            "paper/templates/{name}.j2", name=("paper", "markdown", "latex")
        ),
        code="src/symbiosis/paper.py",
        findings=expand("results/{dataset}/findings.json", dataset=config["dataset"]),
        table=expand(
            "results/{dataset}/main_table.{ext}",
            dataset=config["dataset"],
            ext=("md", "tex"),
        ),
        data=expand("results/{dataset}/data.json", dataset=config["dataset"]),
        provenance=expand(
            "results/{dataset}/provenance.json", dataset=config["dataset"]
        ),
        figures=expand(
            "figures/{dataset}/{figure}.{ext}",
            dataset=config["dataset"],
            figure=FIGURES,
            ext=("pdf", "png"),
        ),
    output:
        md="paper/build/paper.md",
        tex="paper/build/paper.tex",
    log:
        "logs/paper.log",
    benchmark:
        "benchmarks/paper.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    params:
        dataset=config["dataset"],
        config=shlex.quote(json.dumps(config, sort_keys=True)),
    shell:
        "python -m symbiosis paper --templates paper/templates --config-json {params.config} "
        "--results results/{params.dataset} --figures figures/{params.dataset} "
        "--provenance {input.provenance} --table-md {input.table[0]} --table-tex {input.table[1]} "
        "--md {output.md} --tex {output.tex} 2> {log}"


rule paper_pdf:
    input:
        "paper/build/paper.tex",
    output:
        "paper/build/paper.pdf",
    log:
        "logs/paper_pdf.log",
    benchmark:
        "benchmarks/paper_pdf.tsv"
    conda:
        "../envs/latex.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=10,
    shell:
        "cd paper/build && latexmk -pdf -interaction=nonstopmode -halt-on-error paper.tex > ../../{log} 2>&1"
