"""Symbiotes for any PyTorch model, through forward hooks on the layers the user names (README, "Python API").

layers = describe(model, ["block1", "fc"], example_batch)       # which units, found by one probe pass
sym, history = train_symbiotes(model, layers, loader, SymbioteArch(classes=(3, 7)), SymbioteTraining(epochs=5))
table = evaluate(model, layers, sym, test_loader, n_classes=10)  # target vs other-class accuracy
units, y = clean_units(model, layers, test_loader)
strength = intervention_strength(sym, units, y)                  # s_k(u) [K, U]
importance = unit_importance(model, layers, test_loader, 10)     # exact mean-ablation I_k(u) [10, U]
scores = attributions(model, layers, test_loader, 10)            # gradient x activation, attribution patching
circuits(strength, layers, 0.1, sym.arch.classes)                # {class: [(layer, index), ...]}
"""

from symbiosis.hooks.layers import GatedLayer, GatedLayers, describe, gated_logits, record
from symbiosis.hooks.matching import match_against_null, matched_correlation
from symbiosis.hooks.metrics import ablated_logits, attributions, circuits, mean_activations, unit_importance
from symbiosis.hooks.train import SameBatches, clean_units, evaluate, inhibition_matrix, train_symbiotes
from symbiosis.metrics.attribution import intervention_strength
from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes
from symbiosis.symbiote.train import SymbioteTraining

__all__ = [
    "SameBatches",
    "GatedLayer",
    "GatedLayers",
    "SymbioteArch",
    "SymbioteTraining",
    "Symbiotes",
    "ablated_logits",
    "attributions",
    "circuits",
    "clean_units",
    "describe",
    "evaluate",
    "gated_logits",
    "inhibition_matrix",
    "intervention_strength",
    "match_against_null",
    "matched_correlation",
    "mean_activations",
    "record",
    "train_symbiotes",
    "unit_importance",
]
