"""Honest statistics: known p-values, Holm on a known vector, equivalence, range-respecting intervals, and no claim
worded from a corrected p above alpha."""

import numpy as np
import pytest

from symbiosis.errors import SymbiosisError
from symbiosis.report.significance import (
    correct_family,
    holm,
    sign_flip_test,
    tost,
    trend_test,
    word_claim,
)


def test_holm_on_a_known_vector():
    # sorted p: 0.01, 0.02, 0.03, 0.04 -> 4*0.01, 3*0.02, 2*0.03, 1*0.04 -> running max 0.04, 0.06, 0.06, 0.06
    got = holm([0.03, 0.01, 0.04, 0.02])
    np.testing.assert_allclose(got, [0.06, 0.04, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1
    assert np.isnan(holm([np.nan, 0.01])[0]) and holm([np.nan, 0.01])[1] == 0.01  # NaN is not counted as a test


def test_exact_sign_flip_with_three_seeds_cannot_go_below_a_quarter():
    record = sign_flip_test([0.3, 0.5, 0.4])
    assert record["exact"] and record["n"] == 3 and record["unit"] == "seeds"
    assert record["p"] == pytest.approx(0.25) and record["min_p"] == pytest.approx(0.25)
    # n = 6 all positive: 2 / 64; mixed signs cannot beat that
    assert sign_flip_test([1, 2, 3, 4, 5, 6])["p"] == pytest.approx(2 / 64)
    assert sign_flip_test([1, -2, 3, -4, 5, -6])["p"] > 0.5
    assert sign_flip_test([0, 0, 0])["p"] == 1.0


def test_trend_refuses_three_points_and_resolves_enough_strata():
    three = trend_test([0.0, 0.5, 0.9], [0.1, 0.2, 0.3])
    assert three["statistic"] == pytest.approx(1.0)
    assert three["p"] == pytest.approx(1 / 3) and not three["resolvable"]  # scipy's spearmanr would say p = 0
    record = correct_family([three])[0]
    assert word_claim(record, "rises", "falls") == "cannot be resolved from 3 points"

    # 5 levels x 3 seeds, a perfect rise in every seed: exact within-seed permutation p = 2 / 120^3
    levels = np.tile([0.0, 0.5, 0.8, 0.9, 0.95], 3)
    seeds = np.repeat([0, 1, 2], 5)
    values = levels * 2 + seeds  # seed offsets do not matter within strata
    rising = trend_test(levels, values, strata=seeds, n_resamples=5000)
    assert rising["statistic"] == pytest.approx(1.0) and rising["resolvable"] and rising["p"] < 0.01
    flat = trend_test(levels, np.random.default_rng(0).normal(size=15), strata=seeds, n_resamples=5000)
    assert flat["p"] > 0.05


def test_exact_trend_p_on_four_points():
    # 4 points, one stratum: 24 orderings, |rho| = 1 reached by 2 of them -> p = 1/12 (unresolvable at 0.05)
    record = trend_test([1, 2, 3, 4], [1, 2, 3, 4])
    assert record["exact"] and record["p"] == pytest.approx(2 / 24) and not record["resolvable"]


def test_tost_equivalent_within_margin_and_inconclusive_when_shifted():
    rng = np.random.default_rng(0)
    same = rng.normal(0.0, 0.01, size=10)
    assert tost(same, margin=0.05)["verdict"] == "equivalent"
    shifted = same + 0.05
    assert tost(shifted, margin=0.05)["verdict"] == "inconclusive"
    assert tost(rng.normal(0, 0.2, size=3), margin=0.05)["verdict"] == "inconclusive"  # noisy, few seeds
    with pytest.raises(SymbiosisError):
        tost(same, margin=0)


def test_a_claim_whose_corrected_p_exceeds_alpha_is_not_worded_as_a_finding():
    a = sign_flip_test([1, 2, 3, 4, 5, 6])  # p = 0.03125 alone ...
    b = sign_flip_test([1, 2, 3, 4, 5, 6.5])
    alone = correct_family([a])[0]
    assert word_claim(alone, "higher", "lower") == "higher"
    family = correct_family([a, b, sign_flip_test([-1, 2, -3, 4, 5, -6])])  # ... 0.094 after Holm over three
    assert family[0]["p_corrected"] > 0.05 and family[0]["p"] < 0.05
    assert word_claim(family[0], "higher", "lower") == "shows no significant difference (inconclusive)"
    with pytest.raises(SymbiosisError, match="no corrected p"):
        word_claim(a, "higher", "lower")
    equivalence = correct_family([tost(np.random.default_rng(0).normal(0, 0.01, 10), 0.05)])[0]
    assert word_claim(equivalence, "higher", "lower") == "equivalent"
