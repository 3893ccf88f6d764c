"""Why the class-permutation null of circuit agreement is not calibrated on random networks (issue 13), measured.

For many pairs of unrelated randomly initialised primaries, the exact-importance circuits are matched as the ground
truth does, and the agreement p-value is computed under several nulls; the false-positive rate at alpha 0.05 of each
is printed, with the correlation between A's and B's class-conditional activation profiles over matched units.

    PYTHONPATH=src python bench/universality_null.py --draws 100 --out bench/out/universality_null.csv
"""

import argparse
from pathlib import Path

import pandas as pd
import torch

from symbiosis.data.datasets import load_mnist5k
from symbiosis.metrics import universality
from symbiosis.metrics.ablation import unit_importance
from symbiosis.metrics.circuits import jaccard
from symbiosis.metrics.features import top_units
from symbiosis.metrics.ground_truth import class_null_p
from symbiosis.primary.models import PrimaryArch, PrimaryCNN, clean_pass

ARCH = PrimaryArch(conv1=16, conv2=32, fc1=192)  # the default config's widths


def one_pair(x, y, generator, n_null: int, fraction: float) -> dict:
    nets = []
    for _ in range(2):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
        net = PrimaryCNN(ARCH).eval()
        clean = clean_pass(net, x)
        importance = unit_importance(net, clean.trunk, y, ARCH.n_classes)
        raw = universality.class_deviation(clean.units, y, ARCH.n_classes)
        standardised = raw / clean.units.double().std(0).clamp_min(1e-12)
        nets.append((clean.units, importance, {"std_abs": standardised.abs(), "raw_abs": raw.abs()}))
    (units_a, imp_a, prof_a), (units_b, imp_b, prof_b) = nets
    found = universality.match_units(units_a, units_b, ARCH)
    shuffled = universality.random_permutations(ARCH, 1, int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))[0]
    row = {}
    for ranking, (sa, sb) in {
        "importance": (imp_a, imp_b),
        "importance_abs": (imp_a.abs(), imp_b.abs()),
    }.items():
        ca, cb = top_units(sa, fraction), top_units(sb, fraction)
        for matching, perm in (("matched", found), ("random_matching", shuffled)):
            mapped = universality.map_units(ca, perm)
            row[f"{ranking}_{matching}_class_p"] = class_null_p(jaccard(mapped[:, None], cb[None]), n_null, generator)
        row[f"{ranking}_diag_minus_offdiag"] = float(
            (lambda m: m.diagonal().mean() - (m.sum() - m.diagonal().sum()) / (m.numel() - len(m)))(
                jaccard(universality.map_units(ca, found)[:, None], cb[None])
            )
        )
        for name, stratifier in prof_b.items():
            for size in (2, 3, 5):
                seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
                null = universality.profile_null(ca, cb, found, stratifier, ARCH, size, n_null, seed)
                row[f"{ranking}_profile_{name}{size}_p"] = null["jaccard_profile_p"]
    mapped_profile = universality.map_units(prof_a["std_abs"], found)
    prof_b = prof_b["std_abs"]
    pairs = torch.stack([mapped_profile.flatten(), prof_b.flatten()])
    row["profile_abs_corr_matched"] = float(torch.corrcoef(pairs)[0, 1])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--null", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/universality_null.csv"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    split = load_mnist5k()
    x, y = split.x_test[: args.images], split.y_test[: args.images]
    generator = torch.Generator().manual_seed(0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = []
    for draw in range(args.draws):
        done.append(one_pair(x, y, generator, args.null, 0.1))
        rows = pd.DataFrame(done)
        rows.to_csv(args.out, index=False)  # every draw, so that a stopped run keeps what it measured
        print(f"draw {draw + 1}: {(rows.filter(like='_p') <= 0.05).mean().round(3).to_dict()}", flush=True)
    rates = (rows.filter(like="_p") <= 0.05).mean().rename("false_positive_rate")
    print(rates.to_string())
    print(rows.filter(like="corr").describe().loc[["mean", "std"]].to_string())
    print(rows.filter(like="diag").describe().loc[["mean", "std"]].to_string())


if __name__ == "__main__":
    main()
