"""The selection/evaluation split of the test set: stratified, disjoint, complete and fixed by its seed."""

import torch

from symbiosis.metrics.analysis import selection_split


def test_selection_split_is_stratified_disjoint_and_fixed():
    y = torch.arange(10).repeat_interleave(torch.tensor([10, 11, 12, 13, 14, 15, 16, 17, 18, 3]))
    sel, ev = selection_split(y, 0.5, seed=0)
    assert len(set(sel.tolist()) & set(ev.tolist())) == 0 and len(sel) + len(ev) == len(y)
    for k in range(10):
        n = int((y == k).sum())
        assert abs(int((y[sel] == k).sum()) - 0.5 * n) <= 0.5 + 1e-9  # half of every class, rounded
        assert int((y[ev] == k).sum()) >= 1
    again, _ = selection_split(y, 0.5, seed=0)
    other, _ = selection_split(y, 0.5, seed=1)
    assert torch.equal(sel, again) and not torch.equal(sel, other)
    small, _ = selection_split(y, 0.2, seed=0)
    assert len(small) < len(sel)
