"""Feature recovery on live units and cross-class overlap over live units: known answers."""

import numpy as np
import pytest
import torch

from symbiosis.metrics.circuits import chance_jaccard
from symbiosis.metrics.overlap import live_chance_jaccard, live_overlap_matrix, mean_cross_class_overlap
from symbiosis.metrics.recovery import best_method, live_units, rates, recovery_table, top_live
from symbiosis.primary.models import PrimaryArch

ARCH = PrimaryArch(conv1=4, conv2=20, fc1=60)


def _case(seed=0, dead=()):
    g = torch.Generator().manual_seed(seed)
    importance = torch.randn(10, ARCH.n_units, generator=g, dtype=torch.float64)
    units = torch.rand(50, ARCH.n_units, generator=g)
    live = torch.ones(ARCH.n_units, dtype=torch.bool)
    for u in dead:
        units[:, u] = 0
        importance[:, u] = 0
        live[u] = False
    return importance, units, live


def _auc(table, method, truth="signed", layer="pooled"):
    rows = table[(table.method == method) & (table.truth == truth) & (table.layer == layer)]
    return rows["auc"].to_numpy(), rows["spearman"].to_numpy()


def test_perfect_reversed_and_random_scores():
    importance, units, live = _case()
    g = torch.Generator().manual_seed(1)
    scores = {"perfect": importance, "reversed": -importance, "random": torch.rand(10, ARCH.n_units, generator=g)}
    table = recovery_table(scores, importance, live_units(units), ARCH, list(range(10)))
    for layer in ("conv2", "fc1", "pooled"):
        auc, rho = _auc(table, "perfect", layer=layer)
        assert np.allclose(auc, 1) and np.allclose(rho, 1)
        auc, rho = _auc(table, "reversed", layer=layer)
        assert np.allclose(auc, 0) and np.allclose(rho, -1)
    auc, rho = _auc(table, "random")
    assert abs(auc.mean() - 0.5) < 0.1 and abs(rho.mean()) < 0.1
    # |I| as the truth: a perfect signed score is no longer perfect, |I| is
    table = recovery_table({"abs": importance.abs(), "signed": importance}, importance, live, ARCH, list(range(10)))
    assert np.allclose(_auc(table, "abs", truth="absolute")[0], 1)
    assert _auc(table, "signed", truth="absolute")[0].mean() < 0.9
    assert best_method(table, "absolute", "pooled") == ("abs", 1.0)


def test_dead_units_are_counted_and_do_not_change_the_result():
    dead = (0, 3, 25, 40)
    importance, units, live = _case(dead=dead)
    assert live_units(units).tolist() == live.tolist()
    g = torch.Generator().manual_seed(2)
    score = importance + 0.8 * torch.randn(importance.shape, generator=g, dtype=torch.float64)
    with_dead = recovery_table({"s": score}, importance, live, ARCH, list(range(10)))
    # the same units with the dead ones removed from the arrays entirely
    keep = live.clone()
    small = PrimaryArch(conv1=4, conv2=20 - 2, fc1=60 - 2)
    without = recovery_table({"s": score[:, keep]}, importance[:, keep], live[keep], small, list(range(10)))
    np.testing.assert_allclose(with_dead["auc"], without["auc"])
    np.testing.assert_allclose(with_dead["spearman"], without["spearman"])
    assert set(with_dead[with_dead.layer == "pooled"]["n_dead"]) == {4}
    # a dead unit with a high score would be a false positive if it were counted: excluded, it changes nothing
    loud = score.clone()
    loud[:, list(dead)] = 100.0
    loud_table = recovery_table({"s": loud}, importance, live, ARCH, list(range(10)))
    np.testing.assert_allclose(loud_table["auc"], without["auc"])


def test_top_live_never_picks_a_dead_unit():
    values = torch.arange(10.0).repeat(2, 1)
    live = torch.ones(10, dtype=torch.bool)
    live[9] = False
    top = top_live(values, live, 0.2)  # ceil(0.2 * 9) = 2 units
    assert top[0].nonzero().flatten().tolist() == [7, 8]


