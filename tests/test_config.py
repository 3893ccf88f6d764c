import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from symbiosis.config import check_config, load_config
from symbiosis.errors import SymbiosisError

ROOT = Path(__file__).resolve().parents[1]


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
