"""Known circuits on a planted primary (DESIGN.md §4): faithfulness and cross-class overlap, scored by the workflow's
own circuit code, pass on the planted answer and fail when the metric is broken on purpose."""

import pytest
import torch

from symbiosis.metrics import analysis, ground_truth
from symbiosis.metrics.analysis import AnalysisSettings
from symbiosis.metrics.circuits import jaccard
from symbiosis.metrics.ground_truth import Plant, detector_loss, padded_circuits, plant_layout, wire_fc2
from symbiosis.primary.models import PrimaryArch
from symbiosis.primary.train import PrimaryTraining, train_primary

SMALL = PrimaryArch(conv1=8, conv2=16, fc1=64)


@pytest.fixture(scope="module")
def planted(mnist5k):
    layout = plant_layout(Plant(), SMALL.n_classes, SMALL.fc1)
    detectors = layout[:, : int(layout.any(0).sum())]
    hooks = {"prepare": wire_fc2(layout), "extra_loss": detector_loss(detectors)}
    primary, _ = train_primary(mnist5k, SMALL, PrimaryTraining(epochs=6), torch.device("cpu"), **hooks)
    return primary, mnist5k.x_test, mnist5k.y_test, layout


def _checks(planted) -> dict[str, dict]:
    primary, x, y, layout = planted
    rows = ground_truth.planted_circuits(primary, x, y, layout, AnalysisSettings())
    return {r["check"].split(" (")[0]: r for r in rows}


def test_padded_circuits_have_one_size_and_the_layout_overlap():
    layout = plant_layout(Plant(units_per_class=2, pairs=((3, 5),)), 10, 40)
    live = torch.ones(6 + 40, dtype=torch.bool)
    planted, unwired = padded_circuits(layout, live, 6, 46)
    assert planted.sum(1).tolist() == [3] * 10 and unwired.sum(1).tolist() == [3] * 10
    assert not (planted.any(0) & unwired.any(0)).any()  # the control never touches a planted circuit
    overlap = jaccard(planted[:, None], planted[None])
    assert overlap[3, 5] == pytest.approx(1 / 5) and overlap[0, 1] == 0 and overlap[3, 4] == 0


def test_planted_circuits_pass(planted):
    checks = _checks(planted)
    assert len(checks) == 6
    constructed = {k: v for k, v in checks.items() if not k.startswith("min faithfulness")}
    failed = {k: v["value"] for k, v in constructed.items() if not v["passed"]}
    assert not failed, failed


def test_faithfulness_check_fails_when_ablation_does_nothing(planted, monkeypatch):
    real = analysis.ablated_accuracy

    def ablates_nothing(primary, trunk, y, masks, n_classes, means):
        return real(primary, trunk, y, torch.zeros_like(masks), n_classes, means)

    monkeypatch.setattr(analysis, "ablated_accuracy", ablates_nothing)
    checks = _checks(planted)
    assert not checks["mean faithfulness of the planted circuits"]["passed"]


def test_faithfulness_check_fails_when_the_complement_is_ablated(planted, monkeypatch):
    real = analysis.ablated_accuracy

    def ablates_complement(primary, trunk, y, masks, n_classes, means):
        return real(primary, trunk, y, ~masks, n_classes, means)

    monkeypatch.setattr(analysis, "ablated_accuracy", ablates_complement)
    checks = _checks(planted)
    assert not checks["share of classes whose accuracy falls when their planted circuit is mean-ablated"]["passed"]


def test_overlap_check_fails_without_the_chance_level(planted, monkeypatch):
    def without_chance(circuits, live):
        return jaccard(circuits[:, None], circuits[None])

    monkeypatch.setattr(analysis, "live_overlap_matrix", without_chance)
    checks = _checks(planted)
    assert not checks["max |overlap - planted value| over class pairs"]["passed"]


def test_overlap_check_fails_when_chance_counts_dead_units_wrongly(planted, monkeypatch):
    from symbiosis.metrics import overlap

    monkeypatch.setattr(overlap, "live_chance_jaccard", lambda circuits, live: 0.5)
    checks = _checks(planted)
    assert not checks["max |overlap - planted value| over class pairs"]["passed"]
