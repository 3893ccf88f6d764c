rule stats:
    input:
        tables=stats_tables,
        # the tests and the wording rules behind every finding: editing them reruns the findings and the paper
        code=expand(
            "src/symbiosis/report/{name}.py",
            name=("findings", "significance", "stats", "tables"),
        ),
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
        settings=settings("stats"),
    shell:
        "python -m symbiosis stats --tables {input.tables} --settings {params.settings} --out {output} 2> {log}"


rule main_table:
    input:
        summaries=expand(
            "results/{{dataset}}/{name}_summary.csv",
            name=(
                "primaries",
                "symbiotes",
                "features",
                "circuits",
                "curve_areas",
                "universality",
            ),
        ),
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
        "python -m symbiosis main-table --summaries {input.summaries} --findings {input.findings} "
        "--csv {output.csv} --tex {output.tex} --md {output.md} 2> {log}"


rule provenance:
    input:
        unpack(lambda w: run_inputs(w.dataset)),
        findings="results/{dataset}/findings.json",
        table=expand("results/{{dataset}}/main_table.{ext}", ext=("md", "tex")),
    output:
        "results/{dataset}/provenance.json",
    log:
        "logs/{dataset}/provenance.log",
    benchmark:
        "benchmarks/provenance/{dataset}.tsv"  # outside benchmarks/{dataset}, whose files the record sums
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=LIGHT_JOB_MB,
        runtime=5,
    params:
        config=lambda w: config_for(w.dataset),
    shell:
        "python -m symbiosis provenance --config-json {params.config} --sidecars {input.sidecars} "
        "--benchmarks {input.benchmarks} --out {output} 2> {log}"


rule paper:
    input:
        templates=expand(
            "paper/templates/{name}.j2",
            name=("paper", "markdown", "latex", "typst"),
        ),
        code=expand("src/symbiosis/report/{name}.py", name=("paper", "typeset")),
        bibliography="paper/references.bib",
        # every results file that symbiosis.report.paper.context reads
        results=expand(
            "results/{{dataset}}/{name}",
            name=(
                "data.json",
                "findings.json",
                "ground_truth.csv",
                "gate_split_summary.csv",
                "mechanism_units.csv",
                "pareto.csv",
                "objectives.csv",
                *(
                    f"{table}_summary.csv"
                    for table in (
                        "primaries",
                        "symbiotes",
                        "features",
                        "circuits",
                        "universality",
                    )
                ),
            ),
        ),
        table=expand("results/{{dataset}}/main_table.{ext}", ext=("md", "tex")),
        provenance="results/{dataset}/provenance.json",
        figures=expand(
            "figures/{{dataset}}/{figure}.{ext}", figure=FIGURES, ext=("pdf", "png")
        ),
        # the fc1 width sweep (config width_sweep), where configured
        widths=(
            ["results/{dataset}/widths_summary.csv"]
            if config["width_sweep"].get("fc1")
            else []
        ),
        # several tasks (config/full.yaml): the replication and cross-task tables, for the section "Two tasks"
        tasks=(
            [
                "results/replication.csv",
                "results/cross_task.csv",
                "results/pooled_trends.csv",
            ]
            if len(DATASETS) > 1
            else []
        ),
    output:
        md="paper/build/{dataset}/paper.md",
        tex="paper/build/{dataset}/paper.tex",
        typ="paper/build/{dataset}/paper.typ",
    log:
        "logs/{dataset}/paper.log",
    benchmark:
        "benchmarks/paper/{dataset}.tsv"  # outside benchmarks/{dataset}, which the provenance record sums
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    params:
        config=lambda w: config_for(w.dataset),
    shell:
        "python -m symbiosis paper --templates paper/templates --bibliography {input.bibliography} "
        "--config-json {params.config} --results results/{wildcards.dataset} --figures figures/{wildcards.dataset} "
        "--provenance {input.provenance} --table-md {input.table[0]} --table-tex {input.table[1]} "
        "--md {output.md} --tex {output.tex} --typ {output.typ} --tasks {input.tasks} 2> {log}"


# The PDF, typeset by Typst from the Python wheel `typst`: no TeX installation needed.
rule paper_pdf:
    input:
        typ="paper/build/{dataset}/paper.typ",
        bibliography="paper/references.bib",
        figures=expand("figures/{{dataset}}/{figure}.pdf", figure=FIGURES),
    output:
        "paper/build/{dataset}/paper.pdf",
    log:
        "logs/{dataset}/paper_pdf.log",
    benchmark:
        "benchmarks/paper_pdf/{dataset}.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "python -m symbiosis typeset --typ {input.typ} --pdf {output} --root . 2> {log}"


# The LaTeX PDF, for venues that want LaTeX: only where latexmk is installed (BUILD_LATEX_PDF).
rule paper_latex_pdf:
    input:
        tex="paper/build/{dataset}/paper.tex",
        bibliography="paper/references.bib",
        figures=expand("figures/{{dataset}}/{figure}.pdf", figure=FIGURES),
    output:
        "paper/build/{dataset}/paper-latex.pdf",
    log:
        "logs/{dataset}/paper_latex_pdf.log",
    benchmark:
        "benchmarks/paper_latex_pdf/{dataset}.tsv"
    conda:
        "../envs/latex.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=10,
    shell:
        "cd paper/build/{wildcards.dataset} && latexmk -pdf -jobname=paper-latex -interaction=nonstopmode "
        "-halt-on-error paper.tex > ../../../{log} 2>&1"


# With several tasks (config/full.yaml): each finding's wording on every task, and whether it replicates.
rule replication:
    input:
        findings=expand("results/{dataset}/findings.json", dataset=DATASETS),
        primaries=expand("results/{dataset}/primaries.csv", dataset=DATASETS),
        code=expand(
            "src/symbiosis/report/{name}.py",
            name=("replication", "findings", "significance"),
        ),
    output:
        csv="results/replication.csv",
        md="paper/build/replication.md",
        pooled="results/pooled_trends.csv",
    log:
        "logs/replication.log",
    benchmark:
        "benchmarks/replication.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=TABLE_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis replication --findings {input.findings} --primaries {input.primaries} "
        "--csv {output.csv} --md {output.md} --pooled {output.pooled} 2> {log}"
