"""Universality claims rest on the profile null, every pair of seeds as the unit, by an intersection-union test:
worded as a finding only when every pair passes after Holm, never from the uncalibrated class null."""

import numpy as np
import pandas as pd
import pytest

from symbiosis.report.findings import _universality, intersection_union, word_findings

LEVELS = (0.0, 0.8, 0.95)


def _table(profile_p: float, class_p: float = 0.001, worst_pair_p: float | None = None) -> pd.DataFrame:
    rows = []
    for level in LEVELS:
        for a, b in ((0, 1), (0, 2), (1, 2)):
            rows.append(
                {
                    "target_sparsity": level,
                    "seed_a": a,
                    "seed_b": b,
                    "jaccard": 0.3,
                    "jaccard_class_null_mean": 0.1,
                    "jaccard_class_z": 5.0,
                    "jaccard_class_p": class_p,
                    "jaccard_profile_null_mean": 0.2,
                    "jaccard_profile_z": 3.0,
                    "jaccard_profile_p": profile_p,
                    "transfer_share": 0.2,
                    "transfer_share_refit": 0.2,
                    **{
                        f"{c}_{layer}": 0.5
                        for c in ("cka", "cka_random", "cka_debiased", "cka_debiased_random")
                        for layer in ("conv2", "fc1")
                    },
                }
            )
    table = pd.DataFrame(rows)
    if worst_pair_p is not None:
        table.loc[0, "jaccard_profile_p"] = worst_pair_p
    return table


def test_intersection_union_p_is_the_largest_pair_p():
    record = intersection_union([0.001, 0.004, np.nan, 0.002], 0.1, "x")
    assert record["p"] == 0.004 and record["n"] == 3


def test_every_pair_beyond_the_profile_null_is_worded_a_finding():
    worded = word_findings(_universality(_table(profile_p=0.000999)))
    assert worded["universality"]["wording"] == "exceeds" and worded["universality"]["n"] == 9
    assert worded["universality_at_0.8"]["wording"] == "exceeds" and worded["universality_at_0.8"]["n"] == 3


def test_one_pair_at_the_null_stops_the_pooled_claim_and_its_level_only():
    worded = word_findings(_universality(_table(profile_p=0.000999, worst_pair_p=0.3)))
    assert worded["universality"]["p_corrected"] > 0.05
    assert worded["universality"]["wording"].startswith("does not significantly exceed")
    assert worded["universality_at_0"]["wording"].startswith("does not significantly exceed")
    assert worded["universality_at_0.95"]["wording"] == "exceeds"


def test_the_class_null_alone_never_makes_a_universality_finding():
    worded = word_findings(_universality(_table(profile_p=0.5, class_p=0.000999)))
    assert worded["universality"]["wording"].startswith("does not significantly exceed")
    assert worded["universality"]["class_significant_pairs"] == 9


def test_seed_agreement_known_answers():
    import torch

    from symbiosis.metrics.ceiling import seed_agreement

    live = torch.ones(10, dtype=torch.bool)
    a = torch.zeros(2, 10, dtype=torch.bool)
    a[0, :2], a[1, 2:4] = True, True
    b = a.clone()
    b[1] = False
    b[1, 8:] = True  # seed b agrees with seed a on class 0 only
    table = seed_agreement({7: a, 3: b}, live, [4, 5])
    assert table["symbiote_seed_a"].tolist() == [3, 3] and table["class"].tolist() == [4, 5]
    assert table["jaccard"].tolist() == [1.0, 0.0]
    assert table["chance"].iloc[0] == pytest.approx(19 / 135)  # overlap 1 w.p. 16/45 (J = 1/3), 2 w.p. 1/45


def test_identifiability_ceiling_is_reported_beside_every_rankings_cross_primary_agreement():
    from symbiosis.report.findings import identifiability_ceiling

    universality = _table(profile_p=0.001).assign(static_jaccard=0.25)
    ceiling = pd.DataFrame(
        [
            {"target_sparsity": 0.0, "seed": s, "symbiote_seed_a": 1000, "symbiote_seed_b": 1001, "class": k,
             "jaccard": 0.6, "chance": 0.05}
            for s in (0, 1, 2)
            for k in range(3)
        ]
    )  # fmt: skip
    record = identifiability_ceiling(ceiling, universality)
    assert record["n"] == 3 and record["mean"] == pytest.approx(0.6)
    assert record["cross_primary"] == {"symbiote": pytest.approx(0.3), "static": pytest.approx(0.25)}
    assert record["cross_share_of_ceiling"]["symbiote"] == pytest.approx(0.5)
    assert "p" not in record  # descriptive: it chooses no wording, so it is not in the Holm family
