"""Cross-architecture matching (symbiosis.hooks.matching.cross_architecture) on cases with a known answer, and the
per-architecture split of the tables and findings."""

import numpy as np
import pandas as pd
import pytest
import torch

from symbiosis.hooks.matching import cross_architecture, matched_correlation, shuffled_matched_correlations
from symbiosis.report.tables import architecture_rows, with_architecture

N_NULL = 199
LABELS = torch.arange(300) % 10  # the inputs' classes, for the profile null


def relu_units(n: int, u: int, seed: int) -> torch.Tensor:
    """ReLU activations [n, u] with a shared low-rank structure (as a hidden layer's are), all units live."""
    g = torch.Generator().manual_seed(seed)
    return torch.relu(torch.randn(n, 6, generator=g) @ torch.randn(6, u, generator=g) + torch.randn(n, u, generator=g))


@pytest.fixture
def cnn_layer():
    g = torch.Generator().manual_seed(1)
    return relu_units(300, 40, seed=0), torch.rand(10, 40, generator=g, dtype=torch.float64)


def test_a_permuted_copy_of_the_layer_matches_perfectly(cnn_layer):
    units, scores = cnn_layer
    perm = torch.randperm(40, generator=torch.Generator().manual_seed(2))  # MLP unit j is CNN unit perm[j]
    pair = {"symbiote": (scores, scores[:, perm])}
    out = cross_architecture(units, units[:, perm], pair, 0.1, N_NULL, seed=0, y=LABELS)
    assert out["matched_correlation"] == pytest.approx(1.0)
    assert out["jaccard"] == 1.0 and out["spearman"] == pytest.approx(1.0)
    floor = 1 / (1 + N_NULL)  # no null draw reaches the observed value
    assert out["matched_correlation_p"] == floor and out["jaccard_class_p"] == floor
    assert out["jaccard_profile_p"] == floor  # the calibrated null the claims use
    assert out["jaccard_class_null_mean"] < 0.5


def test_an_unrelated_layer_does_not_beat_the_nulls(cnn_layer):
    units, scores = cnn_layer
    g = torch.Generator().manual_seed(3)
    other, other_scores = relu_units(300, 40, seed=4), torch.rand(10, 40, generator=g, dtype=torch.float64)
    out = cross_architecture(units, other, {"symbiote": (scores, other_scores)}, 0.1, N_NULL, seed=0, y=LABELS)
    assert out["matched_correlation"] < 0.5
    assert out["matched_correlation_p"] > 0.05 and out["jaccard_class_p"] > 0.05 and out["jaccard_profile_p"] > 0.05
    assert out["jaccard"] < 0.5


def test_related_units_with_unrelated_circuits_match_but_their_circuits_do_not_agree(cnn_layer):
    units, scores = cnn_layer
    perm = torch.randperm(40, generator=torch.Generator().manual_seed(2))
    shuffled_classes = scores[torch.roll(torch.arange(10), 1)][:, perm]  # class k's scores are class k-1's
    pair = {"symbiote": (scores, shuffled_classes)}
    out = cross_architecture(units, units[:, perm], pair, 0.1, N_NULL, seed=0, y=LABELS)
    assert out["matched_correlation_p"] == 1 / (1 + N_NULL)
    assert out["jaccard_class_p"] > 0.05 and out["jaccard_profile_p"] > 0.05


def _claims_table(architecture: str, seeds=(0, 1, 2)) -> dict[str, pd.DataFrame]:
    """Minimal features and circuits rows of one architecture at two levels."""
    features, circuits = [], []
    for level in (0.0, 0.9):
        for seed in seeds:
            base = {"architecture": architecture, "dataset": "d", "target_sparsity": level, "seed": seed, "class": 0}
            for method, auc in (("symbiote", 0.9), ("static", 0.8), ("mean_activation", 0.7), ("ablation", 1.0)):
                features.append(
                    {**base, "method": method, "truth": "signed", "layer": "pooled", "auc": auc + seed / 100}
                )
                features[-1] |= {"n_dead": 1, "n_live": 9, "ceiling": method == "ablation"}
            for kind, faith in (("symbiote", 0.3), ("ablation", 0.5)):
                circuits.append({**base, "kind": kind, "faithfulness": faith + seed / 100, "overlap": 0.1})
    return {"features": pd.DataFrame(features), "circuits": pd.DataFrame(circuits)}


