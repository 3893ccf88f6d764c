"""Universality pieces against known answers: permutations, CKA invariances, chance overlap, nulls."""

import numpy as np
import torch

from symbiosis.metrics.circuits import chance_jaccard, jaccard, overlap_matrix
from symbiosis.metrics.features import recovery, top_units
from symbiosis.metrics.universality import (
    _standard_ranks,
    agreement,
    linear_cka,
    map_units,
    map_units_each,
    match_units,
    permute_primary,
    random_permutations,
)
from symbiosis.primary.models import clean_pass
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes


def test_permuted_copy_computes_the_same_function_and_matching_recovers_the_permutation(tiny_model, digits):
    x, _ = digits(400)
    perm = random_permutations(tiny_model.arch, 1, seed=5)[0]
    assert not torch.equal(perm, torch.arange(len(perm)))
    copy = permute_primary(tiny_model, perm)
    clean = clean_pass(tiny_model, x)
    trunk_a, units_a = clean.trunk, clean.units
    clean = clean_pass(copy, x)
    _, units_b = clean.trunk, clean.units
    torch.testing.assert_close(tiny_model.classify(trunk_a), copy(x.float() / 255), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(map_units(units_a, perm), units_b, rtol=1e-5, atol=1e-5)
    live = units_a.std(0) > 0
    assert torch.equal(match_units(units_a, units_b, tiny_model.arch)[live], perm[live])


def test_permuted_symbiote_on_permuted_primary_gives_the_same_logits(tiny_model, digits):
    x, _ = digits(64)
    perm = random_permutations(tiny_model.arch, 1, seed=1)[0]
    sym = Symbiotes(SymbioteArch(classes=(0, 1)), tiny_model.arch, seed=4)
    with torch.no_grad():
        for p in sym.parameters():
            p.add_(0.3 * torch.randn_like(p))  # away from the identity start
    clean = clean_pass(tiny_model, x)
    trunk, units = clean.trunk, clean.units
    sym.fit_scale(units)
    copy = permute_primary(tiny_model, perm)
    clean = clean_pass(copy, x)
    trunk_b, units_b = clean.trunk, clean.units
    logits_a, _ = sym.edit(tiny_model, trunk, units)
    logits_b, _ = sym.permuted(perm).edit(copy, trunk_b, units_b)
    torch.testing.assert_close(logits_a, logits_b, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(logits_a[0], tiny_model.classify(trunk), atol=1e-3)


def test_linear_cka_known_values():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 20, generator=g)
    q, _ = torch.linalg.qr(torch.randn(20, 20, generator=g))
    assert abs(linear_cka(x, x @ q) - 1) < 1e-9  # invariant to rotation
    assert abs(linear_cka(x, 3 * x + 1) - 1) < 1e-9  # and to scale and shift
    assert linear_cka(x, torch.randn(500, 20, generator=g)) < 0.1  # unrelated: near 0


def test_chance_jaccard_matches_simulation():
    g = torch.Generator().manual_seed(0)
    n, k = 40, 6
    sets = torch.zeros(20000, n, dtype=torch.bool)
    sets.scatter_(1, torch.argsort(torch.rand(20000, n, generator=g), dim=1)[:, :k], True)
    simulated = float(jaccard(sets[::2], sets[1::2]).mean())
    assert abs(chance_jaccard(k, n) - simulated) < 0.005
    same = top_units(torch.rand(3, n, generator=g), k / n)
    assert torch.allclose(torch.diagonal(overlap_matrix(same)), torch.tensor(1 - chance_jaccard(k, n)).double())


def test_feature_recovery_known_answers():
    g = torch.Generator().manual_seed(0)
    importance = torch.randn(4, 50, generator=g, dtype=torch.float64)
    truth = top_units(importance, 0.1)
    assert truth.sum(1).tolist() == [5, 5, 5, 5]
    perfect = recovery(importance, importance, truth)
    assert all(r["auc"] == 1.0 and abs(r["spearman"] - 1) < 1e-12 for r in perfect)
    reversed_ = recovery(-importance, importance, truth)
    assert all(r["auc"] == 0.0 for r in reversed_)


def test_agreement_is_maximal_for_a_known_permutation_and_null_for_unrelated_scores(tiny_arch):
    g = torch.Generator().manual_seed(0)
    scores_a = torch.rand(10, tiny_arch.n_units, generator=g, dtype=torch.float64)
    perm = random_permutations(tiny_arch, 1, seed=2)[0]
    circuits_a = top_units(scores_a, 0.2)
    same = agreement(
        scores_a, map_units(scores_a, perm), circuits_a, map_units(circuits_a, perm), perm, tiny_arch, 200, seed=0
    )
    assert same["jaccard"] == 1.0 and abs(same["spearman"] - 1) < 1e-12
    assert same["jaccard_class_p"] < 0.05 and same["spearman_class_p"] < 0.05 and same["jaccard_unit_p"] < 0.05
    p_values = []
    for seed in range(20):
        other = torch.rand(10, tiny_arch.n_units, generator=torch.Generator().manual_seed(100 + seed))
        unrelated = agreement(scores_a, other.double(), circuits_a, top_units(other, 0.2), perm, tiny_arch, 100, seed)
        p_values.append(unrelated["jaccard_class_p"])
    assert 0.2 < sum(p_values) / len(p_values) < 0.8  # p-values of a true null spread over (0, 1)


def test_random_within_layer_permutations_keep_layers(tiny_arch):
    perms = random_permutations(tiny_arch, 50, seed=0)
    conv = tiny_arch.conv2
    assert (perms[:, :conv] < conv).all() and (perms[:, conv:] >= conv).all()
    assert all(sorted(p.tolist()) == list(range(tiny_arch.n_units)) for p in perms)
    assert len({tuple(p.tolist()) for p in perms}) == 50


def test_agreement_scores_every_null_draw_as_one_draw_at_a_time(tiny_arch):
    """The vectorised class and unit nulls against the plain loop over draws (the same numbers, bit for bit)."""
    g = torch.Generator().manual_seed(4)
    scores_a = torch.rand(10, tiny_arch.n_units, generator=g, dtype=torch.float64)
    scores_b = (scores_a + torch.rand(10, tiny_arch.n_units, generator=g, dtype=torch.float64)).round(decimals=1)
    circuits_a, circuits_b = top_units(scores_a, 0.2), top_units(scores_b, 0.2)
    perm, n_null, seed = random_permutations(tiny_arch, 1, seed=5)[0], 60, 3
    out = agreement(scores_a, scores_b, circuits_a, circuits_b, perm, tiny_arch, n_null, seed)
    draw = torch.Generator().manual_seed(seed)
    units = random_permutations(tiny_arch, n_null, seed)
    classes = torch.argsort(torch.rand(n_null, 10, generator=draw), dim=1)
    ranks_a, ranks_b = _standard_ranks(scores_a), _standard_ranks(scores_b)
    statistics = {
        "jaccard": lambda p, order: float(jaccard(map_units(circuits_a, p), circuits_b[order]).mean()),
        "spearman": lambda p, order: float((map_units(ranks_a, p) * ranks_b[order]).sum(-1).nanmean()),
    }
    for name, statistic in statistics.items():
        for null, values in (
            ("class", [statistic(perm, order) for order in classes]),
            ("unit", [statistic(p, torch.arange(10)) for p in units]),
        ):
            values = np.array(values)
            assert out[f"{name}_{null}_null_mean"] == float(values.mean())
            assert out[f"{name}_{null}_null_sd"] == float(values.std(ddof=1))
            assert out[f"{name}_{null}_p"] == float((1 + (values >= out[name]).sum()) / (1 + n_null))
    assert torch.equal(map_units_each(circuits_a, units)[7], map_units(circuits_a, units[7]))
