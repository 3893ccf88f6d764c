"""The toy model of superposition: its known answer moves the way Elhage et al. (2022) report."""

import pytest
import torch

from symbiosis.errors import SymbiosisError
from symbiosis.metrics.superposition import ToyConfig, feature_shares, features_per_neuron, represented, train_toy


@pytest.fixture(scope="module")
def dense_and_sparse():
    torch.set_num_threads(1)
    cfg = dict(n_features=12, n_hidden=4, steps=800, batch_size=256)
    return train_toy(ToyConfig(p=0.5, **cfg)), train_toy(ToyConfig(p=0.02, **cfg))


def test_sparse_features_are_superposed_and_dense_ones_are_not(dense_and_sparse):
    dense, sparse = dense_and_sparse
    assert represented(dense).sum() <= 6  # dense: about one feature per hidden unit (4), the rest dropped
    assert represented(sparse).sum() >= 10  # sparse: most of the 12 features packed into 4 units
    assert features_per_neuron(sparse).min() > features_per_neuron(dense).max()


def test_feature_shares_are_distributions_over_represented_features(dense_and_sparse):
    _, sparse = dense_and_sparse
    q = feature_shares(sparse)
    torch.testing.assert_close(q.sum(0), torch.ones(4))
    assert torch.all(q[~represented(sparse)] == 0)
    fpn = features_per_neuron(sparse)
    assert torch.all((fpn >= 1) & (fpn <= represented(sparse).sum()))


def test_toy_model_needs_fewer_hidden_units_than_features():
    with pytest.raises(SymbiosisError, match="n_hidden < n_features"):
        train_toy(ToyConfig(n_features=4, n_hidden=4, steps=1))
