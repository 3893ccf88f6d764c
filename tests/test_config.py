import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from symbiosis.config import check_config, load_config
from symbiosis.errors import SymbiosisError

ROOT = Path(__file__).resolve().parents[1]
# Jobs (and the workflow's check of them) use the `python` on PATH: the one running the tests.
WITH_VENV = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}


def dry_run(env: dict, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/test.yaml", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_shipped_configs_are_valid():
    for name in ("config.yaml", "test.yaml"):
        load_config(ROOT / "config" / name)


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("dataset", "cifar", "dataset: 'cifar' is not one of ['mnist5k', 'mnist', 'fashion-mnist']"),
        ("sparsities", [0.0, 1.0], "sparsities.1: 1.0 is greater than or equal to the maximum of 1"),
        ("sparsities", [-0.1], "sparsities.0: -0.1 is less than the minimum of 0"),
        ("sparsities", [0.5, 0.5], "sparsities: [0.5, 0.5] has non-unique elements"),
        ("seeds", [], "seeds: [] should be non-empty"),
        ("seeds", [1, 1], "seeds: [1, 1] has non-unique elements"),
        ("seeds", [0.5], "seeds.0: 0.5 is not of type 'integer'"),
        ("classes", [0, 10], "classes.1: 10 is greater than the maximum of 9"),
        ("device", "tpu", "device: 'tpu' is not one of ['auto', 'cpu', 'cuda']"),
        ("primary", {"epochs": 0}, "primary.epochs: 0 is less than the minimum of 1"),
        ("architecture", {"fc1": "wide"}, "architecture.fc1: 'wide' is not of type 'integer'"),
        ("symbiote", {"kinds": ["static"]}, "symbiote.kinds: ['static'] does not contain items matching"),
        ("symbiote", {"kinds": ["symbiote", "random"]}, "symbiote.kinds.1: 'random' is not one of"),
        ("symbiote", {"g_max": 1}, "symbiote.g_max: 1 is less than or equal to the minimum of 1"),
        ("symbiote", {"lam": -0.5}, "symbiote.lam: -0.5 is less than the minimum of 0"),
        ("colour", "red", "Additional properties are not allowed ('colour' was unexpected)"),
    ],
)
def test_schema_rejects_bad_values_with_one_line(config, key, value, expected):
    config[key] = value
    with pytest.raises(SymbiosisError) as info:
        check_config(config)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_snakemake_stops_before_any_job_on_a_bad_config(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config" / "test.yaml").read_text().replace("seeds: [0, 1]", "seeds: [0, 0]"))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    errors = [line for line in run.stderr.splitlines() if line.startswith("symbiosis: error:")]
    assert errors == [
        "symbiosis: error: invalid config: seeds: [0, 0] has non-unique elements "
        "(expected: training seeds, non-negative integers, at least one, no repeats)"
    ]
    assert "Traceback" not in run.stderr


def test_config_readme_describes_every_key_as_the_schema_does():
    from symbiosis.config import config_reference, load_schema

    properties = load_schema()["properties"]
    for key, spec in properties.items():
        assert spec.get("description"), key
        for sub, sub_spec in spec.get("properties", {}).items():
            assert sub_spec.get("description"), f"{key}.{sub}"
    assert (ROOT / "config" / "README.md").read_text() == config_reference(), (
        "config/README.md is out of date: python -m symbiosis.config > config/README.md"
    )


def test_settings_take_their_defaults_from_the_schema():
    from symbiosis.config import section_defaults
    from symbiosis.metrics.analysis import AnalysisSettings
    from symbiosis.primary.models import PrimaryArch
    from symbiosis.primary.train import PrimaryTraining
    from symbiosis.symbiote.evaluate import Criterion
    from symbiosis.symbiote.symbiote import SymbioteArch
    from symbiosis.symbiote.train import SymbioteTraining

    for cls, section in [
        (PrimaryArch, "architecture"),
        (PrimaryTraining, "primary"),
        (SymbioteArch, "symbiote"),
        (SymbioteTraining, "symbiote"),
        (Criterion, "symbiote"),
        (AnalysisSettings, "analysis"),
    ]:
        made = cls().as_dict()
        shared = set(made) & set(section_defaults(section))
        assert shared and all(made[key] == section_defaults(section)[key] for key in shared), cls
    config = {"epochs": 3, "alpha": 0.5, "kinds": ["symbiote"], "hidden": 7}
    assert SymbioteTraining.from_config(config, seed=2) == SymbioteTraining(seed=2, epochs=3, alpha=0.5)


def test_numbers_given_as_text_on_the_command_line_are_accepted(config):
    from symbiosis.config import coerce_numbers

    config["sparsities"] = ["0.0", "0.99"]  # how Snakemake hands over --config 'sparsities=[0.0,0.99]'
    config["seeds"] = ["0", "1"]
    check_config(coerce_numbers(config))
    assert config["sparsities"] == [0.0, 0.99] and config["seeds"] == [0, 1]
    run = dry_run(WITH_VENV, "--config", "sparsities=[0.0,0.99]")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "s0.99-seed1" in run.stdout


def test_a_python_without_the_dependencies_stops_the_run_with_one_line(tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "python").write_text("#!/bin/sh\nexit 1\n")  # stands for a system python without torch
    (bare / "python").chmod(0o755)
    run = dry_run({**os.environ, "PATH": f"{bare}{os.pathsep}{os.environ['PATH']}"})
    assert run.returncode != 0
    errors = [line for line in run.stderr.splitlines() if line.startswith("symbiosis: error:")]
    assert len(errors) == 1 and "activate the environment" in errors[0] and "make reproduce" in errors[0]
    assert "Traceback" not in run.stderr
