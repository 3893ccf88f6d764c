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


# Layout settings: a length with its unit (10pt, 2.2cm, 0.6em) and a numbering pattern ("1.1") are typesetting, not
# results.
LAYOUT = (r"\d+(?:\.\d+)?(?:pt|cm|mm|em)\b", r'numbering: "[^"]*"')


def hand_typed_numbers(text: str) -> list[str]:
    """Numbers in template text outside jinja tags, math and layout settings: anything but a year is typed by hand."""
    for pattern in (r"\{\{.*?\}\}", r"\{%.*?%\}", r"\{#.*?#\}", r"\$\$.*?\$\$", r"\$.*?\$", *LAYOUT):
        text = re.sub(pattern, " ", text, flags=re.S)
    numbers = re.findall(r"(?<![A-Za-z_\\])\d+(?:\.\d+)?", text)
    return [n for n in numbers if not YEAR.fullmatch(n)]


def test_the_number_check_can_fail():
    assert hand_typed_numbers("accuracy was 97.8 % in {{ x }} (Olah et al., 2020), $g = 1$, conv2") == ["97.8"]
    assert hand_typed_numbers("#set text(size: 10pt) accuracy 97.8%, then 12 units (100%)") == ["97.8", "12", "100"]


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
        # not a finding, and said to be at the test's floor: all six agree, which Holm over six cannot resolve
        assert record["wording"] == "not significantly different from" and record["at_floor"]
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


# Citations, figures and the PDF (symbiosis.report.typeset).
BIBLIOGRAPHY = TEMPLATES.parent / "references.bib"
BODY = (TEMPLATES / "paper.j2").read_text()
FORMAT_MACROS = ("markdown.j2", "latex.j2", "typst.j2")


def cited_keys(text: str) -> list[str]:
    """Every key the body cites with fmt.cite / fmt.citet; a citation whose keys are not a literal is an error."""
    calls = re.findall(r"fmt\.cite[t]?\(([^)]*)\)", text)
    keys = []
    for call in calls:
        literal = re.fullmatch(r'"([\w, ]+)"', call.strip())
        assert literal, f"citation keys must be a string literal: fmt.cite({call})"
        keys += [key.strip() for key in literal.group(1).split(",")]
    return keys


def test_every_key_the_text_cites_is_in_the_bibliography():
    from symbiosis.report.typeset import Bibliography

    entries = Bibliography(BIBLIOGRAPHY).entries
    keys = cited_keys(BODY)
    assert len(set(keys)) >= 16
    assert [key for key in keys if key not in entries] == []
    assert cited_keys('{{ fmt.cite("olah2020zoom, nobody2099") }}') == ["olah2020zoom", "nobody2099"]


def test_the_bibliography_holds_the_method_and_its_background():
    from symbiosis.report.typeset import Bibliography

    bib = Bibliography(BIBLIOGRAPHY)
    expected = {
        "olah2020zoom": ("Olah et al.", "2020"),
        "elhage2022superposition": ("Elhage et al.", "2022"),
        "li2016convergent": ("Li et al.", "2016"),
        "kornblith2019cka": ("Kornblith et al.", "2019"),
        "morcos2018single": ("Morcos et al.", "2018"),
        "zhu2017prune": ("Zhu and Gupta", "2017"),
        "liu2023bimt": ("Liu et al.", "2023"),
        "csordas2021modular": ("Csordás et al.", "2021"),
        "decao2020diffmask": ("De Cao et al.", "2020"),
        "conmy2023acdc": ("Conmy et al.", "2023"),
        "nanda2023attribution": ("Nanda", "2023"),
        "syed2023attribution": ("Syed et al.", "2024"),
        "wu2024reft": ("Wu et al.", "2024"),
        "bricken2023monosemanticity": ("Bricken et al.", "2023"),
        "razgar2024lens": ("Razgar", "2024"),
        "razgar2024symbiosis": ("Razgar and Kozuki", "2024"),
    }
    assert {key: (bib.authors(key), bib.year(key)) for key in expected} == expected


def test_every_included_figure_is_referred_to_in_the_text():
    included = re.findall(r'fmt\.figure\("(\w+)"', BODY)
    referred = set(re.findall(r'fmt\.ref\("(\w+)"\)', BODY))
    assert len(included) >= 7 and len(set(included)) == len(included)
    assert [name for name in included if name not in referred] == []


def _tiny_paper(tmp_path, body: str) -> Path:
    """A template folder with the real format macros and a small body."""
    for name in FORMAT_MACROS:
        (tmp_path / name).write_text((TEMPLATES / name).read_text())
    (tmp_path / "paper.j2").write_text("{% import macros as fmt with context %}" + body)
    return tmp_path


def _tiny_context(tmp_path) -> dict:
    figure = tmp_path / "fig.pdf"
    figure.write_bytes(b"")
    return {
        "figures": {"fig": "fig"},
        "bibliography": str(BIBLIOGRAPHY),
        "bibliography_path": str(BIBLIOGRAPHY),
        "main_table": {"md": "", "tex": "", "typ": ""},
    }


