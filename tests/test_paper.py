"""Paper templates: no number typed by hand, no variable without a value, wording chosen by the tests."""

import re
from pathlib import Path

import pytest

from symbiosis.errors import SymbiosisError
from symbiosis.report.findings import above_zero, paired, trend
from symbiosis.report.paper import render

TEMPLATES = Path(__file__).resolve().parents[1] / "paper" / "templates"
YEAR = re.compile(r"(19|20)\d\d")


def hand_typed_numbers(text: str) -> list[str]:
    """Numbers in template text outside jinja tags and math: anything but a year is typed by hand."""
    for pattern in (r"\{\{.*?\}\}", r"\{%.*?%\}", r"\{#.*?#\}", r"\$\$.*?\$\$", r"\$.*?\$"):
        text = re.sub(pattern, " ", text, flags=re.S)
    numbers = re.findall(r"(?<![A-Za-z_\\])\d+(?:\.\d+)?", text)
    return [n for n in numbers if not YEAR.fullmatch(n)]


def test_the_number_check_can_fail():
    assert hand_typed_numbers("accuracy was 97.8 % in {{ x }} (Olah et al., 2020), $g = 1$, conv2") == ["97.8"]


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.j2")), ids=lambda p: p.name)
def test_templates_type_no_numbers_by_hand(template):
    assert hand_typed_numbers(template.read_text()) == []


def test_a_variable_without_a_value_is_an_error(tmp_path):
    out = tmp_path / "paper.md"
    with pytest.raises(SymbiosisError, match="paper template needs a value .*'primaries' is undefined"):
        render(TEMPLATES, "md", {"config": {"classes": [0, 1]}}, out)
    assert not out.exists()


def test_wording_follows_the_test():
    assert trend([0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6], "x")["wording"] == "rises"
    assert trend([0, 1, 2, 3, 4, 5], [6, 5, 4, 3, 2, 1], "x")["wording"] == "falls"
    flat = trend([0, 1, 2, 3, 4, 5], [1, 3, 2, 3, 1, 2], "x")
    assert flat["wording"] == "does not change significantly" and flat["p"] > 0.05
    up = list(range(20))
    assert paired([v + 1 for v in up], up, "x")["wording"] == "higher than"
    assert paired(up, up, "x")["wording"] == "not significantly different from"
    assert above_zero([0.1 * ((-1) ** i) for i in range(20)], "x")["wording"] == "not significantly different from zero"
