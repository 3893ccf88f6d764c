"""The install pins one torch/torchvision pair, and every place that lists versions agrees."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ENV_FILES = sorted((ROOT / "workflow" / "envs").glob("*.yaml"))
PYTHON_ENVS = [p for p in ENV_FILES if p.name != "latex.yaml"]  # latex.yaml holds a TeX engine, no Python


def _pins(requirements) -> dict[str, str]:
    pins = {}
    for req in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", req.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def _conda_pins(path: Path) -> dict[str, str]:
    deps = yaml.safe_load(path.read_text())["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    return {**_pins(pip), "python": python.split("=")[1]}


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _pins(project["dependencies"] + project["optional-dependencies"]["dev"])


def test_torch_and_torchvision_are_pinned_as_a_pair():
    pins = _pyproject_pins()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.2"


def test_environment_yml_agrees_with_pyproject():
    assert _conda_pins(ROOT / "environment.yml") == {**_pyproject_pins(), "python": "3.11"}


def test_latex_env_pins_a_tex_engine_and_latexmk():
    deps = yaml.safe_load((ROOT / "workflow" / "envs" / "latex.yaml").read_text())["dependencies"]
    names = {d.split("=")[0]: d.split("=")[1] for d in deps}
    assert set(names) == {"texlive-core", "latexmk"} and all(names.values())


@pytest.mark.parametrize("env", PYTHON_ENVS, ids=lambda p: p.name)
def test_rule_envs_agree_with_environment_yml(env):
    reference = _conda_pins(ROOT / "environment.yml")
    pins = _conda_pins(env)
    assert pins, f"{env.name} pins nothing"
    assert {name: reference.get(name) for name in pins} == pins


def test_installed_pair_imports_and_runs_compiled_ops():
    import torch
    import torchvision

    assert torch.__version__.split("+")[0] == "2.14.1"
    assert torchvision.__version__.split("+")[0] == "0.29.2"
    keep = torchvision.ops.nms(torch.tensor([[0.0, 0, 1, 1], [0, 0, 1, 1]]), torch.tensor([0.9, 0.8]), 0.5)
    assert keep.tolist() == [0]


def _rules():
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"^(?=rule )", smk.read_text(), flags=re.M)[1:]:
            yield smk.name, re.match(r"rule (\w+):", block).group(1), block


@pytest.mark.parametrize("directive", ["log:", "benchmark:", "resources:", "conda:"])
def test_every_rule_has_log_benchmark_resources_and_conda(directive):
    missing = [f"{f}:{name}" for f, name, block in _rules() if f"\n    {directive}" not in block]
    assert not missing, f"rules without {directive} {missing}"


def test_every_rule_env_exists():
    for _, name, block in _rules():
        env = re.search(r'conda:\s*\n\s*"([^"]+)"', block).group(1)
        assert (ROOT / "workflow" / "rules" / env).resolve().exists(), name
