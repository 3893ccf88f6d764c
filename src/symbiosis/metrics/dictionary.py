"""Polysemanticity at the level of features: a sparse dictionary over gated activations.

The class-level measure (symbiosis.metrics.polysemanticity) counts classes per unit; a unit that detects one stroke
shared by many digits counts as polysemantic there. Here the activations a [N, U] (divided by their overall RMS, so
that the penalty means the same at every scale) are explained as a sparse, non-negative combination of unit-norm,
non-negative directions, a ~ f D with f >= 0, by dictionary learning with the codes inferred by a non-negative lasso
(scikit-learn's MiniBatchDictionaryLearning). Non-negative, because the gated activations are ReLU outputs: a feature
is a direction of co-firing units, and a signed dictionary would spend atoms on cancelling each other. The codes come
from a lasso, not from a one-layer encoder: a sparse autoencoder's linear-ReLU encoder cannot tell apart features
whose directions overlap, and on the toy model of superposition (twelve features in five neurons) it fell back to
one atom per neuron and reported 1.2-1.9 features per neuron where 5-7 drive each (Spearman -0.63..0.60), while
lasso codes recover every feature direction (cosine > 0.99).

Features per unit: the share of unit u's mean activity owed to atom l, r_lu = E[f_l] D_lu / sum_l' E[f_l'] D_l'u, and
its effective number exp(H(r_.u)), from 1 (one feature drives the unit) to the number of atoms used. Atoms whose
directions have cosine >= `merge_cosine` are one feature split in two and count once.
Validated on planted dictionaries (tests/test_dictionary.py) and on the toy model of superposition of Elhage et al.
(2022) with its known features per neuron (tests/test_superposition.py: five toys, 24 live neurons, Spearman 0.96
pooled, 0.90 within a toy; the former sparse-autoencoder form -0.74). Not used in the workflow: on a primary's fc1
activations (mnist5k, 1,000 test images, 120 live units) it counts about a quarter of whatever dictionary it is given
(98.6 features per unit with 384 atoms, 373 with 1,536; dense primary, seed 0): dense activations of a real network
are not the sparse, identifiable features the toy has, and the number has no scale to compare across levels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import MiniBatchDictionaryLearning

from symbiosis.errors import SymbiosisError


@dataclass(frozen=True)
class DictionaryConfig:
    # Atoms per unit. On the toy model (5 neurons, 6-30 features) the pooled Spearman with the known features per
    # neuron was 0.90 with 4 atoms per unit and 0.98 with 8: too few atoms merge features.
    expansion: float = 8.0
    alpha: float = 0.3  # lasso weight on the codes (activations at unit RMS); 0.03 gave Spearman 0.57 on the toy
    max_iter: int = 20  # passes over the data
    batch_size: int = 256
    merge_cosine: float = 0.95
    seed: int = 0


def fit_dictionary(acts: torch.Tensor, cfg: DictionaryConfig = DictionaryConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary D [n_atoms, U] (unit-norm, non-negative rows) and codes f [N, n_atoms] of activations [N, U]."""
    if acts.dim() != 2 or len(acts) < 2:
        raise SymbiosisError(
            f"dictionary: need an activation matrix [n_images, n_units], got shape {tuple(acts.shape)}"
        )
    a = acts.detach().cpu().double().numpy()
    rms = np.sqrt((a**2).mean(0))
    a = a / np.where(rms > 0, rms, 1.0)  # each unit at unit RMS: the shares r_.u do not change, weak units are seen
    learner = MiniBatchDictionaryLearning(
        n_components=max(1, round(cfg.expansion * a.shape[1])),
        alpha=cfg.alpha,
        fit_algorithm="cd",
        transform_algorithm="lasso_cd",
        transform_alpha=cfg.alpha,
        positive_code=True,
        positive_dict=True,
        batch_size=min(cfg.batch_size, len(a)),
        max_iter=cfg.max_iter,
        random_state=cfg.seed,
    )
    with warnings.catch_warnings():  # coordinate descent's "did not converge" on a few samples per pass
        warnings.simplefilter("ignore")
        codes = learner.fit_transform(a)
    return learner.components_, codes


def latent_shares(dictionary: np.ndarray, codes: np.ndarray, merge_cosine: float = 0.95) -> np.ndarray:
    """r [n_atoms, U]: the share of each unit's mean activity owed to each atom (NaN columns where none is).

    Atoms with cosine >= `merge_cosine` are one feature split in two (a dictionary larger than the number of features
    does that): their activity is summed into the first of them."""
    norms = np.linalg.norm(dictionary, axis=1, keepdims=True)
    directions = dictionary / np.maximum(norms, 1e-12)
    first = ((directions @ directions.T) >= merge_cosine).argmax(0)  # each atom's group: its first near-duplicate
    drive = np.zeros_like(dictionary)
    np.add.at(drive, first, codes.mean(0)[:, None] * dictionary)
    total = drive.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, drive / total, np.nan)


def features_per_unit(acts: torch.Tensor, cfg: DictionaryConfig = DictionaryConfig()) -> torch.Tensor:
    """Effective number of dictionary features per unit, exp(H(r_.u)), [U]; NaN for a dead unit (never fires)."""
    dictionary, codes = fit_dictionary(acts, cfg)
    r = latent_shares(dictionary, codes, cfg.merge_cosine)
    with np.errstate(invalid="ignore", divide="ignore"):
        entropy = -np.where(r > 0, r * np.log(r), 0.0).sum(0)
    effective = torch.from_numpy(np.exp(entropy)).float()
    dead = (acts != 0).sum(0) == 0
    return torch.where(dead, torch.full_like(effective, float("nan")), effective)
