"""The known-answer cases of DESIGN.md §4, run through the same code as the workflow: every check must pass."""

import pytest
import torch

from symbiosis.metrics.analysis import AnalysisSettings
from symbiosis.metrics.ground_truth import Plant, RandomDraws, plant_layout, planted_auc, validate
from symbiosis.primary.models import PrimaryArch
from symbiosis.primary.train import PrimaryTraining
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining


def test_plant_layout():
    layout = plant_layout(Plant(units_per_class=2, pairs=((3, 5),)), 10, 24)
    assert layout.sum(1).tolist() == [2, 2, 2, 3, 2, 3, 2, 2, 2, 2]
    assert layout[[3, 5], 20].all() and layout[:, 21:].sum() == 0
    with pytest.raises(ValueError, match="needs fc1 >= 21"):
        plant_layout(Plant(units_per_class=2, pairs=((3, 5),)), 10, 20)


def test_planted_auc_known_answer():
    layout = plant_layout(Plant(units_per_class=1, pairs=()), 3, 6)
    strength = torch.zeros(3, 2 + 6)  # two conv units first, then fc1
    strength[0, 2] = 5.0  # symbiote 0 touches only class 0's unit
    strength[1, 2 + 1], strength[1, 2 + 2] = 4.0, 1.0  # symbiote 1: its own unit, and class 2's a little
    auc = planted_auc(strength[:, 2:], layout, [0, 1, 2])
    assert auc[0, 0] == 1.0 and auc[1, 1] == 1.0
    assert auc[0, 1] == 0.5  # among the other planted units, symbiote 0 treats class 1's like the rest
    assert auc[1, 2] == 1.0  # symbiote 1 singles out class 2's unit among the units it does not need
    assert auc[2, 2] == 0.5  # symbiote 2 did nothing: ties everywhere


def test_every_known_answer_check_passes(mnist5k):
    checks, auc = validate(
        mnist5k,
        PrimaryArch(conv1=8, conv2=16, fc1=64),
        PrimaryTraining(epochs=6),
        SymbioteArch(),
        SymbioteTraining(epochs=8),
        AnalysisSettings(null_permutations=200),
        Plant(),
        device=torch.device("cpu"),
        draws=RandomDraws(random_draws=10, random_images=100),
    )
    constructed = (
        checks["case"].eq("permuted")
        | (checks["case"].eq("circuits") & ~checks["check"].str.startswith("min faithfulness"))
        | checks["check"].str.contains("class k's|unwired|mean AUC")
    )
    failed = checks[constructed & ~checks["passed"]]
    assert failed.empty, failed.to_string()
    assert checks["criterion"].notna().all()
    fpr = checks[checks["case"] == "random"]
    assert len(fpr) == 2 and fpr["value"].between(0, 1).all()
    assert set(checks["case"]) == {"planted", "circuits", "permuted", "random"} and len(checks) == 18
    assert len(auc) == 100 and auc["auc"].between(0, 1).all()


def test_class_null_p_known_answers():
    """Agreement only on the diagonal is significant; a matrix with no class structure is not; the diagonal
    statistic is what counts (a broken null that compared rows with themselves would give p = 1 for both)."""
    from symbiosis.metrics.ground_truth import class_null_p

    g = torch.Generator().manual_seed(0)
    assert class_null_p(torch.eye(10, dtype=torch.float64), 999, g) <= 0.002
    assert class_null_p(torch.full((10, 10), 0.3, dtype=torch.float64), 999, g) == 1.0
    anti = 1 - torch.eye(10, dtype=torch.float64)  # same-class agreement lowest: never significant
    assert class_null_p(anti, 999, g) == 1.0
