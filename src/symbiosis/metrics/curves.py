"""Circuit sufficiency and necessity curves over circuit size (claim 2).

For class k and a per-unit score, C_k(K) = the top K live units by the score, for K from 1 % to 50 % of the live
units. Three ways to act on a set S of units, each applied to C_k and to its complement:
- "gates": the symbiote's own edit restricted to S (gates outside S set to 1, shifts to 0). On C_k it asks whether the
  circuit is sufficient for the symbiote's effect; on the complement, whether the effect needs C_k;
- "mean": S mean-ablated (its activations replaced by the reference means; symbiosis.ablation);
- "resample": S's activations taken from another, random evaluation image (a derangement of the batch).
Each is measured on the logit margin (the true class's logit minus the best other) and on accuracy, on the target
class's images and on the other classes' images, beside the clean values. `curve_areas` integrates each curve over
the size fraction (trapezoid, divided by the fraction range: the curve's mean level).
A gate must not stimulate a mean-ablated unit back: mean-ablation cannot reproduce a gate above 1, which is why the
symbiote's own gates are a method here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from symbiosis.metrics.ablation import Fc1Pass, ablated_logits, channel_edit, unit_means
from symbiosis.primary.models import PrimaryCNN, split_units
from symbiosis.symbiote.symbiote import Symbiotes

FRACTIONS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
METRICS = ("target_margin", "other_margin", "target_accuracy", "other_accuracy")


def circuit_masks(score: torch.Tensor, live: torch.Tensor, fractions=FRACTIONS) -> torch.Tensor:
    """[S, U] bool: for each fraction f, the top ceil(f * L) of the L live units by `score` [U] (ties by index)."""
    order = torch.sort(score.double().masked_fill(~live, -torch.inf), descending=True, stable=True).indices
    n_live = int(live.sum())
    masks = torch.zeros(len(fractions), len(score), dtype=torch.bool)
    for i, f in enumerate(fractions):
        masks[i, order[: max(1, math.ceil(f * n_live))]] = True
    return masks & live


def derangement(n: int, seed: int) -> torch.Tensor:
    """A random permutation with no fixed point (n > 1): each image's donor is another image."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    donor = torch.empty_like(perm)
    donor[perm] = perm.roll(-1)
    return donor


@torch.no_grad()
def resampled_logits(
    primary: PrimaryCNN,
    trunk: torch.Tensor,
    masks: torch.Tensor,
    donor: torch.Tensor,
    fc1: tuple[Fc1Pass, Fc1Pass] | None = None,
):
    """Logits [M, B, classes] with the units of each mask [M, U] set to their activations on the donor images
    (trunk features `donor` [B, C, s, s], one donor per image); fc1 units outside the mask see the edited conv2.
    fc1: the `Fc1Pass` of trunk and of donor, when the caller has them."""
    n_conv = primary.arch.conv2
    masks = masks.to(trunk.dtype)
    own, donated = (Fc1Pass.of(primary, trunk), Fc1Pass.of(primary, donor)) if fc1 is None else fc1
    pre = own.pre + channel_edit(masks[:, :n_conv], donated.by_channel - own.by_channel)
    h = F.relu(pre)
    donor_fc1 = F.relu(donated.pre)
    return primary.fc2(h + masks[:, None, n_conv:] * (donor_fc1 - h))


@torch.no_grad()
def gated_logits(
    primary: PrimaryCNN, trunk: torch.Tensor, edit: tuple, masks: torch.Tensor, fc1: Fc1Pass | None = None
) -> torch.Tensor:
    """Logits [M, B, classes] with one symbiote's edit (gates [B or 1, U], shifts [B or 1, U]: one is None) kept on
    each mask's units only: gates outside it set to 1, shifts to 0 (`fc1`: the batch's `Fc1Pass`, if computed)."""
    gates, shifts = edit
    m = masks[:, None, :]
    products = None if fc1 is None else fc1.products
    if gates is not None:
        kept = torch.where(m, gates[None], torch.ones((), dtype=gates.dtype))
        return primary.classify(trunk, gates=split_units(kept, primary.arch), products=products)
    kept = torch.where(m, shifts[None], torch.zeros((), dtype=shifts.dtype))
    return primary.classify(trunk, shifts=split_units(kept, primary.arch), products=products)


