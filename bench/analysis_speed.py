"""The costliest pieces of the analysis jobs, the way they were computed before (reference copies below) and now, in
the same run, interleaved (old, new, old, new, ...: the machine is shared and its load varies), as JSON.

- `null`: cross-architecture's input-shuffling null (`hooks.matching`): per draw, the old way re-standardised both
  layers, built the correlation matrix twice and recomputed the live units; now both layers are standardised once
  and each draw is one matmul of the shuffled rows and one Hungarian solve. Same values to float64 rounding.
- `agreement`: universality's class, unit and profile nulls (`metrics.universality.agreement`), one draw at a time
  before, all draws at once now. Must be equal, bit for bit.
- `importance`: the exact one-unit mean-ablation importance (`metrics.ablation.unit_importance`) through the general
  masks path before, without the one-hot product now. Must be equal, bit for bit.
- `curves`: one ranking's sufficiency/necessity curves (`metrics.curves.circuit_curves`, the symbiote's own circuits
  with its gates), with the clean fc1 passes recomputed per class before. Must be equal, bit for bit.

Inputs: the default run's models of one level and seed (primary, symbiote, and the MLP of the same level and seed),
on the test split's selection and evaluation halves, one thread. Reported per piece: median seconds of each, the
ratio old / new, and whether (or how closely) the outputs agree. Nothing here asserts a time.

    python bench/analysis_speed.py --results results/mnist5k --out bench/out/analysis_speed.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from symbiosis.checkpoint import load_primary, load_symbiotes
from symbiosis.data.datasets import load_split
from symbiosis.hooks import analysis as hooked
from symbiosis.hooks.matching import matched_correlation, shuffled_matched_correlations
from symbiosis.hooks.steps import mlp_layers
from symbiosis.hooks.train import clean_units
from symbiosis.metrics import ablation, curves, universality
from symbiosis.metrics.analysis import AnalysisSettings, selection_split
from symbiosis.metrics.attribution import intervention_strength
from symbiosis.metrics.circuits import jaccard
from symbiosis.metrics.recovery import live_units, top_live
from symbiosis.primary.models import clean_pass, split_units


def old_null(units_a, units_b, n_null, seed):
    g = torch.Generator().manual_seed(seed)
    b = units_b.cpu()
    return np.array([matched_correlation(units_a, b[torch.randperm(len(b), generator=g)])[1] for _ in range(n_null)])


def _summary(name, observed, null, n_null, tolerance=0.0):
    sd = null.std(ddof=1)
    return {
        f"{name}_null_mean": float(null.mean()),
        f"{name}_null_sd": float(sd),
        f"{name}_z": float((observed - null.mean()) / sd) if sd > 0 else float("nan"),
        f"{name}_p": float((1 + (null >= observed - tolerance).sum()) / (1 + n_null)),
    }


def old_agreement(scores_a, scores_b, circuits_a, circuits_b, perm, arch, n_null, seed, profile_b, live_b):
    """universality.agreement as it was: every null draw scored in a Python loop."""
    g = torch.Generator().manual_seed(seed)
    unit_nulls = universality.random_permutations(arch, n_null, seed)
    class_nulls = torch.argsort(torch.rand(n_null, len(scores_a), generator=g), dim=1)
    ranks_a, ranks_b = universality._standard_ranks(scores_a), universality._standard_ranks(scores_b)
    statistics_ = {
        "jaccard": lambda p, order: float(jaccard(universality.map_units(circuits_a, p), circuits_b[order]).mean()),
        "spearman": lambda p, order: float((universality.map_units(ranks_a, p) * ranks_b[order]).sum(-1).nanmean()),
    }
    identity, out = torch.arange(len(scores_a)), {}
    for name, statistic in statistics_.items():
        out[name] = observed = statistic(perm, identity)
        out |= _summary(f"{name}_class", observed, np.array([statistic(perm, o) for o in class_nulls]), n_null)
        out |= _summary(f"{name}_unit", observed, np.array([statistic(p, identity) for p in unit_nulls]), n_null)
    g = torch.Generator().manual_seed(seed)  # the profile null, one group at a time
    mapped, b = universality.map_units(circuits_a, perm), circuits_b
    index = torch.arange(b.shape[1]).expand(n_null, *b.shape).clone()
    groups = universality.profile_groups(profile_b, arch, universality.PROFILE_GROUP, live_b)
    for k, class_groups in enumerate(groups):
        for group in class_groups:
            index[:, k, group] = group[torch.argsort(torch.rand(n_null, len(group), generator=g), dim=1)]
    null = jaccard(mapped, torch.gather(b.expand(n_null, *b.shape), 2, index)).mean(-1).numpy()
    return out | _summary("jaccard_profile", float(jaccard(mapped, b).mean()), null, n_null, 1e-12)


@torch.no_grad()
def old_ablated_logits(primary, trunk, masks, means):
    conv, fc = primary.arch.slices.values()
    w = primary.fc1.weight.view(primary.fc1.out_features, primary.arch.conv2, -1)
    per_channel = torch.einsum("bcs,fcs->bcf", trunk.flatten(2), w)
    mean_channel = torch.einsum("cs,fcs->cf", means["conv2"].flatten(1), w)
    masks = masks.to(trunk.device, trunk.dtype)
    pre = primary.fc1(trunk.flatten(1)) + torch.einsum("mc,bcf->mbf", masks[:, conv], mean_channel - per_channel)
    h = F.relu(pre)
    return primary.fc2(h + masks[:, None, fc] * (means["fc1"] - h))


@torch.no_grad()
def old_resampled_logits(primary, trunk, masks, donor):
    n_conv, masks = primary.arch.conv2, masks.to(trunk.dtype)
    edit = primary.channel_products(donor) - primary.channel_products(trunk)
    h = F.relu(primary.fc1(trunk.flatten(1)) + torch.einsum("mc,bcf->mbf", masks[:, :n_conv], edit))
    return primary.fc2(h + masks[:, None, n_conv:] * (F.relu(primary.fc1(donor.flatten(1))) - h))


@torch.no_grad()
def old_curves(primary, trunk, units, y, scores, classes, live, sym, means, seed):
    """curves.circuit_curves as it was: every clean pass recomputed per class and method (summaries row by row)."""
    donor = trunk[curves.derangement(len(trunk), seed)]
    edits, rows = sym(units), []
    for k in classes:
        masks = curves.circuit_masks(scores[k], live, curves.FRACTIONS)
        both = torch.cat([masks, ~masks])
        gates, shifts = (None if e is None else e[k] for e in edits)
        kept = torch.where(both[:, None, :], gates[None], torch.ones((), dtype=gates.dtype))
        full = primary.classify(trunk, gates=split_units(gates[None], primary.arch))
        per_method = {
            "mean": old_ablated_logits(primary, trunk, both, means),
            "resample": old_resampled_logits(primary, trunk, both, donor),
            "gates": primary.classify(trunk, gates=split_units(kept, primary.arch)),
        }
        for logits in (primary.classify(trunk)[None], full, *per_method.values()):
            margin, correct = curves.margin_and_accuracy(logits, y)
            for mg, ok in zip(margin.double(), correct.double(), strict=True):
                rows.append([float(mg[y == k].mean()), float(mg[y != k].mean()), float(ok[y == k].mean())])
    return rows


def new_curves(primary, trunk, units, y, scores, classes, live, sym, means, seed):
    table = curves.circuit_curves(primary, trunk, units, y, scores, classes, live, sym, means, seed=seed)
    return table[["target_margin", "other_margin", "target_accuracy"]].values.tolist()


def interleaved(old, new, repeats: int) -> dict:
    times = {"old": [], "new": []}
    outputs = {}
    for _ in range(repeats):
        for name, fn in (("old", old), ("new", new)):
            t = time.perf_counter()
            outputs[name] = fn()
            times[name].append(time.perf_counter() - t)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {"old_s": medians["old"], "new_s": medians["new"], "ratio": medians["old"] / medians["new"]}, outputs


def _inputs(results: Path, level: str, seed: int, settings: AnalysisSettings):
    split = load_split(results / "data.safetensors")
    sel, ev = selection_split(split.y_test, settings.selection_fraction, settings.seed)
    out = {"y_sel": split.y_test[sel], "y_ev": split.y_test[ev]}
    for s in (seed, seed + 1):
        cnn = load_primary(results / f"models/s{level}-seed{s}/primary.safetensors")[0]
        sym = load_symbiotes(results / f"models/s{level}-seed{s}/symbiotes_symbiote.safetensors", cnn.arch)[0]
        out[s] = {
            "cnn": cnn,
            "sym": sym,
            "sel": clean_pass(cnn, split.x_test[sel]),
            "ev": clean_pass(cnn, split.x_test[ev]),
        }
    mlp = load_primary(results / f"mlp/s{level}-seed{seed}/primary.safetensors")[0]
    layers = mlp_layers(mlp, torch.device("cpu"))
    units = clean_units(mlp, layers, hooked.loader(split.x_test[sel], split.y_test[sel]))[0]
    out["mlp_act2"] = units[:, layers.slices["act2"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results/mnist5k"), help="a default run's results")
    parser.add_argument("--level", default="0")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--draws", type=int, default=1000, help="null draws (the default config's)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = AnalysisSettings(null_permutations=args.draws)
    data = _inputs(args.results, args.level, args.seed, settings)
    a, b = data[args.seed], data[args.seed + 1]
    cnn, arch, report = a["cnn"], a["cnn"].arch, {}

    fc1 = a["sel"].units[:, arch.slices["fc1"]]
    timing, out = interleaved(
        lambda: old_null(fc1, data["mlp_act2"], args.draws, 0),
        lambda: shuffled_matched_correlations(fc1, data["mlp_act2"], args.draws, 0),
        args.repeats,
    )
    report["null"] = timing | {"max_abs_difference": float(np.abs(out["old"] - out["new"]).max())}

    live_a, live_b = live_units(a["sel"].units), live_units(b["sel"].units)
    s_a, s_b = (intervention_strength(m["sym"], m["sel"].units, data["y_sel"]) for m in (a, b))
    c_a, c_b = top_live(s_a, live_a, 0.1), top_live(s_b, live_b, 0.1)
    perm = universality.match_units(a["sel"].units, b["sel"].units, arch)
    profile = universality.class_deviation(b["sel"].units, data["y_sel"], arch.n_classes).abs()
    agree = (s_a, s_b, c_a, c_b, perm, arch, args.draws, 0, profile, live_b)
    timing, out = interleaved(lambda: old_agreement(*agree), lambda: universality.agreement(*agree), args.repeats)
    report["agreement"] = timing | {"identical": out["old"] == out["new"]}

    trunk, y = a["sel"].trunk, data["y_sel"]
    eye = torch.eye(arch.n_units, dtype=torch.bool)
    timing, out = interleaved(
        lambda: ablation.per_class_logit_drop(cnn, trunk, y, eye, arch.n_classes, ablate=old_ablated_logits),
        lambda: ablation.unit_importance(cnn, trunk, y, arch.n_classes).T,
        args.repeats,
    )
    report["importance"] = timing | {"identical": torch.equal(out["old"], out["new"])}

    ev, means = a["ev"], ablation.unit_means(cnn, trunk)
    scores = s_a.nan_to_num(-torch.inf)
    case = (cnn, ev.trunk, ev.units, data["y_ev"], scores, list(range(arch.n_classes)), live_a, a["sym"], means, 0)
    timing, out = interleaved(lambda: old_curves(*case), lambda: new_curves(*case), args.repeats)
    report["curves"] = timing | {"identical": out["old"] == out["new"]}

    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    main()
