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
