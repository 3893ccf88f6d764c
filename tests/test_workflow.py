"""The whole DAG on the small test config, in a copy of the repository (minutes; marked `workflow`)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Jobs call `python -m symbiosis`: the interpreter running the tests must be the one they find.
ENV = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("workflow")
    for name in ("Snakefile", "workflow", "config", "profiles", "src", "paper/templates", "paper/references.bib"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, work / name)
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "config/test.yaml"]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_dry_run_lists_the_dag():
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/test.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr
    rules = ["prepare_data", "train_primary", "primaries_table", "plot_primaries"]
    rules += ["train_symbiotes", "symbiotes_table", "plot_inhibition", "plot_symbiote_training"]
    rules += ["analyse_sparsity", "validate_ground_truth", "analysis_tables", "plot_ground_truth"]
    for rule in rules:
        assert rule in proc.stdout


def test_table_has_one_row_per_model_at_its_target_sparsity(run):
    table = pd.read_csv(run / "results" / "mnist5k" / "primaries.csv")
    assert sorted(zip(table["target_sparsity"], table["seed"], strict=True)) == [(0, 0), (0, 1), (0.8, 0), (0.8, 1)]
    assert ((table["measured_sparsity"] - table["target_sparsity"]).abs() <= 0.005).all()
    assert (table["test_accuracy"] > 0.5).all()  # two epochs on 4,000 digits: far above chance
    assert table["effective_classes"].between(1, 10).all()
    summary = pd.read_csv(run / "results" / "mnist5k" / "primaries_summary.csv")
    assert summary["n"].tolist() == [2, 2]
    assert (summary["test_accuracy_ci_low"] <= summary["test_accuracy_mean"]).all()


def test_symbiote_table_has_one_row_per_model_class_and_kind(run):
    table = pd.read_csv(run / "results" / "mnist5k" / "symbiotes.csv")
    assert len(table) == 4 * 10 * 3
    assert set(table.groupby(["target_sparsity", "seed", "kind"]).size()) == {10}
    assert table["target_accuracy"].between(0, 1).all() and table["other_accuracy"].between(0, 1).all()
    symbiote = table[table["kind"] == "symbiote"]
    # Even on the test config's two-epoch primaries the activation-reading symbiote inhibits every class.
    assert (symbiote["target_accuracy"] <= 0.1).all()
    assert (symbiote["target_accuracy"] < symbiote["primary_target_accuracy"]).all()
    summary = pd.read_csv(run / "results" / "mnist5k" / "symbiotes_summary.csv")
    assert len(summary) == 2 * 3 and (summary["symbiotes"] == 20).all()
    inhibition = pd.read_csv(run / "results" / "mnist5k" / "inhibition.csv")
    assert len(inhibition) == 2 * 3 * 10 * 10 and (inhibition["n"] == 2).all()
    curves = pd.read_csv(run / "results" / "mnist5k" / "symbiote_curves.csv")
    assert set(curves["metric"]) == {"target_accuracy", "other_accuracy"} and curves["step"].max() > 10


def test_metric_tables_cover_every_model_class_and_level(run):
    results = run / "results" / "mnist5k"
    features = pd.read_csv(results / "features.csv")
    methods = {"symbiote", "static", "steering", "gradient_x_activation", "class_selectivity", "mean_activation"}
    assert set(features["method"]) == methods | {"random"}
    assert set(features.groupby(["target_sparsity", "seed", "method"]).size()) == {10}
    circuits = pd.read_csv(results / "circuits.csv")
    assert set(circuits["kind"]) == {"symbiote", "static", "steering", "ablation"} and len(circuits) == 4 * 4 * 10
    summary = pd.read_csv(results / "features_summary.csv")
    assert {"auc_mean", "auc_ci_low", "auc_ci_high"} <= set(summary.columns) and (summary["n"] == 2).all()
    universality = pd.read_csv(results / "universality.csv")
    assert len(universality) == 2  # one pair of seeds per sparsity level
    assert universality[["jaccard_class_p", "spearman_class_p"]].stack().between(0, 1).all()
    ground_truth = pd.read_csv(results / "ground_truth.csv")
    assert ground_truth["passed"].all(), ground_truth.to_string()


def test_paper_is_rendered_from_the_results(run):
    import json
    import shutil

    results = run / "results" / "mnist5k"
    build = run / "paper" / "build" / "mnist5k"  # one folder per dataset, so that two datasets never overwrite
    paper = (build / "paper.md").read_text()
    findings = json.loads((results / "findings.json").read_text())
    primaries = pd.read_csv(results / "primaries_summary.csv")
    assert (results / "main_table.md").read_text() in paper
    paper = " ".join(paper.split())  # the template wraps lines anywhere
    inhibition = findings["inhibition"]
    assert f"{inhibition['meeting']} of {inhibition['n']} symbiotes bring their class" in paper
    assert f"reach a test accuracy of {100 * primaries['test_accuracy_mean'].iloc[0]:.1f} %" in paper
    assert f"ROC-AUC of {findings['feature_recovery']['mean_a']:.3f}" in paper
    assert f"{findings['ground_truth']['passed']} of {findings['ground_truth']['n']} checks passed" in paper
    assert f"polysemanticity {findings['polysemanticity_vs_sparsity']['wording']}" in paper.lower()
    assert "MNIST (5,000-image subset)" in paper  # the dataset as a reader knows it, not "mnist5k"
    assert "\\begin{document}" in (build / "paper.tex").read_text()
    assert (build / "paper.pdf").read_bytes().startswith(b"%PDF")  # Typst: no TeX needed
    if shutil.which("latexmk"):
        assert (build / "paper-latex.pdf").read_bytes().startswith(b"%PDF")


def test_figure_logs_and_benchmarks_are_written(run):
    figures = [
        "primaries",
        "inhibition",
        "symbiote_training",
        "mechanism",
        "gate_split",
        "features",
        "circuits",
        "universality",
        "ground_truth",
    ]
    for figure in figures:
        for ext in ("pdf", "png"):
            assert (run / "figures" / "mnist5k" / f"{figure}.{ext}").stat().st_size > 1000
    assert (run / "logs" / "mnist5k" / "prepare_data.log").exists()
    assert len(list((run / "benchmarks" / "mnist5k" / "train_primary").glob("*.tsv"))) == 4
    assert not list(run.rglob(".*.tmp"))  # no half-written file left behind


def test_report_holds_every_figure_with_its_caption(run):
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--report", "report.html", "--configfile", "config/test.yaml"],
        cwd=run,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = (run / "report.html").read_text()
    figures = [
        "primaries",
        "inhibition",
        "symbiote_training",
        "mechanism",
        "gate_split",
        "features",
        "circuits",
        "universality",
        "ground_truth",
    ]
    for figure in figures:
        assert f"{figure}.png" in report and f"{figure}.pdf" in report
    assert "known answer" in report  # a caption's text (workflow/report/ground_truth.rst)


def test_rerun_has_nothing_to_do(run):
    cmd = [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/test.yaml"]
    proc = subprocess.run(cmd, cwd=run, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0 and "Nothing to be done" in proc.stdout + proc.stderr


def test_changing_one_figure_reruns_that_figure_and_the_paper_only(run):
    """Runs last in this module: it makes one figure out of date (in the copy) by editing its plotting module
    (Snakemake compares small inputs by checksum, so touching the file alone would not count as a change)."""
    figure = run / "src" / "symbiosis" / "report" / "figures" / "features.py"
    figure.write_text(figure.read_text() + "\n# edited\n")
    cmd = [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/test.yaml"]
    proc = subprocess.run(cmd, cwd=run, capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr
    table = (proc.stdout + proc.stderr).split("Job stats:")[1].split("total")[0]
    jobs = {m.group(1) for m in re.finditer(r"^(\w+)\s+\d+$", table, flags=re.M)}
    assert jobs - {"paper_pdf"} == {"plot_features", "paper", "all"}
