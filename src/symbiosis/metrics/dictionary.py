"""Polysemanticity at the level of features: a sparse autoencoder (sparse dictionary) over gated activations.

The class-level measure (symbiosis.metrics.polysemanticity) counts classes per unit; a unit that detects one stroke
shared by many digits counts as polysemantic there. Here the activations a [N, U] are explained as a sparse,
non-negative combination of learned directions: f = ReLU(W_e (a - b_d) + b_e), a' = D f + b_d, trained on
||a - a'||^2 + l1 * sum_l |f_l| with unit-norm dictionary columns D_l (so the penalty cannot be dodged by scaling),
kept non-negative: the gated activations are ReLU outputs, so a feature is a direction of co-firing units, and a
signed dictionary would spend latents on cancelling each other.
Activations are first divided by their overall RMS, so that l1 means the same at every scale.

Features per unit: the share of unit u's mean activity owed to latent l, r_lu = E[f_l] |D_ul| / sum_l' E[f_l'] |D_ul'|,
and its effective number exp(H(r_.u)), from 1 (one feature drives the unit) to the number of live latents.
Validated on planted dictionaries (tests/test_dictionary.py: each unit within half a feature of its planted count).
Not yet validated on the toy model of superposition (symbiosis.superposition): there its features per unit did not
track the known features per neuron (Spearman -0.63 to 0.60 over the configurations tried), in part because the
toy's features whose ReLU(W_i) point the same way are one direction in activation space, which no activation-based
measure can split, while the known answer counts them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from symbiosis.errors import SymbiosisError


@dataclass(frozen=True)
class DictionaryConfig:
    expansion: float = 2.0  # latents per unit
    l1: float = 0.3  # weight of the L1 penalty on the latents (activations scaled to unit RMS)
    steps: int = 3000
    batch_size: int = 512
    lr: float = 1e-2
    seed: int = 0


class SparseAutoencoder(torch.nn.Module):
    def __init__(self, n_units: int, n_latents: int):
        super().__init__()
        self.encoder = torch.nn.Linear(n_units, n_latents)
        self.decoder = torch.nn.Parameter(torch.rand(n_units, n_latents))
        self.bias = torch.nn.Parameter(torch.zeros(n_units))
        self.normalise()

    @torch.no_grad()
    def normalise(self) -> None:
        self.decoder.clamp_(min=0)
        self.decoder /= self.decoder.norm(dim=0, keepdim=True).clamp_min(1e-8)

    def encode(self, a: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.encoder(a - self.bias))

    def forward(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.encode(a)
        return f @ self.decoder.T + self.bias, f


def fit_dictionary(acts: torch.Tensor, cfg: DictionaryConfig = DictionaryConfig()) -> tuple[SparseAutoencoder, float]:
    """Fit a sparse autoencoder to activations [N, U]; returns it and the RMS the activations were divided by."""
    if acts.dim() != 2 or len(acts) < 2:
        raise SymbiosisError(
            f"dictionary: need an activation matrix [n_images, n_units], got shape {tuple(acts.shape)}"
        )
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    scale = float(acts.pow(2).mean().sqrt()) or 1.0
    a = acts.float() / scale
    sae = SparseAutoencoder(a.shape[1], max(1, round(cfg.expansion * a.shape[1])))
    with torch.no_grad():  # dictionary started on random active samples, encoder as its transpose
        active = a[a.sum(1) > 0]
        sae.decoder.copy_(active[torch.randint(len(active), (sae.decoder.shape[1],), generator=gen)].T)
        sae.normalise()
        sae.encoder.weight.copy_(sae.decoder.T)
    opt = torch.optim.Adam(sae.parameters(), lr=cfg.lr)
    for _ in range(cfg.steps):
        batch = a[torch.randint(len(a), (min(cfg.batch_size, len(a)),), generator=gen)]
        recon, f = sae(batch)
        loss = (batch - recon).pow(2).sum(1).mean() + cfg.l1 * f.sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sae.normalise()
    return sae.eval(), scale


@torch.no_grad()
def latent_shares(sae: SparseAutoencoder, acts: torch.Tensor, scale: float, merge_cosine: float = 0.95) -> torch.Tensor:
    """r [n_latents, U]: the share of each unit's mean activity owed to each latent (NaN columns where none is).

    Latents whose dictionary directions have cosine >= `merge_cosine` are one feature split in two (a dictionary
    larger than the number of features does that): their activity is summed into the first of them."""
    mean_f = sae.encode(acts.float() / scale).mean(0)
    decoder = sae.decoder.detach()
    same = (decoder.T @ decoder) >= merge_cosine  # [L, L]: near-duplicate directions count as one feature
    first = same.float().argmax(0)  # each latent's group: its first near-duplicate
    drive = torch.zeros(len(mean_f), decoder.shape[0]).index_add_(0, first, mean_f[:, None] * decoder.T.abs())
    total = drive.sum(0)
    return torch.where(total > 0, drive / total, torch.full_like(drive, float("nan")))


def features_per_unit(acts: torch.Tensor, cfg: DictionaryConfig = DictionaryConfig()) -> torch.Tensor:
    """Effective number of dictionary features per unit, exp(H(r_.u)), [U]; NaN for a dead unit (never fires)."""
    sae, scale = fit_dictionary(acts, cfg)
    r = latent_shares(sae, acts, scale)
    entropy = -torch.where(r > 0, r * r.log(), torch.zeros_like(r)).sum(0)
    dead = (acts != 0).sum(0) == 0
    return torch.where(dead, torch.full_like(entropy, float("nan")), entropy.exp())
