"""Names the command line and the config accept (no heavy imports, so argument parsing stays instant)."""

DATASETS = ("mnist5k", "mnist", "fashion-mnist")
DEVICES = ("auto", "cpu", "cuda")
SYMBIOTE_KINDS = ("symbiote", "static", "steering")
# Outputs of `symbiosis analysis-tables`, each results/<dataset>/<name>.csv
ANALYSIS_TABLES = (
    "features",
    "features_summary",
    "circuits",
    "circuits_summary",
    "overlap",
    "curves_summary",
    "curve_areas",
    "curve_areas_summary",
    "universality",
    "universality_summary",
)
# Inputs of `symbiosis stats`: the aggregate tables, results/<dataset>/<file>.csv
STATS_INPUTS = (
    "primaries",
    "symbiotes",
    "features",
    "circuits",
    "curve_areas",
    "universality",
    "ground_truth",
    "ceiling",
)
# Per-model tables of the analysis (symbiosis.metrics.analysis.analyse_model), one CSV each in the model's folder.
ANALYSIS_FILES = ("units", "features", "circuits", "overlap", "curves", "curve_areas")
