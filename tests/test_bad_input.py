"""Every bad input of issue 6 through the command line: one line that says what is wrong and how to fix it, a
non-zero exit, and no output left behind (not even a temporary file). Config-level checks run before any job too:
tests/test_config.py (every schema rule, and Snakemake stopping before its first job)."""

import pickle
from pathlib import Path

import pytest
import torch

from symbiosis.checkpoint import save_primary, save_symbiotes
from symbiosis.cli import main
from symbiosis.config import check_config, load_config
from symbiosis.data.datasets import Split, save_split
from symbiosis.errors import SymbiosisError
from symbiosis.primary.models import PrimaryArch, PrimaryCNN
from symbiosis.records import ModelId, PrimaryRecord, Run
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes

ROOT = Path(__file__).resolve().parents[1]
TINY, OTHER = PrimaryArch(conv1=4, conv2=6, fc1=12), PrimaryArch(conv1=4, conv2=8, fc1=12)
SIDECAR = PrimaryRecord(ModelId("mnist5k", 0.0, 0), {}, {}, {}, 0, Run({}, {}))
ONE_KIND = ["--settings", '{"symbiote": {"kinds": ["symbiote"]}}']
PRIMARY = ["train-primary", "--data", "{d}/data.safetensors", "--dataset", "mnist5k", "--seeds", "0"]


@pytest.fixture
def files(tmp_path, digits):
    """A small data split, a primary, symbiotes for another architecture, a pickle, a truncated checkpoint."""
    x, y = digits(40)
    save_split(Split(x[:30], y[:30], x[30:], y[30:]), tmp_path / "data.safetensors", {"dataset": "mnist5k"})
    torch.manual_seed(0)
    save_primary(tmp_path / "primary.safetensors", PrimaryCNN(TINY), SIDECAR)
    save_symbiotes(tmp_path / "other.safetensors", Symbiotes(SymbioteArch(), OTHER), {})
    (tmp_path / "pickle.safetensors").write_bytes(pickle.dumps({"conv1.weight": torch.zeros(1)}))
    whole = (tmp_path / "primary.safetensors").read_bytes()
    (tmp_path / "truncated.safetensors").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "blocker").write_text("a file where a folder should be")
    (tmp_path / "out").mkdir()
    return tmp_path


def train_symbiotes(model: str, classes: str = "[0, 1]") -> list[str]:
    settings = '{"symbiote": {"kinds": ["symbiote"]}, "classes": ' + classes + "}"
    out = ["--out", "{d}/out/s.safetensors", "--settings", settings]
    return ["train-symbiotes", "--data", "{d}/data.safetensors", "--models", model, *out]


def analyse(symbiotes: str) -> list[str]:
    return [
        "analyse-sparsity", "--data", "{d}/data.safetensors", "--models", "{d}/primary.safetensors",
        "--symbiotes", symbiotes, "--out-dirs", "{d}/out", "--universality", "{d}/out/u.csv", *ONE_KIND,
    ]  # fmt: skip


CASES = {
    "unknown dataset": (
        ["prepare-data", "--dataset", "cifar", "--out", "{d}/out/data.safetensors"],
        2,
        "argument --dataset: invalid choice: 'cifar'",
    ),
    "missing data offline": (
        ["prepare-data", "--dataset", "mnist", "--out", "{d}/out/data.safetensors"],
        1,
        "no data folder for mnist",
    ),
    "sparsity outside [0, 1)": (
        [*PRIMARY, "--sparsity", "1", "--out", "{d}/out/p.safetensors"],
        2,
        "sparsity 1 is outside [0, 1); give a fraction such as 0.9",
    ),
    "class outside the dataset": (
        train_symbiotes("{d}/primary.safetensors", classes="[3, 10]"),
        1,
        "classes.1: 10 is greater than the maximum of 9",
    ),
    "symbiote for a model that does not exist": (
        train_symbiotes("{d}/s0.5-seed7/primary.safetensors"),
        1,
        "s0.5-seed7/primary.safetensors does not exist; train it first",
    ),
    "truncated checkpoint": (
        train_symbiotes("{d}/truncated.safetensors"),
        1,
        "truncated.safetensors is not a valid safetensors checkpoint",
    ),
    "pickle offered as a checkpoint": (
        train_symbiotes("{d}/pickle.safetensors"),
        1,
        "pickle.safetensors is not a valid safetensors checkpoint",
    ),
    "checkpoint from another architecture": (
        analyse("{d}/other.safetensors"),
        1,
        "other.safetensors holds symbiotes for a primary of architecture",
    ),
    "device cuda without a GPU": (
        [*PRIMARY, "--sparsity", "0", "--settings", '{"device": "cuda"}', "--out", "{d}/out/p.safetensors"],
        1,
        "device: cuda was asked for but no CUDA GPU is visible; set device: auto or cpu",
    ),
    "a table that no step has made yet": (
        ["stats", "--tables", "{d}/out/features.csv", "--out", "{d}/out/findings.json"],
        1,
        "out/features.csv does not exist; run the step that produces it first",
    ),
    "unwritable output folder": (
        [*PRIMARY, "--sparsity", "0", "--settings", '{"architecture": {"conv1": 4, "conv2": 6, "fc1": 12}}']
        + ["--out", "{d}/blocker/p.safetensors", "--units", "{d}/blocker/units.csv"],
        1,
        "blocker/p.safetensors: File exists; choose a writable output folder",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_a_nonzero_exit_and_no_output(case, files, capsys):
    if case == "device cuda without a GPU" and torch.cuda.is_available():
        pytest.skip("a GPU is visible here")
    argv, status, expected = CASES[case]
    before = sorted(p.relative_to(files) for p in files.rglob("*"))
    argv = [a.replace("{d}", str(files)) for a in argv]
    if status == 2:  # a usage error: argparse exits
        with pytest.raises(SystemExit) as info:
            main(argv)
        code = info.value.code
    else:
        code = main(argv)
    assert code == status
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symbiosis: error: "), err
    assert expected in lines[0]
    assert sorted(p.relative_to(files) for p in files.rglob("*")) == before  # nothing written, nothing half-written


@pytest.mark.parametrize(
    "seeds, expected",
    [([], "seeds: [] should be non-empty"), ([3, 3], "seeds: [3, 3] has non-unique elements")],
)
def test_empty_or_duplicate_seeds_stop_the_config_check(seeds, expected):
    config = load_config(ROOT / "config" / "config.yaml")
    config["seeds"] = seeds
    with pytest.raises(SymbiosisError, match=r".") as info:
        check_config(config)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_a_template_variable_without_a_value_stops_the_paper(tmp_path):
    from symbiosis.report.paper import render

    (tmp_path / "paper.j2").write_text("{% import macros as fmt %}{{ findings.missing_claim.wording }}")
    for name in ("markdown.j2", "latex.j2"):
        (tmp_path / name).write_text("")
    with pytest.raises(SymbiosisError) as info:
        render(tmp_path, "md", {"findings": {}}, tmp_path / "paper.md")
    assert "paper template needs a value that the results do not provide" in str(info.value)
    assert "missing_claim" in str(info.value)
    assert not (tmp_path / "paper.md").exists()
