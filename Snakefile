# symbiosis: mechanistic interpretability through network symbiosis.
# Stages: data -> primaries (per sparsity x seed, with their polysemanticity) -> symbiotes (per model, all classes
# and kinds at once, with their evaluation) -> per-model analysis and cross-model universality -> tables -> figures
# -> paper; and the ground-truth validation of the metrics.
# Run: snakemake --cores all   (config/config.yaml; a small one: --configfile config/test.yaml)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/primaries.smk"
include: "workflow/rules/symbiotes.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/architectures.smk"
include: "workflow/rules/ceiling.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/widths.smk"
include: "workflow/rules/tasks.smk"


# Cheap rules (tables, figures, statistics, the paper) run where Snakemake runs, also with a cluster executor.
localrules:
    all,
    prepare_data,
    primaries_table,
    symbiotes_table,
    sweep_table,
    analysis_tables,
    cross_architecture_table,
    stats,
    main_table,
    plot_primaries,
    plot_inhibition,
    plot_symbiote_training,
    plot_features,
    plot_circuits,
    plot_curves,
    plot_universality,
    plot_ground_truth,
    plot_mechanism,
    plot_gate_split,
    plot_pareto,
    provenance,
    paper,
    paper_pdf,
    paper_latex_pdf,
    replication,
    widths_table,
    early_stopped_table,


rule all:
    default_target: True
    input:
        expand(
            "results/{dataset}/{table}.csv",
            dataset=DATASETS,
            table=(
                "primaries",
                "primaries_summary",
                "symbiotes",
                "symbiotes_summary",
                "sweep",
                "pareto",
                "objectives",
                *ANALYSIS_TABLES,
            ),
        ),
        expand(
            "figures/{dataset}/{figure}.{ext}",
            dataset=DATASETS,
            figure=FIGURES,
            ext=("pdf", "png"),
        ),
        expand(
            "results/{dataset}/main_table.{ext}",
            dataset=DATASETS,
            ext=("csv", "tex", "md"),
        ),
        expand(
            "paper/build/{dataset}/paper.{ext}",
            dataset=DATASETS,
            ext=("md", "tex", "typ", "pdf"),
        ),
        (
            expand("paper/build/{dataset}/paper-latex.pdf", dataset=DATASETS)
            if BUILD_LATEX_PDF
            else []
        ),
        # the fc1 width sweep, where the config asks for one
        (
            expand("results/{dataset}/widths_summary.csv", dataset=DATASETS)
            if config["width_sweep"]["fc1"]
            else []
        ),
        # several tasks: does each finding replicate on the others?
        (
            [
                "results/replication.csv",
                "paper/build/replication.md",
                "results/cross_task.csv",
            ]
            if len(DATASETS) > 1
            else []
        ),
