"""What a symbiote does to the primary: the units it gates most for a few classes (with their top-activating images
and their gates on target and other inputs), and the split of its effect into inhibition (gates below 1) and
stimulation (gates above 1)."""

from __future__ import annotations

import pandas as pd
import torch

from symbiosis.config import settings
from symbiosis.errors import SymbiosisError
from symbiosis.primary.models import CleanPass, PrimaryCNN, split_units
from symbiosis.symbiote.symbiote import Symbiotes

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# Gates restricted to one side of 1: "inhibition" keeps only g < 1 (the others set to 1), "stimulation" only g > 1.
GATE_MODES = {"full": (None, None), "inhibition": (None, 1.0), "stimulation": (1.0, None)}


@settings("mechanism")
class MechanismSettings:
    """Which model and classes the mechanism figure shows, and how many units and images (defaults: the schema)."""

    sparsity: float
    seed: int
    classes: tuple[int, ...]
    units: int
    images: int


def margin(logits: torch.Tensor, k: int) -> torch.Tensor:
    """logit_k minus the largest other logit, per input ([..., N, classes] -> [..., N])."""
    others = torch.cat([logits[..., :k], logits[..., k + 1 :]], dim=-1)
    return logits[..., k] - others.max(-1).values


def _restrict(gates: torch.Tensor, low: float | None, high: float | None) -> torch.Tensor:
    return gates if low is None and high is None else gates.clamp(low, high)


def _share(effect: float, full: float) -> float:
    """The part of the full gates' effect that one side carries; undefined where the full gates have none."""
    return effect / full if abs(full) > 1e-9 else float("nan")


@torch.no_grad()
def gate_split(primary: PrimaryCNN, sym: Symbiotes, clean: CleanPass, y: torch.Tensor) -> pd.DataFrame:
    """Per target class k, on the inputs of class k: the accuracy and mean logit margin of the clean primary, and their
    drops under the full gates, the inhibiting gates only and the stimulating gates only, with each side's share of
    the full drop. The two shares need not add to 1: the sides interact through the primary's nonlinearities."""
    gates, _ = sym(clean.units)
    if gates is None:
        raise SymbiosisError(f"{sym.arch.kind} symbiotes shift activations; the gate split needs gates")
    y = y.to(clean.predicted.device)
    clean_logits = primary.classify(clean.trunk).cpu()
    rows = []
    for i, k in enumerate(sym.arch.classes):
        on_k = y == k
        base_acc = float((clean.predicted[on_k] == k).double().mean())
        base_margin = float(margin(clean_logits[on_k], k).mean())
        row = {"target_class": k, "clean_accuracy": base_acc, "clean_margin": base_margin}
        g = gates[i][on_k.to(gates.device)] if gates.shape[1] > 1 else gates[i].expand(int(on_k.sum()), -1)
        trunk = clean.trunk[on_k.to(clean.trunk.device)]
        for mode, (low, high) in GATE_MODES.items():
            logits = primary.classify(trunk, gates=split_units(_restrict(g, low, high), primary.arch)).cpu()
            row[f"{mode}_accuracy_drop"] = base_acc - float((logits.argmax(-1) == k).double().mean())
            row[f"{mode}_margin_drop"] = base_margin - float(margin(logits, k).mean())
        for mode in ("inhibition", "stimulation"):
            for measure in ("accuracy", "margin"):
                full = row[f"full_{measure}_drop"]
                row[f"{mode}_{measure}_share"] = _share(row[f"{mode}_{measure}_drop"], full)
        rows.append(row)
    return pd.DataFrame(rows)


