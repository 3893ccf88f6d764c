"""Which layers of any `nn.Module` are gated, and the forward hooks that read and edit them.

A gated layer is a submodule, named as in `model.named_modules()`, whose output is one tensor with the batch first:
- "linear": [B, U], one unit per feature;
- "tokens": [B, T, D], one unit per feature of the last dimension (a transformer block's output), shared by tokens;
- "conv": [B, C, H, W], one unit per channel, shared by positions.
A per-unit value v [N, U] (a gate, a shift, an ablation mask) acts on every position or token of its unit;
a unit's summary activation (what a symbiote reads) is its mean over positions or tokens.

The layer description is found by one probe pass (`describe`), which also refuses, in one line each, a name that does
not exist, an output that is not a single tensor of one of these shapes, a module that forward never calls, or one
it calls more than once (a gate would then act twice).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import torch
from torch import nn

from symbiosis.errors import SymbiosisError
from symbiosis.primary.models import unit_slices

KIND_OF_DIM = {2: "linear", 3: "tokens", 4: "conv"}
UNIT_AXIS = {"linear": 1, "tokens": 2, "conv": 1}  # where a layer's units lie in its output


@dataclass(frozen=True)
class GatedLayer:
    name: str
    kind: str  # "linear", "tokens" or "conv"
    units: int


@dataclass(frozen=True)
class GatedLayers:
    """The gated layers of one model, in the order forward calls them; units are numbered through them in order.

    fork: K edits of one batch may share the model's pass up to the first gated layer, which then repeats its output
    K times, instead of running the input K times (checked on the probe batch by `describe`)."""

    layers: tuple[GatedLayer, ...]
    fork: bool = False

    @property
    def units(self) -> dict[str, int]:
        """Units per layer (the same shape as `PrimaryArch.units`, so the universality code accepts it)."""
        return {layer.name: layer.units for layer in self.layers}

    @property
    def n_units(self) -> int:
        return sum(layer.units for layer in self.layers)

    @property
    def slices(self) -> dict[str, slice]:
        return unit_slices(self.units)

    def split(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """[..., U] -> {layer: [..., units]}."""
        return dict(zip(self.units, flat.split(list(self.units.values()), dim=-1), strict=True))

    def unit_names(self) -> list[tuple[str, int]]:
        """(layer, index within the layer) of every unit, in order."""
        return [(layer.name, i) for layer in self.layers for i in range(layer.units)]

    def as_dict(self) -> dict:
        return {"layers": [vars(layer) for layer in self.layers], "fork": self.fork}


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's parameters (or buffers); CPU for a model that has none."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def check_device(model: nn.Module, x: torch.Tensor) -> None:
    device = model_device(model)
    if x.device != device:
        raise SymbiosisError(
            f"the model is on {device} but its input is on {x.device}; move one of them (x.to(device) or model.to(...))"
        )


def _submodule(model: nn.Module, name: str) -> nn.Module:
    try:
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n]
        near = difflib.get_close_matches(name, names, n=5, cutoff=0.5) or names[:8]
        raise SymbiosisError(
            f"{type(model).__name__} has no layer {name!r}; nearby names: {', '.join(near) or '(none)'}"
        ) from None


def describe(model: nn.Module, names: Sequence[str], example: torch.Tensor) -> GatedLayers:
    """The gated layers `names` of `model`, found by one forward pass on an `example` batch (on the model's device)."""
    if not names:
        raise SymbiosisError("name at least one layer to gate")
    check_device(model, example)
    seen: dict[str, list] = {name: [] for name in names}
    order = []

    def probe(name):
        def hook(module, args, out):
            seen[name].append(out)
            order.append(name)

        return hook

    handles = [_submodule(model, name).register_forward_hook(probe(name)) for name in names]
    try:
        with torch.no_grad():
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    checked = {name: _layer(name, outs) for name, outs in seen.items()}
    layers = GatedLayers(tuple(checked[name] for name in dict.fromkeys(order)))
    return replace(layers, fork=_can_fork(model, layers, example))


def _can_fork(model: nn.Module, layers: GatedLayers, example: torch.Tensor) -> bool:
    """Whether K edits may share the pass up to the first gated layer: true where forking there gives the logits of
    repeating the input K times, on the probe batch (made at least two inputs long, so that nothing broadcasts). It
    fails, for one, where an input's activations from before the first gated layer join it again later (a residual
    connection around a gated block): the shared [B] tensor then meets a [K * B] one."""
    x = example if len(example) > 1 else example.expand(2, *example.shape[1:])
    gates = (0.5 + torch.rand(2, len(x), layers.n_units, generator=torch.Generator().manual_seed(0))).to(x)
    with torch.no_grad():
        repeated = gated_logits(model, layers, x, gates)
        try:
            forked = gated_logits(model, replace(layers, fork=True), x, gates)
        except RuntimeError:  # shapes that do not meet: the model needs the whole input repeated
            return False
    return forked.shape == repeated.shape and torch.allclose(forked, repeated, rtol=1e-4, atol=1e-5)


def repeat_batch(t: torch.Tensor, k: int) -> torch.Tensor:
    """[B, ...] -> [K * B, ...]: the batch K times over, copy after copy."""
    return t.expand(k, *t.shape).reshape(k * len(t), *t.shape[1:])


def _layer(name: str, outputs: list) -> GatedLayer:
    if not outputs:
        raise SymbiosisError(f"layer {name!r} is never called in forward, so it cannot be gated; name a layer it runs")
    if len(outputs) > 1:
        raise SymbiosisError(f"layer {name!r} is called {len(outputs)} times per forward; gate a module called once")
    out = outputs[0]
    if not isinstance(out, torch.Tensor):
        raise SymbiosisError(
            f"layer {name!r} returns a {type(out).__name__}, not a tensor, so it cannot be gated; "
            "name a submodule whose output is one tensor"
        )
    if out.dim() not in KIND_OF_DIM or not out.is_floating_point():
        raise SymbiosisError(
            f"layer {name!r} returns a {out.dim()}-d {out.dtype} tensor; gating needs a float [B, U], [B, T, D] "
            "or [B, C, H, W] output"
        )
    kind = KIND_OF_DIM[out.dim()]
    return GatedLayer(name, kind, out.shape[UNIT_AXIS[kind]])


def per_unit(values: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-unit values [..., U] shaped to broadcast over a layer's output: [..., C, 1, 1] for conv, [..., 1, D] for
    tokens (the token axis), unchanged for linear."""
    if kind == "conv":
        return values[..., None, None]
    if kind == "tokens":
        return values[..., None, :]
    return values


def summarise(out: torch.Tensor, kind: str) -> torch.Tensor:
    """A layer's output as one activation per unit [B, U]: the mean over positions (conv) or tokens."""
    if kind == "conv":
        return out.mean((2, 3))
    if kind == "tokens":
        return out.mean(1)
    return out


@contextmanager
def hooked(model: nn.Module, layers: GatedLayers, hook_for: Callable[[GatedLayer], Callable]) -> Iterator[None]:
    """Run the block with `hook_for(layer)` as a forward hook on each gated layer; a hook returning a tensor replaces
    the layer's output."""
    handles = [model.get_submodule(layer.name).register_forward_hook(hook_for(layer)) for layer in layers.layers]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _tensor_output(layer: GatedLayer, out) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise SymbiosisError(f"layer {layer.name!r} returned a {type(out).__name__} in this pass, not a tensor")
    return out


@torch.no_grad()
def record(model: nn.Module, layers: GatedLayers, x: torch.Tensor, full: bool = False):
    """The clean logits and activations of one batch, without gradients: (logits, units [B, U]), or
    (logits, {layer: full output})."""
    check_device(model, x)
    outs = {}

    def keep(layer):
        def hook(module, args, out):
            outs[layer.name] = _tensor_output(layer, out)

        return hook

    with hooked(model, layers, keep):
        logits = model(x)
    if full:
        return logits, outs
    return logits, torch.cat([summarise(outs[layer.name], layer.kind) for layer in layers.layers], dim=-1)


def gated_logits(
    model: nn.Module,
    layers: GatedLayers,
    x: torch.Tensor,
    gates: torch.Tensor | None = None,
    shifts: torch.Tensor | None = None,
) -> torch.Tensor:
    """Logits with every gated activation a edited into g * a + s (per unit, broadcast over positions or tokens).

    gates / shifts: [B, U] (logits [B, classes]), or [K, B, U] / [K, 1, U] for K edits of the same batch at once
    (logits [K, B, classes]): they run as one batch of K * B, the input repeated K times or, where `layers.fork`,
    the first gated layer's output; so the model must treat its inputs independently (eval mode: no batch
    statistics)."""
    check_device(model, x)
    edits = [v for v in (gates, shifts) if v is not None]
    many = bool(edits) and edits[0].dim() == 3
    k, b = (edits[0].shape[0], len(x)) if many else (1, len(x))
    fork_at = layers.layers[0].name if many and layers.fork else None
    if many:
        x = x if fork_at else repeat_batch(x, k)
        gates, shifts = (None if v is None else v.expand(k, b, -1).reshape(k * b, -1) for v in (gates, shifts))
    split_gates = None if gates is None else layers.split(gates)
    split_shifts = None if shifts is None else layers.split(shifts)

    def edit(layer):
        def hook(module, args, out):
            out = _tensor_output(layer, out)
            if layer.name == fork_at:
                out = repeat_batch(out, k)
            if split_gates is not None:
                out = out * per_unit(split_gates[layer.name], layer.kind)
            if split_shifts is not None:
                out = out + per_unit(split_shifts[layer.name], layer.kind)
            return out

        return hook

    with hooked(model, layers, edit):
        logits = model(x)
    return logits.view(k, b, -1) if many else logits