@pytest.mark.parametrize("fmt", ["md", "tex", "typ"])
def test_citing_a_key_missing_from_the_bibliography_is_an_error(tmp_path, fmt):
    templates = _tiny_paper(tmp_path, 'Known {{ fmt.cite("olah2020zoom") }}, unknown {{ fmt.cite("nobody2099") }}.')
    out = tmp_path / f"paper.{fmt}"
    with pytest.raises(SymbiosisError, match="cites nobody2099, which .*references.bib does not hold"):
        render(templates, fmt, _tiny_context(tmp_path), out)
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["md", "tex", "typ"])
def test_a_figure_never_referred_to_is_an_error(tmp_path, fmt):
    templates = _tiny_paper(tmp_path, '{{ fmt.figure("fig", "A caption.") }}')
    out = tmp_path / f"paper.{fmt}"
    with pytest.raises(SymbiosisError, match="includes figure.* fig but never refers to them"):
        render(templates, fmt, _tiny_context(tmp_path), out)
    assert not out.exists()
    _tiny_paper(tmp_path, 'As {{ fmt.ref("fig") }} shows. {{ fmt.figure("fig", "A caption.") }}')
    render(templates, fmt, _tiny_context(tmp_path), out)
    assert out.exists()


def test_markdown_figures_are_numbered_in_order_even_when_referred_to_first(tmp_path):
    templates = _tiny_paper(
        tmp_path, '{{ fmt.ref("b") }} then {{ fmt.ref("a") }}. {{ fmt.figure("a", "A.") }} {{ fmt.figure("b", "B.") }}'
    )
    ctx = {**_tiny_context(tmp_path), "figures": {"a": "a", "b": "b"}}
    render(templates, "md", ctx, tmp_path / "paper.md")
    text = (tmp_path / "paper.md").read_text()
    assert text.startswith("Figure 2 then Figure 1.") and "*Figure 1.* A." in text and "*Figure 2.* B." in text


def test_markdown_cites_author_year_and_lists_the_cited_references(tmp_path):
    templates = _tiny_paper(
        tmp_path,
        '{{ fmt.citet("zhu2017prune") }} and {{ fmt.cite("olah2020zoom, li2016convergent") }}.\n\n'
        "{{ fmt.bibliography() }}",
    )
    render(templates, "md", _tiny_context(tmp_path), tmp_path / "paper.md")
    text = (tmp_path / "paper.md").read_text()
    assert text.startswith("Zhu and Gupta (2017) and (Olah et al., 2020; Li et al., 2016).")
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert [line.split(" (")[0] for line in listed] == ["- Li et al.", "- Olah et al.", "- Zhu and Gupta"]


def test_latex_math_becomes_typst_math_or_an_error():
    from symbiosis.report.typeset import typst_math, typst_math_spans

    assert typst_math(r"g_u(x) \in (0, g_{\max})") == "g_u (x) in (0, g_( max ))"
    assert typst_math(r"\mathbb{E}_{y=k} |a_u| / \sigma(a_u)") == "EE_(y=k) |a_u| slash sigma (a_u)"
    assert typst_math_spans(r"cost \$5 and $\rho = 1$ and $$x \ne y$$") == r"cost \$5 and $rho = 1$ and $ x != y $"
    with pytest.raises(SymbiosisError, match=r"\\frac has no Typst form"):
        typst_math(r"\frac{a}{b}")


def test_the_typst_pdf_needs_no_tex(tmp_path, monkeypatch):
    from symbiosis.report.typeset import compile_pdf

    monkeypatch.setenv("PATH", "")  # no latexmk, no TeX: only the typst wheel
    templates = _tiny_paper(
        tmp_path,
        '{{ fmt.begin_document("A title") }}\n\nSee {{ fmt.table_ref() }}, $a_u(x)$ {{ fmt.cite("olah2020zoom") }}.\n\n'
        '{{ fmt.table("The table.") }}\n\n{{ fmt.bibliography() }}',
    )
    ctx = {**_tiny_context(tmp_path), "bibliography_path": "references.bib"}
    (tmp_path / "references.bib").write_text(BIBLIOGRAPHY.read_text())
    from symbiosis.report.typeset import typst_table

    ctx["main_table"] = {"typ": typst_table("| metric | s = 0 |\n|---|---|\n| accuracy | 0.9 [0.8, 1.0] |\n")}
    render(templates, "typ", ctx, tmp_path / "paper.typ")
    compile_pdf(tmp_path / "paper.typ", tmp_path / "paper.pdf", root=tmp_path)
    assert (tmp_path / "paper.pdf").read_bytes().startswith(b"%PDF")
    (tmp_path / "broken.typ").write_text("#unknown-function()")
    with pytest.raises(SymbiosisError, match="typst could not typeset .*broken.typ"):
        compile_pdf(tmp_path / "broken.typ", tmp_path / "broken.pdf", root=tmp_path)
    assert not (tmp_path / "broken.pdf").exists()


def test_the_title_names_every_dataset_as_a_reader_knows_it():
    from symbiosis.choices import DATASETS
    from symbiosis.report.paper import DATASET_TITLES

    assert set(DATASET_TITLES) == set(DATASETS)
    assert DATASET_TITLES["mnist5k"].format(n=5000) == "MNIST (5,000-image subset)"
