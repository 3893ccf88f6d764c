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


def test_analysis_images_are_a_fixed_stratified_subset_of_the_test_split():
    from symbiosis.metrics.analysis import AnalysisSettings, analysis_images

    y = torch.arange(10).repeat_interleave(torch.arange(100, 200, 10))  # 10 classes of 100 to 190 images
    x = torch.arange(len(y))
    every = analysis_images(x, y, AnalysisSettings())
    assert torch.equal(every[0], x) and torch.equal(every[1], y)  # null: the whole split
    sub_x, sub_y = analysis_images(x, y, AnalysisSettings(test_images=290))
    assert len(sub_y) == 290 and torch.equal(y[sub_x], sub_y)
    assert torch.all(sub_x[1:] > sub_x[:-1])  # in the split's order
    counts = torch.bincount(sub_y, minlength=10).float()
    assert torch.allclose(counts, torch.bincount(y).float() * 290 / len(y), atol=0.5)  # each class its share
    again = analysis_images(x, y, AnalysisSettings(test_images=290))[0]
    other_seed = analysis_images(x, y, AnalysisSettings(test_images=290, seed=1))[0]
    assert torch.equal(again, sub_x) and not torch.equal(other_seed, sub_x)
