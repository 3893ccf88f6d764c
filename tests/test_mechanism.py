"""The mechanism step: the inhibition/stimulation split of a symbiote's effect on hand-set gates (all below 1: all of
the effect is inhibition; all above 1: all stimulation), the full gates agreeing with the symbiote evaluation, and
the most gated units found on a tiny model."""

import pandas as pd
import pytest
import torch

from symbiosis.errors import SymbiosisError
from symbiosis.metrics.mechanism import MechanismSettings, gate_split, gated_units, mechanism, split_summary
from symbiosis.primary.models import clean_pass
from symbiosis.symbiote.evaluate import inhibition_matrix
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes

CLASSES = (0, 3, 7)


def static_gates(model, gates: torch.Tensor) -> Symbiotes:
    """Input-independent symbiotes whose gates [K, U] are set by hand."""
    sym = Symbiotes(SymbioteArch(kind="static", classes=CLASSES), model.arch)
    with torch.no_grad():
        sym.z.copy_(torch.special.logit(gates / sym.arch.g_max))
    return sym.eval()


def split_for(model, digits, gate: float) -> pd.DataFrame:
    x, y = digits(200)
    sym = static_gates(model, torch.full((len(CLASSES), model.arch.n_units), gate))
    return gate_split(model, sym, clean_pass(model, x), y)


def test_gates_below_one_carry_all_of_the_effect_as_inhibition(tiny_model, digits):
    split = split_for(tiny_model, digits, 0.3)
    assert (split["full_margin_drop"].abs() > 1e-4).all()
    assert split["inhibition_margin_share"].tolist() == pytest.approx([1.0] * 3)
    assert split["stimulation_margin_share"].tolist() == pytest.approx([0.0] * 3, abs=1e-6)


def test_gates_above_one_carry_all_of_the_effect_as_stimulation(tiny_model, digits):
    split = split_for(tiny_model, digits, 1.7)
    assert (split["full_margin_drop"].abs() > 1e-4).all()
    assert split["stimulation_margin_share"].tolist() == pytest.approx([1.0] * 3)
    assert split["inhibition_margin_share"].tolist() == pytest.approx([0.0] * 3, abs=1e-6)


def test_full_gates_drop_accuracy_as_the_symbiote_evaluation_does(tiny_model, digits):
    x, y = digits(200)
    g = torch.rand(len(CLASSES), tiny_model.arch.n_units, generator=torch.Generator().manual_seed(1)) * 1.8 + 0.1
    sym, clean = static_gates(tiny_model, g), clean_pass(tiny_model, x)
    split = gate_split(tiny_model, sym, clean, y)
    matrix = inhibition_matrix(tiny_model, sym, clean, y)
    for i, k in enumerate(CLASSES):
        clean_accuracy = float((clean.predicted[y == k] == k).double().mean())
        assert split["full_accuracy_drop"][i] == pytest.approx(clean_accuracy - float(matrix[i, k]))


def test_split_summary_averages_classes_within_a_seed_then_seeds():
    split = pd.DataFrame(
        {"dataset": "d", "target_sparsity": 0.0, "seed": [0, 0, 1], "target_class": [0, 1, 0]}
        | {f"{m}_{q}_share": [1.0, 0.0, 1.0] for m in ("inhibition", "stimulation") for q in ("accuracy", "margin")}
    )
    row = split_summary(split).iloc[0]
    assert row["mean_share"] == pytest.approx(0.75) and row["n_seeds"] == 2


def test_the_most_gated_unit_comes_first_with_its_top_activating_images(tiny_model, digits):
    x, y = digits(200)
    g = torch.ones(len(CLASSES), tiny_model.arch.n_units)
    clean = clean_pass(tiny_model, x)
    live = torch.nonzero(clean.units.std(0) > 0).flatten()
    strongest, second = int(live[-1]), int(live[0])
    g[1, strongest], g[1, second] = 0.05, 1.4
    settings = MechanismSettings(classes=(3,), units=2, images=4)
    units = gated_units(tiny_model, static_gates(tiny_model, g), clean, y, settings)
    assert units["unit"].tolist() == [strongest, second]
    top = [int(i) for i in units["top_images"][0].split()]
    assert top == clean.units[:, strongest].argsort(descending=True)[:4].tolist()
    assert units["target_q50"][0] == pytest.approx(0.05, rel=1e-4)


def test_mechanism_refuses_classes_without_a_symbiote_and_a_missing_model(tiny_model, digits):
    x, y = digits(50)
    sym = static_gates(tiny_model, torch.full((3, tiny_model.arch.n_units), 0.5))
    labels = {"dataset": "d", "target_sparsity": 0.0, "seed": 0}
    with pytest.raises(SymbiosisError, match="no symbiote"):
        mechanism([(labels, tiny_model, sym)], x, y, MechanismSettings(classes=(5,)))
    with pytest.raises(SymbiosisError, match="no model"):
        mechanism([(labels, tiny_model, sym)], x, y, MechanismSettings(seed=4))


def test_mechanism_and_gate_split_figures_draw_without_torch(tiny_model, digits, tmp_path):
    from safetensors.numpy import save_file
    from test_cli import run_without_torch

    x, y = digits(60)
    g = torch.rand(len(CLASSES), tiny_model.arch.n_units, generator=torch.Generator().manual_seed(2)) * 1.8 + 0.1
    sym = static_gates(tiny_model, g)
    labels = {"dataset": "d", "target_sparsity": 0.0, "seed": 0}
    models = [(labels, tiny_model, sym), ({**labels, "seed": 1}, tiny_model, sym)]
    tables = mechanism(models, x, y, MechanismSettings(classes=(0, 3), units=3))
    for table, name in zip(tables, ("u", "s", "m"), strict=True):
        table.to_csv(tmp_path / f"{name}.csv", index=False)
    save_file({"x_test": x.numpy(), "y_test": y.numpy()}, tmp_path / "data.safetensors")
    out = ("--pdf", tmp_path / "f.pdf", "--png", tmp_path / "f.png")
    run_without_torch("plot-mechanism", "--units", tmp_path / "u.csv", "--split", tmp_path / "s.csv",
                      "--data", tmp_path / "data.safetensors", *out)  # fmt: skip
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    run_without_torch("plot-gate-split", "--split", tmp_path / "s.csv", "--summary", tmp_path / "m.csv", *out)
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
