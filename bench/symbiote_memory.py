"""Peak memory of symbiote training against the size of its cache, for a full-size data set (default 60,000 images).

Each measurement runs in a fresh subprocess and reports its peak resident memory (`resource.getrusage`, ru_maxrss),
so that no allocation of one leaks into another:
- `baseline`: torch imported, the images and the primary built, nothing cached;
- `library`: `train_symbiotes` (one epoch, all ten classes) on them: the channel-product cache (N x conv2 x fc1
  floats) filled into one tensor allocated up front, each batch gathered into reused batch-sized buffers;
- `previous`: the loop this replaced (commit 6ffb0dc), kept here for the comparison: the cache built by `torch.cat`
  of chunks, and each epoch a shuffled copy of every cached tensor that the batches are views of; one epoch.
Reported: the peak of each, the cache's own size, and each peak above the baseline in units of the cache size.
The images are random (memory does not depend on their content) and the primary untrained. Nothing asserts a size.

    python bench/symbiote_memory.py --images 60000 --out bench/out/symbiote_memory.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

MODES = ("baseline", "library", "previous")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def previous_epoch(primary, x, y, arch, cfg) -> None:
    """One epoch of the previous `train_symbiotes` (its memory pattern; the history left out)."""
    import torch

    from symbiosis.primary.models import clean_pass
    from symbiosis.symbiote.symbiote import Symbiotes
    from symbiosis.symbiote.train import symbiote_loss

    clean = clean_pass(primary, x)
    with torch.no_grad():
        products = torch.cat([primary.channel_products(tb) for tb in clean.trunk.split(1024)])
    data = (clean.trunk.contiguous(), clean.units, products, y)
    shuffled = [torch.empty_like(t) for t in data]
    sym = Symbiotes(arch, primary.arch, seed=cfg.seed)
    sym.fit_scale(clean.units)
    classes = torch.tensor(arch.classes)
    opt = torch.optim.Adam(sym.parameters(), lr=cfg.lr)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(cfg.seed))
    for t, out in zip(data, shuffled, strict=True):
        torch.index_select(t, 0, order, out=out)
    for trunk_b, units_b, products_b, y_b in zip(*(t.split(cfg.batch_size) for t in shuffled), strict=True):
        logits, penalty = sym.edit(primary, trunk_b, units_b, products_b)
        loss = symbiote_loss(logits, y_b, classes, penalty, cfg.alpha, cfg.lam)
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()


def child(mode: str, n_images: int) -> dict:
    import torch

    from symbiosis.primary.models import PrimaryArch, PrimaryCNN
    from symbiosis.symbiote.symbiote import SymbioteArch
    from symbiosis.symbiote.train import SymbioteTraining, train_symbiotes

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n_images, 1, 28, 28), dtype=torch.uint8, generator=gen)
    y = torch.arange(n_images) % 10
    primary = PrimaryCNN(PrimaryArch()).eval().requires_grad_(False)
    if mode == "library":
        train_symbiotes(primary, x, y, SymbioteArch(), SymbioteTraining(epochs=1))
    elif mode == "previous":
        previous_epoch(primary, x, y, SymbioteArch(), SymbioteTraining(epochs=1))
    cache_mib = n_images * primary.arch.conv2 * primary.arch.fc1 * 4 / 2**20
    return {"mode": mode, "images": n_images, "peak_mib": peak_mib(), "cache_mib": cache_mib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.images)))
        return
    runs = {}
    for mode in MODES:
        cmd = [sys.executable, __file__, "--child", mode, "--images", str(args.images)]
        runs[mode] = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        print(runs[mode], flush=True)
    base, cache = runs["baseline"]["peak_mib"], runs["baseline"]["cache_mib"]
    result = {
        "images": args.images,
        "cache_mib": cache,
        "peak_mib": {mode: run["peak_mib"] for mode, run in runs.items()},
        "above_baseline_in_caches": {m: (runs[m]["peak_mib"] - base) / cache for m in MODES[1:]},
    }
    print(json.dumps(result, indent=1))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