def test_live_chance_level_matches_simulation_and_ignores_dead_units():
    live = torch.zeros(224, dtype=torch.bool)
    live[:164] = True
    k = 17
    rng = np.random.default_rng(0)
    sims = [
        len(set(a) & set(b)) / len(set(a) | set(b))
        for a, b in ((rng.choice(164, k, replace=False), rng.choice(164, k, replace=False)) for _ in range(20000))
    ]
    circuits = torch.zeros(2, 224, dtype=torch.bool)
    circuits[:, :k] = True
    assert live_chance_jaccard(circuits, live) == pytest.approx(np.mean(sims), abs=0.003)
    assert live_chance_jaccard(circuits, live) > chance_jaccard(k, 224) + 0.01  # counting dead units lowers it


def test_cross_class_overlap_known_answers():
    g = torch.Generator().manual_seed(0)
    live = torch.ones(100, dtype=torch.bool)
    live[80:] = False
    k = 8
    random_sets = torch.stack([torch.randperm(80, generator=g)[:k] for _ in range(400)])
    circuits = torch.zeros(400, 100, dtype=torch.bool).scatter_(1, random_sets, True)
    assert abs(mean_cross_class_overlap(live_overlap_matrix(circuits, live))) < 0.005  # random circuits: at chance
    planted = torch.zeros(3, 100, dtype=torch.bool)
    planted[0, :8] = True
    planted[1, 4:12] = True  # shares 4 units with class 0
    planted[2, 40:48] = True  # shares none
    matrix = live_overlap_matrix(planted, live)
    chance = chance_jaccard(8, 80)
    assert matrix[0, 1] == pytest.approx(4 / 12 - chance) and matrix[1, 0] == matrix[0, 1]
    assert matrix[0, 2] == pytest.approx(-chance)
    assert matrix[0, 0] == pytest.approx(1 - chance)
    dead_circuit = planted.clone()
    dead_circuit[2, 40] = False
    dead_circuit[2, 90] = True
    with pytest.raises(ValueError, match="dead unit"):
        live_overlap_matrix(dead_circuit, live)


def test_best_method_is_chosen_from_the_data_and_never_the_ceiling_or_chance():
    importance, units, live = _case(seed=4)
    g = torch.Generator().manual_seed(5)
    noisy = importance + 0.5 * torch.randn(importance.shape, generator=g, dtype=torch.float64)
    noisier = importance + 2.0 * torch.randn(importance.shape, generator=g, dtype=torch.float64)
    scores = {"ablation": importance, "random": torch.rand(10, ARCH.n_units, generator=g), "a": noisier, "b": noisy}
    table = recovery_table(scores, importance, live, ARCH, list(range(10)))
    name, value = best_method(table, "signed", "pooled")
    assert name == "b" and 0.5 < value < 1.0
    assert best_method(table, "signed", "pooled", exclude=())[0] == "ablation"  # the ceiling, when not excluded


def test_rates_auc_equals_sklearn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    members = rng.random((20, 50)) < 0.2
    members[:, 0], members[:, 1] = True, False
    scores = rng.integers(0, 5, (20, 50)).astype(float)  # many ties
    auc, _ = rates(scores, rng.normal(size=(20, 50)), members)
    for k in range(20):
        assert auc[k] == pytest.approx(roc_auc_score(members[k], scores[k]))
    assert np.isnan(rates(np.arange(5.0)[None], np.arange(5.0)[None], np.zeros((1, 5), bool))[0][0])


def test_rates_equal_sklearn_and_spearmanr_row_by_row():
    """`rates` rates every row at once; each row as sklearn's roc_auc_score and scipy's spearmanr rate it alone,
    with ties, a constant score or target (rho NaN), a row without members (AUC NaN), a NaN score (both NaN) and a
    NaN target (rho NaN)."""
    from scipy import stats
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    scores = rng.integers(0, 6, (8, 40)).astype(float)  # many ties
    targets = rng.normal(size=(8, 40))
    members = rng.random((8, 40)) < 0.2
    members[:, 0], members[:, 1] = True, False
    scores[1] = 3.0
    members[2] = False
    scores[3, 5] = np.nan
    targets[4] = 0.5
    targets[5, 7] = np.nan
    auc, rho = rates(scores, targets, members)
    for k in range(8):
        expected_rho = np.nan if k in (1, 3, 4, 5) else stats.spearmanr(scores[k], targets[k])[0]
        expected_auc = np.nan if k in (2, 3) else roc_auc_score(members[k], scores[k])
        assert auc[k] == pytest.approx(expected_auc, abs=1e-12, nan_ok=True)
        assert rho[k] == pytest.approx(expected_rho, abs=1e-12, nan_ok=True)
