"""The toy model of superposition (Elhage et al. 2022), as a case where the features per neuron are known.

n sparse features x_i (each 0 with probability 1 - p, else uniform on [0, 1]) with importances I_i = decay^i pass
through m < n hidden units and are reconstructed: h = W x, x' = ReLU(W^T h + b), trained on sum_i I_i (x_i - x'_i)^2.
With `privileged=True` the hidden layer has a ReLU, h = ReLU(W x) ("superposition in a privileged basis"), so that
the hidden units are neurons in the primary's sense (non-negative, with a basis of their own).

Known answer: feature i drives neuron j with weight W_ji (ReLU(W_ji) in the privileged model: a negative weight
never shows in the neuron's activation when the feature is alone); the share of neuron j's mean activity owed to
feature i is q_ij = E[x_i] w_ji / sum_i' E[x_i'] w_ji', and the neuron's features per neuron is exp(H(q_.j)), from 1
(one feature) to n; NaN for a dead neuron (every weight negative). Sparser features (smaller p) are packed more
densely: more features per neuron. Every feature counts by its weight, also those Elhage et al. call not represented
(||W_i|| < 0.5): they still drive neurons, and the activation-based measure sees them (on the toy sweep of
tests/test_superposition.py the pooled Spearman of the dictionary measure was 0.98 counting them, 0.91 without).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from symbiosis.errors import SymbiosisError


@dataclass(frozen=True)
class ToyConfig:
    n_features: int = 20
    n_hidden: int = 5
    p: float = 0.05  # probability that a feature is active
    decay: float = 0.9  # importance of feature i: decay ** i
    privileged: bool = True  # ReLU on the hidden layer
    steps: int = 3000
    batch_size: int = 1024
    lr: float = 1e-2
    seed: int = 0


class ToyModel(torch.nn.Module):
    def __init__(self, cfg: ToyConfig):
        super().__init__()
        if not 0 < cfg.n_hidden < cfg.n_features:
            raise SymbiosisError(f"toy model: need 0 < n_hidden < n_features, got {cfg.n_hidden}, {cfg.n_features}")
        self.cfg = cfg
        self.W = torch.nn.Parameter(torch.nn.init.xavier_normal_(torch.empty(cfg.n_hidden, cfg.n_features)))
        self.b = torch.nn.Parameter(torch.zeros(cfg.n_features))

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        h = x @ self.W.T
        return torch.relu(h) if self.cfg.privileged else h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.hidden(x) @ self.W + self.b)


def sample_features(n: int, cfg: ToyConfig, generator: torch.Generator) -> torch.Tensor:
    """[n, n_features]: each feature 0 with probability 1 - p, else uniform on [0, 1]."""
    values = torch.rand(n, cfg.n_features, generator=generator)
    active = torch.rand(n, cfg.n_features, generator=generator) < cfg.p
    return values * active


def train_toy(cfg: ToyConfig) -> ToyModel:
    """Train the toy model with Adam on the importance-weighted reconstruction loss (about a second on one core)."""
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = ToyModel(cfg)
    importance = cfg.decay ** torch.arange(cfg.n_features, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for _ in range(cfg.steps):
        x = sample_features(cfg.batch_size, cfg, gen)
        loss = (importance * (x - model(x)) ** 2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()


def represented(model: ToyModel, threshold: float = 0.5) -> torch.Tensor:
    """Features the model represents: ||W_i|| above `threshold` (Elhage et al. plot ||W_i||: near 1 when represented,
    near 0 when not; the phase of the toy model, not its known answer, which counts every feature by its weight)."""
    return model.W.detach().norm(dim=0) > threshold


def feature_shares(model: ToyModel, threshold: float = 0.0) -> torch.Tensor:
    """q [n_features, n_hidden]: the share of each neuron's mean activity owed to each feature (columns sum to 1;
    NaN for a neuron no feature drives), counting the features with ||W_i|| > `threshold`. All features have the
    same mean, so q_ij is proportional to the weight."""
    w = model.W.detach().T * represented(model, threshold)[:, None]
    drive = torch.relu(w) if model.cfg.privileged else w.abs()
    total = drive.sum(0)
    return torch.where(total > 0, drive / total, torch.full_like(drive, float("nan")))


def features_per_neuron(model: ToyModel, threshold: float = 0.0) -> torch.Tensor:
    """The known answer: exp(H(q_.j)) per hidden neuron, [n_hidden] (NaN for a neuron no feature drives)."""
    q = feature_shares(model, threshold)
    entropy = -torch.where(q > 0, q * q.log(), torch.zeros_like(q)).sum(0)
    return torch.where(q.isnan().any(0), torch.full_like(entropy, float("nan")), entropy.exp())


@torch.no_grad()
def toy_activations(model: ToyModel, n: int, seed: int = 1) -> torch.Tensor:
    """Hidden activations [n, n_hidden] on fresh samples (the input a dictionary is fitted to)."""
    return model.hidden(sample_features(n, model.cfg, torch.Generator().manual_seed(seed)))