def test_tables_without_the_column_are_the_cnns():
    table = with_architecture(pd.DataFrame({"x": [1, 2]}))
    assert table.columns[0] == "architecture" and set(table["architecture"]) == {"cnn"}
    both = pd.DataFrame({"architecture": ["cnn", "mlp"], "x": [1, 2]})
    assert architecture_rows(both, "mlp")["x"].tolist() == [2] and len(architecture_rows(pd.DataFrame({"x": [1]}))) == 1


def test_second_architecture_claims_are_tested_on_its_own_rows():
    from symbiosis.report.findings import _second_architecture

    mlp = _claims_table("mlp")
    out = _second_architecture("mlp", mlp["features"], mlp["circuits"], pd.DataFrame(), None)
    assert out["mlp_feature_recovery"]["n"] == 6 and out["mlp_feature_recovery"]["baseline"] == "static"
    assert out["mlp_circuit_vs_ablation"]["mean_a"] == pytest.approx(0.31)
    cross = pd.DataFrame(
        {
            "matched_correlation": [0.6] * 6,
            "matched_correlation_null_mean": [0.2] * 6,
            "jaccard": [0.3] * 6,
            "jaccard_class_null_mean": [0.1] * 6,
            "jaccard_class_p": [0.01] * 6,
            "jaccard_profile_null_mean": [0.15] * 6,
            "jaccard_profile_p": [0.01] * 6,
        }
    )
    from symbiosis.report.findings import _cross_architecture

    record = _cross_architecture(cross)["cross_architecture"]
    assert record["n"] == 6 and record["pairs"] == 6 and record["unit"].startswith("CNN-MLP pairs")
    assert record["null"] == pytest.approx(0.15) and record["class_null"] == pytest.approx(0.1)  # claims: profile null


def test_the_shuffled_null_equals_matching_each_shuffle_anew():
    """One standardisation and one matmul per draw give what re-matching each row-shuffled copy gives."""
    a, b = relu_units(80, 12, seed=5), relu_units(80, 12, seed=6)
    b[:, 3] = 0.0  # a dead unit, left out of the mean
    g = torch.Generator().manual_seed(7)
    expected = [matched_correlation(a, b[torch.randperm(80, generator=g)])[1] for _ in range(25)]
    got = shuffled_matched_correlations(a, b, 25, seed=7)
    assert np.allclose(got, expected, rtol=1e-12, atol=0) and np.ptp(got) > 0


def test_cross_architecture_table_joins_the_levels_in_order(tmp_path):
    from symbiosis.choices import CROSS_ARCHITECTURE_KEYS
    from symbiosis.report.steps import cross_architecture_table_step

    paths = []
    for level in (0.0, 0.9):
        paths.append(tmp_path / f"s{level}.csv")
        rows = pd.DataFrame({"target_sparsity": [level, level], "seed": [0, 1], "z": [1.5, 2.5]})
        rows.to_csv(paths[-1], index=False)
    cross_architecture_table_step(paths, tmp_path / "joined.csv")
    joined = pd.read_csv(tmp_path / "joined.csv")
    assert joined["target_sparsity"].tolist() == [0.0, 0.0, 0.9, 0.9] and joined["seed"].tolist() == [0, 1, 0, 1]
    cross_architecture_table_step([], tmp_path / "empty.csv")  # no MLP in the run: the header alone
    empty = pd.read_csv(tmp_path / "empty.csv")
    assert list(empty.columns) == list(CROSS_ARCHITECTURE_KEYS) and empty.empty
