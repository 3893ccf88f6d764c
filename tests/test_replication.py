"""The replication table: a finding replicates when its test chose the same wording on every task."""

import numpy as np
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
    effects = [f"{field}_{task}" for task in ("mnist5k", "fashion-mnist") for field in ("statistic", "p_corrected")]
    assert list(table.columns) == [
        "finding",
        "what",
        "wording_mnist5k",
        "wording_fashion-mnist",
        *effects,
        "replicates",
    ]
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


def test_cross_task_tests_word_above_below_and_indistinguishable_from_every_seed_and_side_with_holm():
    from symbiosis.report.replication import cross_task_tests

    rows = []
    for seed in range(3):
        for side in ("a", "b"):
            rows += [
                {"layer": "conv2", "score": "cka", "side": side, "value": 0.9, "null_mean": 0.5, "p": 1 / 1000,
                 "p_below": 1.0},
                {"layer": "fc1", "score": "cka", "side": side, "value": 0.4, "null_mean": 0.6, "p": 1.0,
                 "p_below": 1 / 1000},
                # one seed, from one side only, not extreme: the intersection-union p is that row's
                {"layer": "fc1", "score": "matched", "side": side, "value": 0.3,
                 "null_mean": 0.3 if side == "a" else 0.1, "p": 0.3 if seed == 1 and side == "b" else 1 / 1000,
                 "p_below": 0.7},
            ]  # fmt: skip
    table = pd.DataFrame(rows).assign(n_null=999, same_task_value=0.8, same_task_p=0.001)
    out = cross_task_tests(table).set_index(["layer", "score"])
    assert out.loc[("conv2", "cka"), "wording"] == "above" and out.loc[("fc1", "cka"), "wording"] == "below"
    assert out.loc[("fc1", "matched"), "wording"] == "not distinguishable from"
    assert out.loc[("fc1", "matched"), "p"] == 0.6 and (out["seeds"] == 3).all()
    assert out.loc[("fc1", "matched"), ["null_mean_a", "null_mean_b"]].tolist() == pytest.approx([0.3, 0.1])
    assert out.loc[("conv2", "cka"), "p_corrected"] == 3 * 2 / 1000
    few = cross_task_tests(table.assign(n_null=19, p=1 / 20))  # 19 networks cannot pass Holm
    assert (few["wording"] != "above").all()


def test_pooled_trends_stratify_by_task_and_seed_and_give_each_tasks_rho():
    """Two tasks x 3 seeds x 5 levels. fc1 polysemanticity rises on task a and is noise on task b: the pooled test
    says it rises on at least one task, and the per-task rhos show where. Accuracy falls on both; conv2 is noise."""
    from symbiosis.report.replication import pooled_trends

    rng = np.random.default_rng(0)
    tasks = {}
    for task, slope in (("a", 2.0), ("b", 0.0)):
        rows = []
        for seed in range(3):
            for level in (0.0, 0.5, 0.8, 0.9, 0.95):
                rows.append(
                    {"seed": seed, "target_sparsity": level, "test_accuracy": 0.95 - 0.3 * level**4,
                     "effective_classes_fc1": 5 + slope * level + rng.normal(0, 0.05),
                     "spatial_effective_classes_conv2": 3 + rng.normal(0, 0.05)}
                )  # fmt: skip
        tasks[task] = pd.DataFrame(rows)
    out = pooled_trends(tasks).set_index("finding")
    assert (out["strata"] == 6).all() and (out["n"] == 30).all()
    assert out.loc["accuracy_vs_sparsity", "wording"] == "falls (on at least one task)"
    assert out.loc["polysemanticity_vs_sparsity", "wording"] == "rises (on at least one task)"
    fc1 = out.loc["polysemanticity_vs_sparsity"]
    assert fc1["rho_a"] > 0.9 and abs(fc1["rho_b"]) < 0.5
    assert out.loc["polysemanticity_conv2_vs_sparsity", "wording"].startswith("shows no significant trend")
