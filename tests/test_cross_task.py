"""Cross-task universality against random networks: a permuted copy is found identical, a random network is not."""

import torch

from symbiosis.metrics.cka import centred_gram, cka_from_grams, debiased_linear_cka
from symbiosis.metrics.cross_task import cross_task
from symbiosis.metrics.universality import linear_cka, permute_primary
from symbiosis.primary.models import PrimaryArch, PrimaryCNN


def test_a_permuted_copy_exceeds_the_null_and_an_unrelated_random_network_does_not():
    torch.manual_seed(123)  # not the null's seeds (0, 1): the null must not redraw model A's own weights
    arch = PrimaryArch(conv1=4, conv2=8, fc1=16)
    a = PrimaryCNN(arch).eval()
    g = torch.Generator().manual_seed(1)
    probe_a, probe_b = (torch.randint(0, 256, (60, 1, 28, 28), dtype=torch.uint8, generator=g) for _ in range(2))
    perm = torch.cat([torch.randperm(8, generator=g), 8 + torch.randperm(16, generator=g)])
    copy = cross_task(a, permute_primary(a, perm), probe_a, probe_b, n_random=9)
    assert (copy["p"] == 0.1).all() and (copy["value"] > copy["null_max"]).all() and (copy["p_below"] == 1).all()
    assert set(copy["side"]) == {"a", "b"} and copy["same_task_value"].isna().all()
    cka = copy[copy["score"] != "matched_correlation"]["value"].to_numpy()  # the same function: CKA 1
    torch.testing.assert_close(torch.tensor(cka), torch.ones(len(cka), dtype=torch.float64))
    itself = cross_task(a, a, probe_a, probe_b, n_random=1, same_task=a)  # matching undoes the permutation
    assert (itself["same_task_value"] == itself["value"]).all()
    assert itself.loc[itself["side"] == "b", "same_task_p"].isna().all()
    torch.testing.assert_close(torch.tensor(copy["value"].to_numpy()), torch.tensor(itself["value"].to_numpy()))
    unrelated = cross_task(a, PrimaryCNN(arch).eval(), probe_a, probe_b, n_random=9, seed=1)
    assert unrelated["p"].mean() >= 0.2  # one more draw of the null itself: p about uniform (mean 0.55), not small


def test_both_ckas_from_cached_gram_matrices_equal_the_direct_estimators():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 120, generator=g)
    y = x[:, :30] @ torch.randn(30, 40, generator=g) + torch.randn(50, 40, generator=g)
    plain, debiased = cka_from_grams(centred_gram(x), centred_gram(y))
    assert abs(plain - linear_cka(x, y)) < 1e-12 and abs(debiased - debiased_linear_cka(x, y)) < 1e-12
