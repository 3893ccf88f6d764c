"""Checkpoints: safetensors weights (never pickles) plus a JSON sidecar of config, metrics and provenance.

The safetensors header carries the kind of network and its architecture; loading compares both with what the caller
expects and refuses anything else with one clear line.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from symbiosis.errors import SymbiosisError
from symbiosis.files import read_json, write_json, write_with
from symbiosis.primary.models import PrimaryArch, PrimaryCNN


def sidecar_path(path: str | Path) -> Path:
    return Path(path).with_suffix(".json")


def save_tensors(path: str | Path, tensors: dict[str, torch.Tensor], kind: str, arch: dict, sidecar) -> None:
    """Write weights and sidecar atomically; the sidecar is written last so its presence marks a complete save."""
    # One metadata key: safetensors writes metadata from a hash map, so several keys come out in varying order.
    meta = {"symbiosis": json.dumps({"kind": kind, "arch": arch}, sort_keys=True)}
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    sidecar = sidecar.to_json() if hasattr(sidecar, "to_json") else sidecar  # a record of symbiosis.records
    write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))
    write_json(sidecar_path(path), {"kind": kind, "arch": arch, **sidecar})


def load_tensors(path: str | Path, kind: str, arch: dict | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    """Read a checkpoint of `kind`; if `arch` is given, refuse one saved for another architecture."""
    path = Path(path)
    if not path.exists():
        raise SymbiosisError(f"checkpoint {path} does not exist; train it first (see `symbiosis --help`)")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("symbiosis", "{}"))
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # a pickle, a truncated file, random bytes or bad metadata: never unpickled, refused
        raise SymbiosisError(
            f"{path} is not a valid safetensors checkpoint ({type(e).__name__}); "
            "delete it and retrain (pickled checkpoints are never loaded)"
        ) from None
    if meta.get("kind") != kind:
        raise SymbiosisError(f"{path} holds a {meta.get('kind', 'unknown')!r} checkpoint, expected {kind!r}")
    saved = meta.get("arch")
    if arch is not None and saved != arch:
        raise SymbiosisError(
            f"{path} was saved for architecture {saved}, not {arch}; "
            "retrain it or set the architecture in the config to match"
        )
    return tensors, saved


def save_primary(path: str | Path, model: PrimaryCNN, sidecar) -> None:
    save_tensors(path, model.state_dict(), "primary", model.arch.as_dict(), sidecar)


def load_primary(
    path: str | Path, arch: PrimaryArch | None = None, device: torch.device | str = "cpu"
) -> tuple[PrimaryCNN, dict]:
    """Load a primary and its sidecar; with `arch`, refuse a checkpoint of any other architecture."""
    tensors, saved = load_tensors(path, "primary", arch.as_dict() if arch is not None else None)
    try:
        model = _build_primary(saved)
        model.load_state_dict(tensors, strict=True)
    except (TypeError, RuntimeError) as e:
        raise SymbiosisError(f"{path} does not match the primary architecture ({str(e).splitlines()[0]})") from None
    sidecar = read_json(sidecar_path(path)) if sidecar_path(path).exists() else {}
    return model.to(device).eval(), sidecar


def _build_primary(saved: dict):
    """The network a saved architecture describes: the CNN (no "kind"), or the MLP ("kind": "mlp")."""
    if saved.get("kind") == "mlp":
        from symbiosis.primary.mlp import MLPArch, PrimaryMLP

        return PrimaryMLP(MLPArch(**{k: v for k, v in saved.items() if k != "kind"}))
    return PrimaryCNN(PrimaryArch(**saved))


def save_symbiotes(path: str | Path, sym, sidecar) -> None:
    arch = {"symbiote": sym.arch.as_dict(), "primary": sym.primary_arch.as_dict()}
    save_tensors(path, sym.state_dict(), "symbiotes", arch, sidecar)


def load_symbiotes(path: str | Path, primary: PrimaryArch, device: torch.device | str = "cpu"):
    """Load the symbiotes of one primary; refuse symbiotes trained for a primary of another architecture."""
    from symbiosis.symbiote.symbiote import SymbioteArch, Symbiotes

    tensors, saved = load_tensors(path, "symbiotes")
    if saved.get("primary") != primary.as_dict():
        raise SymbiosisError(
            f"{path} holds symbiotes for a primary of architecture {saved.get('primary')}, not {primary.as_dict()}; "
            "train symbiotes for this primary (symbiosis train-symbiotes)"
        )
    try:
        arch = SymbioteArch(**{**saved["symbiote"], "classes": tuple(saved["symbiote"]["classes"])})
        sym = Symbiotes(arch, primary)
        sym.load_state_dict(tensors, strict=True)
    except (TypeError, ValueError, RuntimeError) as e:
        raise SymbiosisError(f"{path} does not hold valid symbiotes ({str(e).splitlines()[0]})") from None
    sidecar = read_json(sidecar_path(path)) if sidecar_path(path).exists() else {}
    return sym.to(device).eval(), sidecar