def split_summary(split: pd.DataFrame) -> pd.DataFrame:
    """Per sparsity: each side's share of the effect, averaged over classes within a seed, then over seeds (the seed
    is the unit of replication), with its n and range over seeds."""
    shares = [f"{m}_{q}_share" for m in ("inhibition", "stimulation") for q in ("accuracy", "margin")]
    per_seed = split.groupby(["dataset", "target_sparsity", "seed"])[shares].mean().reset_index()
    rows = []
    for (dataset, sparsity), group in per_seed.groupby(["dataset", "target_sparsity"]):
        for column in shares:
            values = group[column].dropna()
            mode, measure, _ = column.split("_")
            rows.append(
                {
                    "dataset": dataset,
                    "target_sparsity": sparsity,
                    "side": mode,
                    "measure": measure,
                    "mean_share": values.mean(),
                    "min_share": values.min(),
                    "max_share": values.max(),
                    "n_seeds": len(values),
                }
            )
    return pd.DataFrame(rows)


def unit_names(primary: PrimaryCNN) -> list[tuple[str, int]]:
    """(layer, index within the layer) of each position along the unit axis."""
    return [(name, u - s.start) for name, s in primary.arch.slices.items() for u in range(s.start, s.stop)]


@torch.no_grad()
def gated_units(primary: PrimaryCNN, sym: Symbiotes, clean: CleanPass, y: torch.Tensor, s: MechanismSettings):
    """Per class of `s.classes`: the `s.units` live units with the largest mean |g - 1| on the class's inputs, each with
    the indices of its `s.images` top-activating inputs and quantiles of its gates on target and other inputs."""
    missing = sorted(set(s.classes) - set(sym.arch.classes))
    if missing:
        raise SymbiosisError(f"mechanism.classes {missing} have no symbiote; use classes from {list(sym.arch.classes)}")
    gates, _ = sym(clean.units)
    gates, units, y = gates.cpu().double(), clean.units.cpu().double(), y.cpu()
    live = units.std(0) > 0
    names, q = unit_names(primary), torch.tensor(QUANTILES, dtype=torch.float64)
    rows = []
    for k in s.classes:
        g = gates[list(sym.arch.classes).index(k)].expand(len(y), -1)
        change = (g[y == k] - 1).abs().mean(0).masked_fill(~live, -1)
        for rank, u in enumerate(change.argsort(descending=True)[: s.units].tolist()):
            layer, index = names[u]
            top = units[:, u].argsort(descending=True)[: s.images].tolist()
            row = {"target_class": k, "rank": rank + 1, "unit": u, "layer": layer, "index": index}
            row |= {"mean_abs_change": float(change[u]), "top_images": " ".join(map(str, top))}
            row |= {"top_image_classes": " ".join(str(int(y[i])) for i in top)}
            for group, mask in (("target", y == k), ("other", y != k)):
                values = torch.quantile(g[mask, u], q)
                row |= {f"{group}_q{round(p * 100):02d}": float(v) for p, v in zip(QUANTILES, values, strict=True)}
            rows.append(row)
    return pd.DataFrame(rows)


def mechanism(models: list[tuple[dict, PrimaryCNN, Symbiotes]], x: torch.Tensor, y: torch.Tensor, s: MechanismSettings):
    """(units, split, summary) over `models` (labels, primary, its gate symbiotes) on test images `x`, `y`: the gated
    units of the model that `s` names, and the inhibition/stimulation split of every model (with its summary)."""
    from symbiosis.primary.models import clean_pass

    units, split = None, []
    for labels, primary, sym in models:
        clean = clean_pass(primary, x.to(next(primary.parameters()).device))
        split.append(gate_split(primary, sym, clean, y).assign(**labels))
        if labels["target_sparsity"] == s.sparsity and labels["seed"] == s.seed:
            units = gated_units(primary, sym, clean, y, s).assign(**labels)
    if units is None:
        raise SymbiosisError(f"mechanism: no model of sparsity {s.sparsity:g} and seed {s.seed} among the inputs")
    split = pd.concat(split, ignore_index=True)
    front = ["dataset", "target_sparsity", "seed"]
    split = split[front + [c for c in split.columns if c not in front]]
    units = units[front + [c for c in units.columns if c not in front]]
    return units, split, split_summary(split)
