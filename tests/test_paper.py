"""Paper templates: no number typed by hand, no variable without a value, wording chosen by the tests."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from symbiosis.errors import SymbiosisError
from symbiosis.report.findings import paired, trend, word_findings
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


def _series(values, levels=(0.0, 0.5, 0.8, 0.9, 0.95), seeds=(0, 1, 2)):
    index = pd.MultiIndex.from_product([levels, seeds], names=["target_sparsity", "seed"])
    return pd.Series(values, index=index)


def test_wording_follows_the_corrected_test():
    """Rises, falls, and nothing worded without a significant corrected test; n counts primaries, not classes."""
    rising = _series([level for level in (0, 1, 2, 3, 4) for _ in range(3)])
    rec = dict(zip(("up", "up_equivalence"), trend(rising, "x", margin=0.05), strict=True))
    rec["down"], rec["down_equivalence"] = trend(-rising, "x", margin=0.05)
    words = word_findings(rec)
    assert words["up"]["wording"] == "rises" and words["down"]["wording"] == "falls"
    assert words["up"]["n"] == 15 and words["up"]["p_corrected"] >= words["up"]["p"]
    up = pd.Series(np.arange(8.0) + 1)
    worded = word_findings({"a": paired(up, up - 1, "x")})["a"]
    assert worded["wording"] == "higher than" and worded["test"] == "sign-flip permutation" and worded["n"] == 8


def test_a_claim_whose_corrected_p_exceeds_alpha_is_not_worded():
    """Six comparisons over six models, each with the smallest exact p (2/64 = 0.031 < 0.05): Holm lifts every
    one above alpha, so none is worded as a finding."""
    up = pd.Series(np.arange(6.0) + 1)
    records = {f"c{i}": paired(up, up - 1, "x") for i in range(6)}
    assert all(r["p"] < 0.05 for r in records.values())
    worded = word_findings(records)
    for record in worded.values():
        assert record["p_corrected"] > 0.05 and not record["significant"]
        assert record["wording"] == "not significantly different from"
    alone = word_findings({"c0": records["c0"]})["c0"]
    assert alone["wording"] == "higher than"  # the same test alone is a finding: the correction made the difference


def test_no_trend_worded_from_too_few_points_and_no_change_only_from_equivalence():
    two_levels = _series([0.0, 0.1, 0.2, 1.0, 1.1, 1.2], levels=(0.0, 0.8))
    rec, eq = trend(two_levels, "x", margin=0.05)
    worded = word_findings({"t": rec, "t_equivalence": eq})
    assert not worded["t"]["resolvable"] and "no resolvable trend" in worded["t"]["wording"]
    flat = _series([0.5 + 0.001 * ((i * 7) % 5) for i in range(15)])
    rec, eq = trend(flat, "x", margin=0.05)
    worded = word_findings({"t": rec, "t_equivalence": eq})
    assert worded["t"]["wording"].startswith("does not change")
    noisy = _series([0.5 + 0.3 * ((i * 7) % 5 - 2) for i in range(15)])
    rec, eq = trend(noisy, "x", margin=0.05)
    worded = word_findings({"t": rec, "t_equivalence": eq})
    assert "inconclusive" in worded["t"]["wording"]
