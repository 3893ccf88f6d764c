"""Device and thread selection: `auto` picks CUDA when present; the code path is the same on every device."""

from __future__ import annotations

import torch

from symbiosis.choices import DEVICES
from symbiosis.errors import SymbiosisError


def resolve_device(name: str) -> torch.device:
    if name not in DEVICES:
        raise SymbiosisError(f"unknown device {name!r}; use one of {', '.join(DEVICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SymbiosisError("device: cuda was asked for but no CUDA GPU is visible; set device: auto or cpu")
    return torch.device(name)


def set_threads(threads: int | None) -> None:
    """Pin torch's intra-op threads to the job's share of the machine (Snakemake's `threads`)."""
    if threads:
        torch.set_num_threads(int(threads))
