rule plot_primaries:
    input:
        "results/{dataset}/primaries.csv",
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
        mem_mb=1000,
        runtime=5,
    shell:
        "python -m symbiosis plot-primaries --table {input} --pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_inhibition:
    input:
        "results/{dataset}/inhibition.csv",
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
        mem_mb=1000,
        runtime=5,
    shell:
        "python -m symbiosis plot-inhibition --table {input} --pdf {output.pdf} --png {output.png} 2> {log}"


rule plot_symbiote_training:
    input:
        "results/{dataset}/symbiote_curves.csv",
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
        mem_mb=1000,
        runtime=5,
    shell:
        "python -m symbiosis plot-symbiote-training --curves {input} --pdf {output.pdf} --png {output.png} 2> {log}"
