rule plot_primaries:
    input:
        table="results/{dataset}/primaries.csv",
        code="src/symbiosis/plots.py",
    output:
        pdf=report(
            "figures/{dataset}/primaries.pdf",
            caption="../report/primaries.rst",
            category="Primaries",
        ),
        png=report(
            "figures/{dataset}/primaries.png",
            caption="../report/primaries.rst",
            category="Primaries",
        ),
    log:
        "logs/{dataset}/plot_primaries.log",
    benchmark:
        "benchmarks/{dataset}/plot_primaries.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=PLOT_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis plot-primaries --table {input.table} --pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_inhibition:
    input:
        table="results/{dataset}/inhibition.csv",
        code="src/symbiosis/plots.py",
    output:
        pdf=report(
            "figures/{dataset}/inhibition.pdf",
            caption="../report/inhibition.rst",
            category="Symbiotes",
        ),
        png=report(
            "figures/{dataset}/inhibition.png",
            caption="../report/inhibition.rst",
            category="Symbiotes",
        ),
    log:
        "logs/{dataset}/plot_inhibition.log",
    benchmark:
        "benchmarks/{dataset}/plot_inhibition.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=PLOT_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis plot-inhibition --table {input.table} --pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_symbiote_training:
    input:
        table="results/{dataset}/symbiote_curves.csv",
        code="src/symbiosis/plots.py",
    output:
        pdf=report(
            "figures/{dataset}/symbiote_training.pdf",
            caption="../report/symbiote_training.rst",
            category="Symbiotes",
        ),
        png=report(
            "figures/{dataset}/symbiote_training.png",
            caption="../report/symbiote_training.rst",
            category="Symbiotes",
        ),
    log:
        "logs/{dataset}/plot_symbiote_training.log",
    benchmark:
        "benchmarks/{dataset}/plot_symbiote_training.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=PLOT_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis plot-symbiote-training --curves {input.table} --pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_features:
    input:
        features="results/{dataset}/features.csv",
        code="src/symbiosis/plots.py",
    output:
        pdf=report(
            "figures/{dataset}/features.pdf",
            caption="../report/features.rst",
            category="Metrics",
        ),
        png=report(
            "figures/{dataset}/features.png",
            caption="../report/features.rst",
            category="Metrics",
        ),
    log:
        "logs/{dataset}/plot_features.log",
    benchmark:
        "benchmarks/{dataset}/plot_features.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=PLOT_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis plot-features --features {input.features} "
        "--pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_circuits:
    input:
        summary="results/{dataset}/circuits_summary.csv",
        overlap="results/{dataset}/overlap.csv",
        code="src/symbiosis/plots.py",
    output:
        pdf=report(
            "figures/{dataset}/circuits.pdf",
            caption="../report/circuits.rst",
            category="Metrics",
        ),
        png=report(
            "figures/{dataset}/circuits.png",
            caption="../report/circuits.rst",
            category="Metrics",
        ),
    log:
        "logs/{dataset}/plot_circuits.log",
    benchmark:
        "benchmarks/{dataset}/plot_circuits.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=PLOT_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis plot-circuits --circuits-summary {input.summary} "
        "--overlap {input.overlap} --pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_universality:
    input:
        table="results/{dataset}/universality_summary.csv",
        code="src/symbiosis/plots.py",
    output:
        pdf=report(
            "figures/{dataset}/universality.pdf",
            caption="../report/universality.rst",
            category="Metrics",
        ),
        png=report(
            "figures/{dataset}/universality.png",
            caption="../report/universality.rst",
            category="Metrics",
        ),
    log:
        "logs/{dataset}/plot_universality.log",
    benchmark:
        "benchmarks/{dataset}/plot_universality.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=PLOT_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis plot-universality --universality-summary {input.table} "
        "--pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_ground_truth:
    input:
        checks="results/{dataset}/ground_truth.csv",
        auc="results/{dataset}/ground_truth_auc.csv",
        code="src/symbiosis/plots.py",
    output:
        pdf=report(
            "figures/{dataset}/ground_truth.pdf",
            caption="../report/ground_truth.rst",
            category="Validation",
        ),
        png=report(
            "figures/{dataset}/ground_truth.png",
            caption="../report/ground_truth.rst",
            category="Validation",
        ),
    log:
        "logs/{dataset}/plot_ground_truth.log",
    benchmark:
        "benchmarks/{dataset}/plot_ground_truth.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=PLOT_JOB_MB,
        runtime=5,
    shell:
        "python -m symbiosis plot-ground-truth --checks {input.checks} --auc {input.auc} "
        "--pdf {output.pdf} --png {output.png} 2> {log}"
