"""The README's Python API example, extracted from the README itself (so the two cannot drift) and run as it is."""

import re
from pathlib import Path

import torch

README = Path(__file__).resolve().parents[1] / "README.md"


def api_example() -> str:
    match = re.search(r"<!-- api-example -->\n```python\n(.*?)\n```", README.read_text(), flags=re.DOTALL)
    assert match, "README.md has no ```python block after <!-- api-example -->"
    return match.group(1)


def test_the_readme_example_trains_symbiotes_of_its_own_model_and_reads_their_circuits(capsys):
    code = api_example()
    assert "class MyNet(nn.Module)" in code and "from symbiosis.models" not in code  # a model of its own
    torch.set_num_threads(1)
    scope = {}
    exec(compile(code, str(README), "exec"), scope)
    layers, sym, strength, result = scope["layers"], scope["sym"], scope["strength"], scope["table"]
    assert layers.units == {"conv": 8, "hidden": 32}
    assert strength.shape == (2, 40)
    circuits = scope["hooks"].circuits(strength, layers, 0.1, sym.arch.classes)
    assert set(circuits) == {3, 7} and all(len(c) == 4 for c in circuits.values())
    # the symbiotes work: their classes fall well below the primary's accuracy while the others stay near it
    assert (result["target_accuracy"] < 0.5 * result["primary_target_accuracy"]).all(), result
    assert (result["other_accuracy"] > result["primary_other_accuracy"] - 0.1).all(), result
    assert "class 3: [(" in capsys.readouterr().out
