"""Cross-task universality: do a primary trained on one task and one trained on another represent a shared probe set
alike, layer by layer, more than a primary does with random networks of the same architecture?

Probe set: the first `probe_images` test images of each task, together (each model sees both tasks' images). Per gated
layer: linear CKA (Kornblith et al. 2019), plain and debiased, of the whole layer; and the mean activation correlation
of units matched one to one by the Hungarian algorithm (symbiosis.metrics.universality.match_units, conv2 channels by
their spatial mean). The null is the same quantity between model A, and separately model B, and `random_networks`
random-init networks (config cross_task): p is the share of them at or above the pair, the pair counted (Monte Carlo,
so never below 1 / (random_networks + 1)), and p_below the same for at or below. Each model's Gram matrices are
computed once: both CKAs read them (tests/test_cross_task.py checks that they equal symbiosis.metrics.cka's), so a
random network costs one forward pass and one Gram matrix per layer, shared by both nulls.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from symbiosis.checkpoint import load_primary
from symbiosis.data.datasets import load_split, to_float
from symbiosis.device import set_threads
from symbiosis.files import write_csv
from symbiosis.metrics.cka import centred_gram, cka_from_grams
from symbiosis.metrics.universality import correlation, layer_representations, match_units
from symbiosis.primary.models import PrimaryCNN, trunk_features, unit_activations


@torch.no_grad()
def _representations(model: PrimaryCNN, probe: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Each gated layer's centred Gram matrix [N, N] and the units' activations [N, U] (conv2 averaged over space)."""
    trunk = trunk_features(model, probe)
    _, acts = model.classify(trunk, return_activations=True)
    grams = {layer: centred_gram(rep) for layer, rep in layer_representations(model, trunk).items()}
    return grams, unit_activations(acts)


def _scores(a: PrimaryCNN, grams_a, units_a, grams_b, units_b) -> dict[str, dict[str, float]]:
    perm = match_units(units_a, units_b, a.arch)
    out = {}
    for layer, s in a.arch.slices.items():
        matched = correlation(units_a[:, s], units_b[:, s])[torch.arange(s.stop - s.start), perm[s] - s.start]
        cka, debiased = cka_from_grams(grams_a[layer], grams_b[layer])
        out[layer] = {"cka": cka, "debiased_cka": debiased, "matched_correlation": float(matched.mean())}
    return out


def _share_at_or_beyond(null: torch.Tensor, value: float) -> float:
    """The Monte Carlo p of `value` above its `null` draws: the share at or above it, the value counted."""
    return (int((null >= value).sum()) + 1) / (len(null) + 1)


def cross_task(
    a: PrimaryCNN,
    b: PrimaryCNN,
    probe_a: torch.Tensor,
    probe_b: torch.Tensor,
    n_random: int = 999,
    seed: int = 0,
    same_task: PrimaryCNN | None = None,
) -> pd.DataFrame:
    """One row per gated layer, score and side: the A-B value against the null of A with random networks (side "a")
    and of B with the same random networks (side "b"): the nulls' mean, min and max, and the Monte Carlo p of A-B
    above (p) and below (p_below) them. `same_task`, another primary of A's task: its value with A on the same probe
    (`same_task_value`), the reference a cross-task value is read against, and its p above A's null (`same_task_p`):
    the positive control, whether the test can find two trained networks of one task alike."""
    probe = to_float(torch.cat([probe_a, probe_b]))
    side = {"a": _representations(a, probe), "b": _representations(b, probe)}
    pair = _scores(a, *side["a"], *side["b"])
    reference = _scores(a, *side["a"], *_representations(same_task, probe)) if same_task is not None else None
    torch.manual_seed(seed)
    nulls = {"a": [], "b": []}
    for _ in range(n_random):
        random = _representations(PrimaryCNN(b.arch).eval(), probe)
        for name, model in (("a", a), ("b", b)):
            nulls[name].append(_scores(model, *side[name], *random))
    rows = []
    for layer, scores in pair.items():
        for score, value in scores.items():
            for name, draws in nulls.items():
                null = torch.tensor([n[layer][score] for n in draws], dtype=torch.float64)
                same = reference[layer][score] if reference else float("nan")
                rows.append(
                    {
                        "layer": layer,
                        "score": score,
                        "side": name,
                        "value": value,
                        "same_task_value": same,
                        # the positive control: the same-task pair against A's null (side a only)
                        "same_task_p": _share_at_or_beyond(null, same) if reference and name == "a" else float("nan"),
                        "null_mean": float(null.mean()),
                        "null_min": float(null.min()),
                        "null_max": float(null.max()),
                        "n_null": n_random,
                        "p": _share_at_or_beyond(null, value),
                        "p_below": _share_at_or_beyond(-null, -value),
                    }
                )
    return pd.DataFrame(rows)


def cross_task_step(
    data: list[Path], models_a: list[Path], models_b: list[Path], config: dict, out: Path, threads: int | None = None
) -> None:
    """`data`: the two tasks' data files; models_a[i] (task A) is paired with models_b[i] (task B, the same seed),
    and A's same-task reference is the next seed's model of task A (none with one seed)."""
    set_threads(threads)
    split_a, split_b = (load_split(path) for path in data)
    n_probe, n_random = config["cross_task"]["probe_images"], config["cross_task"]["random_networks"]
    rows = []
    for i, (path_a, path_b) in enumerate(zip(models_a, models_b, strict=True)):
        a, b = load_primary(path_a)[0], load_primary(path_b)[0]
        same_task = load_primary(models_a[(i + 1) % len(models_a)])[0] if len(models_a) > 1 else None
        probe_a, probe_b = split_a.x_test[:n_probe], split_b.x_test[:n_probe]
        table = cross_task(a, b, probe_a, probe_b, n_random, config["analysis"]["seed"], same_task)
        rows.append(table.assign(model_a=str(path_a), model_b=str(path_b)))
    write_csv(out, pd.concat(rows, ignore_index=True))
