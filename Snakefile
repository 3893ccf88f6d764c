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
include: "workflow/rules/ceiling.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/paper.smk"


# Cheap rules (tables, figures, statistics, the paper) run where Snakemake runs, also with a cluster executor.
localrules:
    all,
    prepare_data,
    primaries_table,
    symbiotes_table,
    analysis_tables,
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
    provenance,
    paper,
    paper_pdf,
    paper_latex_pdf,


rule all:
    default_target: True
    input:
        expand(
            "results/{dataset}/{table}.csv",
            dataset=config["dataset"],
            table=(
                "primaries",
                "primaries_summary",
                "symbiotes",
                "symbiotes_summary",
                *ANALYSIS_TABLES,
            ),
        ),
        expand(
            "figures/{dataset}/{figure}.{ext}",
            dataset=config["dataset"],
            figure=FIGURES,
            ext=("pdf", "png"),
        ),
        expand(
            "results/{dataset}/main_table.{ext}",
            dataset=config["dataset"],
            ext=("csv", "tex", "md"),
        ),
        expand(
            "paper/build/{dataset}/paper.{ext}",
            dataset=config["dataset"],
            ext=("md", "tex", "typ", "pdf"),
        ),
        (
            expand("paper/build/{dataset}/paper-latex.pdf", dataset=config["dataset"])
            if BUILD_LATEX_PDF
            else []
        ),
