"""Names the command line and the config accept (no heavy imports, so argument parsing stays instant)."""

DATASETS = ("mnist5k", "mnist", "fashion-mnist")
DEVICES = ("auto", "cpu", "cuda")
# conditional_*: the static mask or steering vector applied only where the primary predicts the target class.
SYMBIOTE_KINDS = ("symbiote", "static", "steering", "conditional_static", "conditional_steering")
# The objective on the other classes' images: cross-entropy to the labels, or KL to the primary's own outputs.
OTHER_LOSSES = ("ce", "kl")
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
    "symbiotes_by_architecture",
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
    "cross_architecture",
    "symbiotes_by_architecture",
    "ceiling",
)
# Per-model tables of the analysis (symbiosis.metrics.analysis.analyse_model), one CSV each in the model's folder.
ANALYSIS_FILES = ("units", "features", "circuits", "overlap", "curves", "curve_areas")
# Per-model tables of `symbiosis train-mlp` (the second architecture), one CSV each in the model's folder.
MLP_FILES = ("features", "circuits", "symbiotes")
# The key columns of the cross-architecture table (one row per level and seed; the header alone without an MLP).
CROSS_ARCHITECTURE_KEYS = (
    "architecture_a",
    "layer_a",
    "architecture_b",
    "layer_b",
    "dataset",
    "target_sparsity",
    "seed",
)
