"""The replication table: a finding replicates when its test chose the same wording on every task."""

import pandas as pd
import pytest

from symbiosis.errors import SymbiosisError
from symbiosis.report.replication import replication_table, to_markdown


def findings(**wordings):
    out = {key: {"what": f"the {key}", "wording": w} for key, w in wordings.items()}
    return out | {"statistics": {"what": "the family"}}  # an entry with no wording is not a finding to compare


def test_same_wording_replicates_and_a_claim_inconclusive_elsewhere_does_not():
    table = replication_table(
        {
            "mnist5k": findings(accuracy="falls", faith="not above zero", overlap="rises", only_here="rises"),
            "fashion-mnist": findings(
                accuracy="falls",
                faith="not above zero (inconclusive: at the test's floor)",  # the same claim, with its reason
                overlap="shows no significant trend (inconclusive)",
            ),
        }
    )
    assert list(table["finding"]) == ["accuracy", "faith", "overlap"]  # findings of every task only
    assert list(table["replicates"]) == [True, True, False]
    assert list(table.columns) == ["finding", "what", "wording_mnist5k", "wording_fashion-mnist", "replicates"]
    text = to_markdown(table)
    assert "2 of 3 worded findings make the same claim" in text
    assert "| the overlap | rises | shows no significant" in text


def test_one_task_is_a_one_line_error():
    with pytest.raises(SymbiosisError, match="two or more tasks"):
        replication_table({"mnist5k": findings(accuracy="falls")})
    assert isinstance(replication_table({"a": {}, "b": {}}), pd.DataFrame)


def test_replicated_findings_are_counted_as_shared_claims_or_shared_non_claims():
    from symbiosis.report.paper import replication_counts

    none, different = "shows no significant trend (inconclusive)", "not significantly different from"
    rows = [
        {"finding": "a", "wording_x": "rises", "wording_y": "rises", "replicates": True},
        {"finding": "b", "wording_x": none, "wording_y": "shows no significant trend (at floor)", "replicates": True},
        {"finding": "c", "wording_x": different, "wording_y": different, "replicates": True},
        {"finding": "d", "wording_x": "rises", "wording_y": none, "replicates": False},
    ]
    assert replication_counts(rows) == {"claims": 1, "non_claims": 2}
