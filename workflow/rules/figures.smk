# One rule per figure, each reading its tables and its own plotting module (symbiosis.report.figures.<figure>) beside
# the shared style: editing one figure's code reruns that figure and the paper, nothing else.
FIGURE_TABLES = {
    "primaries": {"table": "primaries"},
    "inhibition": {"table": "inhibition"},
    "symbiote_training": {"curves": "symbiote_curves"},
    "features": {"features": "features"},
    "circuits": {"circuits_summary": "circuits_summary", "overlap": "overlap"},
    "curves": {"curves_summary": "curves_summary"},
    "universality": {"universality_summary": "universality_summary"},
    "ground_truth": {"checks": "ground_truth", "auc": "ground_truth_auc"},
    "mechanism": {"units": "mechanism_units", "split": "gate_split"},
    "gate_split": {"split": "gate_split", "summary": "gate_split_summary"},
    "pareto": {"pareto": "pareto"},
}
# Inputs of a figure other than its tables, passed as --<name> like them.
FIGURE_FILES = {"mechanism": {"data": "results/{dataset}/data.safetensors"}}
FIGURE_CATEGORIES = {
    "primaries": "Primaries",
    "inhibition": "Symbiotes",
    "symbiote_training": "Symbiotes",
    "features": "Metrics",
    "circuits": "Metrics",
    "curves": "Metrics",
    "universality": "Metrics",
    "ground_truth": "Validation",
    "mechanism": "Symbiotes",
    "gate_split": "Symbiotes",
    "pareto": "Symbiotes",
}
FIGURES = tuple(FIGURE_TABLES)


def figure_output(figure, ext):
    return report(
        f"figures/{{dataset}}/{figure}.{ext}",
        caption=f"../report/{figure}.rst",
        category=FIGURE_CATEGORIES[figure],
    )


def table_options(names):
    """--<name> <table> for each input table of a figure rule."""
    return lambda w, input: " ".join(
        f"--{name.replace('_', '-')} {input[name]}" for name in names
    )


for figure, tables in FIGURE_TABLES.items():

    rule:
        name:
            f"plot_{figure}"
        input:
            **{
                name: f"results/{{dataset}}/{table}.csv"
                for name, table in tables.items()
            },
            **FIGURE_FILES.get(figure, {}),
            code=f"src/symbiosis/report/figures/{figure}.py",
            style="src/symbiosis/report/figures/style.py",
        output:
            pdf=figure_output(figure, "pdf"),
            png=figure_output(figure, "png"),
        log:
            f"logs/{{dataset}}/plot_{figure}.log",
        benchmark:
            f"benchmarks/{{dataset}}/plot_{figure}.tsv"
        conda:
            "../envs/report.yaml"
        resources:
            mem_mb=PLOT_JOB_MB,
            runtime=5,
        params:
            command=f"plot-{figure.replace('_', '-')}",
            tables=table_options((*tables, *FIGURE_FILES.get(figure, {}))),
        shell:
            "python -m symbiosis {params.command} {params.tables} --pdf {output.pdf} --png {output.png} 2> {log}"
