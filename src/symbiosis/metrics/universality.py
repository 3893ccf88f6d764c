"""Cross-model universality (claim 3): do primaries trained from different seeds share units and circuits?

- matching: per gated layer, the Hungarian algorithm (scipy's linear_sum_assignment) on the correlation of the two
  models' unit activations over the same inputs (Li et al. 2016, "Convergent learning"): pi[u_A] = u_B;
- circuit agreement: Jaccard(pi(C_k^A), C_k^B) and Spearman of the mapped scores pi(s_k^A) against s_k^B, averaged
  over classes, each against permutation nulls (z-score and permutation p-value; see `agreement`);
- linear CKA per layer (Kornblith et al. 2019), beside the CKA of model A with a randomly initialised network;
- transfer: the class-k symbiote of A applied to B through pi, and the share of its target-accuracy drop that survives.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from scipy.optimize import linear_sum_assignment

from symbiosis.metrics.circuits import jaccard, jaccard_of_counts
from symbiosis.primary.models import PrimaryArch, PrimaryCNN


def standardised(x: torch.Tensor) -> torch.Tensor:
    """The columns of x [N, U] centred and scaled to unit norm, in float64 (a constant column stays 0)."""
    z = x.double() - x.double().mean(0)
    return z / z.norm(dim=0).clamp_min(1e-12)


def correlation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """[Ua, Ub] Pearson correlation of the columns of a [N, Ua] and b [N, Ub]; 0 for a constant (dead) unit."""
    return standardised(a).T @ standardised(b)


def match_units(units_a: torch.Tensor, units_b: torch.Tensor, arch: PrimaryArch) -> torch.Tensor:
    """pi [U]: for each unit of model A the unit of model B it is matched to, layer by layer (maximum correlation)."""
    perm = torch.empty(arch.n_units, dtype=torch.long)
    for s in arch.slices.values():
        rows, cols = linear_sum_assignment(correlation(units_a[:, s], units_b[:, s]).cpu().numpy(), maximize=True)
        perm[s.start + rows] = torch.as_tensor(s.start + cols)
    return perm


def map_units(values: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """Move values [..., U] indexed by A's units to B's positions: out[..., perm[u]] = values[..., u]."""
    out = torch.empty_like(values)
    out[..., perm] = values
    return out


# Units per group of the profile null. bench/universality_null.py, 100 pairs of random networks at the default widths,
# false-positive rate at alpha 0.05 of signed / absolute exact-importance circuits: groups of 2: 0.09 / 0.06, of 3:
# 0.08 / 0.08, of 5: 0.06 / 0.13 (holding the standardised deviation instead: 0.23-0.31 / 0.50-0.69; the class null:
# 0.31 / 0.69). Only groups of 2 stay within the bound of 0.1 for both.
PROFILE_GROUP = 2


def random_permutations(arch: PrimaryArch, n: int, seed: int) -> torch.Tensor:
    """[n, U] random permutations that keep every unit in its layer: the null of the matching."""
    g = torch.Generator().manual_seed(seed)
    parts = [s.start + torch.argsort(torch.rand(n, s.stop - s.start, generator=g), dim=1) for s in arch.slices.values()]
    return torch.cat(parts, dim=1)


def _standard_ranks(scores: torch.Tensor) -> torch.Tensor:
    """Row-wise ranks (ties averaged), centred and scaled to unit norm: Spearman rho is then a dot product."""
    r = torch.as_tensor(stats.rankdata(scores.cpu().numpy(), axis=-1), dtype=torch.float64)
    r = r - r.mean(-1, keepdim=True)
    return r / r.norm(dim=-1, keepdim=True)  # a constant row gives NaN, left out of the class mean


def map_units_each(values: torch.Tensor, perms: torch.Tensor) -> torch.Tensor:
    """`map_units` for every permutation of perms [D, U] at once: values [K, U] -> [D, K, U]."""
    index = perms[:, None, :].expand(len(perms), *values.shape)
    return torch.empty(index.shape, dtype=values.dtype).scatter_(2, index, values.expand(len(perms), *values.shape))


def _null_summary(name: str, observed: float, null: np.ndarray, n_null: int) -> dict:
    sd = null.std(ddof=1)
    return {
        f"{name}_null_mean": float(null.mean()),
        f"{name}_null_sd": float(sd),
        f"{name}_z": float((observed - null.mean()) / sd) if sd > 0 else float("nan"),
        f"{name}_p": float((1 + (null >= observed).sum()) / (1 + n_null)),
    }


def agreement(
    scores_a: torch.Tensor,
    scores_b: torch.Tensor,
    circuits_a: torch.Tensor,
    circuits_b: torch.Tensor,
    perm: torch.Tensor,
    arch: PrimaryArch,
    n_null: int,
    seed: int,
    profile_b: torch.Tensor | None = None,
    live_b: torch.Tensor | None = None,
) -> dict:
    """Mean over classes of Jaccard(pi(C_A), C_B) and of Spearman(pi(s_A), s_B), each against two nulls of n_null
    draws (z-score, and p = (1 + #null >= observed) / (1 + n_null)):

    - "class": the classes of B shuffled (C_k^A against C_sigma(k)^B): is the circuit of class k in A closer to the
      circuit of the same class in B than to another class's? Units that matter to every class cancel out;
    - "unit": the matching replaced by random within-layer permutations. Random networks already beat this one
      (units that matter to every class line up); reported beside the others;
    - "profile" (Jaccard only, when B's |class deviation| `profile_b` is given): `profile_null`, the one calibrated
      on random networks (ground truth), on which the paper's universality claims rest.

    Every null draw is scored at once: the class null reads the [K, K] matrix of class-against-class statistics, the
    unit null maps A's values through all permutations in one scatter (the same numbers as one draw at a time, bit for
    bit: bench/analysis_speed.py).
    """
    g = torch.Generator().manual_seed(seed)
    unit_nulls = random_permutations(arch, n_null, seed)
    class_nulls = torch.argsort(torch.rand(n_null, len(scores_a), generator=g), dim=1)
    ranks_a, ranks_b = _standard_ranks(scores_a), _standard_ranks(scores_b)
    circuits_a, circuits_b = circuits_a.cpu(), circuits_b.cpu()
    mapped = {"jaccard": map_units(circuits_a, perm), "spearman": map_units(ranks_a, perm)}
    statistics = {  # [..., K, U] values of A mapped to B's units -> [..., K] per class, against B's own class
        "jaccard": lambda values, b: jaccard(values, b),
        "spearman": lambda values, b: (values * b).sum(-1),
    }
    own_b = {"jaccard": circuits_b, "spearman": ranks_b}
    each_a = {"jaccard": map_units_each(circuits_a, unit_nulls), "spearman": map_units_each(ranks_a, unit_nulls)}
    classes = torch.arange(len(scores_a))
    out = {}
    for name, statistic in statistics.items():
        mean = torch.Tensor.mean if name == "jaccard" else torch.Tensor.nanmean
        observed = float(mean(statistic(mapped[name], own_b[name])))
        out[name] = observed
        cross = statistic(mapped[name][:, None], own_b[name][None])  # [K, K]: class i of A against class j of B
        out |= _null_summary(f"{name}_class", observed, mean(cross[classes, class_nulls], -1).numpy(), n_null)
        unit = mean(statistic(each_a[name], own_b[name]), -1).numpy()
        out |= _null_summary(f"{name}_unit", observed, unit, n_null)
    if profile_b is not None:
        out |= profile_null(circuits_a, circuits_b, perm, profile_b, arch, PROFILE_GROUP, n_null, seed, live_b)
    return out


def linear_cka(x: torch.Tensor, y: torch.Tensor) -> float:
    """Linear CKA of two representations of the same inputs, x [N, D] and y [N, E] (Kornblith et al. 2019)."""
    x = x.double().flatten(1)
    y = y.double().flatten(1)
    x, y = x - x.mean(0), y - y.mean(0)
    cross = (y.T @ x).norm() ** 2
    denom = (x.T @ x).norm() * (y.T @ y).norm()
    return float(cross / denom) if denom > 0 else float("nan")


@torch.no_grad()
def layer_representations(primary: PrimaryCNN, trunk: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each gated layer's full activation on the inputs (conv2 as whole maps, flattened): what CKA compares."""
    _, acts = primary.classify(trunk, return_activations=True)
    return {name: a.flatten(1) for name, a in acts.items()}


def permute_primary(primary: PrimaryCNN, perm: torch.Tensor) -> PrimaryCNN:
    """A copy of the primary with its gated units moved: unit u of the original is unit perm[u] of the copy.

    The copy computes exactly the same function (a known-answer case for matching)."""
    arch = primary.arch
    conv_perm, fc_perm = (perm[s] - s.start for s in arch.slices.values())
    inv_conv, inv_fc = torch.argsort(conv_perm), torch.argsort(fc_perm)
    state = {k: v.clone() for k, v in primary.state_dict().items()}
    state["conv2.weight"], state["conv2.bias"] = state["conv2.weight"][inv_conv], state["conv2.bias"][inv_conv]
    side = arch.image_size // 4
    w = state["fc1.weight"].view(arch.fc1, arch.conv2, side * side)[:, inv_conv].reshape(arch.fc1, -1)
    state["fc1.weight"], state["fc1.bias"] = w[inv_fc], state["fc1.bias"][inv_fc]
    state["fc2.weight"] = state["fc2.weight"][:, inv_fc]
    copy = PrimaryCNN(arch)
    copy.load_state_dict(state)
    return copy.to(next(primary.parameters()).device).eval()


def transfer_share(drop_own: torch.Tensor, drop_transferred: torch.Tensor) -> torch.Tensor:
    """Per class: the share of A's own target-accuracy drop that A's symbiote, moved to B, still causes in B
    (NaN where A's symbiote caused no drop: nothing to transfer)."""
    return torch.where(drop_own > 0, drop_transferred / drop_own.clamp_min(1e-12), float("nan"))


def class_deviation(units: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[n_classes, U]: each unit's class-conditional mean activation minus its overall mean, in the unit's own scale:
    what the data alone make of a unit before any readout weight. For an fc1 unit the exact importance is its fc2
    weight times this (issue 13), so this, not the standardised deviation, is what the profile null holds fixed
    (bench/universality_null.py: false-positive rate 0.06-0.09 holding it, 0.23-0.69 holding the standardised one)."""
    units = units.double()
    means = torch.stack([units[y.to(units.device) == c].mean(0) for c in range(n_classes)])
    return means - units.mean(0)


def profile_groups(profile: torch.Tensor, arch: PrimaryArch, size: int, live: torch.Tensor | None = None) -> list:
    """Per class, the groups of units the profile null permutes within: each layer's live units in order of the class
    profile (e.g. |class_deviation|), cut into runs of `size` neighbours (dead units stay where they are: no circuit
    holds them)."""
    live = torch.ones(profile.shape[1], dtype=torch.bool) if live is None else live.cpu()
    out = []
    for row in profile.cpu():
        groups = []
        for s in arch.slices.values():
            units = s.start + torch.nonzero(live[s]).flatten()
            order = units[torch.argsort(row[units], stable=True)]
            groups += [g for g in torch.split(order, size) if len(g) > 1]
        out.append(groups)
    return out


def profile_null(
    circuits_a: torch.Tensor,
    circuits_b: torch.Tensor,
    perm: torch.Tensor,
    profile_b: torch.Tensor,
    arch: PrimaryArch,
    size: int,
    n_null: int,
    seed: int,
    live_b: torch.Tensor | None = None,
) -> dict:
    """Mean over classes of Jaccard(pi(C_k^A), C_k^B) against a null that keeps what the data alone explain.

    Matching on activations pairs units whose class-conditional deviations agree (over matched units of two random
    networks, |deviation| correlates at 0.59), so any circuit that follows the deviation agrees across unrelated
    random networks, and the class-permutation null rejects for 31 % of random pairs at alpha 0.05
    (bench/universality_null.py). Here each null draw moves B's class-k circuit only among B's units of the same
    layer with neighbouring |class-k deviation| (groups of `size`, `profile_groups`): the circuit keeps its relation
    to what the data make of each unit and loses only its unit identity. p = (1 + #null >= observed) / (1 + n_null).
    """
    mapped = map_units(circuits_a.cpu(), perm)
    b = circuits_b.cpu()
    inter = _shuffled_overlaps(mapped, b, profile_groups(profile_b, arch, size, live_b), n_null, seed)
    null = jaccard_of_counts(inter, mapped.sum(-1) + b.sum(-1) - inter).mean(-1).numpy()  # a shuffle keeps |C_B|
    observed = float(jaccard(mapped, b).mean())
    sd = null.std(ddof=1)
    return {
        "jaccard_profile_null_mean": float(null.mean()),
        "jaccard_profile_null_sd": float(sd),
        "jaccard_profile_z": float((observed - null.mean()) / sd) if sd > 0 else float("nan"),
        "jaccard_profile_p": float((1 + (null >= observed - 1e-12).sum()) / (1 + n_null)),
    }


def _shuffled_overlaps(mapped: torch.Tensor, b: torch.Tensor, groups: list, n_null: int, seed: int) -> torch.Tensor:
    """[n_null, K] |pi(C_k^A) & C_k^B| with B's circuits shuffled within each group of class k's units
    (`profile_groups`) in every draw. The uniforms come from one generator in the order of a loop over classes, groups
    and draws (one `rand(n_null, len(group))` per group, argsorted: the draws of the loop this replaces, bit for bit);
    only the grouped units' overlaps are recounted per draw (bench/analysis_speed.py)."""
    g = torch.Generator().manual_seed(seed)
    flat = [(k, group) for k, class_groups in enumerate(groups) for group in class_groups]
    grouped = torch.zeros_like(b)
    for k, group in flat:
        grouped[k, group] = True
    inter = (mapped & b & ~grouped).sum(-1).expand(n_null, -1).clone()  # units no draw moves
    if not flat:
        return inter
    lengths = torch.tensor([len(group) for _, group in flat])
    uniforms = torch.rand(int(lengths.sum()) * n_null, generator=g)
    starts = torch.cumsum(lengths * n_null, 0) - lengths * n_null
    for length in lengths.unique().tolist():  # one batch per group length (one batch: all 2 with PROFILE_GROUP)
        which = torch.nonzero(lengths == length).flatten()
        taken = uniforms if len(which) == len(flat) else uniforms[starts[which, None] + torch.arange(n_null * length)]
        draws = taken.view(len(which), n_null, length)
        units = torch.stack([flat[i][1] for i in which.tolist()])  # [G, length]
        classes = torch.tensor([flat[i][0] for i in which.tolist()])
        in_a, in_b = mapped[classes[:, None], units], b[classes[:, None], units]  # [G, length]
        if length == 2:  # argsort of two uniforms swaps them iff the second is smaller (ties keep the order)
            kept, swapped = (in_a & in_b).sum(-1), (in_a & in_b.flip(-1)).sum(-1)
            overlap = torch.where(draws[..., 1] < draws[..., 0], swapped[:, None], kept[:, None])
        else:  # position j takes the value of unit order[j]
            moved = torch.gather(in_b[:, None].expand(-1, n_null, -1), 2, torch.argsort(draws, dim=2))
            overlap = (in_a[:, None] & moved).sum(-1)
        inter.index_add_(1, classes, overlap.T)
    return inter
