"""Cross-task universality: do a primary trained on one task and one trained on another represent a shared probe set
alike, layer by layer, more than a primary does with random networks of the same architecture?

Probe set: the first `n_probe` test images of each task, together (each model sees both tasks' images). Per gated
layer: linear CKA (Kornblith et al. 2019), plain and debiased, of the whole layer; and the mean activation correlation
of units matched one to one by the Hungarian algorithm (symbiosis.metrics.universality.match_units, conv2 channels by
their spatial mean). The null is the same quantity between model A and `n_random` random-init networks: the pair
exceeds its null when its value lies above every random one (with 19 draws, p <= 0.05 one-sided).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from symbiosis.checkpoint import load_primary
from symbiosis.data.datasets import load_split, to_float
from symbiosis.device import set_threads
from symbiosis.files import write_csv
from symbiosis.metrics.cka import debiased_linear_cka
from symbiosis.metrics.universality import correlation, layer_representations, linear_cka, match_units
from symbiosis.primary.models import PrimaryCNN, trunk_features, unit_activations


@torch.no_grad()
def _representations(model: PrimaryCNN, probe: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Each gated layer's whole activation [N, D] and the units' activations [N, U] (conv2 averaged over space)."""
    trunk = trunk_features(model, probe)
    _, acts = model.classify(trunk, return_activations=True)
    return layer_representations(model, trunk), unit_activations(acts)


def _scores(a: PrimaryCNN, reps_a, units_a, reps_b, units_b) -> dict[str, dict[str, float]]:
    perm = match_units(units_a, units_b, a.arch)
    out = {}
    for layer, s in a.arch.slices.items():
        matched = correlation(units_a[:, s], units_b[:, s])[torch.arange(s.stop - s.start), perm[s] - s.start]
        out[layer] = {
            "cka": linear_cka(reps_a[layer], reps_b[layer]),
            "debiased_cka": debiased_linear_cka(reps_a[layer].double(), reps_b[layer].double()),
            "matched_correlation": float(matched.mean()),
        }
    return out


def cross_task(
    a: PrimaryCNN, b: PrimaryCNN, probe_a: torch.Tensor, probe_b: torch.Tensor, n_random: int = 19, seed: int = 0
) -> pd.DataFrame:
    """One row per gated layer and score: the A-B value, the random nulls' mean and max, and whether A-B exceeds all."""
    probe = to_float(torch.cat([probe_a, probe_b]))
    reps_a, units_a = _representations(a, probe)
    pair = _scores(a, reps_a, units_a, *_representations(b, probe))
    torch.manual_seed(seed)
    nulls = [_scores(a, reps_a, units_a, *_representations(PrimaryCNN(b.arch).eval(), probe)) for _ in range(n_random)]
    rows = []
    for layer, scores in pair.items():
        for score, value in scores.items():
            null = torch.tensor([n[layer][score] for n in nulls])
            rows.append(
                {
                    "layer": layer,
                    "score": score,
                    "value": value,
                    "null_mean": float(null.mean()),
                    "null_max": float(null.max()),
                    "n_null": n_random,
                    "p": (int((null >= value).sum()) + 1) / (n_random + 1),
                    "exceeds_null": bool(value > null.max()),
                }
            )
    return pd.DataFrame(rows)


N_PROBE = 500  # test images of each task in the shared probe set
N_RANDOM = 19  # random-init networks in the null: the smallest count whose every-draw bound is p <= 0.05


def cross_task_step(
    data: list[Path], models_a: list[Path], models_b: list[Path], config: dict, out: Path, threads: int | None = None
) -> None:
    """`data`: the two tasks' data files; models_a[i] (task A) is paired with models_b[i] (task B, the same seed)."""
    set_threads(threads)
    split_a, split_b = (load_split(path) for path in data)
    rows = []
    for path_a, path_b in zip(models_a, models_b, strict=True):
        a, b = load_primary(path_a)[0], load_primary(path_b)[0]
        probe_a, probe_b = split_a.x_test[:N_PROBE], split_b.x_test[:N_PROBE]
        table = cross_task(a, b, probe_a, probe_b, N_RANDOM, config["analysis"]["seed"])
        rows.append(table.assign(model_a=str(path_a), model_b=str(path_b)))
    write_csv(out, pd.concat(rows, ignore_index=True))