def margin_and_accuracy(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """([..., B] margin: the true class's logit minus the best other, [..., B] bool: correct) for logits [..., B, C]."""
    own = logits.gather(-1, y.expand(*logits.shape[:-1])[..., None])[..., 0]
    others = logits.scatter(-1, y.expand(*logits.shape[:-1])[..., None], -torch.inf).amax(-1)
    return own - others, logits.argmax(-1) == y


def _summaries(logits: torch.Tensor, y: torch.Tensor, target: int) -> list[dict]:
    """Per edit m of logits [M, B, C]: the four metrics (target class's images vs the others')."""
    margin, correct = margin_and_accuracy(logits, y)
    is_target = y == target
    margin, correct = margin.double(), correct.double()
    columns = {  # row means over each side's images at once: the same numbers as one row at a time, bit for bit
        "target_margin": margin[:, is_target].mean(1),
        "other_margin": margin[:, ~is_target].mean(1),
        "target_accuracy": correct[:, is_target].mean(1),
        "other_accuracy": correct[:, ~is_target].mean(1),
    }
    rows = zip(*(column.tolist() for column in columns.values()), strict=True)
    return [dict(zip(columns, values, strict=True)) for values in rows]


@torch.no_grad()
def circuit_curves(
    primary: PrimaryCNN,
    trunk: torch.Tensor,
    units: torch.Tensor,
    y: torch.Tensor,
    scores: torch.Tensor,
    classes: list[int],
    live: torch.Tensor,
    symbiotes: Symbiotes | None = None,
    means: dict[str, torch.Tensor] | None = None,
    fractions=FRACTIONS,
    seed: int = 0,
    fc1: Fc1Pass | None = None,
) -> pd.DataFrame:
    """One row per (class, method, set, fraction) on the evaluation images (`trunk`, clean `units`, labels `y`), with
    circuits C_k from `scores` [n_classes, U]; plus a "clean" row per class (and "full", the whole symbiote edit).
    means: reference activations for mean-ablation (e.g. the selection half's); by default those of `trunk`.
    fc1: the trunk's `Fc1Pass`, when the caller scores several rankings on the same images."""
    means = unit_means(primary, trunk) if means is None else means
    y = y.to(trunk.device)
    donor = trunk[derangement(len(trunk), seed).to(trunk.device)]
    # The clean pass through fc1 of the images and of their donors, and the clean logits: the same for every class
    # (computed per class, they took 45 % of analyse-sparsity's time; the same kernels on the same inputs).
    own = Fc1Pass.of(primary, trunk) if fc1 is None else fc1
    passes = (own, Fc1Pass.of(primary, donor))
    clean = primary.classify(trunk)[None]
    edits = symbiotes(units) if symbiotes is not None else None
    sym_index = {c: i for i, c in enumerate(symbiotes.arch.classes)} if symbiotes is not None else {}
    rows = []
    for k in classes:
        masks = circuit_masks(scores[k], live.cpu(), fractions).to(trunk.device)
        both = torch.cat([masks, ~masks])  # circuits, then complements
        per_method = {
            "mean": ablated_logits(primary, trunk, both, means, fc1=own),
            "resample": resampled_logits(primary, trunk, both, donor, fc1=passes),
        }
        reference = {"clean": clean}
        if k in sym_index:
            i = sym_index[k]
            edit = tuple(None if e is None else e[i] for e in edits)
            per_method["gates"] = gated_logits(primary, trunk, edit, both, fc1=own)
            reference["full"] = gated_logits(primary, trunk, edit, torch.ones_like(both[:1]), fc1=own)
        for name, logits in reference.items():
            rows.append({"class": k, "method": name, "set": "all", "fraction": np.nan, "size": int(live.sum())})
            rows[-1] |= _summaries(logits, y, k)[0]
        for method, logits in per_method.items():
            for j, summary in enumerate(_summaries(logits, y, k)):
                s = j % len(fractions)
                rows.append(
                    {
                        "class": k,
                        "method": method,
                        "set": "circuit" if j < len(fractions) else "complement",
                        "fraction": float(fractions[s]),
                        "size": int(masks[s].sum()),
                    }
                    | summary
                )
    return pd.DataFrame(rows)


def curve_areas(table: pd.DataFrame) -> pd.DataFrame:
    """Per (class, method, set): the area under each metric's curve over the size fraction, divided by the fraction
    range (the curve's mean level), and the same for its drop from the clean value (clean minus edited).

    Groups with the same number of fractions are integrated together, one trapezoid over an axis (per group the same
    sums as one group at a time; a loop over pandas groups took a tenth of analyse-sparsity)."""
    clean = table[table["method"] == "clean"].set_index("class")[list(METRICS)]
    keys = ["class", "method", "set"]
    curves = table[table["set"] != "all"].sort_values([*keys, "fraction"], kind="stable")
    sizes = curves.groupby(keys, sort=True).size()  # the groups in the sorted rows' order, each contiguous there
    frames = []
    for n in sizes.unique():
        index = sizes.index[sizes == n].to_frame(index=False)
        rows = curves[np.repeat(sizes.to_numpy() == n, sizes.to_numpy())]
        f = rows["fraction"].to_numpy().reshape(len(index), n)
        width = f[:, -1] - f[:, 0] if n > 1 else np.ones(len(index))
        for metric in METRICS:
            values = rows[metric].to_numpy().reshape(len(index), n)
            area = np.trapezoid(values, f, axis=1) / width if n > 1 else values[:, 0]
            index[f"{metric}_area"] = area
            index[f"{metric}_drop_area"] = clean.loc[index["class"], metric].to_numpy() - area
        frames.append(index)
    columns = [*keys, *(f"{m}_{kind}" for m in METRICS for kind in ("area", "drop_area"))]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).sort_values(keys, kind="stable", ignore_index=True)[columns]
